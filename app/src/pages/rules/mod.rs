//! Regras (Automação): the account's "when / if / then" rules in the order
//! they run — switched on and off, moved, edited in a form builder
//! ([`form`]), removed — and each rule's execution log ([`log`]). One lazy
//! route, so none of it is in the first download.

mod form;
mod log;
mod strings;

use crate::json::json_resource;
use leptos::prelude::*;
use shared::flows::FlowChoices;
use shared::rules::{Conditions, Rule, RuleAction, RuleEvent, RuleForm};
use shared::{AppError, Locale, Permission};

use crate::api::flows::get_flow_choices;
use crate::api::rules::{list_rules, remove_rule, reorder_rules, set_rule_enabled};
use crate::components::form::ErrorBanner;
use crate::components::layout::{use_session, PageHeader};
use crate::components::widgets::PRIMARY_BUTTON;
use crate::pages::settings::Forbidden;
use crate::prefs::use_prefs;
use strings::RuleWords;

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900";
const SMALL: &str = "inline-flex items-center gap-1 rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 disabled:opacity-40 dark:border-slate-600 dark:hover:bg-slate-800";

/// The area's words and the reader's language.
fn use_words() -> (
    impl Fn() -> &'static RuleWords + Copy,
    impl Fn() -> Locale + Copy,
) {
    let prefs = use_prefs();
    (
        move || strings::strings(prefs.locale.get()),
        move || prefs.locale.get(),
    )
}

/// What the list is doing: editing a rule (None: a new one), or reading
/// one's log.
#[derive(Clone, PartialEq)]
enum Panel {
    Edit(Option<i64>, RuleForm),
    Log(i64, String),
}

#[component]
pub fn RulesPage() -> impl IntoView {
    if !use_session().can(Permission::ManageFlows) {
        return view! { <Forbidden /> }.into_any();
    }
    let (w, _) = use_words();
    let panel = RwSignal::new(None::<Panel>);
    let changed = RwSignal::new(0u32);
    let error = RwSignal::new(None::<AppError>);
    let rules = json_resource(move || changed.get(), |_| list_rules());
    let choices = json_resource(|| (), |_| get_flow_choices());
    let new_rule = move |_| {
        panel.set(Some(Panel::Edit(None, starter())));
    };
    view! {
        <PageHeader title=Signal::derive(move || w().title) subtitle=Signal::derive(move || w().subtitle)>
            <button id="new-rule" type="button" class=PRIMARY_BUTTON on:click=new_rule>{move || w().new_rule}</button>
        </PageHeader>
        <div class="max-w-4xl space-y-4 p-4 sm:p-6">
            <ErrorBanner error=Signal::derive(move || error.get()) />
            {move || match panel.get() {
                Some(Panel::Edit(id, current)) => view! {
                    <Transition fallback=|| ()>
                        {move || {
                            let current = current.clone();
                            Suspend::new(async move {
                                let choices = choices.await.unwrap_or_else(|_| FlowChoices::default());
                                view! { <form::RuleEditor id=id initial=current choices=choices panel=panel changed=changed /> }
                            })
                        }}
                    </Transition>
                }.into_any(),
                Some(Panel::Log(id, name)) => view! { <log::RuleLog id=id name=name panel=panel /> }.into_any(),
                None => ().into_any(),
            }}
            <div id="rules-list" class="space-y-3">
                <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || w().loading}</p> }>
                    {move || Suspend::new(async move {
                        match rules.await {
                            Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                            Ok(list) if list.is_empty() => view! {
                                <p id="rules-empty" class=format!("{CARD} text-sm text-slate-600 dark:text-slate-300")>{move || w().empty}</p>
                            }.into_any(),
                            Ok(list) => {
                                let order: Vec<i64> = list.iter().map(|r| r.id).collect();
                                let last = list.len().saturating_sub(1);
                                list.into_iter().enumerate().map(|(at, rule)| view! {
                                    <RuleCard rule=rule at=at last=last order=order.clone() panel=panel changed=changed error=error />
                                }).collect_view().into_any()
                            }
                        }
                    })}
                </Transition>
            </div>
        </div>
    }
    .into_any()
}

/// A new rule's starting point.
fn starter() -> RuleForm {
    RuleForm {
        name: String::new(),
        enabled: true,
        event: RuleEvent::KeywordDetected,
        after_minutes: None,
        keywords: Vec::new(),
        conditions: Conditions::default(),
        actions: vec![RuleAction::MarkCritical],
    }
}

fn form_of(rule: &Rule) -> RuleForm {
    RuleForm {
        name: rule.name.clone(),
        enabled: rule.enabled,
        event: rule.event,
        after_minutes: rule.after_minutes,
        keywords: rule.keywords.clone(),
        conditions: rule.conditions.clone(),
        actions: rule.actions.clone(),
    }
}

