//! One condition of a rule: its kinds, a fresh one of a kind, its editor
//! (kind, operator, value) and the operators' values in the form.

use leptos::prelude::*;
use shared::flows::{FlowChoices, Operator};
use shared::inbox::{ChannelKind, ConversationStatus, Feeling, Priority};
use shared::rules::{Condition, RuleForm};
use shared::{AppError, Locale};

use crate::pages::rules::form::{checks, select, text, toggled};
use crate::pages::rules::strings::{self, RuleWords};
use crate::pages::rules::SMALL;
use crate::prefs::use_t;

const CONDITION_KINDS: [&str; 10] = [
    "message_text",
    "sentiment",
    "message_from",
    "tag",
    "priority",
    "status",
    "channel",
    "department",
    "business_hours",
    "contact_attribute",
];

const OPERATORS: [Operator; 9] = [
    Operator::Contains,
    Operator::Equals,
    Operator::NotEquals,
    Operator::StartsWith,
    Operator::Matches,
    Operator::GreaterThan,
    Operator::LessThan,
    Operator::IsSet,
    Operator::IsEmpty,
];

pub(super) fn new_condition(kind: &str) -> Condition {
    match kind {
        "channel" => Condition::Channel {
            kinds: vec![ChannelKind::WhatsappCloud],
        },
        "department" => Condition::Department {
            department_ids: Vec::new(),
        },
        "tag" => Condition::Tag {
            tag: String::new(),
            present: true,
        },
        "priority" => Condition::Priority {
            priorities: vec![Priority::Urgent],
        },
        "status" => Condition::Status {
            statuses: vec![ConversationStatus::Open],
        },
        "business_hours" => Condition::BusinessHours { inside: false },
        "contact_attribute" => Condition::ContactAttribute {
            name: String::new(),
            op: Operator::Equals,
            value: String::new(),
        },
        "sentiment" => Condition::Sentiment {
            feeling: Feeling::Negative,
        },
        "message_from" => Condition::MessageFrom { customer: true },
        _ => Condition::MessageText {
            op: Operator::Contains,
            value: String::new(),
        },
    }
}

fn set_condition(form: RwSignal<RuleForm>, g: usize, c: usize, condition: Condition) {
    form.update(|f| {
        if let Some(slot) = f
            .conditions
            .groups
            .get_mut(g)
            .and_then(|group| group.conditions.get_mut(c))
        {
            *slot = condition;
        }
    });
}

