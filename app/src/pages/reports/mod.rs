//! Reports: the work log, productivity, categorization, idle analysis and
//! AI quality (with its scores' spread),
//! with shared filters (date presets, agent, department; channel and
//! category for the reports counted from conversations), a bar chart of
//! the report's main figure and CSV / PDF files of exactly what is on
//! screen, built in the background (exports.rs) or e-mailed on a schedule
//! (schedules.rs). Managers see their
//! agents; agents see only their own figures.

use crate::json::json_resource;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::report_words::{column_title, preset_label, report_title, words};
use shared::reports::{DatePreset, ReportFilter, ReportKind, ReportTable, TableRow};
use shared::{Locale, Permission};

use crate::api::activity::agent_statuses;
use crate::api::departments::list_departments;
use crate::api::reports::{fetch_report, StartReportExport};
use crate::components::charts::{Bar, HorizontalBars};
use crate::components::form::ErrorBanner;
use crate::components::layout::{use_session, PageHeader};
use crate::components::widgets::INPUT;
use crate::prefs::{use_prefs, use_t};

mod categories;
mod conversation_filters;
mod days;
mod exports;
mod multi_pick;
mod schedules;
use categories::CategoryBreakdown;
use conversation_filters::ConversationFilters;
use days::DayList;
use exports::{ExportButtons, ExportList};
use multi_pick::MultiPick;
use schedules::{OnScreen, ScheduledReports};

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900";
const LABEL: &str = "block text-xs font-medium text-slate-600 dark:text-slate-300";
const CHART_BARS: usize = 12;

#[component]
pub fn ReportsPage() -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let locale = prefs.locale;
    let w = move || words(locale.get());
    let manager = use_session().can(Permission::ViewDashboard);

    // A link may open a report, period and agent (the status board's "see
    // the day"): `?report=work-log&preset=today&agent=<id>`.
    let query = use_query_map().get_untracked();
    let kind = RwSignal::new(
        query
            .get("report")
            .and_then(|k| k.parse().ok())
            .unwrap_or(ReportKind::Productivity),
    );
    let preset = RwSignal::new(
        query
            .get("preset")
            .and_then(|p| p.parse().ok())
            .unwrap_or(DatePreset::Last7Days),
    );
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let agents = RwSignal::new(query.get("agent").into_iter().collect::<Vec<String>>());
    let departments = RwSignal::new(Vec::<String>::new());
    let channels = RwSignal::new(Vec::<String>::new());
    let categories = RwSignal::new(Vec::<String>::new());
    let filter = Memo::new(move |_| {
        // Channels and categories narrow the reports counted from
        // conversations; the others ignore them.
        let by_conversation = kind.get().counts_conversations();
        let ids = |picked: RwSignal<Vec<String>>| -> Vec<i64> {
            picked.with(|p| p.iter().filter_map(|v| v.parse().ok()).collect())
        };
        let conversation_ids = |picked| {
            if by_conversation {
                ids(picked)
            } else {
                Vec::new()
            }
        };
        ReportFilter {
            preset: Some(preset.get()),
            from: from.get().parse().ok(),
            to: to.get().parse().ok(),
            agents: agents.with(|p| p.iter().filter_map(|v| v.parse().ok()).collect()),
            departments: ids(departments),
            channels: conversation_ids(channels),
            categories: conversation_ids(categories),
        }
    });
    let table = json_resource(
        move || (kind.get(), filter.get()),
        |(kind, filter)| fetch_report(kind, filter),
    );
    let start_export = ServerAction::<StartReportExport>::new();

    view! {
        <PageHeader
            title=Signal::derive(move || if manager { w().page_title } else { w().my_figures })
            subtitle=Signal::derive(move || w().page_subtitle)
        >
            <ExportButtons kind=kind filter=filter locale=locale start=start_export />
        </PageHeader>
        <div class="space-y-4 p-4 sm:p-6">
            <nav class="flex flex-wrap gap-2" aria-label=move || w().report>
                {ReportKind::ALL.iter().map(|&k| view! {
                    <button
                        type="button"
                        class="rounded-full border px-3 py-1 text-sm aria-[pressed=true]:border-blue-700 aria-[pressed=true]:bg-blue-700 aria-[pressed=true]:text-white border-slate-300 dark:border-slate-600"
                        aria-pressed=move || (kind.get() == k).to_string()
                        on:click=move |_| kind.set(k)
                    >
                        {move || report_title(locale.get(), k)}
                    </button>
                }).collect_view()}
            </nav>
            <Filters locale=locale manager=manager preset=preset from=from to=to agents=agents departments=departments />
            <ConversationFilters locale=locale kind=kind channels=channels categories=categories />
            <ExportList locale=locale start=start_export />
            <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    match table.await {
                        Ok(table) => view! { <ReportView table=table locale=locale /> }.into_any(),
                        Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                    }
                })}
            </Transition>
            <Show when=move || manager>
                <ScheduledReports on_screen=OnScreen { kind, filter } locale=locale />
            </Show>
        </div>
    }
}

