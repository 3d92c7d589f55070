//! The worker's side: claims queued events (`SKIP LOCKED`, any instance),
//! evaluates the account's rules for each under the conversation's lock,
//! does the actions of those that hold — each rule in its own savepoint, so
//! one failing rule undoes only its own actions — and logs every run.
//!
//! Loop protection: the events a rule's actions cause carry the depth of
//! the run plus one (`ponte.rule_depth`, read by the queueing triggers);
//! at [`MAX_DEPTH`] rules are not run and the log says so.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::Feeling;
use shared::rules::{ActionDone, Conditions, RuleAction, RuleEvent, RunOutcome};
use sqlx::types::Json;
use uuid::Uuid;

use super::actions::{self, Cause};
use super::conditions::{evaluate, keyword_found, Facts};
use super::facts;
use crate::ai::sentiment::feeling_of;
use crate::conversations::{self, Locked};
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::mail::Outbox;
use crate::notifications::{alert_admins, AdminAlert};

/// Events a rule's actions may cause, in a chain, before rules stop.
pub const MAX_DEPTH: i32 = 3;
/// A rule that fails this many runs in a row is switched off.
pub const FAILURES_TO_DISABLE: i32 = 3;
/// An event whose processing keeps failing is dropped after this many tries.
const MAX_ATTEMPTS: i32 = 5;
const BATCH: i32 = 20;
const LEASE_SECONDS: i32 = 60;

/// A rule as the engine reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct RuleRow {
    pub id: i64,
    pub name: String,
    pub event: RuleEvent,
    pub keywords: Vec<String>,
    pub conditions: Json<Conditions>,
    pub actions: Json<Vec<RuleAction>>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    conversation_id: i64,
    message_id: Option<i64>,
    event: RuleEvent,
    rule_id: Option<i64>,
    depth: i32,
    created_at: DateTime<Utc>,
}

/// Runs the rules for the events due; returns how many were claimed.
pub async fn run_due(db: &Db, outbox: Outbox<'_>) -> Result<usize> {
    let due: Vec<(i64, Uuid, i32)> =
        sqlx::query_as("SELECT id, account_id, attempts FROM claim_rule_events($1, $2)")
            .bind(BATCH)
            .bind(LEASE_SECONDS)
            .fetch_all(db.pool())
            .await
            .context("claiming rule events")?;
    for &(event_id, account_id, attempts) in &due {
        if let Err(err) = process(db, outbox, account_id, event_id, attempts).await {
            tracing::warn!(error = ?err, %account_id, event_id, "rules failed for an event");
        }
    }
    Ok(due.len())
}

