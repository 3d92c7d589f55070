//! What the flow builder asks the server besides the draft: the names its
//! pickers offer, and the test chat — the draft run by the real
//! interpreter against a made-up customer, sending nothing anywhere.

use anyhow::Context;
use serde_json::Value;
use shared::flows::{FlowChoices, FlowDefinition, FlowTestStep, Trigger};
use shared::{ErrorCode, Permission};

use super::engine::{Action, AiTask, Event, Run, Waiting};
use super::runs::{world, Outcome};
use crate::actor::Actor;
use crate::channels::menus;
use crate::db::Db;
use crate::error::{Error, Result};

/// A test that moves through more automatic steps than this stops.
const MAX_AUTOMATIC_STEPS: usize = 20;

pub async fn choices(db: &Db, actor: &Actor) -> Result<FlowChoices> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let departments = sqlx::query_as("SELECT id, name FROM departments ORDER BY lower(name)")
        .fetch_all(&mut *tx)
        .await
        .context("listing departments")?;
    let agents = sqlx::query_as(
        "SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1 AND m.active AND m.role <> 'auditor' ORDER BY lower(u.name)",
    )
    .bind(actor.account_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing agents")?;
    let channels = sqlx::query_as("SELECT id, name FROM channels ORDER BY lower(name)")
        .fetch_all(&mut *tx)
        .await
        .context("listing channels")?;
    let flows = sqlx::query_as("SELECT id, name FROM flows ORDER BY lower(name)")
        .fetch_all(&mut *tx)
        .await
        .context("listing flows")?;
    let http_allowlist = super::context(&mut tx, actor.account_id)
        .await?
        .http_allowlist;
    // Names only: AI agents choose among them (keys and URLs stay with admins).
    let ai_providers = sqlx::query_as("SELECT id, name FROM ai_providers ORDER BY lower(name)")
        .fetch_all(&mut *tx)
        .await
        .context("listing AI providers")?;
    let categories =
        sqlx::query_as("SELECT id, name FROM categories WHERE active ORDER BY lower(name)")
            .fetch_all(&mut *tx)
            .await
            .context("listing categories")?;
    let templates: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT name, language, min(body) FROM message_templates
          WHERE status = 'approved' GROUP BY name, language ORDER BY name, language",
    )
    .fetch_all(&mut *tx)
    .await
    .context("listing message templates")?;
    let message_templates = templates
        .into_iter()
        .map(|(name, language, body)| {
            let placeholders = shared::connections::template_variables(&body).len();
            (name, language, placeholders)
        })
        .collect();
    tx.commit().await.context("commit")?;
    Ok(FlowChoices {
        departments,
        agents,
        channels,
        flows,
        http_allowlist,
        ai_providers,
        categories,
        message_templates,
    })
}

/// What moves the test run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestInput<'a> {
    /// Start over.
    Start,
    /// The made-up customer wrote this.
    Wrote(&'a str),
    /// Nobody wrote before the reply's deadline.
    TimeRunsOut,
}

