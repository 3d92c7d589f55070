//! Automation flows: the list (Fluxos), the builder's draft with its
//! autosave, publishing, the pickers' names and the test chat.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::flows::{
    FlowChoices, FlowDefinition, FlowDraft, FlowProblem, FlowSummary, FlowTestStep, FlowVersion,
};
use shared::AppError;

#[server(endpoint = "list_flows")]
pub async fn list_flows() -> Result<Vec<FlowSummary>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::flows::list(&state.db, &actor).await)
}

/// A new flow with the starter draft (a manual start and an end).
#[server(endpoint = "create_flow")]
pub async fn create_flow(name: String) -> Result<FlowSummary, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::flows::create(&state.db, &actor, &name, None).await)
}

#[server(endpoint = "open_flow")]
pub async fn open_flow(id: i64) -> Result<FlowDraft, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::flows::open(&state.db, &actor, id).await)
}

/// The builder's autosave: the draft is stored as it is; its problems come
/// back (publishing refuses them).
#[server(endpoint = "save_flow_draft", input = Json)]
pub async fn save_flow_draft(
    id: i64,
    definition: FlowDefinition,
) -> Result<Vec<FlowProblem>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(
        domain::flows::save_draft(
            &state.db,
            &actor,
            id,
            &definition,
            domain::flows::DraftSave::KeepProblems,
        )
        .await,
    )
}

#[server(endpoint = "publish_flow")]
pub async fn publish_flow(id: i64) -> Result<FlowVersion, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::flows::publish(&state.db, &actor, id).await)
}

#[server(endpoint = "flow_choices")]
pub async fn get_flow_choices() -> Result<FlowChoices, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::flows::builder::choices(&state.db, &actor).await)
}

/// One step of the test chat (no `message`: start over; `time_runs_out`:
/// nobody answers before the reply's deadline).
#[server(endpoint = "test_flow", input = Json)]
pub async fn test_flow(
    definition: FlowDefinition,
    state: Option<serde_json::Value>,
    message: Option<String>,
    time_runs_out: Option<bool>,
) -> Result<FlowTestStep, AppError> {
    use crate::server::{actor, finish};
    use domain::flows::builder::{simulate, TestInput};
    let (app, actor) = actor()?;
    let input = match (message.as_deref(), time_runs_out) {
        (_, Some(true)) => TestInput::TimeRunsOut,
        (Some(text), _) => TestInput::Wrote(text),
        (None, _) => TestInput::Start,
    };
    let reach = app.config.ai_reach();
    finish(simulate(&app.db, reach, &actor, &definition, state, input).await)
}

/// The live flows with a manual start, for an agent in a conversation.
#[server(endpoint = "manual_flows")]
pub async fn manual_flows() -> Result<Vec<(i64, String)>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::flows::runs::manual_flows(&state.db, &actor).await)
}

/// An agent starts a flow in the conversation `number` (one already
/// running there stops).
#[server(endpoint = "start_flow_in_conversation")]
pub async fn start_flow_in_conversation(number: i64, flow_id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::flows::runs::start_manually(&state.db, &actor, number, flow_id).await)
}

/// The hosts HTTP blocks may call over plain http and at private addresses.
#[server(endpoint = "flow_http_allowlist")]
pub async fn flow_http_allowlist() -> Result<Vec<String>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::flows::http_allowlist(&state.db, &actor).await)
}

#[server(endpoint = "save_flow_http_allowlist", input = Json)]
pub async fn save_flow_http_allowlist(hosts: Vec<String>) -> Result<Vec<String>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::flows::set_http_allowlist(&state.db, &actor, &hosts).await)
}
