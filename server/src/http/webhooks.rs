//! Provider webhooks (`/webhooks/*`) and the API channel's inbound endpoint:
//! rate-limited per connection, the connection found and its adapter's
//! `admit` (URL secret, token) passed before the body is read, `verify`
//! (the signature) on the raw bytes, the request stored durably, and only
//! then 200.

use axum::body::Bytes;
use axum::extract::{MatchedPath, OriginalUri, Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use http::{header, StatusCode};
use serde::Deserialize;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use app::server::AppState;
use domain::channels::adapter::{ChannelAdapter, Refusal, RequestHead};
use domain::channels::connections::Connection;
use domain::channels::{api_channel, webhooks};
use shared::inbox::ChannelKind;
use shared::AppError;
use std::collections::HashMap;

use super::api_v1::ApiError;
use super::limits::{too_many, Limits};
use super::metrics::Metrics;
use crate::realtime::Hub;
use crate::BODY_LIMIT_BYTES;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/webhooks/whatsapp/{channel_id}",
            get(handshake).post(provider_event),
        )
        .route(
            "/webhooks/meta/{channel_id}",
            get(handshake).post(provider_event),
        )
        .route("/webhooks/twilio/{channel_id}", post(provider_event))
        .route("/webhooks/twilio/{channel_id}/status", post(provider_event))
        .route("/webhooks/zapi/{channel_id}/{secret}", post(provider_event))
        .route("/api/v1/channels/{channel_id}/messages", post(api_message))
}

/// Mail forwarded by HTTP is larger than other webhooks (attachments): its
/// route lives under the upload limit.
pub fn mail_routes() -> Router<AppState> {
    Router::new().route(
        "/webhooks/email/{channel_id}/{secret}",
        post(provider_event),
    )
}

/// A whole mail (attachments included) forwarded to the inbound-parse URL.
const MAIL_LIMIT_BYTES: usize = 30 * 1024 * 1024;

/// A provider's webhook route, and the connections it serves: a Messenger
/// page is not a WhatsApp number.
#[derive(Clone, Copy)]
enum Route {
    WhatsappCloud,
    MetaPage,
    Twilio,
    Zapi,
    Email,
}

impl Route {
    fn of(path: &str) -> Option<Self> {
        let provider = path.strip_prefix("/webhooks/")?.split('/').next()?;
        Some(match provider {
            "whatsapp" => Self::WhatsappCloud,
            "meta" => Self::MetaPage,
            "twilio" => Self::Twilio,
            "zapi" => Self::Zapi,
            "email" => Self::Email,
            _ => return None,
        })
    }

    fn serves(self, kind: ChannelKind) -> bool {
        match self {
            Self::WhatsappCloud => kind == ChannelKind::WhatsappCloud,
            Self::MetaPage => matches!(kind, ChannelKind::Messenger | ChannelKind::Instagram),
            Self::Twilio => kind == ChannelKind::TwilioWhatsapp,
            Self::Zapi => kind == ChannelKind::Zapi,
            Self::Email => kind == ChannelKind::Email,
        }
    }

    fn body_limit(self) -> usize {
        match self {
            Self::Email => MAIL_LIMIT_BYTES,
            _ => BODY_LIMIT_BYTES,
        }
    }

    /// The answer once stored: Meta's customary text, and for Twilio an
    /// empty TwiML document (no auto-reply).
    fn stored(self) -> Response {
        match self {
            Self::WhatsappCloud | Self::MetaPage => {
                (StatusCode::OK, "EVENT_RECEIVED").into_response()
            }
            Self::Twilio => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/xml")],
                "<Response></Response>",
            )
                .into_response(),
            Self::Zapi | Self::Email => StatusCode::OK.into_response(),
        }
    }
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

