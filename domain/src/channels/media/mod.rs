//! Files fetched by workers, never inside a transaction: customers' files
//! from providers, queued when their message is stored, and the files a
//! flow sends from a URL. Each is streamed into attachment storage under
//! the account's size limit, SSRF-safe, and attached to its message live; a
//! flow's file then leaves like any reply.

use anyhow::Context;
use serde_json::Value;
use shared::inbox::{ChannelKind, DeliveryStatus};
use uuid::Uuid;

use super::config::ProviderConfig;
use super::connections;
use super::outbound::{self, Sender};
use super::provider::{MediaRef, SendError};
use super::vault::Vault;
use super::webhooks::{JOBS_CHANNEL, LEASE_SECONDS};
use crate::attachments::{self, Storage};
use crate::conversations::Locked;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::realtime::{self, Signal};

mod download;

pub const MAX_ATTEMPTS: i32 = 5;
const BATCH: i32 = 8;

/// Queues the download of a customer's file, stored with its message.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    contact_id: i64,
    message_id: i64,
    media: &MediaRef,
) -> anyhow::Result<()> {
    insert_job(
        tx,
        (account_id, channel_id, contact_id, message_id),
        media,
        Direction::Incoming,
    )
    .await
}

/// Queues the file a flow sends from `url` for its stored (pending) message.
pub(crate) async fn enqueue_outgoing(
    tx: &mut Tx,
    conversation: &Locked,
    message_id: i64,
    url: &str,
) -> anyhow::Result<()> {
    let media = MediaRef {
        url: Some(url.to_string()),
        ..MediaRef::default()
    };
    let ids = (
        conversation.account_id,
        conversation.channel_id,
        conversation.contact_id,
        message_id,
    );
    insert_job(tx, ids, &media, Direction::Outgoing).await
}

/// Which way the file goes: from a customer, or to one (a flow's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Incoming,
    Outgoing,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
        }
    }

    fn parse(text: &str) -> Self {
        if text == "outgoing" {
            Direction::Outgoing
        } else {
            Direction::Incoming
        }
    }
}

async fn insert_job(
    tx: &mut Tx,
    (account_id, channel_id, contact_id, message_id): (Uuid, i64, i64, i64),
    media: &MediaRef,
    direction: Direction,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO media_downloads (message_id, account_id, channel_id, contact_id, source, direction)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(account_id)
    .bind(channel_id)
    .bind(contact_id)
    .bind(serde_json::to_value(media).context("encoding the media reference")?)
    .bind(direction.as_str())
    .execute(&mut **tx)
    .await
    .context("queueing the media download")?;
    wake_workers(tx).await
}

async fn wake_workers(tx: &mut Tx) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_notify($1, 'media')")
        .bind(JOBS_CHANNEL)
        .execute(&mut **tx)
        .await
        .context("waking workers")?;
    Ok(())
}

/// "Retry" on a flow's file that could not be fetched: fetched again (then
/// sent). False when the message's file is not one of those.
pub(crate) async fn retry_outgoing(
    tx: &mut Tx,
    account_id: Uuid,
    message_id: i64,
) -> anyhow::Result<bool> {
    let again = sqlx::query(
        "UPDATE media_downloads SET state = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
          WHERE account_id = $1 AND message_id = $2 AND direction = 'outgoing' AND state = 'failed'",
    )
    .bind(account_id)
    .bind(message_id)
    .execute(&mut **tx)
    .await
    .context("queueing the file again")?
    .rows_affected()
        > 0;
    if again {
        wake_workers(tx).await?;
    }
    Ok(again)
}

/// Claims due downloads and does them; returns how many were claimed.
pub async fn process_due(
    db: &Db,
    vault: &Vault,
    storage: &Storage,
    sender: &Sender,
) -> Result<usize> {
    let claimed: Vec<(i64, Uuid)> =
        sqlx::query_as("SELECT message_id, account_id FROM claim_media_downloads($1, $2)")
            .bind(BATCH)
            .bind(LEASE_SECONDS)
            .fetch_all(db.pool())
            .await
            .context("claiming media downloads")?;
    for &(message_id, account_id) in &claimed {
        let outcome = fetch(db, vault, storage, sender, account_id, message_id).await;
        finish(db, account_id, message_id, outcome).await?;
    }
    Ok(claimed.len())
}

