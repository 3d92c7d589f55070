//! The top bar's active-time timer and status badge, the plain explanation
//! of what is tracked, and the warning before auto-logout. The timer shows
//! server-recorded facts (so a reload or another tab shows the same value)
//! and runs locally between reports.

#[cfg(feature = "hydrate")]
mod tracker;

use leptos::prelude::*;
use shared::activity::{
    clock_text, ActivitySettings, ActivitySnapshot, AgentStatus, BrowserActivity,
};
use shared::events::ServerEvent;
use shared::inbox::Availability;

use crate::api::activity::{my_activity, report_activity};
use crate::api::session::set_availability;
use crate::components::layout::use_session;
use crate::i18n::Strings;
use crate::prefs::use_t;
use crate::realtime::{Incoming, Realtime};

/// The agent's activity as this tab knows it.
#[derive(Clone, Copy)]
pub struct Activity {
    snapshot: RwSignal<Option<ActivitySnapshot>>,
    /// `Date.now()` when `snapshot` arrived: the timer runs from there.
    received_at_ms: RwSignal<f64>,
    /// What this browser's tabs together say, before the server confirms.
    browser: RwSignal<Option<BrowserActivity>>,
    settings: RwSignal<Option<ActivitySettings>>,
    /// Once a second, to redraw the timer.
    tick: RwSignal<u64>,
    /// Seconds left before auto-logout, while the warning shows.
    logout_warning: RwSignal<Option<u32>>,
    /// Replies to older reports are ignored.
    sequence: StoredValue<(u64, u64)>,
    signing_out: StoredValue<bool>,
}

impl Activity {
    fn new() -> Self {
        Activity {
            snapshot: RwSignal::new(None),
            received_at_ms: RwSignal::new(0.0),
            browser: RwSignal::new(None),
            settings: RwSignal::new(None),
            tick: RwSignal::new(0),
            logout_warning: RwSignal::new(None),
            sequence: StoredValue::new((0, 0)),
            signing_out: StoredValue::new(false),
        }
    }

    fn accept(self, sent: u64, snapshot: ActivitySnapshot) {
        let (_, accepted) = self.sequence.get_value();
        if sent < accepted {
            return;
        }
        self.sequence.update_value(|(_, last)| *last = sent);
        self.settings.set(Some(snapshot.settings));
        self.received_at_ms.set(now_ms());
        self.snapshot.set(Some(snapshot));
    }

    fn next_sequence(self) -> u64 {
        self.sequence.update_value(|(next, _)| *next += 1);
        self.sequence.get_value().0
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn report(self, state: BrowserActivity) {
        let sent = self.next_sequence();
        leptos::task::spawn_local(async move {
            if let Ok(snapshot) = report_activity(state).await {
                self.accept(sent, snapshot);
            }
        });
    }

    fn refresh(self) {
        let sent = self.next_sequence();
        leptos::task::spawn_local(async move {
            if let Ok(snapshot) = my_activity().await {
                self.accept(sent, snapshot);
            }
        });
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn auto_sign_out(self) {
        if self.signing_out.get_value() {
            return;
        }
        self.signing_out.set_value(true);
        leptos::task::spawn_local(async move {
            match crate::api::activity::auto_sign_out().await {
                Ok(path) => crate::components::layout::hard_navigate(&path),
                // The server's record says the agent is not idle long
                // enough (working in another browser, say): stay, and ask
                // again in a minute if this browser still thinks so.
                Err(_) => {
                    self.logout_warning.set(None);
                    #[cfg(feature = "hydrate")]
                    gloo_timers::future::TimeoutFuture::new(60_000).await;
                    self.signing_out.set_value(false);
                }
            }
        });
    }

    /// What the badge says: "away" is the agent's word; otherwise this
    /// browser's own view wins (it is ahead of the server by a round trip).
    fn status(self) -> Option<AgentStatus> {
        let server = self.snapshot.with(|s| s.as_ref().map(|s| s.status))?;
        Some(match (server, self.browser.get()) {
            (AgentStatus::Away, _) => AgentStatus::Away,
            (_, Some(BrowserActivity::Idle | BrowserActivity::Hidden)) => AgentStatus::Idle,
            (_, Some(BrowserActivity::Active)) => AgentStatus::Active,
            (server, None) => server,
        })
    }

    fn seconds(self) -> Option<i64> {
        self.tick.track();
        let counting = self.status() == Some(AgentStatus::Active);
        self.snapshot.with(|snapshot| {
            snapshot.as_ref().map(|s| {
                let running = if counting && s.counting() {
                    ((now_ms() - self.received_at_ms.get()) / 1000.0).max(0.0) as i64
                } else {
                    0
                };
                s.active_seconds + running
            })
        })
    }
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    return js_sys::Date::now();
    #[cfg(not(feature = "hydrate"))]
    0.0
}

pub fn status_label(t: &Strings, status: AgentStatus) -> &'static str {
    match status {
        AgentStatus::Active => t.agent_status_active,
        AgentStatus::Idle => t.agent_status_idle,
        AgentStatus::Away => t.agent_status_away,
        AgentStatus::Offline => t.agent_status_offline,
    }
}

/// Green active, amber idle, blue away, grey offline (the dashboard's too).
pub fn status_dot(status: AgentStatus) -> &'static str {
    match status {
        AgentStatus::Active => "bg-emerald-500",
        AgentStatus::Idle => "bg-amber-500",
        AgentStatus::Away => "bg-blue-500",
        AgentStatus::Offline => "bg-slate-400",
    }
}

