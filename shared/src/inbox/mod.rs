//! Conversations (tickets), messages, contacts and their settings, as the
//! browser and the REST API see them: one module per concept (`conversation`,
//! `message`, `contact`, `notification`), all re-exported here. This module
//! keeps what the inbox screen itself asks for (filters, counts, views, the
//! pickers' context, the changes since a moment) and `string_enum!`, which
//! other modules use for their string-valued enums.

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

mod contact;
mod conversation;
mod message;
mod notification;

pub use contact::*;
pub use conversation::*;
pub use message::*;
pub use notification::*;

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
