//! Local stand-ins for providers' APIs, speaking their wire formats: they
//! record every request they receive and answer as the real ones do.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One request a mock received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
    pub at: std::time::Instant,
}

#[derive(Default)]
pub struct MockState {
    pub received: Mutex<Vec<Received>>,
    /// While set, sends are refused as undeliverable (a permanent error).
    pub refuse_sends: AtomicBool,
    /// While set, Meta lists only the second of its two templates (the
    /// first was deleted in WhatsApp Manager).
    pub first_template_deleted: AtomicBool,
    /// Answers given before the usual ones, first to last: a provider's
    /// passing trouble (5xx, rate limits) for Meta's sends and the API
    /// channel's company endpoint.
    pub next_answers: Mutex<VecDeque<(StatusCode, Value)>>,
    /// Whether the mock Z-API session's phone has scanned a QR code.
    pub zapi_paired: AtomicBool,
    zapi_qr_codes_served: AtomicUsize,
    sent: AtomicUsize,
    base_url: Mutex<String>,
}

impl MockState {
    /// Queues answers to give before the usual ones.
    pub fn answer_next(&self, answers: impl IntoIterator<Item = (StatusCode, Value)>) {
        self.next_answers.lock().unwrap().extend(answers);
    }

    fn next_answer(&self) -> Option<(StatusCode, Value)> {
        self.next_answers.lock().unwrap().pop_front()
    }
}

/// A 1×1 PNG: what customers' "photos" are here.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// The providers' APIs on one local server: Meta's Graph API (WhatsApp
/// Cloud, Messenger, Instagram), Twilio's Messages API, Z-API, and a
/// company's endpoint receiving the API channel's replies.
pub struct MockGraph {
    pub base_url: String,
    pub state: Arc<MockState>,
}

impl MockGraph {
    pub async fn start() -> Self {
        let state = Arc::new(MockState::default());
        let app = Router::new()
            .route("/v21.0/{phone_number_id}/messages", post(send_message))
            .route("/v21.0/{phone_number_id}", get(phone_number))
            .route(
                "/v21.0/{phone_number_id}/message_templates",
                get(message_templates),
            )
            .route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                post(twilio_send),
            )
            .route(
                "/instances/{instance}/token/{token}/{*action}",
                get(zapi_session).post(zapi_send),
            )
            .route("/hooks/api", post(company_endpoint))
            .route("/media/{name}", get(media_file))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind mock");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        *state.base_url.lock().unwrap() = base_url.clone();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base_url, state }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits until `count` send requests arrived.
    pub async fn wait_for_sends(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the mock Graph API received {:?}", self.received());
    }
}

fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn send_message(
    State(state): State<Arc<MockState>>,
    Path(phone_number_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    state.received.lock().unwrap().push(Received {
        path: format!("/v21.0/{phone_number_id}/messages"),
        authorization: authorization(&headers),
        body: body.clone(),
        at: std::time::Instant::now(),
    });
    if authorization(&headers).as_deref() != Some("Bearer graph-token") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}),
            ),
        );
    }
    if state.refuse_sends.load(Ordering::SeqCst) {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error": {"message": "Message Undeliverable.", "type": "OAuthException", "code": 131026}}),
            ),
        );
    }
    if let Some((status, answer)) = state.next_answer() {
        return (status, Json(answer));
    }
    let n = state.sent.fetch_add(1, Ordering::SeqCst) + 1;
    // WhatsApp Cloud answers `messages[0].id`; Messenger `message_id`.
    (
        StatusCode::OK,
        Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": format!("wamid.out.{n}")}],
            "recipient_id": body["recipient"]["id"],
            "message_id": format!("m_out.{n}"),
        })),
    )
}

