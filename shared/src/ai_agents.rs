//! AI agents: the account's global agent, one per department (its own
//! instructions and knowledge base), and the sentiment agent. Each asks one
//! of the account's providers, or the offline engine. Flows' "AI reply" and
//! "AI classify" blocks speak through them.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::errors::ErrorCode;
use crate::inbox::string_enum;

pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_INSTRUCTIONS_CHARS: usize = 4_000;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DOCUMENT_CHARS: usize = 100_000;
pub const MAX_QUESTION_CHARS: usize = 1_000;

string_enum!(
    /// Which agent: the account's, a department's, or the one that reads
    /// customers' feelings.
    AgentKind {
        Global => "global",
        Department => "department",
        Sentiment => "sentiment",
    }
);

/// An agent as the settings page and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiAgent {
    pub id: i64,
    pub kind: AgentKind,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub name: String,
    pub instructions: String,
    /// None: the offline engine.
    pub provider_id: Option<i64>,
    pub provider_name: Option<String>,
    pub documents: u32,
}

/// An agent as typed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiAgentForm {
    pub kind: AgentKind,
    #[serde(default)]
    pub department_id: Option<i64>,
    pub name: String,
    #[serde(default)]
    pub instructions: String,
    #[serde(default)]
    pub provider_id: Option<i64>,
}

impl AiAgentForm {
    /// Every field at fault, as (field, code).
    pub fn problems(&self) -> Vec<(&'static str, ErrorCode)> {
        let mut problems = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            problems.push(("name", ErrorCode::Required));
        } else if name.chars().count() > MAX_NAME_CHARS {
            problems.push(("name", ErrorCode::TooLong));
        }
        if self.instructions.chars().count() > MAX_INSTRUCTIONS_CHARS {
            problems.push(("instructions", ErrorCode::TooLong));
        }
        match (self.kind, self.department_id) {
            (AgentKind::Department, None) => problems.push(("department_id", ErrorCode::Required)),
            (AgentKind::Global | AgentKind::Sentiment, Some(_)) => {
                problems.push(("department_id", ErrorCode::OptionInvalid))
            }
            _ => {}
        }
        problems
    }
}

/// A document of an agent's knowledge base.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeDocument {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// How many passages it was cut into for the search.
    pub passages: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeForm {
    pub title: String,
    pub body: String,
}

impl KnowledgeForm {
    pub fn problems(&self) -> Vec<(&'static str, ErrorCode)> {
        let mut problems = Vec::new();
        let title = self.title.trim();
        if title.is_empty() {
            problems.push(("title", ErrorCode::Required));
        } else if title.chars().count() > MAX_TITLE_CHARS {
            problems.push(("title", ErrorCode::TooLong));
        }
        let body = self.body.trim();
        if body.is_empty() {
            problems.push(("body", ErrorCode::Required));
        } else if body.chars().count() > MAX_DOCUMENT_CHARS {
            problems.push(("body", ErrorCode::TooLong));
        }
        problems
    }
}

string_enum!(
    /// Why an agent gave the customer to people instead of answering:
    /// the customer asked for a person, or its knowledge holds no answer
    /// it is sure of.
    HandoffReason {
        AskedForPerson => "asked_for_person",
        Unsure => "unsure",
    }
);

/// A passage an answer drew on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeSource {
    pub document_id: i64,
    pub title: String,
    pub excerpt: String,
}

/// What an agent would say to a customer's message: a reply, or a handoff
/// and why; the passages it drew on; who answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentAnswer {
    pub reply: Option<String>,
    pub handoff: Option<HandoffReason>,
    pub sources: Vec<KnowledgeSource>,
    /// The provider's name, or `None` for the offline engine.
    pub provider: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: AgentKind, department_id: Option<i64>) -> AiAgentForm {
        AiAgentForm {
            kind,
            department_id,
            name: "Vendas".into(),
            instructions: String::new(),
            provider_id: None,
        }
    }

    #[test]
    fn a_department_agent_names_its_department_and_only_it_does() {
        assert!(form(AgentKind::Department, Some(1)).problems().is_empty());
        assert!(form(AgentKind::Global, None).problems().is_empty());
        assert_eq!(
            form(AgentKind::Department, None).problems(),
            [("department_id", ErrorCode::Required)]
        );
        assert_eq!(
            form(AgentKind::Sentiment, Some(1)).problems(),
            [("department_id", ErrorCode::OptionInvalid)]
        );
    }

    #[test]
    fn documents_need_a_title_and_a_body() {
        let ok = KnowledgeForm {
            title: "Entregas".into(),
            body: "Entregamos em todo o Brasil.".into(),
        };
        assert!(ok.problems().is_empty());
        let empty = KnowledgeForm {
            title: " ".into(),
            body: String::new(),
        };
        assert_eq!(
            empty.problems(),
            [
                ("title", ErrorCode::Required),
                ("body", ErrorCode::Required)
            ]
        );
    }
}
