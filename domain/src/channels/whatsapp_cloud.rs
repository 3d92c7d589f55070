//! WhatsApp Business Cloud API (Meta): the webhook payload and sending
//! through the Graph API (the handshake and signature are Meta's, in
//! [`super::meta`]).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use shared::inbox::{ContentType, DeliveryStatus};

use super::menus;
use super::meta::{self, graph_error, GRAPH_VERSION};
use super::provider::{
    array, follow_with_text, network_error, text_at, InboundItem, InboundMessage, MediaKind,
    MediaRef, OutgoingFile, SendError, StatusUpdate,
};
use super::whatsapp_templates;

/// What identifies the number (stored in clear).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub phone_number_id: String,
    pub waba_id: String,
    pub api_base_url: String,
    /// Sends per second through this number (Meta's default throughput is
    /// 80); empty means 80.
    #[serde(default)]
    pub messages_per_second: String,
}

/// Meta's default throughput for a number.
pub const DEFAULT_MESSAGES_PER_SECOND: u32 = 80;

/// What must stay secret (sealed at rest, never sent to a browser).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Secrets {
    pub access_token: String,
    pub app_secret: String,
    pub verify_token: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(***)")
    }
}

/// The phone digits WhatsApp calls a `wa_id`, made canonical: Brazilian
/// mobiles get their ninth digit, so a number seen with and without it is
/// one contact.
pub fn canonical_wa_id(wa_id: &str) -> String {
    let digits: String = wa_id.chars().filter(char::is_ascii_digit).collect();
    let is_br_mobile_without_nine = digits.len() == 12
        && digits.starts_with("55")
        && matches!(digits.as_bytes()[4], b'6'..=b'9');
    if is_br_mobile_without_nine {
        format!("{}9{}", &digits[..4], &digits[4..])
    } else {
        digits
    }
}

/// Every message and status in a webhook body, in order: all `entry[]`,
/// all `changes[]`, all `messages[]` and `statuses[]`.
pub fn parse(raw_body: &[u8]) -> anyhow::Result<Vec<InboundItem>> {
    let body: Value = serde_json::from_slice(raw_body)
        .map_err(|err| anyhow::anyhow!("webhook body is not JSON: {err}"))?;
    let mut items = Vec::new();
    for entry in array(&body, "entry") {
        for change in array(entry, "changes") {
            let value = &change["value"];
            match change.get("field").and_then(Value::as_str) {
                Some("messages") => {}
                Some("message_template_status_update") => {
                    items.extend(whatsapp_templates::status_update(value));
                    continue;
                }
                _ => continue,
            }
            let names: Vec<(String, String)> = array(value, "contacts")
                .filter_map(|c| {
                    Some((
                        canonical_wa_id(c.get("wa_id")?.as_str()?),
                        c.pointer("/profile/name")?.as_str()?.to_string(),
                    ))
                })
                .collect();
            for message in array(value, "messages") {
                if let Some(item) = inbound_message(message, &names) {
                    items.push(InboundItem::Message(item));
                }
            }
            for status in array(value, "statuses") {
                if let Some(item) = status_update(status) {
                    items.push(InboundItem::Status(item));
                }
            }
        }
    }
    Ok(items)
}

fn inbound_message(message: &Value, names: &[(String, String)]) -> Option<InboundMessage> {
    let external_id = text_at(message, "/id")?.to_string();
    let from = canonical_wa_id(text_at(message, "/from")?);
    if from.is_empty() {
        return None;
    }
    let kind = text_at(message, "/type").unwrap_or("unknown");
    let caption = |key: &str| {
        text_at(message, &format!("/{key}/caption"))
            .unwrap_or_default()
            .to_string()
    };
    let (content_type, body) = match kind {
        "text" => (
            ContentType::Text,
            text_at(message, "/text/body")?.to_string(),
        ),
        "image" | "sticker" => (ContentType::Image, caption(kind)),
        "video" => (ContentType::Video, caption(kind)),
        "audio" => (ContentType::Audio, String::new()),
        "document" => (
            ContentType::File,
            [
                text_at(message, "/document/filename").unwrap_or_default(),
                text_at(message, "/document/caption").unwrap_or_default(),
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" — "),
        ),
        "location" => (ContentType::Location, location_text(message)),
        // A tapped quick-reply button or list row is the customer's answer.
        "button" => (
            ContentType::Text,
            text_at(message, "/button/text")?.to_string(),
        ),
        "interactive" => (
            ContentType::Text,
            text_at(message, "/interactive/button_reply/title")
                .or_else(|| text_at(message, "/interactive/list_reply/title"))?
                .to_string(),
        ),
        "reaction" => (
            ContentType::Text,
            text_at(message, "/reaction/emoji")
                .unwrap_or_default()
                .to_string(),
        ),
        other => (ContentType::Text, format!("[{other}]")),
    };
    let media = ["image", "sticker", "video", "audio", "document"]
        .contains(&kind)
        .then(|| MediaRef {
            media_id: text_at(message, &format!("/{kind}/id")).map(str::to_string),
            url: None,
            file_name: text_at(message, &format!("/{kind}/filename")).map(str::to_string),
            mime_type: text_at(message, &format!("/{kind}/mime_type")).map(str::to_string),
            email_part: None,
        })
        .filter(|m| m.media_id.is_some());
    Some(InboundMessage {
        external_id,
        phone: Some(format!("+{from}")),
        profile_name: names
            .iter()
            .find(|(wa_id, _)| *wa_id == from)
            .map(|(_, name)| name.clone()),
        from,
        body,
        content_type,
        from_me: false,
        media,
        // Swiping a message to answer it.
        quoted_id: text_at(message, "/context/id").map(str::to_string),
        email: None,
    })
}

