//! Real-time signals between server instances.
//!
//! A change publishes a small [`Signal`] with `pg_notify` inside the same
//! transaction, so it is delivered exactly when (and only if) the change
//! commits. Every instance LISTENs, turns signals into browser events, and
//! sends them to its own sockets after checking who may see what.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::Tx;

pub const CHANNEL: &str = "ponte_events";

/// What happened, by id only: NOTIFY payloads must stay small (< 8 kB).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    MembershipChanged { user_id: Uuid, active: bool },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub account_id: Uuid,
    #[serde(flatten)]
    pub signal: Signal,
}

/// Queues `signal` for delivery when `tx` commits.
pub async fn publish(tx: &mut Tx, account_id: Uuid, signal: Signal) -> anyhow::Result<()> {
    let payload =
        serde_json::to_string(&Envelope { account_id, signal }).context("encoding signal")?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(&mut **tx)
        .await
        .context("publishing signal")?;
    Ok(())
}
