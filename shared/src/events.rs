//! The real-time protocol: JSON text frames on `/ws` (agents) and
//! `/widget/ws` (website visitors).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::inbox::{ConversationSummary, DeliveryStatus, MessageView, Notification};

/// Who is typing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "who", rename_all = "snake_case")]
pub enum Typist {
    Agent { user_id: Uuid, name: String },
    Contact,
}

/// Server → browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// First frame on a new connection; `at` is the resync point.
    Hello {
        at: DateTime<Utc>,
    },
    /// Who sees what changed (a grant, a department, a limit): lists are
    /// fetched again, since some of what they show may now be out of reach.
    AccessChanged,
    /// Sent every 25 s so clients notice a dead connection.
    Heartbeat {
        at: DateTime<Utc>,
    },
    ConversationChanged {
        conversation: ConversationSummary,
        at: DateTime<Utc>,
    },
    /// The conversation left this agent's view (e.g. transferred away).
    ConversationHidden {
        conversation_id: i64,
        at: DateTime<Utc>,
    },
    /// This agent read a conversation (in another tab or device).
    ConversationRead {
        conversation_id: i64,
        read_count: i32,
    },
    MessageCreated {
        message: MessageView,
        /// The conversation's new state when the message changed it (a
        /// customer's message, an agent's reply): one frame where there
        /// were two, the browser hands it on as a `ConversationChanged`
        /// right after the message. Absent otherwise, and for agents who
        /// may not see the conversation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation: Option<Box<ConversationSummary>>,
        at: DateTime<Utc>,
    },
    MessageUpdated {
        message: MessageView,
        at: DateTime<Utc>,
    },
    Typing {
        conversation_id: i64,
        typist: Typist,
        typing: bool,
    },
    Presence {
        user_id: Uuid,
        online: bool,
    },
    /// An agent said they are available, away or offline.
    AvailabilityChanged {
        user_id: Uuid,
        availability: crate::inbox::Availability,
    },
    Notification {
        notification: Notification,
    },
    /// An agent's status changed (sent to them and to those who watch the
    /// status board).
    AgentActivity {
        user_id: Uuid,
        status: crate::activity::AgentStatus,
        at: DateTime<Utc>,
    },
    /// The account's idleness rules changed.
    ActivitySettingsChanged {
        settings: crate::activity::ActivitySettings,
    },
    /// A connection went down or came back (sent to those who manage
    /// channels).
    ConnectionHealth {
        channel_id: i64,
        name: String,
        connected: bool,
        detail: Option<String>,
    },
    /// A report schedule was created, removed or run: refetch the list.
    ReportSchedulesChanged,
    /// One of this person's background report exports moved on.
    ReportExport {
        export: crate::reports::ReportExport,
    },
    /// The session or membership ended: reload to sign in again.
    SessionEnded,
    /// This person's role changed: refetch what they may see and do.
    SessionChanged,
}

/// Browser → server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    /// `note` typing is shown to agents only, never to the customer.
    Typing {
        conversation_id: i64,
        typing: bool,
        note: bool,
    },
    Ping,
}

/// Server → website widget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WidgetEvent {
    Hello {
        at: DateTime<Utc>,
    },
    Heartbeat {
        at: DateTime<Utc>,
    },
    Message {
        message: WidgetMessage,
    },
    MessageUpdated {
        message: WidgetMessage,
    },
    Typing {
        agent_name: String,
        typing: bool,
    },
    /// An agent read the conversation: the visitor's messages up to `at`
    /// are read.
    ReadByAgent {
        at: DateTime<Utc>,
    },
}

/// Widget → server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WidgetClientEvent {
    Typing {
        typing: bool,
    },
    /// The widget received agent messages up to this id.
    Delivered {
        up_to: i64,
    },
    /// The visitor has seen messages up to this id.
    Read {
        up_to: i64,
    },
    Ping,
}

/// Which way a message went, seen from the company.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the visitor.
    Incoming,
    /// From an agent.
    Outgoing,
}

/// A message as the website visitor sees it: no notes, no activity lines,
/// no internal ids beyond what the widget needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WidgetMessage {
    pub id: i64,
    pub direction: Direction,
    pub body: String,
    pub agent_name: Option<String>,
    pub attachment: Option<WidgetAttachment>,
    pub delivery_status: Option<DeliveryStatus>,
    pub created_at: DateTime<Utc>,
    /// A flow menu's options: buttons under the message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WidgetAttachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub url: String,
}