fn location_text(message: &Value) -> String {
    let coordinate = |key: &str| {
        message
            .pointer(&format!("/location/{key}"))
            .and_then(Value::as_f64)
            .unwrap_or_default()
    };
    let place = [
        text_at(message, "/location/name").unwrap_or_default(),
        text_at(message, "/location/address").unwrap_or_default(),
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(", ");
    let link = format!(
        "https://maps.google.com/?q={},{}",
        coordinate("latitude"),
        coordinate("longitude")
    );
    if place.is_empty() {
        link
    } else {
        format!("{place}\n{link}")
    }
}

fn status_update(status: &Value) -> Option<StatusUpdate> {
    let external_id = text_at(status, "/id")?.to_string();
    let status_value = match text_at(status, "/status")? {
        "sent" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "read" => DeliveryStatus::Read,
        "failed" => DeliveryStatus::Failed,
        _ => return None,
    };
    let error = array(status, "errors").next().map(|e| {
        let code = e.get("code").and_then(Value::as_i64).unwrap_or_default();
        let text = text_at(e, "/error_data/details")
            .or_else(|| text_at(e, "/message"))
            .or_else(|| text_at(e, "/title"))
            .unwrap_or("failed");
        format!("{code}: {text}")
    });
    Some(StatusUpdate {
        external_id,
        status: status_value,
        error,
    })
}

pub(crate) fn base_url(settings: &Settings) -> &str {
    meta::base_url(&settings.api_base_url)
}

/// Sends a text message; the provider's message id on success. `quoted`:
/// the message it answers (shown quoted on the customer's phone).
pub async fn send_text(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    body: &str,
    quoted: Option<&str>,
) -> Result<String, SendError> {
    let request = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": { "preview_url": false, "body": body },
    });
    post_message(client, settings, secrets, request, quoted).await
}

/// A flow's menu: reply buttons or a list (a tap comes back as an
/// `interactive` message with the option's title), or the numbered `body`
/// when the options do not fit either (see [`menus::whatsapp_menu`]).
pub async fn send_menu(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    body: &str,
    options: &[String],
) -> Result<String, SendError> {
    let question = menus::question_of(body, options);
    let rows = || {
        options
            .iter()
            .enumerate()
            .map(|(n, title)| ((n + 1).to_string(), title))
    };
    let interactive = match menus::whatsapp_menu(question, options) {
        menus::WhatsappMenu::Text => {
            return send_text(client, settings, secrets, to, body, None).await
        }
        menus::WhatsappMenu::Buttons => json!({
            "type": "button",
            "body": { "text": question },
            "action": { "buttons": rows()
                .map(|(id, title)| json!({ "type": "reply", "reply": { "id": id, "title": title } }))
                .collect::<Vec<_>>() },
        }),
        menus::WhatsappMenu::List => json!({
            "type": "list",
            "body": { "text": question },
            "action": {
                "button": "Opções",
                "sections": [{ "rows": rows()
                    .map(|(id, title)| json!({ "id": id, "title": title }))
                    .collect::<Vec<_>>() }],
            },
        }),
    };
    let request = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "interactive",
        "interactive": interactive,
    });
    post_message(client, settings, secrets, request, None).await
}

/// Sends a file by its link, with the text as its caption (audio takes no
/// caption: the text follows as a message of its own).
pub async fn send_file(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    body: &str,
    file: &OutgoingFile,
    quoted: Option<&str>,
) -> Result<String, SendError> {
    let kind = file.kind();
    let id = post_message(
        client,
        settings,
        secrets,
        file_request(to, body, file),
        quoted,
    )
    .await?;
    if kind == MediaKind::Audio && !body.trim().is_empty() {
        follow_with_text(send_text(client, settings, secrets, to, body, None).await);
    }
    Ok(id)
}

