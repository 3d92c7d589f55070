//! The flows an account has: which version is live, who published it when,
//! and how the runs went; a new one opens in the builder.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::flows::FlowSummary;
use shared::AppError;

use super::use_words;
use crate::api::flows::{create_flow, flow_http_allowlist, list_flows, save_flow_http_allowlist};
use crate::components::form::{ErrorBanner, SuccessBanner};
use crate::components::layout::PageHeader;
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900";

#[component]
pub fn FlowList() -> impl IntoView {
    let w = use_words();
    let flows = json_resource(|| (), |_| list_flows());
    view! {
        <PageHeader title=Signal::derive(move || w().title) subtitle=Signal::derive(move || w().subtitle) />
        <div class="max-w-4xl space-y-6 p-4 sm:p-6">
            <a id="ai-agents-link" href="/flows/agents" class=BUTTON>{move || w().ai_agents}</a>
            <NewFlow />
            <HttpAllowlist />
            <div id="flows-list" class="space-y-3">
                <Transition fallback=move || view! { <p class="text-sm text-slate-500">{move || w().loading}</p> }>
                    {move || Suspend::new(async move {
                        match flows.await {
                            Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                            Ok(list) if list.is_empty() => view! {
                                <p class="text-sm text-slate-500 dark:text-slate-400">{move || w().empty}</p>
                            }.into_any(),
                            Ok(list) => list.into_iter().map(|flow| view! { <FlowCard flow=flow /> }).collect_view().into_any(),
                        }
                    })}
                </Transition>
            </div>
        </div>
    }
}

#[component]
fn NewFlow() -> impl IntoView {
    let w = use_words();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let wanted = name.get_untracked();
        leptos::task::spawn_local(async move {
            match create_flow(wanted).await {
                Ok(flow) => {
                    let navigate = leptos_router::hooks::use_navigate();
                    navigate(&format!("/flows/{}", flow.id), Default::default());
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class=CARD on:submit=submit>
            <label class="mb-1 block text-sm font-medium" for="new-flow-name">{move || w().new_flow}</label>
            <div class="flex flex-wrap gap-2">
                <input id="new-flow-name" class=INPUT style="max-width: 24rem" required maxlength="120"
                    placeholder=move || w().name
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <button type="submit" class=PRIMARY_BUTTON disabled=move || busy.get()>{move || w().create}</button>
            </div>
            <ErrorBanner error=Signal::derive(move || error.get()) />
        </form>
    }
}

/// The hosts an admin lets HTTP blocks call over plain http or at private
/// addresses (an intranet's API), one per line.
#[component]
fn HttpAllowlist() -> impl IntoView {
    let w = use_words();
    let t = crate::prefs::use_t();
    let hosts = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let loaded = LocalResource::new(flow_http_allowlist);
    Effect::new(move |_| {
        if let Some(Ok(list)) = loaded.get() {
            hosts.set(list.join("\n"));
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        saved.set(None);
        let wanted: Vec<String> = hosts
            .get_untracked()
            .lines()
            .map(|line| line.trim().to_string())
            .filter(|line| !line.is_empty())
            .collect();
        leptos::task::spawn_local(async move {
            match save_flow_http_allowlist(wanted).await {
                Ok(list) => {
                    hosts.set(list.join("\n"));
                    error.set(None);
                    saved.set(Some(w().allowlist_saved.to_string()));
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    view! {
        <details class=CARD id="http-allowlist">
            <summary class="cursor-pointer text-sm font-medium">{move || w().allowlist_title}</summary>
            <form class="mt-2 space-y-2" on:submit=submit>
                <p class="text-xs text-slate-500 dark:text-slate-400">{move || w().allowlist_hint}</p>
                <textarea id="http-allowlist-hosts" class=INPUT rows="3" aria-label=move || w().allowlist_title
                    placeholder="erp.intranet.local" prop:value=move || hosts.get()
                    on:input=move |ev| hosts.set(event_target_value(&ev))></textarea>
                {move || error.get().and_then(|e| e.field_code("hosts")).map(|code| view! {
                    <p class="text-xs text-red-700 dark:text-red-400" role="alert" id="http-allowlist-problem">{t().code(code)}</p>
                })}
                <ErrorBanner error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Validation { .. }))) />
                <SuccessBanner message=saved />
                <button type="submit" class=BUTTON disabled=move || busy.get()>{move || w().save}</button>
            </form>
        </details>
    }
}

#[component]
fn FlowCard(flow: FlowSummary) -> impl IntoView {
    let w = use_words();
    let runs = flow.runs.clone();
    let published = flow
        .published_at
        .map(|at| at.format("%d/%m/%Y %H:%M").to_string());
    let counts = move || {
        let w = w();
        [
            (w.started, runs.started, "started"),
            (w.running, runs.running, "running"),
            (w.completed, runs.completed, "completed"),
            (w.handed_off, runs.handed_off, "handed_off"),
            (w.taken_over, runs.taken_over, "taken_over"),
            (w.dropped, runs.dropped, "dropped"),
        ]
    };
    view! {
        <article class=CARD data-flow=flow.name.clone()>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <a href=format!("/flows/{}", flow.id) class="text-base font-semibold text-blue-700 hover:underline dark:text-blue-400">
                    {flow.name.clone()}
                </a>
                {match flow.live_version {
                    Some(version) => view! {
                        <span class="rounded-full bg-green-100 px-2 py-0.5 text-xs font-medium text-green-800 dark:text-green-400">
                            {move || w().live} " · v" {version}
                        </span>
                    }.into_any(),
                    None => view! {
                        <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">{move || w().draft_only}</span>
                    }.into_any(),
                }}
            </div>
            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
                {published.map(|at| view! { {at} " · " {move || w().published_by} " " {flow.published_by.clone().unwrap_or_default()} })}
                {flow.unpublished_changes.then(|| view! { <span class="ml-2 text-amber-700 dark:text-amber-400">"● " {move || w().unpublished}</span> })}
            </p>
            <dl class="mt-3 grid grid-cols-2 gap-2 text-center sm:grid-cols-3">
                {move || counts().into_iter().map(|(label, value, key)| view! {
                    <div class="rounded-lg bg-slate-50 p-2 dark:bg-slate-800" data-count=key>
                        <dd class="text-lg font-semibold tabular-nums">{value}</dd>
                        <dt class="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
                    </div>
                }).collect_view()}
            </dl>
        </article>
    }
}
