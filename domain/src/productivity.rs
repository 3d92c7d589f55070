//! Productivity events: what agents did, recorded by the domain at the
//! moment it happens — a reply sent, a conversation's first response, a
//! note, a transfer, a resolution. One row each: the raw material of the
//! dashboard's figures and the reports (definitions in docs/METRICS.md).

use anyhow::Context;
use shared::activity::WorkEvent;
use uuid::Uuid;

use crate::db::Tx;

/// Records `event` by `user_id` on a conversation. For a first response
/// and a resolution, the seconds since the conversation began come with it.
pub(crate) async fn record(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
    user_id: Uuid,
    event: WorkEvent,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO productivity_events (account_id, user_id, kind, conversation_id, channel_id, department_id, seconds)
         SELECT c.account_id, $3, $4, c.id, c.channel_id, c.department_id,
                CASE WHEN $4 IN ('first_response', 'conversation_resolved')
                     THEN floor(extract(epoch FROM now() - c.created_at))::integer END
           FROM conversations c
          WHERE c.account_id = $1 AND c.id = $2",
    )
    .bind(account_id)
    .bind(conversation_id)
    .bind(user_id)
    .bind(event)
    .execute(&mut **tx)
    .await
    .context("recording a productivity event")?;
    Ok(())
}
