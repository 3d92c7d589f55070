//! Flow runs: a conversation following one published flow version. The
//! interpreter's state ([`engine::Run`]) is stored after every step, so a
//! restarted server resumes each run where it was; customer messages
//! ([`triggers::customer_wrote`]), the clock and HTTP responses
//! ([`run_due`]) move runs on, and what the run does to the conversation
//! is [`effects`]. While a run goes the conversation's status is `bot`; an
//! agent who acts on it takes it over ([`take_over`]).

mod asks;
mod due;
pub(crate) mod effects;
pub(crate) mod http;
mod manual;
pub(crate) mod triggers;
pub(crate) mod world;

use anyhow::Context;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use shared::flows::{BlockKind, FlowDefinition, HttpMethod, Trigger};
use shared::inbox::{Activity, ConversationStatus};
use sqlx::types::Json;
use uuid::Uuid;

use super::engine::{Action, AiTask, Ending, Event, Run, Waiting};
use crate::conversations::Locked;
use crate::db::Tx;
use crate::error::Result;

use due::answered;
pub use due::run_due;
pub use http::HttpPolicy;
pub(crate) use http::{allowlist as http_allowlist_of, client_for as client_for_flow_url};
pub(crate) use manual::{end_taken_over, release_runs_of, take_over};
pub use manual::{manual_flows, start_manually};

/// A run that jumps this many times within one event stops (flows that
/// jump to each other in a circle).
const MAX_JUMPS: usize = 5;

/// What started a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Why {
    NewConversation,
    Keyword,
    OutsideBusinessHours,
    Manual,
    Jump,
}

impl Why {
    fn as_str(self) -> &'static str {
        match self {
            Why::NewConversation => "new_conversation",
            Why::Keyword => "keyword",
            Why::OutsideBusinessHours => "outside_business_hours",
            Why::Manual => "manual",
            Why::Jump => "jump",
        }
    }

    /// The start block a run begun this way enters: the one for its
    /// trigger (a jump enters the manual start, else the first one).
    fn start_block(self, flow: &FlowDefinition) -> Option<&str> {
        let wanted = |trigger: &Trigger| match self {
            Why::NewConversation => matches!(trigger, Trigger::NewConversation { .. }),
            Why::Keyword => matches!(trigger, Trigger::Keyword { .. }),
            Why::OutsideBusinessHours => matches!(trigger, Trigger::OutsideBusinessHours { .. }),
            Why::Manual | Why::Jump => matches!(trigger, Trigger::Manual),
        };
        flow.starts()
            .find(|(_, trigger)| wanted(trigger))
            .or_else(|| flow.starts().next().filter(|_| self == Why::Jump))
            .map(|(block, _)| block.id.as_str())
    }
}

/// How a run ended, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Completed,
    HandedOff,
    Jumped,
    Dropped,
    TakenOver,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::HandedOff => "handed_off",
            Outcome::Jumped => "jumped",
            Outcome::Dropped => "dropped",
            Outcome::TakenOver => "taken_over",
        }
    }
}

impl From<&Ending> for Outcome {
    fn from(ending: &Ending) -> Self {
        match ending {
            Ending::Completed => Outcome::Completed,
            Ending::HandedOff => Outcome::HandedOff,
            Ending::Jumped => Outcome::Jumped,
            Ending::Dropped => Outcome::Dropped,
        }
    }
}

/// The request an HTTP block makes, kept with the run until it is made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct PendingRequest {
    method: HttpMethod,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    timeout_ms: u32,
}

/// What an AI block asks its agent, kept with the run until answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct PendingAsk {
    pub task: AiTask,
    pub department_id: Option<i64>,
    pub text: String,
}

/// A run still going, locked, with the version it follows.
struct ActiveRun {
    id: i64,
    /// Who the conversation's timeline says did what the run did.
    label: String,
    flow: FlowDefinition,
    state: Run,
    http_request: Option<PendingRequest>,
    ai_request: Option<PendingAsk>,
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: i64,
    name: String,
    definition: Json<FlowDefinition>,
    state: Json<Run>,
    http_request: Option<Json<PendingRequest>>,
    ai_request: Option<Json<PendingAsk>>,
}

