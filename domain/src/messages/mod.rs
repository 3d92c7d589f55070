//! Messages in a conversation's timeline: reading them, agents sending replies
//! and internal notes, customers' incoming messages, deletion and delivery.
//!
//! This module holds what they share (the query, the row, previews and
//! file names); `read`, `send`, `incoming` and `delete` the operations.

use chrono::{DateTime, Utc};
use shared::inbox::{
    Activity, AttachmentView, ContentType, DeliveryStatus, Location, MessageKind, MessageView,
    QuotedMessage,
};
use uuid::Uuid;

mod delete;
mod incoming;
mod read;
mod send;

pub use delete::delete;
pub(crate) use incoming::{advance_delivery, insert_echo, insert_incoming, Incoming};
pub use read::*;
pub use send::*;

pub const PAGE_SIZE: i64 = 50;
pub const MAX_BODY_CHARS: usize = 20_000;

const MESSAGE_SELECT: &str = "
    SELECT m.id, m.conversation_id, m.kind, m.content_type, m.body, m.location, m.activity,
           m.sender_user_id, u.name AS sender_name, m.mentions, m.delivery_status, m.delivery_error,
           m.client_id, m.created_at, m.updated_at, m.deleted_at,
           a.id AS attachment_id, a.file_name, a.content_type AS attachment_type, a.size_bytes,
           q.id AS quoted_id, q.kind AS quoted_kind, qu.name AS quoted_sender,
           left(q.body, 140) AS quoted_body, q.deleted_at IS NOT NULL AS quoted_deleted, m.email,
           m.menu_options, m.sentiment
      FROM messages m
      LEFT JOIN users u ON u.id = m.sender_user_id
      LEFT JOIN attachments a ON a.id = m.attachment_id
      LEFT JOIN messages q ON q.id = m.reply_to_id
      LEFT JOIN users qu ON qu.id = q.sender_user_id";

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    id: i64,
    conversation_id: i64,
    kind: MessageKind,
    content_type: ContentType,
    body: String,
    location: Option<serde_json::Value>,
    activity: Option<serde_json::Value>,
    sender_user_id: Option<Uuid>,
    sender_name: Option<String>,
    mentions: Vec<Uuid>,
    delivery_status: Option<DeliveryStatus>,
    delivery_error: Option<String>,
    client_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    attachment_id: Option<i64>,
    file_name: Option<String>,
    attachment_type: Option<String>,
    size_bytes: Option<i64>,
    quoted_id: Option<i64>,
    quoted_kind: Option<MessageKind>,
    quoted_sender: Option<String>,
    quoted_body: Option<String>,
    quoted_deleted: Option<bool>,
    email: Option<serde_json::Value>,
    menu_options: Vec<String>,
    sentiment: Option<f32>,
}

impl MessageRow {
    /// `show_deleted`: whether the viewer may read deleted messages.
    pub(crate) fn into_view(self, show_deleted: bool) -> MessageView {
        let deleted = self.deleted_at.is_some();
        let hide = deleted && !show_deleted;
        let attachment = match (
            self.attachment_id,
            self.file_name,
            self.attachment_type,
            self.size_bytes,
        ) {
            (Some(id), Some(file_name), Some(content_type), Some(size_bytes)) if !hide => {
                Some(AttachmentView {
                    id,
                    url: format!("/attachments/{id}/{}", url_segment(&file_name)),
                    file_name,
                    content_type,
                    size_bytes,
                })
            }
            _ => None,
        };
        let quoted = match (self.quoted_id, self.quoted_kind) {
            (Some(id), Some(kind)) if !hide => {
                // Live frames are built once for every viewer: a deleted
                // message's text never travels inside another's quote.
                let hidden = self.quoted_deleted == Some(true);
                Some(QuotedMessage {
                    id,
                    kind,
                    sender_name: self.quoted_sender,
                    excerpt: if hidden {
                        String::new()
                    } else {
                        self.quoted_body.unwrap_or_default()
                    },
                })
            }
            _ => None,
        };
        MessageView {
            id: self.id,
            conversation_id: self.conversation_id,
            kind: self.kind,
            content_type: self.content_type,
            body: if hide { String::new() } else { self.body },
            attachment,
            location: self
                .location
                .and_then(|l| serde_json::from_value::<Location>(l).ok()),
            activity: self
                .activity
                .and_then(|a| serde_json::from_value::<Activity>(a).ok()),
            sender_id: self.sender_user_id,
            sender_name: self.sender_name,
            mentions: self.mentions,
            delivery_status: self.delivery_status,
            delivery_error: self.delivery_error,
            client_id: self.client_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted,
            quoted,
            email: self
                .email
                .filter(|_| !hide)
                .and_then(|e| serde_json::from_value(e).ok()),
            menu_options: if hide { Vec::new() } else { self.menu_options },
            sentiment: self
                .sentiment
                .filter(|_| !hide)
                .map(crate::ai::sentiment::feeling_of),
        }
    }
}

/// A file name made safe for a URL path segment.
pub fn url_segment(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The text shown under a conversation in the list.
pub fn preview(body: &str, content_type: ContentType, file_name: Option<&str>) -> String {
    let text: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.is_empty() {
        return text.chars().take(140).collect();
    }
    match (content_type, file_name) {
        (ContentType::Location, _) => "📍".into(),
        (ContentType::Image, _) => "🖼 ".to_string() + file_name.unwrap_or_default(),
        (ContentType::Audio, _) => "🎤 ".to_string() + file_name.unwrap_or_default(),
        (ContentType::Video, _) => "🎬 ".to_string() + file_name.unwrap_or_default(),
        (_, Some(name)) => format!("📎 {name}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_one_line_and_describe_files() {
        assert_eq!(
            preview("Olá,\n  tudo bem?", ContentType::Text, None),
            "Olá, tudo bem?"
        );
        assert_eq!(
            preview("", ContentType::Image, Some("foto.png")),
            "🖼 foto.png"
        );
        assert_eq!(
            preview("", ContentType::File, Some("nota.pdf")),
            "📎 nota.pdf"
        );
        assert_eq!(
            preview(&"a".repeat(500), ContentType::Text, None)
                .chars()
                .count(),
            140
        );
    }

    #[test]
    fn url_segments_are_safe() {
        assert_eq!(
            url_segment("relatório final (1).pdf"),
            "relat_rio_final__1_.pdf"
        );
        assert_eq!(url_segment("../../etc/passwd"), ".._.._etc_passwd");
    }
}
