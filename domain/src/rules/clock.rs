//! The clock's rules ("no agent reply for X minutes", "waiting on the
//! customer for X hours", "open for more than X"): a sweeper on any
//! instance finds the conversations whose current episode reached a rule's
//! X and queues the rule's event once per episode — the episode row, unique
//! per rule, conversation and start, is what makes a second sweep (or a
//! second instance) fire nothing.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::rules::RuleEvent;
use uuid::Uuid;

use crate::db::Db;
use crate::error::Result;

/// Episodes one sweep fires at most (the rest wait for the next sweep).
const SWEEP_LIMIT: i32 = 200;

/// Fires the clock rules due at `now` (the real clock in production, a
/// later one in tests); returns how many fired.
pub async fn sweep(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    let due: Vec<(Uuid, i64, RuleEvent, i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT account_id, rule_id, event, conversation_id, began_at FROM due_rule_episodes($1, $2)",
    )
    .bind(now)
    .bind(SWEEP_LIMIT)
    .fetch_all(db.pool())
    .await
    .context("finding the clock rules due")?;
    let mut fired = 0;
    for (account_id, rule_id, event, conversation_id, began_at) in due {
        let mut tx = db.tenant(account_id, None).await?;
        let new_episode = sqlx::query(
            "INSERT INTO rule_episodes (account_id, rule_id, conversation_id, began_at, fired_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(account_id)
        .bind(rule_id)
        .bind(conversation_id)
        .bind(began_at)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("recording the rule's episode")?
        .rows_affected()
            == 1;
        if new_episode {
            sqlx::query(
                "INSERT INTO rule_events (account_id, conversation_id, event, rule_id)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(account_id)
            .bind(conversation_id)
            .bind(event)
            .bind(rule_id)
            .execute(&mut *tx)
            .await
            .context("queueing the clock rule")?;
            sqlx::query("SELECT pg_notify('ponte_jobs', 'rules')")
                .execute(&mut *tx)
                .await
                .context("waking the rules")?;
            fired += 1;
        }
        tx.commit().await.context("commit")?;
    }
    Ok(fired)
}
