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

/// One step of the test chat (no `message`: start over).
#[server(endpoint = "test_flow", input = Json)]
pub async fn test_flow(
    definition: FlowDefinition,
    state: Option<serde_json::Value>,
    message: Option<String>,
) -> Result<FlowTestStep, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(
        domain::flows::builder::simulate(&app.db, &actor, &definition, state, message.as_deref())
            .await,
    )
}
