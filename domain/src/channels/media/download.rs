//! Getting a file's bytes: from the customer's provider (with the
//! connection's credentials), out of a stored e-mail, or from the URL a flow
//! names — streamed into attachment storage under the account's limit.

use anyhow::Context;
use uuid::Uuid;

use super::{Fetched, Job, Source};
use crate::attachments::{self, IncomingFile, Storage, Uploader};
use crate::channels::adapter::{ChannelAdapter, MediaLocation};
use crate::channels::outbound::Sender;
use crate::channels::provider::{
    client_for_public_url, network_error, EmailPart, MediaRef, SendError,
};
use crate::db::Db;
use crate::flows::runs;

/// A flow's file: any URL the flow's own rules allow (see
/// [`crate::flows::runs::client_for_flow_url`]), fetched without credentials.
async fn locate_flow_file(
    db: &Db,
    sender: &Sender,
    account_id: Uuid,
    media: &MediaRef,
) -> std::result::Result<MediaLocation, SendError> {
    let url = media
        .url
        .clone()
        .ok_or_else(|| SendError::Permanent("no URL".into()))?;
    let allowlist = runs::http_allowlist_of(db, account_id)
        .await
        .map_err(|err| SendError::Retry(err.to_string()))?;
    let client = runs::client_for_flow_url(&url, &allowlist, sender.allow_private_targets).await?;
    let request = client.get(&url);
    Ok(MediaLocation {
        url,
        request,
        mime_type: None,
    })
}

/// Hops followed from a provider's file link: Twilio's answer with a
/// redirect to a short-lived link on its CDN.
const MAX_REDIRECTS: usize = 3;

/// Follows a provider's redirects, each hop checked like a first request
/// (a private address only on the same origin as the hop before, or where
/// private targets are allowed) and sent without the provider's
/// credentials: the CDN's link is signed by itself.
async fn follow_redirects(
    sender: &Sender,
    url: &str,
    mut response: reqwest::Response,
) -> std::result::Result<reqwest::Response, SendError> {
    let mut current =
        url::Url::parse(url).map_err(|_| SendError::Permanent(format!("invalid URL {url}")))?;
    for _ in 0..MAX_REDIRECTS {
        if !response.status().is_redirection() {
            break;
        }
        let Some(location) = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
        else {
            break;
        };
        let next = current.join(location).map_err(|_| {
            SendError::Permanent("the file's server redirected to an invalid address".into())
        })?;
        let same_origin = next.origin() == current.origin();
        let client =
            client_for_public_url(next.as_str(), same_origin || sender.allow_private_targets)
                .await?;
        response = client
            .get(next.clone())
            .send()
            .await
            .map_err(network_error)?;
        current = next;
    }
    Ok(response)
}

pub(super) async fn download(
    db: &Db,
    storage: &Storage,
    sender: &Sender,
    account_id: Uuid,
    job: &Job,
) -> std::result::Result<Fetched, SendError> {
    if let Some(part) = job.media.email_part {
        return email_file(db, storage, account_id, job, part).await;
    }
    let (location, follows_redirects) = match &job.source {
        Source::Provider(config) => {
            let location = config.adapter().locate_media(sender, &job.media).await?;
            (location, true)
        }
        Source::Flow => (
            locate_flow_file(db, sender, account_id, &job.media).await?,
            false,
        ),
    };
    let MediaLocation {
        url,
        request,
        mime_type: resolved_mime,
    } = location;
    let mut response = request.send().await.map_err(network_error)?;
    if follows_redirects {
        response = follow_redirects(sender, &url, response).await?;
    }
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
        .map_err(|err| SendError::Retry(format!("download interrupted: {}", err.without_url())))?
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
    store(db, storage, account_id, job, &file_name, incoming).await
}

/// A file inside a customer's mail: cut from the raw mail stored when it
/// arrived, under the same size limit as any upload.
async fn email_file(
    db: &Db,
    storage: &Storage,
    account_id: Uuid,
    job: &Job,
    part: EmailPart,
) -> std::result::Result<Fetched, SendError> {
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
    store(db, storage, account_id, job, &file_name, incoming).await
}

/// Stores the received file: the customer's, or nobody's (a flow's).
async fn store(
    db: &Db,
    storage: &Storage,
    account_id: Uuid,
    job: &Job,
    file_name: &str,
    incoming: IncomingFile,
) -> std::result::Result<Fetched, SendError> {
    let uploader = match job.source {
        Source::Provider(_) => Uploader::Contact(job.contact_id),
        Source::Flow => Uploader::Automation,
    };
    let stored = attachments::store(db, storage, account_id, uploader, file_name, incoming)
        .await
        .map_err(|err| SendError::Permanent(format!("not stored: {err}")))?;
    Ok(Fetched {
        attachment_id: stored.id,
        content_type: stored.content_type,
    })
}
