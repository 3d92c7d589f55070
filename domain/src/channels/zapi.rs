//! WhatsApp through Z-API (an unofficial gateway paired by QR code). Z-API
//! signs nothing: its webhook URL carries a per-connection random secret,
//! and the body's `instanceId` must be the connection's.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use shared::inbox::{ContentType, DeliveryStatus};

use super::provider::{
    array, follow_with_text, network_error, text_at, InboundItem, InboundMessage, MediaKind,
    MediaRef, OutgoingFile, SendError, StatusUpdate,
};
use super::whatsapp_cloud::canonical_wa_id;

pub const DEFAULT_API_BASE_URL: &str = "https://api.z-api.io";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub instance_id: String,
    pub api_base_url: String,
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Secrets {
    pub token: String,
    pub client_token: String,
    /// Ours, generated: the last segment of the webhook URL.
    pub webhook_secret: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(***)")
    }
}

/// Whether a webhook body belongs to this instance (checked after the URL
/// secret, before the body is stored).
pub fn belongs_to(settings: &Settings, raw_body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(raw_body)
        .ok()
        .and_then(|body| {
            body.get("instanceId")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .is_some_and(|id| !settings.instance_id.is_empty() && id == settings.instance_id)
}

/// A Z-API callback: a message (the customer's, or one sent from the
/// business's phone), a status report, or the session going up or down.
/// Group messages are left in the stored event: group conversations are
/// not part of the inbox yet, and must not land in the sender's own chat.
pub fn parse(raw_body: &[u8]) -> anyhow::Result<Vec<InboundItem>> {
    let body: Value = serde_json::from_slice(raw_body)
        .map_err(|err| anyhow::anyhow!("webhook body is not JSON: {err}"))?;
    let item = match text_at(&body, "/type").unwrap_or_default() {
        "ReceivedCallback" => {
            if body.get("isGroup").and_then(Value::as_bool) == Some(true) {
                return Ok(vec![]);
            }
            message(&body).map(InboundItem::Message)
        }
        "MessageStatusCallback" => {
            let status = match text_at(&body, "/status").unwrap_or_default() {
                "SENT" => DeliveryStatus::Sent,
                "RECEIVED" => DeliveryStatus::Delivered,
                "READ" | "READ_BY_ME" | "PLAYED" => DeliveryStatus::Read,
                _ => return Ok(vec![]),
            };
            return Ok(array(&body, "ids")
                .filter_map(Value::as_str)
                .map(|id| {
                    InboundItem::Status(StatusUpdate {
                        external_id: id.to_string(),
                        status,
                        error: None,
                    })
                })
                .collect());
        }
        "DisconnectedCallback" => Some(InboundItem::Health {
            connected: false,
            detail: Some(
                text_at(&body, "/error")
                    .unwrap_or("the WhatsApp session was disconnected")
                    .to_string(),
            ),
        }),
        "ConnectedCallback" => Some(InboundItem::Health {
            connected: true,
            detail: None,
        }),
        _ => None,
    };
    Ok(item.into_iter().collect())
}

fn message(body: &Value) -> Option<InboundMessage> {
    let external_id = text_at(body, "/messageId")?.to_string();
    let from = canonical_wa_id(text_at(body, "/phone")?);
    let caption = |pointer: &str| text_at(body, pointer).unwrap_or_default().to_string();
    let (content_type, text) = if let Some(text) = text_at(body, "/text/message") {
        (ContentType::Text, text.to_string())
    } else if body.get("image").is_some() {
        (ContentType::Image, caption("/image/caption"))
    } else if body.get("video").is_some() {
        (ContentType::Video, caption("/video/caption"))
    } else if body.get("audio").is_some() {
        (ContentType::Audio, String::new())
    } else if body.get("document").is_some() {
        (ContentType::File, caption("/document/fileName"))
    } else if let Some(reply) = text_at(body, "/buttonsResponseMessage/message")
        .or_else(|| text_at(body, "/listResponseMessage/message"))
    {
        (ContentType::Text, reply.to_string())
    } else if body.get("location").is_some() {
        let at = |key: &str| {
            body.pointer(&format!("/location/{key}"))
                .and_then(Value::as_f64)
                .unwrap_or_default()
        };
        (
            ContentType::Location,
            format!(
                "https://maps.google.com/?q={},{}",
                at("latitude"),
                at("longitude")
            ),
        )
    } else {
        (ContentType::Text, "[?]".to_string())
    };
    let from_me = body.get("fromMe").and_then(Value::as_bool) == Some(true);
    let media = [
        "image/imageUrl",
        "video/videoUrl",
        "audio/audioUrl",
        "document/documentUrl",
    ]
    .iter()
    .find_map(|path| {
        let (kind, key) = path.split_once('/')?;
        Some(MediaRef {
            url: Some(text_at(body, &format!("/{kind}/{key}"))?.to_string()),
            file_name: text_at(body, &format!("/{kind}/fileName")).map(str::to_string),
            mime_type: text_at(body, &format!("/{kind}/mimeType")).map(str::to_string),
            media_id: None,
            email_part: None,
        })
    });
    Some(InboundMessage {
        external_id,
        phone: Some(format!("+{from}")),
        profile_name: if from_me {
            None
        } else {
            text_at(body, "/senderName")
                .or_else(|| text_at(body, "/chatName"))
                .map(str::to_string)
        },
        from,
        body: text,
        content_type,
        from_me,
        media,
        quoted_id: text_at(body, "/referenceMessageId").map(str::to_string),
        email: None,
    })
}

fn instance_url(settings: &Settings, secrets: &Secrets, path: &str) -> String {
    let base = settings.api_base_url.trim_end_matches('/');
    let base = if base.is_empty() {
        DEFAULT_API_BASE_URL
    } else {
        base
    };
    format!(
        "{base}/instances/{}/token/{}/{path}",
        settings.instance_id, secrets.token
    )
}

async fn call(request: reqwest::RequestBuilder, secrets: &Secrets) -> Result<Value, SendError> {
    let response = request
        .header("Client-Token", &secrets.client_token)
        .send()
        .await
        .map_err(network_error)?;
    let status = response.status().as_u16();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(answer);
    }
    let text = format!(
        "{status}: {}",
        text_at(&answer, "/error")
            .or_else(|| text_at(&answer, "/message"))
            .unwrap_or("no details")
    );
    Err(match status {
        401 | 403 => SendError::Unauthorized(text),
        429 | 500.. => SendError::Retry(text),
        // Z-API answers a disconnected session with 400 "You are not connected."
        _ if text.contains("not connected") => SendError::Unauthorized(text),
        _ => SendError::Permanent(text),
    })
}

pub async fn send_text(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    body: &str,
    quoted: Option<&str>,
) -> Result<String, SendError> {
    let request = client
        .post(instance_url(settings, secrets, "send-text"))
        .json(&quoting(json!({ "phone": to, "message": body }), quoted));
    message_id(call(request, secrets).await?)
}

/// Z-API answers a message when given its id.
fn quoting(mut request: Value, quoted: Option<&str>) -> Value {
    if let Some(id) = quoted {
        request["messageId"] = json!(id);
    }
    request
}

/// Sends a file by its public link, with the text as its caption (an
/// audio's text follows as a message of its own).
pub async fn send_file(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    body: &str,
    file: &OutgoingFile,
    quoted: Option<&str>,
) -> Result<String, SendError> {
    let (path, request) = file_request(to, body, file);
    let request = client
        .post(instance_url(settings, secrets, &path))
        .json(&quoting(request, quoted));
    let id = message_id(call(request, secrets).await?)?;
    if file.kind() == MediaKind::Audio && !body.trim().is_empty() {
        follow_with_text(send_text(client, settings, secrets, to, body, None).await);
    }
    Ok(id)
}

/// Z-API's endpoint per kind (`send-document/{extension}`) and its body.
fn file_request(to: &str, body: &str, file: &OutgoingFile) -> (String, Value) {
    let caption = body.trim();
    match file.kind() {
        MediaKind::Image => (
            "send-image".into(),
            json!({ "phone": to, "image": file.url, "caption": caption }),
        ),
        MediaKind::Video => (
            "send-video".into(),
            json!({ "phone": to, "video": file.url, "caption": caption }),
        ),
        MediaKind::Audio => (
            "send-audio".into(),
            json!({ "phone": to, "audio": file.url }),
        ),
        MediaKind::Document => {
            let extension = file
                .file_name
                .rsplit_once('.')
                .map(|(_, ext)| ext.to_ascii_lowercase())
                .filter(|ext| !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric()))
                .unwrap_or_else(|| "bin".into());
            (
                format!("send-document/{extension}"),
                json!({ "phone": to, "document": file.url, "fileName": file.file_name, "caption": caption }),
            )
        }
    }
}

