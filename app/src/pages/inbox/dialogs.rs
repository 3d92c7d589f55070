//! Dialogs of the inbox: transfer, snooze, keyboard shortcuts (wrap-up has
//! its own chunk, `wrap_up.rs`).

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, TimeZone, Timelike, Utc};
use leptos::prelude::*;
use shared::inbox::ConversationStatus;
use uuid::Uuid;

use super::conversation::use_open_conversation;
use super::use_inbox;
use crate::api::conversations::{assign_conversation, set_conversation_status};
use crate::components::layout::use_session;
use crate::components::widgets::{Modal, BUTTON, INPUT, PRIMARY_BUTTON};
use crate::prefs::use_t;

/// Transfer to an agent and/or a department, with a note for them.
#[component]
pub fn TransferDialog(
    number: i64,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_t();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let Some(open) = use_open_conversation() else {
        return ().into_any();
    };
    let summary = open.summary.get_untracked();
    let agent = RwSignal::new(
        summary
            .assignee_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
    );
    let department = RwSignal::new(
        summary
            .department_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
    );
    let note = RwSignal::new(String::new());
    let context = move || inbox.context.get().and_then(Result::ok);
    let close = on_close.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let assignee = agent.get_untracked().parse::<Uuid>().ok();
        let department_id = department.get_untracked().parse::<i64>().ok();
        let note = Some(note.get_untracked()).filter(|n| !n.trim().is_empty());
        open.act(assign_conversation(
            number,
            assignee,
            true,
            department_id,
            note,
        ));
        close();
    };
    let online = move |id: Uuid, default: bool| {
        inbox
            .presence
            .with(|p| p.get(&id).copied())
            .unwrap_or(default)
    };
    let cancel = on_close.clone();
    view! {
        <Modal title=Signal::derive(move || t().transfer.to_string()) on_close=on_close id="transfer-dialog">
            <form on:submit=submit class="space-y-3">
                <label class="block space-y-1">
                    <span class="text-sm font-medium">{move || t().agent}</span>
                    <select class=INPUT name="agent" on:change=move |ev| agent.set(event_target_value(&ev))>
                        <option value="">{move || t().nobody}</option>
                        {move || context().map(|c| c.agents.into_iter().map(|a| {
                            let id = a.user_id;
                            let value = id.to_string();
                            let selected = agent.get_untracked() == value;
                            view! { <option value=value selected=selected>{move || format!("{} {}", if online(id, a.online) { "●" } else { "○" }, a.name)}</option> }
                        }).collect_view())}
                    </select>
                </label>
                <label class="block space-y-1">
                    <span class="text-sm font-medium">{move || t().department}</span>
                    <select class=INPUT name="department" on:change=move |ev| department.set(event_target_value(&ev))>
                        <option value="">{move || t().no_department}</option>
                        {move || context().map(|c| c.departments.into_iter().map(|d| {
                            let value = d.id.to_string();
                            let selected = department.get_untracked() == value;
                            view! { <option value=value selected=selected>{d.name}</option> }
                        }).collect_view())}
                    </select>
                </label>
                <label class="block space-y-1">
                    <span class="text-sm font-medium">{move || t().transfer_note}</span>
                    <textarea class=INPUT rows="3" name="note" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </label>
                <div class="flex justify-end gap-2">
                    <button type="button" class=BUTTON on:click=move |_| cancel()>{move || t().cancel}</button>
                    <button type="submit" class=PRIMARY_BUTTON id="confirm-transfer">{move || t().transfer}</button>
                </div>
            </form>
        </Modal>
    }
    .into_any()
}

/// The account-local wall clock now, as a naive date-time.
fn local_now(offset_minutes: i32) -> NaiveDateTime {
    (Utc::now() + Duration::minutes(i64::from(offset_minutes))).naive_utc()
}

fn to_utc(local: NaiveDateTime, offset_minutes: i32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&(local - Duration::minutes(i64::from(offset_minutes))))
}

