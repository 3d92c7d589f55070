//! Messages in a conversation's timeline: reading them, agents sending replies
//! and internal notes, customers' incoming messages, deletion and delivery.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;
use shared::activity::WorkEvent;
use shared::audit::AuditAction;
use shared::inbox::{
    Activity, AttachmentView, ContentType, ConversationStatus, ConversationSummary, DeliveryStatus,
    Location, MessageKind, MessagePage, MessageView, NotificationKind, QuotedMessage,
};
use shared::{ErrorCode, Permission};
use uuid::Uuid;

use crate::actor::Actor;
use crate::attachments::Uploader;
use crate::audit::{self, Target};
use crate::channels::outbound::{self, Route};
use crate::channels::templates::{self, TemplateChoice};
use crate::conversations::{self, Locked, Resume};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::productivity;
use crate::realtime::{self, Signal};

pub const PAGE_SIZE: i64 = 50;
pub const MAX_BODY_CHARS: usize = 20_000;

const MESSAGE_SELECT: &str = "
    SELECT m.id, m.conversation_id, m.kind, m.content_type, m.body, m.location, m.activity,
           m.sender_user_id, u.name AS sender_name, m.mentions, m.delivery_status, m.delivery_error,
           m.client_id, m.created_at, m.updated_at, m.deleted_at,
           a.id AS attachment_id, a.file_name, a.content_type AS attachment_type, a.size_bytes,
           q.id AS quoted_id, q.kind AS quoted_kind, qu.name AS quoted_sender,
           left(q.body, 140) AS quoted_body, q.deleted_at IS NOT NULL AS quoted_deleted, m.email,
           m.menu_options, m.sentiment
      FROM messages m
      LEFT JOIN users u ON u.id = m.sender_user_id
      LEFT JOIN attachments a ON a.id = m.attachment_id
      LEFT JOIN messages q ON q.id = m.reply_to_id
      LEFT JOIN users qu ON qu.id = q.sender_user_id";

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    id: i64,
    conversation_id: i64,
    kind: MessageKind,
    content_type: ContentType,
    body: String,
    location: Option<serde_json::Value>,
    activity: Option<serde_json::Value>,
    sender_user_id: Option<Uuid>,
    sender_name: Option<String>,
    mentions: Vec<Uuid>,
    delivery_status: Option<DeliveryStatus>,
    delivery_error: Option<String>,
    client_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    attachment_id: Option<i64>,
    file_name: Option<String>,
    attachment_type: Option<String>,
    size_bytes: Option<i64>,
    quoted_id: Option<i64>,
    quoted_kind: Option<MessageKind>,
    quoted_sender: Option<String>,
    quoted_body: Option<String>,
    quoted_deleted: Option<bool>,
    email: Option<serde_json::Value>,
    menu_options: Vec<String>,
    sentiment: Option<f32>,
}

impl MessageRow {
    /// `show_deleted`: whether the viewer may read deleted messages.
    pub(crate) fn into_view(self, show_deleted: bool) -> MessageView {
        let deleted = self.deleted_at.is_some();
        let hide = deleted && !show_deleted;
        let attachment = match (
            self.attachment_id,
            self.file_name,
            self.attachment_type,
            self.size_bytes,
        ) {
            (Some(id), Some(file_name), Some(content_type), Some(size_bytes)) if !hide => {
                Some(AttachmentView {
                    id,
                    url: format!("/attachments/{id}/{}", url_segment(&file_name)),
                    file_name,
                    content_type,
                    size_bytes,
                })
            }
            _ => None,
        };
        let quoted = match (self.quoted_id, self.quoted_kind) {
            (Some(id), Some(kind)) if !hide => {
                // Live frames are built once for every viewer: a deleted
                // message's text never travels inside another's quote.
                let hidden = self.quoted_deleted == Some(true);
                Some(QuotedMessage {
                    id,
                    kind,
                    sender_name: self.quoted_sender,
                    excerpt: if hidden {
                        String::new()
                    } else {
                        self.quoted_body.unwrap_or_default()
                    },
                })
            }
            _ => None,
        };
        MessageView {
            id: self.id,
            conversation_id: self.conversation_id,
            kind: self.kind,
            content_type: self.content_type,
            body: if hide { String::new() } else { self.body },
            attachment,
            location: self
                .location
                .and_then(|l| serde_json::from_value::<Location>(l).ok()),
            activity: self
                .activity
                .and_then(|a| serde_json::from_value::<Activity>(a).ok()),
            sender_id: self.sender_user_id,
            sender_name: self.sender_name,
            mentions: self.mentions,
            delivery_status: self.delivery_status,
            delivery_error: self.delivery_error,
            client_id: self.client_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted,
            quoted,
            email: self
                .email
                .filter(|_| !hide)
                .and_then(|e| serde_json::from_value(e).ok()),
            menu_options: if hide { Vec::new() } else { self.menu_options },
            sentiment: self
                .sentiment
                .filter(|_| !hide)
                .map(crate::ai::sentiment::feeling_of),
        }
    }
}

