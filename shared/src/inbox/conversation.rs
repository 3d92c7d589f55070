//! A conversation (ticket) as lists and the open conversation show it: its
//! status and priority, the activity lines it records, the AI's reviews and
//! suggestions about it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use super::{ChannelKind, MessageKind};
use crate::errors::ErrorCode;

string_enum!(
    /// Where a ticket stands.
    ConversationStatus {
        Open => "open",
        InProgress => "in_progress",
        Waiting => "waiting",
        Resolved => "resolved",
        Cancelled => "cancelled",
        Bot => "bot",
    }
);

impl ConversationStatus {
    /// Statuses that still need someone: shown by default in the inbox.
    pub const ACTIVE: [ConversationStatus; 4] = [
        ConversationStatus::Open,
        ConversationStatus::InProgress,
        ConversationStatus::Waiting,
        ConversationStatus::Bot,
    ];

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ConversationStatus::Resolved | ConversationStatus::Cancelled
        )
    }

    /// Whether an agent may move a ticket from `self` to `next`.
    pub fn can_change_to(self, next: ConversationStatus) -> bool {
        use ConversationStatus::*;
        if self == next {
            return false;
        }
        match (self, next) {
            // Only a flow sets `bot`.
            (_, Bot) => false,
            (Resolved | Cancelled, Open | InProgress) => true,
            (Resolved | Cancelled, _) => false,
            (Open | InProgress | Waiting | Bot, _) => true,
        }
    }
}

string_enum!(
    #[derive(PartialOrd, Ord)]
    Priority {
        Low => "low",
        Normal => "normal",
        High => "high",
        Urgent => "urgent",
    }
);

/// What an activity line records. Stored as JSON in `messages.activity`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Activity {
    Created,
    StatusChanged {
        from: ConversationStatus,
        to: ConversationStatus,
        by: String,
    },
    Snoozed {
        until: DateTime<Utc>,
        by: String,
    },
    SnoozeEnded {
        to: ConversationStatus,
    },
    Reopened {
        by: Option<String>,
    },
    Assigned {
        to: Option<String>,
        by: String,
    },
    /// An SLA clock ran out.
    SlaBreached {
        target: crate::sla::SlaTarget,
    },
    /// Distribution gave it to an agent ("assigned to Ana by round-robin").
    Routed {
        to: String,
        reason: crate::departments::RoutingReason,
    },
    Transferred {
        to_agent: Option<String>,
        to_department: Option<String>,
        note: Option<String>,
        by: String,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
        by: String,
    },
    CriticalChanged {
        critical: bool,
        by: String,
    },
    TagsChanged {
        added: Vec<String>,
        removed: Vec<String>,
        by: String,
    },
    /// The AI scored the resolution under the account's threshold and
    /// marked the conversation critical.
    LowQualityScore {
        score: f32,
        threshold: f32,
    },
}

/// One row of the conversation list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: i64,
    pub number: i64,
    pub status: ConversationStatus,
    pub priority: Priority,
    pub critical: bool,
    pub tags: Vec<String>,
    pub contact_id: i64,
    pub contact_name: String,
    pub channel_id: i64,
    pub channel_name: String,
    pub channel_kind: ChannelKind,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    pub last_message_preview: String,
    pub last_message_kind: Option<MessageKind>,
    pub last_activity_at: DateTime<Utc>,
    pub waiting_since: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Incoming messages so far.
    pub incoming_count: i32,
    /// How many of those the asking agent has read; `None` in broadcast
    /// events (each browser keeps its own count).
    pub read_count: Option<i32>,
    /// In search results: the newest message that matches the term.
    #[serde(default)]
    pub search_hit: Option<SearchHit>,
    /// An e-mail conversation's subject (from its first mail).
    #[serde(default)]
    pub subject: Option<String>,
    /// Its SLA clocks (none without a policy), whether one ran out, and
    /// whether they are stopped (waiting on the customer).
    #[serde(default)]
    pub sla_first_response_due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sla_resolution_due_at: Option<DateTime<Utc>>,
    /// While the customer waits for an answer after the first one.
    #[serde(default)]
    pub sla_next_response_due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sla_breached: bool,
    #[serde(default)]
    pub sla_paused: bool,
    /// How the customer feels lately, by their messages (the AI's reading;
    /// none before they write). Sent (REST, events) but not read back: the
    /// browser's side panel asks for it, so the first download stays small.
    #[serde(default, skip_deserializing)]
    pub ai_sentiment: Option<Feeling>,
    /// The AI's review of the latest resolution: a quality score 0–10, why,
    /// and a summary (none before the first resolution). Not read back by
    /// the browser either: the side panel asks for them.
    #[serde(default, skip_deserializing)]
    pub ai_score: Option<f32>,
    #[serde(default, skip_deserializing)]
    pub ai_justification: Option<String>,
    #[serde(default, skip_deserializing)]
    pub ai_summary: Option<String>,
    /// The customer's answer to the satisfaction survey of the latest rated
    /// resolution (0–10), and their comment. Not read back by the browser.
    #[serde(default, skip_deserializing)]
    pub csat: Option<u8>,
    #[serde(default, skip_deserializing)]
    pub csat_comment: Option<String>,
}

