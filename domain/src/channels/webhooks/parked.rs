//! The parking lot: events that kept failing, kept with what the provider
//! sent, for an admin to inspect and put back in the queue.

use anyhow::Context;
use shared::connections::{ParkedEvent, PARKED_BODY_SHOWN};

use super::{JOBS_CHANNEL, WAKE_PAYLOAD};
use crate::db::Db;
use crate::error::Result;

/// Parked events shown at once: enough to see a pattern.
const SHOWN: i64 = 50;

/// The connection's parked events, newest first.
pub async fn parked(db: &Db, actor: &crate::Actor, channel_id: i64) -> Result<Vec<ParkedEvent>> {
    crate::access::require_manage(db, actor, channel_id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    type Row = (
        i64,
        chrono::DateTime<chrono::Utc>,
        i32,
        Option<String>,
        Vec<u8>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, received_at, attempts, last_error, substring(body FROM 1 FOR $3 + 1)
           FROM webhook_events
          WHERE account_id = $1 AND channel_id = $2 AND state = 'parked'
          ORDER BY id DESC LIMIT $4",
    )
    .bind(actor.account_id)
    .bind(channel_id)
    .bind(i32::try_from(PARKED_BODY_SHOWN).unwrap_or(i32::MAX))
    .bind(SHOWN)
    .fetch_all(&mut *tx)
    .await
    .context("reading parked events")?;
    tx.commit().await.context("commit")?;
    Ok(rows
        .into_iter()
        .map(|(id, received_at, attempts, last_error, mut body)| {
            let truncated = body.len() > PARKED_BODY_SHOWN;
            body.truncate(PARKED_BODY_SHOWN);
            ParkedEvent {
                id,
                received_at,
                attempts,
                last_error,
                body: String::from_utf8_lossy(&body).into_owned(),
                truncated,
            }
        })
        .collect())
}

/// Puts parked events back in the queue (an admin's "replay").
pub async fn replay_parked(db: &Db, actor: &crate::Actor, channel_id: i64) -> Result<u64> {
    crate::access::require_manage(db, actor, channel_id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let replayed = sqlx::query(
        "UPDATE webhook_events SET state = 'pending', attempts = 0, next_attempt_at = now()
          WHERE account_id = $1 AND channel_id = $2 AND state = 'parked'",
    )
    .bind(actor.account_id)
    .bind(channel_id)
    .execute(&mut *tx)
    .await
    .context("replaying parked events")?
    .rows_affected();
    if replayed > 0 {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(JOBS_CHANNEL)
            .bind(WAKE_PAYLOAD)
            .execute(&mut *tx)
            .await
            .context("waking workers")?;
        crate::audit::record(
            &mut tx,
            actor,
            shared::audit::AuditAction::WebhookEventsReplayed,
            Some(crate::audit::Target::new("channel", channel_id)),
            serde_json::json!({ "replayed": replayed }),
        )
        .await?;
    }
    tx.commit().await.context("commit")?;
    Ok(replayed)
}