/// A file name made safe for a URL path segment.
pub fn url_segment(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

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

async fn view_in(tx: &mut Tx, message_id: i64, show_deleted: bool) -> anyhow::Result<MessageView> {
    let row: MessageRow = sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1"))
        .bind(message_id)
        .fetch_one(&mut **tx)
        .await
        .context("reading message")?;
    Ok(row.into_view(show_deleted))
}

/// The text shown under a conversation in the list.
pub fn preview(body: &str, content_type: ContentType, file_name: Option<&str>) -> String {
    let text: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.is_empty() {
        return text.chars().take(140).collect();
    }
    match (content_type, file_name) {
        (ContentType::Location, _) => "📍".into(),
        (ContentType::Image, _) => "🖼 ".to_string() + file_name.unwrap_or_default(),
        (ContentType::Audio, _) => "🎤 ".to_string() + file_name.unwrap_or_default(),
        (ContentType::Video, _) => "🎬 ".to_string() + file_name.unwrap_or_default(),
        (_, Some(name)) => format!("📎 {name}"),
        _ => String::new(),
    }
}

/// What an agent sends.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    pub body: String,
    /// An internal note: never reaches the customer.
    pub note: bool,
    /// Set by the browser so a retried send is stored once.
    pub client_id: Option<Uuid>,
    pub attachment_id: Option<i64>,
    /// Agents @mentioned in a note.
    pub mentions: Vec<Uuid>,
    /// A WhatsApp template with its values, instead of free text (the only
    /// way to write once the customer's 24-hour window has closed).
    pub template: Option<TemplateChoice>,
    /// The message of this conversation it answers (quoted).
    pub reply_to: Option<i64>,
}

