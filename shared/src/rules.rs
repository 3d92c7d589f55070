//! Automation rules: "when / if / then", per account. When an event happens
//! in a conversation (or the clock says so), the rule's condition groups
//! are checked and, if they hold, its actions are done — each run logged.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use crate::errors::ErrorCode;
use crate::flows::{Match, Operator};
use crate::inbox::{string_enum, ChannelKind, ConversationStatus, Feeling, Priority};

/// The clock's longest wait: a year, in minutes.
pub const MAX_AFTER_MINUTES: u32 = 525_600;
pub const MAX_NAME: usize = 80;
pub const MAX_GROUPS: usize = 10;
pub const MAX_CONDITIONS: usize = 10;
pub const MAX_ACTIONS: usize = 10;
pub const MAX_KEYWORDS: usize = 20;
pub const MAX_TEXT: usize = 1000;
/// A note or alert text (the bell shows 160 characters of it).
pub const MAX_NOTE: usize = 300;
/// A template action's placeholders, and the longest value of each
/// (Meta's limit).
pub const MAX_TEMPLATE_VALUES: usize = 10;
pub const MAX_TEMPLATE_VALUE: usize = 1024;

string_enum!(
    /// What starts a rule.
    RuleEvent {
        ConversationCreated => "conversation_created",
        MessageCreated => "message_created",
        ConversationReopened => "conversation_reopened",
        KeywordDetected => "keyword_detected",
        NegativeSentiment => "negative_sentiment",
        LowAiScore => "low_ai_score",
        SlaBreached => "sla_breached",
        ConversationResolved => "conversation_resolved",
        ConversationAssigned => "conversation_assigned",
        NoAgentReply => "no_agent_reply",
        WaitingOnCustomer => "waiting_on_customer",
        OpenTooLong => "open_too_long",
    }
);

impl RuleEvent {
    /// Events the clock fires, after the rule's minutes.
    pub fn is_timed(self) -> bool {
        matches!(
            self,
            RuleEvent::NoAgentReply | RuleEvent::WaitingOnCustomer | RuleEvent::OpenTooLong
        )
    }
}

string_enum!(
    /// How a rule's run ended.
    RunOutcome {
        Done => "done",
        NotMatched => "not_matched",
        Failed => "failed",
        // Caused by rules too many levels deep: not run.
        LoopStopped => "loop_stopped",
    }
);

/// One test on the conversation (or the message that started the rule:
/// for other events, the customer's latest message).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Its connection is one of these kinds.
    Channel {
        kinds: Vec<ChannelKind>,
    },
    /// In one of these departments.
    Department {
        department_ids: Vec<i64>,
    },
    /// Has (or lacks) the tag.
    Tag {
        tag: String,
        present: bool,
    },
    Priority {
        priorities: Vec<Priority>,
    },
    Status {
        statuses: Vec<ConversationStatus>,
    },
    /// Inside (or outside) the department's business hours, else the
    /// account's.
    BusinessHours {
        inside: bool,
    },
    ContactAttribute {
        name: String,
        op: Operator,
        #[serde(default)]
        value: String,
    },
    MessageText {
        op: Operator,
        #[serde(default)]
        value: String,
    },
    /// How the customer's message reads (the offline engine's reading).
    Sentiment {
        feeling: Feeling,
    },
    /// Who wrote the message: the customer, or the team (agents, bots).
    MessageFrom {
        customer: bool,
    },
}

impl Condition {
    /// Its `kind` in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Condition::Channel { .. } => "channel",
            Condition::Department { .. } => "department",
            Condition::Tag { .. } => "tag",
            Condition::Priority { .. } => "priority",
            Condition::Status { .. } => "status",
            Condition::BusinessHours { .. } => "business_hours",
            Condition::ContactAttribute { .. } => "contact_attribute",
            Condition::MessageText { .. } => "message_text",
            Condition::Sentiment { .. } => "sentiment",
            Condition::MessageFrom { .. } => "message_from",
        }
    }
}

/// Conditions that must all (or any) hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionGroup {
    #[serde(default)]
    pub r#match: Match,
    pub conditions: Vec<Condition>,
}

/// Groups that must all (or any) hold; no groups: always.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    #[serde(default)]
    pub r#match: Match,
    #[serde(default)]
    pub groups: Vec<ConditionGroup>,
}

/// What a rule does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleAction {
    /// E-mail the conversation's managers and ring their bells.
    NotifyManagers {
        #[serde(default)]
        note: String,
    },
    ChangePriority {
        priority: Priority,
    },
    AssignAgent {
        user_id: Uuid,
    },
    AssignDepartment {
        department_id: i64,
    },
    AddTag {
        tag: String,
    },
    MarkCritical,
    /// Ring the managers' bells with this text (no e-mail).
    CreateAlert {
        text: String,
    },
    /// Send the customer this text, on the conversation's channel.
    SendMessage {
        text: String,
    },
    /// Send the customer the conversation's WhatsApp connection's approved
    /// template of this name (and language; empty: whichever it has), its
    /// placeholders filled with `values` in order: what still reaches a
    /// customer whose 24-hour window has closed.
    SendTemplate {
        name: String,
        #[serde(default)]
        language: String,
        #[serde(default)]
        values: Vec<String>,
    },
    /// POST the event to this URL, signed (`X-Ponte-Signature`).
    CallWebhook {
        url: String,
    },
}

