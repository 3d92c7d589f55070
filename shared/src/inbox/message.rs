//! Messages as agents read them: text, attachments, locations, e-mails and
//! quoted replies, with their delivery state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use super::{Activity, Feeling};
use crate::errors::ErrorCode;

string_enum!(
    MessageKind {
        Incoming => "incoming",
        Outgoing => "outgoing",
        Note => "note",
        Activity => "activity",
    }
);

string_enum!(
    ContentType {
        Text => "text",
        Image => "image",
        Audio => "audio",
        Video => "video",
        File => "file",
        Location => "location",
    }
);

string_enum!(
    DeliveryStatus {
        Pending => "pending",
        Sent => "sent",
        Delivered => "delivered",
        Read => "read",
        Failed => "failed",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Where the browser fetches it (agents; the widget has its own URLs).
    pub url: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub conversation_id: i64,
    pub kind: MessageKind,
    pub content_type: ContentType,
    /// Empty for a deleted message unless the viewer may see deleted ones.
    pub body: String,
    pub attachment: Option<AttachmentView>,
    pub location: Option<Location>,
    pub activity: Option<Activity>,
    pub sender_id: Option<Uuid>,
    pub sender_name: Option<String>,
    pub mentions: Vec<Uuid>,
    pub delivery_status: Option<DeliveryStatus>,
    pub delivery_error: Option<String>,
    pub client_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted: bool,
    /// The message this one answers (a quoted reply).
    #[serde(default)]
    pub quoted: Option<QuotedMessage>,
    /// How a customer's message reads to the AI (incoming text only).
    #[serde(default)]
    pub sentiment: Option<Feeling>,
    /// What an e-mail carries besides its text.
    #[serde(default)]
    pub email: Option<EmailContent>,
    /// A flow menu's options, for the channels that show them as buttons
    /// (the body has them numbered). Never sent to browsers: agents read
    /// the numbered text.
    #[serde(skip)]
    pub menu_options: Vec<String>,
}

/// The subject of an agent's e-mail reply: the conversation's, as a reply
/// (the composer shows it; the outgoing mail carries it).
pub fn email_reply_subject(subject: Option<&str>, conversation_number: i64) -> String {
    match subject.map(str::trim).filter(|s| !s.is_empty()) {
        Some(subject) if subject.to_lowercase().starts_with("re:") => subject.to_string(),
        Some(subject) => format!("Re: {subject}"),
        None => format!("#{conversation_number}"),
    }
}

/// An e-mail message's subject, its HTML (sanitized on arrival: safe to
/// show as markup) and the quoted history under it, collapsed by default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmailContent {
    pub subject: String,
    #[serde(default)]
    pub html: Option<String>,
    #[serde(default)]
    pub quoted: Option<String>,
}

/// What a quoted reply shows of the message it answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuotedMessage {
    pub id: i64,
    pub kind: MessageKind,
    /// The agent who wrote it; `None` for the customer's.
    pub sender_name: Option<String>,
    /// Its first characters (empty once it is deleted).
    pub excerpt: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessagePage {
    /// Oldest first.
    pub messages: Vec<MessageView>,
    /// Pass as `before` to load older messages.
    pub older_cursor: Option<i64>,
}
