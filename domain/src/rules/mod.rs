//! The rules engine: per account, "when / if / then" rules that admins
//! build in a form (Automação → Regras) or over REST, run by the workers.
//!
//! - When: database triggers queue an event in the transaction that made
//!   it happen (every path alike, see `migrations/0031_rules.sql`); the
//!   clock's events come from [`clock::sweep`].
//! - If: [`conditions::evaluate`], pure, over [`facts`].
//! - Then: [`actions`], run by [`engine::run_due`] under the conversation's
//!   lock, each run logged; webhooks go out after the commit
//!   ([`webhooks::deliver_due`]).
//!
//! Who may write rules: whoever may build flows (both automate).

mod actions;
pub mod clock;
pub mod conditions;
pub mod engine;
mod facts;
pub mod webhooks;

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::flows::Operator;
use shared::rules::{
    Condition, Conditions, Rule, RuleAction, RuleEvent, RuleForm, RuleRun, RunOutcome, SavedRule,
};
use shared::{ErrorCode, Permission};
use sqlx::types::Json;
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::channels::vault::Vault;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

/// Log lines one page shows.
pub const RUNS_PAGE: i64 = 50;

const SELECT: &str = "
    SELECT r.id, r.name, r.enabled, r.position, r.event, r.after_minutes, r.keywords,
           r.conditions, r.actions, r.disabled_reason,
           (SELECT count(*) FROM rule_runs x
             WHERE x.account_id = r.account_id AND x.rule_id = r.id
               AND x.ran_at > now() - interval '7 days' AND x.outcome = 'done') AS runs_last_7_days,
           (SELECT max(x.ran_at) FROM rule_runs x
             WHERE x.account_id = r.account_id AND x.rule_id = r.id) AS last_run_at
      FROM rules r";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    enabled: bool,
    position: i32,
    event: RuleEvent,
    after_minutes: Option<i32>,
    keywords: Vec<String>,
    conditions: Json<Conditions>,
    actions: Json<Vec<RuleAction>>,
    disabled_reason: Option<String>,
    runs_last_7_days: i64,
    last_run_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<Row> for Rule {
    fn from(row: Row) -> Self {
        Rule {
            id: row.id,
            name: row.name,
            enabled: row.enabled,
            position: row.position,
            event: row.event,
            after_minutes: row.after_minutes.and_then(|m| u32::try_from(m).ok()),
            keywords: row.keywords,
            conditions: row.conditions.0,
            actions: row.actions.0,
            disabled_reason: row.disabled_reason,
            runs_last_7_days: row.runs_last_7_days,
            last_run_at: row.last_run_at,
        }
    }
}

