//! `/api/v1/flows`: automation flows for automation and backups
//! (docs/API.md; the definition's format is docs/FLOWS.md). Admins' tokens.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use shared::flows::{FlowDefinition, FlowProblem, FlowSummary, FlowVersion};

use app::server::AppState;
use domain::flows::DraftSave;

use super::api_v1::{ApiActor, ApiError, ApiJson, ApiPath};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/flows", get(list).post(create))
        .route("/api/v1/flows/{id}", get(show).delete(remove))
        .route("/api/v1/flows/{id}/draft", get(draft).put(save_draft))
        .route("/api/v1/flows/{id}/publish", post(publish))
        .route("/api/v1/flows/{id}/versions", get(versions))
        .route(
            "/api/v1/flows/http-allowlist",
            get(http_allowlist).put(set_http_allowlist),
        )
        .route(
            "/api/v1/conversations/{number}/flow",
            post(start_in_conversation),
        )
}

/// A REST error, or a flow that does not validate: `422` with its
/// problems, each pointing at a block.
enum FlowsError {
    Api(ApiError),
    Invalid(Vec<FlowProblem>),
}

impl From<domain::Error> for FlowsError {
    fn from(err: domain::Error) -> Self {
        match err {
            domain::Error::FlowInvalid(problems) => FlowsError::Invalid(problems),
            other => FlowsError::Api(other.into()),
        }
    }
}

impl IntoResponse for FlowsError {
    fn into_response(self) -> Response {
        match self {
            FlowsError::Api(err) => err.into_response(),
            FlowsError::Invalid(problems) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({
                    "error": "flow_invalid",
                    "message": format!("the flow has {} problem(s)", problems.len()),
                    "fields": [],
                    "problems": problems,
                })),
            )
                .into_response(),
        }
    }
}

async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<FlowSummary>>, ApiError> {
    Ok(Json(domain::flows::list(&state.db, &actor).await?))
}

async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<FlowSummary>, ApiError> {
    Ok(Json(domain::flows::get(&state.db, &actor, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewFlow {
    name: String,
    /// The first draft; the starter flow (a manual start and an end) when
    /// left out.
    definition: Option<FlowDefinition>,
}

async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<NewFlow>,
) -> Result<impl IntoResponse, FlowsError> {
    let created =
        domain::flows::create(&state.db, &actor, &body.name, body.definition.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn draft(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<FlowDefinition>, ApiError> {
    Ok(Json(domain::flows::draft(&state.db, &actor, id).await?))
}

/// Replaces the draft with a valid definition (`422` with its problems
/// otherwise) and answers it back.
async fn save_draft(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(definition): ApiJson<FlowDefinition>,
) -> Result<Json<FlowDefinition>, FlowsError> {
    domain::flows::save_draft(&state.db, &actor, id, &definition, DraftSave::OnlyValid).await?;
    Ok(Json(definition))
}

async fn publish(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, FlowsError> {
    let version = domain::flows::publish(&state.db, &actor, id).await?;
    Ok((StatusCode::CREATED, Json(version)))
}

async fn versions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<FlowVersion>>, ApiError> {
    Ok(Json(domain::flows::versions(&state.db, &actor, id).await?))
}

async fn remove(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    domain::flows::remove(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpAllowlist {
    hosts: Vec<String>,
}

async fn http_allowlist(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<HttpAllowlist>, ApiError> {
    let hosts = domain::flows::http_allowlist(&state.db, &actor).await?;
    Ok(Json(HttpAllowlist { hosts }))
}

async fn set_http_allowlist(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<HttpAllowlist>,
) -> Result<Json<HttpAllowlist>, ApiError> {
    let hosts = domain::flows::set_http_allowlist(&state.db, &actor, &body.hosts).await?;
    Ok(Json(HttpAllowlist { hosts }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartFlow {
    flow_id: i64,
}

/// An agent's manual start: the flow's live version runs in the
/// conversation (`202`; its messages follow as the conversation's).
async fn start_in_conversation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(number): ApiPath<i64>,
    ApiJson(body): ApiJson<StartFlow>,
) -> Result<StatusCode, ApiError> {
    domain::flows::runs::start_manually(&state.db, &actor, number, body.flow_id).await?;
    Ok(StatusCode::ACCEPTED)
}
