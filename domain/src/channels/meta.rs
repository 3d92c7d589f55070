//! Meta's platform, shared by WhatsApp Cloud API, Messenger and Instagram:
//! the subscription handshake, `X-Hub-Signature-256`, Graph API errors —
//! and the Messenger / Instagram Direct adapter itself.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;
use shared::inbox::{ContentType, DeliveryStatus};

use super::menus;
use super::provider::{
    array, follow_with_text, network_error, text_at, InboundItem, InboundMessage, MediaKind,
    MediaRef, OutgoingFile, SendError, StatusUpdate,
};

pub const DEFAULT_API_BASE_URL: &str = "https://graph.facebook.com";
pub const GRAPH_VERSION: &str = "v21.0";

/// The configured base URL, or Meta's.
pub fn base_url(configured: &str) -> &str {
    let base = configured.trim_end_matches('/');
    if base.is_empty() {
        DEFAULT_API_BASE_URL
    } else {
        base
    }
}

/// Meta's subscription handshake: the challenge back only for our token.
pub fn handshake<'a>(
    expected_token: &str,
    mode: Option<&str>,
    verify_token: Option<&str>,
    challenge: Option<&'a str>,
) -> Option<&'a str> {
    let token_matches = verify_token.is_some_and(|token| {
        !expected_token.is_empty()
            && crate::secrets::constant_time_eq(token.as_bytes(), expected_token.as_bytes())
    });
    (mode == Some("subscribe") && token_matches)
        .then_some(challenge)
        .flatten()
}

/// `X-Hub-Signature-256: sha256=<hex>` over the raw body, keyed by the app
/// secret, compared in constant time.
pub fn signature_is_valid(app_secret: &str, raw_body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_signature) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Some(signature) = decode_hex(hex_signature) else {
        return false;
    };
    if app_secret.is_empty() {
        return false;
    }
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(raw_body);
    mac.verify_slice(&signature).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Classifies a Graph API error answer.
pub fn graph_error(http_status: u16, answer: &Value) -> SendError {
    let code = answer
        .pointer("/error/code")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let message = text_at(answer, "/error/message").unwrap_or("no details");
    let text = format!("{code}: {message}");
    // 190: token expired or revoked; 10 / 200: permission missing (10 with
    // subcode 2018278 is Messenger's closed 24-hour window: permanent).
    let subcode = answer
        .pointer("/error/error_subcode")
        .and_then(Value::as_i64);
    if http_status == 401 || code == 190 || (matches!(code, 10 | 200) && subcode.is_none()) {
        return SendError::Unauthorized(text);
    }
    // Throughput and rate limits, and Meta's own trouble.
    if http_status >= 500
        || http_status == 429
        || matches!(code, 4 | 32 | 613 | 80007 | 130429 | 131056 | 131000)
    {
        return SendError::Retry(text);
    }
    SendError::Permanent(text)
}

/// A Facebook Page (Messenger) or the Instagram account linked to it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub page_id: String,
    pub api_base_url: String,
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Secrets {
    pub page_access_token: String,
    pub app_secret: String,
    pub verify_token: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(***)")
    }
}

/// Every message, postback, delivery and read in a Messenger or Instagram
/// webhook body. The page's own echoes are skipped: what we send is stored
/// when we send it.
pub fn parse(raw_body: &[u8]) -> anyhow::Result<Vec<InboundItem>> {
    let body: Value = serde_json::from_slice(raw_body)
        .map_err(|err| anyhow::anyhow!("webhook body is not JSON: {err}"))?;
    let mut items = Vec::new();
    for entry in array(&body, "entry") {
        for event in array(entry, "messaging") {
            let Some(sender) = text_at(event, "/sender/id") else {
                continue;
            };
            if let Some(message) = event.get("message") {
                if message.get("is_echo").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                items.extend(
                    message_items(sender, message)
                        .into_iter()
                        .map(InboundItem::Message),
                );
            } else if let Some(postback) = event.get("postback") {
                let id = text_at(postback, "/mid")
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("postback:{sender}:{}", event["timestamp"]));
                items.push(InboundItem::Message(InboundMessage {
                    external_id: id,
                    from: sender.to_string(),
                    phone: None,
                    profile_name: None,
                    body: text_at(postback, "/title").unwrap_or_default().to_string(),
                    content_type: ContentType::Text,
                    from_me: false,
                    media: None,
                    quoted_id: None,
                    email: None,
                }));
            } else if let Some(delivery) = event.get("delivery") {
                for mid in array(delivery, "mids").filter_map(Value::as_str) {
                    items.push(InboundItem::Status(StatusUpdate {
                        external_id: mid.to_string(),
                        status: DeliveryStatus::Delivered,
                        error: None,
                    }));
                }
            } else if let Some(read) = event.get("read") {
                if let Some(mid) = text_at(read, "/mid") {
                    items.push(InboundItem::Status(StatusUpdate {
                        external_id: mid.to_string(),
                        status: DeliveryStatus::Read,
                        error: None,
                    }));
                } else if let Some(watermark) = read.get("watermark").and_then(Value::as_i64) {
                    items.push(InboundItem::ReadUpTo {
                        from: sender.to_string(),
                        watermark_ms: watermark,
                    });
                }
            }
        }
    }
    Ok(items)
}

