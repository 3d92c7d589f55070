//! One department's settings.

use leptos::prelude::*;
use shared::accounts::Member;
use shared::departments::{
    Department, DepartmentForm, DepartmentMember, Distribution, LocalizedText,
    DEFAULT_MAX_CONVERSATIONS, MAX_MAX_CONVERSATIONS,
};
use shared::inbox::ChannelView;
use shared::{AppError, Locale, Role};
use uuid::Uuid;

use super::calendar::{CalendarDraft, CalendarEditor};
use super::sla::SlaByPriorityEditor;
use super::CARD;
use crate::api::departments::{remove_department, save_department};
use crate::components::form::{ErrorBanner, SuccessBanner};
use crate::components::grants::{department_level_label, GrantsEditor};
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};
use crate::prefs::use_t;
use crate::util::confirm;
use shared::access::DepartmentAccess;

fn distribution_label(t: &crate::i18n::Strings, mode: Distribution) -> &'static str {
    match mode {
        Distribution::Manual => t.distribution_manual,
        Distribution::RoundRobin => t.distribution_round_robin,
        Distribution::LeastBusy => t.distribution_least_busy,
    }
}

#[component]
pub fn DepartmentCard(
    department: Department,
    people: Vec<Member>,
    channels: Vec<ChannelView>,
    policies: Vec<shared::sla::SlaPolicy>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let t = use_t();
    let prefs = crate::prefs::use_prefs();
    let id = department.id;
    let name = RwSignal::new(department.name.clone());
    let description = RwSignal::new(department.description.clone());
    let channel = RwSignal::new(department.channel_id);
    let distribution = RwSignal::new(department.distribution);
    let seats = RwSignal::new(department.members.clone());
    let sla_policy = RwSignal::new(department.sla_policy_id);
    let sla_by_priority = RwSignal::new(department.sla_by_priority.clone());
    let priority_policies = policies.clone();
    let grants = RwSignal::new(department.grants.clone());
    let own_hours = RwSignal::new(department.calendar.is_some());
    let draft = CalendarDraft::new(&department.calendar.clone().unwrap_or_default());
    let messages: Vec<(Locale, RwSignal<String>)> = Locale::ALL
        .into_iter()
        .map(|l| {
            let text = department
                .out_of_hours_messages
                .get(l.as_str())
                .cloned()
                .unwrap_or_default();
            (l, RwSignal::new(text))
        })
        .collect();
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(None::<String>);
    let texts = messages.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let calendar = if own_hours.get_untracked() {
            match draft.to_calendar() {
                Ok(calendar) => Some(calendar),
                Err((field, code)) => return error.set(Some(AppError::field(&field, code))),
            }
        } else {
            None
        };
        let form = DepartmentForm {
            name: name.get_untracked(),
            description: description.get_untracked(),
            channel_id: channel.get_untracked(),
            members: seats.get_untracked(),
            distribution: distribution.get_untracked(),
            calendar,
            out_of_hours_messages: texts
                .iter()
                .map(|(l, text)| (l.as_str().to_string(), text.get_untracked()))
                .collect::<LocalizedText>(),
            sla_policy_id: sla_policy.get_untracked(),
            sla_by_priority: sla_by_priority.get_untracked(),
            grants: grants.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match save_department(id, form).await {
                Ok(_) => {
                    error.set(None);
                    saved.set(Some(
                        crate::i18n::strings(prefs.locale.get_untracked())
                            .saved
                            .to_string(),
                    ));
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let remove = move |_| {
        if !confirm(crate::i18n::strings(prefs.locale.get_untracked()).confirm_remove) {
            return;
        }
        leptos::task::spawn_local(async move {
            match remove_department(id).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let prefix = format!("department-{id}");
    view! {
        <form on:submit=save class=format!("{CARD} space-y-4") data-department=department.name.clone()>
            <div class="flex items-end gap-2">
                <label class="min-w-0 flex-1 space-y-1">
                    <span class="block text-sm font-medium">{move || t().name}</span>
                    <input class=INPUT required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <button type="button" class=BUTTON on:click=remove>{move || t().remove}</button>
            </div>
            <label class="block space-y-1">
                <span class="block text-sm font-medium">{move || t().description}</span>
                <textarea class=INPUT rows="2" maxlength="500" prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            </label>
            <div class="grid gap-3 sm:grid-cols-3">
                <label class="block space-y-1">
                    <span class="block text-sm font-medium">{move || t().distribution}</span>
                    <select class=INPUT name="distribution"
                        on:change=move |ev| { if let Ok(mode) = event_target_value(&ev).parse::<Distribution>() { distribution.set(mode) } }>
                        {Distribution::ALL.iter().map(|&mode| view! {
                            <option value=mode.as_str() selected=move || distribution.get() == mode>{move || distribution_label(t(), mode)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="block space-y-1">
                    <span class="block text-sm font-medium">{move || t().own_channel}</span>
                    <select class=INPUT on:change=move |ev| channel.set(event_target_value(&ev).parse().ok())>
                        <option value="" selected=move || channel.get().is_none()>{move || t().no_own_channel}</option>
                        {channels.into_iter().map(|c| view! {
                            <option value=c.id.to_string() selected=move || channel.get() == Some(c.id)>{c.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="block space-y-1">
                    <span class="block text-sm font-medium">{move || t().sla_policy}</span>
                    <select class=INPUT name="sla_policy" on:change=move |ev| sla_policy.set(event_target_value(&ev).parse().ok())>
                        <option value="" selected=move || sla_policy.get().is_none()>{move || t().no_sla_policy}</option>
                        {policies.into_iter().map(|p| view! {
                            <option value=p.id.to_string() selected=move || sla_policy.get() == Some(p.id)>{p.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <SlaByPriorityEditor policies=priority_policies by_priority=sla_by_priority />
            <Members people=people.clone() seats=seats />
            <fieldset class="space-y-2 border-t border-slate-100 pt-3 dark:border-slate-800" data-access>
                <legend class="text-sm font-medium">{move || t().access}</legend>
                <p class="text-xs text-slate-500 dark:text-slate-400">{move || t().access_department_hint}</p>
                <GrantsEditor grants=grants people=people levels=DepartmentAccess::ALL level_label=department_level_label />
            </fieldset>
            <fieldset class="space-y-2 border-t border-slate-100 pt-3 dark:border-slate-800">
                <legend class="text-sm font-medium">{move || t().business_hours}</legend>
                <div class="flex flex-wrap gap-4 text-sm">
                    <label class="flex items-center gap-2">
                        <input type="radio" name=format!("{prefix}-hours") prop:checked=move || !own_hours.get() on:change=move |_| own_hours.set(false) />
                        {move || t().use_account_hours}
                    </label>
                    <label class="flex items-center gap-2">
                        <input type="radio" name=format!("{prefix}-hours") prop:checked=move || own_hours.get() on:change=move |_| own_hours.set(true) />
                        {move || t().own_hours}
                    </label>
                </div>
                <Show when=move || own_hours.get()>
                    <CalendarEditor draft=draft error=error id_prefix=prefix.clone() />
                </Show>
            </fieldset>
            <fieldset class="space-y-2 border-t border-slate-100 pt-3 dark:border-slate-800">
                <legend class="text-sm font-medium">{move || t().out_of_hours_message}</legend>
                <p class="text-xs text-slate-500 dark:text-slate-400">{move || t().out_of_hours_hint}</p>
                {messages.into_iter().map(|(locale, text)| view! {
                    <label class="block space-y-1">
                        <span class="block text-xs font-medium text-slate-600 dark:text-slate-300">{locale.native_name()}</span>
                        <textarea class=INPUT rows="2" maxlength="1000" data-locale=locale.as_str() prop:value=move || text.get()
                            on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    </label>
                }).collect_view()}
            </fieldset>
            <ErrorBanner error=error />
            <SuccessBanner message=saved />
            <button type="submit" class=PRIMARY_BUTTON>{move || t().save}</button>
        </form>
    }
}

/// Who works in the department, and how many conversations each takes at once.
#[component]
fn Members(people: Vec<Member>, seats: RwSignal<Vec<DepartmentMember>>) -> impl IntoView {
    let t = use_t();
    view! {
        <fieldset>
            <legend class="mb-1 text-sm font-medium">{move || t().members}</legend>
            <div class="grid gap-1">
                {people.into_iter().filter(|m| m.active && m.role != Role::Auditor).map(|member| {
                    let user: Uuid = member.user_id;
                    let seat = move || seats.with(|s| s.iter().find(|s| s.user_id == user).copied());
                    let who = member.name.clone();
                    view! {
                        <div class="flex items-center justify-between gap-2 rounded-md px-1 py-0.5 text-sm" data-member=member.name.clone()>
                            <label class="flex min-w-0 items-center gap-2">
                                <input type="checkbox" prop:checked=move || seat().is_some()
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        seats.update(|s| if on {
                                            if !s.iter().any(|x| x.user_id == user) {
                                                s.push(DepartmentMember { user_id: user, max_conversations: DEFAULT_MAX_CONVERSATIONS });
                                            }
                                        } else {
                                            s.retain(|x| x.user_id != user)
                                        });
                                    } />
                                <span class="truncate">{member.name.clone()}</span>
                                <span class="text-xs text-slate-500 dark:text-slate-400">{move || t().role_label(member.role)}</span>
                            </label>
                            <Show when=move || seat().is_some()>
                                <label class="flex items-center gap-1 text-xs text-slate-500 dark:text-slate-400" title=move || t().max_conversations>
                                    <span aria-hidden="true">{move || t().max_conversations}</span>
                                    <input type="number" aria-label={let who = who.clone(); move || format!("{who} — {}", t().max_conversations)} min="1" max=MAX_MAX_CONVERSATIONS.to_string() class=format!("{INPUT} w-20") name="max_conversations"
                                        prop:value=move || seat().map(|s| s.max_conversations.to_string()).unwrap_or_default()
                                        on:change=move |ev| {
                                            let value: u16 = event_target_value(&ev).parse().unwrap_or(DEFAULT_MAX_CONVERSATIONS);
                                            seats.update(|s| if let Some(x) = s.iter_mut().find(|x| x.user_id == user) { x.max_conversations = value });
                                        } />
                                </label>
                            </Show>
                        </div>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}
