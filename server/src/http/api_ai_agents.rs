//! `/api/v1/ai/agents`: the account's AI agents (global, per department,
//! sentiment), their knowledge documents, and `ask` — what an agent would
//! answer a customer — for tokens of people who manage flows.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use std::sync::Arc;

use app::server::AppState;
use domain::ai::agents::{self, knowledge};
use shared::ai_agents::{AgentAnswer, AiAgent, AiAgentForm, KnowledgeDocument, KnowledgeForm};

use super::api_v1::{ApiActor, ApiError, ApiJson, ApiPath, ApiResult};
use super::limits::{too_many, Limits};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ai/agents", get(list).post(create))
        .route(
            "/api/v1/ai/agents/{id}",
            get(show).patch(update).delete(remove),
        )
        .route(
            "/api/v1/ai/agents/{id}/documents",
            get(documents).post(add_document),
        )
        .route(
            "/api/v1/ai/agents/{id}/documents/{document_id}",
            delete(remove_document).put(rewrite_document),
        )
        .route("/api/v1/ai/agents/{id}/ask", post(ask))
}

async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Vec<AiAgent>> {
    Ok(Json(agents::list(&state.db, &actor).await?))
}

async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<AiAgent> {
    Ok(Json(agents::get(&state.db, &actor, id).await?))
}

async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(form): ApiJson<AiAgentForm>,
) -> Result<(StatusCode, Json<AiAgent>), ApiError> {
    let created = agents::save(&state.db, &actor, None, &form).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Any of an agent's changeable fields; `provider_id` `null` chooses the
/// offline engine.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentPatch {
    name: Option<String>,
    instructions: Option<String>,
    #[serde(default, with = "double_option")]
    provider_id: Option<Option<i64>>,
}

/// A field that may be absent (keep), `null` (clear) or a value.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
        Option::<i64>::deserialize(d).map(Some)
    }
}

async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<AgentPatch>,
) -> ApiResult<AiAgent> {
    let current = agents::get(&state.db, &actor, id).await?;
    let form = AiAgentForm {
        kind: current.kind,
        department_id: current.department_id,
        name: patch.name.unwrap_or(current.name),
        instructions: patch.instructions.unwrap_or(current.instructions),
        provider_id: patch.provider_id.unwrap_or(current.provider_id),
    };
    Ok(Json(
        agents::save(&state.db, &actor, Some(id), &form).await?,
    ))
}

async fn remove(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    agents::remove(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn documents(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Vec<KnowledgeDocument>> {
    Ok(Json(knowledge::list(&state.db, &actor, id).await?))
}

async fn add_document(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(form): ApiJson<KnowledgeForm>,
) -> Result<(StatusCode, Json<KnowledgeDocument>), ApiError> {
    let added = knowledge::save(&state.db, &actor, id, None, &form).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

async fn rewrite_document(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, document_id)): ApiPath<(i64, i64)>,
    ApiJson(form): ApiJson<KnowledgeForm>,
) -> ApiResult<KnowledgeDocument> {
    let saved = knowledge::save(&state.db, &actor, id, Some(document_id), &form).await?;
    Ok(Json(saved))
}

async fn remove_document(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, document_id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    knowledge::remove(&state.db, &actor, id, document_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Question {
    question: String,
}

/// Each ask may spend the account's key and wait on a provider.
async fn ask(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(asked): ApiJson<Question>,
) -> Result<Response, ApiError> {
    if let Err(wait) = limits.ai_calls_per_user.check(&actor.user_id.to_string()) {
        return Ok(too_many(wait));
    }
    let reach = state.config.ai_reach();
    let answer: AgentAnswer =
        agents::try_answer(&state.db, reach, &actor, id, &asked.question).await?;
    Ok(Json(answer).into_response())
}
