//! AI agents: the account's global agent, one per department with its own
//! instructions and knowledge base ([`knowledge`]), and the sentiment
//! agent. Each asks one of the account's providers or, when none is chosen
//! or it fails, the offline engine. Flows' AI blocks speak through them
//! ([`respond`]); admins try them from the settings page ([`try_answer`]).

mod classify;
pub mod knowledge;
mod reply;

use anyhow::Context;
use serde_json::json;
use shared::ai_agents::{AgentAnswer, AgentKind, AiAgent, AiAgentForm};
use shared::audit::AuditAction;
use shared::flows::category_output;
use shared::{ErrorCode, Permission};
use uuid::Uuid;

use super::providers::Reach;
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{is_unique_violation, Error, Result};
use crate::flows::engine::{AiOutcome, AiTask};
use crate::flows::runs::PendingAsk;

/// The agents' settings as the answering code needs them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct Agent {
    pub id: i64,
    pub name: String,
    pub instructions: String,
    pub provider_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: AgentKind,
    department_id: Option<i64>,
    department_name: Option<String>,
    name: String,
    instructions: String,
    provider_id: Option<i64>,
    provider_name: Option<String>,
    documents: i64,
}

impl From<Row> for AiAgent {
    fn from(row: Row) -> Self {
        AiAgent {
            id: row.id,
            kind: row.kind,
            department_id: row.department_id,
            department_name: row.department_name,
            name: row.name,
            instructions: row.instructions,
            provider_id: row.provider_id,
            provider_name: row.provider_name,
            documents: u32::try_from(row.documents).unwrap_or(u32::MAX),
        }
    }
}

const SELECT: &str = "SELECT a.id, a.kind, a.department_id, d.name AS department_name, a.name,
            a.instructions, a.provider_id, p.name AS provider_name,
            (SELECT count(*) FROM knowledge_documents k
              WHERE k.account_id = a.account_id AND k.agent_id = a.id) AS documents
       FROM ai_agents a
       LEFT JOIN departments d ON d.account_id = a.account_id AND d.id = a.department_id
       LEFT JOIN ai_providers p ON p.account_id = a.account_id AND p.id = a.provider_id
      WHERE a.account_id = $1";

/// The account's agents: the global one, the sentiment one, then the
/// departments' by name.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<AiAgent>> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} ORDER BY a.kind = 'department', a.kind, lower(d.name), a.id"
    ))
    .bind(actor.account_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing AI agents")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(AiAgent::from).collect())
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<AiAgent> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let agent = view_in(&mut tx, actor.account_id, id).await?;
    tx.commit().await.context("commit")?;
    Ok(agent)
}

async fn view_in(tx: &mut Tx, account_id: Uuid, id: i64) -> Result<AiAgent> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} AND a.id = $2"))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .context("reading the AI agent")?;
    row.map(AiAgent::from).ok_or(Error::NotFound)
}

/// Creates (`id` None) or changes an agent. Its kind and department stay
/// what they were created as.
pub async fn save(db: &Db, actor: &Actor, id: Option<i64>, form: &AiAgentForm) -> Result<AiAgent> {
    actor.require(Permission::ManageFlows)?;
    Error::check(form.problems())?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let id = match id {
        Some(id) => {
            let before = view_in(&mut tx, actor.account_id, id).await?;
            if before.kind != form.kind || before.department_id != form.department_id {
                return Err(Error::field("kind", ErrorCode::InvalidValue));
            }
            update(&mut tx, actor.account_id, id, form).await?
        }
        None => insert(&mut tx, actor.account_id, form).await?,
    };
    let agent = view_in(&mut tx, actor.account_id, id).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        Some(Target::new("ai_agent", id)),
        json!({
            "section": "ai_agents",
            "kind": agent.kind,
            "name": agent.name,
            "department_id": agent.department_id,
            "provider_id": agent.provider_id,
        }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(agent)
}

async fn insert(tx: &mut Tx, account_id: Uuid, form: &AiAgentForm) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO ai_agents (account_id, kind, department_id, name, instructions, provider_id)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(account_id)
    .bind(form.kind)
    .bind(form.department_id)
    .bind(form.name.trim())
    .bind(form.instructions.trim())
    .bind(form.provider_id)
    .fetch_one(&mut **tx)
    .await
    .map_err(refused)
}

async fn update(tx: &mut Tx, account_id: Uuid, id: i64, form: &AiAgentForm) -> Result<i64> {
    sqlx::query_scalar(
        "UPDATE ai_agents SET name = $3, instructions = $4, provider_id = $5, updated_at = now()
          WHERE account_id = $1 AND id = $2 RETURNING id",
    )
    .bind(account_id)
    .bind(id)
    .bind(form.name.trim())
    .bind(form.instructions.trim())
    .bind(form.provider_id)
    .fetch_one(&mut **tx)
    .await
    .map_err(refused)
}

/// The database's refusals as the form's field errors: a second agent of a
/// kind, a department or provider of another account (or none).
fn refused(err: sqlx::Error) -> Error {
    let constraint = err
        .as_database_error()
        .and_then(|e| e.constraint())
        .unwrap_or_default()
        .to_string();
    if is_unique_violation(&err, "ai_agents_one_of_a_kind_idx") {
        Error::field("kind", ErrorCode::NameTaken)
    } else if is_unique_violation(&err, "ai_agents_one_per_department_idx") {
        Error::field("department_id", ErrorCode::NameTaken)
    } else if constraint.contains("department_id") {
        Error::field("department_id", ErrorCode::OptionInvalid)
    } else if constraint.contains("provider_id") {
        Error::field("provider_id", ErrorCode::OptionInvalid)
    } else {
        Error::Unexpected(anyhow::Error::new(err).context("saving the AI agent"))
    }
}

