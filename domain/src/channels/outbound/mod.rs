//! Agent replies on provider channels: checked and queued in the reply's
//! own transaction, then sent by workers on any instance with retries and
//! backoff; a permanent refusal marks the message failed with the
//! provider's reason, and "retry" puts it back in the queue.

use anyhow::Context;
use shared::inbox::ChannelKind;
use shared::{ErrorCode, Permission};
use uuid::Uuid;

use super::connections::{self, ProviderConfig};
use super::email;
use super::provider::SendError;
use super::vault::Vault;
use super::webhooks::{JOBS_CHANNEL, LEASE_SECONDS};
use super::whatsapp_templates::TemplateSend;
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::realtime::{self, Signal};

mod automatic;
mod send;
pub(crate) use automatic::{
    send_automatic, send_file_from_url, send_menu, send_question, send_template,
};
pub use send::Sender;
use send::{send, Outgoing};

/// Sends tried before a message is marked failed.
pub const MAX_ATTEMPTS: i32 = 6;
/// WhatsApp accepts free text only this long after the customer's last message.
pub const SERVICE_WINDOW_HOURS: i64 = 24;
const BATCH: i32 = 20;

/// How a channel's replies reach the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The website widget: our own socket; stored means sent.
    OwnSocket,
    /// Through the provider, by the outbound queue.
    Provider(ChannelKind),
}

/// The route of a conversation's replies, refusing what the provider would
/// refuse anyway (free text or files outside WhatsApp's window); templates
/// are what the window allows.
pub(crate) async fn route_for_reply(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
    channel_id: i64,
    is_template: bool,
) -> Result<Route> {
    let kind: String =
        sqlx::query_scalar("SELECT kind FROM channels WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(channel_id)
            .fetch_one(&mut **tx)
            .await
            .context("reading the conversation's channel")?;
    let kind: ChannelKind = kind
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown channel kind {kind}"))?;
    if kind == ChannelKind::Website {
        return Ok(Route::OwnSocket);
    }
    // Meta's rule for WhatsApp, Messenger and Instagram alike.
    if is_template && kind != ChannelKind::WhatsappCloud {
        return Err(Error::field("template_id", ErrorCode::OptionInvalid));
    }
    if !is_template
        && matches!(
            kind,
            ChannelKind::WhatsappCloud | ChannelKind::Messenger | ChannelKind::Instagram
        )
    {
        let in_window: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM messages
                             WHERE account_id = $1 AND conversation_id = $2 AND kind = 'incoming'
                               AND created_at > now() - make_interval(hours => $3::int))",
        )
        .bind(account_id)
        .bind(conversation_id)
        .bind(SERVICE_WINDOW_HOURS as i32)
        .fetch_one(&mut **tx)
        .await
        .context("checking the 24-hour window")?;
        if !in_window {
            return Err(Error::field("body", ErrorCode::OutsideServiceWindow));
        }
    }
    Ok(Route::Provider(kind))
}

/// Queues a stored reply for sending; workers wake when the caller commits.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    message_id: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO outbound_messages (message_id, account_id, channel_id) VALUES ($1, $2, $3)
         ON CONFLICT (message_id) DO UPDATE
            SET state = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL",
    )
    .bind(message_id)
    .bind(account_id)
    .bind(channel_id)
    .execute(&mut **tx)
    .await
    .context("queueing the reply")?;
    sqlx::query("SELECT pg_notify($1, 'outbound')")
        .bind(JOBS_CHANNEL)
        .execute(&mut **tx)
        .await
        .context("waking workers")?;
    Ok(())
}