async fn process(
    db: &Db,
    outbox: Outbox<'_>,
    account_id: Uuid,
    event_id: i64,
    attempts: i32,
) -> Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    let event: Option<EventRow> = sqlx::query_as(
        "SELECT conversation_id, message_id, event, rule_id, depth, created_at FROM rule_events
          WHERE account_id = $1 AND id = $2 AND done_at IS NULL",
    )
    .bind(account_id)
    .bind(event_id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading the rule event")?;
    let Some(event) = event else {
        return Ok(());
    };
    if attempts > MAX_ATTEMPTS {
        tracing::error!(%account_id, event_id, "a rule event kept failing; dropped");
        mark_done(&mut tx, event_id).await?;
        tx.commit().await.context("commit")?;
        return Ok(());
    }
    let conversation =
        conversations::lock_by_id(&mut tx, account_id, event.conversation_id, false).await?;
    let Some(mut conversation) = conversation else {
        mark_done(&mut tx, event_id).await?;
        tx.commit().await.context("commit")?;
        return Ok(());
    };
    sqlx::query("SELECT set_config('ponte.rule_depth', $1, true)")
        .bind((event.depth + 1).to_string())
        .execute(&mut *tx)
        .await
        .context("setting the rules' depth")?;
    let cause = Cause {
        event: event.event,
        message_id: event.message_id,
        at: event.created_at,
    };
    let rules = listening_rules(&mut tx, account_id, &event).await?;
    let mut facts = facts::read(&mut tx, &conversation, event.message_id, Utc::now()).await?;
    for rule in rules {
        if !rule_hears(&rule, &event, &facts) {
            continue;
        }
        let cause = Cause {
            event: rule.event,
            ..cause
        };
        let ran = run_rule(
            &mut tx,
            outbox,
            &mut conversation,
            &rule,
            &event,
            &facts,
            &cause,
        )
        .await?;
        if ran {
            // The next rules see what this one changed.
            facts = facts::read(&mut tx, &conversation, event.message_id, Utc::now()).await?;
        }
    }
    mark_done(&mut tx, event_id).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Evaluates one rule and does its actions; logs the run. Returns whether
/// its actions changed anything.
async fn run_rule(
    tx: &mut Tx,
    outbox: Outbox<'_>,
    conversation: &mut Locked,
    rule: &RuleRow,
    event: &EventRow,
    facts: &Facts,
    cause: &Cause,
) -> Result<bool> {
    let run = Run {
        rule,
        conversation,
        event: rule.event,
        depth: event.depth,
    };
    if event.depth >= MAX_DEPTH {
        run.log(tx, RunOutcome::LoopStopped, &[], &[], None).await?;
        return Ok(false);
    }
    let (held, checks) = evaluate(&rule.conditions, facts);
    if !held {
        run.log(tx, RunOutcome::NotMatched, &checks, &[], None)
            .await?;
        return Ok(false);
    }
    savepoint(tx, "SAVEPOINT rule_actions").await?;
    let mut done = Vec::new();
    let mut failure = None;
    for action in rule.actions.iter() {
        match actions::apply(tx, outbox, run.conversation, rule, action, cause).await {
            Ok(action_done) => done.push(action_done),
            Err(err) => {
                failure = Some(format!("{}: {err}", action.kind()));
                break;
            }
        }
    }
    match failure {
        None => {
            savepoint(tx, "RELEASE SAVEPOINT rule_actions").await?;
            conversations::touch(tx, run.conversation.account_id, run.conversation.id).await?;
            run.log(tx, RunOutcome::Done, &checks, &done, None).await?;
            // A queued webhook is not a success yet: its delivery says.
            let calls_webhooks = rule
                .actions
                .iter()
                .any(|a| matches!(a, RuleAction::CallWebhook { .. }));
            if !calls_webhooks {
                succeeded(tx, run.conversation.account_id, rule.id).await?;
            }
            Ok(true)
        }
        Some(error) => {
            savepoint(tx, "ROLLBACK TO SAVEPOINT rule_actions").await?;
            // What was undone is not reported as done.
            run.log(tx, RunOutcome::Failed, &checks, &[], Some(&error))
                .await?;
            failed(tx, run.conversation.account_id, rule.id, &error).await?;
            *run.conversation = reread(tx, run.conversation).await?;
            Ok(false)
        }
    }
}

/// The conversation as the rollback left it.
async fn reread(tx: &mut Tx, conversation: &Locked) -> Result<Locked> {
    conversations::lock_by_id(tx, conversation.account_id, conversation.id, false)
        .await?
        .ok_or(crate::error::Error::NotFound)
}

async fn savepoint(tx: &mut Tx, statement: &'static str) -> anyhow::Result<()> {
    sqlx::query(statement)
        .execute(&mut **tx)
        .await
        .with_context(|| statement.to_lowercase())?;
    Ok(())
}

/// The enabled rules that may hear `event`, in the account's order: the
/// clock names its rule; a message is heard by message, keyword and
/// sentiment rules.
async fn listening_rules(
    tx: &mut Tx,
    account_id: Uuid,
    event: &EventRow,
) -> anyhow::Result<Vec<RuleRow>> {
    let events: Vec<&str> = match event.event {
        RuleEvent::MessageCreated => vec![
            RuleEvent::MessageCreated.as_str(),
            RuleEvent::KeywordDetected.as_str(),
            RuleEvent::NegativeSentiment.as_str(),
        ],
        other => vec![other.as_str()],
    };
    sqlx::query_as(
        "SELECT id, name, event, keywords, conditions, actions FROM rules
          WHERE account_id = $1 AND enabled AND event = ANY ($2)
            AND ($3::bigint IS NULL OR id = $3)
          ORDER BY position, id",
    )
    .bind(account_id)
    .bind(&events)
    .bind(event.rule_id)
    .fetch_all(&mut **tx)
    .await
    .context("reading the rules")
}

/// Whether the rule's own event happened: any message for message rules;
/// for keyword and sentiment rules, a customer's message with a keyword or
/// that reads negative.
fn rule_hears(rule: &RuleRow, event: &EventRow, facts: &Facts) -> bool {
    let customer_message = facts
        .message
        .as_ref()
        .filter(|m| m.from_customer && event.message_id.is_some());
    match rule.event {
        RuleEvent::KeywordDetected => {
            customer_message.is_some_and(|m| keyword_found(&rule.keywords, &m.text))
        }
        RuleEvent::NegativeSentiment => customer_message
            .and_then(|m| m.sentiment)
            .is_some_and(|score| feeling_of(score) == Feeling::Negative),
        _ => true,
    }
}

async fn mark_done(tx: &mut Tx, event_id: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE rule_events SET done_at = now() WHERE id = $1")
        .bind(event_id)
        .execute(&mut **tx)
        .await
        .context("marking the rule event done")?;
    Ok(())
}

/// One rule's run, for the log.
struct Run<'a> {
    rule: &'a RuleRow,
    conversation: &'a mut Locked,
    event: RuleEvent,
    depth: i32,
}