/// The timer and badge, as a chunk of their own: the sign-in pages never
/// need this code, and signed-in pages get it just after they hydrate.
#[leptos::lazy]
pub fn activity_status(realtime: Realtime) -> AnyView {
    view! { <ActivityStatus realtime=realtime /> }.into_any()
}

/// The timer and badge in the top bar; starts idle detection in the
/// browser.
#[component]
fn ActivityStatus(realtime: Realtime) -> impl IntoView {
    let t = use_t();
    let me = use_session().user.id;
    let activity = Activity::new();
    #[cfg(feature = "hydrate")]
    tracker::start(activity);
    realtime.subscribe(move |incoming| match incoming {
        Incoming::Event(ServerEvent::ActivitySettingsChanged { settings }) => {
            activity.settings.set(Some(*settings));
        }
        Incoming::Event(ServerEvent::AgentActivity { user_id, .. }) if *user_id == me => {
            activity.refresh();
        }
        Incoming::Resync { .. } => activity.refresh(),
        _ => {}
    });
    let status = move || activity.status();
    let choose = move |availability: Availability| {
        leptos::task::spawn_local(async move {
            let _ = set_availability(availability).await;
            activity.refresh();
        });
    };

    view! {
        <div class="flex items-center gap-1" id="activity">
            <span
                role="timer"
                id="active-timer"
                aria-label=move || t().active_time
                title=move || t().active_time
                class=move || format!(
                    "hidden rounded-md px-1.5 py-0.5 font-mono text-sm tabular-nums sm:inline {}",
                    if status() == Some(AgentStatus::Active) { "text-slate-800 dark:text-slate-100" } else { "text-slate-500 dark:text-slate-400" },
                )
                data-running=move || (status() == Some(AgentStatus::Active)).to_string()
            >
                {move || activity.seconds().map(clock_text).unwrap_or_else(|| "--:--:--".into())}
            </span>
            <details class="relative" id="activity-menu">
                <summary class="flex cursor-pointer list-none items-center gap-1.5 rounded-full border border-slate-200 px-2 py-1 text-xs font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                    aria-label=move || t().activity_menu>
                    <span class=move || format!("size-2 rounded-full {}", status().map_or("bg-slate-300", status_dot)) aria-hidden="true"></span>
                    <span role="status" id="status-badge" data-status=move || status().map(|s| s.as_str())>
                        {move || status().map(|s| status_label(t(), s)).unwrap_or("…")}
                    </span>
                </summary>
                <div class="absolute right-0 z-30 mt-2 w-72 max-w-[calc(100vw-1.5rem)] space-y-2 rounded-xl border border-slate-200 bg-white p-3 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900">
                    // Phones have no room for the timer in the top bar: it is here.
                    <p class="flex justify-between sm:hidden">
                        <span>{move || t().active_time}</span>
                        <span class="font-mono tabular-nums">{move || activity.seconds().map(clock_text).unwrap_or_default()}</span>
                    </p>
                    <p class="font-medium">{move || t().activity_what_title}</p>
                    <p class="text-xs text-slate-600 dark:text-slate-300" id="activity-explanation">{move || t().activity_what_body}</p>
                    {move || if status() == Some(AgentStatus::Away) {
                        view! { <button type="button" id="activity-back" class="w-full rounded-lg bg-blue-700 px-3 py-1.5 text-white hover:bg-blue-800" on:click=move |_| choose(Availability::Online)>{move || t().activity_back}</button> }.into_any()
                    } else {
                        view! { <button type="button" id="activity-away" class="w-full rounded-lg border border-slate-300 px-3 py-1.5 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800" on:click=move |_| choose(Availability::Away)>{move || t().activity_set_away}</button> }.into_any()
                    }}
                </div>
            </details>
        </div>
        <Show when=move || activity.logout_warning.get().is_some()>
            <div class="fixed inset-0 z-50 grid place-items-center bg-slate-900/50 p-4" role="alertdialog" aria-modal="true" aria-labelledby="logout-warning-title" id="logout-warning">
                <div class="w-full max-w-sm space-y-3 rounded-xl bg-white p-5 shadow-xl dark:bg-slate-900">
                    <h2 id="logout-warning-title" class="text-base font-semibold">{move || t().logout_warning_title}</h2>
                    <p class="text-sm" aria-live="polite">{move || (t().logout_warning_body)(activity.logout_warning.get().unwrap_or(0))}</p>
                    // The click is the interaction that keeps the session.
                    <button type="button" id="still-here" class="w-full rounded-lg bg-blue-700 px-3 py-2 font-medium text-white hover:bg-blue-800" autofocus=true>
                        {move || t().still_here}
                    </button>
                </div>
            </div>
        </Show>
    }
}