#[allow(clippy::too_many_arguments)]
pub(super) fn condition_editor(
    g: usize,
    c: usize,
    condition: Condition,
    form: RwSignal<RuleForm>,
    error: RwSignal<Option<AppError>>,
    choices: StoredValue<FlowChoices>,
    w: &'static RuleWords,
    locale: Locale,
) -> AnyView {
    let t = use_t();
    let key = format!("conditions.{g}.{c}");
    let problem = move || {
        error
            .get()
            .and_then(|e| e.field_code(&key))
            .map(|code| t().code(code))
    };
    let kinds: Vec<(String, String)> = CONDITION_KINDS
        .iter()
        .map(|k| {
            (
                k.to_string(),
                strings::condition_kind_name(k, locale).to_string(),
            )
        })
        .collect();
    let kind_picker = select(
        "condition-kind",
        w.conditions.to_string(),
        kinds,
        condition.kind().to_string(),
        move |kind| set_condition(form, g, c, new_condition(&kind)),
    );
    let set = move |condition: Condition| set_condition(form, g, c, condition);
    let operators = || -> Vec<(String, String)> {
        OPERATORS
            .iter()
            .map(|op| {
                (
                    operator_value(*op).to_string(),
                    strings::operator_name(*op, locale).to_string(),
                )
            })
            .collect()
    };
    let editor = match condition.clone() {
        Condition::Channel { kinds } => checks(
            "condition-channels",
            ChannelKind::ALL
                .iter()
                .map(|k| {
                    (
                        k.as_str().to_string(),
                        strings::channel_name(*k, locale).to_string(),
                    )
                })
                .collect(),
            kinds.iter().map(|k| k.as_str().to_string()).collect(),
            move |value, on| {
                if let Ok(kind) = value.parse::<ChannelKind>() {
                    let mut kinds = kinds.clone();
                    toggled(&mut kinds, kind, on);
                    set(Condition::Channel { kinds });
                }
            },
        ),
        Condition::Department { department_ids } => checks(
            "condition-departments",
            choices.with_value(|c| {
                c.departments
                    .iter()
                    .map(|(id, name)| (id.to_string(), name.clone()))
                    .collect()
            }),
            department_ids.iter().map(i64::to_string).collect(),
            move |value, on| {
                if let Ok(id) = value.parse::<i64>() {
                    let mut department_ids = department_ids.clone();
                    toggled(&mut department_ids, id, on);
                    set(Condition::Department { department_ids });
                }
            },
        ),
        Condition::Tag { tag, present } => {
            let kept = tag.clone();
            view! {
                <div class="flex flex-wrap gap-2">
                    {select("condition-tag-present", w.tag.to_string(),
                        vec![("true".into(), w.has.into()), ("false".into(), w.lacks.into())],
                        present.to_string(),
                        move |value| set(Condition::Tag { tag: kept.clone(), present: value == "true" }))}
                    {text("condition-tag", w.tag.to_string(), tag, move |tag| set(Condition::Tag { tag, present }))}
                </div>
            }
            .into_any()
        }
        Condition::Priority { priorities } => checks(
            "condition-priorities",
            Priority::ALL
                .iter()
                .map(|p| {
                    (
                        p.as_str().to_string(),
                        strings::priority_name(*p, locale).to_string(),
                    )
                })
                .collect(),
            priorities.iter().map(|p| p.as_str().to_string()).collect(),
            move |value, on| {
                if let Ok(priority) = value.parse::<Priority>() {
                    let mut priorities = priorities.clone();
                    toggled(&mut priorities, priority, on);
                    set(Condition::Priority { priorities });
                }
            },
        ),
        Condition::Status { statuses } => checks(
            "condition-statuses",
            ConversationStatus::ALL
                .iter()
                .map(|s| {
                    (
                        s.as_str().to_string(),
                        strings::status_name(*s, locale).to_string(),
                    )
                })
                .collect(),
            statuses.iter().map(|s| s.as_str().to_string()).collect(),
            move |value, on| {
                if let Ok(status) = value.parse::<ConversationStatus>() {
                    let mut statuses = statuses.clone();
                    toggled(&mut statuses, status, on);
                    set(Condition::Status { statuses });
                }
            },
        ),
        Condition::BusinessHours { inside } => select(
            "condition-hours",
            w.conditions.to_string(),
            vec![
                ("true".into(), w.inside_hours.into()),
                ("false".into(), w.outside_hours.into()),
            ],
            inside.to_string(),
            move |value| {
                set(Condition::BusinessHours {
                    inside: value == "true",
                })
            },
        ),
        Condition::ContactAttribute { name, op, value } => {
            let (n1, v1) = (name.clone(), value.clone());
            let (n2, v2) = (name.clone(), value.clone());
            view! {
                <div class="grid gap-2 sm:grid-cols-3">
                    {text("condition-attribute", w.attribute.to_string(), name, move |name| set(Condition::ContactAttribute { name, op, value: v1.clone() }))}
                    {select("condition-operator", w.value.to_string(), operators(), operator_value(op).to_string(),
                        move |picked| set(Condition::ContactAttribute { name: n1.clone(), op: parse_operator(&picked), value: v2.clone() }))}
                    {op.needs_right().then(|| text("condition-value", w.value.to_string(), value, move |value| set(Condition::ContactAttribute { name: n2.clone(), op, value })))}
                </div>
            }
            .into_any()
        }
        Condition::MessageText { op, value } => {
            let kept = value.clone();
            view! {
                <div class="grid gap-2 sm:grid-cols-2">
                    {select("condition-operator", w.value.to_string(), operators(), operator_value(op).to_string(),
                        move |picked| set(Condition::MessageText { op: parse_operator(&picked), value: kept.clone() }))}
                    {op.needs_right().then(|| text("condition-value", w.value.to_string(), value, move |value| set(Condition::MessageText { op, value })))}
                </div>
            }
            .into_any()
        }
        Condition::Sentiment { feeling } => select(
            "condition-feeling",
            w.conditions.to_string(),
            Feeling::ALL
                .iter()
                .map(|f| {
                    (
                        f.as_str().to_string(),
                        strings::feeling_name(*f, locale).to_string(),
                    )
                })
                .collect(),
            feeling.as_str().to_string(),
            move |value| {
                if let Ok(feeling) = value.parse::<Feeling>() {
                    set(Condition::Sentiment { feeling });
                }
            },
        ),
        Condition::MessageFrom { customer } => select(
            "condition-from",
            w.conditions.to_string(),
            vec![
                ("true".into(), w.from_customer.into()),
                ("false".into(), w.from_team.into()),
            ],
            customer.to_string(),
            move |value| {
                set(Condition::MessageFrom {
                    customer: value == "true",
                })
            },
        ),
    };
    view! {
        <div class="condition space-y-2 border-l-2 border-blue-200 pl-3 dark:border-blue-900">
            <div class="flex items-center gap-2">
                <div class="flex-1">{kind_picker}</div>
                <button type="button" class=SMALL on:click=move |_| {
                    error.set(None);
                    form.update(|f| if let Some(group) = f.conditions.groups.get_mut(g) {
                        if c < group.conditions.len() { group.conditions.remove(c); }
                    });
                }>{w.remove_item}</button>
            </div>
            {editor}
            <p class="text-xs text-red-700 dark:text-red-400" role="alert">{problem}</p>
        </div>
    }
    .into_any()
}

fn operator_value(op: Operator) -> &'static str {
    match op {
        Operator::Equals => "equals",
        Operator::NotEquals => "not_equals",
        Operator::Contains => "contains",
        Operator::StartsWith => "starts_with",
        Operator::Matches => "matches",
        Operator::GreaterThan => "greater_than",
        Operator::LessThan => "less_than",
        Operator::IsSet => "is_set",
        Operator::IsEmpty => "is_empty",
    }
}

fn parse_operator(value: &str) -> Operator {
    OPERATORS
        .iter()
        .copied()
        .find(|op| operator_value(*op) == value)
        .unwrap_or(Operator::Contains)
}
