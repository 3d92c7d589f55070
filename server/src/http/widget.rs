//! The website widget's public endpoints (`/widget/{channel}/…`). They run
//! on other companies' pages, so they authenticate with the signed visitor
//! token (never our session cookie) and answer CORS only for the channel's
//! allowed origins (and Ponte's own, for the demo page).

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::events::{WidgetAttachment, WidgetMessage};
use shared::AppError;
use std::sync::Arc;
use uuid::Uuid;

use super::api_v1::{ApiError, ApiJson};
use super::files::{receive_upload, serve_file};
use super::limits::{too_many, Limits};
use super::ws::is_own_origin;
use app::server::{AppState, ClientIp};
use domain::attachments::Storage;
use domain::channels::PublicChannel;
use domain::widget::{self, Visitor};

/// Checks a visitor token for a channel; 401 otherwise.
pub fn visitor_for(
    state: &AppState,
    channel: &PublicChannel,
    visitor_token: &str,
) -> Result<Visitor, ApiError> {
    let visitor_id =
        widget::verify_visitor_token(&state.config.secret, &channel.public_token, visitor_token)
            .ok_or(ApiError(AppError::Unauthorized))?;
    Ok(Visitor {
        channel: channel.clone(),
        visitor_id,
        token: visitor_token.to_string(),
    })
}

/// The network a request counts under for rate limits.
pub fn client_network(request_ip: Option<&ClientIp>) -> String {
    domain::auth::throttle::network_of(request_ip.and_then(|ip| ip.0.as_deref()))
}

/// Runs before any widget handler reads a body: the channel must exist (404
/// otherwise), state-changing requests must come from a page the channel
/// allows (403 without an allowed `Origin`), and CORS answers only those
/// pages. The channel is handed to the handler.
pub async fn channel_guard(
    State(state): State<AppState>,
    Path(params): Path<Vec<(String, String)>>,
    mut request: Request,
    next: Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let channel_token = params
        .iter()
        .find(|(k, _)| k == "channel")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let channel = match domain::channels::by_public_token(&state.db, &channel_token).await {
        Ok(channel) => channel,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let allowed = origin.as_deref().is_some_and(|origin| {
        channel.allows_origin(origin)
            || is_own_origin(origin, &state.config.public_url, request.headers())
    });
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if allowed {
            add_cors_headers(response.headers_mut(), origin.as_deref());
        }
        return response;
    }
    if !allowed && request.method() != Method::GET {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({ "error": "forbidden", "message": "this site may not use the widget" })),
        )
            .into_response();
    }
    request.extensions_mut().insert(channel);
    let mut response = next.run(request).await;
    if allowed {
        add_cors_headers(response.headers_mut(), origin.as_deref());
    }
    response
}

fn add_cors_headers(headers: &mut HeaderMap, origin: Option<&str>) {
    if let Some(value) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, x-ponte-visitor"),
        );
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

#[derive(Serialize)]
struct WidgetConfig {
    name: String,
    greeting: String,
    color: String,
    prechat_form: bool,
    active: bool,
    /// The largest file the account accepts, so the widget can say so
    /// before uploading.
    max_upload_mb: u64,
}

async fn config(
    State(state): State<AppState>,
    Extension(channel): Extension<PublicChannel>,
) -> Result<Json<WidgetConfig>, ApiError> {
    let limit = domain::attachments::limit_bytes(&state.db, channel.account_id).await?;
    Ok(Json(WidgetConfig {
        name: channel.name,
        greeting: channel.settings.greeting,
        color: channel.settings.color,
        prechat_form: channel.settings.prechat_form,
        active: channel.active,
        max_upload_mb: limit / (1024 * 1024),
    }))
}

#[derive(Deserialize)]
struct SessionRequest {
    visitor: Option<String>,
}

#[derive(Serialize)]
struct SessionResponse {
    visitor: String,
    messages: Vec<WidgetMessage>,
}

