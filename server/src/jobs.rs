//! Periodic work every instance runs; safe with many instances because what
//! they claim is locked with `SKIP LOCKED`. The SQL only finds the work; the
//! domain's rules do it.

use domain::attachments::Storage;
use domain::Db;
use std::time::Duration;

/// Ends snoozes when their time comes.
pub async fn end_snoozes(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(15));
    loop {
        tick.tick().await;
        match domain::conversations::end_due_snoozes(&db).await {
            Ok(0) => {}
            Ok(ended) => tracing::info!(ended, "snoozed conversations back in the queue"),
            Err(err) => tracing::warn!(error = ?err, "snooze sweeper failed"),
        }
    }
}

/// Removes uploads never sent with a message, and partial uploads a crash
/// left behind.
pub async fn clean_up_uploads(db: Db, storage: Storage) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match domain::attachments::remove_stale_uploads(&db, &storage).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "stale uploads removed"),
            Err(err) => tracing::warn!(error = ?err, "upload cleanup failed"),
        }
        if let Err(err) = storage
            .remove_abandoned_incoming(Duration::from_secs(3600))
            .await
        {
            tracing::warn!(error = ?err, "removing abandoned partial uploads failed");
        }
    }
}
