//! The builder's editing operations and canvas geometry, as plain
//! functions over the definition (tested natively, no browser).

use shared::flows::{
    AskKind, Block, BlockKind, ClassifyBy, ConditionBranch, ConditionRule, Edge, FlowDefinition,
    HttpMethod, Intent, Match, MenuOption, Operand, Operator, Position, SetTarget, Trigger,
};

pub const BLOCK_W: f64 = 224.0;
pub const BLOCK_H: f64 = 88.0;

/// The block types the palette offers, by their JSON name.
pub const PALETTE: &[&str] = &[
    "send_text",
    "menu",
    "ask",
    "condition",
    "business_hours",
    "set",
    "wait",
    "wait_for_reply",
    "http",
    "ai_reply",
    "ai_classify",
    "send_media",
    "choose_department",
    "transfer",
    "end",
    "jump",
    "start",
];

/// The block's type as its JSON names it.
pub fn type_of(kind: &BlockKind) -> &'static str {
    match kind {
        BlockKind::Start { .. } => "start",
        BlockKind::SendText { .. } => "send_text",
        BlockKind::SendMedia { .. } => "send_media",
        BlockKind::Ask { .. } => "ask",
        BlockKind::Menu { .. } => "menu",
        BlockKind::Condition { .. } => "condition",
        BlockKind::BusinessHours { .. } => "business_hours",
        BlockKind::Set { .. } => "set",
        BlockKind::Wait { .. } => "wait",
        BlockKind::WaitForReply { .. } => "wait_for_reply",
        BlockKind::Http { .. } => "http",
        BlockKind::AiReply { .. } => "ai_reply",
        BlockKind::AiClassify { .. } => "ai_classify",
        BlockKind::ChooseDepartment { .. } => "choose_department",
        BlockKind::Transfer { .. } => "transfer",
        BlockKind::End => "end",
        BlockKind::Jump { .. } => "jump",
    }
}

/// A new block of `type_name` with settings to fill in.
pub fn fresh_kind(type_name: &str) -> Option<BlockKind> {
    Some(match type_name {
        "start" => BlockKind::Start {
            trigger: Trigger::Manual,
        },
        "send_text" => BlockKind::SendText {
            text: String::new(),
        },
        "send_media" => BlockKind::SendMedia {
            url: "https://".into(),
            caption: String::new(),
        },
        "ask" => BlockKind::Ask {
            question: String::new(),
            kind: AskKind::Text,
            variable: "resposta".into(),
            retry_message: String::new(),
            max_retries: 2,
        },
        "menu" => BlockKind::Menu {
            text: String::new(),
            options: vec![
                MenuOption {
                    id: "op1".into(),
                    label: "Opção 1".into(),
                },
                MenuOption {
                    id: "op2".into(),
                    label: "Opção 2".into(),
                },
            ],
            retry_message: String::new(),
            max_retries: 2,
        },
        "condition" => BlockKind::Condition {
            branches: vec![ConditionBranch {
                id: "se1".into(),
                label: String::new(),
                r#match: Match::All,
                rules: vec![ConditionRule {
                    left: Operand::Var("message.text".into()),
                    op: Operator::Contains,
                    right: Some(Operand::Text(String::new())),
                }],
            }],
        },
        "business_hours" => BlockKind::BusinessHours {
            department_id: None,
        },
        "set" => BlockKind::Set {
            target: SetTarget::Tag,
            name: String::new(),
            value: String::new(),
        },
        "wait" => BlockKind::Wait { seconds: 60 },
        "wait_for_reply" => BlockKind::WaitForReply {
            variable: None,
            timeout_seconds: 300,
        },
        "http" => BlockKind::Http {
            method: HttpMethod::Get,
            url: "https://".into(),
            headers: vec![],
            body: None,
            timeout_ms: 5_000,
            map: vec![],
        },
        "ai_reply" => BlockKind::AiReply {
            department_id: None,
            max_turns: 5,
        },
        "ai_classify" => BlockKind::AiClassify {
            by: ClassifyBy::Intent,
            department_id: None,
            intents: vec![Intent {
                id: "in1".into(),
                label: String::new(),
                examples: vec![],
            }],
            categories: vec![],
        },
        "choose_department" => BlockKind::ChooseDepartment {
            text: String::new(),
            departments: vec![],
            retry_message: String::new(),
            max_retries: 2,
        },
        "transfer" => BlockKind::Transfer {
            department_id: None,
            agent_id: None,
        },
        "end" => BlockKind::End,
        "jump" => BlockKind::Jump { flow_id: 0 },
        _ => return None,
    })
}

/// An id no block has yet: the type's short name and a number.
pub fn free_id(flow: &FlowDefinition, type_name: &str) -> String {
    let stem: String = type_name.split('_').next().unwrap_or("bloco").to_string();
    (1..)
        .map(|n| format!("{stem}{n}"))
        .find(|id| flow.block(id).is_none())
        .unwrap_or_default()
}

