//! Provider connections (WhatsApp numbers, …) as the settings page and the
//! REST API see them: secrets masked, health, and where webhooks go.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::str::FromStr;

use crate::errors::ErrorCode;
use crate::inbox::{string_enum, ChannelKind};

string_enum!(
    /// What the provider last said about our credentials.
    ConnectionHealth {
        Unknown => "unknown",
        Connected => "connected",
        Disconnected => "disconnected",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: ChannelKind,
    pub name: String,
    pub active: bool,
    pub health: ConnectionHealth,
    pub health_detail: Option<String>,
    /// Where the provider must post, after the public URL.
    pub webhook_path: String,
    /// The configuration, every secret replaced by a mask.
    pub config: Value,
    /// Where its new conversations go.
    #[serde(default)]
    pub default_department_id: Option<i64>,
    /// What its customers are spoken to in when their own language is
    /// unknown (`null`: the account's).
    #[serde(default)]
    pub language: Option<crate::Locale>,
    /// Webhook events that kept failing, parked for an admin to replay.
    #[serde(default)]
    pub parked_events: i64,
    /// Secrets Ponte generated (the API channel's token and signing
    /// secret): present only in the answer that created the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<Value>,
}

/// What "test connection" found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub ok: bool,
    /// The provider's answer: the number's name, or its error.
    pub detail: String,
}

/// One field of a connection's form: its config key, whether it is a
/// secret (masked, never shown again) and whether it must be filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigField {
    pub key: &'static str,
    pub secret: bool,
    pub required: bool,
    /// The values a field may take (a select); empty for free text.
    pub choices: &'static [&'static str],
}

const fn field(key: &'static str, secret: bool, required: bool) -> ConfigField {
    ConfigField {
        key,
        secret,
        required,
        choices: &[],
    }
}

/// How a mail connection is protected, first the default: TLS from the
/// first byte, STARTTLS, or plain text (only to this machine).
pub const MAIL_SECURITY_CHOICES: &[&str] = &["tls", "starttls", "none"];

const fn security(key: &'static str) -> ConfigField {
    ConfigField {
        key,
        secret: false,
        required: false,
        choices: MAIL_SECURITY_CHOICES,
    }
}

const WHATSAPP_CLOUD_FIELDS: &[ConfigField] = &[
    field("phone_number_id", false, true),
    field("waba_id", false, false),
    field("access_token", true, true),
    field("app_secret", true, true),
    field("verify_token", true, true),
    field("api_base_url", false, false),
    field("messages_per_second", false, false),
];
const TWILIO_FIELDS: &[ConfigField] = &[
    field("account_sid", false, true),
    field("auth_token", true, true),
    field("from", false, true),
    field("api_base_url", false, false),
];
const ZAPI_FIELDS: &[ConfigField] = &[
    field("instance_id", false, true),
    field("token", true, true),
    field("client_token", true, true),
    field("api_base_url", false, false),
];
const META_FIELDS: &[ConfigField] = &[
    field("page_id", false, true),
    field("page_access_token", true, true),
    field("app_secret", true, true),
    field("verify_token", true, true),
    field("api_base_url", false, false),
];
const API_FIELDS: &[ConfigField] = &[field("webhook_url", false, true)];
/// IMAP brings customers' mail in (left empty: only the inbound-parse
/// webhook does); SMTP takes replies out (left empty: the account's default
/// SMTP server from Settings → E-mail).
const EMAIL_FIELDS: &[ConfigField] = &[
    field("address", false, true),
    field("from_name", false, false),
    field("imap_host", false, false),
    field("imap_port", false, false),
    security("imap_security"),
    field("imap_username", false, false),
    field("imap_password", true, false),
    field("imap_folder", false, false),
    field("smtp_host", false, false),
    field("smtp_port", false, false),
    security("smtp_security"),
    field("smtp_username", false, false),
    field("smtp_password", true, false),
];

