//! The interpreter's core: one run of a published flow version, advanced
//! by events (started, the customer wrote, the clock reached a deadline,
//! an HTTP request came back) into actions for the caller to carry out
//! (send, tag, transfer, …). Pure — no database, no network, the clock and
//! the calendar come in through [`World`] — so every block's behaviour is
//! unit-tested with a fake clock, and the run state is a value to persist.

pub mod answers;
mod blocks;
pub mod conditions;
mod replies;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::flows::{
    Block, BlockKind, ClassifyBy, FlowDefinition, HttpMethod, Intent, MenuOption, ERROR, NEXT,
    TIMEOUT,
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