/// `order` with the rule at `at` swapped with its neighbour.
fn moved(order: &[i64], at: usize, up: bool) -> Vec<i64> {
    let mut order = order.to_vec();
    let other = if up { at.checked_sub(1) } else { Some(at + 1) };
    if let Some(other) = other.filter(|&o| o < order.len()) {
        order.swap(at, other);
    }
    order
}

#[component]
fn RuleCard(
    rule: Rule,
    at: usize,
    last: usize,
    order: Vec<i64>,
    panel: RwSignal<Option<Panel>>,
    changed: RwSignal<u32>,
    error: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let (w, locale) = use_words();
    let id = rule.id;
    let done = move |result: Result<(), AppError>| match result {
        Ok(()) => {
            error.set(None);
            changed.update(|n| *n += 1);
        }
        Err(err) => error.set(Some(err)),
    };
    let enabled = rule.enabled;
    let toggle = move |_| {
        leptos::task::spawn_local(async move {
            done(set_rule_enabled(id, !enabled).await.map(|_| ()));
        });
    };
    let shift = move |up: bool| {
        let order = moved(&order, at, up);
        leptos::task::spawn_local(async move {
            done(reorder_rules(order).await.map(|_| ()));
        });
    };
    let shift_up = shift.clone();
    let remove = move |_| {
        #[cfg(feature = "hydrate")]
        if !window()
            .confirm_with_message(w().confirm_remove)
            .unwrap_or(false)
        {
            return;
        }
        leptos::task::spawn_local(async move { done(remove_rule(id).await) });
    };
    let form = form_of(&rule);
    let name = rule.name.clone();
    let event = rule.event;
    let summary = move || {
        let mut text = strings::event_name(event, locale()).to_string();
        if let Some(minutes) = rule.after_minutes {
            text.push_str(&format!(" {minutes} min"));
        }
        if !rule.keywords.is_empty() {
            text.push_str(&format!(": {}", rule.keywords.join(", ")));
        }
        let actions: Vec<&str> = rule
            .actions
            .iter()
            .map(|a| strings::action_kind_name(a.kind(), locale()))
            .collect();
        format!("{text} → {}", actions.join(" · "))
    };
    let runs = move || match rule.last_run_at {
        Some(_) => format!("{} {}", rule.runs_last_7_days, w().runs_7_days),
        None => w().never_ran.to_string(),
    };
    view! {
        <article class=format!("{CARD} rule space-y-2") data-rule=rule.name.clone() data-enabled=enabled.to_string()>
            <div class="flex flex-wrap items-center gap-2">
                <label class="inline-flex cursor-pointer items-center gap-2">
                    <input type="checkbox" class="rule-enabled size-4" prop:checked=enabled on:change=toggle
                        aria-label=move || format!("{} — {}", w().rule_enabled, name) />
                    <span class=if enabled { "text-xs font-medium text-green-700 dark:text-green-300" } else { "text-xs font-medium text-slate-500 dark:text-slate-400" }>
                        {move || if enabled { w().enabled } else { w().disabled }}
                    </span>
                </label>
                <h2 class="flex-1 text-base font-semibold">{rule.name.clone()}</h2>
                <span class="text-xs text-slate-500 dark:text-slate-400">{runs}</span>
            </div>
            <p class="rule-summary text-sm text-slate-600 dark:text-slate-300">{summary}</p>
            {rule.disabled_reason.clone().map(|reason| view! {
                <p class="rule-disabled-reason rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200" role="status">
                    {move || w().switched_off}" "{reason.clone()}
                </p>
            })}
            <div class="flex flex-wrap gap-2">
                <button type="button" class=format!("{SMALL} edit-rule") on:click=move |_| panel.set(Some(Panel::Edit(Some(id), form.clone())))>{move || w().edit}</button>
                <button type="button" class=format!("{SMALL} rule-log") on:click={
                    let name = rule.name.clone();
                    move |_| panel.set(Some(Panel::Log(id, name.clone())))
                }>{move || w().log}</button>
                <button type="button" class=SMALL disabled=at == 0 on:click=move |_| shift_up(true) aria-label=move || w().move_up>"↑"</button>
                <button type="button" class=SMALL disabled=at == last on:click=move |_| shift(false) aria-label=move || w().move_down>"↓"</button>
                <button type="button" class=format!("{SMALL} remove-rule {BUTTON_DANGER}") on:click=remove>{move || w().remove}</button>
            </div>
        </article>
    }
}

const BUTTON_DANGER: &str = "text-red-700 dark:text-red-300";
