//! The blocks a flow is made of, their settings, and what each one needs:
//! its outputs, the variables it reads and the ones it sets.

use serde::{Deserialize, Serialize};

use super::{template, Output, NEXT};

/// What starts a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// A customer's first message on one of these connections (none: any).
    NewConversation {
        #[serde(default)]
        channel_ids: Vec<i64>,
    },
    /// A customer message containing one of these words.
    Keyword { keywords: Vec<String> },
    /// A customer writes while the department (none: the account) is closed.
    OutsideBusinessHours {
        #[serde(default)]
        department_id: Option<i64>,
    },
    /// An agent starts it from a conversation.
    Manual,
}

impl Trigger {
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::NewConversation { .. } => "new_conversation",
            Trigger::Keyword { .. } => "keyword",
            Trigger::OutsideBusinessHours { .. } => "outside_business_hours",
            Trigger::Manual => "manual",
        }
    }
}

/// What an answer to a question must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AskKind {
    Text,
    Number,
    Email,
    Phone,
    Date,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuOption {
    /// The output this option leads through.
    pub id: String,
    pub label: String,
}

/// One side of a comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Operand {
    /// A flow or built-in variable (`contact.name`, `message.text`, …).
    Var(String),
    /// Text, with `{{variables}}`.
    Text(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    StartsWith,
    /// A regular expression (checked by the server when saved).
    Matches,
    GreaterThan,
    LessThan,
    IsSet,
    IsEmpty,
}

impl Operator {
    /// `is_set` and `is_empty` look at the left side only.
    pub fn needs_right(self) -> bool {
        !matches!(self, Operator::IsSet | Operator::IsEmpty)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionRule {
    pub left: Operand,
    pub op: Operator,
    #[serde(default)]
    pub right: Option<Operand>,
}

/// Whether all of a branch's rules must hold, or any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    #[default]
    All,
    Any,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionBranch {
    /// The output this branch leads through.
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub r#match: Match,
    pub rules: Vec<ConditionRule>,
}

/// What a "set" block changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetTarget {
    Variable,
    ContactAttribute,
    Tag,
    Priority,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpHeader {
    pub name: String,
    /// Text with `{{variables}}`.
    pub value: String,
}

/// A field of the JSON response (`data.items.0.name`) into a variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpMapping {
    pub path: String,
    pub variable: String,
}

fn default_retries() -> u8 {
    2
}

fn default_http_timeout() -> u32 {
    5_000
}

fn default_ai_turns() -> u8 {
    5
}

/// What an "AI classify" block reads in the customer's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassifyBy {
    /// `positive`, `neutral` or `negative` (the sentiment agent).
    Sentiment,
    /// One of the block's intents, else `else`.
    Intent,
    /// One of the block's interaction categories (as the account's agents
    /// chose them for conversations like this), else `else`.
    Category,
}

/// The output an "AI classify" block by category leads through for
/// category `id`.
pub fn category_output(id: i64) -> String {
    format!("category-{id}")
}

/// An intent an "AI classify" block recognizes: a label and what customers
/// who mean it write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intent {
    /// The output this intent leads through.
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub examples: Vec<String>,
}

