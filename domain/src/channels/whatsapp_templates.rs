//! WhatsApp message templates on the wire: reading a business account's
//! templates from the Graph API, Meta's status-update webhook, and sending
//! a template with its placeholders filled.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use shared::connections::{TemplateCategory, TemplateStatus};

use super::meta::{graph_error, GRAPH_VERSION};
use super::provider::{
    array, network_error, text_at, InboundItem, SendError, TemplateStatusUpdate,
};
use super::whatsapp_cloud::{base_url, post_message, Secrets, Settings};

/// Templates read per page (Meta allows up to 100 here).
const PAGE_SIZE: u32 = 100;
/// A business account has at most 250 templates (6,000 with a verified
/// business); past this many pages something is wrong.
const MAX_PAGES: usize = 60;

/// A template as Meta lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteTemplate {
    pub external_id: String,
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    pub status: TemplateStatus,
    /// The BODY component's text.
    pub body: String,
    pub reason: Option<String>,
}

/// What the outbound worker sends: the template and its values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateSend {
    pub name: String,
    pub language: String,
    pub parameters: Vec<TemplateParameter>,
}

/// One placeholder's value; `name` is the placeholder (`1`, `order_id`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateParameter {
    pub name: String,
    pub text: String,
}

/// Every template of the business account, following Meta's paging cursor.
pub async fn fetch_all(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
) -> Result<Vec<RemoteTemplate>, SendError> {
    let mut templates = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url = format!(
            "{}/{GRAPH_VERSION}/{}/message_templates?fields=id,name,language,status,category,components,rejected_reason&limit={PAGE_SIZE}",
            base_url(settings),
            settings.waba_id
        );
        if let Some(cursor) = &after {
            url.push_str("&after=");
            url.push_str(&urlencoding(cursor));
        }
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
        templates.extend(array(&answer, "data").filter_map(remote_template));
        // Meta gives a `next` link only while more pages exist.
        match (
            text_at(&answer, "/paging/next"),
            text_at(&answer, "/paging/cursors/after"),
        ) {
            (Some(_), Some(cursor)) => after = Some(cursor.to_string()),
            _ => return Ok(templates),
        }
    }
    Ok(templates)
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn remote_template(item: &Value) -> Option<RemoteTemplate> {
    let category = match text_at(item, "/category")?.to_ascii_uppercase().as_str() {
        "MARKETING" => TemplateCategory::Marketing,
        "AUTHENTICATION" => TemplateCategory::Authentication,
        _ => TemplateCategory::Utility,
    };
    let body = array(item, "components")
        .find(|c| text_at(c, "/type").is_some_and(|t| t.eq_ignore_ascii_case("BODY")))
        .and_then(|c| text_at(c, "/text"))
        .unwrap_or_default()
        .to_string();
    Some(RemoteTemplate {
        external_id: match item.get("id")? {
            Value::String(id) => id.clone(),
            other => other.to_string(),
        },
        name: text_at(item, "/name")?.to_string(),
        language: text_at(item, "/language")?.to_string(),
        category,
        status: TemplateStatus::from_meta(text_at(item, "/status").unwrap_or_default()),
        body,
        reason: meaningful_reason(text_at(item, "/rejected_reason")),
    })
}

/// Meta says `NONE` when there is no reason.
fn meaningful_reason(reason: Option<&str>) -> Option<String> {
    reason
        .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case("NONE"))
        .map(str::to_string)
}

/// The `value` of a `message_template_status_update` change.
pub(crate) fn status_update(value: &Value) -> Option<InboundItem> {
    Some(InboundItem::TemplateStatus(TemplateStatusUpdate {
        name: text_at(value, "/message_template_name")?.to_string(),
        language: text_at(value, "/message_template_language")?.to_string(),
        status: TemplateStatus::from_meta(text_at(value, "/event")?),
        reason: meaningful_reason(text_at(value, "/reason")),
    }))
}

/// Sends a template: positional placeholders (`{{1}}`) as ordered
/// parameters, named ones with their `parameter_name`.
pub async fn send(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    template: &TemplateSend,
    quoted: Option<&str>,
) -> Result<String, SendError> {
    post_message(client, settings, secrets, request(to, template), quoted).await
}

fn request(to: &str, template: &TemplateSend) -> Value {
    let mut body = json!({
        "name": template.name,
        "language": { "code": template.language },
    });
    if !template.parameters.is_empty() {
        let parameters: Vec<Value> = template
            .parameters
            .iter()
            .map(|p| {
                if p.name.chars().all(|c| c.is_ascii_digit()) {
                    json!({ "type": "text", "text": p.text })
                } else {
                    json!({ "type": "text", "parameter_name": p.name, "text": p.text })
                }
            })
            .collect();
        body["components"] = json!([{ "type": "body", "parameters": parameters }]);
    }
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_sent_in_metas_shape() {
        let template = TemplateSend {
            name: "pedido_enviado".into(),
            language: "pt_BR".into(),
            parameters: vec![TemplateParameter {
                name: "1".into(),
                text: "Ana".into(),
            }],
        };
        assert_eq!(
            request("5511987654321", &template),
            json!({
                "messaging_product": "whatsapp", "recipient_type": "individual",
                "to": "5511987654321", "type": "template",
                "template": {"name": "pedido_enviado", "language": {"code": "pt_BR"},
                             "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]}
            })
        );
        let named = TemplateSend {
            parameters: vec![TemplateParameter {
                name: "order_id".into(),
                text: "42".into(),
            }],
            ..template.clone()
        };
        assert_eq!(
            request("1", &named)["template"]["components"][0]["parameters"][0]["parameter_name"],
            "order_id"
        );
        let bare = TemplateSend {
            parameters: vec![],
            ..template
        };
        assert!(request("1", &bare)["template"].get("components").is_none());
    }

    #[test]
    fn status_updates_and_listings_are_read() {
        let update = json!({"event": "REJECTED", "message_template_id": 123,
                            "message_template_name": "promo", "message_template_language": "pt_BR",
                            "reason": "INVALID_FORMAT"});
        let Some(InboundItem::TemplateStatus(update)) = status_update(&update) else {
            panic!("not read")
        };
        assert_eq!(update.status, TemplateStatus::Rejected);
        assert_eq!(update.reason.as_deref(), Some("INVALID_FORMAT"));
        let listed = json!({"id": "9", "name": "promo", "language": "pt_BR", "status": "APPROVED",
                            "category": "MARKETING", "rejected_reason": "NONE",
                            "components": [{"type": "HEADER", "format": "TEXT", "text": "Oi"},
                                           {"type": "BODY", "text": "Olá {{1}}"}]});
        let template = remote_template(&listed).unwrap();
        assert_eq!(template.body, "Olá {{1}}");
        assert_eq!(template.category, TemplateCategory::Marketing);
        assert_eq!(template.reason, None);
    }
}