/// A business account's templates, two pages of one (Meta's cursor paging).
async fn message_templates(
    State(state): State<Arc<MockState>>,
    Path(waba_id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> impl IntoResponse {
    if authorization(&headers).as_deref() != Some("Bearer graph-token") || waba_id != "5678" {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}),
            ),
        );
    }
    let first = json!({"id": "111", "name": "pedido_enviado", "language": "pt_BR", "status": "APPROVED",
        "category": "UTILITY", "components": [
            {"type": "BODY", "text": "Olá {{1}}, seu pedido {{2}} saiu para entrega."},
            {"type": "FOOTER", "text": "Loja Zap"}]});
    let second = json!({"id": "222", "name": "promo_natal", "language": "pt_BR", "status": "PENDING",
        "category": "MARKETING", "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Natal"},
            {"type": "BODY", "text": "Feliz Natal! {{1}}% de desconto."}]});
    let base = state.base_url.lock().unwrap().clone();
    let page = if query.get("after").map(String::as_str) == Some("page2") {
        json!({"data": [second], "paging": {"cursors": {"before": "page2", "after": "end"}}})
    } else if state.first_template_deleted.load(Ordering::SeqCst) {
        json!({"data": [second], "paging": {"cursors": {"before": "x", "after": "end"}}})
    } else {
        json!({"data": [first], "paging": {"cursors": {"before": "page1", "after": "page2"},
               "next": format!("{base}/v21.0/{waba_id}/message_templates?after=page2")}})
    };
    (StatusCode::OK, Json(page))
}

/// Meta's `message_template_status_update` webhook.
pub fn template_status(name: &str, event: &str, reason: &str) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "5678", "time": 1700000000,
        "changes": [{"field": "message_template_status_update", "value": {
            "event": event, "message_template_id": 111, "message_template_name": name,
            "message_template_language": "pt_BR", "reason": reason}}]}]})
    .to_string()
    .into_bytes()
}

fn record(state: &MockState, path: String, headers: &HeaderMap, body: Value) {
    state.received.lock().unwrap().push(Received {
        path,
        authorization: authorization(headers),
        body,
        at: std::time::Instant::now(),
    });
}

/// Twilio's Messages API: form-encoded, basic auth.
async fn twilio_send(
    State(state): State<Arc<MockState>>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let form: serde_json::Map<String, Value> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    record(
        &state,
        format!("/2010-04-01/Accounts/{sid}/Messages.json"),
        &headers,
        Value::Object(form),
    );
    use base64::Engine;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("AC1:twilio-token")
    );
    if authorization(&headers).as_deref() != Some(expected.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": 20003, "message": "Authenticate", "status": 401})),
        );
    }
    let n = state.sent.fetch_add(1, Ordering::SeqCst) + 1;
    (
        StatusCode::CREATED,
        Json(json!({"sid": format!("SMout{n}"), "status": "queued"})),
    )
}

/// Z-API's sends (`send-text`, `send-image`, `send-document/pdf`, …): the
/// instance token in the path, the account's in `Client-Token`.
async fn zapi_send(
    State(state): State<Arc<MockState>>,
    Path((instance, token, action)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let client_token = headers
        .get("client-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut recorded = json!({"json": body, "client_token": client_token});
    recorded["token"] = json!(token);
    record(
        &state,
        format!("/instances/{instance}/{action}"),
        &headers,
        recorded,
    );
    if token != "zapi-token" || client_token.as_deref() != Some("zapi-client") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Unauthorized"})),
        );
    }
    if state.refuse_sends.load(Ordering::SeqCst) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "Message not sent"})),
        );
    }
    let n = state.sent.fetch_add(1, Ordering::SeqCst) + 1;
    (
        StatusCode::OK,
        Json(json!({"zaapId": "z", "messageId": format!("ZOUT{n}"), "id": format!("ZOUT{n}")})),
    )
}

/// How many QR codes the mock Z-API offers before the session stops
/// offering them (until a restart).
pub const ZAPI_QR_CODES: usize = 3;

/// A Z-API instance's session: not connected until `zapi_paired` is set;
/// a few QR codes, then none until `restart`.
async fn zapi_session(
    State(state): State<Arc<MockState>>,
    Path((_, token, action)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> impl IntoResponse {
    let client_token = headers.get("client-token").and_then(|v| v.to_str().ok());
    if token != "zapi-token" || client_token != Some("zapi-client") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Unauthorized"})),
        );
    }
    let paired = state.zapi_paired.load(Ordering::SeqCst);
    let answer = match action.as_str() {
        "status" if paired => {
            json!({"connected": true, "error": "You are already connected.", "smartphoneConnected": true})
        }
        "status" => {
            json!({"connected": false, "error": "You are not connected.", "smartphoneConnected": false})
        }
        "qr-code/image" if paired => json!({"connected": true}),
        "qr-code/image" => {
            let served = state.zapi_qr_codes_served.fetch_add(1, Ordering::SeqCst);
            if served < ZAPI_QR_CODES {
                json!({"value": format!("data:image/png;base64,iVBORw0KGgo{served}=")})
            } else {
                json!({"connected": false, "error": "QR code attempts exhausted. Restart the instance."})
            }
        }
        "restart" => {
            state.zapi_qr_codes_served.store(0, Ordering::SeqCst);
            json!({"value": true})
        }
        "disconnect" => {
            state.zapi_paired.store(false, Ordering::SeqCst);
            json!({"value": true})
        }
        phone if phone.starts_with("phone-code/") => json!({"code": "ABCD-EFGH"}),
        _ => return (StatusCode::NOT_FOUND, Json(json!({"error": "Not found"}))),
    };
    (StatusCode::OK, Json(answer))
}

