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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One request a mock received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Default)]
pub struct GraphState {
    pub received: Mutex<Vec<Received>>,
    /// While set, sends are refused as undeliverable (a permanent error).
    pub refuse_sends: AtomicBool,
    sent: AtomicUsize,
}

/// The Graph API's WhatsApp Cloud endpoints.
pub struct MockGraph {
    pub base_url: String,
    pub state: Arc<GraphState>,
}

impl MockGraph {
    pub async fn start() -> Self {
        let state = Arc::new(GraphState::default());
        let app = Router::new()
            .route("/v21.0/{phone_number_id}/messages", post(send_message))
            .route("/v21.0/{phone_number_id}", get(phone_number))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind mock");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
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
    State(state): State<Arc<GraphState>>,
    Path(phone_number_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    state.received.lock().unwrap().push(Received {
        path: format!("/v21.0/{phone_number_id}/messages"),
        authorization: authorization(&headers),
        body: body.clone(),
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
    let n = state.sent.fetch_add(1, Ordering::SeqCst) + 1;
    (
        StatusCode::OK,
        Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": format!("wamid.out.{n}")}]
        })),
    )
}

async fn phone_number(headers: HeaderMap) -> impl IntoResponse {
    if authorization(&headers).as_deref() != Some("Bearer graph-token") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"message": "Invalid OAuth access token.", "code": 190}})),
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

fn escape_non_ascii(text: &str) -> String {
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
