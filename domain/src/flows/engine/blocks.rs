//! Entering a block: what each kind of block does when the run arrives at
//! it, and where the run goes from there.

use chrono::Duration;
use shared::flows::{
    template, Block, BlockKind, Operand, SetTarget, CLOSED, ELSE, INVALID, NEXT, OPEN,
};
use shared::inbox::Priority;

use super::{classify, conditions, Action, Ending, Next, Run, Waiting, World};

impl Run {
    /// Enters `block`: does what it does, and says where to go.
    pub(super) fn enter(
        &mut self,
        block: &Block,
        world: &impl World,
        actions: &mut Vec<Action>,
    ) -> Next {
        self.path.push(block.id.clone());
        let render = |text: &str| template::render(text, |name| self.value(name, world));
        match &block.kind {
            BlockKind::Start { .. } => Next::Output(NEXT),
            BlockKind::SendText { text } => {
                actions.push(Action::Send { text: render(text) });
                Next::Output(NEXT)
            }
            BlockKind::SendMedia { url, caption } => {
                actions.push(Action::SendMedia {
                    url: render(url),
                    caption: render(caption),
                });
                Next::Output(NEXT)
            }
            BlockKind::Ask { question, .. } => {
                actions.push(Action::Send {
                    text: render(question),
                });
                Next::Wait(Waiting::Answer)
            }
            BlockKind::Menu { text, options, .. } => {
                actions.push(Action::SendMenu {
                    text: render(text),
                    options: options.iter().map(|o| render(&o.label)).collect(),
                });
                Next::Wait(Waiting::Answer)
            }
            BlockKind::ChooseDepartment {
                text, departments, ..
            } => {
                let offered = world.departments(departments);
                if offered.is_empty() {
                    return Next::Output(INVALID);
                }
                actions.push(Action::SendMenu {
                    text: render(text),
                    options: offered.into_iter().map(|(_, name)| name).collect(),
                });
                Next::Wait(Waiting::Answer)
            }
            BlockKind::Condition { branches } => {
                let operand = |operand: &Operand| match operand {
                    Operand::Var(name) => self.value(name, world).unwrap_or_default(),
                    Operand::Text(text) => render(text),
                };
                match conditions::first_match(branches, operand) {
                    Some(branch) => Next::Choice(branch.id.clone()),
                    None => Next::Output(ELSE),
                }
            }
            BlockKind::BusinessHours { department_id } => {
                Next::Output(if world.is_open(*department_id) {
                    OPEN
                } else {
                    CLOSED
                })
            }
            BlockKind::Set {
                target,
                name,
                value,
            } => {
                let value = render(value);
                match target {
                    SetTarget::Variable => {
                        self.variables.insert(name.clone(), value);
                    }
                    SetTarget::ContactAttribute => actions.push(Action::SetContactAttribute {
                        name: name.clone(),
                        value,
                    }),
                    SetTarget::Tag => actions.push(Action::AddTag(value)),
                    SetTarget::Priority => {
                        if let Ok(priority) = value.trim().parse::<Priority>() {
                            actions.push(Action::SetPriority(priority));
                        }
                    }
                }
                Next::Output(NEXT)
            }
            BlockKind::Wait { seconds } => Next::Wait(Waiting::Delay {
                until: world.now() + Duration::seconds((*seconds).into()),
            }),
            BlockKind::WaitForReply {
                timeout_seconds, ..
            } => Next::Wait(Waiting::Reply {
                until: world.now() + Duration::seconds((*timeout_seconds).into()),
            }),
            BlockKind::Http {
                method,
                url,
                headers,
                body,
                timeout_ms,
                ..
            } => {
                actions.push(Action::Http {
                    method: *method,
                    url: render(url),
                    headers: headers
                        .iter()
                        .map(|h| (h.name.clone(), render(&h.value)))
                        .collect(),
                    body: body.as_deref().map(render),
                    timeout_ms: *timeout_ms,
                });
                Next::Wait(Waiting::Http)
            }
            BlockKind::AiReply { department_id, .. } => match self.take_message() {
                Some(text) => {
                    actions.push(Action::reply_to(*department_id, text));
                    Next::Wait(Waiting::Ai)
                }
                None => Next::Wait(Waiting::Answer),
            },
            BlockKind::AiClassify { .. } => match self.last_message.clone() {
                Some(text) if !text.is_empty() => {
                    actions.extend(classify(block, text));
                    Next::Wait(Waiting::Ai)
                }
                _ => Next::Wait(Waiting::Answer),
            },
            BlockKind::Transfer {
                department_id,
                agent_id,
            } => {
                actions.push(Action::Transfer {
                    department_id: *department_id,
                    agent_id: *agent_id,
                });
                Next::End(Ending::HandedOff)
            }
            BlockKind::End => Next::End(Ending::Completed),
            BlockKind::Jump { flow_id } => {
                actions.push(Action::Jump { flow_id: *flow_id });
                Next::End(Ending::Jumped)
            }
        }
    }
}