/// Snooze choices: in an hour, tomorrow 9:00, next Monday 9:00, or a time.
pub fn snooze_presets(offset_minutes: i32) -> [DateTime<Utc>; 3] {
    let now = local_now(offset_minutes);
    let nine = |days: i64| {
        let day = now.date() + Duration::days(days);
        to_utc(day.and_hms_opt(9, 0, 0).unwrap_or(now), offset_minutes)
    };
    let days_to_monday = (7 - i64::from(now.weekday().num_days_from_monday())) % 7;
    [
        Utc::now() + Duration::hours(1),
        nine(1),
        nine(if days_to_monday == 0 {
            7
        } else {
            days_to_monday
        }),
    ]
}

#[component]
pub fn SnoozeDialog(
    number: i64,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_t();
    let Some(open) = use_open_conversation() else {
        return ().into_any();
    };
    let offset = use_session().utc_offset_minutes;
    let custom = RwSignal::new(String::new());
    let snooze = {
        let close = on_close.clone();
        move |until: DateTime<Utc>| {
            open.act(set_conversation_status(
                number,
                ConversationStatus::Waiting,
                Some(until),
            ));
            close();
        }
    };
    let [hour, tomorrow, monday] = snooze_presets(offset);
    let (s1, s2, s3, s4) = (snooze.clone(), snooze.clone(), snooze.clone(), snooze);
    let custom_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Ok(local) = NaiveDateTime::parse_from_str(&custom.get_untracked(), "%Y-%m-%dT%H:%M")
        {
            s4(to_utc(local, offset));
        }
    };
    let min = {
        let now = local_now(offset);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            now.year(),
            now.month(),
            now.day(),
            now.hour(),
            now.minute()
        )
    };
    view! {
        <Modal title=Signal::derive(move || t().snooze.to_string()) on_close=on_close id="snooze-dialog">
            <div class="grid gap-2">
                <button type="button" class=BUTTON on:click=move |_| s1(hour)>{move || t().snooze_hour}</button>
                <button type="button" class=BUTTON on:click=move |_| s2(tomorrow)>{move || t().snooze_tomorrow}</button>
                <button type="button" class=BUTTON on:click=move |_| s3(monday)>{move || t().snooze_monday}</button>
                <form on:submit=custom_submit class="flex gap-2">
                    <input type="datetime-local" class=INPUT min=min required aria-label=move || t().snooze_until
                        on:input=move |ev| custom.set(event_target_value(&ev)) />
                    <button type="submit" class=PRIMARY_BUTTON>{move || t().snooze}</button>
                </form>
            </div>
        </Modal>
    }
    .into_any()
}

/// A key and what it does.
type ShortcutRow = (&'static str, fn(&crate::i18n::Strings) -> &'static str);

#[component]
pub fn ShortcutsHelp(on_close: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let t = use_t();
    let rows: [ShortcutRow; 8] = [
        ("j", |t| t.key_next),
        ("k", |t| t.key_previous),
        ("r", |t| t.key_reply),
        ("n", |t| t.key_note),
        ("e", |t| t.key_resolve),
        ("/", |t| t.key_search),
        ("?", |t| t.key_help),
        ("Esc", |t| t.key_escape),
    ];
    view! {
        <Modal title=Signal::derive(move || t().keyboard_shortcuts.to_string()) on_close=on_close id="shortcuts-help">
            <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
                {rows.into_iter().map(|(key, label)| view! {
                    <dt><kbd class="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs dark:border-slate-600 dark:bg-slate-800">{key}</kbd></dt>
                    <dd>{move || label(t())}</dd>
                }).collect_view()}
            </dl>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snooze_presets_are_in_the_future_and_ordered() {
        let [hour, tomorrow, monday] = snooze_presets(-180);
        assert!(hour > Utc::now());
        assert!(tomorrow > Utc::now());
        assert!(monday >= tomorrow);
        // Tomorrow 9:00 in São Paulo is 12:00 UTC.
        assert_eq!(tomorrow.hour(), 12);
    }
}
