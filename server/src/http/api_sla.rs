//! `/api/v1/sla-policies`: the response and resolution times departments
//! promise (docs/API.md). Departments point to one with `sla_policy_id`,
//! and to others for some priorities with `sla_by_priority`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Deserialize;
use shared::sla::{SlaPolicy, SlaPolicyForm};
use shared::{AppError, ErrorCode};

use app::server::AppState;

use super::api_v1::{explicit_null, ApiActor, ApiError, ApiJson, ApiPath};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sla-policies", get(list).post(create))
        .route(
            "/api/v1/sla-policies/{id}",
            patch(update).delete(remove).get(show),
        )
}

async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<SlaPolicy>>, ApiError> {
    Ok(Json(
        domain::service_desk::sla::list(&state.db, &actor).await?,
    ))
}

async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SlaPolicy>, ApiError> {
    domain::service_desk::sla::list(&state.db, &actor)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .map(Json)
        .ok_or(ApiError(AppError::NotFound))
}

async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(form): ApiJson<SlaPolicyForm>,
) -> Result<impl IntoResponse, ApiError> {
    let created = domain::service_desk::sla::save(&state.db, &actor, None, &form).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Fields left out keep their value; a target set to `null` is dropped.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyPatch {
    name: Option<String>,
    #[serde(default, deserialize_with = "explicit_null")]
    first_response_minutes: Option<Option<u32>>,
    #[serde(default, deserialize_with = "explicit_null")]
    next_response_minutes: Option<Option<u32>>,
    #[serde(default, deserialize_with = "explicit_null")]
    resolution_minutes: Option<Option<u32>>,
    business_hours_only: Option<bool>,
    pause_while_waiting: Option<bool>,
}

async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<PolicyPatch>,
) -> Result<Json<SlaPolicy>, ApiError> {
    let current = domain::service_desk::sla::list(&state.db, &actor)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(ApiError(AppError::NotFound))?;
    let form = SlaPolicyForm {
        name: patch.name.unwrap_or(current.name),
        first_response_minutes: patch
            .first_response_minutes
            .unwrap_or(current.first_response_minutes),
        next_response_minutes: patch
            .next_response_minutes
            .unwrap_or(current.next_response_minutes),
        resolution_minutes: patch
            .resolution_minutes
            .unwrap_or(current.resolution_minutes),
        business_hours_only: patch
            .business_hours_only
            .unwrap_or(current.business_hours_only),
        pause_while_waiting: patch
            .pause_while_waiting
            .unwrap_or(current.pause_while_waiting),
    };
    if form.name.trim().is_empty() {
        return Err(ApiError(AppError::field("name", ErrorCode::Required)));
    }
    Ok(Json(
        domain::service_desk::sla::save(&state.db, &actor, Some(id), &form).await?,
    ))
}

async fn remove(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    domain::service_desk::sla::remove(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
