//! Provider webhooks (`/webhooks/*`) and the API channel's inbound endpoint:
//! rate-limited per connection, the connection found before the body is
//! read, the signature (or token) checked on the raw bytes, the request
//! stored durably, and only then 200.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use http::{header, HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use app::server::AppState;
use domain::channels::connections::{Connection, ProviderConfig};
use domain::channels::{api_channel, meta, twilio, webhooks, zapi};
use domain::secrets::constant_time_eq;
use shared::AppError;

use super::api_v1::ApiError;
use super::limits::{too_many, Limits};
use super::metrics::Metrics;
use crate::realtime::Hub;
use crate::BODY_LIMIT_BYTES;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/webhooks/whatsapp/{channel_id}",
            get(meta_handshake).post(meta_event),
        )
        .route(
            "/webhooks/meta/{channel_id}",
            get(meta_handshake).post(meta_event),
        )
        .route("/webhooks/twilio/{channel_id}", post(twilio_event))
        .route("/webhooks/twilio/{channel_id}/status", post(twilio_event))
        .route("/webhooks/zapi/{channel_id}/{secret}", post(zapi_event))
        .route("/api/v1/channels/{channel_id}/messages", post(api_message))
}

/// Mail forwarded by HTTP is larger than other webhooks (attachments): its
/// route lives under the upload limit.
pub fn mail_routes() -> Router<AppState> {
    Router::new().route("/webhooks/email/{channel_id}/{secret}", post(email_event))
}

/// A whole mail (attachments included) forwarded to the inbound-parse URL.
const MAIL_LIMIT_BYTES: usize = 30 * 1024 * 1024;

#[derive(Deserialize)]
struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// The app secret and verify token of a Meta connection (WhatsApp Cloud,
/// Messenger, Instagram), whichever route it was reached by.
fn meta_secrets(connection: &Connection, path: &str) -> Option<(String, String)> {
    match &connection.config {
        ProviderConfig::WhatsappCloud { secrets, .. }
            if path.starts_with("/webhooks/whatsapp/") =>
        {
            Some((secrets.app_secret.clone(), secrets.verify_token.clone()))
        }
        ProviderConfig::Meta { secrets, .. } if path.starts_with("/webhooks/meta/") => {
            Some((secrets.app_secret.clone(), secrets.verify_token.clone()))
        }
        _ => None,
    }
}

