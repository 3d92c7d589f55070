//! `/api/v1/channels/{id}/templates`: a WhatsApp Cloud number's message
//! templates, listed, typed in, synced from Meta and removed by admins'
//! tokens. Sending one is `POST /api/v1/conversations/{number}/messages`
//! with `"template"`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use shared::connections::{MessageTemplate, TemplateCategory};

use app::server::AppState;
use domain::channels::templates::{self, TemplateForm};

use super::api_v1::{ApiActor, ApiError, ApiJson, ApiPath};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/channels/{id}/templates", get(list).post(create))
        .route("/api/v1/channels/{id}/templates/sync", post(sync))
        .route(
            "/api/v1/channels/{id}/templates/{template_id}",
            delete(remove),
        )
}

async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<MessageTemplate>>, ApiError> {
    Ok(Json(templates::list(&state.db, &actor, id).await?))
}

#[derive(Deserialize)]
struct NewTemplate {
    name: String,
    language: String,
    #[serde(default)]
    category: TemplateCategory,
    body: String,
}

async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewTemplate>,
) -> Result<(StatusCode, Json<MessageTemplate>), ApiError> {
    let form = TemplateForm {
        name: body.name,
        language: body.language,
        category: body.category,
        body: body.body,
    };
    let template = templates::save(&state.db, &actor, id, &form).await?;
    Ok((StatusCode::CREATED, Json(template)))
}

/// 200 with what was synced, or 502 with Meta's refusal.
async fn sync(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let outcome = templates::sync(&state.db, &state.config.vault, &actor, id).await?;
    if outcome.ok {
        return Ok(Json(outcome).into_response());
    }
    Ok((
        StatusCode::BAD_GATEWAY,
        Json(json!({ "error": "provider_error", "message": outcome.detail, "fields": [] })),
    )
        .into_response())
}

async fn remove(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, template_id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    templates::remove(&state.db, &actor, id, template_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