/// Continues a visitor's conversation (valid token) or starts afresh; new
/// visitors are budgeted per client network.
async fn session(
    State(state): State<AppState>,
    Extension(channel): Extension<PublicChannel>,
    Extension(limits): Extension<Arc<Limits>>,
    ip: Option<Extension<ClientIp>>,
    request: Request,
) -> Response {
    let network = client_network(ip.as_ref().map(|Extension(ip)| ip));
    let body = match ApiJson::<SessionRequest>::from_request(request, &()).await {
        Ok(ApiJson(body)) => body,
        Err(err) => return err.into_response(),
    };
    let existing = body
        .visitor
        .as_deref()
        .and_then(|token| visitor_for(&state, &channel, token).ok());
    let visitor = match existing {
        Some(visitor) => visitor,
        None => {
            if let Err(wait) = limits.widget_sessions.check(&network) {
                return too_many(wait);
            }
            let token = widget::issue_visitor_token(&state.config.secret, &channel.public_token);
            match visitor_for(&state, &channel, &token) {
                Ok(visitor) => visitor,
                Err(err) => return err.into_response(),
            }
        }
    };
    match widget::history(&state.db, &visitor).await {
        Ok(messages) => Json(SessionResponse {
            visitor: visitor.token,
            messages,
        })
        .into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

#[derive(Deserialize)]
struct SendRequest {
    visitor: String,
    #[serde(default)]
    body: String,
    attachment_id: Option<i64>,
    name: Option<String>,
    email: Option<String>,
    client_id: Option<Uuid>,
    #[serde(default)]
    context: Option<ContextRequest>,
}

/// Where the widget runs, as it reports it.
#[derive(Deserialize)]
struct ContextRequest {
    page: Option<String>,
    language: Option<String>,
    time_zone: Option<String>,
}

/// A visitor's message: budgeted per client network before the body is
/// read, and per visitor once the token is known.
async fn send(
    State(state): State<AppState>,
    Extension(channel): Extension<PublicChannel>,
    Extension(limits): Extension<Arc<Limits>>,
    ip: Option<Extension<ClientIp>>,
    request: Request,
) -> Response {
    let network = client_network(ip.as_ref().map(|Extension(ip)| ip));
    if let Err(wait) = limits.widget_messages_per_network.check(&network) {
        return too_many(wait);
    }
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let request = match ApiJson::<SendRequest>::from_request(request, &()).await {
        Ok(ApiJson(body)) => body,
        Err(err) => return err.into_response(),
    };
    let visitor = match visitor_for(&state, &channel, &request.visitor) {
        Ok(visitor) => visitor,
        Err(err) => return err.into_response(),
    };
    if let Err(wait) = limits
        .widget_messages_per_visitor
        .check(&visitor.visitor_id)
    {
        return too_many(wait);
    }
    let context = request.context.map(|c| {
        widget::visitor_context(
            c.page.as_deref(),
            c.language.as_deref(),
            c.time_zone.as_deref(),
            user_agent.as_deref(),
        )
    });
    let message = widget::VisitorMessage {
        body: request.body,
        attachment_id: request.attachment_id,
        name: request.name,
        email: request.email,
        client_id: request.client_id,
        context,
    };
    match widget::send(&state.db, &visitor, &message).await {
        Ok(sent) => (StatusCode::CREATED, Json(sent)).into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

#[derive(Deserialize)]
struct VisitorQuery {
    visitor: Option<String>,
}

/// The visitor token of an upload: the `X-Ponte-Visitor` header or the
/// `visitor` query parameter; failing those, a small `visitor` field that
/// must come first in the form (older widgets), so the token is still
/// checked before a byte of the file is read.
async fn upload_visitor_token(
    headers: &HeaderMap,
    query: &VisitorQuery,
    form: &mut Multipart,
) -> Option<String> {
    let given = headers
        .get("x-ponte-visitor")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| query.visitor.clone());
    if given.is_some() {
        return given;
    }
    let field = form.next_field().await.ok()??;
    if field.name() != Some("visitor") {
        return None;
    }
    let mut token = Vec::new();
    let mut field = field;
    while let Ok(Some(chunk)) = field.chunk().await {
        token.extend_from_slice(&chunk);
        if token.len() > 256 {
            return None;
        }
    }
    String::from_utf8(token).ok()
}

/// A visitor's file: channel, token and budgets are checked before a byte of
/// the body is read; the file streams to disk within the account's limit.
async fn upload(
    State(state): State<AppState>,
    Extension(channel): Extension<PublicChannel>,
    Extension(limits): Extension<Arc<Limits>>,
    ip: Option<Extension<ClientIp>>,
    Query(query): Query<VisitorQuery>,
    headers: HeaderMap,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Ok(mut form) = form else {
        return ApiError(AppError::field("file", shared::ErrorCode::Required)).into_response();
    };
    let Some(token) = upload_visitor_token(&headers, &query, &mut form).await else {
        return ApiError(AppError::Unauthorized).into_response();
    };
    let visitor = match visitor_for(&state, &channel, &token) {
        Ok(visitor) => visitor,
        Err(err) => return err.into_response(),
    };
    let network = client_network(ip.as_ref().map(|Extension(ip)| ip));
    if let Err(wait) = limits.widget_uploads_per_network.check(&network) {
        return too_many(wait);
    }
    if let Err(wait) = limits.widget_uploads_per_visitor.check(&visitor.visitor_id) {
        return too_many(wait);
    }
    let storage = Storage::new(&state.config.data_dir);
    let received = receive_upload(&state.db, &storage, channel.account_id, form).await;
    let (name, incoming) = match received {
        Ok(file) => file,
        Err(err) => return err.into_response(),
    };
    match widget::upload(&state.db, &storage, &visitor, &name, incoming).await {
        Ok(attachment) => {
            (StatusCode::CREATED, Json::<WidgetAttachment>(attachment)).into_response()
        }
        Err(err) => ApiError::from(err).into_response(),
    }
}

async fn download(
    State(state): State<AppState>,
    Extension(channel): Extension<PublicChannel>,
    Path((_channel, id, _name)): Path<(String, i64, String)>,
    Query(query): Query<VisitorQuery>,
) -> Response {
    let visitor = match visitor_for(
        &state,
        &channel,
        query.visitor.as_deref().unwrap_or_default(),
    ) {
        Ok(visitor) => visitor,
        Err(err) => return err.into_response(),
    };
    let contact = match widget::whereabouts(&state.db, &visitor).await {
        Ok(Some((contact, _))) => contact,
        Ok(None) => return ApiError(AppError::NotFound).into_response(),
        Err(err) => return ApiError::from(err).into_response(),
    };
    let storage = Storage::new(&state.config.data_dir);
    match domain::attachments::open_for_contact(
        &state.db,
        &storage,
        visitor.account_id(),
        contact,
        id,
    )
    .await
    {
        Ok(file) => serve_file(file).await,
        Err(err) => ApiError::from(err).into_response(),
    }
}

#[derive(Deserialize)]
struct DemoPageQuery {
    /// Another website channel to embed (its token is public anyway).
    channel: Option<String>,
}

/// `/demo/widget`: a pretend company page with the demo channel's widget (or
/// `?channel=wc_…`'s), to play customer and agent in two tabs.
async fn demo_page(State(state): State<AppState>, Query(query): Query<DemoPageQuery>) -> Response {
    let chosen = query.channel.filter(|c| {
        c.len() <= 64
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    });
    let token = match chosen {
        Some(channel) => Some(channel),
        None => domain::seed::demo_channel_token(&state.db)
            .await
            .ok()
            .flatten(),
    };
    let Some(token) = token else {
        return (
            StatusCode::NOT_FOUND,
            "The demo account has no website channel. Run `ponte seed-demo`.",
        )
            .into_response();
    };
    let html = format!(
        r#"<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Loja Demo — site de exemplo</title><link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>body{{font-family:system-ui,sans-serif;margin:0;background:#f8fafc;color:#0f172a}}header{{background:#0f172a;color:#fff;padding:24px}}
main{{max-width:720px;margin:32px auto;padding:0 16px;line-height:1.6}}.card{{background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:20px;margin:16px 0}}</style>
</head><body><header><h1>Loja Demo</h1><p>Um site de exemplo com o chat do Ponte.</p></header>
<main><div class="card"><h2>Como testar</h2><p>Abra o chat no canto da tela e mande uma mensagem como cliente.
Em outra aba, entre no Ponte como <b>agent@demo.ponte.dev</b> (senha <b>ponte-demo-2026</b>) e responda pela caixa de entrada.</p></div>
<div class="card"><h2>Produtos</h2><p>Camisetas, canecas e adesivos. Frete grátis acima de R$ 150.</p></div></main>
<script src="/widget.js" data-ponte-channel="{token}" async></script></body></html>"#
    );
    let mut response = Response::new(Body::from(html));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'"),
    );
    response
}

pub fn routes(state: &AppState) -> Router<AppState> {
    let per_channel = Router::new()
        .route("/widget/{channel}/config", get(config))
        .route("/widget/{channel}/session", post(session))
        .route("/widget/{channel}/messages", post(send))
        .route("/widget/{channel}/attachments/{id}/{name}", get(download))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            channel_guard,
        ));
    Router::new()
        .merge(per_channel)
        .route("/demo/widget", get(demo_page))
}

/// The upload route, with its own (larger) body limit.
pub fn upload_routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/widget/{channel}/attachments", post(upload))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            channel_guard,
        ))
}