impl From<RunRow> for ActiveRun {
    fn from(row: RunRow) -> Self {
        ActiveRun {
            id: row.id,
            label: label_of(&row.name),
            flow: row.definition.0,
            state: row.state.0,
            http_request: row.http_request.map(|r| r.0),
            ai_request: row.ai_request.map(|r| r.0),
        }
    }
}

fn label_of(flow_name: &str) -> String {
    format!("🤖 {flow_name}")
}

/// The conversation's run, if one is going (locked; the conversation must
/// be locked first, always in that order).
async fn active_run(tx: &mut Tx, conversation: &Locked) -> anyhow::Result<Option<ActiveRun>> {
    let row: Option<RunRow> = sqlx::query_as(
        "SELECT r.id, f.name, v.definition, r.state, r.http_request, r.ai_request
           FROM flow_runs r
           JOIN flow_versions v ON v.flow_id = r.flow_id AND v.version = r.version
           JOIN flows f ON f.id = r.flow_id
          WHERE r.account_id = $1 AND r.conversation_id = $2 AND r.ended_at IS NULL
          FOR UPDATE OF r",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the conversation's flow run")?;
    Ok(row.map(ActiveRun::from))
}

/// A published flow as a run starts it.
pub(crate) struct LiveFlow {
    pub id: i64,
    pub version: i32,
    pub name: String,
    pub definition: FlowDefinition,
}

#[derive(sqlx::FromRow)]
struct LiveRow {
    id: i64,
    version: i32,
    name: String,
    definition: Json<FlowDefinition>,
}

/// The account's live flows (`only`: just that one), oldest first.
pub(crate) async fn live_flows(
    tx: &mut Tx,
    account_id: Uuid,
    only: Option<i64>,
) -> anyhow::Result<Vec<LiveFlow>> {
    let rows: Vec<LiveRow> = sqlx::query_as(
        "SELECT f.id, v.version, f.name, v.definition
           FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.live_version
          WHERE f.account_id = $1 AND ($2::bigint IS NULL OR f.id = $2)
          ORDER BY f.id",
    )
    .bind(account_id)
    .bind(only)
    .fetch_all(&mut **tx)
    .await
    .context("reading live flows")?;
    Ok(rows
        .into_iter()
        .map(|r| LiveFlow {
            id: r.id,
            version: r.version,
            name: r.name,
            definition: r.definition.0,
        })
        .collect())
}

/// Starts `flow` in the conversation (status `bot`) and runs it up to its
/// first wait; `message` is the customer's message that started it.
pub(crate) async fn start(
    tx: &mut Tx,
    conversation: &mut Locked,
    flow: LiveFlow,
    why: Why,
    message: Option<&str>,
) -> Result<()> {
    let mut next = Some((flow, why));
    for _ in 0..=MAX_JUMPS {
        let Some((flow, why)) = next.take() else {
            return Ok(());
        };
        let Some(start) = why.start_block(&flow.definition) else {
            effects::give_to_people(tx, conversation, &label_of(&flow.name)).await?;
            return Ok(());
        };
        let mut state = Run::new(start);
        state.last_message = message.map(|m| m.trim().to_string());
        state.unanswered = state.last_message.is_some();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO flow_runs (account_id, flow_id, version, conversation_id, trigger, state)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(conversation.account_id)
        .bind(flow.id)
        .bind(flow.version)
        .bind(conversation.id)
        .bind(why.as_str())
        .bind(Json(&state))
        .fetch_one(&mut **tx)
        .await
        .context("starting a flow run")?;
        let label = label_of(&flow.name);
        effects::set_status(tx, conversation, ConversationStatus::Bot, &label).await?;
        let run = ActiveRun {
            id,
            label,
            flow: flow.definition,
            state,
            http_request: None,
            ai_request: None,
        };
        next = drive(tx, conversation, run, Event::Started).await?;
    }
    // Still jumping after MAX_JUMPS: flows that send each other round.
    if let Some((flow, _)) = next {
        effects::give_to_people(tx, conversation, &label_of(&flow.name)).await?;
    }
    Ok(())
}