/// An agent replies to the customer or writes an internal note.
pub async fn send(db: &Db, actor: &Actor, number: i64, reply: &Reply) -> Result<MessageView> {
    let body = reply.body.trim().to_string();
    if reply.template.is_some() && (reply.note || reply.attachment_id.is_some()) {
        return Err(Error::field("template_id", ErrorCode::InvalidValue));
    }
    if body.is_empty() && reply.attachment_id.is_none() && reply.template.is_none() {
        return Err(Error::field("body", ErrorCode::Required));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(Error::field("body", ErrorCode::TooLong));
    }
    if !reply.note && !reply.mentions.is_empty() {
        return Err(Error::field("mentions", ErrorCode::InvalidValue));
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let (conversation, scope) = conversations::lock_in_scope(&mut tx, actor, number).await?;
    // Notes stay inside; a reply leaves through the connection.
    if !reply.note {
        scope.require_write(conversation.channel_id)?;
    }

    // A retried send returns what the first attempt stored.
    if let Some(client_id) = reply.client_id {
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE conversation_id = $1 AND client_id = $2",
        )
        .bind(conversation.id)
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await
        .context("checking for a retried send")?;
        if let Some(id) = existing {
            let view = view_in(&mut tx, id, true).await?;
            tx.commit().await.context("commit")?;
            return Ok(view);
        }
    }

    let (body, template) = match &reply.template {
        Some(choice) => {
            let (text, send) =
                templates::prepare(&mut tx, actor.account_id, conversation.channel_id, choice)
                    .await?;
            (text, Some(sqlx::types::Json(send)))
        }
        None => (body, None),
    };
    if let Some(quoted) = reply.reply_to {
        let quotable: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM messages
                             WHERE account_id = $1 AND conversation_id = $2 AND id = $3
                               AND kind IN ('incoming', 'outgoing') AND deleted_at IS NULL)",
        )
        .bind(actor.account_id)
        .bind(conversation.id)
        .bind(quoted)
        .fetch_one(&mut *tx)
        .await
        .context("checking the quoted message")?;
        if !quotable {
            return Err(Error::field("reply_to", ErrorCode::InvalidValue));
        }
    }
    let (content_type, file_name) = match reply.attachment_id {
        Some(id) => attach(&mut tx, id, &conversation, Uploader::Agent(actor.user_id)).await?,
        None => (ContentType::Text, None),
    };
    let mut conversation = conversation;
    if !reply.note {
        before_agent_reply(&mut tx, actor, &mut conversation).await?;
    }
    let mentions = if reply.note {
        valid_mentions(&mut tx, actor, &reply.mentions).await?
    } else {
        vec![]
    };
    let kind = if reply.note {
        MessageKind::Note
    } else {
        MessageKind::Outgoing
    };
    let route = if reply.note {
        None
    } else {
        Some(
            outbound::route_for_reply(
                &mut tx,
                actor.account_id,
                conversation.id,
                conversation.channel_id,
                template.is_some(),
            )
            .await?,
        )
    };
    // The website widget receives over our own socket: stored means sent.
    // Providers' replies wait in the outbound queue.
    let delivery = route.map(|route| match route {
        Route::OwnSocket => DeliveryStatus::Sent,
        Route::Provider(_) => DeliveryStatus::Pending,
    });
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, content_type, body, attachment_id,
                               sender_user_id, mentions, client_id, delivery_status, template, reply_to_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(actor.account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .bind(kind)
    .bind(content_type)
    .bind(&body)
    .bind(reply.attachment_id)
    .bind(actor.user_id)
    .bind(&mentions)
    .bind(reply.client_id)
    .bind(delivery)
    .bind(template)
    .bind(reply.reply_to)
    .fetch_one(&mut *tx)
    .await
    .context("storing message")?;

    if reply.note {
        sqlx::query(
            "UPDATE conversations SET last_activity_at = now() WHERE account_id = $1 AND id = $2",
        )
        .bind(actor.account_id)
        .bind(conversation.id)
        .execute(&mut *tx)
        .await
        .context("updating conversation")?;
        notify_mentions(&mut tx, actor, conversation.id, message_id, &mentions).await?;
        productivity::record(
            &mut tx,
            actor.account_id,
            conversation.id,
            actor.user_id,
            WorkEvent::NoteAdded,
        )
        .await?;
    } else {
        // The row is locked: the subquery sees it as it was before. An
        // answer ends the SLA's next-response turn (service_desk::sla).
        let first_response: bool = sqlx::query_scalar(
            "UPDATE conversations c
                SET last_message_preview = $2, last_message_kind = 'outgoing', last_activity_at = now(),
                    first_response_at = COALESCE(c.first_response_at, now()), waiting_since = NULL,
                    sla_next_response_due_at = NULL
               FROM (SELECT first_response_at IS NULL AS first FROM conversations
                      WHERE account_id = $3 AND id = $1) before
              WHERE c.account_id = $3 AND c.id = $1
          RETURNING before.first",
        )
        .bind(conversation.id)
        .bind(preview(&body, content_type, file_name.as_deref()))
        .bind(actor.account_id)
        .fetch_one(&mut *tx)
        .await
        .context("updating conversation")?;
        productivity::record(
            &mut tx,
            actor.account_id,
            conversation.id,
            actor.user_id,
            WorkEvent::MessageSent,
        )
        .await?;
        if first_response {
            productivity::record(
                &mut tx,
                actor.account_id,
                conversation.id,
                actor.user_id,
                WorkEvent::FirstResponse,
            )
            .await?;
        }
    }
    if let Some(Route::Provider(_)) = route {
        outbound::enqueue(
            &mut tx,
            actor.account_id,
            conversation.channel_id,
            message_id,
        )
        .await?;
    }
    realtime::publish(
        &mut tx,
        actor.account_id,
        Signal::MessageCreated {
            conversation_id: conversation.id,
            message_id,
        },
    )
    .await?;
    conversations::touch(&mut tx, actor.account_id, conversation.id).await?;
    let view = view_in(&mut tx, message_id, true).await?;
    tx.commit().await.context("commit")?;
    Ok(view)
}