fn message_id(answer: Value) -> Result<String, SendError> {
    text_at(&answer, "/messageId")
        .or_else(|| text_at(&answer, "/id"))
        .map(str::to_string)
        .ok_or_else(|| SendError::Retry("the answer carried no message id".into()))
}

/// The session's state: connected, or why not.
pub async fn test_connection(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
) -> Result<String, SendError> {
    let answer = call(
        client.get(instance_url(settings, secrets, "status")),
        secrets,
    )
    .await?;
    if answer.get("connected").and_then(Value::as_bool) == Some(true) {
        Ok("connected".to_string())
    } else {
        Err(SendError::Unauthorized(
            text_at(&answer, "/error")
                .unwrap_or("the WhatsApp session is not connected")
                .to_string(),
        ))
    }
}

/// The QR code to pair the number with: an image as a data URL, renewed by
/// WhatsApp every ~20 s; none once too many went unread (until a restart).
pub async fn qr_code(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
) -> Result<Option<String>, SendError> {
    let answer = call(
        client.get(instance_url(settings, secrets, "qr-code/image")),
        secrets,
    )
    .await?;
    // Only an image goes into the page; anything else (no code, an error)
    // means Z-API offers none now.
    Ok(text_at(&answer, "/value")
        .filter(|value| value.starts_with("data:image/"))
        .map(str::to_string))
}

