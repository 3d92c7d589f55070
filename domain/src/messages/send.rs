//! Agents' replies and internal notes: checks, the channel's rules (24-hour
//! window, templates), mentions and their notifications.

use anyhow::Context;
use shared::activity::WorkEvent;
use shared::inbox::{
    Activity, ContentType, ConversationStatus, DeliveryStatus, MessageKind, MessageView,
    NotificationKind,
};
use shared::ErrorCode;
use uuid::Uuid;

use super::{preview, view_in, MAX_BODY_CHARS};
use crate::actor::Actor;
use crate::attachments::Uploader;
use crate::channels::outbound::{self, Route};
use crate::channels::templates::{self, TemplateChoice};
use crate::conversations::{self, Locked, Resume};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::productivity;
use crate::realtime::{self, Signal};

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