/// Replying takes the conversation over from a flow, reopens a closed one
/// and takes an unassigned one.
async fn before_agent_reply(tx: &mut Tx, actor: &Actor, conversation: &mut Locked) -> Result<()> {
    crate::flows::runs::take_over(tx, conversation, &actor.name).await?;
    if conversation.status.is_closed() {
        conversations::resume(tx, conversation, Resume::ByAgent(actor)).await?;
    }
    if conversation.assignee_id.is_none() {
        sqlx::query(
            "UPDATE conversations SET assignee_id = $3, status = 'in_progress', snoozed_until = NULL
              WHERE account_id = $1 AND id = $2",
        )
        .bind(actor.account_id)
        .bind(conversation.id)
        .bind(actor.user_id)
        .execute(&mut **tx)
        .await
        .context("assigning on reply")?;
        conversations::add_activity(
            tx,
            conversation,
            &Activity::Assigned {
                to: Some(actor.name.clone()),
                by: actor.name.clone(),
            },
        )
        .await?;
        conversation.assignee_id = Some(actor.user_id);
        conversation.status = ConversationStatus::InProgress;
        // Out of `waiting`: clocks stopped while waiting on the customer run
        // again (else they would stay stopped, never to breach).
        crate::service_desk::sla::follow_status(tx, conversation).await?;
    }
    Ok(())
}

/// Links a pending upload to the conversation it is sent in. Only its
/// uploader may, and only once: a file already sent (or one of another
/// person's) cannot be taken over by its id.
pub(crate) async fn attach(
    tx: &mut Tx,
    attachment_id: i64,
    conversation: &Locked,
    uploader: Uploader,
) -> Result<(ContentType, Option<String>)> {
    let (agent, contact) = match uploader {
        Uploader::Agent(user_id) => (Some(user_id), None),
        Uploader::Contact(contact_id) => (None, Some(contact_id)),
        // Ponte's own files are linked by the job that fetched them.
        Uploader::Automation => (None, None),
    };
    let row: Option<(String, String)> = sqlx::query_as(
        "UPDATE attachments a SET conversation_id = $3
          WHERE a.account_id = $1 AND a.id = $2 AND a.conversation_id IS NULL
            AND (a.uploaded_by = $4 OR a.uploaded_by_contact = $5)
            AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment_id = a.id)
      RETURNING a.content_type, a.file_name",
    )
    .bind(conversation.account_id)
    .bind(attachment_id)
    .bind(conversation.id)
    .bind(agent)
    .bind(contact)
    .fetch_optional(&mut **tx)
    .await
    .context("attaching file")?;
    let (mime, file_name) =
        row.ok_or_else(|| Error::field("attachment_id", ErrorCode::InvalidValue))?;
    Ok((crate::attachments::content_type_of(&mime), Some(file_name)))
}

