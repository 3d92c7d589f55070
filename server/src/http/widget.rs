//! The website widget's public endpoints (`/widget/{channel}/…`). They run
//! on other companies' pages, so they authenticate with the signed visitor
//! token (never our session cookie) and answer CORS only for the channel's
//! allowed origins (and Ponte's own, for the demo page).

use axum::body::Body;
use axum::extract::{Multipart, Path, Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::events::{WidgetAttachment, WidgetMessage};
use shared::AppError;
use uuid::Uuid;

use super::api_v1::ApiError;
use super::files::serve_file;
use super::ws::is_own_origin;
use app::server::AppState;
use domain::attachments::Storage;
use domain::widget::{self, Visitor};

/// Resolves and checks a visitor token; an error response otherwise.
pub async fn visitor_for(
    state: &AppState,
    channel_token: &str,
    visitor_token: &str,
) -> Result<Visitor, Response> {
    let channel = domain::channels::by_public_token(&state.db, channel_token)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    let visitor_id =
        widget::verify_visitor_token(&state.config.secret, channel_token, visitor_token)
            .ok_or_else(|| ApiError(AppError::Unauthorized).into_response())?;
    Ok(Visitor {
        channel,
        visitor_id,
        token: visitor_token.to_string(),
    })
}

/// CORS for `/widget/{channel}/…`: allowed origins get the headers (and
/// preflights a 204); other origins get none, so browsers block them.
pub async fn cors(
    State(state): State<AppState>,
    Path(params): Path<Vec<(String, String)>>,
    request: Request,
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
    let allowed = match &origin {
        Some(origin) if is_own_origin(origin, &state.config.public_url, request.headers()) => true,
        Some(origin) => domain::channels::by_public_token(&state.db, &channel_token)
            .await
            .is_ok_and(|c| c.allows_origin(origin)),
        None => false,
    };
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if allowed {
            add_cors_headers(response.headers_mut(), origin.as_deref());
        }
        return response;
    }
    if origin.is_some() && !allowed && request.method() != Method::GET {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({ "error": "forbidden", "message": "this site may not use the widget" })),
        )
            .into_response();
    }
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
            HeaderValue::from_static("content-type"),
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
}

async fn config(
    State(state): State<AppState>,
    Path(channel): Path<String>,
) -> Result<Json<WidgetConfig>, ApiError> {
    let channel = domain::channels::by_public_token(&state.db, &channel).await?;
    Ok(Json(WidgetConfig {
        name: channel.name,
        greeting: channel.settings.greeting,
        color: channel.settings.color,
        prechat_form: channel.settings.prechat_form,
        active: channel.active,
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

/// Continues a visitor's conversation (valid token) or starts afresh.
async fn session(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    Json(body): Json<SessionRequest>,
) -> Response {
    let existing = match body.visitor.as_deref() {
        Some(token) => visitor_for(&state, &channel, token).await.ok(),
        None => None,
    };
    let visitor = match existing {
        Some(visitor) => visitor,
        None => {
            let token = widget::issue_visitor_token(&state.config.secret, &channel);
            match visitor_for(&state, &channel, &token).await {
                Ok(visitor) => visitor,
                Err(response) => return response,
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
}

async fn send(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    Json(request): Json<SendRequest>,
) -> Response {
    let visitor = match visitor_for(&state, &channel, &request.visitor).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let message = widget::VisitorMessage {
        body: request.body,
        attachment_id: request.attachment_id,
        name: request.name,
        email: request.email,
        client_id: request.client_id,
    };
    match widget::send(&state.db, &visitor, &message).await {
        Ok(sent) => (StatusCode::CREATED, Json(sent)).into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

async fn upload(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    mut form: Multipart,
) -> Response {
    let mut visitor_token = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("visitor") => visitor_token = field.text().await.ok(),
                Some("file") => {
                    let name = field.file_name().unwrap_or("file").to_string();
                    match field.bytes().await {
                        Ok(bytes) => file = Some((name, bytes.to_vec())),
                        Err(_) => {
                            return ApiError(AppError::field(
                                "file",
                                shared::ErrorCode::FileTooLarge,
                            ))
                            .into_response()
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                return ApiError(AppError::field("file", shared::ErrorCode::InvalidValue))
                    .into_response()
            }
        }
    }
    let visitor = match visitor_for(
        &state,
        &channel,
        visitor_token.as_deref().unwrap_or_default(),
    )
    .await
    {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Some((name, bytes)) = file else {
        return ApiError(AppError::field("file", shared::ErrorCode::Required)).into_response();
    };
    let storage = Storage::new(&state.config.data_dir);
    match widget::upload(&state.db, &storage, &visitor, &name, &bytes).await {
        Ok(attachment) => {
            (StatusCode::CREATED, Json::<WidgetAttachment>(attachment)).into_response()
        }
        Err(err) => ApiError::from(err).into_response(),
    }
}

#[derive(Deserialize)]
struct VisitorQuery {
    visitor: String,
}

async fn download(
    State(state): State<AppState>,
    Path((channel, id, _name)): Path<(String, i64, String)>,
    Query(query): Query<VisitorQuery>,
) -> Response {
    let visitor = match visitor_for(&state, &channel, &query.visitor).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
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

/// `/demo/widget`: a pretend company page with the demo channel's widget, to
/// play customer and agent in two tabs.
async fn demo_page(State(state): State<AppState>) -> Response {
    let Some(token) = domain::seed::demo_channel_token(&state.db)
        .await
        .ok()
        .flatten()
    else {
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
        .layer(axum::middleware::from_fn_with_state(state.clone(), cors));
    Router::new()
        .merge(per_channel)
        .route("/demo/widget", get(demo_page))
}

/// The upload route, with its own (larger) body limit.
pub fn upload_routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/widget/{channel}/attachments", post(upload))
        .layer(axum::middleware::from_fn_with_state(state.clone(), cors))
}