/// A message, or one per attachment when it carries several.
fn message_items(sender: &str, message: &Value) -> Vec<InboundMessage> {
    let Some(mid) = text_at(message, "/mid") else {
        return Vec::new();
    };
    let text = InboundMessage {
        external_id: mid.to_string(),
        from: sender.to_string(),
        phone: None,
        profile_name: None,
        body: text_at(message, "/text").unwrap_or_default().to_string(),
        content_type: ContentType::Text,
        from_me: false,
        media: None,
        // A reply to one of the page's messages.
        quoted_id: text_at(message, "/reply_to/mid").map(str::to_string),
        email: None,
    };
    let files = array(message, "attachments")
        .filter_map(attached_file)
        .collect();
    text.one_per_file(files)
}

/// A file Meta hosts for us; stickers, locations and shares carry none.
fn attached_file(attachment: &Value) -> Option<(ContentType, MediaRef)> {
    let content_type = match text_at(attachment, "/type")? {
        "image" => ContentType::Image,
        "video" => ContentType::Video,
        "audio" => ContentType::Audio,
        "file" => ContentType::File,
        _ => return None,
    };
    let url = text_at(attachment, "/payload/url")?;
    let media = MediaRef {
        url: Some(url.to_string()),
        ..Default::default()
    };
    Some((content_type, media))
}

/// Replies to a customer inside Meta's 24-hour window.
pub async fn send_text(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    body: &str,
) -> Result<String, SendError> {
    post_message(client, settings, secrets, to, json!({ "text": body })).await
}

/// A flow's menu as quick replies (a tap comes back as a message with the
/// option's title), or the numbered `body` when they do not fit.
pub async fn send_menu(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    body: &str,
    options: &[String],
) -> Result<String, SendError> {
    if !menus::fits_quick_replies(options) {
        return send_text(client, settings, secrets, to, body).await;
    }
    let quick_replies: Vec<Value> = options
        .iter()
        .enumerate()
        .map(|(n, title)| json!({ "content_type": "text", "title": title, "payload": (n + 1).to_string() }))
        .collect();
    let message = json!({
        "text": menus::question_of(body, options),
        "quick_replies": quick_replies,
    });
    post_message(client, settings, secrets, to, message).await
}

/// Sends a file by its public link; Meta's attachments carry no text, so a
/// text follows as a message of its own.
pub async fn send_file(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    body: &str,
    file: &OutgoingFile,
) -> Result<String, SendError> {
    let kind = match file.kind() {
        MediaKind::Image => "image",
        MediaKind::Video => "video",
        MediaKind::Audio => "audio",
        MediaKind::Document => "file",
    };
    let message = json!({
        "attachment": { "type": kind, "payload": { "url": file.url, "is_reusable": false } },
    });
    let id = post_message(client, settings, secrets, to, message).await?;
    if !body.trim().is_empty() {
        follow_with_text(send_text(client, settings, secrets, to, body).await);
    }
    Ok(id)
}

async fn post_message(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    message: Value,
) -> Result<String, SendError> {
    let url = format!(
        "{}/{GRAPH_VERSION}/{}/messages",
        base_url(&settings.api_base_url),
        settings.page_id
    );
    let request = json!({
        "recipient": { "id": to },
        "messaging_type": "RESPONSE",
        "message": message,
    });
    let response = client
        .post(url)
        .bearer_auth(&secrets.page_access_token)
        .json(&request)
        .send()
        .await
        .map_err(network_error)?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return text_at(&answer, "/message_id")
            .map(str::to_string)
            .ok_or_else(|| SendError::Retry("the answer carried no message id".into()));
    }
    Err(graph_error(status.as_u16(), &answer))
}