/// Adds a block of `type_name` with its top-left at (`x`, `y`); its id.
pub fn add_block(flow: &mut FlowDefinition, type_name: &str, x: f64, y: f64) -> Option<String> {
    let kind = fresh_kind(type_name)?;
    let id = free_id(flow, type_name);
    flow.blocks.push(Block {
        id: id.clone(),
        position: Position {
            x: x.round(),
            y: y.round(),
        },
        kind,
    });
    Some(id)
}

pub fn move_block(flow: &mut FlowDefinition, id: &str, x: f64, y: f64) {
    if let Some(block) = flow.blocks.iter_mut().find(|b| b.id == id) {
        block.position = Position {
            x: x.round(),
            y: y.round(),
        };
    }
}

/// Gives block `old` the id `new`, its edges following; `false` when `new`
/// is not a valid id or another block has it.
pub fn rename_block(flow: &mut FlowDefinition, old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    if !shared::flows::is_block_id(new) || flow.block(new).is_some() || flow.block(old).is_none() {
        return false;
    }
    for block in flow.blocks.iter_mut().filter(|b| b.id == old) {
        block.id = new.to_string();
    }
    for edge in &mut flow.edges {
        if edge.from == old {
            edge.from = new.to_string();
        }
        if edge.to == old {
            edge.to = new.to_string();
        }
    }
    true
}

/// Removes a block and every edge into or out of it.
pub fn remove_block(flow: &mut FlowDefinition, id: &str) {
    flow.blocks.retain(|b| b.id != id);
    flow.edges.retain(|e| e.from != id && e.to != id);
}

/// Connects `from`'s `output` to `to` (replacing where that output led);
/// `false` when it cannot be (into a start, into itself, unknown blocks).
pub fn connect(flow: &mut FlowDefinition, from: &str, output: &str, to: &str) -> bool {
    let target_ok = flow
        .block(to)
        .is_some_and(|b| !matches!(b.kind, BlockKind::Start { .. }));
    let output_ok = flow
        .block(from)
        .is_some_and(|b| b.kind.outputs().iter().any(|o| o.name == output));
    if from == to || !target_ok || !output_ok {
        return false;
    }
    flow.edges
        .retain(|e| !(e.from == from && e.output == output));
    flow.edges.push(Edge {
        from: from.into(),
        output: output.into(),
        to: to.into(),
    });
    true
}

/// Every variable a block stores is declared (the builder declares them as
/// they are named; only reads of names nothing stores stay problems).
pub fn declare_written(flow: &mut FlowDefinition) {
    let mut written: Vec<String> = flow
        .blocks
        .iter()
        .flat_map(|b| b.kind.writes())
        .filter(|name| shared::flows::is_variable_name(name))
        .collect();
    written.sort();
    written.dedup();
    flow.variables = written;
}

/// Where an output's handle sits (the bottom edge, evenly spread).
pub fn output_point(block: &Block, index: usize, count: usize) -> (f64, f64) {
    let step = BLOCK_W / (count as f64 + 1.0);
    (
        block.position.x + step * (index as f64 + 1.0),
        block.position.y + BLOCK_H,
    )
}

/// Where the block's input sits (the top edge, centred).
pub fn input_point(block: &Block) -> (f64, f64) {
    (block.position.x + BLOCK_W / 2.0, block.position.y)
}

/// The block under a canvas point (the topmost, drawn last).
pub fn block_at(flow: &FlowDefinition, x: f64, y: f64) -> Option<String> {
    flow.blocks
        .iter()
        .rev()
        .find(|b| {
            x >= b.position.x
                && x <= b.position.x + BLOCK_W
                && y >= b.position.y
                && y <= b.position.y + BLOCK_H
        })
        .map(|b| b.id.clone())
}

/// An edge as an SVG path: down from the output, into the input's top.
pub fn edge_path(from: (f64, f64), to: (f64, f64)) -> String {
    let bend = ((to.1 - from.1).abs() / 2.0).max(40.0);
    format!(
        "M {} {} C {} {}, {} {}, {} {}",
        from.0,
        from.1,
        from.0,
        from.1 + bend,
        to.0,
        to.1 - bend,
        to.0,
        to.1
    )
}

/// The box around every block, for "fit to screen": (x, y, width, height).
pub fn bounds(flow: &FlowDefinition) -> Option<(f64, f64, f64, f64)> {
    let mut blocks = flow.blocks.iter();
    let first = blocks.next()?;
    let (mut left, mut top) = (first.position.x, first.position.y);
    let (mut right, mut bottom) = (left + BLOCK_W, top + BLOCK_H);
    for b in blocks {
        left = left.min(b.position.x);
        top = top.min(b.position.y);
        right = right.max(b.position.x + BLOCK_W);
        bottom = bottom.max(b.position.y + BLOCK_H);
    }
    Some((left, top, right - left, bottom - top))
}

/// Undo and redo over whole definitions (a flow is small; copies are
/// simpler than inverse operations and never drift).
#[derive(Clone, Debug, Default)]
pub struct History {
    past: Vec<FlowDefinition>,
    future: Vec<FlowDefinition>,
}

const HISTORY_LIMIT: usize = 100;

