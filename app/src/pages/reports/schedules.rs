//! Reports e-mailed on a schedule: the report and filters on screen, sent
//! every morning, on Mondays or on the 1st to a list of addresses as a CSV
//! or PDF attachment. Admins see the account's schedules; supervisors their own.

use crate::json::json_resource;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::events::ServerEvent;
use shared::report_words::{report_title, words};
use shared::reports::{
    FileFormat, Frequency, ReportFilter, ReportKind, ReportSchedule, ScheduleForm,
};
use shared::Locale;

use super::{CARD, LABEL};
use crate::api::reports::{list_report_schedules, RemoveReportSchedule, ScheduleReport};
use crate::components::form::{field_error, form_error, ErrorBanner};
use crate::components::layout::use_session;
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};
use crate::prefs::use_t;
use crate::realtime::{use_realtime, Incoming};
use crate::util::date_time;

/// What the page has chosen: the schedule takes the same report and filters.
#[derive(Clone, Copy)]
pub struct OnScreen {
    pub kind: RwSignal<ReportKind>,
    pub filter: Memo<ReportFilter>,
}

fn frequency_label(locale: Locale, frequency: Frequency) -> &'static str {
    let [daily, weekly, monthly] = words(locale).frequencies;
    match frequency {
        Frequency::Daily => daily,
        Frequency::Weekly => weekly,
        Frequency::Monthly => monthly,
    }
}