/// Meta's subscription check: the challenge back, only for our token.
async fn meta_handshake(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    OriginalUri(uri): OriginalUri,
    Path(channel_id): Path<i64>,
    Query(query): Query<Handshake>,
) -> Response {
    let connection = match find(&state, &limits, &hub, channel_id).await {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let Some((_, verify_token)) = meta_secrets(&connection, uri.path()) else {
        return not_found();
    };
    match meta::handshake(
        &verify_token,
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

async fn meta_event(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    OriginalUri(uri): OriginalUri,
    Path(channel_id): Path<i64>,
    request: Request,
) -> Response {
    let connection = match find(&state, &limits, &hub, channel_id).await {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let Some((app_secret, _)) = meta_secrets(&connection, uri.path()) else {
        return not_found();
    };
    let (headers, body) = match read_body(request).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let signature = header_text(&headers, "x-hub-signature-256");
    if !meta::signature_is_valid(&app_secret, &body, signature) {
        return rejected(
            &metrics,
            channel_id,
            StatusCode::UNAUTHORIZED,
            "bad or missing X-Hub-Signature-256",
        );
    }
    let stored_headers = json!({ "x-hub-signature-256": signature });
    match accept(&hub, &connection, &body, stored_headers).await {
        Ok(_) => (StatusCode::OK, "EVENT_RECEIVED").into_response(),
        Err(response) => response,
    }
}

/// Twilio signs the URL it called (`PONTE_PUBLIC_URL` + path + query) and
/// the form fields; it gets an empty TwiML answer (no auto-reply).
async fn twilio_event(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    OriginalUri(uri): OriginalUri,
    Path(params): Path<Vec<(String, String)>>,
    request: Request,
) -> Response {
    let Some(channel_id) = params
        .iter()
        .find(|(k, _)| k == "channel_id")
        .and_then(|(_, v)| v.parse::<i64>().ok())
    else {
        return not_found();
    };
    let connection = match find(&state, &limits, &hub, channel_id).await {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let ProviderConfig::Twilio { secrets, .. } = &connection.config else {
        return not_found();
    };
    let auth_token = secrets.auth_token.clone();
    let (headers, body) = match read_body(request).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let url = format!("{}{}", state.config.public_url, uri);
    let signature = header_text(&headers, "x-twilio-signature");
    if !twilio::signature_is_valid(&auth_token, &url, &body, signature) {
        return rejected(
            &metrics,
            channel_id,
            StatusCode::FORBIDDEN,
            "bad or missing X-Twilio-Signature",
        );
    }
    let stored_headers = json!({ "x-twilio-signature": signature, "url": url });
    match accept(&hub, &connection, &body, stored_headers).await {
        Ok(_) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/xml")],
            "<Response></Response>",
        )
            .into_response(),
        Err(response) => response,
    }
}

/// Z-API signs nothing: the URL's secret and the body's instance id stand in.
async fn zapi_event(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path((channel_id, secret)): Path<(i64, String)>,
    request: Request,
) -> Response {
    let connection = match find(&state, &limits, &hub, channel_id).await {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let ProviderConfig::Zapi { settings, secrets } = &connection.config else {
        return not_found();
    };
    if !constant_time_eq(secret.as_bytes(), secrets.webhook_secret.as_bytes()) {
        return rejected(
            &metrics,
            channel_id,
            StatusCode::FORBIDDEN,
            "wrong Z-API URL secret",
        );
    }
    let settings = settings.clone();
    let (_, body) = match read_body(request).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    if !zapi::belongs_to(&settings, &body) {
        return rejected(
            &metrics,
            channel_id,
            StatusCode::FORBIDDEN,
            "instanceId is not this connection's",
        );
    }
    match accept(&hub, &connection, &body, json!({})).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(response) => response,
    }
}

/// The inbound-parse webhook: a raw RFC 822 mail, with the connection's
/// secret in the URL (forwarding services sign nothing we could check).
async fn email_event(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path((channel_id, secret)): Path<(i64, String)>,
    request: Request,
) -> Response {
    let connection = match find(&state, &limits, &hub, channel_id).await {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let ProviderConfig::Email { secrets, .. } = &connection.config else {
        return not_found();
    };
    if !constant_time_eq(secret.as_bytes(), secrets.inbound_secret.as_bytes()) {
        return rejected(
            &metrics,
            channel_id,
            StatusCode::FORBIDDEN,
            "wrong inbound-parse URL secret",
        );
    }
    let body = match axum::body::to_bytes(request.into_body(), MAIL_LIMIT_BYTES).await {
        Ok(body) => body,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "mail too large").into_response(),
    };
    if !domain::channels::email::parse::looks_like_mail(&body) {
        return (
            StatusCode::BAD_REQUEST,
            "the body must be a raw RFC 822 message",
        )
            .into_response();
    }
    match accept(&hub, &connection, &body, json!({ "via": "inbound-parse" })).await {
        Ok(_) => StatusCode::OK.into_response(),
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
    let connection = match find(&state, &limits, &hub, channel_id).await {
        Ok(connection) => connection,
        Err(response) => return response,
    };
    let ProviderConfig::Api { secrets, .. } = &connection.config else {
        return not_found();
    };
    let presented = header_text(request.headers(), "authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    if secrets.token.is_empty() || !constant_time_eq(presented.as_bytes(), secrets.token.as_bytes())
    {
        metrics.webhooks_rejected.fetch_add(1, Ordering::Relaxed);
        return ApiError(AppError::Unauthorized).into_response();
    }
    let (_, body) = match read_body(request).await {
        Ok(read) => read,
        Err(response) => return response,
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
    match accept(&hub, &connection, &body, json!({})).await {
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

async fn read_body(request: Request) -> Result<(HeaderMap, Bytes), Response> {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, BODY_LIMIT_BYTES).await {
        Ok(bytes) => Ok((parts.headers, bytes)),
        Err(_) => Err((StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response()),
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
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