async fn valid_mentions(tx: &mut Tx, actor: &Actor, mentions: &[Uuid]) -> Result<Vec<Uuid>> {
    if mentions.is_empty() {
        return Ok(vec![]);
    }
    let valid: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE account_id = $1 AND active AND user_id = ANY($2)",
    )
    .bind(actor.account_id)
    .bind(mentions)
    .fetch_all(&mut **tx)
    .await
    .context("checking mentions")?;
    if valid.len()
        != mentions
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
    {
        return Err(Error::field("mentions", ErrorCode::OptionInvalid));
    }
    Ok(valid)
}

async fn notify_mentions(
    tx: &mut Tx,
    actor: &Actor,
    conversation_id: i64,
    message_id: i64,
    mentions: &[Uuid],
) -> anyhow::Result<()> {
    for user_id in mentions.iter().filter(|id| **id != actor.user_id) {
        crate::notifications::notify(
            tx,
            actor,
            *user_id,
            NotificationKind::Mention,
            conversation_id,
            message_id,
        )
        .await?;
    }
    Ok(())
}

/// A customer's message, already matched to its conversation.
pub(crate) struct Incoming<'a> {
    pub body: &'a str,
    pub content_type: ContentType,
    pub attachment_id: Option<i64>,
    pub file_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
    /// The provider's id of the message it quotes, if we have that message.
    pub quoted_external_id: Option<&'a str>,
    /// An e-mail's subject, HTML, quoted history and threading ids.
    pub email: Option<serde_json::Value>,
}

/// Stores an incoming message; `None` when its external id was seen before
/// (a redelivery). Counts it as unread, starts the customer's wait, and
/// signals both the message and the conversation.
pub(crate) async fn insert_incoming(
    tx: &mut Tx,
    account_id: Uuid,
    conversation: &Locked,
    incoming: &Incoming<'_>,
) -> anyhow::Result<Option<i64>> {
    let sentiment = (!incoming.body.trim().is_empty())
        .then(|| crate::ai::sentiment::of_text(incoming.body).score);
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, content_type, body, attachment_id, external_id,
                               reply_to_id, email, sentiment)
         VALUES ($1, $2, $3, 'incoming', $4, $5, $6, $7,
                 (SELECT q.id FROM messages q WHERE q.channel_id = $3 AND q.external_id = $8 AND q.account_id = $1
                                                AND q.conversation_id = $2), $9, $10)
         ON CONFLICT (channel_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
         RETURNING id",
    )
    .bind(account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .bind(incoming.content_type)
    .bind(incoming.body)
    .bind(incoming.attachment_id)
    .bind(incoming.external_id)
    .bind(incoming.quoted_external_id)
    .bind(&incoming.email)
    .bind(sentiment)
    .fetch_optional(&mut **tx)
    .await
    .context("storing incoming message")?;
    let Some(message_id) = inserted else {
        return Ok(None);
    };
    let incoming_count: i32 = sqlx::query_scalar(
        "UPDATE conversations
            SET incoming_count = incoming_count + 1, last_message_preview = $2, last_message_kind = 'incoming',
                last_activity_at = now(), waiting_since = COALESCE(waiting_since, now()),
                sentiment = $4, updated_at = now()
          WHERE account_id = $3 AND id = $1
          RETURNING incoming_count",
    )
    .bind(conversation.id)
    .bind(preview(incoming.body, incoming.content_type, incoming.file_name))
    .bind(account_id)
    .bind(
        sentiment
            .map(|latest| crate::ai::sentiment::follow(conversation.sentiment, latest))
            .or(conversation.sentiment),
    )
    .fetch_one(&mut **tx)
    .await
    .context("updating conversation")?;
    realtime::publish(
        tx,
        account_id,
        Signal::MessageCreated {
            conversation_id: conversation.id,
            message_id,
        },
    )
    .await?;
    // The conversation changed too (one update above, not a second "touch").
    realtime::publish(
        tx,
        account_id,
        Signal::ConversationChanged {
            conversation_id: conversation.id,
        },
    )
    .await?;
    let message = crate::flows::runs::triggers::Message {
        text: incoming.body,
        first: incoming_count == 1,
    };
    crate::service_desk::after_customer_message(tx, account_id, conversation, &message).await?;
    Ok(Some(message_id))
}

