//! Liveness, readiness and metrics endpoints.

use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::{HeaderMap, StatusCode};
use std::net::{IpAddr, SocketAddr};
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

/// Who may read `/metrics`: everyone with `PONTE_METRICS_PUBLIC=1`; else a
/// request with `PONTE_METRICS_TOKEN` as its bearer token, or one made on
/// this machine directly (loopback, not through a proxy).
#[derive(Clone, Debug, Default)]
pub struct MetricsAccess {
    pub public: bool,
    pub token: Option<String>,
}

impl MetricsAccess {
    fn allows(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let token_ok = match (&self.token, bearer) {
            (Some(expected), Some(given)) => {
                domain::secrets::constant_time_eq(expected.as_bytes(), given.as_bytes())
            }
            _ => false,
        };
        let local = peer.is_some_and(|ip| ip.is_loopback())
            && !headers.contains_key("x-forwarded-for")
            && !headers.contains_key("forwarded");
        self.public || token_ok || local
    }
}

pub async fn metrics(
    State(state): State<AppState>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Extension(access): Extension<MetricsAccess>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
    if !access.allows(peer, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(http::header::WWW_AUTHENTICATE, "Bearer")],
            "metrics need a bearer token (PONTE_METRICS_TOKEN)",
        )
            .into_response();
    }
    let pool = state.db.pool();
    (
        [(
            http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(pool.size(), pool.num_idle()),
    )
        .into_response()
}
