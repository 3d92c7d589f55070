//! Automation flows: each flow has a draft the admin edits and published
//! versions that never change (the table has no UPDATE grant); new runs
//! start with the live version, and a conversation keeps the version it
//! started with. The definition and its validation are
//! `shared::flows` (docs/FLOWS.md); [`engine`] runs one.

pub mod builder;
pub mod engine;
pub mod runs;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;
use shared::audit::AuditAction;
use shared::flows::{
    starter, validate, BlockKind, FlowDefinition, FlowDraft, FlowProblem, FlowSummary, FlowVersion,
    Operand, Operator, ProblemCode, RunCounts, ValidationContext,
};
use shared::values::DisplayName;
use shared::{ErrorCode, Permission};
use sqlx::types::Json;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{is_unique_violation, Error, Result};

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    name: String,
    live_version: Option<i32>,
    published_at: Option<DateTime<Utc>>,
    published_by: Option<String>,
    draft_updated_at: DateTime<Utc>,
    unpublished_changes: bool,
    started: i64,
    running: i64,
    completed: i64,
    handed_off: i64,
    taken_over: i64,
    dropped: i64,
}

impl From<SummaryRow> for FlowSummary {
    fn from(row: SummaryRow) -> Self {
        FlowSummary {
            id: row.id,
            name: row.name,
            live_version: row.live_version,
            published_at: row.published_at,
            published_by: row.published_by,
            draft_updated_at: row.draft_updated_at,
            unpublished_changes: row.unpublished_changes,
            runs: RunCounts {
                started: row.started,
                running: row.running,
                completed: row.completed,
                handed_off: row.handed_off,
                taken_over: row.taken_over,
                dropped: row.dropped,
            },
        }
    }
}

const SUMMARY: &str = "SELECT f.id, f.name, f.live_version, v.published_at, u.name AS published_by,
        f.draft_updated_at, v.definition IS DISTINCT FROM f.draft AS unpublished_changes,
        COALESCE(r.started, 0) AS started, COALESCE(r.running, 0) AS running,
        COALESCE(r.completed, 0) AS completed, COALESCE(r.handed_off, 0) AS handed_off,
        COALESCE(r.taken_over, 0) AS taken_over, COALESCE(r.dropped, 0) AS dropped
   FROM flows f
   LEFT JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.live_version
   LEFT JOIN users u ON u.id = v.published_by
   LEFT JOIN LATERAL (
        SELECT count(*) AS started,
               count(*) FILTER (WHERE outcome IS NULL) AS running,
               count(*) FILTER (WHERE outcome = 'completed') AS completed,
               count(*) FILTER (WHERE outcome = 'handed_off') AS handed_off,
               count(*) FILTER (WHERE outcome = 'taken_over') AS taken_over,
               count(*) FILTER (WHERE outcome IN ('dropped', 'jumped')) AS dropped
          FROM flow_runs fr WHERE fr.account_id = f.account_id AND fr.flow_id = f.id) r ON true";

/// What validation knows of the account: the hosts HTTP blocks may call
/// over plain http.
async fn context(tx: &mut Tx, account_id: uuid::Uuid) -> anyhow::Result<ValidationContext> {
    let http_allowlist: Vec<String> =
        sqlx::query_scalar("SELECT flow_http_allowlist FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&mut **tx)
            .await
            .context("reading the flows' HTTP allow-list")?;
    Ok(ValidationContext { http_allowlist })
}

/// The hosts an admin lets HTTP blocks call over plain http and at private
/// addresses.
pub async fn http_allowlist(db: &Db, actor: &Actor) -> Result<Vec<String>> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let context = context(&mut tx, actor.account_id).await?;
    tx.commit().await.context("commit")?;
    Ok(context.http_allowlist)
}

