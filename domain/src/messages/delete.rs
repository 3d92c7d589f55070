//! Deleting a message: soft, audited, still visible to who may see deleted
//! ones.

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::inbox::{MessageKind, MessageView};
use shared::Permission;

use super::view_in;
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::conversations::{self};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::realtime::{self, Signal};

/// Soft-deletes a message (audited). Who may see deleted messages still can.
pub async fn delete(db: &Db, actor: &Actor, message_id: i64) -> Result<MessageView> {
    actor.require(Permission::DeleteMessages)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let found: Option<(i64, MessageKind, i64)> = sqlx::query_as(
        "SELECT c.number, m.kind, m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.account_id = $1 AND m.id = $2 AND m.deleted_at IS NULL",
    )
    .bind(actor.account_id)
    .bind(message_id)
    .fetch_optional(&mut *tx)
    .await
    .context("finding message")?;
    let (number, kind, conversation_id) = found.ok_or(Error::NotFound)?;
    // Visibility of the conversation is checked like any other action.
    conversations::lock_for_change(&mut tx, actor, number).await?;
    if kind == MessageKind::Activity {
        return Err(Error::Forbidden);
    }
    let excerpt: String = sqlx::query_scalar(
        "UPDATE messages SET deleted_at = now(), deleted_by = $3, updated_at = now()
          WHERE account_id = $1 AND id = $2 RETURNING left(body, 200)",
    )
    .bind(actor.account_id)
    .bind(message_id)
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await
    .context("deleting message")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::MessageDeleted,
        Some(Target::new("message", message_id)),
        json!({ "conversation": number, "kind": kind, "excerpt": excerpt }),
    )
    .await?;
    realtime::publish(
        &mut tx,
        actor.account_id,
        Signal::MessageUpdated {
            conversation_id,
            message_id,
        },
    )
    .await?;
    let view = view_in(
        &mut tx,
        message_id,
        actor.can(Permission::SeeDeletedMessages),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(view)
}