/// The connection types an admin can create, and their fields in order.
pub fn config_fields(kind: ChannelKind) -> &'static [ConfigField] {
    match kind {
        ChannelKind::WhatsappCloud => WHATSAPP_CLOUD_FIELDS,
        ChannelKind::TwilioWhatsapp => TWILIO_FIELDS,
        ChannelKind::Zapi => ZAPI_FIELDS,
        ChannelKind::Messenger | ChannelKind::Instagram => META_FIELDS,
        ChannelKind::Api => API_FIELDS,
        ChannelKind::Email => EMAIL_FIELDS,
        ChannelKind::Website => &[],
    }
}

/// Provider connection types, in the order the settings page offers them.
pub const PROVIDER_KINDS: &[ChannelKind] = &[
    ChannelKind::WhatsappCloud,
    ChannelKind::TwilioWhatsapp,
    ChannelKind::Zapi,
    ChannelKind::Messenger,
    ChannelKind::Instagram,
    ChannelKind::Email,
    ChannelKind::Api,
];

/// A webhook event that kept failing, as an admin inspects it before
/// replaying it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParkedEvent {
    pub id: i64,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// What the provider sent (its first `PARKED_BODY_SHOWN` bytes).
    pub body: String,
    pub truncated: bool,
}

/// How much of a parked event's body is shown.
pub const PARKED_BODY_SHOWN: usize = 4096;

/// Pairing a Z-API number, as the settings page asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairingAction {
    /// The session's state, and a fresh QR code while it is not connected.
    Status,
    /// A code to type on the phone instead of scanning.
    PhoneCode,
    Disconnect,
    Restart,
}

/// A Z-API number's WhatsApp session, as the pairing panel shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Connected,
    /// Not paired; a QR code (or a phone code) waits to be read.
    AwaitingScan,
    /// Z-API offers no QR code any more (too many went unread): restarting
    /// the session brings new ones.
    QrExpired,
    /// Not paired, or Z-API could not be asked.
    #[default]
    Disconnected,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::AwaitingScan => "awaiting_scan",
            Self::QrExpired => "qr_expired",
            Self::Disconnected => "disconnected",
        }
    }
}

/// How long WhatsApp honours one QR code; the panel fetches a fresh one
/// before then, and shows a code older than this as expired.
pub const QR_CODE_VALID_SECONDS: u32 = 20;

/// What Z-API said.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pairing {
    pub state: SessionState,
    /// A `data:image/png;base64,…` QR code while not connected.
    pub qr_code: Option<String>,
    pub phone_code: Option<String>,
    /// Z-API's words when something failed.
    pub detail: Option<String>,
}

string_enum!(
    /// What Meta calls a template's kind (it decides the price).
    TemplateCategory {
        Marketing => "marketing",
        Utility => "utility",
        Authentication => "authentication",
    }
);

string_enum!(
    /// Where a template stands with Meta: only approved ones can be sent.
    TemplateStatus {
        Approved => "approved",
        Pending => "pending",
        Rejected => "rejected",
        Paused => "paused",
        Disabled => "disabled",
    }
);

// `string_enum!` cannot mark a variant `#[default]`.
#[allow(clippy::derivable_impls)]
impl Default for TemplateCategory {
    fn default() -> Self {
        Self::Utility
    }
}

/// What "sync templates" did, or Meta's refusal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateSync {
    pub ok: bool,
    /// Meta's words when it refused.
    pub detail: String,
    /// Templates Meta listed, now stored.
    pub synced: usize,
    /// Synced templates Meta no longer lists, removed.
    pub removed: u64,
}

impl TemplateStatus {
    /// Meta's word for a status (`APPROVED`, `IN_APPEAL`, `FLAGGED`…) in
    /// ours; an unknown word means it cannot be sent.
    pub fn from_meta(word: &str) -> Self {
        match word.to_ascii_uppercase().as_str() {
            "APPROVED" | "REINSTATED" => Self::Approved,
            "PENDING" | "IN_APPEAL" => Self::Pending,
            "REJECTED" => Self::Rejected,
            "PAUSED" | "FLAGGED" => Self::Paused,
            _ => Self::Disabled,
        }
    }
}

