//! The interpreter's core: one run of a published flow version, advanced
//! by events (started, the customer wrote, the clock reached a deadline,
//! an HTTP request came back) into actions for the caller to carry out
//! (send, tag, transfer, …). Pure — no database, no network, the clock and
//! the calendar come in through [`World`] — so every block's behaviour is
//! unit-tested with a fake clock, and the run state is a value to persist.

pub mod answers;
pub mod conditions;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use shared::flows::{
    template, Block, BlockKind, ClassifyBy, FlowDefinition, HttpMethod, Intent, MenuOption,
    Operand, SetTarget, CLOSED, ELSE, ERROR, HANDOFF, INVALID, NEXT, OPEN, TIMEOUT,
};
use shared::inbox::Priority;
use uuid::Uuid;

/// Blocks one event may pass through before the run is stopped (validation
/// already refuses loops that never wait; this is the belt to its braces).
const MAX_STEPS_PER_EVENT: usize = 200;

/// What the run waits for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Waiting {
    /// An answer to the current question or menu.
    Answer,
    /// The customer's next message, until the deadline.
    Reply { until: DateTime<Utc> },
    /// Only the clock.
    Delay { until: DateTime<Utc> },
    /// The HTTP request's response.
    Http,
    /// The AI agent's answer or reading.
    Ai,
}

impl Waiting {
    /// When the clock moves the run on by itself.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        match self {
            Waiting::Reply { until } | Waiting::Delay { until } => Some(*until),
            Waiting::Answer | Waiting::Http | Waiting::Ai => None,
        }
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// An end block, or an optional way out left unconnected.
    Completed,
    /// Handed to people (a transfer block).
    HandedOff,
    /// Went on in another flow.
    Jumped,
    /// Could not go on (the block vanished, too many steps at once).
    Dropped,
}

/// A run's state: where it is, what it waits for, what it knows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub block: String,
    pub waiting: Option<Waiting>,
    pub variables: BTreeMap<String, String>,
    /// Wrong answers to the current question or menu.
    pub retries: u8,
    /// Every block entered, in order.
    pub path: Vec<String>,
    pub ended: Option<Ending>,
    /// The customer's latest message in this run (`message.text`).
    #[serde(default)]
    pub last_message: Option<String>,
    /// Whether no block took the latest message yet (an AI reply answers
    /// the message that brought the run to it, never a menu's "2").
    #[serde(default)]
    pub unanswered: bool,
}

/// What moves a run on.
#[derive(Clone, Debug, PartialEq)]
pub enum Event<'a> {
    Started,
    CustomerWrote(&'a str),
    /// The clock passed a deadline ([`Waiting::deadline`]).
    Clock,
    /// The HTTP request's JSON response, or why it failed.
    HttpDone(Result<serde_json::Value, String>),
    /// What the AI agent said.
    AiDone(AiOutcome),
}

/// What an AI block asks its agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum AiTask {
    /// An answer to the customer's message, or a handoff.
    Reply,
    /// The message's sentiment: `positive`, `neutral` or `negative`.
    Sentiment,
    /// Which intent the message expresses (an intent's id, else `else`).
    Intent { intents: Vec<Intent> },
    /// Which of these interaction categories the message belongs to (its
    /// [`category_output`](shared::flows::category_output), else `else`).
    Category { categories: Vec<i64> },
}

/// What the agent said.
#[derive(Clone, Debug, PartialEq)]
pub enum AiOutcome {
    /// Says this to the customer.
    Reply(String),
    /// Gives the customer to people.
    Handoff,
    /// The block's output the message belongs to.
    Class(String),
}

/// What the caller does for the run, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Send {
        text: String,
    },
    /// Buttons where the channel has them, numbered text otherwise.
    SendMenu {
        text: String,
        options: Vec<String>,
    },
    SendMedia {
        url: String,
        caption: String,
    },
    SetContactAttribute {
        name: String,
        value: String,
    },
    AddTag(String),
    SetPriority(Priority),
    Http {
        method: HttpMethod,
        url: String,
        headers: Vec<(String, String)>,
        body: Option<String>,
        timeout_ms: u32,
    },
    Transfer {
        department_id: Option<i64>,
        agent_id: Option<Uuid>,
    },
    Jump {
        flow_id: i64,
    },
    /// Asks the AI agent of the department (none: the global one).
    Ai {
        task: AiTask,
        department_id: Option<i64>,
        text: String,
    },
}

impl Action {
    /// An AI reply block's question to its agent.
    fn reply_to(department_id: Option<i64>, text: String) -> Action {
        Action::Ai {
            task: AiTask::Reply,
            department_id,
            text,
        }
    }
}

/// What the run needs from the world.
pub trait World {
    fn now(&self) -> DateTime<Utc>;
    /// Whether the department (none: the account) is open now.
    fn is_open(&self, department_id: Option<i64>) -> bool;
    /// A built-in variable (`contact.name`, `channel.name`, …).
    fn builtin(&self, name: &str) -> Option<String>;
    /// The departments a choose-department block offers, by id and name, in
    /// its order (`chosen` empty: every one); those removed since are left out.
    fn departments(&self, chosen: &[i64]) -> Vec<(i64, String)>;
}

/// The departments offered as a menu's options (each option's id is the
/// department's).
fn department_options(offered: &[(i64, String)]) -> Vec<MenuOption> {
    offered
        .iter()
        .map(|(id, name)| MenuOption {
            id: id.to_string(),
            label: name.clone(),
        })
        .collect()
}

