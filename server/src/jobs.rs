//! Periodic work every instance runs; safe with many instances because the
//! SQL claims rows with `FOR UPDATE SKIP LOCKED`.

use domain::Db;
use std::time::Duration;

/// Reopens snoozed conversations when their time comes.
pub async fn wake_snoozed(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(15));
    loop {
        tick.tick().await;
        match sqlx::query_scalar::<_, i32>("SELECT wake_snoozed_conversations()")
            .fetch_one(db.pool())
            .await
        {
            Ok(0) => {}
            Ok(woken) => tracing::info!(woken, "snoozed conversations reopened"),
            Err(err) => tracing::warn!(error = %err, "snooze sweeper failed"),
        }
    }
}