/// Replaces the allow-list (audited): host names or addresses, at most 50.
pub async fn set_http_allowlist(db: &Db, actor: &Actor, hosts: &[String]) -> Result<Vec<String>> {
    actor.require(Permission::ManageFlows)?;
    let mut clean: Vec<String> = Vec::new();
    for host in hosts {
        let host = host.trim().to_ascii_lowercase();
        let valid = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
        if !valid {
            return Err(Error::field("hosts", ErrorCode::InvalidValue));
        }
        if !clean.contains(&host) {
            clean.push(host);
        }
    }
    if clean.len() > 50 {
        return Err(Error::field("hosts", ErrorCode::TooLong));
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    sqlx::query("UPDATE accounts SET flow_http_allowlist = $2, updated_at = now() WHERE id = $1")
        .bind(actor.account_id)
        .bind(&clean)
        .execute(&mut *tx)
        .await
        .context("saving the flows' HTTP allow-list")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        None,
        json!({ "flow_http_allowlist": clean }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(clean)
}

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<FlowSummary>> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!("{SUMMARY} ORDER BY lower(f.name)"))
        .fetch_all(&mut *tx)
        .await
        .context("listing flows")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(FlowSummary::from).collect())
}

async fn summary_in(tx: &mut Tx, id: i64) -> Result<FlowSummary> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!("{SUMMARY} WHERE f.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .context("reading flow")?;
    Ok(row.ok_or(Error::NotFound)?.into())
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<FlowSummary> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let summary = summary_in(&mut tx, id).await?;
    tx.commit().await.context("commit")?;
    Ok(summary)
}

/// A new flow named `name`, with `definition` as its draft (the starter
/// flow when none is given; a given one must be valid).
pub async fn create(
    db: &Db,
    actor: &Actor,
    name: &str,
    definition: Option<&FlowDefinition>,
) -> Result<FlowSummary> {
    actor.require(Permission::ManageFlows)?;
    let name = DisplayName::parse(name).map_err(|code| Error::field("name", code))?;
    let starter = starter();
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let definition = match definition {
        Some(definition) => {
            require_valid(definition, &context(&mut tx, actor.account_id).await?)?;
            definition
        }
        None => &starter,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO flows (account_id, name, draft) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(actor.account_id)
    .bind(name.as_str())
    .bind(Json(definition))
    .fetch_one(&mut *tx)
    .await
    .map_err(name_taken)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::FlowCreated,
        Some(Target::new("flow", id)),
        json!({ "name": name.as_str() }),
    )
    .await?;
    let summary = summary_in(&mut tx, id).await?;
    tx.commit().await.context("commit")?;
    Ok(summary)
}

fn name_taken(err: sqlx::Error) -> Error {
    if is_unique_violation(&err, "flows_name_idx") {
        Error::field("name", ErrorCode::NameTaken)
    } else {
        anyhow::Error::new(err).context("saving flow").into()
    }
}

/// The shared validation, plus what only the server can check: every
/// `matches` pattern compiles (the regex engine stays out of the wasm).
fn problems_of(definition: &FlowDefinition, context: &ValidationContext) -> Vec<FlowProblem> {
    let mut problems = validate(definition, context);
    for block in &definition.blocks {
        let BlockKind::Condition { branches } = &block.kind else {
            continue;
        };
        for branch in branches {
            let broken = branch
                .rules
                .iter()
                .any(|rule| match (&rule.op, &rule.right) {
                    (Operator::Matches, Some(Operand::Text(pattern))) => {
                        engine::conditions::pattern(pattern).is_none()
                    }
                    _ => false,
                });
            if broken {
                problems.push(FlowProblem {
                    block: Some(block.id.clone()),
                    code: ProblemCode::RuleInvalid,
                    detail: branch.id.clone(),
                });
            }
        }
    }
    problems
}

fn require_valid(definition: &FlowDefinition, context: &ValidationContext) -> Result<()> {
    let problems = problems_of(definition, context);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::FlowInvalid(problems))
    }
}

/// The draft as last saved.
pub async fn draft(db: &Db, actor: &Actor, id: i64) -> Result<FlowDefinition> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let draft: Option<Json<FlowDefinition>> =
        sqlx::query_scalar("SELECT draft FROM flows WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .context("reading draft")?;
    tx.commit().await.context("commit")?;
    Ok(draft.ok_or(Error::NotFound)?.0)
}