/// A block's kind and settings (`"type"` in JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockKind {
    Start {
        trigger: Trigger,
    },
    SendText {
        text: String,
    },
    SendMedia {
        url: String,
        #[serde(default)]
        caption: String,
    },
    /// Asks, waits for the answer, checks it; asks again up to
    /// `max_retries` times, then leaves through `invalid`.
    Ask {
        question: String,
        kind: AskKind,
        variable: String,
        #[serde(default)]
        retry_message: String,
        #[serde(default = "default_retries")]
        max_retries: u8,
    },
    /// Options as buttons where the channel has them, numbered text
    /// otherwise; one output per option.
    Menu {
        text: String,
        options: Vec<MenuOption>,
        #[serde(default)]
        retry_message: String,
        #[serde(default = "default_retries")]
        max_retries: u8,
    },
    /// The first branch whose rules hold; `else` when none does.
    Condition {
        branches: Vec<ConditionBranch>,
    },
    /// `open` or `closed`, by the department's calendar (none: the
    /// account's), holidays included.
    BusinessHours {
        #[serde(default)]
        department_id: Option<i64>,
    },
    Set {
        target: SetTarget,
        /// The variable, contact attribute or tag; unused for priority.
        #[serde(default)]
        name: String,
        /// Text with `{{variables}}`; for priority, `low` … `urgent`.
        value: String,
    },
    Wait {
        seconds: u32,
    },
    /// Waits for the customer's next message (stored in `variable` if
    /// set), or leaves through `timeout`.
    WaitForReply {
        #[serde(default)]
        variable: Option<String>,
        timeout_seconds: u32,
    },
    Http {
        method: HttpMethod,
        url: String,
        #[serde(default)]
        headers: Vec<HttpHeader>,
        #[serde(default)]
        body: Option<String>,
        #[serde(default = "default_http_timeout")]
        timeout_ms: u32,
        #[serde(default)]
        map: Vec<HttpMapping>,
    },
    /// Answers the customer's messages as a bot with the department's AI
    /// agent (none: the global one) and its knowledge; leaves through
    /// `handoff` when unsure, when the customer asks for a person, or after
    /// `max_turns` answers.
    AiReply {
        #[serde(default)]
        department_id: Option<i64>,
        #[serde(default = "default_ai_turns")]
        max_turns: u8,
    },
    /// Routes by what the customer's latest message means: its sentiment,
    /// which of the intents it expresses or which category it belongs to
    /// (a department's agent, none: the global one).
    AiClassify {
        by: ClassifyBy,
        #[serde(default)]
        department_id: Option<i64>,
        #[serde(default)]
        intents: Vec<Intent>,
        /// Category ids, for `by: category`.
        #[serde(default)]
        categories: Vec<i64>,
    },
    /// Offers departments as a menu (buttons where the channel has them)
    /// and hands the conversation to the queue of the one the customer
    /// picks; `invalid` after the retries.
    ChooseDepartment {
        text: String,
        /// Offered in this order; empty: every department of the account.
        #[serde(default)]
        departments: Vec<i64>,
        #[serde(default)]
        retry_message: String,
        #[serde(default = "default_retries")]
        max_retries: u8,
    },
    /// Hands the conversation to people: a department's queue or an agent.
    Transfer {
        #[serde(default)]
        department_id: Option<i64>,
        #[serde(default)]
        agent_id: Option<uuid::Uuid>,
    },
    End,
    /// Goes on in another flow's live version.
    Jump {
        flow_id: i64,
    },
}

/// Output of a question that never got a valid answer.
pub const INVALID: &str = "invalid";
/// Output of a condition no branch matched.
pub const ELSE: &str = "else";
/// Output of a wait that ran out.
pub const TIMEOUT: &str = "timeout";
/// Output of an HTTP request that failed.
pub const ERROR: &str = "error";
/// Outputs of the business-hours block.
pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";
/// Output of an AI reply that gives the customer to people.
pub const HANDOFF: &str = "handoff";
/// Outputs of an AI classify block by sentiment.
pub const POSITIVE: &str = "positive";
pub const NEUTRAL: &str = "neutral";
pub const NEGATIVE: &str = "negative";

fn output(name: &str, required: bool) -> Output {
    Output {
        name: name.to_string(),
        required,
    }
}

