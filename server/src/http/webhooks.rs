//! Provider webhooks (`/webhooks/*`): rate-limited per connection, the
//! connection found before the body is read, the signature checked on the
//! raw bytes, the request stored durably, and only then 200.

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use app::server::AppState;
use domain::channels::connections::{self, Connection, ProviderConfig};
use domain::channels::{webhooks, whatsapp_cloud};

use super::limits::{too_many, Limits};
use super::metrics::Metrics;
use crate::BODY_LIMIT_BYTES;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/webhooks/whatsapp/{channel_id}",
        get(whatsapp_handshake).post(whatsapp_event),
    )
}

#[derive(Deserialize)]
struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Meta's subscription check: the challenge back, only for our token.
async fn whatsapp_handshake(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path(channel_id): Path<i64>,
    Query(query): Query<Handshake>,
) -> Response {
    let connection = match find(&state, &limits, channel_id).await {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let ProviderConfig::WhatsappCloud { secrets, .. } = &connection.config;
    match whatsapp_cloud::handshake(
        secrets,
        query.mode.as_deref(),
        query.verify_token.as_deref(),
        query.challenge.as_deref(),
    ) {
        Some(challenge) => challenge.to_string().into_response(),
        None => rejected(
            &metrics,
            channel_id,
            StatusCode::FORBIDDEN,
            "handshake with a wrong verify token",
        ),
    }
}

async fn whatsapp_event(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path(channel_id): Path<i64>,
    request: Request,
) -> Response {
    let connection = match find(&state, &limits, channel_id).await {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let ProviderConfig::WhatsappCloud { secrets, .. } = &connection.config;
    let signature = header(&parts.headers, "x-hub-signature-256");
    if !whatsapp_cloud::signature_is_valid(&secrets.app_secret, &body, signature) {
        return rejected(
            &metrics,
            channel_id,
            StatusCode::UNAUTHORIZED,
            "bad or missing X-Hub-Signature-256",
        );
    }
    let headers = json!({ "x-hub-signature-256": signature });
    accept(&state, &connection, &body, headers).await
}

/// The connection named in the path, if it may receive: unknown ids are 404,
/// disabled connections 403 (providers retry, so nothing is lost while an
/// admin turns it back on).
async fn find(state: &AppState, limits: &Limits, channel_id: i64) -> Result<Connection, Response> {
    if let Err(wait) = limits.webhooks_per_channel.check(&channel_id.to_string()) {
        return Err(too_many(wait));
    }
    match connections::for_webhook(&state.db, &state.config.vault, channel_id).await {
        Ok(connection) if connection.active => Ok(connection),
        Ok(_) => Err((StatusCode::FORBIDDEN, "connection disabled").into_response()),
        Err(domain::Error::NotFound) => {
            Err((StatusCode::NOT_FOUND, "no such connection").into_response())
        }
        Err(err) => {
            tracing::error!(channel_id, error = ?err, "webhook connection lookup failed");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn rejected(metrics: &Metrics, channel_id: i64, status: StatusCode, why: &'static str) -> Response {
    metrics.webhooks_rejected.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(channel_id, why, "webhook rejected");
    (status, why).into_response()
}

/// Stores the verified request; the provider hears 200 only once it is
/// committed (a failure here is a 503 the provider retries).
async fn accept(
    state: &AppState,
    connection: &Connection,
    body: &Bytes,
    headers: serde_json::Value,
) -> Response {
    match webhooks::store(&state.db, connection, body, headers).await {
        Ok(_) => (StatusCode::OK, "EVENT_RECEIVED").into_response(),
        Err(err) => {
            tracing::error!(channel_id = connection.id, error = ?err, "storing webhook failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
