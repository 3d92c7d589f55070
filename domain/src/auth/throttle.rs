//! Throttling of password checks and sign-ups, stored in PostgreSQL so every
//! server instance agrees.
//!
//! An attempt is recorded *before* the password is checked, in the same
//! locked step as the budget check (`throttle_begin()`), so parallel guesses
//! queue instead of all passing; a successful attempt is then taken back.
//! No database connection is held while argon2 runs.
//!
//! Password checks count under three keys:
//! - the client's network (an IPv4 address or an IPv6 /64): 30 per window,
//!   then a wall — one network guessing many accounts;
//! - the e-mail from that network: 5 per window, then a wall — so an attacker
//!   who knows someone's address locks only themselves out, not the person;
//! - the e-mail from anywhere: past 20 per window, one attempt per 10 s — a
//!   distributed guesser is slowed to a crawl, while the real person waits
//!   seconds at worst.

use anyhow::Context;
use std::net::IpAddr;

use crate::db::Db;
use crate::error::{Error, Result};

pub const WINDOW_MINUTES: i32 = 15;
pub const MAX_FAILURES_PER_NETWORK: i32 = 30;
pub const MAX_FAILURES_PER_EMAIL_AND_NETWORK: i32 = 5;
pub const EMAIL_BACKOFF_AFTER: i32 = 20;
pub const EMAIL_BACKOFF_SECS: i32 = 10;
pub const SIGN_UP_WINDOW_MINUTES: i32 = 60;
pub const MAX_SIGN_UPS_PER_NETWORK: i32 = 10;

/// One budget: `limit` attempts per window under `key`; past it a wall
/// (`gap_secs` 0) or one attempt per `gap_secs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub key: String,
    pub limit: i32,
    pub gap_secs: i32,
}

/// The network a client address counts under: IPv4 addresses alone, IPv6
/// by /64 (one subscriber usually holds a whole /64), IPv4-mapped IPv6 as
/// IPv4. Unknown or unparsable addresses share one bucket.
pub fn network_of(ip: Option<&str>) -> String {
    match ip.and_then(|ip| ip.trim().parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".to_string(),
    }
}

/// The budgets a password check by `email` from `network` spends.
pub fn password_rules(email: &str, network: &str) -> Vec<Rule> {
    vec![
        Rule {
            key: format!("net:{network}"),
            limit: MAX_FAILURES_PER_NETWORK,
            gap_secs: 0,
        },
        email_and_network_rule(email, network),
        Rule {
            key: format!("email:{email}"),
            limit: EMAIL_BACKOFF_AFTER,
            gap_secs: EMAIL_BACKOFF_SECS,
        },
    ]
}

/// The budget a correct password clears: this person, from this network.
pub fn email_and_network_rule(email: &str, network: &str) -> Rule {
    Rule {
        key: format!("email-net:{email}|{network}"),
        limit: MAX_FAILURES_PER_EMAIL_AND_NETWORK,
        gap_secs: 0,
    }
}

pub fn sign_up_rules(network: &str) -> Vec<Rule> {
    vec![Rule {
        key: format!("sign-up:{network}"),
        limit: MAX_SIGN_UPS_PER_NETWORK,
        gap_secs: 0,
    }]
}

/// An attempt already counted against its budgets.
#[derive(Debug)]
pub struct Attempt {
    ids: Vec<i64>,
}

/// Counts an attempt under every rule, or `RateLimited` when any budget is
/// spent (then nothing is counted).
pub async fn begin(db: &Db, rules: &[Rule], window_minutes: i32) -> Result<Attempt> {
    let keys: Vec<&str> = rules.iter().map(|r| r.key.as_str()).collect();
    let limits: Vec<i32> = rules.iter().map(|r| r.limit).collect();
    let gaps: Vec<i32> = rules.iter().map(|r| r.gap_secs).collect();
    let (ids, retry_after): (Option<Vec<i64>>, i32) = sqlx::query_as(
        "SELECT attempt_ids, retry_after_secs
           FROM throttle_begin($1, $2, $3, make_interval(mins => $4))",
    )
    .bind(&keys)
    .bind(&limits)
    .bind(&gaps)
    .bind(window_minutes)
    .fetch_one(db.pool())
    .await
    .context("checking the attempt budget")?;
    match ids {
        Some(ids) if retry_after == 0 => Ok(Attempt { ids }),
        _ => Err(Error::RateLimited {
            retry_after_secs: retry_after.max(1).unsigned_abs().into(),
        }),
    }
}

/// The attempt succeeded: it no longer counts, nor do earlier failures
/// under `clear`.
pub async fn succeeded(db: &Db, attempt: Attempt, clear: &[Rule]) -> Result<()> {
    let keys: Vec<&str> = clear.iter().map(|r| r.key.as_str()).collect();
    sqlx::query("SELECT throttle_succeeded($1, $2)")
        .bind(&attempt.ids)
        .bind(&keys)
        .execute(db.pool())
        .await
        .context("clearing the attempt")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            network_of(Some("2001:db8:1:2:aaaa::1")),
            network_of(Some("2001:db8:1:2:ffff::9"))
        );
        assert_eq!(network_of(Some("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_ne!(
            network_of(Some("2001:db8:1:2::1")),
            network_of(Some("2001:db8:1:3::1"))
        );
        assert_eq!(network_of(Some("::ffff:10.1.2.3")), "10.1.2.3");
        assert_eq!(network_of(Some("10.1.2.3")), "10.1.2.3");
        assert_eq!(network_of(Some("not an ip")), "unknown");
        assert_eq!(network_of(None), "unknown");
    }
}