impl BlockKind {
    /// The block's outputs; a required one must lead somewhere.
    pub fn outputs(&self) -> Vec<Output> {
        match self {
            BlockKind::Start { .. }
            | BlockKind::SendText { .. }
            | BlockKind::SendMedia { .. }
            | BlockKind::Set { .. }
            | BlockKind::Wait { .. } => vec![output(NEXT, true)],
            BlockKind::Ask { .. } => vec![output(NEXT, true), output(INVALID, false)],
            BlockKind::Menu { options, .. } => options
                .iter()
                .map(|o| output(&o.id, true))
                .chain([output(INVALID, false)])
                .collect(),
            BlockKind::Condition { branches } => branches
                .iter()
                .map(|b| output(&b.id, true))
                .chain([output(ELSE, false)])
                .collect(),
            BlockKind::BusinessHours { .. } => vec![output(OPEN, true), output(CLOSED, true)],
            BlockKind::WaitForReply { .. } => vec![output(NEXT, true), output(TIMEOUT, false)],
            BlockKind::Http { .. } => vec![output(NEXT, true), output(ERROR, false)],
            BlockKind::AiReply { .. } => vec![output(HANDOFF, true)],
            BlockKind::ChooseDepartment { .. } => vec![output(INVALID, false)],
            BlockKind::AiClassify {
                by: ClassifyBy::Sentiment,
                ..
            } => vec![
                output(POSITIVE, true),
                output(NEUTRAL, true),
                output(NEGATIVE, true),
            ],
            BlockKind::AiClassify {
                by: ClassifyBy::Category,
                categories,
                ..
            } => categories
                .iter()
                .map(|id| output(&category_output(*id), true))
                .chain([output(ELSE, false)])
                .collect(),
            BlockKind::AiClassify { intents, .. } => intents
                .iter()
                .map(|i| output(&i.id, true))
                .chain([output(ELSE, false)])
                .collect(),
            BlockKind::Transfer { .. } | BlockKind::End | BlockKind::Jump { .. } => vec![],
        }
    }

    /// Whether the run stops here until the customer writes or time passes
    /// (a loop through such a block is not an endless loop).
    pub fn waits(&self) -> bool {
        matches!(
            self,
            BlockKind::Ask { .. }
                | BlockKind::Menu { .. }
                | BlockKind::ChooseDepartment { .. }
                | BlockKind::Wait { .. }
                | BlockKind::WaitForReply { .. }
                | BlockKind::AiReply { .. }
        )
    }

    /// The variables the block reads.
    pub fn reads(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut text = |t: &str| names.extend(template::variables(t));
        match self {
            BlockKind::SendText { text: t } => text(t),
            BlockKind::SendMedia { url, caption } => {
                text(url);
                text(caption);
            }
            BlockKind::Ask {
                question,
                retry_message,
                ..
            } => {
                text(question);
                text(retry_message);
            }
            BlockKind::Menu {
                text: t,
                options,
                retry_message,
                ..
            } => {
                text(t);
                text(retry_message);
                for option in options {
                    text(&option.label);
                }
            }
            BlockKind::ChooseDepartment {
                text: t,
                retry_message,
                ..
            } => {
                text(t);
                text(retry_message);
            }
            BlockKind::Set { value, .. } => text(value),
            BlockKind::Http {
                url, headers, body, ..
            } => {
                text(url);
                for header in headers {
                    text(&header.value);
                }
                if let Some(body) = body {
                    text(body);
                }
            }
            BlockKind::Condition { branches } => {
                for rule in branches.iter().flat_map(|b| &b.rules) {
                    for operand in std::iter::once(&rule.left).chain(rule.right.as_ref()) {
                        match operand {
                            Operand::Var(name) => names.push(name.clone()),
                            Operand::Text(t) => names.extend(template::variables(t)),
                        }
                    }
                }
            }
            BlockKind::Start { .. }
            | BlockKind::BusinessHours { .. }
            | BlockKind::Wait { .. }
            | BlockKind::WaitForReply { .. }
            | BlockKind::AiReply { .. }
            | BlockKind::AiClassify { .. }
            | BlockKind::Transfer { .. }
            | BlockKind::End
            | BlockKind::Jump { .. } => {}
        }
        names
    }

    /// The variables set when the block leaves through `output` (only
    /// `next`: an invalid answer, a timeout or a failed request set none).
    pub fn writes_on(&self, output: &str) -> Vec<String> {
        if output == NEXT {
            self.writes()
        } else {
            vec![]
        }
    }

    /// The variables the block sets (when it goes on through `next`).
    pub fn writes(&self) -> Vec<String> {
        match self {
            BlockKind::Ask { variable, .. } => vec![variable.clone()],
            BlockKind::WaitForReply {
                variable: Some(variable),
                ..
            } => vec![variable.clone()],
            BlockKind::Set {
                target: SetTarget::Variable,
                name,
                ..
            } => vec![name.clone()],
            BlockKind::Http { map, .. } => map.iter().map(|m| m.variable.clone()).collect(),
            _ => vec![],
        }
    }
}
