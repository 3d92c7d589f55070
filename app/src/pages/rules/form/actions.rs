//! The rule's actions, in order: each one's kind and settings, message
//! templates included.

use leptos::prelude::*;
use shared::flows::FlowChoices;
use shared::inbox::Priority;
use shared::rules::{RuleAction, RuleForm};
use shared::{AppError, Locale};
use uuid::Uuid;

use super::super::strings::{self, RuleWords};
use super::super::{use_words, SMALL};
use super::{select, text, ROW};
use crate::components::widgets::INPUT;
use crate::prefs::use_t;

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

#[component]
pub(super) fn Actions(
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
