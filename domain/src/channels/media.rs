//! Customers' files from providers: queued when their message is stored,
//! then fetched by workers — streamed into attachment storage under the
//! account's size limit, SSRF-safe — and attached to the message live.

use anyhow::Context;
use serde_json::Value;
use uuid::Uuid;

use super::config::ProviderConfig;
use super::connections;
use super::meta;
use super::outbound::Sender;
use super::provider::{client_for_public_url, MediaRef, SendError};
use super::vault::Vault;
use super::webhooks::{JOBS_CHANNEL, LEASE_SECONDS};
use crate::attachments::{self, Storage, Uploader};
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::realtime::{self, Signal};

pub const MAX_ATTEMPTS: i32 = 5;
const BATCH: i32 = 8;

/// Queues the download of a stored message's file.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    contact_id: i64,
    message_id: i64,
    media: &MediaRef,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO media_downloads (message_id, account_id, channel_id, contact_id, source)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(account_id)
    .bind(channel_id)
    .bind(contact_id)
    .bind(serde_json::to_value(media).context("encoding the media reference")?)
    .execute(&mut **tx)
    .await
    .context("queueing the media download")?;
    sqlx::query("SELECT pg_notify($1, 'media')")
        .bind(JOBS_CHANNEL)
        .execute(&mut **tx)
        .await
        .context("waking workers")?;
    Ok(())
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
    config: ProviderConfig,
}

async fn read_job(
    db: &Db,
    vault: &Vault,
    account_id: Uuid,
    message_id: i64,
) -> Result<Option<Job>> {
    let mut tx = db.tenant(account_id, None).await?;
    let row: Option<(i64, i64, i32, Value)> = sqlx::query_as(
        "SELECT channel_id, contact_id, attempts, source FROM media_downloads
          WHERE account_id = $1 AND message_id = $2 AND state = 'pending'",
    )
    .bind(account_id)
    .bind(message_id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading the media download")?;
    let Some((channel_id, contact_id, attempts, source)) = row else {
        return Ok(None);
    };
    let connection = connections::open_in(&mut tx, vault, account_id, channel_id).await?;
    tx.commit().await.context("commit")?;
    Ok(Some(Job {
        contact_id,
        attempts,
        media: serde_json::from_value(source).context("reading the media reference")?,
        config: connection.config,
    }))
}

/// The outcome of one download: the stored attachment's id, or why not.
type Outcome = std::result::Result<Option<i64>, SendError>;

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
    let downloaded = download(db, storage, sender, account_id, &job).await;
    (Some(job.attempts), downloaded.map(Some))
}

/// Where the file is and how to ask for it, per provider.
async fn locate(
    sender: &Sender,
    job: &Job,
) -> std::result::Result<(String, reqwest::RequestBuilder, Option<String>), SendError> {
    let media = &job.media;
    match (&job.config, &media.media_id, &media.url) {
        // Cloud API: the media id resolves (with the token) to a short-lived
        // URL, fetched with the token too.
        (ProviderConfig::WhatsappCloud { settings, secrets }, Some(id), _) => {
            let base = meta::base_url(&settings.api_base_url);
            let info: Value = sender
                .client
                .get(format!("{base}/{}/{id}", meta::GRAPH_VERSION))
                .bearer_auth(&secrets.access_token)
                .send()
                .await
                .map_err(|err| SendError::Retry(format!("network error: {err}")))?
                .json()
                .await
                .map_err(|err| SendError::Retry(format!("media lookup: {err}")))?;
            let url = info["url"]
                .as_str()
                .ok_or_else(|| SendError::Permanent("the media id resolved to no URL".into()))?
                .to_string();
            let client = client_for(sender, &url, &settings.api_base_url).await?;
            let request = client.get(&url).bearer_auth(&secrets.access_token);
            let mime = info["mime_type"].as_str().map(str::to_string);
            Ok((url, request, mime))
        }
        // Twilio's media URLs need the account's credentials.
        (ProviderConfig::Twilio { settings, secrets }, _, Some(url)) => {
            let client = client_for(sender, url, &settings.api_base_url).await?;
            let request = client
                .get(url)
                .basic_auth(&settings.account_sid, Some(&secrets.auth_token));
            Ok((url.clone(), request, None))
        }
        (config, _, Some(url)) => {
            let base = match config {
                ProviderConfig::Zapi { settings, .. } => settings.api_base_url.as_str(),
                ProviderConfig::Meta { settings, .. } => settings.api_base_url.as_str(),
                _ => "",
            };
            let client = client_for(sender, url, base).await?;
            Ok((url.clone(), client.get(url), None))
        }
        _ => Err(SendError::Permanent("no media id nor URL".into())),
    }
}

/// The configured provider base URL may be anywhere (a local gateway);
/// anything else must be a public address.
async fn client_for(
    sender: &Sender,
    url: &str,
    configured_base: &str,
) -> std::result::Result<reqwest::Client, SendError> {
    let origin = |u: &str| {
        url::Url::parse(u)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    };
    let configured = !configured_base.is_empty() && origin(url) == origin(configured_base);
    client_for_public_url(url, configured || sender.allow_private_targets).await
}

