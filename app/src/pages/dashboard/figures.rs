//! The dashboard's KPI cards (with their trend against the previous period)
//! and charts, for the period the manager picks.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::dashboard::{DashboardFigures, Kpi, KpiUnit, RESOLUTION_BUCKETS};
use shared::report_words::{kpi_label, preset_label, words};
use shared::reports::{Cell, DatePreset};
use shared::Locale;

use crate::api::activity::dashboard_figures;
use crate::components::charts::{Bar, Columns, Heatmap, HorizontalBars, Series};
use crate::components::form::ErrorBanner;
use crate::components::widgets::INPUT;
use crate::prefs::{use_prefs, use_t};
use crate::realtime::{use_realtime, Incoming};
use shared::events::ServerEvent;

use super::{set_timeout_once, CARD};

const PERIODS: [DatePreset; 4] = [
    DatePreset::Today,
    DatePreset::Last7Days,
    DatePreset::Last30Days,
    DatePreset::ThisMonth,
];

/// Figures are fetched again at most this often while work goes on.
const REFRESH_MS: u32 = 10_000;

/// The period picker, the KPI cards and the charts for the period picked,
/// fetched again a few seconds after conversations, messages or agents'
/// statuses change (once for a burst of changes).
#[component]
pub fn TeamFigures() -> impl IntoView {
    let t = use_t();
    let locale = use_prefs().locale;
    let w = move || words(locale.get());
    let period = RwSignal::new(DatePreset::Today);
    let version = RwSignal::new(0u32);
    let figures = json_resource(
        move || (period.get(), version.get()),
        |(period, _)| dashboard_figures(period),
    );
    let refresh_due = StoredValue::new(false);
    if let Some(realtime) = use_realtime() {
        realtime.subscribe(move |incoming| {
            let changes_figures = matches!(
                incoming,
                Incoming::Event(
                    ServerEvent::ConversationChanged { .. }
                        | ServerEvent::MessageCreated { .. }
                        | ServerEvent::AgentActivity { .. }
                ) | Incoming::Resync { .. }
            );
            if changes_figures && !refresh_due.get_value() {
                refresh_due.set_value(true);
                // The page may be gone by then: nothing to refresh.
                set_timeout_once(REFRESH_MS, move || {
                    refresh_due.try_set_value(false);
                    version.try_update(|v| *v += 1);
                });
            }
        });
    }
    view! {
        <section aria-labelledby="kpi-heading" class="space-y-3">
            <div class="flex flex-wrap items-end justify-between gap-3">
                <h2 id="kpi-heading" class="text-base font-semibold">{move || w().kpis}</h2>
                <div>
                    <label for="dashboard-period" class="sr-only">{move || w().period}</label>
                    <select id="dashboard-period" class=INPUT on:change=move |ev| {
                        if let Ok(p) = event_target_value(&ev).parse() { period.set(p) }
                    }>
                        {PERIODS.iter().map(|&p| view! {
                            <option value=p.as_str() selected=move || period.get() == p>{move || preset_label(locale.get(), p)}</option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    match figures.await {
                        Ok(figures) => view! { <FiguresView figures=figures locale=locale /> }.into_any(),
                        Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn FiguresView(figures: DashboardFigures, locale: RwSignal<Locale>) -> impl IntoView {
    let l = locale.get_untracked();
    let w = words(l);
    let day_labels: Vec<String> = figures
        .per_day
        .iter()
        .map(|d| d.date.format("%d/%m").to_string())
        .collect();
    let created_and_resolved = |counts: &[shared::dashboard::DayCount]| {
        vec![
            Series {
                name: w.created.into(),
                fill: "fill-blue-600 dark:fill-blue-400",
                values: counts.iter().map(|d| d.created).collect(),
            },
            Series {
                name: w.resolved.into(),
                fill: "fill-emerald-600 dark:fill-emerald-400",
                values: counts.iter().map(|d| d.resolved).collect(),
            },
        ]
    };
    let per_day = created_and_resolved(&figures.per_day);
    // Periods longer than a week also show the weeks.
    let weeks = shared::dashboard::per_week(&figures.per_day);
    let per_week = (weeks.len() > 1).then(|| {
        let labels: Vec<String> = weeks
            .iter()
            .map(|d| d.date.format("%d/%m").to_string())
            .collect();
        let series = created_and_resolved(&weeks);
        (
            w.chart_per_week,
            view! { <Columns labels=labels series=series label=w.chart_per_week /> }.into_any(),
        )
    });
    let per_hour = vec![Series {
        name: w.chart_per_hour.into(),
        fill: "fill-blue-600 dark:fill-blue-400",
        values: figures.per_hour.clone(),
    }];
    let hours: Vec<String> = (0..24).map(|h| format!("{h}h")).collect();
    let resolution = figures
        .resolution_times
        .iter()
        .zip(RESOLUTION_BUCKETS)
        .map(|(n, label)| count_bar(label.to_string(), *n))
        .collect::<Vec<_>>();
    let quality_scores = figures
        .quality_scores
        .iter()
        .enumerate()
        .map(|(point, n)| count_bar(format!("{point}–{}", point + 1), *n))
        .collect::<Vec<_>>();
    let named = |list: &[shared::dashboard::NamedCount]| -> Vec<Bar> {
        list.iter()
            .map(|n| {
                count_bar(
                    if n.name.is_empty() {
                        w.no_department.to_string()
                    } else {
                        n.name.clone()
                    },
                    n.count,
                )
            })
            .collect()
    };
    let mut charts: Vec<(&'static str, AnyView)> = vec![
        (w.chart_per_day, view! { <Columns labels=day_labels series=per_day label=w.chart_per_day /> }.into_any()),
        (w.chart_per_hour, view! { <Columns labels=hours series=per_hour label=w.chart_per_hour /> }.into_any()),
        (w.chart_per_channel, bars_or_empty(named(&figures.per_channel), w.chart_per_channel, w.no_data)),
        (w.chart_per_department, bars_or_empty(named(&figures.per_department), w.chart_per_department, w.no_data)),
        (w.chart_per_agent, bars_or_empty(named(&figures.per_agent), w.chart_per_agent, w.no_data)),
        (w.chart_resolution_times, bars_or_empty(resolution, w.chart_resolution_times, w.no_data)),
        (w.chart_categories, bars_or_empty(named(&figures.per_category), w.chart_categories, w.no_data)),
        (w.chart_quality_scores, bars_or_empty(quality_scores, w.chart_quality_scores, w.no_data)),
        (w.chart_heatmap, view! {
            <Heatmap rows=w.weekdays.iter().map(|d| d.to_string()).collect() values=figures.heatmap.clone() label=w.chart_heatmap />
        }.into_any()),
    ];
    if let Some(weekly) = per_week {
        charts.insert(1, weekly);
    }
    view! {
        <ul class="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-4" id="kpi-cards">
            {figures.kpis.into_iter().map(|kpi| view! { <KpiCard kpi=kpi locale=l /> }).collect_view()}
        </ul>
        <div class="grid gap-4 lg:grid-cols-2">
            {charts.into_iter().map(|(title, chart)| view! {
                <figure class=CARD>
                    <figcaption class="mb-2 text-sm font-semibold">{title}</figcaption>
                    {chart}
                </figure>
            }).collect_view()}
        </div>
    }
}

fn count_bar(label: String, count: i64) -> Bar {
    Bar {
        label,
        value: count as f64,
        text: count.to_string(),
    }
}

fn bars_or_empty(bars: Vec<Bar>, label: &'static str, empty: &'static str) -> AnyView {
    if bars.iter().all(|b| b.value == 0.0) {
        view! { <p class="text-sm text-slate-500 dark:text-slate-400">{empty}</p> }.into_any()
    } else {
        view! { <HorizontalBars bars=bars label=label /> }.into_any()
    }
}

#[component]
fn KpiCard(kpi: Kpi, locale: Locale) -> impl IntoView {
    let w = words(locale);
    let value = |v: Option<f64>| match (kpi.key.unit(), v) {
        (_, None) => "—".to_string(),
        (KpiUnit::Count, Some(v)) => format!("{v:.0}"),
        (KpiUnit::Seconds, Some(v)) => Cell::Seconds(Some(v as i64)).display_text(),
        (KpiUnit::Share, Some(v)) => Cell::Share(Some(v)).display_text(),
        (KpiUnit::Score, Some(v)) => format!("{v:.1}"),
    };
    let trend = kpi.trend().map(|trend| {
        let arrow = if trend.change >= 0.0 { "▲" } else { "▼" };
        let colour = if trend.better {
            "text-emerald-700 dark:text-emerald-400"
        } else {
            "text-red-700 dark:text-red-400"
        };
        view! {
            <p class=format!("mt-1 text-xs {colour}")>
                {format!("{arrow} {:+.0}% ", trend.change * 100.0)}
                <span class="text-slate-500 dark:text-slate-400">{w.versus_previous}</span>
            </p>
        }
    });
    let missing = kpi.current.is_none();
    view! {
        <li class=CARD data-kpi=kpi.key.as_str()>
            <p class="text-xs text-slate-600 dark:text-slate-300">{kpi_label(locale, kpi.key)}</p>
            <p class="mt-1 text-2xl font-semibold tabular-nums" title=missing.then_some(w.not_measured_yet)>{value(kpi.current)}</p>
            {trend}
        </li>
    }
}