impl History {
    /// Remembers the definition as it was before a change.
    pub fn record(&mut self, before: FlowDefinition) {
        self.past.push(before);
        if self.past.len() > HISTORY_LIMIT {
            self.past.remove(0);
        }
        self.future.clear();
    }

    pub fn undo(&mut self, current: FlowDefinition) -> Option<FlowDefinition> {
        let previous = self.past.pop()?;
        self.future.push(current);
        Some(previous)
    }

    pub fn redo(&mut self, current: FlowDefinition) -> Option<FlowDefinition> {
        let next = self.future.pop()?;
        self.past.push(current);
        Some(next)
    }

    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> FlowDefinition {
        shared::flows::starter()
    }

    #[test]
    fn a_renamed_block_keeps_its_edges_and_a_taken_or_odd_id_is_refused() {
        let mut f = flow();
        let menu = add_block(&mut f, "menu", 0.0, 200.0).unwrap();
        assert!(connect(&mut f, "inicio", "next", &menu));
        assert!(connect(&mut f, &menu, "op1", "fim"));
        assert!(rename_block(&mut f, &menu, "escolha"));
        assert!(f.block("escolha").is_some() && f.block(&menu).is_none());
        let edges: Vec<(&str, &str)> = f
            .edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str()))
            .collect();
        assert!(edges.contains(&("inicio", "escolha")) && edges.contains(&("escolha", "fim")));
        assert!(!rename_block(&mut f, "escolha", "fim"), "taken");
        assert!(!rename_block(&mut f, "escolha", "com espaço"), "odd");
        assert!(!rename_block(&mut f, "escolha", ""), "empty");
        assert!(
            f.block("escolha").is_some(),
            "a refused rename changes nothing"
        );
    }

    #[test]
    fn added_blocks_get_free_ids_and_rounded_places() {
        let mut f = flow();
        assert_eq!(
            add_block(&mut f, "menu", 10.4, 20.6).as_deref(),
            Some("menu1")
        );
        assert_eq!(
            add_block(&mut f, "menu", 0.0, 0.0).as_deref(),
            Some("menu2")
        );
        assert_eq!(
            add_block(&mut f, "send_text", 0.0, 0.0).as_deref(),
            Some("send1")
        );
        assert_eq!(
            f.block("menu1").map(|b| b.position),
            Some(Position { x: 10.0, y: 21.0 })
        );
        assert_eq!(add_block(&mut f, "teleport", 0.0, 0.0), None);
    }

    #[test]
    fn connecting_replaces_where_an_output_led_and_refuses_starts_and_loops_onto_itself() {
        let mut f = flow();
        let menu = add_block(&mut f, "menu", 0.0, 200.0).unwrap();
        assert!(connect(&mut f, &menu, "op1", "fim"));
        let text = add_block(&mut f, "send_text", 0.0, 400.0).unwrap();
        assert!(connect(&mut f, &menu, "op1", &text));
        assert_eq!(
            f.edges
                .iter()
                .filter(|e| e.from == menu && e.output == "op1")
                .count(),
            1
        );
        assert_eq!(
            f.follow(&menu, "op1").map(|b| b.id.as_str()),
            Some(text.as_str())
        );
        assert!(!connect(&mut f, &menu, "op2", "inicio"), "into a start");
        assert!(!connect(&mut f, &menu, "op2", &menu), "onto itself");
        assert!(!connect(&mut f, &menu, "nope", "fim"), "an output it lacks");
        assert!(
            !connect(&mut f, "fim", "next", &menu),
            "an end has no output"
        );
    }

    #[test]
    fn removing_a_block_removes_its_edges() {
        let mut f = flow();
        remove_block(&mut f, "fim");
        assert!(f.block("fim").is_none());
        assert!(f.edges.is_empty());
    }

    #[test]
    fn the_topmost_block_under_a_point_is_found() {
        let mut f = flow();
        move_block(&mut f, "fim", 100.0, 40.0);
        assert_eq!(
            block_at(&f, 150.0, 60.0).as_deref(),
            Some("fim"),
            "drawn last, on top"
        );
        assert_eq!(block_at(&f, 5.0, 5.0).as_deref(), Some("inicio"));
        assert_eq!(block_at(&f, -5.0, 5.0), None);
        assert_eq!(
            bounds(&f),
            Some((0.0, 0.0, 100.0 + BLOCK_W, 40.0 + BLOCK_H))
        );
    }

    #[test]
    fn undo_and_redo_walk_the_changes_and_a_new_change_forgets_the_redone() {
        let mut history = History::default();
        let mut f = flow();
        history.record(f.clone());
        add_block(&mut f, "end", 0.0, 0.0);
        let with_end = f.clone();
        let before = history.undo(f).unwrap();
        assert_eq!(before, flow());
        assert!(history.can_redo());
        let again = history.redo(before.clone()).unwrap();
        assert_eq!(again, with_end);
        history.record(again);
        assert!(!history.can_redo());
    }

    #[test]
    fn variables_follow_what_blocks_store() {
        let mut f = flow();
        add_block(&mut f, "ask", 0.0, 0.0);
        declare_written(&mut f);
        assert_eq!(f.variables, ["resposta"]);
    }
}
