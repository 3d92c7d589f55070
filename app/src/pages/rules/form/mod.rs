//! The rule form builder: name, the event (with its minutes or keywords),
//! condition groups joined by AND/OR, and the actions in order. The form is
//! one signal; each part edits its slice, text on `change` so typing never
//! re-renders the field under the cursor.
//!
//! `conditions` and `actions` edit their parts; this module holds the form
//! itself and the small controls they share.

use leptos::prelude::*;
use shared::flows::FlowChoices;
use shared::rules::{RuleEvent, RuleForm};
use shared::AppError;

use super::strings::{self};
use super::{use_words, Panel, CARD};
use crate::api::rules::save_rule;
use crate::components::form::ErrorBanner;
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};
use crate::prefs::use_t;

mod actions;
mod conditions;

use actions::Actions;
use conditions::Conditions;

const LABEL: &str = "block text-sm font-medium text-slate-700 dark:text-slate-200";
const ROW: &str = "space-y-2 rounded-lg border border-slate-200 p-3 dark:border-slate-700";

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
