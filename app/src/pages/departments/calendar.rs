//! The calendar editor (business hours per weekday and holidays), for the
//! account's calendar and a department's own.

use chrono::Datelike;
use leptos::prelude::*;
use shared::departments::{
    Calendar, ClockTime, Holiday, Opening, WeeklyHours, DAY_MINUTES, WEEKDAY_KEYS,
};
use shared::{AppError, ErrorCode};

use crate::components::widgets::{BUTTON, INPUT};
use crate::prefs::use_t;

const DATE_INPUT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900";

/// A calendar being edited: openings as the time inputs hold them
/// ("HH:MM"; closing at "00:00" is midnight), holidays as date inputs do.
#[derive(Clone, Copy)]
pub struct CalendarDraft {
    pub around_the_clock: RwSignal<bool>,
    pub days: [RwSignal<Vec<(String, String)>>; 7],
    /// (YYYY-MM-DD, every year)
    pub holidays: RwSignal<Vec<(String, bool)>>,
}

impl CalendarDraft {
    pub fn new(calendar: &Calendar) -> Self {
        let hours = calendar.business_hours.clone();
        let days = std::array::from_fn(|weekday| {
            let openings = hours
                .as_ref()
                .map(|h| h.days()[weekday].clone())
                .unwrap_or_default();
            RwSignal::new(
                openings
                    .iter()
                    .map(|o| (o.open.to_string(), shown_close(o.close)))
                    .collect(),
            )
        });
        let this_year = chrono::Utc::now().year();
        let holidays = calendar
            .holidays
            .iter()
            .map(|h| {
                let date = if h.yearly {
                    h.date.with_year(this_year).unwrap_or(h.date)
                } else {
                    h.date
                };
                (date.format("%Y-%m-%d").to_string(), h.yearly)
            })
            .collect();
        CalendarDraft {
            around_the_clock: RwSignal::new(hours.is_none()),
            days,
            holidays: RwSignal::new(holidays),
        }
    }