/// A subscription check (Meta's): the challenge back, only for our token.
async fn handshake(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    matched: MatchedPath,
    Path(channel_id): Path<i64>,
    Query(query): Query<Handshake>,
) -> Response {
    let Some(route) = Route::of(matched.as_str()) else {
        return not_found();
    };
    let connection = match find(&state, &limits, &hub, |kind| route.serves(kind), channel_id).await
    {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let answer = connection.config.adapter().handshake(
        query.mode.as_deref(),
        query.verify_token.as_deref(),
        query.challenge.as_deref(),
    );
    match answer {
        Ok(challenge) => challenge.to_string().into_response(),
        Err(refusal) => refused(&metrics, channel_id, refusal),
    }
}

/// Any provider's webhook: the connection's adapter admits the request
/// before its body is read and verifies it on the raw bytes; it is stored,
/// and only then answered 200.
#[allow(clippy::too_many_arguments)] // axum extractors
async fn provider_event(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    matched: MatchedPath,
    OriginalUri(uri): OriginalUri,
    Path(params): Path<HashMap<String, String>>,
    request: Request,
) -> Response {
    let (Some(route), Some(channel_id)) = (
        Route::of(matched.as_str()),
        params
            .get("channel_id")
            .and_then(|id| id.parse::<i64>().ok()),
    ) else {
        return not_found();
    };
    let connection = match find(&state, &limits, &hub, |kind| route.serves(kind), channel_id).await
    {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let adapter = connection.config.adapter();
    // Twilio signs the URL it called: `PONTE_PUBLIC_URL` + path + query.
    let url = format!("{}{}", state.config.public_url, uri);
    let (parts, body) = request.into_parts();
    let head = RequestHead {
        url: &url,
        url_secret: params.get("secret").map(String::as_str),
        headers: &parts.headers,
    };
    if let Err(refusal) = adapter.admit(&head) {
        return refused(&metrics, channel_id, refusal);
    }
    let Ok(body) = axum::body::to_bytes(body, route.body_limit()).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let stored_headers = match adapter.verify(&head, &body) {
        Ok(stored_headers) => stored_headers,
        Err(refusal) => return refused(&metrics, channel_id, refusal),
    };
    match accept(&hub, &connection, &body, stored_headers).await {
        Ok(_) => route.stored(),
        Err(response) => response,
    }
}

/// The API channel: a company's system posts its customers' messages with
/// the channel's token; 202 once stored (processed right after).
async fn api_message(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path(channel_id): Path<i64>,
    request: Request,
) -> Response {
    let is_api = |kind| kind == ChannelKind::Api;
    let connection = match find(&state, &limits, &hub, is_api, channel_id).await {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let adapter = connection.config.adapter();
    let url = format!(
        "{}/api/v1/channels/{channel_id}/messages",
        state.config.public_url
    );
    let (parts, body) = request.into_parts();
    let head = RequestHead {
        url: &url,
        url_secret: None,
        headers: &parts.headers,
    };
    if let Err(refusal) = adapter.admit(&head) {
        metrics.webhooks_rejected.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            channel_id,
            why = refusal.reason,
            "API channel message rejected"
        );
        return ApiError(AppError::Unauthorized).into_response();
    }
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let stored_headers = match adapter.verify(&head, &body) {
        Ok(stored_headers) => stored_headers,
        Err(refusal) => return refused(&metrics, channel_id, refusal),
    };
    let problems = api_channel::problems(&body);
    if !problems.is_empty() {
        let fields = problems
            .into_iter()
            .map(|(field, code)| shared::FieldError {
                field: field.to_string(),
                code,
            })
            .collect();
        return ApiError(AppError::Validation { fields }).into_response();
    }
    match accept(&hub, &connection, &body, stored_headers).await {
        Ok(Some(event_id)) => {
            if let Err(err) =
                webhooks::process_now(&state.db, connection.account_id, event_id).await
            {
                // Stored: the workers retry it.
                tracing::warn!(channel_id, error = ?err, "processing an API message failed");
            }
            (StatusCode::ACCEPTED, Json(json!({ "status": "accepted" }))).into_response()
        }
        Ok(None) => (StatusCode::ACCEPTED, Json(json!({ "status": "duplicate" }))).into_response(),
        Err(response) => response,
    }
}

/// The connection named in the path, if it may receive: unknown ids are 404,
/// disabled connections 403 (providers retry, so nothing is lost while an
/// admin turns it back on).
async fn find(
    state: &AppState,
    limits: &Limits,
    hub: &Hub,
    route: impl Fn(ChannelKind) -> bool,
    channel_id: i64,
) -> Result<Connection, Response> {
    if let Err(wait) = limits.webhooks_per_channel.check(&channel_id.to_string()) {
        return Err(too_many(wait));
    }
    match hub
        .webhook_connections
        .get(&state.db, &state.config.vault, channel_id)
        .await
    {
        Ok(connection) if !route(connection.config.kind()) => Err(not_found()),
        Ok(connection) if connection.active => Ok(connection),
        Ok(_) => Err((StatusCode::FORBIDDEN, "connection disabled").into_response()),
        Err(domain::Error::NotFound) => Err(not_found()),
        Err(err) => {
            tracing::error!(channel_id, error = ?err, "webhook connection lookup failed");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such connection").into_response()
}

/// A refused request: authenticity failures are counted and logged.
fn refused(metrics: &Metrics, channel_id: i64, refusal: Refusal) -> Response {
    if refusal.is_authenticity() {
        metrics.webhooks_rejected.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(channel_id, why = refusal.reason, "webhook rejected");
    }
    let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::FORBIDDEN);
    (status, refusal.reason).into_response()
}

/// Stores the verified request; the provider hears 200 only once it is
/// committed (a failure here is a 503 the provider retries).
async fn accept(
    hub: &Hub,
    connection: &Connection,
    body: &Bytes,
    headers: serde_json::Value,
) -> Result<Option<i64>, Response> {
    hub.webhook_intake
        .store(connection, body, headers)
        .await
        .map_err(|err| {
            tracing::error!(channel_id = connection.id, error = ?err, "storing webhook failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        })
}
