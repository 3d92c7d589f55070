//! Verified webhook requests: stored durably before the provider hears 200,
//! then turned into contacts, conversations, messages and delivery statuses
//! by workers on any instance, with retries, backoff and a parking lot for
//! events that keep failing.

use anyhow::Context;
use shared::inbox::{ChannelKind, DeliveryStatus};
use shared::phone::{Country, PhoneNumber};
use uuid::Uuid;

use super::connections;
use super::provider::{replaceable_by, InboundItem, InboundMessage, StatusUpdate};
use super::{adapter, email, media, templates};
use crate::contacts;
use crate::conversations;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::messages::{self, Incoming};
use crate::realtime::{self, Signal};

/// Attempts before an event is parked for an admin to look at.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claimed event is someone's before another worker may retry it.
pub const LEASE_SECONDS: i32 = 60;
/// Events one worker claims at a time, and processes at once.
const BATCH: i32 = 32;
const PARALLEL: usize = 6;
/// Wakes workers on every instance when work is queued.
pub const JOBS_CHANNEL: &str = "ponte_jobs";
/// What a NOTIFY about stored webhooks says (also in `store_webhook_events`).
pub const WAKE_PAYLOAD: &str = "webhook";

mod intake;
mod parked;
pub use intake::{store, Intake};
pub use parked::{parked, replay_parked};

