//! An HTTP block's request, made SSRF-safe: `https` to public addresses
//! only, unless the host is one the account's admin allow-listed (which may
//! be plain `http` and private, an intranet ERP); the address is pinned
//! between the check and the call, redirects are not followed, the
//! response is read up to a limit.

use std::time::Duration;

use anyhow::Context;
use shared::flows::{url_allowed, HttpMethod};
use uuid::Uuid;

use super::PendingRequest;
use crate::channels::provider::{self, SendError};
use crate::db::Db;

/// Responses larger than this are refused (a flow maps a few fields).
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// How this instance makes flows' requests.
#[derive(Clone, Copy, Debug, Default)]
pub struct HttpPolicy {
    /// Private addresses allowed for every host (tests, on-premise installs
    /// that say so) — the same switch as the channels'.
    pub allow_private_targets: bool,
}

impl HttpPolicy {
    /// The response's JSON (`null` when it is not JSON), or why there is
    /// none (the run then leaves through `error`).
    pub(super) async fn call(
        &self,
        request: &PendingRequest,
        allowlist: &[String],
    ) -> Result<serde_json::Value, String> {
        let client = client_for(&request.url, allowlist, self.allow_private_targets)
            .await
            .map_err(|err| match err {
                SendError::Permanent(reason)
                | SendError::Retry(reason)
                | SendError::Unauthorized(reason) => reason,
            })?;
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut builder = client
            .request(method, &request.url)
            .timeout(Duration::from_millis(request.timeout_ms.into()))
            .header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|err| format!("request failed: {err}"))?;
        if !response.status().is_success() {
            return Err(format!("answered {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| format!("reading the response: {err}"))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err("the response is too large".into());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
    }
}

/// A client for a URL a flow names (an HTTP block's, a file's): `https` to
/// a public address, or an allow-listed host (then private and plain `http`
/// too).
pub(crate) async fn client_for(
    url: &str,
    allowlist: &[String],
    allow_private_targets: bool,
) -> Result<reqwest::Client, SendError> {
    if !url_allowed(url, allowlist) {
        return Err(SendError::Permanent(
            "the URL is not https, nor an allow-listed host".into(),
        ));
    }
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .ok_or_else(|| SendError::Permanent("the URL has no host".into()))?;
    let listed = allowlist.iter().any(|h| h.eq_ignore_ascii_case(&host));
    provider::client_for_public_url(url, allow_private_targets || listed).await
}

/// The hosts the account's admin allow-listed for HTTP blocks and files.
pub(crate) async fn allowlist(db: &Db, account_id: Uuid) -> anyhow::Result<Vec<String>> {
    let mut tx = db.tenant(account_id, None).await?;
    let hosts: Vec<String> =
        sqlx::query_scalar("SELECT flow_http_allowlist FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await
            .context("reading the flows' HTTP allow-list")?;
    tx.commit().await.context("commit")?;
    Ok(hosts)
}