/// "Retry" on a failed reply: back in the queue, pending again.
pub async fn retry(db: &Db, actor: &Actor, message_id: i64) -> Result<()> {
    actor.require(Permission::WorkConversations)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let found: Option<(i64, i64)> = sqlx::query_as(
        "SELECT c.number, m.channel_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.account_id = $1 AND m.id = $2 AND m.kind = 'outgoing' AND m.delivery_status = 'failed'
            AND m.deleted_at IS NULL",
    )
    .bind(actor.account_id)
    .bind(message_id)
    .fetch_optional(&mut *tx)
    .await
    .context("finding the failed reply")?;
    let (number, channel_id) = found.ok_or(Error::NotFound)?;
    let (conversation, scope) = crate::conversations::lock_in_scope(&mut tx, actor, number).await?;
    scope.require_write(conversation.channel_id)?;
    sqlx::query(
        "UPDATE messages SET delivery_status = 'pending', delivery_error = NULL, updated_at = now()
          WHERE account_id = $1 AND id = $2",
    )
    .bind(actor.account_id)
    .bind(message_id)
    .execute(&mut *tx)
    .await
    .context("marking the reply pending")?;
    // A flow's file that could not be fetched is fetched again first.
    if !super::media::retry_outgoing(&mut tx, actor.account_id, message_id).await? {
        enqueue(&mut tx, actor.account_id, channel_id, message_id).await?;
    }
    realtime::publish(
        &mut tx,
        actor.account_id,
        Signal::MessageUpdated {
            conversation_id: conversation.id,
            message_id,
        },
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Claims due replies and sends them; returns how many were claimed.
pub async fn process_due(db: &Db, vault: &Vault, sender: &Sender) -> Result<usize> {
    let mut claimed: Vec<(i64, Uuid)> =
        sqlx::query_as("SELECT message_id, account_id FROM claim_outbound_messages($1, $2)")
            .bind(BATCH)
            .bind(LEASE_SECONDS)
            .fetch_all(db.pool())
            .await
            .context("claiming outbound messages")?;
    // Oldest first: a conversation's replies leave in the order they were said.
    claimed.sort_unstable_by_key(|&(message_id, _)| message_id);
    for &(message_id, account_id) in &claimed {
        if let Err(err) = deliver(db, vault, sender, account_id, message_id).await {
            tracing::warn!(message = message_id, error = ?err, "sending a reply failed unexpectedly");
        }
    }
    Ok(claimed.len())
}

async fn deliver(
    db: &Db,
    vault: &Vault,
    sender: &Sender,
    account_id: Uuid,
    message_id: i64,
) -> Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    let outgoing = read_outgoing(&mut tx, vault, account_id, message_id).await;
    tx.commit().await.context("commit")?;
    let outgoing = match outgoing {
        Ok(Some(outgoing)) => outgoing,
        Ok(None) => return Ok(()),
        Err(err) => {
            let reason = format!("{err}");
            return finish(
                db,
                account_id,
                message_id,
                None,
                Err(SendError::Permanent(reason)),
            )
            .await;
        }
    };
    let sent = if outgoing.connection.active {
        send::wait_for_send_slot(
            db,
            outgoing.connection.id,
            outgoing.connection.config.messages_per_second(),
        )
        .await?;
        send(sender, &outgoing, message_id).await
    } else {
        Err(SendError::Permanent("the connection is disabled".into()))
    };
    let sent = match sent {
        Err(SendError::Retry(reason)) if outgoing.attempts >= MAX_ATTEMPTS => {
            Err(SendError::Permanent(reason))
        }
        other => other,
    };
    finish(db, account_id, message_id, Some(&outgoing), sent).await
}

async fn read_outgoing(
    tx: &mut Tx,
    vault: &Vault,
    account_id: Uuid,
    message_id: i64,
) -> Result<Option<Outgoing>> {
    type Row = (
        i32,
        String,
        Option<sqlx::types::Json<TemplateSend>>,
        chrono::DateTime<chrono::Utc>,
        i64,
        i64,
        i64,
        i64,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
        Vec<String>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT o.attempts, m.body, m.template, m.created_at, m.conversation_id, c.number, m.channel_id, c.contact_id,
                a.id, a.file_name, a.content_type, q.external_id, m.menu_options
           FROM outbound_messages o
           JOIN messages m ON m.id = o.message_id
           JOIN conversations c ON c.id = m.conversation_id
           LEFT JOIN attachments a ON a.id = m.attachment_id
           LEFT JOIN messages q ON q.id = m.reply_to_id
          WHERE o.account_id = $1 AND o.message_id = $2 AND o.state = 'pending'",
    )
    .bind(account_id)
    .bind(message_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the reply to send")?;
    let Some((
        attempts,
        body,
        template,
        created_at,
        conversation_id,
        conversation_number,
        channel_id,
        contact_id,
        attachment_id,
        file_name,
        content_type,
        quoted,
        menu,
    )) = row
    else {
        return Ok(None);
    };
    let file = attachment_id.map(|id| {
        (
            id,
            file_name.unwrap_or_default(),
            content_type.unwrap_or_default(),
        )
    });
    let to: Option<String> = sqlx::query_scalar(
        "SELECT external_id FROM contact_identities
          WHERE account_id = $1 AND contact_id = $2 AND channel_id = $3 ORDER BY id LIMIT 1",
    )
    .bind(account_id)
    .bind(contact_id)
    .bind(channel_id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding the customer's address")?;
    let to = to.ok_or_else(|| anyhow::anyhow!("the customer has no address on this channel"))?;
    let connection = connections::open_in(tx, vault, account_id, channel_id).await?;
    let email = match &connection.config {
        ProviderConfig::Email { settings, .. } => Some(
            email::send::read_reply(
                tx,
                vault,
                account_id,
                message_id,
                conversation_id,
                conversation_number,
                settings,
                file.as_ref().map(|f| f.0),
            )
            .await?,
        ),
        _ => None,
    };
    Ok(Some(Outgoing {
        conversation_id,
        conversation_number,
        attempts,
        body,
        template: template.map(|t| t.0),
        file,
        quoted,
        menu,
        created_at,
        to,
        connection,
        email,
    }))
}

/// Records the outcome: sent (with the provider's id), retried later, or
/// failed with the reason next to the message.
async fn finish(
    db: &Db,
    account_id: Uuid,
    message_id: i64,
    outgoing: Option<&Outgoing>,
    sent: Result<String, SendError>,
) -> Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    let message_changed = match &sent {
        Ok(external_id) => {
            sqlx::query(
                "UPDATE messages SET external_id = $3, delivery_error = NULL, updated_at = now(),
                        delivery_status = CASE WHEN delivery_status = 'pending' THEN 'sent' ELSE delivery_status END
                  WHERE account_id = $1 AND id = $2",
            )
            .bind(account_id)
            .bind(message_id)
            .bind(external_id)
            .execute(&mut *tx)
            .await
            .context("recording the sent reply")?;
            set_job(&mut tx, account_id, message_id, "done", None).await?;
            true
        }
        Err(SendError::Retry(reason)) => {
            sqlx::query(
                "UPDATE outbound_messages
                    SET last_error = left($3, 1000),
                        next_attempt_at = now() + least(interval '10 minutes', interval '2 seconds' * power(2, attempts))
                  WHERE account_id = $1 AND message_id = $2",
            )
            .bind(account_id)
            .bind(message_id)
            .bind(reason)
            .execute(&mut *tx)
            .await
            .context("scheduling a retry")?;
            false
        }
        Err(SendError::Permanent(reason) | SendError::Unauthorized(reason)) => {
            sqlx::query(
                "UPDATE messages SET delivery_status = 'failed', delivery_error = left($3, 500), updated_at = now()
                  WHERE account_id = $1 AND id = $2",
            )
            .bind(account_id)
            .bind(message_id)
            .bind(reason)
            .execute(&mut *tx)
            .await
            .context("marking the reply failed")?;
            set_job(&mut tx, account_id, message_id, "failed", Some(reason)).await?;
            true
        }
    };
    if let Some(outgoing) = outgoing {
        let health = match &sent {
            Ok(_) => Some((true, None)),
            Err(SendError::Unauthorized(reason)) => Some((false, Some(reason.as_str()))),
            Err(_) => None,
        };
        if let Some((connected, detail)) = health {
            connections::set_health(
                &mut tx,
                account_id,
                outgoing.connection.id,
                connected,
                detail,
            )
            .await?;
        }
        if message_changed {
            realtime::publish(
                &mut tx,
                account_id,
                Signal::MessageUpdated {
                    conversation_id: outgoing.conversation_id,
                    message_id,
                },
            )
            .await?;
        }
    } else if message_changed {
        let conversation_id: i64 = sqlx::query_scalar(
            "SELECT conversation_id FROM messages WHERE account_id = $1 AND id = $2",
        )
        .bind(account_id)
        .bind(message_id)
        .fetch_one(&mut *tx)
        .await
        .context("finding the reply's conversation")?;
        realtime::publish(
            &mut tx,
            account_id,
            Signal::MessageUpdated {
                conversation_id,
                message_id,
            },
        )
        .await?;
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

async fn set_job(
    tx: &mut Tx,
    account_id: Uuid,
    message_id: i64,
    state: &str,
    error: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE outbound_messages SET state = $3, last_error = left($4, 1000)
          WHERE account_id = $1 AND message_id = $2",
    )
    .bind(account_id)
    .bind(message_id)
    .bind(state)
    .bind(error)
    .execute(&mut **tx)
    .await
    .context("updating the send job")?;
    Ok(())
}
