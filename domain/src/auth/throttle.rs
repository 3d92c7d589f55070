//! Sign-in throttling: failed attempts per e-mail and per client IP over a
//! sliding window, stored in PostgreSQL so every server instance agrees.

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::db::Tx;
use crate::error::{Error, Result};

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_IP: i64 = 30;

pub fn email_key(email: &str) -> String {
    format!("email:{email}")
}

pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// `RateLimited` when any key has used up its failures in the window.
pub async fn check(tx: &mut Tx, keys: &[(String, i64)]) -> Result<()> {
    for (key, limit) in keys {
        let (count, oldest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT count(*), min(failed_at) FROM login_failures
              WHERE throttle_key = $1 AND failed_at > now() - make_interval(mins => $2::int)",
        )
        .bind(key)
        .bind(WINDOW_MINUTES as i32)
        .fetch_one(&mut **tx)
        .await
        .context("counting sign-in failures")?;
        if count >= *limit {
            let frees_at =
                oldest.unwrap_or_else(Utc::now) + chrono::Duration::minutes(WINDOW_MINUTES);
            let retry_after_secs = (frees_at - Utc::now()).num_seconds().max(1) as u64;
            return Err(Error::RateLimited { retry_after_secs });
        }
    }
    Ok(())
}

pub async fn record_failure(tx: &mut Tx, keys: &[String]) -> anyhow::Result<()> {
    for key in keys {
        sqlx::query("INSERT INTO login_failures (throttle_key) VALUES ($1)")
            .bind(key)
            .execute(&mut **tx)
            .await
            .context("recording a sign-in failure")?;
    }
    // Old rows are useless; trim a few on each write so the table stays small.
    sqlx::query(
        "DELETE FROM login_failures WHERE id IN (
            SELECT id FROM login_failures WHERE failed_at < now() - interval '1 day' LIMIT 100)",
    )
    .execute(&mut **tx)
    .await
    .context("trimming old sign-in failures")?;
    Ok(())
}

pub async fn clear(tx: &mut Tx, key: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
        .bind(key)
        .execute(&mut **tx)
        .await
        .context("clearing sign-in failures")?;
    Ok(())
}
