//! An agent's days in the work log: sign-in, sign-out, the day's times,
//! and a timeline of the day — active stretches and inactivity periods,
//! coloured as on the status board and spelled out for screen readers.

use leptos::prelude::*;
use shared::activity::InactivityReason;
use shared::report_words::{column_title, words, ReportWords};
use shared::reports::{Cell, DayStretch, WorkLogDay};
use shared::Locale;

const DAY_MINUTES: f32 = 1440.0;

#[component]
pub fn DayList(days: Vec<WorkLogDay>, locale: RwSignal<Locale>) -> impl IntoView {
    let w = move || words(locale.get());
    view! {
        <table class="w-full text-xs">
            <thead>
                <tr class="text-left text-slate-500 dark:text-slate-400">
                    <th class="px-2 py-1">{move || w().day}</th>
                    <th class="px-2 py-1">{move || w().login}</th>
                    <th class="px-2 py-1">{move || w().logout}</th>
                    <th class="px-2 py-1 text-right">{move || column_title(locale.get(), "total_seconds")}</th>
                    <th class="px-2 py-1 text-right">{move || column_title(locale.get(), "active_seconds")}</th>
                    <th class="px-2 py-1 text-right">{move || column_title(locale.get(), "inactive_seconds")}</th>
                    <th class="px-2 py-1">{move || w().timeline}</th>
                </tr>
            </thead>
            <tbody>
                {days.into_iter().map(|day| {
                    let logout = day.logout.clone();
                    view! {
                        <tr data-day=day.date.to_string()>
                            <td class="px-2 py-1">{day.date.to_string()}</td>
                            <td class="px-2 py-1 tabular-nums">{day.login.clone()}</td>
                            <td class="px-2 py-1 tabular-nums">{move || logout.clone().unwrap_or_else(|| w().still_signed_in.to_string())}</td>
                            <td class="px-2 py-1 text-right tabular-nums">{Cell::Seconds(Some(day.total_seconds)).display_text()}</td>
                            <td class="px-2 py-1 text-right tabular-nums">{Cell::Seconds(Some(day.active_seconds)).display_text()}</td>
                            <td class="px-2 py-1 text-right tabular-nums">{Cell::Seconds(Some(day.inactive_seconds)).display_text()}</td>
                            <td class="px-2 py-1"><Timeline stretches=day.timeline locale=locale /></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The day from midnight to midnight; hovering a stretch names it, and the
/// whole line is read out as a list of stretches.
#[component]
fn Timeline(stretches: Vec<DayStretch>, locale: RwSignal<Locale>) -> impl IntoView {
    let described = stretches.clone();
    let label = move || {
        let w = words(locale.get());
        described
            .iter()
            .map(|s| describe(w, s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <div
            class="relative h-3 w-40 overflow-hidden rounded bg-slate-200 sm:w-64 dark:bg-slate-800"
            role="img"
            aria-label=label
            data-timeline=""
        >
            {stretches.into_iter().map(|stretch| {
                let left = f32::from(stretch.from_minute) / DAY_MINUTES * 100.0;
                let width = f32::from(stretch.to_minute - stretch.from_minute) / DAY_MINUTES * 100.0;
                view! {
                    <span
                        class=format!("absolute inset-y-0 {}", colour(stretch.inactive))
                        style=format!("left:{left:.2}%;width:{width:.2}%")
                        title=move || describe(words(locale.get()), &stretch)
                        data-inactive=stretch.inactive.map(|r| r.as_str())
                    ></span>
                }
            }).collect_view()}
        </div>
    }
}

/// The status board's colours: green active, amber idle, blue away, grey
/// without a signal.
fn colour(inactive: Option<InactivityReason>) -> &'static str {
    match inactive {
        None => "bg-emerald-500",
        Some(InactivityReason::Idle) => "bg-amber-400",
        Some(InactivityReason::Hidden) => "bg-amber-200 dark:bg-amber-700",
        Some(InactivityReason::Away) => "bg-sky-500",
        Some(InactivityReason::HeartbeatLost) => "bg-slate-400",
    }
}

/// "Ocioso 10:02–10:15"
fn describe(w: &ReportWords, stretch: &DayStretch) -> String {
    let [idle, hidden, away, no_signal] = w.inactive_reasons;
    let state = match stretch.inactive {
        None => w.active_stretch,
        Some(InactivityReason::Idle) => idle,
        Some(InactivityReason::Hidden) => hidden,
        Some(InactivityReason::Away) => away,
        Some(InactivityReason::HeartbeatLost) => no_signal,
    };
    format!(
        "{state} {}–{}",
        clock(stretch.from_minute),
        clock(stretch.to_minute)
    )
}

fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}
