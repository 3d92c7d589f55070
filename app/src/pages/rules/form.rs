//! The rule form builder: name, the event (with its minutes or keywords),
//! condition groups joined by AND/OR, and the actions in order. The form is
//! one signal; each part edits its slice, text on `change` so typing never
//! re-renders the field under the cursor.

use leptos::prelude::*;
use shared::flows::{FlowChoices, Match, Operator};
use shared::inbox::{ChannelKind, ConversationStatus, Feeling, Priority};
use shared::rules::{Condition, ConditionGroup, RuleAction, RuleEvent, RuleForm};
use shared::{AppError, Locale};
use uuid::Uuid;

use super::strings::{self, RuleWords};
use super::{use_words, Panel, CARD, SMALL};
use crate::api::rules::save_rule;
use crate::components::form::ErrorBanner;
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};
use crate::prefs::use_t;

const LABEL: &str = "block text-sm font-medium text-slate-700 dark:text-slate-200";
const ROW: &str = "space-y-2 rounded-lg border border-slate-200 p-3 dark:border-slate-700";

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

const ACTION_KINDS: [&str; 10] = [
    "notify_managers",
    "create_alert",
    "mark_critical",
    "change_priority",
    "add_tag",
    "assign_agent",
    "assign_department",
    "send_message",
    "send_template",
    "call_webhook",
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

fn new_condition(kind: &str) -> Condition {
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

fn new_action(kind: &str) -> RuleAction {
    match kind {
        "notify_managers" => RuleAction::NotifyManagers {
            note: String::new(),
        },
        "create_alert" => RuleAction::CreateAlert {
            text: String::new(),
        },
        "change_priority" => RuleAction::ChangePriority {
            priority: Priority::Urgent,
        },
        "add_tag" => RuleAction::AddTag { tag: String::new() },
        "assign_agent" => RuleAction::AssignAgent {
            user_id: Uuid::nil(),
        },
        "assign_department" => RuleAction::AssignDepartment { department_id: 0 },
        "send_message" => RuleAction::SendMessage {
            text: String::new(),
        },
        "send_template" => RuleAction::SendTemplate {
            name: String::new(),
            language: String::new(),
            values: Vec::new(),
        },
        "call_webhook" => RuleAction::CallWebhook { url: String::new() },
        _ => RuleAction::MarkCritical,
    }
}

/// A `<select>` whose choice goes to `pick`.
fn select(
    class: &'static str,
    label: String,
    options: Vec<(String, String)>,
    selected: String,
    pick: impl Fn(String) + 'static,
) -> AnyView {
    // The property as well as each option's attribute: a row rebuilt in
    // place after the person picked something shows the state, not the
    // first choice it was drawn with.
    let value = selected.clone();
    view! {
        <select class=format!("{INPUT} {class}") aria-label=label prop:value=value
            on:change=move |ev| pick(event_target_value(&ev))>
            {options.into_iter().map(|(value, text)| {
                let chosen = value == selected;
                view! { <option value=value selected=chosen>{text}</option> }
            }).collect_view()}
        </select>
    }
    .into_any()
}

/// A text input written back when it changes (not on every key).
fn text(
    class: &'static str,
    label: String,
    value: String,
    write: impl Fn(String) + 'static,
) -> AnyView {
    view! {
        <input type="text" class=format!("{INPUT} {class}") aria-label=label.clone() placeholder=label
            prop:value=value on:change=move |ev| write(event_target_value(&ev)) />
    }
    .into_any()
}

/// Checkboxes for a set of values.
fn checks(
    class: &'static str,
    options: Vec<(String, String)>,
    chosen: Vec<String>,
    toggle: impl Fn(String, bool) + Clone + 'static,
) -> AnyView {
    view! {
        <div class=format!("flex flex-wrap gap-x-4 gap-y-1 {class}")>
            {options.into_iter().map(|(value, label)| {
                let on = chosen.contains(&value);
                let toggle = toggle.clone();
                let v = value.clone();
                view! {
                    <label class="inline-flex items-center gap-1.5 text-sm">
                        <input type="checkbox" value=value prop:checked=on
                            on:change=move |ev| toggle(v.clone(), event_target_checked(&ev)) />
                        {label}
                    </label>
                }
            }).collect_view()}
        </div>
    }
    .into_any()
}

fn toggled<T: PartialEq>(list: &mut Vec<T>, value: T, on: bool) {
    list.retain(|v| *v != value);
    if on {
        list.push(value);
    }
}

#[component]
pub(super) fn RuleEditor(
    id: Option<i64>,
    initial: RuleForm,
    choices: FlowChoices,
    panel: RwSignal<Option<Panel>>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let (w, locale) = use_words();
    let t = use_t();
    let hours = initial
        .after_minutes
        .is_some_and(|m| m >= 60 && m % 60 == 0);
    let form = RwSignal::new(initial);
    let unit = RwSignal::new(if hours { 60u32 } else { 1 });
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let secret = RwSignal::new(None::<String>);
    let saved_id = RwSignal::new(id);
    let choices = StoredValue::new(choices);
    let problem = move |key: &'static str| {
        move || {
            error
                .get()
                .and_then(|e| e.field_code(key))
                .map(|code| t().code(code))
        }
    };
    let general_error = Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Validation { fields } if fields.len() == 1))
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let wanted = form.get_untracked();
        let id = saved_id.get_untracked();
        leptos::task::spawn_local(async move {
            match save_rule(id, wanted).await {
                Ok(saved) => {
                    changed.update(|n| *n += 1);
                    saved_id.set(Some(saved.rule.id));
                    match saved.signing_secret {
                        Some(shown_once) => secret.set(Some(shown_once)),
                        None => panel.set(None),
                    }
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let event = Memo::new(move |_| form.with(|f| f.event));
    let events = move || {
        RuleEvent::ALL
            .iter()
            .map(|e| {
                (
                    e.as_str().to_string(),
                    strings::event_name(*e, locale()).to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    view! {
        <form id="rule-form" class=format!("{CARD} space-y-5") on:submit=submit novalidate>
            <div class="space-y-1">
                <label class=LABEL for="rule-name">{move || w().name}</label>
                <input id="rule-name" class=INPUT maxlength="80" required
                    prop:value=move || form.with(|f| f.name.clone())
                    on:input=move |ev| form.update(|f| f.name = event_target_value(&ev)) />
                <p class="text-xs text-red-700 dark:text-red-400" role="alert">{problem("name")}</p>
            </div>
            <fieldset class="space-y-2">
                <legend class="text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{move || w().when}</legend>
                {move || select("rule-event", w().when.to_string(), events(), event.get().as_str().to_string(), move |value| {
                    if let Ok(picked) = value.parse::<RuleEvent>() {
                        form.update(|f| {
                            f.event = picked;
                            if picked.is_timed() && f.after_minutes.is_none() {
                                f.after_minutes = Some(30);
                            }
                        });
                    }
                })}
                <Show when=move || event.get().is_timed()>
                    <div class="flex flex-wrap items-center gap-2">
                        <span class="text-sm">{move || w().after}</span>
                        <input type="number" min="1" class=format!("{INPUT} rule-after") style="max-width: 7rem"
                            aria-label=move || w().after
                            prop:value=move || form.with(|f| f.after_minutes.map(|m| (m / unit.get()).to_string()).unwrap_or_default())
                            on:change=move |ev| {
                                let amount = event_target_value(&ev).trim().parse::<u32>().ok();
                                form.update(|f| f.after_minutes = amount.map(|a| a.saturating_mul(unit.get_untracked())));
                            } />
                        {move || select("rule-unit", w().after.to_string(),
                            vec![("1".into(), w().minutes.into()), ("60".into(), w().hours.into())],
                            unit.get().to_string(),
                            move |value| {
                                let next: u32 = value.parse().unwrap_or(1);
                                let before = unit.get_untracked();
                                form.update(|f| f.after_minutes = f.after_minutes.map(|m| (m / before).max(1) * next));
                                unit.set(next);
                            })}
                    </div>
                    <p class="text-xs text-red-700 dark:text-red-400" role="alert">{problem("after_minutes")}</p>
                </Show>
                <Show when=move || event.get() == RuleEvent::KeywordDetected>
                    <div class="space-y-1">
                        <label class=LABEL for="rule-keywords">{move || w().keywords}</label>
                        <input id="rule-keywords" class=INPUT
                            prop:value=move || form.with(|f| f.keywords.join(", "))
                            on:change=move |ev| {
                                let words = event_target_value(&ev).split(',').map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect();
                                form.update(|f| f.keywords = words);
                            } />
                        <p class="text-xs text-slate-500 dark:text-slate-400">{move || w().keywords_hint}</p>
                        <p class="text-xs text-red-700 dark:text-red-400" role="alert">{problem("keywords")}</p>
                    </div>
                </Show>
            </fieldset>
            <Conditions form=form error=error choices=choices />
            <Actions form=form error=error choices=choices />
            <label class="inline-flex items-center gap-2 text-sm">
                <input type="checkbox" id="rule-on" prop:checked=move || form.with(|f| f.enabled)
                    on:change=move |ev| form.update(|f| f.enabled = event_target_checked(&ev)) />
                {move || w().rule_enabled}
            </label>
            <ErrorBanner error=general_error />
            {move || secret.get().map(|shown| view! {
                <div id="rule-secret" class="space-y-1 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100" role="status">
                    <p>{move || w().secret_once}</p>
                    <code class="block break-all font-mono">{shown}</code>
                </div>
            })}
            <div class="flex flex-wrap gap-2">
                <button type="submit" id="save-rule" class=PRIMARY_BUTTON disabled=move || busy.get()>
                    {move || if busy.get() { w().saving } else { w().save }}
                </button>
                <button type="button" class=BUTTON on:click=move |_| panel.set(None)>
                    {move || if secret.get().is_some() { w().close } else { w().cancel }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn Conditions(
    form: RwSignal<RuleForm>,
    error: RwSignal<Option<AppError>>,
    choices: StoredValue<FlowChoices>,
) -> impl IntoView {
    let (w, locale) = use_words();
    let groups = Memo::new(move |_| form.with(|f| f.conditions.groups.clone()));
    let joined = Memo::new(move |_| form.with(|f| f.conditions.r#match));
    let t = use_t();
    let problem = move || {
        error
            .get()
            .and_then(|e| e.field_code("conditions"))
            .map(|code| t().code(code))
    };
    let matches = move || {
        [Match::All, Match::Any]
            .iter()
            .map(|m| {
                (
                    match_value(*m).to_string(),
                    strings::match_name(*m, locale()).to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    view! {
        <fieldset class="space-y-3">
            <legend class="text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{move || w().conditions}</legend>
            <Show when=move || groups.with(Vec::is_empty)>
                <p class="text-sm text-slate-500 dark:text-slate-400">{move || w().conditions_hint}</p>
            </Show>
            <Show when=move || { groups.with(Vec::len) > 1 }>
                <div class="flex flex-wrap items-center gap-2 text-sm">
                    <span>{move || w().groups_join}</span>
                    {move || select("rule-groups-match", w().groups_join.to_string(), matches(), match_value(joined.get()).to_string(),
                        move |value| form.update(|f| f.conditions.r#match = parse_match(&value)))}
                </div>
            </Show>
            {move || groups.get().into_iter().enumerate().map(|(g, group)| {
                group_editor(g, group, form, error, choices, w(), locale())
            }).collect_view()}
            <p class="text-xs text-red-700 dark:text-red-400" role="alert">{problem}</p>
            <button type="button" id="add-condition-group" class=SMALL on:click=move |_| form.update(|f| f.conditions.groups.push(ConditionGroup {
                r#match: Match::All,
                conditions: vec![new_condition("message_text")],
            }))>{move || w().add_group}</button>
        </fieldset>
    }
}

fn match_value(m: Match) -> &'static str {
    match m {
        Match::All => "all",
        Match::Any => "any",
    }
}

fn parse_match(value: &str) -> Match {
    if value == "any" {
        Match::Any
    } else {
        Match::All
    }
}

fn group_editor(
    g: usize,
    group: ConditionGroup,
    form: RwSignal<RuleForm>,
    error: RwSignal<Option<AppError>>,
    choices: StoredValue<FlowChoices>,
    w: &'static RuleWords,
    locale: Locale,
) -> AnyView {
    let matches: Vec<(String, String)> = [Match::All, Match::Any]
        .iter()
        .map(|m| {
            (
                match_value(*m).to_string(),
                strings::match_name(*m, locale).to_string(),
            )
        })
        .collect();
    let t = use_t();
    let key = format!("conditions.{g}");
    let problem = move || {
        error
            .get()
            .and_then(|e| e.field_code(&key))
            .map(|code| t().code(code))
    };
    view! {
        <div class=format!("{ROW} condition-group")>
            <div class="flex flex-wrap items-center gap-2 text-sm">
                <span>{w.group_match}</span>
                {select("rule-group-match", w.group_match.to_string(), matches, match_value(group.r#match).to_string(),
                    move |value| form.update(|f| if let Some(group) = f.conditions.groups.get_mut(g) { group.r#match = parse_match(&value) }))}
                <button type="button" class=format!("{SMALL} ml-auto") on:click=move |_| {
                    error.set(None);
                    form.update(|f| if g < f.conditions.groups.len() { f.conditions.groups.remove(g); });
                }>{w.remove_item}</button>
            </div>
            {group.conditions.into_iter().enumerate().map(|(c, condition)| {
                condition_editor(g, c, condition, form, error, choices, w, locale)
            }).collect_view()}
            <button type="button" class=format!("{SMALL} add-condition") on:click=move |_| form.update(|f| {
                if let Some(group) = f.conditions.groups.get_mut(g) { group.conditions.push(new_condition("message_text")) }
            })>{w.add_condition}</button>
            <p class="text-xs text-red-700 dark:text-red-400" role="alert">{problem}</p>
        </div>
    }
    .into_any()
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
fn condition_editor(
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

#[component]
fn Actions(
    form: RwSignal<RuleForm>,
    error: RwSignal<Option<AppError>>,
    choices: StoredValue<FlowChoices>,
) -> impl IntoView {
    let (w, locale) = use_words();
    let t = use_t();
    let actions = Memo::new(move |_| form.with(|f| f.actions.clone()));
    let problem = move || {
        error
            .get()
            .and_then(|e| e.field_code("actions"))
            .map(|code| t().code(code))
    };
    view! {
        <fieldset class="space-y-3">
            <legend class="text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{move || w().then}</legend>
            {move || actions.get().into_iter().enumerate().map(|(a, action)| {
                action_editor(a, action, form, error, choices, w(), locale())
            }).collect_view()}
            <p class="text-xs text-red-700 dark:text-red-400" role="alert">{problem}</p>
            <button type="button" id="add-action" class=SMALL on:click=move |_| form.update(|f| f.actions.push(new_action("add_tag")))>
                {move || w().add_action}
            </button>
        </fieldset>
    }
}

fn set_action(form: RwSignal<RuleForm>, a: usize, action: RuleAction) {
    form.update(|f| {
        if let Some(slot) = f.actions.get_mut(a) {
            *slot = action;
        }
    });
}

fn action_editor(
    a: usize,
    action: RuleAction,
    form: RwSignal<RuleForm>,
    error: RwSignal<Option<AppError>>,
    choices: StoredValue<FlowChoices>,
    w: &'static RuleWords,
    locale: Locale,
) -> AnyView {
    let t = use_t();
    let key = format!("actions.{a}");
    let problem = move || {
        error
            .get()
            .and_then(|e| e.field_code(&key))
            .map(|code| t().code(code))
    };
    let kinds: Vec<(String, String)> = ACTION_KINDS
        .iter()
        .map(|k| {
            (
                k.to_string(),
                strings::action_kind_name(k, locale).to_string(),
            )
        })
        .collect();
    let kind_picker = select(
        "action-kind",
        w.then.to_string(),
        kinds,
        action.kind().to_string(),
        move |kind| set_action(form, a, new_action(&kind)),
    );
    let set = move |action: RuleAction| set_action(form, a, action);
    let choose = (String::new(), w.choose.to_string());
    let editor = match action {
        RuleAction::NotifyManagers { note } => Some(text("action-note", w.note.to_string(), note, move |note| {
            set(RuleAction::NotifyManagers { note })
        })),
        RuleAction::CreateAlert { text: alert } => Some(text("action-alert", w.alert_text.to_string(), alert, move |text| {
            set(RuleAction::CreateAlert { text })
        })),
        RuleAction::SendMessage { text: message } => Some(
            view! {
                <textarea class=format!("{INPUT} action-message") rows="3" aria-label=w.message_text placeholder=w.message_text
                    prop:value=message on:change=move |ev| set(RuleAction::SendMessage { text: event_target_value(&ev) })></textarea>
            }
            .into_any(),
        ),
        RuleAction::SendTemplate {
            name,
            language,
            values,
        } => Some(template_editor(name, language, values, choices, w, set)),
        RuleAction::CallWebhook { url } => Some(
            view! {
                <div class="space-y-1">
                    {text("action-url", w.webhook_url.to_string(), url, move |url| set(RuleAction::CallWebhook { url }))}
                    <p class="text-xs text-slate-500 dark:text-slate-400">{w.webhook_hint}</p>
                </div>
            }
            .into_any(),
        ),
        RuleAction::AddTag { tag } => Some(text("action-tag", w.tag.to_string(), tag, move |tag| {
            set(RuleAction::AddTag { tag })
        })),
        RuleAction::ChangePriority { priority } => Some(select(
            "action-priority",
            w.then.to_string(),
            Priority::ALL
                .iter()
                .map(|p| (p.as_str().to_string(), strings::priority_name(*p, locale).to_string()))
                .collect(),
            priority.as_str().to_string(),
            move |value| {
                if let Ok(priority) = value.parse::<Priority>() {
                    set(RuleAction::ChangePriority { priority });
                }
            },
        )),
        RuleAction::AssignAgent { user_id } => Some(select(
            "action-agent",
            w.then.to_string(),
            std::iter::once(choose.clone())
                .chain(choices.with_value(|c| {
                    c.agents
                        .iter()
                        .map(|(id, name)| (id.to_string(), name.clone()))
                        .collect::<Vec<_>>()
                }))
                .collect(),
            if user_id.is_nil() { String::new() } else { user_id.to_string() },
            move |value| {
                let user_id = value.parse::<Uuid>().unwrap_or_default();
                set(RuleAction::AssignAgent { user_id });
            },
        )),
        RuleAction::AssignDepartment { department_id } => Some(select(
            "action-department",
            w.then.to_string(),
            std::iter::once(choose)
                .chain(choices.with_value(|c| {
                    c.departments
                        .iter()
                        .map(|(id, name)| (id.to_string(), name.clone()))
                        .collect::<Vec<_>>()
                }))
                .collect(),
            if department_id == 0 { String::new() } else { department_id.to_string() },
            move |value| {
                let department_id = value.parse::<i64>().unwrap_or_default();
                set(RuleAction::AssignDepartment { department_id });
            },
        )),
        RuleAction::MarkCritical => None,
    };
    view! {
        <div class=format!("{ROW} action")>
            <div class="flex items-center gap-2">
                <span class="text-sm font-semibold text-slate-500 dark:text-slate-400">{format!("{}.", a + 1)}</span>
                <div class="flex-1">{kind_picker}</div>
                <button type="button" class=SMALL on:click=move |_| {
                    error.set(None);
                    form.update(|f| if a < f.actions.len() { f.actions.remove(a); });
                }>{w.remove_item}</button>
            </div>
            {editor}
            <p class="text-xs text-red-700 dark:text-red-400" role="alert">{problem}</p>
        </div>
    }
    .into_any()
}

/// The template picker, and one input per placeholder of the chosen
/// template.
fn template_editor(
    name: String,
    language: String,
    values: Vec<String>,
    choices: StoredValue<FlowChoices>,
    w: &'static RuleWords,
    set: impl Fn(RuleAction) + Copy + 'static,
) -> AnyView {
    let templates = choices.with_value(|c| c.message_templates.clone());
    let placeholders_of = {
        let templates = templates.clone();
        move |name: &str, language: &str| {
            templates
                .iter()
                .find(|(n, l, _)| n == name && l == language)
                .map(|(_, _, count)| *count)
        }
    };
    let placeholders = placeholders_of(&name, &language).unwrap_or(values.len());
    let none_approved = templates.is_empty();
    let options = std::iter::once((String::new(), w.choose.to_string()))
        .chain(
            templates
                .iter()
                .map(|(n, l, _)| (format!("{n}|{l}"), format!("{n} ({l})"))),
        )
        .collect();
    let chosen = if name.is_empty() {
        String::new()
    } else {
        format!("{name}|{language}")
    };
    let picker = select(
        "action-template",
        w.template.to_string(),
        options,
        chosen,
        move |value| {
            let (name, language) = value.split_once('|').unwrap_or_default();
            let count = placeholders_of(name, language).unwrap_or(0);
            set(RuleAction::SendTemplate {
                name: name.to_string(),
                language: language.to_string(),
                values: vec![String::new(); count],
            });
        },
    );
    let inputs = (0..placeholders)
        .map(|at| {
            let (name, language, values) = (name.clone(), language.clone(), values.clone());
            let current = values.get(at).cloned().unwrap_or_default();
            let label = format!("{} {{{{{}}}}}", w.template_value, at + 1);
            text("action-template-value", label, current, move |value| {
                let mut values = values.clone();
                values.resize(placeholders, String::new());
                values[at] = value;
                set(RuleAction::SendTemplate {
                    name: name.clone(),
                    language: language.clone(),
                    values,
                });
            })
        })
        .collect_view();
    view! {
        <div class="space-y-1">
            {picker}
            {inputs}
            <p class="text-xs text-slate-500 dark:text-slate-400">
                {if none_approved { w.no_templates } else { w.template_hint }}
            </p>
        </div>
    }
    .into_any()
}
