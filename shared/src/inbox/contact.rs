//! The customer behind a conversation, as the contact panel shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use super::ConversationSummary;
use crate::errors::ErrorCode;

string_enum!(
    AttributeKind {
        Text => "text",
        Number => "number",
        Date => "date",
        Boolean => "boolean",
        List => "list",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactView {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub tags: Vec<String>,
    pub is_lead: bool,
    pub created_at: DateTime<Utc>,
    /// The agent whose customer this is (the customer wallet).
    #[serde(default)]
    pub owner_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactNote {
    pub id: i64,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttributeDefinition {
    pub id: i64,
    pub key: String,
    pub label: String,
    pub kind: AttributeKind,
    pub options: Vec<String>,
}

/// Where a website visitor last wrote from, for the agent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VisitorContext {
    /// The page the chat was opened on.
    pub page: Option<String>,
    /// "Chrome · Android", from the browser's user agent.
    pub browser: Option<String>,
    pub language: Option<String>,
    /// The visitor's IANA time zone, e.g. `America/Recife`.
    pub time_zone: Option<String>,
}

impl VisitorContext {
    pub fn is_empty(&self) -> bool {
        self.page.is_none()
            && self.browser.is_none()
            && self.language.is_none()
            && self.time_zone.is_none()
    }
}

/// The contact panel: the contact, its notes, the account's attribute
/// definitions and the contact's other conversations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactDetails {
    pub contact: ContactView,
    pub notes: Vec<ContactNote>,
    pub attributes: Vec<AttributeDefinition>,
    pub conversations: Vec<ConversationSummary>,
    /// For website visitors: where they last wrote from.
    #[serde(default)]
    pub visitor: Option<VisitorContext>,
}