/// Reads the page's name: proves the token and the page id work.
pub async fn test_connection(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
) -> Result<String, SendError> {
    let url = format!(
        "{}/{GRAPH_VERSION}/{}?fields=name",
        base_url(&settings.api_base_url),
        settings.page_id
    );
    let response = client
        .get(url)
        .bearer_auth(&secrets.page_access_token)
        .send()
        .await
        .map_err(network_error)?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(graph_error(status.as_u16(), &answer));
    }
    Ok(text_at(&answer, "/name").unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        format!(
            "sha256={}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    }

    #[test]
    fn signatures_are_checked_on_the_raw_bytes() {
        // Meta signs the bytes it sends, with non-ASCII escaped: the same
        // JSON re-serialized (unescaped) must not verify.
        let raw = br#"{"text":"Ol\u00e1"}"#;
        let header = sign("s3cret", raw);
        assert!(signature_is_valid("s3cret", raw, Some(&header)));
        let reserialized =
            serde_json::to_vec(&serde_json::from_slice::<Value>(raw).unwrap()).unwrap();
        assert_ne!(reserialized, raw.to_vec());
        assert!(!signature_is_valid("s3cret", &reserialized, Some(&header)));
        assert!(!signature_is_valid("other", raw, Some(&header)));
        assert!(!signature_is_valid("s3cret", raw, None));
        assert!(!signature_is_valid("s3cret", raw, Some("sha256=zz")));
        assert!(
            !signature_is_valid("", raw, Some(&sign("", raw))),
            "no secret, no trust"
        );
    }

    #[test]
    fn the_handshake_needs_subscribe_and_our_token() {
        assert_eq!(
            handshake("tok", Some("subscribe"), Some("tok"), Some("42")),
            Some("42")
        );
        assert_eq!(
            handshake("tok", Some("subscribe"), Some("bad"), Some("42")),
            None
        );
        assert_eq!(
            handshake("tok", Some("other"), Some("tok"), Some("42")),
            None
        );
        assert_eq!(handshake("", Some("subscribe"), Some(""), Some("42")), None);
    }

    #[test]
    fn graph_errors_are_classified() {
        let err =
            |status, code| graph_error(status, &json!({"error": {"code": code, "message": "m"}}));
        assert!(matches!(err(400, 130429), SendError::Retry(_)));
        assert!(matches!(err(500, 1), SendError::Retry(_)));
        assert!(matches!(err(401, 190), SendError::Unauthorized(_)));
        assert!(matches!(err(400, 131026), SendError::Permanent(_)));
        let window = graph_error(
            400,
            &json!({"error": {"code": 10, "error_subcode": 2018278, "message": "outside the window"}}),
        );
        assert!(matches!(window, SendError::Permanent(_)));
    }

    #[test]
    fn messenger_batches_carry_messages_postbacks_deliveries_and_reads() {
        let body = json!({"object": "page", "entry": [{"id": "P", "messaging": [
            {"sender": {"id": "U1"}, "recipient": {"id": "P"}, "timestamp": 1, "message": {"mid": "m_1", "text": "Oi"}},
            {"sender": {"id": "P"}, "recipient": {"id": "U1"}, "timestamp": 2, "message": {"mid": "m_echo", "text": "eco", "is_echo": true}},
            {"sender": {"id": "U1"}, "recipient": {"id": "P"}, "timestamp": 3, "postback": {"mid": "m_2", "title": "Quero comprar", "payload": "BUY"}},
            {"sender": {"id": "U1"}, "recipient": {"id": "P"}, "timestamp": 4, "delivery": {"mids": ["m_out"], "watermark": 4}},
            {"sender": {"id": "U1"}, "recipient": {"id": "P"}, "timestamp": 5, "read": {"watermark": 1700000000000_i64}}
        ]}]});
        let items = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(items.len(), 4, "the echo is skipped");
        let InboundItem::Message(postback) = &items[1] else {
            panic!()
        };
        assert_eq!(postback.body, "Quero comprar");
        assert_eq!(
            items[3],
            InboundItem::ReadUpTo {
                from: "U1".into(),
                watermark_ms: 1_700_000_000_000
            }
        );
    }

    #[test]
    fn every_attached_file_becomes_a_message_of_its_own() {
        let body = json!({"object": "instagram", "entry": [{"id": "IG", "messaging": [
            {"sender": {"id": "U1"}, "recipient": {"id": "IG"}, "timestamp": 1, "message": {"mid": "m_1", "text": "Fotos", "attachments": [
                {"type": "image", "payload": {"url": "https://lookaside.fbsbx.com/a.jpg"}},
                {"type": "file", "payload": {"url": "https://lookaside.fbsbx.com/b.pdf"}},
                {"type": "fallback", "payload": {"title": "a shared post"}}]}}
        ]}]});
        let items = parse(body.to_string().as_bytes()).unwrap();
        let messages: Vec<_> = items
            .iter()
            .map(|item| match item {
                InboundItem::Message(m) => (
                    m.external_id.as_str(),
                    m.body.as_str(),
                    m.content_type,
                    m.media.as_ref().and_then(|media| media.url.as_deref()),
                ),
                _ => panic!("{item:?}"),
            })
            .collect();
        assert_eq!(
            messages,
            vec![
                (
                    "m_1",
                    "Fotos",
                    ContentType::Image,
                    Some("https://lookaside.fbsbx.com/a.jpg")
                ),
                (
                    "m_1/1",
                    "",
                    ContentType::File,
                    Some("https://lookaside.fbsbx.com/b.pdf")
                ),
            ]
        );
    }
}
