//! Whether a flow can run, as a list of problems that each point at the
//! block to fix. The builder shows them as the admin edits; the server
//! refuses to publish (and REST to save) a flow that has any.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::blocks::{BlockKind, ClassifyBy, Operand, Operator, SetTarget, Trigger};
use super::{is_builtin, is_variable_name, FlowDefinition, SCHEMA_VERSION};
use crate::errors::ErrorCode;
use crate::inbox::{string_enum, Priority};

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

fn check_ids_and_starts(flow: &FlowDefinition, problems: &mut Problems) {
    let mut ids = HashSet::new();
    for block in &flow.blocks {
        let id = block.id.as_str();
        if !is_block_id(id) {
            problems.add(Some(id), ProblemCode::BlockIdInvalid, "");
        } else if !ids.insert(id) {
            problems.add(Some(id), ProblemCode::DuplicateBlockId, "");
        }
    }
    let mut triggers = HashSet::new();
    for (block, trigger) in flow.starts() {
        if !triggers.insert(trigger.kind()) {
            problems.add(
                Some(&block.id),
                ProblemCode::DuplicateTrigger,
                trigger.kind(),
            );
        }
    }
    if triggers.is_empty() {
        problems.add(None, ProblemCode::NoStart, "");
    }
    for name in &flow.variables {
        if !is_variable_name(name) {
            problems.add(None, ProblemCode::VariableNameInvalid, name.clone());
        }
    }
}

fn check_edges(flow: &FlowDefinition, problems: &mut Problems) {
    let mut used = HashSet::new();
    for edge in &flow.edges {
        let Some(from) = flow.block(&edge.from) else {
            problems.add(None, ProblemCode::EdgeUnknownBlock, edge.from.clone());
            continue;
        };
        let Some(to) = flow.block(&edge.to) else {
            problems.add(
                Some(&from.id),
                ProblemCode::EdgeUnknownBlock,
                edge.to.clone(),
            );
            continue;
        };
        if !from.kind.outputs().iter().any(|o| o.name == edge.output) {
            problems.add(
                Some(&from.id),
                ProblemCode::EdgeUnknownOutput,
                edge.output.clone(),
            );
        } else if !used.insert((edge.from.as_str(), edge.output.as_str())) {
            problems.add(
                Some(&from.id),
                ProblemCode::OutputUsedTwice,
                edge.output.clone(),
            );
        }
        if matches!(to.kind, BlockKind::Start { .. }) {
            problems.add(Some(&to.id), ProblemCode::EdgeIntoStart, "");
        }
    }
    for block in &flow.blocks {
        for output in block.kind.outputs().iter().filter(|o| o.required) {
            if !used.contains(&(block.id.as_str(), output.name.as_str())) {
                problems.add(
                    Some(&block.id),
                    ProblemCode::OutputUnconnected,
                    output.name.clone(),
                );
            }
        }
    }
}

/// The blocks a run can reach from a start.
fn reachable(flow: &FlowDefinition) -> HashSet<&str> {
    let mut seen: HashSet<&str> = flow.starts().map(|(b, _)| b.id.as_str()).collect();
    let mut todo: Vec<&str> = seen.iter().copied().collect();
    while let Some(id) = todo.pop() {
        for edge in flow.edges.iter().filter(|e| e.from == id) {
            if flow.block(&edge.to).is_some() && seen.insert(edge.to.as_str()) {
                todo.push(edge.to.as_str());
            }
        }
    }
    seen
}