#[component]
fn Filters(
    locale: RwSignal<Locale>,
    manager: bool,
    preset: RwSignal<DatePreset>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    agents: RwSignal<Vec<String>>,
    departments: RwSignal<Vec<String>>,
) -> impl IntoView {
    let w = move || words(locale.get());
    let people = json_resource(
        || (),
        move |_| async move {
            if manager {
                agent_statuses().await.unwrap_or_default()
            } else {
                Vec::new()
            }
        },
    );
    let teams = json_resource(
        || (),
        move |_| async move {
            if manager {
                list_departments().await.unwrap_or_default()
            } else {
                Vec::new()
            }
        },
    );
    let custom = move || preset.get() == DatePreset::Custom;
    view! {
        <section class=format!("{CARD} grid gap-3 sm:grid-cols-2 lg:grid-cols-5") aria-label=move || w().period>
            <div>
                <label for="report-preset" class=LABEL>{move || w().period}</label>
                <select id="report-preset" class=INPUT on:change=move |ev| {
                    if let Ok(p) = event_target_value(&ev).parse() { preset.set(p) }
                }>
                    {DatePreset::ALL.iter().map(|&p| view! {
                        <option value=p.as_str() selected=move || preset.get() == p>{move || preset_label(locale.get(), p)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class:hidden=move || !custom()>
                <label for="report-from" class=LABEL>{move || w().from}</label>
                <input id="report-from" type="date" class=INPUT prop:value=from on:change=move |ev| from.set(event_target_value(&ev)) />
            </div>
            <div class:hidden=move || !custom()>
                <label for="report-to" class=LABEL>{move || w().to}</label>
                <input id="report-to" type="date" class=INPUT prop:value=to on:change=move |ev| to.set(event_target_value(&ev)) />
            </div>
            <Show when=move || manager>
                <Transition>
                    {move || Suspend::new(async move {
                        let options = people.await.into_iter().map(|a| (a.user_id.to_string(), a.name)).collect();
                        view! { <MultiPick id="report-agents" label=Signal::derive(move || w().agents) all_label=Signal::derive(move || w().all_agents) options=options chosen=agents /> }
                    })}
                </Transition>
                <Transition>
                    {move || Suspend::new(async move {
                        let options = teams.await.into_iter().map(|d| (d.id.to_string(), d.name)).collect();
                        view! { <MultiPick id="report-departments" label=Signal::derive(move || w().departments) all_label=Signal::derive(move || w().all_departments) options=options chosen=departments /> }
                    })}
                </Transition>
            </Show>
        </section>
    }
}

#[component]
fn ReportView(mut table: ReportTable, locale: RwSignal<Locale>) -> impl IntoView {
    let w = move || words(locale.get());
    if table.rows.is_empty() {
        return view! { <p class=CARD>{move || w().no_rows}</p> }.into_any();
    }
    let kind = table.kind;
    let columns = table.columns.clone();
    let chart_column = table.chart_column;
    let chart_title = columns.get(chart_column).cloned().unwrap_or_default();
    let chart_label = column_title(locale.get_untracked(), &chart_title);
    let has_details = kind == ReportKind::WorkLog;
    // One agent's work log (the status board's "see the day", an agent's
    // own figures) opens on their days.
    let expanded = has_details && table.rows.len() == 1;
    let header_columns = columns.clone();
    let categories = std::mem::take(&mut table.categories);
    let spread = score_spread(&table, locale.get_untracked());
    view! {
        <section class=CARD aria-labelledby="report-chart-heading">
            <h2 id="report-chart-heading" class="mb-3 text-sm font-semibold">
                {move || format!("{} · {}", column_title(locale.get(), &chart_title), w().chart_by_agent)}
            </h2>
            <HorizontalBars bars=chart_bars(&table.rows, chart_column) label=chart_label />
        </section>
        <section class=format!("{CARD} overflow-x-auto") tabindex="0" aria-labelledby="report-table-heading">
            <h2 id="report-table-heading" class="mb-1 text-base font-semibold">
                {move || report_title(locale.get(), kind)}
            </h2>
            <p class="mb-3 text-xs text-slate-500 dark:text-slate-400">
                {format!("{} – {}", table.from, table.to)}
            </p>
            <table class="w-full text-sm" id="report-table" data-report=kind.as_str()>
                <thead>
                    <tr class="text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                        <th scope="col" class="px-2 py-2 font-semibold">{move || w().agent}</th>
                        {header_columns.into_iter().map(|c| view! {
                            <th scope="col" class="px-2 py-2 text-right font-semibold" data-column=c.clone()>
                                {let c = c.clone(); move || column_title(locale.get(), &c)}
                            </th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {table.rows.into_iter().map(|row| view! {
                        <ReportRow row=row columns=columns.clone() locale=locale has_details=has_details expanded=expanded />
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr class="border-t-2 border-slate-200 font-semibold dark:border-slate-700" data-totals="">
                        <th scope="row" class="px-2 py-2 text-left">{move || w().totals}</th>
                        {table.totals.iter().map(|cell| view! {
                            <td class="px-2 py-2 text-right tabular-nums">{cell.display_text()}</td>
                        }).collect_view()}
                    </tr>
                </tfoot>
            </table>
        </section>
        {(!categories.is_empty()).then(|| view! { <CategoryBreakdown categories=categories locale=locale /> })}
        {(!spread.is_empty()).then(|| view! {
            <section class=CARD id="score-spread" aria-labelledby="score-spread-heading">
                <h2 id="score-spread-heading" class="mb-3 text-sm font-semibold">{move || w().score_spread}</h2>
                <HorizontalBars bars=spread label=words(locale.get_untracked()).score_spread />
            </section>
        })}
    }
    .into_any()
}

/// The quality report's reviews per score band, all agents together, lowest
/// band first; empty for other reports.
fn score_spread(table: &ReportTable, locale: Locale) -> Vec<Bar> {
    if table.kind != ReportKind::Quality {
        return Vec::new();
    }
    table
        .columns
        .iter()
        .zip(&table.totals)
        .filter(|(column, _)| column.starts_with("scores_"))
        .map(|(column, cell)| Bar {
            label: column_title(locale, column).to_string(),
            value: cell.magnitude(),
            text: cell.display_text(),
        })
        .collect()
}

#[component]
fn ReportRow(
    row: TableRow,
    columns: Vec<String>,
    locale: RwSignal<Locale>,
    has_details: bool,
    expanded: bool,
) -> impl IntoView {
    let w = move || words(locale.get());
    let open = RwSignal::new(expanded);
    let details = row.details.clone();
    let span = columns.len() + 1;
    let cells = row.cells.into_iter().zip(columns).map(|(cell, column)| view! {
        <td class="px-2 py-2 text-right tabular-nums" data-column=column data-value=cell.csv_text()>
            {cell.display_text()}
        </td>
    }).collect_view();
    view! {
        <tr data-agent=row.agent.email.clone()>
            <th scope="row" class="px-2 py-2 text-left font-normal">
                <p class="font-medium">{row.agent.name.clone()}</p>
                <p class="text-xs text-slate-500 dark:text-slate-400">{row.agent.email.clone()}</p>
                {(has_details && !details.is_empty()).then(|| view! {
                    <button type="button" class="mt-1 text-xs text-blue-700 underline dark:text-blue-400"
                        aria-expanded=move || open.get().to_string()
                        on:click=move |_| open.update(|o| *o = !*o)>
                        {move || format!("{} ({})", w().days, details.len())}
                    </button>
                })}
            </th>
            {cells}
        </tr>
        <Show when=move || open.get()>
            <tr class="bg-slate-50 dark:bg-slate-950">
                <td colspan=span class="px-2 py-2">
                    <DayList days=row.details.clone() locale=locale />
                </td>
            </tr>
        </Show>
    }
}

/// The report's main figure per agent, largest first.
fn chart_bars(rows: &[TableRow], column: usize) -> Vec<Bar> {
    let mut bars: Vec<Bar> = rows
        .iter()
        .filter_map(|row| {
            let cell = row.cells.get(column)?;
            Some(Bar {
                label: row.agent.name.clone(),
                value: cell.magnitude(),
                text: cell.display_text(),
            })
        })
        .collect();
    bars.sort_by(|a, b| b.value.total_cmp(&a.value));
    bars.truncate(CHART_BARS);
    bars
}