/// Moves the run on by `event`, does what it says, and stores where it is;
/// the flow it jumped to, if it did.
async fn drive(
    tx: &mut Tx,
    conversation: &mut Locked,
    mut run: ActiveRun,
    event: Event<'_>,
) -> Result<Option<(LiveFlow, Why)>> {
    let world = world::load(tx, conversation, &run.flow).await?;
    let actions = run.state.advance(&run.flow, event, &world);
    let mut jump = None;
    let mut requested = false;
    for action in actions {
        match action {
            Action::Http {
                method,
                url,
                headers,
                body,
                timeout_ms,
            } => {
                requested = true;
                run.http_request = Some(PendingRequest {
                    method,
                    url,
                    headers,
                    body,
                    timeout_ms,
                });
            }
            Action::Ai {
                task,
                department_id,
                text,
            } => {
                requested = true;
                run.ai_request = Some(PendingAsk {
                    task,
                    department_id,
                    text,
                });
            }
            Action::Jump { flow_id } => jump = Some(flow_id),
            other => effects::apply(tx, conversation, &run.label, other).await?,
        }
    }
    let Some(ending) = run.state.ended.clone() else {
        save(tx, &run, requested).await?;
        return Ok(None);
    };
    finish(tx, run.id, &run.state, Outcome::from(&ending)).await?;
    let ended_on_end_block = run
        .flow
        .block(&run.state.block)
        .is_some_and(|b| matches!(b.kind, BlockKind::End));
    match ending {
        Ending::HandedOff => {}
        Ending::Completed if ended_on_end_block => {
            effects::resolve(tx, conversation, &run.label).await?
        }
        Ending::Jumped => {
            let target = match jump {
                Some(flow_id) => live_flows(tx, conversation.account_id, Some(flow_id))
                    .await?
                    .pop(),
                None => None,
            };
            match target {
                Some(flow) => return Ok(Some((flow, Why::Jump))),
                None => effects::give_to_people(tx, conversation, &run.label).await?,
            }
        }
        // An optional way out left open, or a run that could not go on:
        // the customer is never left with nobody.
        Ending::Completed | Ending::Dropped => {
            effects::give_to_people(tx, conversation, &run.label).await?
        }
    }
    Ok(None)
}

/// Stores a run that goes on, and when the clock (or a request to make:
/// at once when `requested` just now; a request already under way keeps
/// its lease) wakes it.
async fn save(tx: &mut Tx, run: &ActiveRun, requested: bool) -> anyhow::Result<()> {
    let waiting_for_http = run.state.waiting == Some(Waiting::Http);
    let waiting_for_ai = run.state.waiting == Some(Waiting::Ai);
    let keep_lease = (waiting_for_http || waiting_for_ai) && !requested;
    let wake_at = match &run.state.waiting {
        Some(Waiting::Http | Waiting::Ai) => Some(Utc::now()),
        Some(waiting) => waiting.deadline(),
        None => None,
    };
    sqlx::query(
        "UPDATE flow_runs
            SET state = $2, wake_at = CASE WHEN $5 THEN wake_at ELSE $3 END, http_request = $4,
                ai_request = $6
          WHERE id = $1",
    )
    .bind(run.id)
    .bind(Json(&run.state))
    .bind(wake_at)
    .bind(
        run.http_request
            .as_ref()
            .filter(|_| waiting_for_http)
            .map(Json),
    )
    .bind(keep_lease)
    .bind(run.ai_request.as_ref().filter(|_| waiting_for_ai).map(Json))
    .execute(&mut **tx)
    .await
    .context("saving the flow run")?;
    Ok(())
}

async fn finish(tx: &mut Tx, run_id: i64, state: &Run, outcome: Outcome) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE flow_runs
            SET state = $2, outcome = $3, ended_at = now(), wake_at = NULL, http_request = NULL,
                ai_request = NULL
          WHERE id = $1",
    )
    .bind(run_id)
    .bind(Json(state))
    .bind(outcome.as_str())
    .execute(&mut **tx)
    .await
    .context("ending the flow run")?;
    Ok(())
}

/// The conversation's timeline line when a run changes its status.
fn status_line(from: ConversationStatus, to: ConversationStatus, by: &str) -> Activity {
    Activity::StatusChanged {
        from,
        to,
        by: by.to_string(),
    }
}

#[cfg(test)]
mod tests;