/// Removes an agent with its knowledge (audited).
pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let agent = view_in(&mut tx, actor.account_id, id).await?;
    sqlx::query("DELETE FROM ai_agents WHERE account_id = $1 AND id = $2")
        .bind(actor.account_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("removing the AI agent")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        Some(Target::new("ai_agent", id)),
        json!({ "section": "ai_agents", "removed": agent.name, "documents": agent.documents }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// The agent that speaks for `department_id`: its own, else the account's
/// global one; none when the account has neither (the offline engine then
/// answers with no knowledge and no instructions).
async fn speaking_for(
    tx: &mut Tx,
    account_id: Uuid,
    department_id: Option<i64>,
) -> anyhow::Result<Option<Agent>> {
    sqlx::query_as(
        "SELECT id, name, instructions, provider_id FROM ai_agents
          WHERE account_id = $1
            AND ((kind = 'department' AND department_id = $2) OR kind = 'global')
          ORDER BY kind = 'global' LIMIT 1",
    )
    .bind(account_id)
    .bind(department_id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding the AI agent")
}

/// The account's sentiment agent, if it has one.
async fn sentiment_agent(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<Option<Agent>> {
    sqlx::query_as(
        "SELECT id, name, instructions, provider_id FROM ai_agents
          WHERE account_id = $1 AND kind = 'sentiment'",
    )
    .bind(account_id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding the sentiment agent")
}

/// What a flow's AI block hears back about conversation `conversation_id`.
pub(crate) async fn respond(
    db: &Db,
    reach: Reach<'_>,
    account_id: Uuid,
    conversation_id: Option<i64>,
    ask: &PendingAsk,
) -> anyhow::Result<AiOutcome> {
    let mut tx = db.tenant(account_id, None).await?;
    let agent = match ask.task {
        AiTask::Sentiment => sentiment_agent(&mut tx, account_id).await?,
        AiTask::Reply | AiTask::Intent { .. } | AiTask::Category { .. } => {
            speaking_for(&mut tx, account_id, ask.department_id).await?
        }
    };
    tx.commit().await.context("commit")?;
    let asking = reply::Asking {
        db,
        reach,
        account_id,
        conversation_id,
    };
    Ok(match &ask.task {
        AiTask::Reply => {
            let answer = reply::answer(asking, agent.as_ref(), &ask.text).await?;
            match answer.reply {
                Some(text) => AiOutcome::Reply(text),
                None => AiOutcome::Handoff,
            }
        }
        AiTask::Sentiment => {
            AiOutcome::Class(classify::sentiment(asking, agent.as_ref(), &ask.text).await)
        }
        AiTask::Intent { intents } => AiOutcome::Class(
            classify::intent(asking, agent.as_ref(), intents, &ask.text)
                .await
                .unwrap_or_else(|| shared::flows::ELSE.to_string()),
        ),
        AiTask::Category { categories } => AiOutcome::Class(
            classify::category(asking, agent.as_ref(), categories, &ask.text)
                .await?
                .map_or_else(|| shared::flows::ELSE.to_string(), category_output),
        ),
    })
}

/// The knowledge passage that answers `question` for the department's agent
/// (else the global one), offline: a suggested reply beside the composer,
/// with how much of the question it covers. No provider is asked — the
/// suggestions refresh with every message.
pub(crate) async fn knowledge_answer(
    tx: &mut Tx,
    account_id: Uuid,
    department_id: Option<i64>,
    question: &str,
) -> anyhow::Result<Option<(String, f32)>> {
    let Some(agent) = speaking_for(tx, account_id, department_id).await? else {
        return Ok(None);
    };
    let terms = crate::ai::replies::words::request_terms(question);
    let found = knowledge::search(tx, account_id, agent.id, &terms).await?;
    Ok(reply::offline_answer(question, &found)
        .map(|(at, covered)| (found[at].body.clone(), covered)))
}

/// What agent `id` would answer to `question` ("try it" on the settings
/// page): the reply or the handoff, and the passages it drew on.
pub async fn try_answer(
    db: &Db,
    reach: Reach<'_>,
    actor: &Actor,
    id: i64,
    question: &str,
) -> Result<AgentAnswer> {
    actor.require(Permission::ManageFlows)?;
    let question = question.trim();
    if question.is_empty() {
        return Err(Error::field("question", ErrorCode::Required));
    }
    if question.chars().count() > shared::ai_agents::MAX_QUESTION_CHARS {
        return Err(Error::field("question", ErrorCode::TooLong));
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let agent: Agent = sqlx::query_as(
        "SELECT id, name, instructions, provider_id FROM ai_agents
          WHERE account_id = $1 AND id = $2",
    )
    .bind(actor.account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading the AI agent")?
    .ok_or(Error::NotFound)?;
    tx.commit().await.context("commit")?;
    let asking = reply::Asking {
        db,
        reach,
        account_id: actor.account_id,
        conversation_id: None,
    };
    Ok(reply::answer(asking, Some(&agent), question).await?)
}
