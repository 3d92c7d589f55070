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
}

const fn field(key: &'static str, secret: bool, required: bool) -> ConfigField {
    ConfigField {
        key,
        secret,
        required,
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

/// The connection types an admin can create, and their fields in order.
pub fn config_fields(kind: ChannelKind) -> &'static [ConfigField] {
    match kind {
        ChannelKind::WhatsappCloud => WHATSAPP_CLOUD_FIELDS,
        ChannelKind::TwilioWhatsapp => TWILIO_FIELDS,
        ChannelKind::Zapi => ZAPI_FIELDS,
        ChannelKind::Messenger | ChannelKind::Instagram => META_FIELDS,
        ChannelKind::Api => API_FIELDS,
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
    ChannelKind::Api,
];

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

/// What Z-API said.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pairing {
    pub connected: bool,
    /// A `data:image/png;base64,…` QR code while not connected.
    pub qr_code: Option<String>,
    pub phone_code: Option<String>,
    /// Z-API's words when something failed.
    pub detail: Option<String>,
}
