//! `/api/v1/ai/providers`: the account's OpenAI-compatible AI providers,
//! managed by admins' tokens (keys accepted, never echoed), with "test
//! connection" and what the calls cost (`/api/v1/ai/usage`); and
//! `/api/v1/conversations/{number}/summary`, the AI's summary on demand.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use app::server::AppState;
use domain::ai::providers;
use shared::ai::{AiProvider, AiProviderForm, AiText, AiUsage, ProviderCheck};
use shared::Locale;

use super::api_v1::{ApiActor, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use super::limits::{too_many, Limits};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ai/providers", get(list).post(create))
        .route(
            "/api/v1/ai/providers/{id}",
            get(show).patch(update).delete(remove),
        )
        .route("/api/v1/ai/providers/{id}/test", post(test))
        .route("/api/v1/ai/usage", get(usage))
        .route("/api/v1/conversations/{number}/summary", get(summary))
}

async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Vec<AiProvider>> {
    Ok(Json(providers::list(&state.db, &actor).await?))
}

async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<AiProvider> {
    Ok(Json(providers::get(&state.db, &actor, id).await?))
}

async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(form): ApiJson<AiProviderForm>,
) -> Result<(StatusCode, Json<AiProvider>), ApiError> {
    let created = providers::save(&state.db, &state.config.vault, &actor, None, &form).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Any of a provider's fields; `api_key` `""` removes the saved key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderPatch {
    name: Option<String>,
    base_url: Option<String>,
    model: Option<String>,
    api_key: Option<String>,
    timeout_ms: Option<u32>,
    max_tokens: Option<u32>,
    is_default: Option<bool>,
}

async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<ProviderPatch>,
) -> ApiResult<AiProvider> {
    let current = providers::get(&state.db, &actor, id).await?;
    let form = AiProviderForm {
        name: patch.name.unwrap_or(current.name),
        base_url: patch.base_url.unwrap_or(current.base_url),
        model: patch.model.unwrap_or(current.model),
        api_key: patch.api_key,
        timeout_ms: patch.timeout_ms.unwrap_or(current.timeout_ms),
        max_tokens: patch.max_tokens.unwrap_or(current.max_tokens),
        is_default: patch.is_default.unwrap_or(current.is_default),
    };
    let saved = providers::save(&state.db, &state.config.vault, &actor, Some(id), &form).await?;
    Ok(Json(saved))
}

async fn remove(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    providers::remove(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Each call may spend the account's key and wait on a provider.
async fn test(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    if let Err(wait) = limits.ai_calls_per_user.check(&actor.user_id.to_string()) {
        return Ok(too_many(wait));
    }
    let reach = state.config.ai_reach();
    let check: ProviderCheck = providers::check(&state.db, reach, &actor, id).await?;
    Ok(Json(check).into_response())
}

#[derive(Deserialize)]
struct UsageQuery {
    #[serde(default = "thirty")]
    days: u16,
}

fn thirty() -> u16 {
    30
}

#[derive(Serialize)]
struct Usage {
    days: u16,
    providers: Vec<AiUsage>,
}

async fn usage(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<UsageQuery>,
) -> ApiResult<Usage> {
    let days = query.days.clamp(1, 366);
    Ok(Json(Usage {
        days,
        providers: providers::usage(&state.db, &actor, days).await?,
    }))
}

#[derive(Deserialize)]
struct SummaryQuery {
    #[serde(default)]
    locale: Option<Locale>,
}

/// `{"text", "provider"}` (`provider` null: the offline engine), or `null`
/// when nothing worth summarizing was said yet.
async fn summary(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    ApiActor(actor): ApiActor,
    ApiPath(number): ApiPath<i64>,
    ApiQuery(query): ApiQuery<SummaryQuery>,
) -> Result<Response, ApiError> {
    if let Err(wait) = limits.ai_calls_per_user.check(&actor.user_id.to_string()) {
        return Ok(too_many(wait));
    }
    let locale = query.locale.unwrap_or_default();
    let reach = state.config.ai_reach();
    let summary: Option<AiText> =
        domain::ai::summary::summarize(&state.db, reach, &actor, number, locale).await?;
    Ok(Json(summary).into_response())
}