string_enum!(
    /// Where one resolution's satisfaction survey stands: waiting for the
    /// rating, rated (a comment may follow), done, let go (no rating after a
    /// second ask), or never sent (the channel could not carry it).
    SurveyState {
        Asked => "asked",
        Commenting => "commenting",
        Answered => "answered",
        Ignored => "ignored",
        Unsent => "unsent",
    }
);

/// What the customer answered to the satisfaction survey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerRating {
    /// 0–10.
    pub score: u8,
    pub comment: Option<String>,
}

/// The AI's review of a conversation's latest resolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityReview {
    /// 0–10, one decimal.
    pub score: f32,
    /// The account's threshold: under it, managers were alerted.
    pub threshold: f32,
    pub justification: String,
    pub summary: Option<String>,
}

string_enum!(
    /// Where a suggested reply comes from.
    SuggestionSource {
        QuickReply => "quick_reply",
        PastAnswer => "past_answer",
        Knowledge => "knowledge",
    }
);

/// A reply the AI suggests for the customer's latest messages: inserted
/// into the composer when the agent clicks it, never sent by itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplySuggestion {
    /// Ready to send: the quick reply's variables filled in, a past
    /// answer's customer name changed to this customer's.
    pub text: String,
    pub source: SuggestionSource,
    /// The quick reply's shortcut (quick replies only).
    pub shortcut: Option<String>,
    /// How close the customer's words are to what it answers, 0–1.
    pub score: f32,
}

string_enum!(
    /// How a text or a customer feels, as people would sort it.
    Feeling {
        Negative => "negative",
        Neutral => "neutral",
        Positive => "positive",
    }
);

/// A message that matched a search, to show and jump to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub message_id: i64,
    /// The text around the match (at most ~140 characters).
    pub excerpt: String,
}

impl ConversationSummary {
    /// Snoozed: waiting until a moment, out of the active list until then.
    pub fn is_snoozed(&self) -> bool {
        self.status == ConversationStatus::Waiting && self.snoozed_until.is_some()
    }
}

impl ConversationSummary {
    pub fn unread(&self, read_count: i32) -> i32 {
        (self.incoming_count - read_count).max(0)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationPage {
    pub conversations: Vec<ConversationSummary>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_tickets_can_only_be_reopened() {
        use ConversationStatus::*;
        assert!(Resolved.can_change_to(Open));
        assert!(!Resolved.can_change_to(Waiting));
        assert!(!Cancelled.can_change_to(Resolved));
        assert!(Open.can_change_to(Resolved));
        assert!(InProgress.can_change_to(Waiting));
        assert!(!Open.can_change_to(Open));
        assert!(!Open.can_change_to(Bot));
    }

    #[test]
    fn enums_round_trip_through_their_names() {
        for status in ConversationStatus::ALL {
            assert_eq!(
                status.as_str().parse::<ConversationStatus>().unwrap(),
                *status
            );
        }
        assert_eq!("urgent".parse::<Priority>().unwrap(), Priority::Urgent);
        assert!("nope".parse::<Priority>().is_err());
    }

    #[test]
    fn activity_serialises_with_a_type_tag() {
        let activity = Activity::StatusChanged {
            from: ConversationStatus::Open,
            to: ConversationStatus::Resolved,
            by: "Ana".into(),
        };
        let json = serde_json::to_value(&activity).unwrap();
        assert_eq!(json["type"], "status_changed");
        assert_eq!(json["to"], "resolved");
        assert_eq!(serde_json::from_value::<Activity>(json).unwrap(), activity);
    }
}