/// Every variable read is declared (or built in) and set on every path
/// that leads to the block: the variables surely set on entering each
/// block are the intersection over the edges into it, to a fixed point.
fn check_variables(flow: &FlowDefinition, reachable: &HashSet<&str>, problems: &mut Problems) {
    let declared: BTreeSet<&str> = flow.variables.iter().map(String::as_str).collect();
    let mut surely_set: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for block in flow
        .blocks
        .iter()
        .filter(|b| reachable.contains(b.id.as_str()))
    {
        let start = matches!(block.kind, BlockKind::Start { .. });
        surely_set.insert(
            block.id.as_str(),
            if start {
                BTreeSet::new()
            } else {
                declared.clone()
            },
        );
    }
    let writes: HashMap<(&str, &str), Vec<String>> = flow
        .edges
        .iter()
        .filter_map(|e| {
            Some((
                (e.from.as_str(), e.output.as_str()),
                flow.block(&e.from)?.kind.writes_on(&e.output),
            ))
        })
        .collect();
    loop {
        let mut changed = false;
        for block in flow
            .blocks
            .iter()
            .filter(|b| reachable.contains(b.id.as_str()))
        {
            if matches!(block.kind, BlockKind::Start { .. }) {
                continue;
            }
            let mut entering: Option<BTreeSet<&str>> = None;
            for edge in flow.edges.iter().filter(|e| e.to == block.id) {
                let Some(before) = surely_set.get(edge.from.as_str()) else {
                    continue;
                };
                let mut after = before.clone();
                for name in writes
                    .get(&(edge.from.as_str(), edge.output.as_str()))
                    .into_iter()
                    .flatten()
                {
                    if let Some(name) = declared.get(name.as_str()) {
                        after.insert(name);
                    }
                }
                entering = Some(match entering {
                    None => after,
                    Some(so_far) => so_far.intersection(&after).copied().collect(),
                });
            }
            let entering = entering.unwrap_or_default();
            if surely_set.get(block.id.as_str()) != Some(&entering) {
                surely_set.insert(block.id.as_str(), entering);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for block in flow
        .blocks
        .iter()
        .filter(|b| reachable.contains(b.id.as_str()))
    {
        for name in block.kind.writes() {
            if !declared.contains(name.as_str()) {
                problems.add(Some(&block.id), ProblemCode::VariableUndeclared, name);
            }
        }
        let set = surely_set.get(block.id.as_str());
        let mut reported = HashSet::new();
        for name in block.kind.reads() {
            if is_builtin(&name) || !reported.insert(name.clone()) {
                continue;
            }
            if !declared.contains(name.as_str()) {
                problems.add(Some(&block.id), ProblemCode::VariableUndeclared, name);
            } else if !set.is_some_and(|s| s.contains(name.as_str())) {
                problems.add(Some(&block.id), ProblemCode::VariableMaybeUnset, name);
            }
        }
    }
}

/// A cycle through blocks none of which waits would spin forever: found
/// by a depth-first search over the blocks that do not wait.
fn check_loops(flow: &FlowDefinition, problems: &mut Problems) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let busy: Vec<&str> = flow
        .blocks
        .iter()
        .filter(|b| !b.kind.waits())
        .map(|b| b.id.as_str())
        .collect();
    let is_busy = |id: &str| busy.contains(&id);
    let mut marks: HashMap<&str, Mark> = HashMap::new();
    let mut looping: BTreeSet<&str> = BTreeSet::new();
    for &root in &busy {
        if marks.contains_key(root) {
            continue;
        }
        // (block, index of the next edge to look at)
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        marks.insert(root, Mark::Open);
        while let Some((id, next)) = stack.pop() {
            let onward: Vec<&str> = flow
                .edges
                .iter()
                .filter(|e| e.from == id && is_busy(&e.to))
                .map(|e| e.to.as_str())
                .collect();
            match onward.get(next) {
                None => {
                    marks.insert(id, Mark::Done);
                }
                Some(&to) => {
                    stack.push((id, next + 1));
                    match marks.get(to) {
                        Some(Mark::Open) => {
                            looping.insert(to);
                        }
                        Some(Mark::Done) => {}
                        None => {
                            marks.insert(to, Mark::Open);
                            stack.push((to, 0));
                        }
                    }
                }
            }
        }
    }
    for id in looping {
        problems.add(Some(id), ProblemCode::EndlessLoop, "");
    }
}

fn check_settings(
    id: &str,
    kind: &BlockKind,
    context: &ValidationContext,
    problems: &mut Problems,
) {
    match kind {
        BlockKind::Start { trigger } => {
            if let Trigger::Keyword { keywords } = trigger {
                if keywords.iter().all(|k| k.trim().is_empty()) {
                    problems.text(id, "keywords", "", true, 0);
                }
            }
        }
        BlockKind::SendText { text: t } => problems.text(id, "text", t, true, MAX_TEXT_CHARS),
        BlockKind::SendMedia { url, caption } => {
            problems.text(id, "caption", caption, false, MAX_TEXT_CHARS);
            if !url_allowed(url, &context.http_allowlist) {
                problems.add(Some(id), ProblemCode::UrlInvalid, "url");
            }
        }
        BlockKind::Ask {
            question,
            retry_message,
            max_retries,
            ..
        } => {
            problems.text(id, "question", question, true, MAX_TEXT_CHARS);
            problems.text(id, "retry_message", retry_message, false, MAX_TEXT_CHARS);
            if usize::from(*max_retries) > MAX_CHOICES {
                problems.add(Some(id), ProblemCode::NumberInvalid, "max_retries");
            }
        }
        BlockKind::Menu {
            text: t,
            options,
            retry_message,
            max_retries,
        } => {
            problems.text(id, "text", t, true, MAX_TEXT_CHARS);
            problems.text(id, "retry_message", retry_message, false, MAX_TEXT_CHARS);
            for option in options {
                problems.text(id, "options", &option.label, true, MAX_LABEL_CHARS);
            }
            let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
            if !choices_valid(&ids) {
                problems.add(Some(id), ProblemCode::ChoicesInvalid, "options");
            }
            if usize::from(*max_retries) > MAX_CHOICES {
                problems.add(Some(id), ProblemCode::NumberInvalid, "max_retries");
            }
        }
        BlockKind::Condition { branches } => {
            let ids: Vec<&str> = branches.iter().map(|b| b.id.as_str()).collect();
            if !choices_valid(&ids) {
                problems.add(Some(id), ProblemCode::ChoicesInvalid, "branches");
            }
            for branch in branches {
                problems.text(id, "label", &branch.label, false, MAX_LABEL_CHARS);
                if branch.rules.is_empty() || branch.rules.len() > MAX_CHOICES {
                    problems.add(Some(id), ProblemCode::RuleInvalid, branch.id.clone());
                }
                for rule in &branch.rules {
                    let right_ok = match (&rule.right, rule.op) {
                        (None, op) => !op.needs_right(),
                        (Some(_), op) if !op.needs_right() => false,
                        (Some(Operand::Text(pattern)), Operator::Matches) => {
                            !pattern.is_empty() && pattern.len() <= 200
                        }
                        (Some(Operand::Var(_)), Operator::Matches) => false,
                        (Some(_), _) => true,
                    };
                    if !right_ok {
                        problems.add(Some(id), ProblemCode::RuleInvalid, branch.id.clone());
                    }
                }
            }
        }
        BlockKind::Set {
            target,
            name,
            value,
        } => match target {
            SetTarget::Variable => {}
            SetTarget::ContactAttribute => problems.text(id, "name", name, true, 60),
            SetTarget::Tag => problems.text(id, "value", value, true, 40),
            SetTarget::Priority => {
                if Priority::from_str(value.trim()).is_err() {
                    problems.add(Some(id), ProblemCode::PriorityInvalid, value.clone());
                }
            }
        },
        BlockKind::Wait { seconds } => {
            if !(1..=MAX_WAIT_SECONDS).contains(seconds) {
                problems.add(Some(id), ProblemCode::NumberInvalid, "seconds");
            }
        }
        BlockKind::WaitForReply {
            timeout_seconds, ..
        } => {
            if !(1..=MAX_WAIT_SECONDS).contains(timeout_seconds) {
                problems.add(Some(id), ProblemCode::NumberInvalid, "timeout_seconds");
            }
        }
        BlockKind::Http {
            url,
            headers,
            timeout_ms,
            map,
            ..
        } => {
            if !url_allowed(url, &context.http_allowlist) {
                problems.add(Some(id), ProblemCode::UrlInvalid, "url");
            }
            if !(1..=MAX_HTTP_TIMEOUT_MS).contains(timeout_ms) {
                problems.add(Some(id), ProblemCode::NumberInvalid, "timeout_ms");
            }
            if headers.len() > 20 || headers.iter().any(|h| !header_name_valid(&h.name)) {
                problems.add(Some(id), ProblemCode::ChoicesInvalid, "headers");
            }
            if map.len() > 20 || map.iter().any(|m| m.path.trim().is_empty()) {
                problems.add(Some(id), ProblemCode::ChoicesInvalid, "map");
            }
        }
        BlockKind::ChooseDepartment {
            text: t,
            departments,
            retry_message,
            max_retries,
        } => {
            problems.text(id, "text", t, true, MAX_TEXT_CHARS);
            problems.text(id, "retry_message", retry_message, false, MAX_TEXT_CHARS);
            let unique: HashSet<&i64> = departments.iter().collect();
            if departments.len() > MAX_CHOICES || unique.len() != departments.len() {
                problems.add(Some(id), ProblemCode::ChoicesInvalid, "departments");
            }
            if usize::from(*max_retries) > MAX_CHOICES {
                problems.add(Some(id), ProblemCode::NumberInvalid, "max_retries");
            }
        }
        BlockKind::Transfer {
            department_id,
            agent_id,
        } => {
            if department_id.is_some() == agent_id.is_some() {
                problems.add(Some(id), ProblemCode::TransferTargetInvalid, "target");
            }
        }
        BlockKind::AiReply { max_turns, .. } => {
            if !(1..=MAX_AI_TURNS).contains(max_turns) {
                problems.add(Some(id), ProblemCode::NumberInvalid, "max_turns");
            }
        }
        BlockKind::AiClassify {
            by,
            intents,
            categories,
            ..
        } => match by {
            ClassifyBy::Sentiment => {}
            ClassifyBy::Category => {
                let unique: HashSet<&i64> = categories.iter().collect();
                if !(1..=MAX_CHOICES).contains(&categories.len())
                    || unique.len() != categories.len()
                {
                    problems.add(Some(id), ProblemCode::ChoicesInvalid, "categories");
                }
            }
            ClassifyBy::Intent => {
                let ids: Vec<&str> = intents.iter().map(|i| i.id.as_str()).collect();
                if !choices_valid(&ids) {
                    problems.add(Some(id), ProblemCode::ChoicesInvalid, "intents");
                }
                for intent in intents {
                    problems.text(id, "intents", &intent.label, true, MAX_LABEL_CHARS);
                    if intent.examples.len() > MAX_INTENT_EXAMPLES {
                        problems.add(Some(id), ProblemCode::ChoicesInvalid, "intents");
                    }
                    for example in &intent.examples {
                        problems.text(id, "intents", example, false, MAX_LABEL_CHARS * 2);
                    }
                }
            }
        },
        BlockKind::BusinessHours { .. } | BlockKind::End | BlockKind::Jump { .. } => {}
    }
}

/// 1 to [`MAX_CHOICES`] ids, each a valid, unique output name other than
/// the block's own outputs (`else`, `invalid`).
fn choices_valid(ids: &[&str]) -> bool {
    let unique: HashSet<&&str> = ids.iter().collect();
    (1..=MAX_CHOICES).contains(&ids.len())
        && unique.len() == ids.len()
        && ids.iter().all(|id| {
            !id.is_empty()
                && id.len() <= 40
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && !matches!(
                    *id,
                    "else" | "invalid" | "next" | "timeout" | "error" | "handoff"
                )
        })
}

fn header_name_valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
}

/// An `https` URL with a literal host (variables only after it), or `http`
/// to an allow-listed host; no credentials in it.
pub fn url_allowed(url: &str, http_allowlist: &[String]) -> bool {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty() => host,
        _ => authority,
    };
    let host_ok = !host.is_empty()
        && !authority.contains('@')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-[]:".contains(c));
    let allow_listed = http_allowlist
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(host));
    host_ok
        && match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => allow_listed,
            _ => false,
        }
}
