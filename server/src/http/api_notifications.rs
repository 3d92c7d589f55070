//! `/api/v1/notifications`: the token owner's bell — mentions, transfers,
//! SLA breaches, flow handoffs, low AI scores and connections down, unread
//! first — and marking them read, one or all.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use shared::inbox::Notification;

use app::server::AppState;

use super::api_v1::{ApiActor, ApiError, ApiPath, ApiResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notifications", get(list))
        .route("/api/v1/notifications/read", post(read_all))
        .route("/api/v1/notifications/{id}/read", post(read_one))
}

/// A notification with where it leads in the app.
#[derive(Serialize)]
struct Alert {
    #[serde(flatten)]
    notification: Notification,
    path: String,
}

async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Vec<Alert>> {
    let notifications = domain::notifications::list(&state.db, &actor).await?;
    Ok(Json(
        notifications
            .into_iter()
            .map(|notification| Alert {
                path: notification.href(),
                notification,
            })
            .collect(),
    ))
}

async fn read_one(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    domain::notifications::mark_read(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn read_all(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<StatusCode, ApiError> {
    domain::notifications::mark_all_read(&state.db, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
