//! What the notification bell lists.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::errors::ErrorCode;

string_enum!(
    NotificationKind {
        Mention => "mention",
        Transfer => "transfer",
        SlaBreach => "sla_breach",
        FlowHandoff => "flow_handoff",
        LowScore => "low_score",
        ConnectionDown => "connection_down",
        AiProviderFailing => "ai_provider_failing",
        // A rule's "notify managers" or "create alert", about a conversation.
        RuleAlert => "rule_alert",
        // A rule failed again and again and was switched off.
        RuleDisabled => "rule_disabled",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    #[serde(default = "default_notification_kind")]
    pub kind: NotificationKind,
    pub conversation_number: Option<i64>,
    pub actor_name: Option<String>,
    pub excerpt: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

impl Notification {
    /// Where opening it leads: its conversation, or what an admin alert is
    /// about (the connections, the AI providers).
    pub fn href(&self) -> String {
        match (self.kind, self.conversation_number) {
            (NotificationKind::ConnectionDown, _) => "/settings/connections".into(),
            (NotificationKind::AiProviderFailing, _) => "/settings/productivity".into(),
            (NotificationKind::RuleDisabled, _) => "/rules".into(),
            (_, Some(number)) => format!("/inbox/{number}"),
            (_, None) => "/inbox".into(),
        }
    }
}

fn default_notification_kind() -> NotificationKind {
    NotificationKind::Mention
}
