//! Liveness, readiness and metrics endpoints.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::Extension;
use http::StatusCode;
use std::sync::Arc;

use super::metrics::Metrics;
use app::server::AppState;

pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 only when the database answers and every migration is applied.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match domain::db::migrations_current(state.db.pool()).await {
        Ok(true) => (StatusCode::OK, "ready"),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending"),
        Err(err) => {
            tracing::warn!(error = ?err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

pub async fn metrics(
    State(state): State<AppState>,
    Extension(metrics): Extension<Arc<Metrics>>,
) -> impl IntoResponse {
    let pool = state.db.pool();
    (
        [(
            http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(pool.size(), pool.num_idle()),
    )
}
