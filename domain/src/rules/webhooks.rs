//! The "call a webhook" action: queued in the rule's run (so a rolled-back
//! run calls nothing), POSTed after the commit by any instance, signed
//! like the API channel's replies (`X-Ponte-Signature: sha256=<hex HMAC of
//! the raw body>` with the rule's secret), SSRF-safe (https to public
//! addresses, or an allow-listed host), retried with backoff; a call out of
//! retries counts as a failed run of its rule, a delivered one as a success
//! (the run that queued it counts as neither). A few at a time, concurrently,
//! so one slow receiver holds up little; each carries `X-Ponte-Delivery`, the
//! same on its retries, for receivers to drop a duplicate.

use std::time::Duration;

use anyhow::Context;
use uuid::Uuid;

use super::actions::{webhook_body, Cause};
use super::engine::{failed, succeeded, RuleRow};
use crate::channels::api_channel::{signature, SIGNATURE_HEADER};
use crate::channels::provider::SendError;
use crate::channels::vault::{Sealed, Vault};
use crate::conversations::Locked;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::flows::runs::http::client_for;

/// Tries in all; the waits between them.
const MAX_ATTEMPTS: i32 = 5;
const BACKOFF_SECONDS: [i64; 4] = [30, 120, 600, 3600];
const TIMEOUT: Duration = Duration::from_secs(10);
const BATCH: i32 = 4;
/// Well over one call's timeout (and its DNS lookup): a call being made is
/// not claimed again by another instance.
const LEASE_SECONDS: i32 = 120;

/// The header naming the rule, so one receiver can serve several.
pub const RULE_HEADER: &str = "X-Ponte-Rule";
/// The call's id, the same on every retry.
pub const DELIVERY_HEADER: &str = "X-Ponte-Delivery";

pub(super) async fn queue(
    tx: &mut Tx,
    conversation: &Locked,
    rule: &RuleRow,
    url: &str,
    cause: &Cause,
) -> anyhow::Result<()> {
    let body = webhook_body(tx, conversation, rule, cause).await?;
    sqlx::query(
        "INSERT INTO rule_webhook_calls (account_id, rule_id, url, body) VALUES ($1, $2, $3, $4)",
    )
    .bind(conversation.account_id)
    .bind(rule.id)
    .bind(url)
    .bind(body)
    .execute(&mut **tx)
    .await
    .context("queueing the rule's webhook")?;
    sqlx::query("SELECT pg_notify('ponte_jobs', 'rules')")
        .execute(&mut **tx)
        .await
        .context("waking the webhook queue")?;
    Ok(())
}

/// The sealed secret's context: it opens only for its rule.
pub(super) fn seal_context(rule_id: i64) -> String {
    format!("rule:{rule_id}")
}

#[derive(sqlx::FromRow)]
struct Call {
    rule_id: i64,
    url: String,
    body: String,
    attempts: i32,
    signing_secret: Option<Vec<u8>>,
    signing_secret_key_id: Option<String>,
}

/// Makes the calls due; returns how many were claimed.
pub async fn deliver_due(db: &Db, vault: &Vault, allow_private_targets: bool) -> Result<usize> {
    let due: Vec<(i64, Uuid)> =
        sqlx::query_as("SELECT id, account_id FROM claim_rule_webhook_calls($1, $2)")
            .bind(BATCH)
            .bind(LEASE_SECONDS)
            .fetch_all(db.pool())
            .await
            .context("claiming rule webhooks")?;
    let calls = due.iter().map(|&(id, account_id)| async move {
        if let Err(err) = deliver(db, vault, allow_private_targets, account_id, id).await {
            tracing::warn!(error = ?err, %account_id, id, "a rule's webhook failed");
        }
    });
    futures::future::join_all(calls).await;
    Ok(due.len())
}

