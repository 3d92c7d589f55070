//! Report files built in the background: `POST /api/v1/report-exports`
//! queues one (`{"report", "format", "filter"?, "locale"?}`, answered 202
//! with its id and state), `GET /api/v1/report-exports/{id}` tells how far
//! it got, and `…/{id}/file` downloads it when done. The page downloads
//! with the agent's session from `GET /reports/exports/{id}/file`. Only
//! the requester sees an export.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use http::StatusCode;
use shared::reports::{ExportRequest, ReportExport};
use shared::AppError;
use std::sync::Arc;
use uuid::Uuid;

use app::server::{AppState, CurrentSession};
use domain::reports::export_jobs;

use super::api_reports::download;
use super::api_v1::{ApiActor, ApiError, ApiJson, ApiPath};
use super::limits::{too_many, Limits};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/report-exports", post(start))
        .route("/api/v1/report-exports/{id}", get(progress))
        .route("/api/v1/report-exports/{id}/file", get(file_by_token))
        .route("/reports/exports/{id}/file", get(file_by_session))
}

async fn start(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    ApiActor(actor): ApiActor,
    ApiJson(request): ApiJson<ExportRequest>,
) -> Result<Response, ApiError> {
    if let Err(wait) = limits.reports_per_user.check(&actor.user_id.to_string()) {
        return Ok(too_many(wait));
    }
    let export = export_jobs::start(&state.db, &actor, &request).await?;
    Ok((StatusCode::ACCEPTED, Json(export)).into_response())
}

async fn progress(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ReportExport>, ApiError> {
    Ok(Json(export_jobs::find(&state.db, &actor, id).await?))
}

async fn file_by_token(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    Ok(download(export_jobs::file(&state.db, &actor, id).await?))
}

async fn file_by_session(
    State(state): State<AppState>,
    session: Option<Extension<CurrentSession>>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let actor = session
        .and_then(|Extension(s)| s.0)
        .map(|s| s.actor.clone())
        .ok_or(ApiError(AppError::Unauthorized))?;
    Ok(download(export_jobs::file(&state.db, &actor, id).await?))
}
