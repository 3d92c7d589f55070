//! Reading messages: a conversation's timeline page by page, one or several
//! by id, and the view the real-time hub broadcasts.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::{ConversationSummary, MessagePage, MessageView};
use shared::Permission;
use uuid::Uuid;

use super::{MessageRow, MESSAGE_SELECT, PAGE_SIZE};
use crate::actor::Actor;
use crate::conversations::{self};
use crate::db::{Db, Tx};
use crate::error::Result;

/// The newest messages of a conversation, or those before `before`.
pub async fn list(db: &Db, actor: &Actor, number: i64, before: Option<i64>) -> Result<MessagePage> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = conversations::visible_summary(&mut tx, actor, number).await?;
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} WHERE m.conversation_id = $1 AND ($2::bigint IS NULL OR m.id < $2)
          ORDER BY m.id DESC LIMIT $3"
    ))
    .bind(conversation.id)
    .bind(before)
    .bind(PAGE_SIZE + 1)
    .fetch_all(&mut *tx)
    .await
    .context("listing messages")?;
    tx.commit().await.context("commit")?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let show_deleted = actor.can(Permission::SeeDeletedMessages);
    let mut messages: Vec<MessageView> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| r.into_view(show_deleted))
        .collect();
    messages.reverse();
    let older_cursor = if has_more {
        messages.first().map(|m| m.id)
    } else {
        None
    };
    Ok(MessagePage {
        messages,
        older_cursor,
    })
}

/// Messages created or changed since a moment (resync after reconnecting).
pub(crate) async fn changed_since(
    tx: &mut Tx,
    actor: &Actor,
    conversation_id: i64,
    since: DateTime<Utc>,
) -> anyhow::Result<Vec<MessageView>> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} WHERE m.conversation_id = $1 AND m.updated_at >= $2 ORDER BY m.id LIMIT 500"
    ))
    .bind(conversation_id)
    .bind(since)
    .fetch_all(&mut **tx)
    .await
    .context("listing changed messages")?;
    let show_deleted = actor.can(Permission::SeeDeletedMessages);
    Ok(rows
        .into_iter()
        .map(|r| r.into_view(show_deleted))
        .collect())
}

/// One message for broadcasting: the full view; each socket redacts what
/// its viewer may not see.
pub async fn by_id(db: &Db, account_id: Uuid, message_id: i64) -> Result<Option<MessageView>> {
    let mut tx = db.tenant_on_message_path(account_id).await?;
    let row: Option<MessageRow> = sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1"))
        .bind(message_id)
        .fetch_optional(&mut *tx)
        .await
        .context("reading message")?;
    tx.commit().await.context("commit")?;
    Ok(row.map(|r| r.into_view(true)))
}

/// The newest messages a customer sees in a conversation (no notes, no
/// activity lines, nothing deleted), oldest first, in one query.
pub(crate) async fn customer_visible_recent(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
    limit: i64,
) -> anyhow::Result<Vec<MessageView>> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} WHERE m.account_id = $1 AND m.conversation_id = $2
            AND m.kind IN ('incoming', 'outgoing') AND m.deleted_at IS NULL
          ORDER BY m.id DESC LIMIT $3"
    ))
    .bind(account_id)
    .bind(conversation_id)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
    .context("listing the customer's messages")?;
    Ok(rows.into_iter().rev().map(|r| r.into_view(false)).collect())
}

/// Several messages of one conversation for broadcasting or the widget's
/// history, in one query, oldest first.
pub async fn by_ids(
    db: &Db,
    account_id: Uuid,
    conversation_id: i64,
    message_ids: &[i64],
) -> Result<Vec<MessageView>> {
    let mut tx = db.tenant(account_id, None).await?;
    let messages = by_ids_in(&mut tx, account_id, conversation_id, message_ids).await?;
    tx.commit().await.context("commit")?;
    Ok(messages)
}

async fn by_ids_in(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
    message_ids: &[i64],
) -> anyhow::Result<Vec<MessageView>> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} WHERE m.account_id = $1 AND m.conversation_id = $2 AND m.id = ANY($3)
          ORDER BY m.id"
    ))
    .bind(account_id)
    .bind(conversation_id)
    .bind(message_ids)
    .fetch_all(&mut **tx)
    .await
    .context("reading messages")?;
    Ok(rows.into_iter().map(|r| r.into_view(true)).collect())
}

/// What broadcasting new or changed messages needs, in one transaction:
/// the conversation (who may see it) and the messages (full views; each
/// socket redacts what its viewer may not see). `None` when the
/// conversation is gone.
pub async fn for_broadcast(
    db: &Db,
    account_id: Uuid,
    conversation_id: i64,
    message_ids: &[i64],
) -> Result<Option<(ConversationSummary, Vec<MessageView>)>> {
    let mut tx = db.tenant_on_message_path(account_id).await?;
    let Some(summary) = conversations::summary_in(&mut tx, account_id, conversation_id).await?
    else {
        return Ok(None);
    };
    let messages = by_ids_in(&mut tx, account_id, conversation_id, message_ids).await?;
    tx.commit().await.context("commit")?;
    Ok(Some((summary, messages)))
}

pub(super) async fn view_in(
    tx: &mut Tx,
    message_id: i64,
    show_deleted: bool,
) -> anyhow::Result<MessageView> {
    let row: MessageRow = sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1"))
        .bind(message_id)
        .fetch_one(&mut **tx)
        .await
        .context("reading message")?;
    Ok(row.into_view(show_deleted))
}