/// Where a block sends the run next.
enum Next {
    Output(&'static str),
    Choice(String),
    Wait(Waiting),
    End(Ending),
}

impl Run {
    /// A run about to enter `start` (a start block's id).
    pub fn new(start: &str) -> Run {
        Run {
            block: start.to_string(),
            waiting: None,
            variables: BTreeMap::new(),
            retries: 0,
            path: vec![],
            ended: None,
            last_message: None,
            unanswered: false,
        }
    }

    /// Moves the run on by `event`; the actions to carry out, in order.
    /// Events the run does not wait for (a message while it only waits for
    /// the clock) change nothing.
    pub fn advance(
        &mut self,
        flow: &FlowDefinition,
        event: Event<'_>,
        world: &impl World,
    ) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.ended.is_some() {
            return actions;
        }
        if let Event::CustomerWrote(text) = &event {
            self.last_message = Some(text.trim().to_string());
            self.unanswered = true;
        }
        let Some(block) = flow.block(&self.block) else {
            self.ended = Some(Ending::Dropped);
            return actions;
        };
        let mut next = match (&self.waiting, event) {
            (None, Event::Started) => self.enter(block, world, &mut actions),
            (Some(Waiting::Answer), Event::CustomerWrote(text)) => {
                self.answer(block, text, world, &mut actions)
            }
            (Some(Waiting::Reply { .. }), Event::CustomerWrote(text)) => {
                if let BlockKind::WaitForReply {
                    variable: Some(name),
                    ..
                } = &block.kind
                {
                    self.variables.insert(name.clone(), text.trim().to_string());
                }
                self.unanswered = false;
                Next::Output(NEXT)
            }
            (Some(Waiting::Reply { until }), Event::Clock) if world.now() >= *until => {
                Next::Output(TIMEOUT)
            }
            (Some(Waiting::Delay { until }), Event::Clock) if world.now() >= *until => {
                Next::Output(NEXT)
            }
            (Some(Waiting::Http), Event::HttpDone(Ok(response))) => {
                if let BlockKind::Http { map, .. } = &block.kind {
                    for mapping in map {
                        let value = lookup(&response, &mapping.path).unwrap_or_default();
                        self.variables.insert(mapping.variable.clone(), value);
                    }
                }
                Next::Output(NEXT)
            }
            (Some(Waiting::Http), Event::HttpDone(Err(_))) => Next::Output(ERROR),
            (Some(Waiting::Ai), Event::AiDone(outcome)) => self.heard(block, outcome, &mut actions),
            _ => return actions,
        };
        self.waiting = None;
        for _ in 0..MAX_STEPS_PER_EVENT {
            let output = match next {
                Next::Wait(waiting) => {
                    self.waiting = Some(waiting);
                    return actions;
                }
                Next::End(ending) => {
                    self.ended = Some(ending);
                    return actions;
                }
                Next::Output(output) => output.to_string(),
                Next::Choice(output) => output,
            };
            let Some(following) = flow.follow(&self.block, &output) else {
                // An optional way out left unconnected ends the run.
                self.ended = Some(Ending::Completed);
                return actions;
            };
            self.block = following.id.clone();
            self.retries = 0;
            next = self.enter(following, world, &mut actions);
        }
        self.ended = Some(Ending::Dropped);
        actions
    }

    /// Enters `block`: does what it does, and says where to go.
    fn enter(&mut self, block: &Block, world: &impl World, actions: &mut Vec<Action>) -> Next {
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

    /// An answer to the question or menu the run waits on: on to its
    /// output, or asked again (the retry message, else the question; a
    /// menu with its options), or out through `invalid` after the retries.
    fn answer(
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
    fn heard(&mut self, block: &Block, outcome: AiOutcome, actions: &mut Vec<Action>) -> Next {
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

    /// The latest message, if no block took it yet (and now this one has).
    fn take_message(&mut self) -> Option<String> {
        let text = self.last_message.clone().filter(|t| !t.is_empty());
        if !self.unanswered {
            return None;
        }
        self.unanswered = false;
        text
    }

    /// A variable's value: the run's own, the latest message, or built in.
    fn value(&self, name: &str, world: &impl World) -> Option<String> {
        if name == "message.text" {
            if let Some(text) = &self.last_message {
                return Some(text.clone());
            }
        }
        self.variables
            .get(name)
            .cloned()
            .or_else(|| world.builtin(name))
    }
}

/// The request an AI classify block makes about `text`.
fn classify(block: &Block, text: String) -> Option<Action> {
    let BlockKind::AiClassify {
        by,
        department_id,
        intents,
        categories,
    } = &block.kind
    else {
        return None;
    };
    let task = match by {
        ClassifyBy::Sentiment => AiTask::Sentiment,
        ClassifyBy::Intent => AiTask::Intent {
            intents: intents.clone(),
        },
        ClassifyBy::Category => AiTask::Category {
            categories: categories.clone(),
        },
    };
    Some(Action::Ai {
        task,
        department_id: *department_id,
        text,
    })
}

/// A field of a JSON document by its dotted path (`data.items.0.name`), as
/// text (numbers and booleans written out; objects and lists as JSON).
pub fn lookup(document: &serde_json::Value, path: &str) -> Option<String> {
    let mut at = document;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        at = match at {
            serde_json::Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            serde_json::Value::Object(fields) => fields.get(part)?,
            _ => return None,
        };
    }
    match at {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests;