fn file_request(to: &str, body: &str, file: &OutgoingFile) -> Value {
    let caption = (!body.trim().is_empty()).then_some(body);
    let (kind, media) = match file.kind() {
        MediaKind::Image => ("image", json!({ "link": file.url, "caption": caption })),
        MediaKind::Video => ("video", json!({ "link": file.url, "caption": caption })),
        MediaKind::Audio => ("audio", json!({ "link": file.url })),
        MediaKind::Document => (
            "document",
            json!({ "link": file.url, "filename": file.file_name, "caption": caption }),
        ),
    };
    let mut media = media;
    if let Some(object) = media.as_object_mut() {
        object.retain(|_, v| !v.is_null());
    }
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: media,
    })
}

/// POSTs one message object to the number's `/messages` (quoting `quoted`
/// when set); Meta's message id.
pub(crate) async fn post_message(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    mut request: Value,
    quoted: Option<&str>,
) -> Result<String, SendError> {
    if let Some(message_id) = quoted {
        request["context"] = json!({ "message_id": message_id });
    }
    let url = format!(
        "{}/{GRAPH_VERSION}/{}/messages",
        base_url(settings),
        settings.phone_number_id
    );
    let response = client
        .post(url)
        .bearer_auth(&secrets.access_token)
        .json(&request)
        .send()
        .await
        .map_err(network_error)?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return text_at(&answer, "/messages/0/id")
            .map(str::to_string)
            .ok_or_else(|| SendError::Retry("the answer carried no message id".into()));
    }
    Err(graph_error(status.as_u16(), &answer))
}

/// Reads the number's profile: proves the token and the number id work.
pub async fn test_connection(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
) -> Result<String, SendError> {
    let url = format!(
        "{}/{GRAPH_VERSION}/{}?fields=display_phone_number,verified_name",
        base_url(settings),
        settings.phone_number_id
    );
    let response = client
        .get(url)
        .bearer_auth(&secrets.access_token)
        .send()
        .await
        .map_err(network_error)?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(graph_error(status.as_u16(), &answer));
    }
    Ok([
        text_at(&answer, "/verified_name").unwrap_or_default(),
        text_at(&answer, "/display_phone_number").unwrap_or_default(),
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_go_by_link_with_their_caption() {
        let photo = OutgoingFile {
            url: "https://ponte.example/media/1".into(),
            file_name: "foto.png".into(),
            content_type: "image/png".into(),
        };
        assert_eq!(
            file_request("5511987654321", "Segue a foto", &photo),
            json!({"messaging_product": "whatsapp", "recipient_type": "individual",
                   "to": "5511987654321", "type": "image",
                   "image": {"link": "https://ponte.example/media/1", "caption": "Segue a foto"}})
        );
        let pdf = OutgoingFile {
            content_type: "application/pdf".into(),
            file_name: "nota.pdf".into(),
            ..photo
        };
        assert_eq!(
            file_request("1", "", &pdf)["document"],
            json!({"link": "https://ponte.example/media/1", "filename": "nota.pdf"})
        );
    }

    #[test]
    fn brazilian_mobiles_get_their_ninth_digit() {
        assert_eq!(canonical_wa_id("551187654321"), "5511987654321");
        assert_eq!(canonical_wa_id("5511987654321"), "5511987654321");
        assert_eq!(canonical_wa_id("551133334444"), "551133334444", "landline");
        assert_eq!(canonical_wa_id("14155550100"), "14155550100");
    }

    #[test]
    fn every_item_of_a_batch_is_read() {
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "1", "changes": [{"field": "messages", "value": {
                    "contacts": [{"wa_id": "551187654321", "profile": {"name": "Ana"}}],
                    "messages": [
                        {"id": "wamid.1", "from": "551187654321", "type": "text", "text": {"body": "Oi"}},
                        {"id": "wamid.2", "from": "551187654321", "type": "interactive",
                         "interactive": {"type": "button_reply", "button_reply": {"id": "b1", "title": "Sim"}}}
                    ]}}]},
                {"id": "2", "changes": [{"field": "messages", "value": {
                    "statuses": [{"id": "wamid.9", "status": "failed", "recipient_id": "1",
                                  "errors": [{"code": 131047, "title": "Re-engagement message"}]}]}}]}
            ]
        });
        let items = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(items.len(), 3);
        let InboundItem::Message(first) = &items[0] else {
            panic!()
        };
        assert_eq!(first.from, "5511987654321");
        assert_eq!(first.phone.as_deref(), Some("+5511987654321"));
        assert_eq!(first.profile_name.as_deref(), Some("Ana"));
        assert_eq!(first.body, "Oi");
        let InboundItem::Message(second) = &items[1] else {
            panic!()
        };
        assert_eq!(second.body, "Sim");
        let InboundItem::Status(status) = &items[2] else {
            panic!()
        };
        assert_eq!(status.status, DeliveryStatus::Failed);
        assert_eq!(
            status.error.as_deref(),
            Some("131047: Re-engagement message")
        );
    }
}