struct Job {
    contact_id: i64,
    attempts: i32,
    media: MediaRef,
    source: Source,
}

/// Who has the file: the customer's provider (with the connection's
/// credentials), or any public URL a flow named.
enum Source {
    Provider(Box<ProviderConfig>),
    Flow,
}

async fn read_job(
    db: &Db,
    vault: &Vault,
    account_id: Uuid,
    message_id: i64,
) -> Result<Option<Job>> {
    let mut tx = db.tenant(account_id, None).await?;
    let row: Option<(i64, i64, i32, Value, String)> = sqlx::query_as(
        "SELECT channel_id, contact_id, attempts, source, direction FROM media_downloads
          WHERE account_id = $1 AND message_id = $2 AND state = 'pending'",
    )
    .bind(account_id)
    .bind(message_id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading the media download")?;
    let Some((channel_id, contact_id, attempts, media, direction)) = row else {
        return Ok(None);
    };
    let source = match Direction::parse(&direction) {
        Direction::Outgoing => Source::Flow,
        Direction::Incoming => Source::Provider(Box::new(
            connections::open_in(&mut tx, vault, account_id, channel_id)
                .await?
                .config,
        )),
    };
    tx.commit().await.context("commit")?;
    Ok(Some(Job {
        contact_id,
        attempts,
        media: serde_json::from_value(media).context("reading the media reference")?,
        source,
    }))
}

/// The stored file: its attachment id and MIME type.
struct Fetched {
    attachment_id: i64,
    content_type: String,
}

/// The outcome of one download: the stored file, or why not.
type Outcome = std::result::Result<Option<Fetched>, SendError>;

async fn fetch(
    db: &Db,
    vault: &Vault,
    storage: &Storage,
    sender: &Sender,
    account_id: Uuid,
    message_id: i64,
) -> (Option<i32>, Outcome) {
    let job = match read_job(db, vault, account_id, message_id).await {
        Ok(Some(job)) => job,
        Ok(None) => return (None, Ok(None)),
        Err(err) => return (None, Err(SendError::Permanent(err.to_string()))),
    };
    let downloaded = download::download(db, storage, sender, account_id, &job).await;
    (Some(job.attempts), downloaded.map(Some))
}

/// Attaches the file to its message (live) — and sends a flow's —,
/// schedules a retry, or gives up (a flow's message then fails with why).
async fn finish(
    db: &Db,
    account_id: Uuid,
    message_id: i64,
    (attempts, outcome): (Option<i32>, Outcome),
) -> Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    match outcome {
        Ok(None) => {}
        Ok(Some(fetched)) => {
            let Some((direction, channel_id)) =
                set_state(&mut tx, account_id, message_id, "done", None).await?
            else {
                return Ok(());
            };
            let conversation_id =
                attach(&mut tx, account_id, message_id, &fetched, direction).await?;
            if direction == Direction::Outgoing {
                send_fetched(&mut tx, account_id, channel_id, message_id).await?;
            }
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
        Err(SendError::Retry(reason)) if attempts.unwrap_or(MAX_ATTEMPTS) < MAX_ATTEMPTS => {
            sqlx::query(
                "UPDATE media_downloads SET last_error = left($3, 1000),
                        next_attempt_at = now() + least(interval '10 minutes', interval '5 seconds' * power(2, attempts))
                  WHERE account_id = $1 AND message_id = $2",
            )
            .bind(account_id)
            .bind(message_id)
            .bind(reason)
            .execute(&mut *tx)
            .await
            .context("scheduling a retry")?;
        }
        Err(
            SendError::Retry(reason)
            | SendError::Permanent(reason)
            | SendError::Unauthorized(reason),
        ) => {
            tracing::warn!(message = message_id, reason, "a file could not be fetched");
            let failed =
                set_state(&mut tx, account_id, message_id, "failed", Some(&reason)).await?;
            if let Some((Direction::Outgoing, _)) = failed {
                fail_message(&mut tx, account_id, message_id, &reason).await?;
            }
        }
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Links the stored file to its message and conversation; a flow's message
/// takes the file's kind (image, audio…). Returns the conversation.
async fn attach(
    tx: &mut Tx,
    account_id: Uuid,
    message_id: i64,
    fetched: &Fetched,
    direction: Direction,
) -> anyhow::Result<i64> {
    let kind = (direction == Direction::Outgoing)
        .then(|| attachments::content_type_of(&fetched.content_type));
    let conversation_id: i64 = sqlx::query_scalar(
        "UPDATE messages SET attachment_id = $3, content_type = coalesce($4, content_type), updated_at = now()
          WHERE account_id = $1 AND id = $2 RETURNING conversation_id",
    )
    .bind(account_id)
    .bind(message_id)
    .bind(fetched.attachment_id)
    .bind(kind)
    .fetch_one(&mut **tx)
    .await
    .context("attaching the file")?;
    sqlx::query("UPDATE attachments SET conversation_id = $3 WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(fetched.attachment_id)
        .bind(conversation_id)
        .execute(&mut **tx)
        .await
        .context("linking the file")?;
    Ok(conversation_id)
}

/// A flow's file, now attached, leaves like any reply: the widget's socket
/// has it once stored; providers get it from the outbound queue.
async fn send_fetched(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    message_id: i64,
) -> anyhow::Result<()> {
    let kind: String =
        sqlx::query_scalar("SELECT kind FROM channels WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(channel_id)
            .fetch_one(&mut **tx)
            .await
            .context("reading the file's channel")?;
    if kind == ChannelKind::Website.as_str() {
        sqlx::query("UPDATE messages SET delivery_status = $3 WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(message_id)
            .bind(DeliveryStatus::Sent)
            .execute(&mut **tx)
            .await
            .context("marking the file sent")?;
        Ok(())
    } else {
        outbound::enqueue(tx, account_id, channel_id, message_id).await
    }
}

/// A flow's file that could not be fetched: its message fails, saying why,
/// and agents can retry it.
async fn fail_message(tx: &mut Tx, account_id: Uuid, message_id: i64, reason: &str) -> Result<()> {
    let conversation_id: i64 = sqlx::query_scalar(
        "UPDATE messages SET delivery_status = $3, delivery_error = left($4, 500), updated_at = now()
          WHERE account_id = $1 AND id = $2 RETURNING conversation_id",
    )
    .bind(account_id)
    .bind(message_id)
    .bind(DeliveryStatus::Failed)
    .bind(format!("the file could not be fetched: {reason}"))
    .fetch_one(&mut **tx)
    .await
    .context("marking the flow's file failed")?;
    realtime::publish(
        tx,
        account_id,
        Signal::MessageUpdated {
            conversation_id,
            message_id,
        },
    )
    .await?;
    Ok(())
}

/// Moves the job to `state`; its direction and channel (none when the job
/// went with its message).
async fn set_state(
    tx: &mut Tx,
    account_id: Uuid,
    message_id: i64,
    state: &str,
    error: Option<&str>,
) -> anyhow::Result<Option<(Direction, i64)>> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "UPDATE media_downloads SET state = $3, last_error = left($4, 1000)
          WHERE account_id = $1 AND message_id = $2 RETURNING direction, channel_id",
    )
    .bind(account_id)
    .bind(message_id)
    .bind(state)
    .bind(error)
    .fetch_optional(&mut **tx)
    .await
    .context("updating the media download")?;
    Ok(row.map(|(direction, channel_id)| (Direction::parse(&direction), channel_id)))
}