impl RuleAction {
    pub fn kind(&self) -> &'static str {
        match self {
            RuleAction::NotifyManagers { .. } => "notify_managers",
            RuleAction::ChangePriority { .. } => "change_priority",
            RuleAction::AssignAgent { .. } => "assign_agent",
            RuleAction::AssignDepartment { .. } => "assign_department",
            RuleAction::AddTag { .. } => "add_tag",
            RuleAction::MarkCritical => "mark_critical",
            RuleAction::CreateAlert { .. } => "create_alert",
            RuleAction::SendMessage { .. } => "send_message",
            RuleAction::SendTemplate { .. } => "send_template",
            RuleAction::CallWebhook { .. } => "call_webhook",
        }
    }
}

fn yes() -> bool {
    true
}

/// A rule as the form (or the API) sends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleForm {
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub event: RuleEvent,
    /// The clock events' X, in minutes.
    #[serde(default)]
    pub after_minutes: Option<u32>,
    /// keyword_detected's words (any of them, case and accents aside).
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub conditions: Conditions,
    pub actions: Vec<RuleAction>,
}

impl RuleForm {
    /// The checks that need nothing but the form (the server also checks
    /// patterns, departments, agents and webhook hosts). The field names
    /// the form's: "name", "after_minutes", "keywords", "conditions.{g}.{c}",
    /// "actions.{a}".
    pub fn validate(&self) -> Result<(), (String, ErrorCode)> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(("name".into(), ErrorCode::Required));
        }
        if name.chars().count() > MAX_NAME {
            return Err(("name".into(), ErrorCode::TooLong));
        }
        if self.event.is_timed() {
            match self.after_minutes {
                None => return Err(("after_minutes".into(), ErrorCode::Required)),
                Some(m) if m == 0 || m > MAX_AFTER_MINUTES => {
                    return Err(("after_minutes".into(), ErrorCode::NumberInvalid))
                }
                Some(_) => {}
            }
        }
        if self.event == RuleEvent::KeywordDetected && self.keywords().is_empty() {
            return Err(("keywords".into(), ErrorCode::Required));
        }
        if self.keywords.len() > MAX_KEYWORDS || self.keywords.iter().any(|k| k.len() > 60) {
            return Err(("keywords".into(), ErrorCode::TooLong));
        }
        if self.conditions.groups.len() > MAX_GROUPS {
            return Err(("conditions".into(), ErrorCode::TooLong));
        }
        for (g, group) in self.conditions.groups.iter().enumerate() {
            if group.conditions.is_empty() {
                return Err((format!("conditions.{g}"), ErrorCode::Required));
            }
            if group.conditions.len() > MAX_CONDITIONS {
                return Err((format!("conditions.{g}"), ErrorCode::TooLong));
            }
            for (c, condition) in group.conditions.iter().enumerate() {
                check_condition(condition).map_err(|code| (format!("conditions.{g}.{c}"), code))?;
            }
        }
        if self.actions.is_empty() {
            return Err(("actions".into(), ErrorCode::Required));
        }
        if self.actions.len() > MAX_ACTIONS {
            return Err(("actions".into(), ErrorCode::TooLong));
        }
        for (a, action) in self.actions.iter().enumerate() {
            check_action(action).map_err(|code| (format!("actions.{a}"), code))?;
        }
        Ok(())
    }

    /// The keywords as matched: trimmed, without blanks.
    pub fn keywords(&self) -> Vec<String> {
        self.keywords
            .iter()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect()
    }
}

fn check_condition(condition: &Condition) -> Result<(), ErrorCode> {
    let non_empty = |len: usize| {
        if len == 0 {
            Err(ErrorCode::Required)
        } else {
            Ok(())
        }
    };
    match condition {
        Condition::Channel { kinds } => non_empty(kinds.len()),
        Condition::Department { department_ids } => non_empty(department_ids.len()),
        Condition::Priority { priorities } => non_empty(priorities.len()),
        Condition::Status { statuses } => non_empty(statuses.len()),
        Condition::Tag { tag, .. } => non_empty(tag.trim().len()),
        Condition::ContactAttribute { name, op, value } => {
            non_empty(name.trim().len())?;
            check_comparison(*op, value)
        }
        Condition::MessageText { op, value } => check_comparison(*op, value),
        Condition::BusinessHours { .. }
        | Condition::Sentiment { .. }
        | Condition::MessageFrom { .. } => Ok(()),
    }
}

fn check_comparison(op: Operator, value: &str) -> Result<(), ErrorCode> {
    if op.needs_right() && value.trim().is_empty() {
        return Err(ErrorCode::Required);
    }
    if value.chars().count() > MAX_TEXT {
        return Err(ErrorCode::TooLong);
    }
    Ok(())
}

