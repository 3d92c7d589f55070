//! Checks of the flow as a graph: ids and starts, edges, what each block
//! can reach, variables set before they are read, and loops without a wait.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::flows::blocks::BlockKind;
use crate::flows::{is_builtin, is_variable_name, FlowDefinition};

use super::{is_block_id, ProblemCode, Problems};

pub(super) fn check_ids_and_starts(flow: &FlowDefinition, problems: &mut Problems) {
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

pub(super) fn check_edges(flow: &FlowDefinition, problems: &mut Problems) {
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
pub(super) fn reachable(flow: &FlowDefinition) -> HashSet<&str> {
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
pub(super) fn check_variables(
    flow: &FlowDefinition,
    reachable: &HashSet<&str>,
    problems: &mut Problems,
) {
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
pub(super) fn check_loops(flow: &FlowDefinition, problems: &mut Problems) {
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