impl Run<'_> {
    async fn log(
        &self,
        tx: &mut Tx,
        outcome: RunOutcome,
        checks: &[shared::rules::ConditionCheck],
        done: &[ActionDone],
        error: Option<&str>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO rule_runs (account_id, rule_id, event, conversation_id, conversation_number,
                                    outcome, conditions, actions, error, depth)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(self.conversation.account_id)
        .bind(self.rule.id)
        .bind(self.event)
        .bind(self.conversation.id)
        .bind(self.conversation.number)
        .bind(outcome)
        .bind(Json(checks))
        .bind(Json(done))
        .bind(error.map(|e| e.chars().take(500).collect::<String>()))
        .bind(self.depth)
        .execute(&mut **tx)
        .await
        .context("logging the rule's run")?;
        Ok(())
    }
}

/// A run (or a webhook call) that worked: the failures in a row start over.
pub(crate) async fn succeeded(tx: &mut Tx, account_id: Uuid, rule_id: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE rules SET failures_in_a_row = 0
          WHERE account_id = $1 AND id = $2 AND failures_in_a_row > 0",
    )
    .bind(account_id)
    .bind(rule_id)
    .execute(&mut **tx)
    .await
    .context("counting the rule's success")?;
    Ok(())
}

/// Counts a failed run (its actions, or a webhook out of retries); the
/// [`FAILURES_TO_DISABLE`]th in a row switches the rule off and rings the
/// admins' bells.
pub(crate) async fn failed(
    tx: &mut Tx,
    account_id: Uuid,
    rule_id: i64,
    error: &str,
) -> anyhow::Result<()> {
    let switched_off: Option<bool> = sqlx::query_scalar(
        "WITH before AS (SELECT id, enabled FROM rules WHERE account_id = $1 AND id = $2 FOR UPDATE)
         UPDATE rules r
            SET failures_in_a_row = r.failures_in_a_row + 1,
                enabled = r.enabled AND r.failures_in_a_row + 1 < $3,
                disabled_reason = CASE WHEN r.enabled AND r.failures_in_a_row + 1 >= $3
                                       THEN left($4, 300) ELSE r.disabled_reason END
           FROM before b
          WHERE r.id = b.id
      RETURNING b.enabled AND NOT r.enabled",
    )
    .bind(account_id)
    .bind(rule_id)
    .bind(FAILURES_TO_DISABLE)
    .bind(error)
    .fetch_optional(&mut **tx)
    .await
    .context("counting the rule's failure")?;
    if switched_off == Some(true) {
        tracing::warn!(%account_id, rule_id, error, "a rule kept failing and was switched off");
        alert_admins(tx, account_id, AdminAlert::RuleDisabled { rule_id }).await?;
    }
    Ok(())
}