/// Customers' files; WhatsApp Cloud's need the token, Twilio's (`tw-…`)
/// the account's credentials and then redirect to a signed CDN link (as
/// Twilio's do), the others are public.
async fn media_file(Path(name): Path<String>, headers: HeaderMap) -> axum::response::Response {
    use base64::Engine;
    if name.starts_with("media") && authorization(&headers).as_deref() != Some("Bearer graph-token")
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if name.starts_with("tw-") {
        let credentials = base64::engine::general_purpose::STANDARD.encode("AC1:twilio-token");
        if authorization(&headers) != Some(format!("Basic {credentials}")) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let cdn = format!(
            "/media/cdn-{}?Signature=abc",
            name.trim_start_matches("tw-")
        );
        return (StatusCode::TEMPORARY_REDIRECT, [("location", cdn)]).into_response();
    }
    if name.starts_with("cdn-") && authorization(&headers).is_some() {
        // The CDN's link is signed by itself: credentials are not for it.
        return StatusCode::BAD_REQUEST.into_response();
    }
    if name.starts_with("big-") {
        // Two megabytes and a byte: over a 2 MB limit.
        return (StatusCode::OK, vec![0u8; 2 * 1024 * 1024 + 1]).into_response();
    }
    (StatusCode::OK, PNG.to_vec()).into_response()
}

/// A company's system receiving the API channel's replies.
async fn company_endpoint(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let signature = headers
        .get("x-ponte-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    record(
        &state,
        "/hooks/api".into(),
        &headers,
        json!({"raw": String::from_utf8_lossy(&body), "signature": signature}),
    );
    state
        .next_answer()
        .map_or(StatusCode::OK, |(status, _)| status)
}

async fn phone_number(
    State(state): State<Arc<MockState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> impl IntoResponse {
    if authorization(&headers).as_deref() != Some("Bearer graph-token") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"message": "Invalid OAuth access token.", "code": 190}})),
        );
    }
    // A media id resolves to where the file is, for a few minutes.
    if id.starts_with("media") {
        let base = state.base_url.lock().unwrap().clone();
        return (
            StatusCode::OK,
            Json(json!({"url": format!("{base}/media/{id}"), "mime_type": "image/png", "id": id})),
        );
    }
    (
        StatusCode::OK,
        Json(
            json!({"verified_name": "Loja Demo", "display_phone_number": "+55 11 4000-0000", "id": "1"}),
        ),
    )
}

/// `sha256=<hex>` as Meta signs a webhook body.
pub fn meta_signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(app_secret.as_bytes()).unwrap();
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    format!(
        "sha256={}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// A Cloud API webhook body with the given messages (wamid, from, text),
/// serialized the way Meta does: non-ASCII escaped as `\uXXXX`.
pub fn whatsapp_messages(messages: &[(&str, &str, &str)], name: &str) -> Vec<u8> {
    let items: Vec<Value> = messages
        .iter()
        .map(|(id, from, text)| {
            json!({"from": from, "id": id, "timestamp": "1764633600", "type": "text", "text": {"body": text}})
        })
        .collect();
    let from = messages.first().map(|m| m.1).unwrap_or_default();
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "551140000000", "phone_number_id": "1234"},
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": items
        }}]}]
    });
    escape_non_ascii(&body.to_string()).into_bytes()
}

/// A Cloud API status webhook body.
pub fn whatsapp_status(wamid: &str, status: &str) -> Vec<u8> {
    let mut item = json!({"id": wamid, "status": status, "timestamp": "1764633601", "recipient_id": "5511987654321"});
    if status == "failed" {
        item["errors"] = json!([{"code": 131047, "title": "Re-engagement message"}]);
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "551140000000", "phone_number_id": "1234"},
            "statuses": [item]
        }}]}]
    })
    .to_string()
    .into_bytes()
}

pub fn escape_non_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}