/// The flow with its draft, as the builder opens it.
pub async fn open(db: &Db, actor: &Actor, id: i64) -> Result<FlowDraft> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let flow = summary_in(&mut tx, id).await?;
    let definition: Json<FlowDefinition> =
        sqlx::query_scalar("SELECT draft FROM flows WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .context("reading draft")?;
    tx.commit().await.context("commit")?;
    Ok(FlowDraft {
        flow,
        definition: definition.0,
    })
}

/// Whether a draft that does not validate is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftSave {
    /// The builder's autosave: stored as it is, problems returned.
    KeepProblems,
    /// REST: refused with its problems.
    OnlyValid,
}

/// Replaces the draft (published versions stay as they are); returns its
/// problems.
pub async fn save_draft(
    db: &Db,
    actor: &Actor,
    id: i64,
    definition: &FlowDefinition,
    mode: DraftSave,
) -> Result<Vec<FlowProblem>> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let problems = problems_of(definition, &context(&mut tx, actor.account_id).await?);
    if mode == DraftSave::OnlyValid && !problems.is_empty() {
        return Err(Error::FlowInvalid(problems));
    }
    let done = sqlx::query(
        "UPDATE flows SET draft = $3, draft_updated_at = now() WHERE account_id = $1 AND id = $2",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(Json(definition))
    .execute(&mut *tx)
    .await
    .context("saving draft")?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    tx.commit().await.context("commit")?;
    Ok(problems)
}

/// Publishes the draft as the next version and makes it live; refused with
/// its problems when it does not validate.
pub async fn publish(db: &Db, actor: &Actor, id: i64) -> Result<FlowVersion> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let draft: Option<Json<FlowDefinition>> =
        sqlx::query_scalar("SELECT draft FROM flows WHERE account_id = $1 AND id = $2 FOR UPDATE")
            .bind(actor.account_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .context("locking flow")?;
    let draft = draft.ok_or(Error::NotFound)?.0;
    require_valid(&draft, &context(&mut tx, actor.account_id).await?)?;
    let version: i32 = sqlx::query_scalar(
        "INSERT INTO flow_versions (account_id, flow_id, version, definition, published_by)
         SELECT $1, $2, COALESCE(max(version), 0) + 1, $3, $4 FROM flow_versions WHERE flow_id = $2
         RETURNING version",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(Json(&draft))
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await
    .context("publishing flow")?;
    sqlx::query("UPDATE flows SET live_version = $3 WHERE account_id = $1 AND id = $2")
        .bind(actor.account_id)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .context("making the version live")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::FlowPublished,
        Some(Target::new("flow", id)),
        json!({ "version": version }),
    )
    .await?;
    let published = versions_in(&mut tx, id)
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| anyhow::anyhow!("a version published just now vanished"))?;
    tx.commit().await.context("commit")?;
    Ok(published)
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i32,
    published_at: DateTime<Utc>,
    published_by: Option<String>,
    live: bool,
}

async fn versions_in(tx: &mut Tx, id: i64) -> anyhow::Result<Vec<FlowVersion>> {
    let rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT v.version, v.published_at, u.name AS published_by, v.version = f.live_version AS live
           FROM flow_versions v JOIN flows f ON f.id = v.flow_id
           LEFT JOIN users u ON u.id = v.published_by
          WHERE v.flow_id = $1 ORDER BY v.version DESC",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await
    .context("listing flow versions")?;
    Ok(rows
        .into_iter()
        .map(|r| FlowVersion {
            version: r.version,
            published_at: r.published_at,
            published_by: r.published_by,
            live: r.live,
        })
        .collect())
}

/// Every published version, newest first.
pub async fn versions(db: &Db, actor: &Actor, id: i64) -> Result<Vec<FlowVersion>> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    summary_in(&mut tx, id).await?;
    let versions = versions_in(&mut tx, id).await?;
    tx.commit().await.context("commit")?;
    Ok(versions)
}

/// Removes a flow with its versions.
pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    runs::release_runs_of(&mut tx, actor.account_id, id).await?;
    let name: Option<String> =
        sqlx::query_scalar("DELETE FROM flows WHERE account_id = $1 AND id = $2 RETURNING name")
            .bind(actor.account_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .context("removing flow")?;
    let name = name.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::FlowRemoved,
        Some(Target::new("flow", id)),
        json!({ "name": name }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}