pub async fn phone_code(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    phone: &str,
) -> Result<String, SendError> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let answer = call(
        client.get(instance_url(
            settings,
            secrets,
            &format!("phone-code/{digits}"),
        )),
        secrets,
    )
    .await?;
    text_at(&answer, "/code")
        .map(str::to_string)
        .ok_or_else(|| SendError::Permanent("no code in the answer".into()))
}

/// `disconnect` or `restart` the session.
pub async fn session_action(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    action: &str,
) -> Result<(), SendError> {
    call(client.get(instance_url(settings, secrets, action)), secrets)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_phone_echoes_groups_statuses_and_sessions() {
        let customer = json!({"type": "ReceivedCallback", "instanceId": "I1", "messageId": "3EB0A",
            "phone": "551187654321", "fromMe": false, "isGroup": false, "senderName": "Júlia",
            "text": {"message": "Oi"}});
        let items = parse(customer.to_string().as_bytes()).unwrap();
        let InboundItem::Message(m) = &items[0] else {
            panic!()
        };
        assert_eq!((m.from.as_str(), m.from_me), ("5511987654321", false));
        assert_eq!(m.profile_name.as_deref(), Some("Júlia"));

        let echo = json!({"type": "ReceivedCallback", "instanceId": "I1", "messageId": "3EB0B",
            "phone": "5511987654321", "fromMe": true, "isGroup": false, "senderName": "Loja",
            "text": {"message": "Respondi pelo celular"}});
        let InboundItem::Message(m) = &parse(echo.to_string().as_bytes()).unwrap()[0] else {
            panic!()
        };
        assert!(
            m.from_me && m.profile_name.is_none(),
            "never the customer's, never renames them"
        );

        let group = json!({"type": "ReceivedCallback", "instanceId": "I1", "messageId": "3EB0C",
            "phone": "120363019502650977-group", "isGroup": true, "text": {"message": "oi grupo"}});
        assert!(parse(group.to_string().as_bytes()).unwrap().is_empty());

        let read = json!({"type": "MessageStatusCallback", "instanceId": "I1", "status": "READ", "ids": ["A", "B"]});
        assert_eq!(parse(read.to_string().as_bytes()).unwrap().len(), 2);

        let down = json!({"type": "DisconnectedCallback", "instanceId": "I1", "error": "Device has been disconnected"});
        assert_eq!(
            parse(down.to_string().as_bytes()).unwrap(),
            vec![InboundItem::Health {
                connected: false,
                detail: Some("Device has been disconnected".into())
            }]
        );
    }

    #[test]
    fn bodies_must_name_the_connections_instance() {
        let settings = Settings {
            instance_id: "I1".into(),
            ..Default::default()
        };
        assert!(belongs_to(&settings, br#"{"instanceId": "I1"}"#));
        assert!(!belongs_to(&settings, br#"{"instanceId": "I2"}"#));
        assert!(!belongs_to(&settings, b"{}"));
        assert!(!belongs_to(&Settings::default(), br#"{"instanceId": ""}"#));
    }
}
