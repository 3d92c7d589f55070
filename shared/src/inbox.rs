//! Conversations (tickets), messages, contacts and their settings, as the
//! browser and the REST API see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use crate::errors::ErrorCode;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        // JSON says what `as_str` says ("last_30_days", "starttls").
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = ErrorCode;
            fn from_str(s: &str) -> Result<Self, ErrorCode> {
                match s { $($text => Ok($name::$variant),)+ _ => Err(ErrorCode::OptionInvalid) }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::text_column!($name);
    };
}
pub(crate) use string_enum;

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

string_enum!(
    ChannelKind {
        Website => "website",
        WhatsappCloud => "whatsapp_cloud",
        TwilioWhatsapp => "twilio_whatsapp",
        Zapi => "zapi",
        Messenger => "messenger",
        Instagram => "instagram",
        Api => "api",
        Email => "email",
    }
);

string_enum!(
    AttributeKind {
        Text => "text",
        Number => "number",
        Date => "date",
        Boolean => "boolean",
        List => "list",
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

string_enum!(
    InboxTab {
        Mine => "mine",
        Unassigned => "unassigned",
        All => "all",
    }
);

string_enum!(
    InboxSort {
        LastActivity => "last_activity",
        Waiting => "waiting",
        SlaDue => "sla_due",
    }
);

/// What the conversation list shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InboxFilter {
    pub tab: InboxTab,
    /// `None`: the active statuses (minus snoozed conversations); with a
    /// search term, every status.
    pub status: Option<ConversationStatus>,
    pub all_statuses: bool,
    /// Only snoozed conversations.
    pub snoozed: bool,
    pub department_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub tag: Option<String>,
    pub priority: Option<Priority>,
    /// Searches contact name/phone/e-mail and message text.
    pub q: Option<String>,
    pub sort: InboxSort,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
    /// Only this contact's conversations.
    pub contact_id: Option<i64>,
    /// Only the conversations assigned to this agent (the status board's
    /// "open conversations").
    pub assignee_id: Option<Uuid>,
    /// Only SLA-breached ones, or those breaching soon.
    pub sla: Option<crate::sla::SlaFilter>,
}

impl InboxFilter {
    /// The one rule for which conversations a filter shows, by status:
    /// `Some(statuses)` to include, and whether snoozed ones are wanted
    /// (`Some(true)` only them, `Some(false)` none, `None` either).
    pub fn status_rule(&self) -> (Vec<ConversationStatus>, Option<bool>) {
        let searching = self.q.as_deref().is_some_and(|q| !q.trim().is_empty());
        match (self.status, self.all_statuses, self.snoozed) {
            (_, _, true) => (vec![ConversationStatus::Waiting], Some(true)),
            (Some(status), _, false) => (vec![status], None),
            (None, true, false) => (ConversationStatus::ALL.to_vec(), None),
            (None, false, false) if searching => (ConversationStatus::ALL.to_vec(), None),
            (None, false, false) => (ConversationStatus::ACTIVE.to_vec(), Some(false)),
        }
    }

    /// Whether a conversation passes the filter's status rule.
    pub fn status_allows(&self, c: &ConversationSummary) -> bool {
        let (statuses, snoozed) = self.status_rule();
        statuses.contains(&c.status) && snoozed.is_none_or(|wanted| wanted == c.is_snoozed())
    }

    pub fn for_contact(self, contact_id: i64) -> Self {
        Self {
            contact_id: Some(contact_id),
            ..self
        }
    }
}

impl Default for InboxFilter {
    fn default() -> Self {
        Self {
            tab: InboxTab::All,
            status: None,
            all_statuses: false,
            snoozed: false,
            department_id: None,
            channel_id: None,
            tag: None,
            priority: None,
            q: None,
            sort: InboxSort::LastActivity,
            cursor: None,
            limit: None,
            contact_id: None,
            assignee_id: None,
            sla: None,
        }
    }
}

/// How many active conversations each inbox tab and view holds, and how
/// many of them have messages the agent has not read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxCounts {
    pub mine: i64,
    pub unassigned: i64,
    pub all: i64,
    /// Unread in "all" (the browser tab's title).
    pub unread: i64,
    #[serde(default)]
    pub unread_mine: i64,
    #[serde(default)]
    pub unread_unassigned: i64,
    /// By department, connection, status and tag (only views with
    /// conversations in them).
    #[serde(default)]
    pub views: Vec<ViewCount>,
}

string_enum!(
    /// What an inbox view groups by.
    ViewKind {
        Department => "department",
        Channel => "channel",
        Status => "status",
        Tag => "tag",
    }
);

/// One inbox view: `key` is the department's or connection's id, the
/// status or the tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewCount {
    pub kind: ViewKind,
    pub key: String,
    pub total: i64,
    pub unread: i64,
}