fn check_action(action: &RuleAction) -> Result<(), ErrorCode> {
    let text = |text: &str, required: bool, max: usize| {
        if required && text.trim().is_empty() {
            Err(ErrorCode::Required)
        } else if text.chars().count() > max {
            Err(ErrorCode::TooLong)
        } else {
            Ok(())
        }
    };
    match action {
        RuleAction::NotifyManagers { note } => text(note, false, MAX_NOTE),
        RuleAction::CreateAlert { text: alert } => text(alert, true, MAX_NOTE),
        RuleAction::SendMessage { text: message } => text(message, true, MAX_TEXT),
        RuleAction::SendTemplate { name, values, .. } => {
            text(name, true, 512)?;
            if values.len() > MAX_TEMPLATE_VALUES {
                return Err(ErrorCode::TooLong);
            }
            values
                .iter()
                .try_for_each(|value| text(value, true, MAX_TEMPLATE_VALUE))
        }
        RuleAction::AddTag { tag } => text(tag, true, 40),
        RuleAction::CallWebhook { url } => {
            if url.trim().is_empty() {
                Err(ErrorCode::Required)
            } else if url.starts_with("https://") || url.starts_with("http://") {
                // Plain http only to an allow-listed host: the server's check.
                text(url, true, 500)
            } else {
                Err(ErrorCode::UrlInvalid)
            }
        }
        RuleAction::ChangePriority { .. }
        | RuleAction::AssignAgent { .. }
        | RuleAction::AssignDepartment { .. }
        | RuleAction::MarkCritical => Ok(()),
    }
}

/// A rule as listed and edited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub position: i32,
    pub event: RuleEvent,
    pub after_minutes: Option<u32>,
    pub keywords: Vec<String>,
    pub conditions: Conditions,
    pub actions: Vec<RuleAction>,
    /// Why the server switched it off (failing again and again).
    pub disabled_reason: Option<String>,
    pub runs_last_7_days: i64,
    pub last_run_at: Option<DateTime<Utc>>,
}

/// A rule just saved; its webhooks' signing secret when it was made now
/// (shown once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedRule {
    pub rule: Rule,
    pub signing_secret: Option<String>,
}

/// A condition as evaluated in a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConditionCheck {
    pub group: usize,
    pub condition: Condition,
    pub held: bool,
}

/// An action done in a run, with what it did when there is more to say
/// ("managers told: 2", "message 812"); a failed action is the run's
/// `error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionDone {
    pub action: RuleAction,
    #[serde(default)]
    pub detail: Option<String>,
}

/// One line of a rule's execution log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleRun {
    pub id: i64,
    pub rule_id: i64,
    pub event: RuleEvent,
    pub conversation_number: Option<i64>,
    pub outcome: RunOutcome,
    pub conditions: Vec<ConditionCheck>,
    pub actions: Vec<ActionDone>,
    pub error: Option<String>,
    pub depth: i32,
    pub ran_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> RuleForm {
        RuleForm {
            name: "Urgent words".into(),
            enabled: true,
            event: RuleEvent::KeywordDetected,
            after_minutes: None,
            keywords: vec!["procon".into()],
            conditions: Conditions::default(),
            actions: vec![RuleAction::MarkCritical],
        }
    }

    #[test]
    fn a_complete_rule_passes() {
        assert_eq!(form().validate(), Ok(()));
    }

    #[test]
    fn clock_rules_need_their_minutes() {
        let mut rule = form();
        rule.event = RuleEvent::NoAgentReply;
        assert_eq!(
            rule.validate(),
            Err(("after_minutes".into(), ErrorCode::Required))
        );
        rule.after_minutes = Some(0);
        assert_eq!(
            rule.validate(),
            Err(("after_minutes".into(), ErrorCode::NumberInvalid))
        );
        rule.after_minutes = Some(30);
        assert_eq!(rule.validate(), Ok(()));
    }

    #[test]
    fn keyword_rules_need_a_keyword_and_every_rule_an_action() {
        let mut rule = form();
        rule.keywords = vec!["  ".into()];
        assert_eq!(
            rule.validate(),
            Err(("keywords".into(), ErrorCode::Required))
        );
        let mut rule = form();
        rule.actions.clear();
        assert_eq!(
            rule.validate(),
            Err(("actions".into(), ErrorCode::Required))
        );
    }

    #[test]
    fn an_incomplete_condition_is_named_by_its_place() {
        let mut rule = form();
        rule.conditions.groups.push(ConditionGroup {
            r#match: Match::All,
            conditions: vec![
                Condition::BusinessHours { inside: false },
                Condition::MessageText {
                    op: Operator::Contains,
                    value: " ".into(),
                },
            ],
        });
        assert_eq!(
            rule.validate(),
            Err(("conditions.0.1".into(), ErrorCode::Required))
        );
    }

    #[test]
    fn the_json_names_each_condition_and_action_by_kind() {
        let json = serde_json::to_value(Condition::Tag {
            tag: "vip".into(),
            present: true,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "tag", "tag": "vip", "present": true})
        );
        let action: RuleAction =
            serde_json::from_value(serde_json::json!({"kind": "mark_critical"})).unwrap();
        assert_eq!(action, RuleAction::MarkCritical);
    }
}
