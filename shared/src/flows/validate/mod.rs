//! Whether a flow can run, as a list of problems that each point at the
//! block to fix. The builder shows them as the admin edits; the server
//! refuses to publish (and REST to save) a flow that has any.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{FlowDefinition, SCHEMA_VERSION};
use crate::errors::ErrorCode;
use crate::inbox::string_enum;

mod graph;
mod settings;

use self::graph::{check_edges, check_ids_and_starts, check_loops, check_variables, reachable};
use self::settings::check_settings;
pub use self::settings::url_allowed;

/// Most blocks in one flow.
pub const MAX_BLOCKS: usize = 500;
/// Longest message text.
pub const MAX_TEXT_CHARS: usize = 4_096;
/// Longest menu option, branch or button label.
pub const MAX_LABEL_CHARS: usize = 100;
/// Most options in a menu, branches in a condition, rules in a branch.
pub const MAX_CHOICES: usize = 10;
/// Longest wait: a week.
pub const MAX_WAIT_SECONDS: u32 = 7 * 24 * 3600;
/// Slowest HTTP request.
pub const MAX_HTTP_TIMEOUT_MS: u32 = 10_000;
/// Most answers an AI reply block gives before handing off.
pub const MAX_AI_TURNS: u8 = 50;
/// Most example messages of one intent.
pub const MAX_INTENT_EXAMPLES: usize = 20;

string_enum!(
    /// Why a flow cannot run; the UI says it in the admin's language.
    ProblemCode {
        SchemaUnsupported => "schema_unsupported",
        TooManyBlocks => "too_many_blocks",
        NoStart => "no_start",
        DuplicateTrigger => "duplicate_trigger",
        BlockIdInvalid => "block_id_invalid",
        DuplicateBlockId => "duplicate_block_id",
        EdgeUnknownBlock => "edge_unknown_block",
        EdgeUnknownOutput => "edge_unknown_output",
        OutputUsedTwice => "output_used_twice",
        OutputUnconnected => "output_unconnected",
        EdgeIntoStart => "edge_into_start",
        Unreachable => "unreachable",
        VariableNameInvalid => "variable_name_invalid",
        VariableUndeclared => "variable_undeclared",
        VariableMaybeUnset => "variable_maybe_unset",
        EndlessLoop => "endless_loop",
        TextRequired => "text_required",
        TooLong => "too_long",
        ChoicesInvalid => "choices_invalid",
        RuleInvalid => "rule_invalid",
        UrlInvalid => "url_invalid",
        NumberInvalid => "number_invalid",
        PriorityInvalid => "priority_invalid",
        TransferTargetInvalid => "transfer_target_invalid",
    }
);

/// One thing to fix: where (`block`, none for the flow as a whole), what,
/// and the name it concerns (a variable, an output, a field).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowProblem {
    pub block: Option<String>,
    pub code: ProblemCode,
    #[serde(default)]
    pub detail: String,
}

/// What validation needs from the account.
#[derive(Clone, Debug, Default)]
pub struct ValidationContext {
    /// Hosts an admin allow-listed for HTTP blocks: they may be plain
    /// `http` (and private addresses, checked when the request is made).
    pub http_allowlist: Vec<String>,
}

struct Problems(Vec<FlowProblem>);

impl Problems {
    /// A text setting: present when required, at most `max` characters.
    fn text(&mut self, block: &str, field: &str, value: &str, required: bool, max: usize) {
        if required && value.trim().is_empty() {
            self.add(Some(block), ProblemCode::TextRequired, field);
        } else if value.chars().count() > max {
            self.add(Some(block), ProblemCode::TooLong, field);
        }
    }

    fn add(&mut self, block: Option<&str>, code: ProblemCode, detail: impl Into<String>) {
        self.0.push(FlowProblem {
            block: block.map(str::to_string),
            code,
            detail: detail.into(),
        });
    }
}

/// Every problem of the flow, in block order; empty when it can run.
pub fn validate(flow: &FlowDefinition, context: &ValidationContext) -> Vec<FlowProblem> {
    let mut problems = Problems(Vec::new());
    if flow.schema != SCHEMA_VERSION {
        problems.add(
            None,
            ProblemCode::SchemaUnsupported,
            flow.schema.to_string(),
        );
        return problems.0;
    }
    if flow.blocks.len() > MAX_BLOCKS {
        problems.add(None, ProblemCode::TooManyBlocks, MAX_BLOCKS.to_string());
        return problems.0;
    }
    check_ids_and_starts(flow, &mut problems);
    check_edges(flow, &mut problems);
    for block in &flow.blocks {
        check_settings(&block.id, &block.kind, context, &mut problems);
    }
    let reachable = reachable(flow);
    for block in &flow.blocks {
        if !reachable.contains(block.id.as_str()) {
            problems.add(Some(&block.id), ProblemCode::Unreachable, "");
        }
    }
    check_variables(flow, &reachable, &mut problems);
    check_loops(flow, &mut problems);
    problems.0
}

/// A block id: 1 to 40 ASCII letters, digits, `_` or `-`.
pub fn is_block_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