impl InboxCounts {
    pub fn view(&self, kind: ViewKind, key: &str) -> Option<&ViewCount> {
        self.views.iter().find(|v| v.kind == kind && v.key == key)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationPage {
    pub conversations: Vec<ConversationSummary>,
    pub next_cursor: Option<String>,
}

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

pub use crate::departments::Department;

/// A department as the inbox offers it (filters, transfers): the settings
/// stay on the Departments page, out of the first download.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DepartmentOption {
    pub id: i64,
    pub name: String,
}

string_enum!(
    /// What an agent says about themselves. Without a live connection an
    /// agent is offline whatever they chose.
    Availability {
        Online => "online",
        Away => "away",
        Offline => "offline",
    }
);

// Not derived: `string_enum!` variants take no attributes, so no `#[default]`.
#[allow(clippy::derivable_impls)]
impl Default for Availability {
    fn default() -> Self {
        Availability::Online
    }
}

/// Someone a conversation can be assigned to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentOption {
    pub user_id: Uuid,
    pub name: String,
    /// Has a live connection.
    pub online: bool,
    #[serde(default)]
    pub availability: Availability,
    pub department_ids: Vec<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebsiteSettings {
    /// Origins (`https://www.example.com`) allowed to embed the widget.
    pub allowed_origins: Vec<String>,
    pub greeting: String,
    /// `#rrggbb`.
    pub color: String,
    /// Ask the visitor's name and e-mail before the first message.
    pub prechat_form: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelView {
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    pub public_token: String,
    pub website: WebsiteSettings,
    pub default_department_id: Option<i64>,
    /// What its customers are spoken to in when their own language is
    /// unknown; `None`: the account's.
    #[serde(default)]
    pub language: Option<crate::Locale>,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuickReply {
    pub id: i64,
    pub shortcut: String,
    pub content: String,
    /// `false` for an agent's own reply.
    pub shared: bool,
}

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

/// Everything needed to open a conversation, in one round trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenedConversation {
    pub summary: ConversationSummary,
    pub messages: MessagePage,
    pub contact: ContactDetails,
}

/// What the inbox needs besides the list: departments, channels, agents,
/// tags and quick replies for pickers and filters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxContext {
    pub departments: Vec<DepartmentOption>,
    pub channels: Vec<ChannelView>,
    pub agents: Vec<AgentOption>,
    pub tags: Vec<String>,
    pub quick_replies: Vec<QuickReply>,
    pub attachment_limit_mb: u32,
    /// What agents pick from at wrap-up.
    #[serde(default)]
    pub categories: crate::categories::CategorySetup,
    /// The account surveys customers on resolution and this user may
    /// resolve without it.
    #[serde(default)]
    pub survey_skippable: bool,
}

/// Everything that changed since a moment: what a browser fetches after a
/// dropped connection so nothing stays stale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub conversations: Vec<ConversationSummary>,
    pub messages: Vec<MessageView>,
    /// Where to continue from: the next call's `since`.
    pub server_time: DateTime<Utc>,
    /// More changed conversations than one answer holds: call again with
    /// `since = server_time` and `after = next_after` until this is false.
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub next_after: Option<i64>,
}

/// Fills `{{contact.name}}`-style variables of a quick reply. A variable
/// with no value (an anonymous visitor's name) or an unknown one disappears
/// cleanly, taking the space before it along when punctuation or the end
/// follows ("Olá {{contact.name}}!" → "Olá!"), and a leading one its comma
/// ("{{contact.name}}, tudo bem?" → "tudo bem?").
pub fn render_template(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let key = rest[start + 2..start + len].trim();
        rest = &rest[start + len + 2..];
        let value = vars
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.trim())
            .unwrap_or_default();
        if !value.is_empty() {
            out.push_str(value);
            continue;
        }
        let next = rest.chars().next();
        let punctuation_or_end = next.is_none_or(|c| ",.!?;:)".contains(c));
        if out.ends_with(' ') && (punctuation_or_end || next == Some(' ')) {
            out.pop();
        } else if out.trim().is_empty() {
            // At the start: drop the separator that followed the variable.
            rest = rest.trim_start_matches([',', ';', ':']).trim_start();
        }
    }
    out.push_str(rest);
    out
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

    #[test]
    fn templates_fill_known_variables() {
        let text = render_template(
            "Olá {{contact.name}}, sou {{ agent.name }}.",
            &[("contact.name", "Maria"), ("agent.name", "Alice")],
        );
        assert_eq!(text, "Olá Maria, sou Alice.");
    }

    #[test]
    fn variables_without_a_value_disappear_cleanly() {
        let vars = [("contact.name", ""), ("agent.name", "Alice")];
        let cases = [
            (
                "Olá {{contact.name}}! Sou {{agent.name}}.",
                "Olá! Sou Alice.",
            ),
            ("Olá {{contact.name}}, tudo bem?", "Olá, tudo bem?"),
            ("{{contact.name}}, tudo bem?", "tudo bem?"),
            ("Oi {{contact.name}} tudo bem", "Oi tudo bem"),
            ("Obrigado {{contact.name}}", "Obrigado"),
            ("Código {{unknown.thing}}.", "Código."),
            ("Sem fim {{", "Sem fim {{"),
        ];
        for (template, expected) in cases {
            assert_eq!(render_template(template, &vars), expected, "{template}");
        }
    }
}