async fn download(
    db: &Db,
    storage: &Storage,
    sender: &Sender,
    account_id: Uuid,
    job: &Job,
) -> std::result::Result<i64, SendError> {
    if let Some(part) = job.media.email_part {
        return email_file(db, storage, account_id, job, part).await;
    }
    let (url, request, resolved_mime) = locate(sender, job).await?;
    let mut response = request
        .send()
        .await
        .map_err(|err| SendError::Retry(format!("network error: {err}")))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(match status {
            408 | 429 | 500.. => SendError::Retry(format!("the file's server answered {status}")),
            _ => SendError::Permanent(format!("the file's server answered {status}")),
        });
    }
    let unexpected = |err: crate::Error| SendError::Retry(err.to_string());
    let limit = attachments::limit_bytes(db, account_id)
        .await
        .map_err(unexpected)?;
    let mut incoming = storage.receive(limit).await.map_err(unexpected)?;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| SendError::Retry(format!("download interrupted: {err}")))?
    {
        incoming
            .write(&chunk)
            .await
            .map_err(|err| SendError::Permanent(format!("not stored: {err}")))?;
    }
    let file_name = job
        .media
        .file_name
        .clone()
        .or_else(|| {
            url.rsplit('/')
                .next()
                .map(|s| s.split('?').next().unwrap_or(s).to_string())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            let mime = job
                .media
                .mime_type
                .clone()
                .or(resolved_mime)
                .unwrap_or_default();
            format!("file.{}", mime.rsplit('/').next().unwrap_or("bin"))
        });
    let stored = attachments::store(
        db,
        storage,
        account_id,
        Uploader::Contact(job.contact_id),
        &file_name,
        incoming,
    )
    .await
    .map_err(|err| SendError::Permanent(format!("not stored: {err}")))?;
    Ok(stored.id)
}

/// Attaches the file to its message (live), schedules a retry, or gives up.
async fn finish(
    db: &Db,
    account_id: Uuid,
    message_id: i64,
    (attempts, outcome): (Option<i32>, Outcome),
) -> Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    match outcome {
        Ok(None) => {}
        Ok(Some(attachment_id)) => {
            let conversation_id: i64 = sqlx::query_scalar(
                "UPDATE messages SET attachment_id = $3, updated_at = now()
                  WHERE account_id = $1 AND id = $2 RETURNING conversation_id",
            )
            .bind(account_id)
            .bind(message_id)
            .bind(attachment_id)
            .fetch_one(&mut *tx)
            .await
            .context("attaching the file")?;
            sqlx::query(
                "UPDATE attachments SET conversation_id = $3 WHERE account_id = $1 AND id = $2",
            )
            .bind(account_id)
            .bind(attachment_id)
            .bind(conversation_id)
            .execute(&mut *tx)
            .await
            .context("linking the file")?;
            set_state(&mut tx, account_id, message_id, "done", None).await?;
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
            tracing::warn!(
                message = message_id,
                reason,
                "a customer's file could not be fetched"
            );
            set_state(&mut tx, account_id, message_id, "failed", Some(&reason)).await?;
        }
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

async fn set_state(
    tx: &mut Tx,
    account_id: Uuid,
    message_id: i64,
    state: &str,
    error: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE media_downloads SET state = $3, last_error = left($4, 1000)
          WHERE account_id = $1 AND message_id = $2",
    )
    .bind(account_id)
    .bind(message_id)
    .bind(state)
    .bind(error)
    .execute(&mut **tx)
    .await
    .context("updating the media download")?;
    Ok(())
}

/// A file inside a customer's mail: cut from the raw mail stored when it
/// arrived, under the same size limit as any upload.
async fn email_file(
    db: &Db,
    storage: &Storage,
    account_id: Uuid,
    job: &Job,
    part: super::provider::EmailPart,
) -> std::result::Result<i64, SendError> {
    let unexpected = |err: crate::Error| SendError::Retry(err.to_string());
    let raw: Vec<u8> = async {
        let mut tx = db.tenant(account_id, None).await?;
        let raw: Vec<u8> =
            sqlx::query_scalar("SELECT body FROM webhook_events WHERE account_id = $1 AND id = $2")
                .bind(account_id)
                .bind(part.event_id)
                .fetch_one(&mut *tx)
                .await
                .context("reading the stored mail")?;
        tx.commit().await.context("commit")?;
        crate::Result::Ok(raw)
    }
    .await
    .map_err(unexpected)?;
    let mail = mail_parser::MessageParser::default()
        .parse(&raw)
        .ok_or_else(|| SendError::Permanent("the stored mail no longer parses".into()))?;
    let contents = mail
        .part(part.part)
        .map(|p| p.contents())
        .ok_or_else(|| SendError::Permanent("the mail has no such part".into()))?;
    let limit = attachments::limit_bytes(db, account_id)
        .await
        .map_err(unexpected)?;
    if contents.len() as u64 > limit {
        return Err(SendError::Permanent(format!(
            "the file is larger than the account's limit ({} MB)",
            limit / 1_000_000
        )));
    }
    let mut incoming = storage.receive(limit).await.map_err(unexpected)?;
    incoming
        .write(contents)
        .await
        .map_err(|err| SendError::Permanent(format!("not stored: {err}")))?;
    let file_name = job
        .media
        .file_name
        .clone()
        .unwrap_or_else(|| "attachment".into());
    let stored = attachments::store(
        db,
        storage,
        account_id,
        Uploader::Contact(job.contact_id),
        &file_name,
        incoming,
    )
    .await
    .map_err(|err| SendError::Permanent(format!("not stored: {err}")))?;
    Ok(stored.id)
}