/// One step of the test chat: `input` moves the run in `state` on. Delays
/// pass at once; an HTTP request is shown, not made, and the run goes on
/// through `next`.
pub async fn simulate(
    db: &Db,
    reach: crate::ai::providers::Reach<'_>,
    actor: &Actor,
    flow: &FlowDefinition,
    state: Option<Value>,
    input: TestInput<'_>,
) -> Result<FlowTestStep> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let mut world = world::for_test(&mut tx, actor.account_id, flow, &actor.name).await?;
    tx.commit().await.context("commit")?;
    let resumed = |state: Value| {
        serde_json::from_value::<Run>(state)
            .map_err(|_| Error::field("state", ErrorCode::InvalidValue))
    };
    let (mut run, event) = match (state, input) {
        (Some(state), TestInput::Wrote(text)) => (resumed(state)?, Event::CustomerWrote(text)),
        (Some(state), TestInput::TimeRunsOut) => {
            let run = resumed(state)?;
            if let Some(until) = run.waiting.as_ref().and_then(Waiting::deadline) {
                world.move_clock_to(until);
            }
            (run, Event::Clock)
        }
        _ => (Run::new(&first_start(flow)?), Event::Started),
    };
    let mut step = FlowTestStep {
        state: Value::Null,
        said: vec![],
        did: vec![],
        path: vec![],
        variables: Default::default(),
        ended: None,
        reply_deadline: false,
    };
    let mut actions = run.advance(flow, event, &world);
    for _ in 0..MAX_AUTOMATIC_STEPS {
        let pending_ask = actions.iter().find_map(|action| match action {
            Action::Ai {
                task,
                department_id,
                text,
            } => Some(crate::flows::runs::PendingAsk {
                task: task.clone(),
                department_id: *department_id,
                text: text.clone(),
            }),
            _ => None,
        });
        describe(actions, &mut step);
        actions = match run.waiting.clone() {
            Some(Waiting::Http) => run.advance(flow, Event::HttpDone(Ok(Value::Null)), &world),
            // The agents answer for real: the admin tries what customers will get.
            Some(Waiting::Ai) => match pending_ask {
                Some(ask) => {
                    let account_id = actor.account_id;
                    let heard =
                        crate::ai::agents::respond(db, reach, account_id, None, &ask).await?;
                    run.advance(flow, Event::AiDone(heard), &world)
                }
                None => break,
            },
            Some(Waiting::Delay { until }) => {
                world.move_clock_to(until);
                run.advance(flow, Event::Clock, &world)
            }
            _ => break,
        };
    }
    step.reply_deadline = matches!(run.waiting, Some(Waiting::Reply { .. }));
    step.path = run.path.clone();
    step.variables = run.variables.clone();
    step.ended = run
        .ended
        .as_ref()
        .map(|e| Outcome::from(e).as_str().to_string());
    step.state = serde_json::to_value(&run).context("encoding the test run")?;
    Ok(step)
}

/// The manual start when there is one (what an agent would start), else
/// the first.
fn first_start(flow: &FlowDefinition) -> Result<String> {
    flow.starts()
        .find(|(_, trigger)| matches!(trigger, Trigger::Manual))
        .or_else(|| flow.starts().next())
        .map(|(block, _)| block.id.clone())
        .ok_or_else(|| Error::field("definition", ErrorCode::Required))
}

fn describe(actions: Vec<Action>, step: &mut FlowTestStep) {
    for action in actions {
        match action {
            Action::Send { text } => step.said.push(text),
            Action::SendMenu { text, options } => step.said.push(menus::numbered(&text, &options)),
            Action::SendMedia { url, caption } => step.said.push(format!("{caption}\n{url}")),
            Action::SetContactAttribute { name, value } => {
                step.did.push(format!("contact.{name} = {value}"))
            }
            Action::AddTag(tag) => step.did.push(format!("#{tag}")),
            Action::SetPriority(priority) => step.did.push(format!("priority = {priority}")),
            Action::Http { method, url, .. } => {
                let method = format!("{method:?}").to_uppercase();
                step.did.push(format!("{method} {url}"))
            }
            Action::Transfer {
                department_id,
                agent_id,
            } => step.did.push(match (department_id, agent_id) {
                (Some(id), _) => format!("→ department {id}"),
                (_, Some(id)) => format!("→ agent {id}"),
                _ => "→ ?".into(),
            }),
            Action::Jump { flow_id } => step.did.push(format!("→ flow {flow_id}")),
            Action::Ai { task, .. } => step.did.push(match task {
                AiTask::Reply => "AI ↩".to_string(),
                AiTask::Sentiment => "AI: sentiment?".to_string(),
                AiTask::Intent { .. } => "AI: intent?".to_string(),
                AiTask::Category { .. } => "AI: category?".to_string(),
            }),
        }
    }
}
