//! A waiting block takes what arrived: the customer's answer to a
//! question, a menu, a choice of department or an AI block, and the AI
//! agent's word on it.

use shared::flows::{template, Block, BlockKind, ELSE, HANDOFF, INVALID, NEXT};

use super::{
    answers, classify, department_options, Action, AiOutcome, Ending, Next, Run, Waiting, World,
};

impl Run {
    /// An answer to the question or menu the run waits on: on to its
    /// output, or asked again (the retry message, else the question; a
    /// menu with its options), or out through `invalid` after the retries.
    pub(super) fn answer(
        &mut self,
        block: &Block,
        text: &str,
        world: &impl World,
        actions: &mut Vec<Action>,
    ) -> Next {
        let render = |text: &str| template::render(text, |name| self.value(name, world));
        let again = |retry: &str, first: &str| {
            if retry.trim().is_empty() {
                render(first)
            } else {
                render(retry)
            }
        };
        let (chosen, retry, max_retries) = match &block.kind {
            BlockKind::AiReply {
                department_id,
                max_turns,
            } => {
                if self.retries >= *max_turns {
                    return Next::Output(HANDOFF);
                }
                self.unanswered = false;
                actions.push(Action::reply_to(*department_id, text.trim().to_string()));
                return Next::Wait(Waiting::Ai);
            }
            BlockKind::AiClassify { .. } => {
                actions.extend(classify(block, text.trim().to_string()));
                return Next::Wait(Waiting::Ai);
            }
            BlockKind::Ask {
                kind,
                variable,
                retry_message,
                max_retries,
                question,
            } => {
                let answer = answers::read_answer(*kind, text).map(|a| (variable.clone(), a));
                let retry = Action::Send {
                    text: again(retry_message, question),
                };
                (answer, retry, *max_retries)
            }
            BlockKind::Menu {
                options,
                retry_message,
                max_retries,
                text: menu,
            } => {
                let chosen =
                    answers::read_choice(options, text).map(|o| (String::new(), o.id.clone()));
                let retry = Action::SendMenu {
                    text: again(retry_message, menu),
                    options: options.iter().map(|o| render(&o.label)).collect(),
                };
                (chosen, retry, *max_retries)
            }
            BlockKind::ChooseDepartment {
                text: menu,
                departments,
                retry_message,
                max_retries,
            } => {
                let offered = department_options(&world.departments(departments));
                if let Some(department) = answers::read_choice(&offered, text) {
                    self.unanswered = false;
                    actions.push(Action::Transfer {
                        department_id: department.id.parse().ok(),
                        agent_id: None,
                    });
                    return Next::End(Ending::HandedOff);
                }
                let retry = Action::SendMenu {
                    text: again(retry_message, menu),
                    options: offered.into_iter().map(|o| o.label).collect(),
                };
                (None, retry, *max_retries)
            }
            _ => return Next::Wait(Waiting::Answer),
        };
        self.unanswered = false;
        match (chosen, &block.kind) {
            (Some((variable, answer)), BlockKind::Ask { .. }) => {
                self.variables.insert(variable, answer);
                Next::Output(NEXT)
            }
            (Some((_, option)), _) => Next::Choice(option),
            (None, _) if self.retries >= max_retries => Next::Output(INVALID),
            (None, _) => {
                self.retries += 1;
                actions.push(retry);
                Next::Wait(Waiting::Answer)
            }
        }
    }

    /// The agent's word on the current AI block: an answer said (and the
    /// next message awaited, or asked about at once when the customer wrote
    /// meanwhile), a handoff, or the output a classification chose.
    pub(super) fn heard(
        &mut self,
        block: &Block,
        outcome: AiOutcome,
        actions: &mut Vec<Action>,
    ) -> Next {
        match (&block.kind, outcome) {
            (
                BlockKind::AiReply {
                    department_id,
                    max_turns,
                },
                AiOutcome::Reply(text),
            ) => {
                actions.push(Action::Send { text });
                self.retries = self.retries.saturating_add(1);
                match self.take_message() {
                    Some(_) if self.retries >= *max_turns => Next::Output(HANDOFF),
                    Some(text) => {
                        actions.push(Action::reply_to(*department_id, text));
                        Next::Wait(Waiting::Ai)
                    }
                    None => Next::Wait(Waiting::Answer),
                }
            }
            (BlockKind::AiClassify { .. }, AiOutcome::Class(output)) => {
                let known = block.kind.outputs().iter().any(|o| o.name == output);
                if known {
                    Next::Choice(output)
                } else {
                    Next::Output(ELSE)
                }
            }
            (BlockKind::AiClassify { .. }, _) => Next::Output(ELSE),
            (_, _) => Next::Output(HANDOFF),
        }
    }
}