/// Stores a message the business sent from outside Ponte (its own phone,
/// through a gateway that echoes it) as ours: outgoing, already sent, by
/// nobody in Ponte. `None` when its external id was seen before.
pub(crate) async fn insert_echo(
    tx: &mut Tx,
    account_id: Uuid,
    conversation: &Locked,
    incoming: &Incoming<'_>,
) -> anyhow::Result<Option<i64>> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, content_type, body, external_id, delivery_status,
                               reply_to_id)
         VALUES ($1, $2, $3, 'outgoing', $4, $5, $6, 'sent',
                 (SELECT q.id FROM messages q WHERE q.channel_id = $3 AND q.external_id = $7 AND q.account_id = $1
                                                AND q.conversation_id = $2))
         ON CONFLICT (channel_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
         RETURNING id",
    )
    .bind(account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .bind(incoming.content_type)
    .bind(incoming.body)
    .bind(incoming.external_id)
    .bind(incoming.quoted_external_id)
    .fetch_optional(&mut **tx)
    .await
    .context("storing a message sent from the phone")?;
    let Some(message_id) = inserted else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE conversations
            SET last_message_preview = $2, last_message_kind = 'outgoing', last_activity_at = now()
          WHERE account_id = $3 AND id = $1",
    )
    .bind(conversation.id)
    .bind(preview(
        incoming.body,
        incoming.content_type,
        incoming.file_name,
    ))
    .bind(account_id)
    .execute(&mut **tx)
    .await
    .context("updating conversation")?;
    realtime::publish(
        tx,
        account_id,
        Signal::MessageCreated {
            conversation_id: conversation.id,
            message_id,
        },
    )
    .await?;
    Ok(Some(message_id))
}

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

/// Moves outgoing messages up to `up_to` forward to `status` (delivered,
/// read); never backwards. Returns the ids that changed.
pub(crate) async fn advance_delivery(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
    up_to: i64,
    status: DeliveryStatus,
) -> anyhow::Result<Vec<i64>> {
    use DeliveryStatus::*;
    let earlier: &[DeliveryStatus] = match status {
        Delivered => &[Pending, Sent],
        Read => &[Pending, Sent, Delivered],
        _ => &[],
    };
    let mut changed: Vec<i64> = sqlx::query_scalar(
        "UPDATE messages SET delivery_status = $4, updated_at = now()
          WHERE account_id = $1 AND conversation_id = $2 AND id <= $3 AND kind = 'outgoing'
            AND delivery_status = ANY($5)
      RETURNING id",
    )
    .bind(account_id)
    .bind(conversation_id)
    .bind(up_to)
    .bind(status)
    .bind(earlier)
    .fetch_all(&mut **tx)
    .await
    .context("updating delivery status")?;
    changed.sort_unstable();
    for message_ids in changed.chunks(realtime::MESSAGE_IDS_PER_SIGNAL) {
        realtime::publish(
            tx,
            account_id,
            Signal::MessagesUpdated {
                conversation_id,
                message_ids: message_ids.to_vec(),
            },
        )
        .await?;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_one_line_and_describe_files() {
        assert_eq!(
            preview("Olá,\n  tudo bem?", ContentType::Text, None),
            "Olá, tudo bem?"
        );
        assert_eq!(
            preview("", ContentType::Image, Some("foto.png")),
            "🖼 foto.png"
        );
        assert_eq!(
            preview("", ContentType::File, Some("nota.pdf")),
            "📎 nota.pdf"
        );
        assert_eq!(
            preview(&"a".repeat(500), ContentType::Text, None)
                .chars()
                .count(),
            140
        );
    }

    #[test]
    fn url_segments_are_safe() {
        assert_eq!(
            url_segment("relatório final (1).pdf"),
            "relat_rio_final__1_.pdf"
        );
        assert_eq!(url_segment("../../etc/passwd"), ".._.._etc_passwd");
    }
}
