//! An agent reading a conversation.

use anyhow::Context;

use super::super::visible_summary;
use crate::actor::Actor;
use crate::db::Db;
use crate::error::Result;
use crate::realtime::{self, Signal};

/// Marks everything in the conversation read by the actor; returns the
/// read count (also sent to the actor's other tabs).
pub async fn mark_read(db: &Db, actor: &Actor, number: i64) -> Result<i32> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let summary = visible_summary(&mut tx, actor, number).await?;
    let read_count: i32 = sqlx::query_scalar(
        "INSERT INTO conversation_reads (account_id, conversation_id, user_id, read_incoming_count)
         SELECT account_id, id, $3, incoming_count FROM conversations WHERE account_id = $1 AND id = $2
         ON CONFLICT (conversation_id, user_id)
         DO UPDATE SET read_incoming_count = EXCLUDED.read_incoming_count, read_at = now()
         RETURNING read_incoming_count",
    )
    .bind(actor.account_id)
    .bind(summary.id)
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await
    .context("marking read")?;
    if summary.read_count != Some(read_count) {
        realtime::publish(
            &mut tx,
            actor.account_id,
            Signal::ConversationRead {
                conversation_id: summary.id,
                user_id: actor.user_id,
                read_count,
            },
        )
        .await?;
    }
    tx.commit().await.context("commit")?;
    Ok(read_count)
}
