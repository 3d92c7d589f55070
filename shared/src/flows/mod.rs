//! Automation flows: the one definition the builder (wasm) edits and the
//! interpreter (server) runs — start blocks with their triggers, blocks
//! with positions and settings, edges from a block's output to another
//! block, and declared variables. Stored as JSONB with a schema version;
//! the format is documented in docs/FLOWS.md.

mod blocks;
pub mod template;
mod validate;

use serde::{Deserialize, Serialize};

pub use blocks::{
    category_output, AskKind, BlockKind, ClassifyBy, ConditionBranch, ConditionRule, HttpHeader,
    HttpMapping, HttpMethod, Intent, Match, MenuOption, Operand, Operator, SetTarget, Trigger,
    CLOSED, ELSE, ERROR, HANDOFF, INVALID, NEGATIVE, NEUTRAL, OPEN, POSITIVE, TIMEOUT,
};
pub use validate::{
    is_block_id, url_allowed, validate, FlowProblem, ProblemCode, ValidationContext,
};

/// The schema version this code reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// A flow as the builder edits it and the interpreter runs it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowDefinition {
    pub schema: u32,
    /// The flow's own variables (`[a-z_][a-z0-9_]*`); the built-in ones
    /// (`contact.name`, …) need no declaration.
    #[serde(default)]
    pub variables: Vec<String>,
    pub blocks: Vec<Block>,
    #[serde(default)]
    pub edges: Vec<Edge>,
}

/// Where a block sits on the canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

/// One block: its id (unique in the flow), place and settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub id: String,
    #[serde(default)]
    pub position: Position,
    #[serde(flatten)]
    pub kind: BlockKind,
}

/// The output every block with a single way on uses.
pub const NEXT: &str = "next";

fn next() -> String {
    NEXT.to_string()
}

/// From a block's output (`next`, a menu option's id, a condition branch's
/// id, `timeout`, …) to the block that follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    pub from: String,
    #[serde(default = "next")]
    pub output: String,
    pub to: String,
}

/// One of a block's outputs; a required one must lead somewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub name: String,
    pub required: bool,
}

impl FlowDefinition {
    pub fn block(&self, id: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.id == id)
    }

    /// The block an output leads to.
    pub fn follow(&self, from: &str, output: &str) -> Option<&Block> {
        let edge = self
            .edges
            .iter()
            .find(|e| e.from == from && e.output == output)?;
        self.block(&edge.to)
    }

    /// The start blocks, with their triggers.
    pub fn starts(&self) -> impl Iterator<Item = (&Block, &Trigger)> {
        self.blocks.iter().filter_map(|b| match &b.kind {
            BlockKind::Start { trigger } => Some((b, trigger)),
            _ => None,
        })
    }
}

/// A flow in the list: what is live, since when and by whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowSummary {
    pub id: i64,
    pub name: String,
    /// The version new runs start with (none: not published yet).
    pub live_version: Option<i32>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub published_by: Option<String>,
    pub draft_updated_at: chrono::DateTime<chrono::Utc>,
    /// The draft has changes the live version lacks.
    pub unpublished_changes: bool,
    pub runs: RunCounts,
}

/// How a flow's runs went (every version).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    pub started: i64,
    /// Still going (waiting for the customer or the clock).
    pub running: i64,
    pub completed: i64,
    pub handed_off: i64,
    /// Stopped by an agent taking the conversation over.
    pub taken_over: i64,
    /// Could not go on, or jumped to another flow.
    pub dropped: i64,
}

/// One published version (immutable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowVersion {
    pub version: i32,
    pub published_at: chrono::DateTime<chrono::Utc>,
    pub published_by: Option<String>,
    pub live: bool,
}

/// A new flow starts with a manual start and an end: valid, doing nothing.
pub fn starter() -> FlowDefinition {
    FlowDefinition {
        schema: SCHEMA_VERSION,
        variables: vec![],
        blocks: vec![
            Block {
                id: "inicio".into(),
                position: Position { x: 0.0, y: 0.0 },
                kind: BlockKind::Start {
                    trigger: Trigger::Manual,
                },
            },
            Block {
                id: "fim".into(),
                position: Position { x: 0.0, y: 160.0 },
                kind: BlockKind::End,
            },
        ],
        edges: vec![Edge {
            from: "inicio".into(),
            output: next(),
            to: "fim".into(),
        }],
    }
}

/// Whether a built-in variable exists (`contact.name`, `message.text`, …).
pub fn is_builtin(name: &str) -> bool {
    BUILTIN_VARIABLES.contains(&name)
}

/// The variables every run has, filled from the conversation.
pub const BUILTIN_VARIABLES: &[&str] = &[
    "contact.name",
    "contact.email",
    "contact.phone",
    "channel.name",
    "conversation.number",
    "message.text",
];

/// A flow variable's name: a lower-case letter or `_`, then letters,
/// digits or `_`; at most 40.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 40
}

#[cfg(test)]
mod tests;

/// What the builder opens: the flow and its draft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowDraft {
    pub flow: FlowSummary,
    pub definition: FlowDefinition,
}

/// What the builder's pickers offer (id and name of each), and what its
/// validation must know of the account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowChoices {
    pub departments: Vec<(i64, String)>,
    pub agents: Vec<(uuid::Uuid, String)>,
    pub channels: Vec<(i64, String)>,
    pub flows: Vec<(i64, String)>,
    /// Hosts HTTP blocks may call over plain http (see
    /// [`ValidationContext`]).
    #[serde(default)]
    pub http_allowlist: Vec<String>,
    /// The account's AI providers by name, for its AI agents.
    #[serde(default)]
    pub ai_providers: Vec<(i64, String)>,
    /// The account's active interaction categories, for AI classify.
    #[serde(default)]
    pub categories: Vec<(i64, String)>,
    /// The approved WhatsApp templates as (name, language, placeholders),
    /// for rules that send one.
    #[serde(default)]
    pub message_templates: Vec<(String, String, usize)>,
}

/// One step of the builder's test chat: the customer's message (none: the
/// start) moved the simulated run on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowTestStep {
    /// The run's state to send with the next message (opaque here).
    pub state: serde_json::Value,
    /// What the bot said, in order.
    pub said: Vec<String>,
    /// What it did besides talking ("transfer to Suporte", "HTTP GET …").
    pub did: Vec<String>,
    /// Every block entered so far, in order.
    pub path: Vec<String>,
    pub variables: std::collections::BTreeMap<String, String>,
    /// How the run ended, if it did ("completed", "handed_off", …).
    pub ended: Option<String>,
    /// The run waits for a reply with a deadline: the chat offers to let
    /// the time run out (the `timeout` way).
    #[serde(default)]
    pub reply_deadline: bool,
}