    /// The calendar to save, or the field that is wrong
    /// (`business_hours.mon`, `holidays`).
    pub fn to_calendar(self) -> Result<Calendar, (String, ErrorCode)> {
        let business_hours = if self.around_the_clock.get_untracked() {
            None
        } else {
            let mut hours = WeeklyHours::default();
            for (weekday, key) in WEEKDAY_KEYS.iter().enumerate() {
                let field = || format!("business_hours.{key}");
                for (open, close) in self.days[weekday].get_untracked() {
                    let open = ClockTime::parse(&open).map_err(|code| (field(), code))?;
                    let close = match ClockTime::parse(&close).map_err(|code| (field(), code))? {
                        midnight if midnight.minutes() == 0 => ClockTime::at(24, 0),
                        close => close,
                    };
                    hours.day_mut(weekday).push(Opening { open, close });
                }
            }
            Some(hours)
        };
        let holidays = self
            .holidays
            .get_untracked()
            .into_iter()
            .filter(|(date, _)| !date.is_empty())
            .map(|(date, yearly)| {
                Holiday::parse(&date)
                    .map(|h| Holiday { yearly, ..h })
                    .map_err(|code| ("holidays".to_string(), code))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let calendar = Calendar {
            business_hours,
            holidays,
        };
        calendar.validate()?;
        Ok(calendar)
    }
}

/// 24:00 as a time input can hold it.
fn shown_close(close: ClockTime) -> String {
    if close.minutes() == DAY_MINUTES {
        "00:00".into()
    } else {
        close.to_string()
    }
}

#[component]
pub fn CalendarEditor(
    draft: CalendarDraft,
    #[prop(into)] error: Signal<Option<AppError>>,
    /// Distinguishes several editors' input ids on one page.
    id_prefix: String,
) -> impl IntoView {
    let t = use_t();
    let clock_id = format!("{id_prefix}-24h");
    let clock_for = clock_id.clone();
    view! {
        <div class="space-y-3">
            <label class="flex items-center gap-2 text-sm" for=clock_for>
                <input type="checkbox" id=clock_id prop:checked=move || draft.around_the_clock.get()
                    on:change=move |ev| draft.around_the_clock.set(event_target_checked(&ev)) />
                {move || t().open_around_the_clock}
            </label>
            <Show when=move || !draft.around_the_clock.get()>
                <div class="divide-y divide-slate-100 rounded-lg border border-slate-200 dark:divide-slate-800 dark:border-slate-700" data-testid="weekly-hours">
                    {(0..7usize).map(|weekday| view! { <DayRow weekday=weekday openings=draft.days[weekday] error=error /> }).collect_view()}
                </div>
                <p class="text-xs text-slate-500 dark:text-slate-400">{move || t().midnight_hint}</p>
            </Show>
            <HolidayList holidays=draft.holidays error=error />
        </div>
    }
}

#[component]
fn DayRow(
    weekday: usize,
    openings: RwSignal<Vec<(String, String)>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let t = use_t();
    let field = format!("business_hours.{}", WEEKDAY_KEYS[weekday]);
    let day_error = Signal::derive(move || error.get().and_then(|e| e.field_code(&field)));
    let add = move |_| {
        openings.update(|o| {
            let open = o
                .last()
                .map_or("09:00".to_string(), |(_, close)| close.clone());
            o.push((open, "18:00".into()))
        })
    };
    view! {
        <div class="flex flex-wrap items-center gap-2 px-3 py-2" data-weekday=WEEKDAY_KEYS[weekday]>
            <span class="w-20 text-sm font-medium">{move || (t().weekday_name)(weekday)}</span>
            <div class="flex flex-1 flex-wrap items-center gap-2">
                {move || {
                    let list = openings.get();
                    if list.is_empty() {
                        return view! { <span class="text-sm text-slate-500 dark:text-slate-400">{move || t().closed_day}</span> }.into_any();
                    }
                    list.into_iter().enumerate().map(|(index, (open, close))| {
                        let set = move |which: usize, value: String| openings.update(|o| if let Some(pair) = o.get_mut(index) {
                            if which == 0 { pair.0 = value } else { pair.1 = value }
                        });
                        view! {
                            <span class="inline-flex items-center gap-1">
                                <input type="time" class=format!("{INPUT} w-28") aria-label=move || format!("{} {}", (t().weekday_name)(weekday), t().opens_at)
                                    prop:value=open on:change=move |ev| set(0, event_target_value(&ev)) />
                                "–"
                                <input type="time" class=format!("{INPUT} w-28") aria-label=move || format!("{} {}", (t().weekday_name)(weekday), t().closes_at)
                                    prop:value=close on:change=move |ev| set(1, event_target_value(&ev)) />
                                <button type="button" class="rounded px-1 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800" title=move || t().remove_interval aria-label=move || t().remove_interval
                                    on:click=move |_| openings.update(|o| { if index < o.len() { o.remove(index); } })>"×"</button>
                            </span>
                        }
                    }).collect_view().into_any()
                }}
            </div>
            <button type="button" class=BUTTON on:click=add>{move || t().add_interval}</button>
            {move || day_error.get().map(|code| view! { <p class="w-full text-xs text-red-700 dark:text-red-400" role="alert">{(t().error_code)(code)}</p> })}
        </div>
    }
}

#[component]
fn HolidayList(
    holidays: RwSignal<Vec<(String, bool)>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let t = use_t();
    let list_error = Signal::derive(move || error.get().and_then(|e| e.field_code("holidays")));
    view! {
        <fieldset class="space-y-2">
            <legend class="text-sm font-medium">{move || t().holidays}</legend>
            <div class="flex flex-wrap gap-2">
            {move || holidays.get().into_iter().enumerate().map(|(index, (date, yearly))| {
                view! {
                    <div class="flex items-center gap-2 rounded-lg border border-slate-200 px-2 py-1 dark:border-slate-700" data-testid="holiday">
                        <input type="date" class=DATE_INPUT aria-label=move || t().holidays prop:value=date
                            on:change=move |ev| { let value = event_target_value(&ev); holidays.update(|h| if let Some(row) = h.get_mut(index) { row.0 = value }) } />
                        <label class="flex items-center gap-1 text-sm">
                            <input type="checkbox" prop:checked=yearly
                                on:change=move |ev| { let on = event_target_checked(&ev); holidays.update(|h| if let Some(row) = h.get_mut(index) { row.1 = on }) } />
                            {move || t().every_year}
                        </label>
                        <button type="button" class="rounded px-1 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800" title=move || t().remove aria-label=move || t().remove
                            on:click=move |_| holidays.update(|h| { if index < h.len() { h.remove(index); } })>"×"</button>
                    </div>
                }
            }).collect_view()}
            </div>
            <button type="button" class=BUTTON on:click=move |_| holidays.update(|h| h.push((String::new(), false)))>{move || t().add_holiday}</button>
            {move || list_error.get().map(|code| view! { <p class="text-xs text-red-700 dark:text-red-400" role="alert">{(t().error_code)(code)}</p> })}
        </fieldset>
    }
}