/// A WhatsApp message template: the only thing a business may send once
/// the customer's 24-hour window has closed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageTemplate {
    pub id: i64,
    pub channel_id: i64,
    pub name: String,
    /// Meta's language code: `pt_BR`, `en_US`, `es`.
    pub language: String,
    pub category: TemplateCategory,
    pub status: TemplateStatus,
    /// The body's text with its placeholders: `Olá {{1}}` or `Olá {{nome}}`.
    pub body: String,
    /// Meta's reason when it rejected or paused the template.
    pub reason: Option<String>,
    /// Read from Meta (true) or typed in by an admin (false).
    pub synced: bool,
}

impl MessageTemplate {
    /// The placeholders to fill, in order of first appearance.
    pub fn variables(&self) -> Vec<String> {
        template_variables(&self.body)
    }
}

/// The distinct `{{…}}` placeholders of a template body, in the order their
/// values go: `{{1}}`, `{{2}}`… by number (wherever they stand in the text),
/// named ones like `{{order_id}}` by first appearance.
pub fn template_variables(body: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (_, _, name) in placeholders(body) {
        if !found.iter().any(|f| f == name) {
            found.push(name.to_string());
        }
    }
    if found.iter().all(|n| n.chars().all(|c| c.is_ascii_digit())) {
        found.sort_by_key(|n| n.parse::<u32>().unwrap_or(u32::MAX));
    }
    found
}

/// Every well-formed placeholder: where it starts and ends in the body, and
/// its name without spaces.
fn placeholders(body: &str) -> Vec<(usize, usize, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = body[from..].find("{{").map(|i| from + i) {
        let Some(close) = body[open + 2..].find("}}").map(|i| open + 2 + i) else {
            break;
        };
        let name = body[open + 2..close].trim();
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid {
            found.push((open, close + 2, name));
        }
        from = close + 2;
    }
    found
}

/// The text the customer will read: each placeholder replaced by its value
/// (values in the order of [`template_variables`]), in one pass, so a value
/// that looks like a placeholder stays as typed.
pub fn render_template(body: &str, values: &[String]) -> String {
    let names = template_variables(body);
    let mut text = String::with_capacity(body.len());
    let mut copied = 0;
    for (start, end, name) in placeholders(body) {
        let value = names
            .iter()
            .position(|n| n == name)
            .and_then(|i| values.get(i));
        if let Some(value) = value {
            text.push_str(&body[copied..start]);
            text.push_str(value);
            copied = end;
        }
    }
    text.push_str(&body[copied..]);
    text
}

#[cfg(test)]
mod template_tests {
    use super::*;

    #[test]
    fn placeholders_are_found_in_order_and_filled() {
        let body = "Olá {{1}}, seu pedido {{2}} saiu. Obrigado, {{1}}!";
        assert_eq!(template_variables(body), vec!["1", "2"]);
        assert_eq!(
            render_template(body, &["Ana".into(), "#42".into()]),
            "Olá Ana, seu pedido #42 saiu. Obrigado, Ana!"
        );
        assert_eq!(
            template_variables("Hi {{ name }} {{order_id}} {{}} {{x-y}}"),
            vec!["name", "order_id"]
        );
        assert!(template_variables("no placeholders {{ here").is_empty());
        let swapped = "Pedido {{2}} de {{1}}";
        assert_eq!(template_variables(swapped), vec!["1", "2"]);
        assert_eq!(
            render_template(swapped, &["Ana".into(), "#7".into()]),
            "Pedido #7 de Ana"
        );
        assert_eq!(
            render_template("Oi {{ nome }}! {{2}}", &["{{2}}".into()]),
            "Oi {{2}}! {{2}}",
            "spaces inside braces, and a value that looks like a placeholder"
        );
    }

    #[test]
    fn meta_statuses_map_to_ours() {
        assert_eq!(
            TemplateStatus::from_meta("APPROVED"),
            TemplateStatus::Approved
        );
        assert_eq!(
            TemplateStatus::from_meta("IN_APPEAL"),
            TemplateStatus::Pending
        );
        assert_eq!(TemplateStatus::from_meta("FLAGGED"), TemplateStatus::Paused);
        assert_eq!(
            TemplateStatus::from_meta("PENDING_DELETION"),
            TemplateStatus::Disabled
        );
    }
}
