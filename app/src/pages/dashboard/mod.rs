//! The manager's dashboard: the live status board — every agent the viewer
//! may see, their status and time in it, active time today and open
//! conversations — updated over the WebSocket as agents change, never by
//! polling.

use crate::json::json_resource;
use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use shared::activity::{clock_text, AgentStatus, AgentStatusView};
use shared::events::ServerEvent;
use shared::Permission;

use crate::api::activity::agent_statuses;
use crate::components::activity::{status_dot, status_label};
use crate::components::form::ErrorBanner;
use crate::components::layout::{use_session, PageHeader};
use crate::pages::settings::Forbidden;
use crate::prefs::{use_prefs, use_t};
use crate::realtime::{use_realtime, Incoming};
use crate::util::elapsed;

mod figures;

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900";

#[component]
pub fn DashboardPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.can(Permission::ViewDashboard) {
        return view! { <Forbidden /> }.into_any();
    }
    let version = RwSignal::new(0u32);
    let board = json_resource(move || version.get(), |_| agent_statuses());
    // A status change refetches the board (once for a burst of changes).
    let refetch_due = StoredValue::new(false);
    if let Some(realtime) = use_realtime() {
        realtime.subscribe(move |incoming| {
            if matches!(
                incoming,
                Incoming::Event(ServerEvent::AgentActivity { .. }) | Incoming::Resync { .. }
            ) && !refetch_due.get_value()
            {
                refetch_due.set_value(true);
                set_timeout_once(500, move || {
                    refetch_due.set_value(false);
                    version.update(|v| *v += 1);
                });
            }
        });
    }
    // Seconds since the board arrived, for the running figures.
    let tick = RwSignal::new(0i64);
    every_second(move || tick.update(|n| *n += 1));
    Effect::new(move |_| {
        version.track();
        tick.set(0);
    });

    view! {
        <PageHeader title=Signal::derive(move || t().dashboard_title) subtitle=Signal::derive(move || t().dashboard_subtitle) />
        <div class="space-y-6 p-4 sm:p-6">
            <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(agents) => view! { <StatusBoard agents=agents tick=tick /> }.into_any(),
                        Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                    }
                })}
            </Transition>
            <figures::TeamFigures />
        </div>
    }
    .into_any()
}

#[component]
fn StatusBoard(agents: Vec<AgentStatusView>, tick: RwSignal<i64>) -> impl IntoView {
    let t = use_t();
    let locale = use_prefs().locale;
    let count = |status: AgentStatus| agents.iter().filter(|a| a.status == status).count();
    let cards = [
        AgentStatus::Active,
        AgentStatus::Idle,
        AgentStatus::Away,
        AgentStatus::Offline,
    ]
    .map(|status| (status, count(status)));
    let empty = agents.is_empty();
    view! {
        <section aria-labelledby="status-counts-heading">
            <h2 id="status-counts-heading" class="sr-only">{move || t().status_board}</h2>
            <ul class="grid grid-cols-2 gap-3 sm:grid-cols-4">
                {cards.into_iter().map(|(status, n)| view! {
                    <li class=CARD data-count=status.as_str()>
                        <p class="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-300">
                            <span class=format!("size-2.5 rounded-full {}", status_dot(status)) aria-hidden="true"></span>
                            {move || status_label(t(), status)}
                        </p>
                        <p class="mt-1 text-2xl font-semibold tabular-nums">{n}</p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section class=CARD aria-labelledby="status-board-heading">
            <h2 id="status-board-heading" class="mb-3 text-base font-semibold">{move || t().status_board}</h2>
            {if empty {
                view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().status_board_empty}</p> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto">
                        <table class="w-full text-sm" id="status-board">
                            <thead>
                                <tr class="text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                                    <th class="px-2 py-2 font-semibold">{move || t().board_agent}</th>
                                    <th class="px-2 py-2 font-semibold">{move || t().board_status}</th>
                                    <th class="px-2 py-2 font-semibold">{move || t().time_in_status}</th>
                                    <th class="px-2 py-2 text-right font-semibold">{move || t().active_today}</th>
                                    <th class="px-2 py-2 text-right font-semibold">{move || t().open_conversations}</th>
                                    <th class="px-2 py-2"><span class="sr-only">{move || shared::report_words::words(locale.get()).day_details}</span></th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                {agents.into_iter().map(|agent| view! { <AgentRow agent=agent tick=tick /> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn AgentRow(agent: AgentStatusView, tick: RwSignal<i64>) -> impl IntoView {
    let t = use_t();
    let agent_name = agent.name.clone();
    let open_conversations = agent.open_conversations;
    let prefs = use_prefs();
    let status = agent.status;
    let since = agent.status_since;
    let as_of = agent.as_of;
    let base = agent.active_seconds_today;
    let now = move || as_of + Duration::seconds(tick.get());
    let active_today = move || {
        let running = if status == AgentStatus::Active {
            tick.get()
        } else {
            0
        };
        clock_text(base + running)
    };
    let in_status = move || {
        since.map_or_else(
            || "—".to_string(),
            |since: DateTime<Utc>| elapsed(since, now(), prefs.locale.get()),
        )
    };
    view! {
        <tr data-agent=agent.email.clone() data-status=status.as_str()>
            <td class="px-2 py-2">
                <p class="font-medium">{agent.name.clone()}</p>
                <p class="text-xs text-slate-500 dark:text-slate-400">{agent.email.clone()}</p>
            </td>
            <td class="px-2 py-2">
                <span class="inline-flex items-center gap-1.5">
                    <span class=format!("size-2.5 rounded-full {}", status_dot(status)) aria-hidden="true"></span>
                    <span class="agent-status">{move || status_label(t(), status)}</span>
                </span>
            </td>
            <td class="px-2 py-2 tabular-nums">{in_status}</td>
            <td class="px-2 py-2 text-right font-mono tabular-nums">{active_today}</td>
            <td class="px-2 py-2 text-right tabular-nums">
                {if open_conversations > 0 {
                    view! {
                        <a class="text-blue-700 underline dark:text-blue-400" href=format!("/inbox?assignee={}", agent.user_id)
                            aria-label=move || format!(
                                "{open_conversations} {} · {agent_name}",
                                shared::report_words::words(prefs.locale.get()).open_conversations_of,
                            )>
                            {open_conversations}
                        </a>
                    }.into_any()
                } else {
                    view! { <span>"0"</span> }.into_any()
                }}
            </td>
            <td class="px-2 py-2 text-right">
                <a class="text-xs text-blue-700 underline dark:text-blue-400"
                    href=format!("/reports?report=work-log&preset=today&agent={}", agent.user_id)>
                    {move || shared::report_words::words(prefs.locale.get()).day_details}
                </a>
            </td>
        </tr>
    }
}

pub(super) fn set_timeout_once(ms: u32, f: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    gloo_timers::callback::Timeout::new(ms, f).forget();
    #[cfg(not(feature = "hydrate"))]
    let _ = (ms, f);
}

/// Calls `f` every second while the page is open.
fn every_second(f: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        let interval =
            send_wrapper::SendWrapper::new(gloo_timers::callback::Interval::new(1_000, f));
        on_cleanup(move || drop(interval));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = f;
}