/// Claims due events and processes them, several customers at once (the
/// claim hands out one event per customer at a time, so each customer's
/// events stay in order); returns how many were claimed.
pub async fn process_due(db: &Db) -> Result<usize> {
    use futures::stream::{self, StreamExt};
    let claimed: Vec<(i64, Uuid, String)> =
        sqlx::query_as("SELECT id, account_id, order_key FROM claim_webhook_events($1, $2)")
            .bind(BATCH)
            .bind(LEASE_SECONDS)
            .fetch_all(db.pool())
            .await
            .context("claiming webhook events")?;
    let claimed_count = claimed.len();
    let results: Vec<Result<()>> = stream::iter(claimed)
        .map(|(id, account_id, _)| {
            let db = db.clone();
            async move {
                match process_one(&db, account_id, id).await {
                    Ok(()) => Ok(()),
                    Err(err) => record_failure(&db, account_id, id, &err).await,
                }
            }
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    results.into_iter().collect::<Result<Vec<()>>>()?;
    Ok(claimed_count)
}

/// Processes one stored event at once (whoever else may be at it: the row
/// lock makes the second one find it done).
pub async fn process_now(db: &Db, account_id: Uuid, id: i64) -> Result<()> {
    process_one(db, account_id, id).await
}

/// One event, all its items, in one transaction with marking it done: a
/// crash anywhere before the commit leaves it to be processed again.
async fn process_one(db: &Db, account_id: Uuid, id: i64) -> Result<()> {
    let mut tx = db.tenant_on_message_path(account_id).await?;
    // Marked done first, which also locks it: the mark is committed with
    // the event's effects or not at all.
    let event: Option<(i64, String, Vec<u8>, bool)> = sqlx::query_as(
        "UPDATE webhook_events SET state = 'done', processed_at = now(), last_error = NULL
          WHERE account_id = $1 AND id = $2 AND state = 'pending'
      RETURNING channel_id, provider, body, received_at > now() - interval '2 minutes'",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("taking the webhook event")?;
    let Some((channel_id, provider, body, recent)) = event else {
        // Another worker finished it while this one waited for the lock.
        return Ok(());
    };
    let kind: ChannelKind = provider
        .parse()
        .map_err(|_| anyhow::anyhow!("no parser for {provider} events"))?;
    let items = adapter::parse(kind, &body)?;
    for item in &items {
        match item {
            InboundItem::Message(message) => {
                receive_message(&mut tx, account_id, channel_id, id, message).await?
            }
            InboundItem::Status(status) => {
                let known = apply_status(&mut tx, account_id, channel_id, status).await?;
                // A report can overtake the send's own answer (which is when
                // we learn the message's id): try again shortly. Reports
                // that stay unknown are for messages sent from elsewhere.
                if !known && recent {
                    return Err(anyhow::anyhow!(
                        "status for {} arrived before its message was known",
                        status.external_id
                    )
                    .into());
                }
            }
            InboundItem::ReadUpTo { from, watermark_ms } => {
                read_up_to(&mut tx, account_id, channel_id, from, *watermark_ms).await?
            }
            InboundItem::TemplateStatus(update) => {
                templates::apply_status(&mut tx, account_id, channel_id, update).await?
            }
            InboundItem::Health { connected, detail } => {
                connections::set_health(
                    &mut tx,
                    account_id,
                    channel_id,
                    *connected,
                    detail.as_deref(),
                )
                .await?
            }
        }
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Backs off exponentially (2 s, 4 s, … capped at 15 min), and parks the
/// event after [`MAX_ATTEMPTS`].
async fn record_failure(db: &Db, account_id: Uuid, id: i64, err: &Error) -> Result<()> {
    tracing::warn!(event = id, error = ?err, "webhook event failed");
    let mut tx = db.tenant(account_id, None).await?;
    sqlx::query(
        "UPDATE webhook_events
            SET last_error = left($3, 1000),
                state = CASE WHEN attempts >= $4 THEN 'parked' ELSE state END,
                next_attempt_at = now() + least(interval '15 minutes', interval '1 second' * power(2, attempts))
          WHERE account_id = $1 AND id = $2 AND state = 'pending'",
    )
    .bind(account_id)
    .bind(id)
    .bind(format!("{err:#}"))
    .bind(MAX_ATTEMPTS)
    .execute(&mut *tx)
    .await
    .context("recording webhook failure")?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// A customer's message: its contact (by canonical address), its
/// conversation, the message itself. A message seen before changes nothing.
async fn receive_message(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    event_id: i64,
    message: &InboundMessage,
) -> Result<()> {
    let seen: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE channel_id = $1 AND external_id = $2)",
    )
    .bind(channel_id)
    .bind(&message.external_id)
    .fetch_one(&mut **tx)
    .await
    .context("checking for a redelivery")?;
    if seen {
        return Ok(());
    }
    let name = message.profile_name.as_deref().unwrap_or_default();
    let contact_id = match message.email {
        Some(_) => {
            email::receive::contact_for(tx, account_id, channel_id, &message.from, name).await?
        }
        None => {
            contacts::find_or_create_by_identity(
                tx,
                account_id,
                channel_id,
                &message.from,
                name,
                None,
            )
            .await?
        }
    };
    let incoming = Incoming {
        body: &message.body,
        content_type: message.content_type,
        attachment_id: None,
        file_name: None,
        external_id: Some(&message.external_id),
        quoted_external_id: message.quoted_id.as_deref(),
        email: message.email.as_deref().map(email::receive::stored),
    };
    if message.from_me {
        // Sent from the business's phone: ours, in the customer's latest
        // conversation, which it neither reopens nor counts as unread.
        let conversation =
            match conversations::latest_of(tx, account_id, channel_id, contact_id).await? {
                Some(conversation) => conversation,
                None => conversations::for_incoming(tx, account_id, channel_id, contact_id).await?,
            };
        // Our own reply, echoed before its send's answer was recorded (or
        // after a send we took for failed): the same message, and sent.
        let adopted: Option<i64> = sqlx::query_scalar(
            "UPDATE messages SET external_id = $3, updated_at = now(), delivery_error = NULL,
                    delivery_status = CASE WHEN delivery_status IN ('pending', 'failed') THEN 'sent'
                                           ELSE delivery_status END
              WHERE id = (SELECT id FROM messages
                           WHERE account_id = $1 AND conversation_id = $2 AND kind = 'outgoing'
                             AND sender_user_id IS NOT NULL AND external_id IS NULL AND body = $4
                             AND created_at > now() - interval '10 minutes'
                           ORDER BY id LIMIT 1)
          RETURNING id",
        )
        .bind(account_id)
        .bind(conversation.id)
        .bind(&message.external_id)
        .bind(&message.body)
        .fetch_optional(&mut **tx)
        .await
        .context("matching the echo to our reply")?;
        if let Some(message_id) = adopted {
            realtime::publish(
                tx,
                account_id,
                Signal::MessageUpdated {
                    conversation_id: conversation.id,
                    message_id,
                },
            )
            .await?;
            return Ok(());
        }
        if messages::insert_echo(tx, account_id, &conversation, &incoming)
            .await?
            .is_some()
        {
            conversations::touch(tx, account_id, conversation.id).await?;
        }
        return Ok(());
    }
    let phone = message
        .phone
        .as_deref()
        .and_then(|p| PhoneNumber::parse(p, Country::default()).ok());
    // Only when it adds something: most messages come from a contact whose
    // phone and name are known, and a write per message costs the workers.
    sqlx::query(
        "UPDATE contacts SET phone = COALESCE(phone, $3),
                name = CASE WHEN name = '' THEN $4 ELSE name END, updated_at = now()
          WHERE account_id = $1 AND id = $2
            AND ((phone IS NULL AND $3::text IS NOT NULL) OR (name = '' AND $4 <> ''))",
    )
    .bind(account_id)
    .bind(contact_id)
    .bind(phone.as_ref().map(PhoneNumber::as_str))
    .bind(name)
    .execute(&mut **tx)
    .await
    .context("updating the contact from the provider's profile")?;
    let conversation = match message.email.as_deref() {
        Some(details) => {
            email::receive::conversation_for(tx, account_id, channel_id, contact_id, details)
                .await?
        }
        None => conversations::for_incoming(tx, account_id, channel_id, contact_id).await?,
    };
    if let Some(message_id) =
        messages::insert_incoming(tx, account_id, &conversation, &incoming).await?
    {
        if let Some(file) = &message.media {
            media::enqueue(tx, account_id, channel_id, contact_id, message_id, file).await?;
        }
        if let Some(details) = message.email.as_deref() {
            email::receive::queue_files(
                tx,
                account_id,
                &conversation,
                contact_id,
                event_id,
                message_id,
                &message.external_id,
                details,
            )
            .await?;
        }
    }
    Ok(())
}

/// Messenger's read watermark: every reply we sent this customer before it
/// has been read.
async fn read_up_to(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    from: &str,
    watermark_ms: i64,
) -> Result<()> {
    let Some(contact_id) = contacts::contact_by_identity(tx, channel_id, from).await? else {
        return Ok(());
    };
    let Some(conversation) =
        conversations::latest_of(tx, account_id, channel_id, contact_id).await?
    else {
        return Ok(());
    };
    let up_to: Option<i64> = sqlx::query_scalar(
        "SELECT max(id) FROM messages WHERE account_id = $1 AND conversation_id = $2
            AND kind = 'outgoing' AND created_at <= to_timestamp($3::double precision / 1000)",
    )
    .bind(account_id)
    .bind(conversation.id)
    .bind(watermark_ms as f64)
    .fetch_one(&mut **tx)
    .await
    .context("finding what the watermark covers")?;
    if let Some(up_to) = up_to {
        messages::advance_delivery(tx, account_id, conversation.id, up_to, DeliveryStatus::Read)
            .await?;
    }
    Ok(())
}

/// A delivery report: moves our message forward, never back. Returns
/// whether the message is known at all.
async fn apply_status(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    update: &StatusUpdate,
) -> Result<bool> {
    let error = match update.status {
        DeliveryStatus::Failed => update.error.clone(),
        _ => None,
    };
    let changed: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE messages SET delivery_status = $4, delivery_error = COALESCE($5, delivery_error), updated_at = now()
          WHERE account_id = $1 AND channel_id = $2 AND external_id = $3 AND kind = 'outgoing'
            AND (delivery_status IS NULL OR delivery_status = ANY($6))
      RETURNING id, conversation_id",
    )
    .bind(account_id)
    .bind(channel_id)
    .bind(&update.external_id)
    .bind(update.status)
    .bind(error)
    .bind(replaceable_by(update.status))
    .fetch_optional(&mut **tx)
    .await
    .context("updating delivery status")?;
    if let Some((message_id, conversation_id)) = changed {
        realtime::publish(
            tx,
            account_id,
            Signal::MessageUpdated {
                conversation_id,
                message_id,
            },
        )
        .await?;
        return Ok(true);
    }
    let known: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE channel_id = $1 AND external_id = $2)",
    )
    .bind(channel_id)
    .bind(&update.external_id)
    .fetch_one(&mut **tx)
    .await
    .context("finding the reported message")?;
    Ok(known)
}