/// The account's rules, in the order they run.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Rule>> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE r.account_id = $1 ORDER BY r.position, r.id"
    ))
    .bind(actor.account_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing rules")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(Rule::from).collect())
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Rule> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rule = get_in(&mut tx, actor.account_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await.context("commit")?;
    Ok(rule)
}

async fn get_in(tx: &mut Tx, account_id: Uuid, id: i64) -> anyhow::Result<Option<Rule>> {
    let row: Option<Row> =
        sqlx::query_as(&format!("{SELECT} WHERE r.account_id = $1 AND r.id = $2"))
            .bind(account_id)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .context("reading the rule")?;
    Ok(row.map(Rule::from))
}

/// Creates (`id` None, last in the order) or changes a rule. Saving it
/// enabled forgets its failures. A rule that calls a webhook gets its
/// signing secret the first time, returned this once.
pub async fn save(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    id: Option<i64>,
    form: &RuleForm,
) -> Result<SavedRule> {
    actor.require(Permission::ManageFlows)?;
    form.validate()
        .map_err(|(field, code)| Error::field(&field, code))?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    check_references(&mut tx, actor.account_id, form).await?;
    let after_minutes = form
        .event
        .is_timed()
        .then_some(form.after_minutes)
        .flatten()
        .and_then(|m| i32::try_from(m).ok());
    let keywords = if form.event == RuleEvent::KeywordDetected {
        form.keywords()
    } else {
        Vec::new()
    };
    let saved: Option<(i64, bool)> = match id {
        Some(id) => sqlx::query_as(
            "UPDATE rules SET name = $3, enabled = $4, event = $5, after_minutes = $6, keywords = $7,
                              conditions = $8, actions = $9, updated_at = now(),
                              failures_in_a_row = CASE WHEN $4 THEN 0 ELSE failures_in_a_row END,
                              disabled_reason = CASE WHEN $4 THEN NULL ELSE disabled_reason END
              WHERE account_id = $1 AND id = $2
          RETURNING id, signing_secret IS NOT NULL",
        )
        .bind(actor.account_id)
        .bind(id),
        None => sqlx::query_as(
            "INSERT INTO rules (account_id, name, enabled, event, after_minutes, keywords,
                                conditions, actions, position)
             VALUES ($1, $3, $4, $5, $6, $7, $8, $9,
                     (SELECT COALESCE(max(position), 0) + 1 FROM rules WHERE account_id = $1))
          RETURNING id, false",
        )
        .bind(actor.account_id)
        .bind(None::<i64>),
    }
    .bind(form.name.trim())
    .bind(form.enabled)
    .bind(form.event)
    .bind(after_minutes)
    .bind(&keywords)
    .bind(Json(&form.conditions))
    .bind(Json(&form.actions))
    .fetch_optional(&mut *tx)
    .await
    .context("saving the rule")?;
    let (id, has_secret) = saved.ok_or(Error::NotFound)?;
    let calls_webhooks = form
        .actions
        .iter()
        .any(|a| matches!(a, RuleAction::CallWebhook { .. }));
    let signing_secret = if calls_webhooks && !has_secret {
        Some(new_signing_secret(&mut tx, vault, actor.account_id, id).await?)
    } else {
        None
    };
    audit::record(
        &mut tx,
        actor,
        AuditAction::RuleSaved,
        Some(Target::new("rule", id)),
        json!({
            "name": form.name.trim(),
            "enabled": form.enabled,
            "event": form.event,
            "conditions": form.conditions.groups.iter().map(|g| g.conditions.len()).sum::<usize>(),
            "actions": form.actions.iter().map(RuleAction::kind).collect::<Vec<_>>(),
        }),
    )
    .await?;
    let rule = get_in(&mut tx, actor.account_id, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a rule saved just now vanished"))?;
    tx.commit().await.context("commit")?;
    Ok(SavedRule {
        rule,
        signing_secret,
    })
}

async fn new_signing_secret(
    tx: &mut Tx,
    vault: &Vault,
    account_id: Uuid,
    id: i64,
) -> anyhow::Result<String> {
    let secret = crate::secrets::random_token();
    let sealed = vault.seal(&webhooks::seal_context(id), secret.as_bytes())?;
    sqlx::query(
        "UPDATE rules SET signing_secret = $3, signing_secret_key_id = $4
          WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(id)
    .bind(&sealed.bytes)
    .bind(&sealed.key_id)
    .execute(&mut **tx)
    .await
    .context("sealing the rule's signing secret")?;
    Ok(secret)
}

/// What only the database knows: patterns that compile, departments and
/// agents of this account, webhook hosts the account allows.
async fn check_references(tx: &mut Tx, account_id: Uuid, form: &RuleForm) -> Result<()> {
    for (g, group) in form.conditions.groups.iter().enumerate() {
        for (c, condition) in group.conditions.iter().enumerate() {
            let field = format!("conditions.{g}.{c}");
            let valid = match condition {
                Condition::MessageText {
                    op: Operator::Matches,
                    value,
                }
                | Condition::ContactAttribute {
                    op: Operator::Matches,
                    value,
                    ..
                } => crate::flows::engine::conditions::pattern(value).is_some(),
                Condition::Department { department_ids } => {
                    all_departments_exist(tx, account_id, department_ids).await?
                }
                _ => true,
            };
            if !valid {
                let code = match condition {
                    Condition::Department { .. } => ErrorCode::OptionInvalid,
                    _ => ErrorCode::InvalidValue,
                };
                return Err(Error::field(&field, code));
            }
        }
    }
    let allowlist = allowlist_in(tx, account_id).await?;
    for (a, action) in form.actions.iter().enumerate() {
        let field = format!("actions.{a}");
        let valid = match action {
            RuleAction::AssignAgent { user_id } => sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM memberships
                                 WHERE account_id = $1 AND user_id = $2 AND active AND role <> 'auditor')",
            )
            .bind(account_id)
            .bind(user_id)
            .fetch_one(&mut **tx)
            .await
            .context("checking the rule's agent")?,
            RuleAction::AssignDepartment { department_id } => {
                all_departments_exist(tx, account_id, &[*department_id]).await?
            }
            RuleAction::CallWebhook { url } => shared::flows::url_allowed(url, &allowlist),
            RuleAction::SendTemplate {
                name,
                language,
                values,
            } => template_fits(tx, account_id, name, language, values.len()).await?,
            _ => true,
        };
        if !valid {
            let code = match action {
                RuleAction::CallWebhook { .. } => ErrorCode::UrlInvalid,
                _ => ErrorCode::OptionInvalid,
            };
            return Err(Error::field(&field, code));
        }
    }
    Ok(())
}

/// Whether some connection of the account has an approved template `name`
/// (in `language`, empty: any) with this many placeholders.
async fn template_fits(
    tx: &mut Tx,
    account_id: Uuid,
    name: &str,
    language: &str,
    values: usize,
) -> anyhow::Result<bool> {
    let bodies: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM message_templates
          WHERE account_id = $1 AND name = $2 AND ($3 = '' OR language = $3) AND status = 'approved'",
    )
    .bind(account_id)
    .bind(name.trim())
    .bind(language.trim())
    .fetch_all(&mut **tx)
    .await
    .context("checking the rule's template")?;
    Ok(bodies
        .iter()
        .any(|body| shared::connections::template_variables(body).len() == values))
}

