//! Whether a rule's conditions hold for a conversation: pure, over the
//! facts [`super::facts`] reads, every condition evaluated (the log shows
//! each one's result, not only the first that failed).

use std::collections::HashMap;

use shared::flows::Match;
use shared::inbox::{ChannelKind, ConversationStatus, Priority};
use shared::rules::{Condition, ConditionCheck, Conditions};
use shared::text::fold;

use crate::ai::sentiment::feeling_of;
use crate::flows::engine::conditions::holds;

/// What the conditions look at.
#[derive(Clone, Debug)]
pub struct Facts {
    pub channel_kind: ChannelKind,
    pub department_id: Option<i64>,
    pub tags: Vec<String>,
    pub priority: Priority,
    pub status: ConversationStatus,
    pub in_business_hours: bool,
    pub contact_attributes: HashMap<String, String>,
    /// The message that started the rule, else the customer's latest.
    pub message: Option<MessageFacts>,
}

#[derive(Clone, Debug)]
pub struct MessageFacts {
    pub text: String,
    pub from_customer: bool,
    /// The offline engine's reading of a customer's message, -1 to 1.
    pub sentiment: Option<f32>,
}

/// Whether the groups hold (all or any of them; no groups: yes), with each
/// condition's result.
pub fn evaluate(conditions: &Conditions, facts: &Facts) -> (bool, Vec<ConditionCheck>) {
    let mut checks = Vec::new();
    let mut group_results = Vec::new();
    for (g, group) in conditions.groups.iter().enumerate() {
        let results: Vec<bool> = group
            .conditions
            .iter()
            .map(|condition| {
                let held = condition_holds(condition, facts);
                checks.push(ConditionCheck {
                    group: g,
                    condition: condition.clone(),
                    held,
                });
                held
            })
            .collect();
        group_results.push(combine(group.r#match, &results));
    }
    let holds = conditions.groups.is_empty() || combine(conditions.r#match, &group_results);
    (holds, checks)
}

fn combine(how: Match, results: &[bool]) -> bool {
    match how {
        Match::All => results.iter().all(|&r| r),
        Match::Any => results.iter().any(|&r| r),
    }
}

pub fn condition_holds(condition: &Condition, facts: &Facts) -> bool {
    match condition {
        Condition::Channel { kinds } => kinds.contains(&facts.channel_kind),
        Condition::Department { department_ids } => facts
            .department_id
            .is_some_and(|id| department_ids.contains(&id)),
        Condition::Tag { tag, present } => {
            let tag = tag.trim().trim_start_matches('#').to_lowercase();
            facts.tags.contains(&tag) == *present
        }
        Condition::Priority { priorities } => priorities.contains(&facts.priority),
        Condition::Status { statuses } => statuses.contains(&facts.status),
        Condition::BusinessHours { inside } => facts.in_business_hours == *inside,
        Condition::ContactAttribute { name, op, value } => {
            let left = facts
                .contact_attributes
                .get(name.trim())
                .map(String::as_str)
                .unwrap_or_default();
            holds(*op, left, Some(value))
        }
        Condition::MessageText { op, value } => {
            let text = facts.message.as_ref().map(|m| m.text.as_str());
            holds(*op, text.unwrap_or_default(), Some(value))
        }
        Condition::Sentiment { feeling } => facts
            .message
            .as_ref()
            .and_then(|m| m.sentiment)
            .is_some_and(|score| feeling_of(score) == *feeling),
        Condition::MessageFrom { customer } => facts
            .message
            .as_ref()
            .is_some_and(|m| m.from_customer == *customer),
    }
}

/// Whether `text` has one of the keywords as whole words, case and accents
/// aside ("Procon" finds "PROCON!", "ola" does not find "cola").
pub fn keyword_found(keywords: &[String], text: &str) -> bool {
    let text = fold(text);
    keywords.iter().any(|keyword| {
        let keyword = fold(keyword.trim());
        !keyword.is_empty()
            && text.match_indices(&keyword).any(|(at, found)| {
                let before = text[..at].chars().next_back();
                let after = text[at + found.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::flows::Operator;
    use shared::inbox::Feeling;
    use shared::rules::ConditionGroup;

    fn facts() -> Facts {
        Facts {
            channel_kind: ChannelKind::WhatsappCloud,
            department_id: Some(7),
            tags: vec!["vip".into()],
            priority: Priority::Normal,
            status: ConversationStatus::Open,
            in_business_hours: false,
            contact_attributes: HashMap::from([("plano".to_string(), "Ouro".to_string())]),
            message: Some(MessageFacts {
                text: "Quero cancelar, vou ao Procon!".into(),
                from_customer: true,
                sentiment: Some(-0.6),
            }),
        }
    }

    fn group(r#match: Match, conditions: Vec<Condition>) -> ConditionGroup {
        ConditionGroup {
            r#match,
            conditions,
        }
    }

    #[test]
    fn each_condition_reads_its_fact() {
        let f = facts();
        let yes = [
            Condition::Channel {
                kinds: vec![ChannelKind::Email, ChannelKind::WhatsappCloud],
            },
            Condition::Department {
                department_ids: vec![7],
            },
            Condition::Tag {
                tag: "#VIP".into(),
                present: true,
            },
            Condition::Tag {
                tag: "late".into(),
                present: false,
            },
            Condition::Priority {
                priorities: vec![Priority::Normal],
            },
            Condition::Status {
                statuses: vec![ConversationStatus::Open],
            },
            Condition::BusinessHours { inside: false },
            Condition::ContactAttribute {
                name: "plano".into(),
                op: Operator::Equals,
                value: "ouro".into(),
            },
            Condition::MessageText {
                op: Operator::Contains,
                value: "cancelar".into(),
            },
            Condition::MessageText {
                op: Operator::Matches,
                value: r"\bprocon\b".into(),
            },
            Condition::Sentiment {
                feeling: Feeling::Negative,
            },
            Condition::MessageFrom { customer: true },
        ];
        for condition in &yes {
            assert!(condition_holds(condition, &f), "{condition:?}");
        }
        let no = [
            Condition::Channel {
                kinds: vec![ChannelKind::Email],
            },
            Condition::Department {
                department_ids: vec![8],
            },
            Condition::Tag {
                tag: "vip".into(),
                present: false,
            },
            Condition::Priority {
                priorities: vec![Priority::Urgent],
            },
            Condition::BusinessHours { inside: true },
            Condition::ContactAttribute {
                name: "cidade".into(),
                op: Operator::IsSet,
                value: String::new(),
            },
            Condition::MessageText {
                op: Operator::Contains,
                value: "obrigado".into(),
            },
            Condition::Sentiment {
                feeling: Feeling::Positive,
            },
            Condition::MessageFrom { customer: false },
        ];
        for condition in &no {
            assert!(!condition_holds(condition, &f), "{condition:?}");
        }
    }

    #[test]
    fn without_a_message_message_conditions_do_not_hold() {
        let mut f = facts();
        f.message = None;
        assert!(!condition_holds(
            &Condition::Sentiment {
                feeling: Feeling::Negative
            },
            &f
        ));
        assert!(!condition_holds(
            &Condition::MessageFrom { customer: true },
            &f
        ));
    }

    #[test]
    fn groups_combine_with_and_and_or() {
        let f = facts();
        let vip = Condition::Tag {
            tag: "vip".into(),
            present: true,
        };
        let urgent = Condition::Priority {
            priorities: vec![Priority::Urgent],
        };
        // (vip AND urgent) → no; (vip OR urgent) → yes.
        let all = Conditions {
            r#match: Match::All,
            groups: vec![group(Match::All, vec![vip.clone(), urgent.clone()])],
        };
        let (held, checks) = evaluate(&all, &f);
        assert!(!held);
        assert_eq!(
            checks.iter().map(|c| c.held).collect::<Vec<_>>(),
            [true, false]
        );
        let any = Conditions {
            r#match: Match::All,
            groups: vec![group(Match::Any, vec![vip.clone(), urgent.clone()])],
        };
        assert!(evaluate(&any, &f).0);
        // Two groups: (urgent) OR (vip) → yes; AND → no.
        let mut groups = Conditions {
            r#match: Match::Any,
            groups: vec![
                group(Match::All, vec![urgent.clone()]),
                group(Match::All, vec![vip]),
            ],
        };
        assert!(evaluate(&groups, &f).0);
        groups.r#match = Match::All;
        assert!(!evaluate(&groups, &f).0);
        assert!(evaluate(&Conditions::default(), &f).0, "no groups: always");
    }

    #[test]
    fn keywords_match_whole_words_without_case_or_accents() {
        let words = vec!["procon".to_string(), "reclame aqui".to_string()];
        assert!(keyword_found(&words, "Vou no PROCON!"));
        assert!(keyword_found(&words, "postei no Reclame Aqui"));
        assert!(keyword_found(
            &["cancelamento".into()],
            "Quero o CANCELAMENTO"
        ));
        assert!(keyword_found(&["não".into()], "nao quero"));
        assert!(!keyword_found(&["ola".into()], "uma cola"));
        assert!(!keyword_found(&words, "tudo certo"));
        assert!(!keyword_found(&["  ".into()], "qualquer coisa"));
    }
}