#[component]
pub fn ScheduledReports(on_screen: OnScreen, locale: RwSignal<Locale>) -> impl IntoView {
    let t = use_t();
    let w = move || words(locale.get());
    let frequency = RwSignal::new(Frequency::Weekly);
    let format = RwSignal::new(FileFormat::Pdf);
    let recipients = RwSignal::new(String::new());
    let create = ServerAction::<ScheduleReport>::new();
    let remove = ServerAction::<RemoveReportSchedule>::new();
    // Another manager's changes and each run's outcome arrive as frames.
    let changed = RwSignal::new(0u32);
    if let Some(realtime) = use_realtime() {
        realtime.subscribe(move |incoming| {
            if matches!(
                incoming,
                Incoming::Event(ServerEvent::ReportSchedulesChanged) | Incoming::Resync { .. }
            ) {
                changed.try_update(|v| *v += 1);
            }
        });
    }
    let schedules = json_resource(
        move || {
            (
                create.version().get(),
                remove.version().get(),
                changed.get(),
            )
        },
        |_| list_report_schedules(),
    );
    let error = form_error(create);
    let recipients_error = field_error(error, "recipients");
    let other_error =
        Signal::derive(move || error.get().filter(|_| recipients_error.get().is_none()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            recipients.set(String::new());
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let filter = on_screen.filter.get_untracked();
        create.dispatch(ScheduleReport {
            form: ScheduleForm {
                report: on_screen.kind.get_untracked(),
                frequency: frequency.get_untracked(),
                format: format.get_untracked(),
                recipients: recipients.get_untracked(),
                agents: filter.agents,
                departments: filter.departments,
                channels: filter.channels,
                categories: filter.categories,
                locale: locale.get_untracked(),
            },
        });
    };

    view! {
        <section class=format!("{CARD} space-y-3") aria-labelledby="schedules-title">
            <div>
                <h2 id="schedules-title" class="text-sm font-semibold text-slate-800 dark:text-slate-100">{move || w().schedules_title}</h2>
                <p class="text-xs text-slate-500 dark:text-slate-400">{move || w().schedules_hint}</p>
            </div>
            <form class="grid items-start gap-3 sm:grid-cols-[auto_auto_1fr_auto]" on:submit=submit>
                <div>
                    <label for="schedule-frequency" class=LABEL>{move || w().frequency}</label>
                    <select id="schedule-frequency" class=INPUT on:change=move |ev| {
                        if let Ok(f) = event_target_value(&ev).parse() { frequency.set(f) }
                    }>
                        {Frequency::ALL.iter().map(|&f| view! {
                            <option value=f.as_str() selected=move || frequency.get() == f>{move || frequency_label(locale.get(), f)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="schedule-format" class=LABEL>{move || w().file_format}</label>
                    <select id="schedule-format" class=INPUT on:change=move |ev| {
                        if let Ok(f) = event_target_value(&ev).parse() { format.set(f) }
                    }>
                        <option value="pdf" selected=move || format.get() == FileFormat::Pdf>"PDF"</option>
                        <option value="csv" selected=move || format.get() == FileFormat::Csv>"CSV"</option>
                    </select>
                </div>
                <div>
                    <label for="schedule-recipients" class=LABEL>{move || w().recipients}</label>
                    <input
                        id="schedule-recipients"
                        type="text"
                        inputmode="email"
                        autocomplete="off"
                        class=INPUT
                        placeholder="ana@empresa.com.br, bia@empresa.com.br"
                        prop:value=recipients
                        on:input=move |ev| recipients.set(event_target_value(&ev))
                        aria-invalid=move || recipients_error.get().is_some().to_string()
                        aria-describedby="schedule-recipients-msg"
                    />
                    <p id="schedule-recipients-msg" class="mt-1 text-xs">
                        {move || match recipients_error.get() {
                            Some(code) => view! { <span class="font-medium text-red-700 dark:text-red-400" role="alert">{t().code(code)}</span> }.into_any(),
                            None => view! { <span class="text-slate-500 dark:text-slate-400">{w().recipients_hint}</span> }.into_any(),
                        }}
                    </p>
                </div>
                <button type="submit" class=format!("{PRIMARY_BUTTON} sm:mt-4") disabled=move || create.pending().get()>
                    {move || if create.pending().get() { w().scheduling } else { w().schedule_button }}
                </button>
            </form>
            <ErrorBanner error=other_error />
            <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    match schedules.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="text-sm text-slate-500 dark:text-slate-400">{move || w().no_schedules}</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul id="report-schedules" class="divide-y divide-slate-200 dark:divide-slate-800">
                                {list.into_iter().map(|schedule| view! { <ScheduleItem schedule=schedule locale=locale remove=remove /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ScheduleItem(
    schedule: ReportSchedule,
    locale: RwSignal<Locale>,
    remove: ServerAction<RemoveReportSchedule>,
) -> impl IntoView {
    let w = move || words(locale.get());
    let offset = use_session().utc_offset_minutes;
    let id = schedule.id;
    let recipients = schedule.recipients.join(", ");
    let next_run = schedule.next_run_at;
    let failure = schedule.last_error.clone();
    view! {
        <li class="flex flex-wrap items-center justify-between gap-2 py-2 text-sm" data-schedule=id.to_string()>
            <div class="min-w-0">
                <p class="font-medium text-slate-800 dark:text-slate-100">
                    {move || report_title(locale.get(), schedule.report)}
                    " · " {move || frequency_label(locale.get(), schedule.frequency)}
                    " · " {schedule.format.as_str().to_uppercase()}
                </p>
                <p class="truncate text-xs text-slate-600 dark:text-slate-300">{recipients}</p>
                <p class="text-xs text-slate-500 dark:text-slate-400">
                    {move || w().next_run} ": " {move || date_time(next_run, offset, locale.get())}
                    " · " {move || w().scheduled_by} " " {schedule.owner.clone()}
                </p>
                {failure.map(|reason| view! {
                    <p class="text-xs font-medium text-red-700 dark:text-red-400">{move || w().last_run_failed} ": " {reason}</p>
                })}
            </div>
            <button
                type="button"
                class=BUTTON
                disabled=move || remove.pending().get()
                on:click=move |_| { remove.dispatch(RemoveReportSchedule { id }); }
            >
                {move || w().cancel_schedule}
            </button>
        </li>
    }
}