async fn all_departments_exist(tx: &mut Tx, account_id: Uuid, ids: &[i64]) -> anyhow::Result<bool> {
    let found: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM departments WHERE account_id = $1 AND id = ANY ($2)",
    )
    .bind(account_id)
    .bind(ids)
    .fetch_one(&mut **tx)
    .await
    .context("checking the rule's departments")?;
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    Ok(usize::try_from(found).unwrap_or_default() == unique.len())
}

/// The hosts the account's admin allow-listed for flows' requests, which
/// rules' webhooks may call too (plain http, private addresses).
pub(crate) async fn allowlist_in(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<Vec<String>> {
    sqlx::query_scalar("SELECT flow_http_allowlist FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await
        .context("reading the account's HTTP allow-list")
}

/// Switches a rule on or off (on again forgets its failures).
pub async fn set_enabled(db: &Db, actor: &Actor, id: i64, enabled: bool) -> Result<Rule> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let done = sqlx::query(
        "UPDATE rules SET enabled = $3, updated_at = now(),
                          failures_in_a_row = CASE WHEN $3 THEN 0 ELSE failures_in_a_row END,
                          disabled_reason = CASE WHEN $3 THEN NULL ELSE disabled_reason END
          WHERE account_id = $1 AND id = $2",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(enabled)
    .execute(&mut *tx)
    .await
    .context("switching the rule")?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::RuleSaved,
        Some(Target::new("rule", id)),
        json!({ "enabled": enabled }),
    )
    .await?;
    let rule = get_in(&mut tx, actor.account_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await.context("commit")?;
    Ok(rule)
}

/// Puts the rules in `ids`' order (rules left out keep theirs, after).
pub async fn reorder(db: &Db, actor: &Actor, ids: &[i64]) -> Result<Vec<Rule>> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    sqlx::query(
        "UPDATE rules r SET position = o.ordinality
           FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, ordinality)
          WHERE r.account_id = $1 AND r.id = o.id",
    )
    .bind(actor.account_id)
    .bind(ids)
    .execute(&mut *tx)
    .await
    .context("ordering the rules")?;
    sqlx::query(
        "UPDATE rules SET position = $3 + position
          WHERE account_id = $1 AND NOT (id = ANY ($2))",
    )
    .bind(actor.account_id)
    .bind(ids)
    .bind(i32::try_from(ids.len()).unwrap_or(i32::MAX))
    .execute(&mut *tx)
    .await
    .context("ordering the rules left out")?;
    tx.commit().await.context("commit")?;
    list(db, actor).await
}

pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let name: Option<String> =
        sqlx::query_scalar("DELETE FROM rules WHERE account_id = $1 AND id = $2 RETURNING name")
            .bind(actor.account_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .context("removing the rule")?;
    let name = name.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::RuleRemoved,
        Some(Target::new("rule", id)),
        json!({ "name": name }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: i64,
    rule_id: i64,
    event: RuleEvent,
    conversation_number: Option<i64>,
    outcome: RunOutcome,
    conditions: Json<Vec<shared::rules::ConditionCheck>>,
    actions: Json<Vec<shared::rules::ActionDone>>,
    error: Option<String>,
    depth: i32,
    ran_at: chrono::DateTime<chrono::Utc>,
}

/// A rule's execution log, newest first, [`RUNS_PAGE`] lines before
/// `before` (a run id).
pub async fn runs(
    db: &Db,
    actor: &Actor,
    rule_id: i64,
    before: Option<i64>,
) -> Result<Vec<RuleRun>> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    if get_in(&mut tx, actor.account_id, rule_id).await?.is_none() {
        return Err(Error::NotFound);
    }
    let rows: Vec<RunRow> = sqlx::query_as(
        "SELECT id, rule_id, event, conversation_number, outcome, conditions, actions, error, depth, ran_at
           FROM rule_runs
          WHERE account_id = $1 AND rule_id = $2 AND ($3::bigint IS NULL OR id < $3)
          ORDER BY id DESC LIMIT $4",
    )
    .bind(actor.account_id)
    .bind(rule_id)
    .bind(before)
    .bind(RUNS_PAGE)
    .fetch_all(&mut *tx)
    .await
    .context("reading the rule's log")?;
    tx.commit().await.context("commit")?;
    Ok(rows
        .into_iter()
        .map(|row| RuleRun {
            id: row.id,
            rule_id: row.rule_id,
            event: row.event,
            conversation_number: row.conversation_number,
            outcome: row.outcome,
            conditions: row.conditions.0,
            actions: row.actions.0,
            error: row.error,
            depth: row.depth,
            ran_at: row.ran_at,
        })
        .collect())
}

/// Forgets what is no longer needed: events done a day ago, log lines
/// older than 30 days, episodes of closed conversations, delivered
/// webhooks after a week.
pub async fn remove_old(db: &Db) -> Result<u64> {
    let removed: i64 = sqlx::query_scalar("SELECT prune_rules_history()")
        .fetch_one(db.pool())
        .await
        .context("pruning the rules' history")?;
    Ok(u64::try_from(removed).unwrap_or_default())
}