async fn deliver(
    db: &Db,
    vault: &Vault,
    allow_private_targets: bool,
    account_id: Uuid,
    id: i64,
) -> Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    let call: Option<Call> = sqlx::query_as(
        "SELECT w.rule_id, w.url, w.body, w.attempts, r.signing_secret, r.signing_secret_key_id
           FROM rule_webhook_calls w JOIN rules r ON r.id = w.rule_id
          WHERE w.account_id = $1 AND w.id = $2 AND w.done_at IS NULL",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading the rule's webhook")?;
    let allowlist = super::allowlist_in(&mut tx, account_id).await?;
    tx.commit().await.context("commit")?;
    let Some(call) = call else {
        return Ok(());
    };
    // No transaction waits on the receiver.
    let outcome = post(vault, allow_private_targets, &allowlist, id, &call).await;
    let mut tx = db.tenant(account_id, None).await?;
    // Still this try's (a lease that ran out went to another instance).
    let ours: Option<i32> = sqlx::query_scalar(
        "SELECT attempts FROM rule_webhook_calls
          WHERE account_id = $1 AND id = $2 AND done_at IS NULL FOR UPDATE",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("re-reading the rule's webhook")?;
    if ours != Some(call.attempts) {
        return Ok(());
    }
    match outcome {
        Ok(()) => {
            sqlx::query(
                "UPDATE rule_webhook_calls SET done_at = now(), last_error = NULL
                  WHERE account_id = $1 AND id = $2",
            )
            .bind(account_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .context("recording the webhook's delivery")?;
            succeeded(&mut tx, account_id, call.rule_id).await?;
        }
        Err(error) => {
            let error: String = error.chars().take(500).collect();
            let last = call.attempts >= MAX_ATTEMPTS;
            let wait = BACKOFF_SECONDS
                .get(usize::try_from(call.attempts - 1).unwrap_or_default())
                .copied()
                .unwrap_or(3600);
            sqlx::query(
                "UPDATE rule_webhook_calls
                    SET last_error = $2,
                        done_at = CASE WHEN $3 THEN now() END,
                        next_attempt_at = now() + make_interval(secs => $4)
                  WHERE account_id = $5 AND id = $1",
            )
            .bind(id)
            .bind(&error)
            .bind(last)
            .bind(wait as f64)
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .context("recording the webhook's failure")?;
            if last {
                failed(
                    &mut tx,
                    account_id,
                    call.rule_id,
                    &format!("call_webhook: {error}"),
                )
                .await?;
            }
        }
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Makes the call; the error says why without the URL (a receiver's URL may
/// carry its token, and errors are logged).
async fn post(
    vault: &Vault,
    allow_private_targets: bool,
    allowlist: &[String],
    id: i64,
    call: &Call,
) -> std::result::Result<(), String> {
    let secret = match (&call.signing_secret, &call.signing_secret_key_id) {
        (Some(bytes), Some(key_id)) => {
            let sealed = Sealed {
                key_id: key_id.clone(),
                bytes: bytes.clone(),
            };
            let plain = vault
                .open(&seal_context(call.rule_id), &sealed)
                .map_err(|_| "the rule's signing secret does not open".to_string())?;
            String::from_utf8(plain).map_err(|_| "the rule's signing secret is not text")?
        }
        _ => return Err("the rule has no signing secret".into()),
    };
    let client = client_for(&call.url, allowlist, allow_private_targets)
        .await
        .map_err(|err| match err {
            SendError::Permanent(reason)
            | SendError::Retry(reason)
            | SendError::Unauthorized(reason) => reason,
        })?;
    let response = client
        .post(&call.url)
        .timeout(TIMEOUT)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(&secret, call.body.as_bytes()))
        .header(RULE_HEADER, call.rule_id.to_string())
        .header(DELIVERY_HEADER, id.to_string())
        .body(call.body.clone())
        .send()
        .await
        .map_err(|err| format!("request failed: {}", err.without_url()))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("answered {}", response.status()))
    }
}
