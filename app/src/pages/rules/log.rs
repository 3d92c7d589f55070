//! A rule's execution log: each run's event, conversation, outcome, every
//! condition's result, the actions done and the error, newest first, with
//! older runs a page at a time.

use leptos::prelude::*;
use shared::rules::{Condition, RuleRun, RunOutcome};
use shared::{AppError, Locale};

use super::strings::{self, RuleWords};
use super::{use_words, Panel, CARD, SMALL};
use crate::api::rules::rule_runs;
use crate::components::form::ErrorBanner;
use crate::components::layout::use_session;
use crate::util::date_time;

#[component]
pub(super) fn RuleLog(id: i64, name: String, panel: RwSignal<Option<Panel>>) -> impl IntoView {
    let (w, locale) = use_words();
    let offset = use_session().utc_offset_minutes;
    let runs = RwSignal::new(Vec::<RuleRun>::new());
    let loaded = RwSignal::new(false);
    let more = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let load = move |before: Option<i64>| {
        leptos::task::spawn_local(async move {
            match rule_runs(id, before).await {
                Ok(page) => {
                    more.set(page.len() == 50);
                    runs.update(|runs| runs.extend(page));
                }
                Err(err) => error.set(Some(err)),
            }
            loaded.set(true);
        });
    };
    Effect::new(move |_| load(None));
    view! {
        <section id="rule-log" class=format!("{CARD} space-y-3") aria-live="polite">
            <div class="flex items-center gap-2">
                <h2 class="flex-1 text-base font-semibold">{move || w().log_title}": "{name.clone()}</h2>
                <button type="button" class=SMALL on:click=move |_| panel.set(None)>{move || w().close}</button>
            </div>
            <ErrorBanner error=Signal::derive(move || error.get()) />
            <Show when=move || loaded.get() fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || w().loading}</p> }>
                <Show when=move || !runs.with(Vec::is_empty)
                    fallback=move || view! { <p id="rule-log-empty" class="text-sm text-slate-500 dark:text-slate-400">{move || w().log_empty}</p> }>
                    <ol class="divide-y divide-slate-200 dark:divide-slate-800">
                        {move || runs.get().into_iter().map(|run| run_line(run, w(), locale(), offset)).collect_view()}
                    </ol>
                </Show>
            </Show>
            <Show when=move || more.get()>
                <button type="button" class=SMALL on:click=move |_| load(runs.with(|r| r.last().map(|run| run.id)))>
                    {move || w().more}
                </button>
            </Show>
        </section>
    }
}

fn outcome_class(outcome: RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Done => "bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-200",
        RunOutcome::NotMatched => {
            "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200"
        }
        RunOutcome::Failed => "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
        RunOutcome::LoopStopped => {
            "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        }
    }
}

fn run_line(run: RuleRun, w: &'static RuleWords, locale: Locale, offset: i32) -> impl IntoView {
    let conversation = run.conversation_number.map(|number| {
        view! { <a class="text-blue-700 underline dark:text-blue-300" href=format!("/inbox/{number}")>{format!("#{number}")}</a> }
    });
    view! {
        <li class="rule-run space-y-1 py-2 text-sm" data-outcome=run.outcome.as_str()>
            <div class="flex flex-wrap items-center gap-2">
                <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {}", outcome_class(run.outcome))>
                    {strings::outcome_name(run.outcome, locale)}
                </span>
                <span>{strings::event_name(run.event, locale)}</span>
                <span class="text-slate-500 dark:text-slate-400">{w.conversation}" "</span>{conversation}
                {(run.depth > 0).then(|| view! { <span class="text-xs text-slate-500 dark:text-slate-400">{format!("({} {})", w.depth, run.depth)}</span> })}
                <time class="ml-auto text-xs text-slate-500 dark:text-slate-400">{date_time(run.ran_at, offset, locale)}</time>
            </div>
            {(!run.conditions.is_empty()).then(|| view! {
                <ul class="flex flex-wrap gap-x-3 text-xs">
                    {run.conditions.into_iter().map(|check| {
                        let mark = if check.held { "✓" } else { "✗" };
                        let said = if check.held { w.held } else { w.not_held };
                        view! {
                            <li class=if check.held { "text-green-700 dark:text-green-300" } else { "text-slate-500 dark:text-slate-400" }>
                                {format!("{mark} {}", describe(&check.condition, locale))}
                                <span class="sr-only">{format!(" ({said})")}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {(!run.actions.is_empty()).then(|| view! {
                <p class="text-xs text-slate-600 dark:text-slate-300">
                    {run.actions.iter().map(|done| strings::action_kind_name(done.action.kind(), locale)).collect::<Vec<_>>().join(" · ")}
                </p>
            })}
            {run.error.map(|error| view! { <p class="text-xs text-red-700 dark:text-red-300">{error}</p> })}
        </li>
    }
}

/// A condition in a few words ("Etiqueta: vip").
fn describe(condition: &Condition, locale: Locale) -> String {
    let kind = condition.kind();
    let name = strings::condition_kind_name(kind, locale);
    let detail = match condition {
        Condition::Tag { tag, .. } => tag.clone(),
        Condition::ContactAttribute { name, op, value } => {
            format!("{name} {} {value}", strings::operator_name(*op, locale))
        }
        Condition::MessageText { op, value } => {
            format!("{} {value}", strings::operator_name(*op, locale))
        }
        Condition::Sentiment { feeling } => strings::feeling_name(*feeling, locale).to_string(),
        Condition::Priority { priorities } => priorities
            .iter()
            .map(|p| strings::priority_name(*p, locale))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    };
    if detail.is_empty() {
        name.to_string()
    } else {
        format!("{name}: {}", detail.trim())
    }
}
