//! The account's SLA policies: promised first-response, next-response and
//! resolution times, which departments pick from.

use leptos::prelude::*;
use shared::departments::SlaByPriority;
use shared::inbox::Priority;
use shared::sla::{SlaPolicy, SlaPolicyForm};
use shared::AppError;

use super::CARD;
use crate::api::departments::{remove_sla_policy, save_sla_policy};
use crate::components::form::ErrorBanner;
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};
use crate::prefs::use_t;
use crate::util::confirm;

#[component]
pub fn SlaPolicies(policies: Vec<SlaPolicy>, version: RwSignal<u32>) -> impl IntoView {
    let t = use_t();
    view! {
        <section class=format!("{CARD} space-y-3") data-testid="sla-policies">
            <div>
                <h2 class="text-base font-semibold">{move || t().sla_policies}</h2>
                <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().sla_policies_hint}</p>
            </div>
            {policies.into_iter().map(|p| view! { <PolicyRow policy=Some(p) version=version /> }).collect_view()}
            <PolicyRow policy=None version=version />
        </section>
    }
}

/// One policy's form (or, without one, the form for a new policy).
#[component]
fn PolicyRow(policy: Option<SlaPolicy>, version: RwSignal<u32>) -> impl IntoView {
    let t = use_t();
    let prefs = crate::prefs::use_prefs();
    let id = policy.as_ref().map(|p| p.id);
    let minutes = |m: Option<u32>| m.map(|m| m.to_string()).unwrap_or_default();
    let name = RwSignal::new(policy.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let first = RwSignal::new(minutes(
        policy.as_ref().and_then(|p| p.first_response_minutes),
    ));
    let next = RwSignal::new(minutes(
        policy.as_ref().and_then(|p| p.next_response_minutes),
    ));
    let resolution = RwSignal::new(minutes(policy.as_ref().and_then(|p| p.resolution_minutes)));
    let business = RwSignal::new(policy.as_ref().is_none_or(|p| p.business_hours_only));
    let pause = RwSignal::new(policy.as_ref().is_none_or(|p| p.pause_while_waiting));
    let error = RwSignal::new(None::<AppError>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parse = |text: String| text.trim().parse::<u32>().ok();
        let form = SlaPolicyForm {
            name: name.get_untracked(),
            first_response_minutes: parse(first.get_untracked()),
            next_response_minutes: parse(next.get_untracked()),
            resolution_minutes: parse(resolution.get_untracked()),
            business_hours_only: business.get_untracked(),
            pause_while_waiting: pause.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match save_sla_policy(id, form).await {
                Ok(_) => {
                    error.set(None);
                    version.update(|v| *v += 1);
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let remove = move |_| {
        let Some(id) = id else { return };
        if !confirm(crate::i18n::strings(prefs.locale.get_untracked()).confirm_remove) {
            return;
        }
        leptos::task::spawn_local(async move {
            match remove_sla_policy(id).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <form on:submit=save class="grid gap-2 border-t border-slate-100 pt-3 sm:grid-cols-[1fr_8rem_8rem_8rem_auto] sm:items-end dark:border-slate-800"
            data-sla-policy=policy.as_ref().map(|p| p.name.clone()).unwrap_or_default()>
            <label class="block space-y-1 text-sm">
                <span class="block font-medium">{move || if id.is_some() { t().name } else { t().new_sla_policy }}</span>
                <input class=INPUT name="name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label class="block space-y-1 text-sm">
                <span class="block font-medium">{move || t().first_response_minutes}</span>
                <input class=INPUT type="number" min="1" name="first_response_minutes" prop:value=move || first.get() on:input=move |ev| first.set(event_target_value(&ev)) />
            </label>
            <label class="block space-y-1 text-sm">
                <span class="block font-medium">{move || t().next_response_minutes}</span>
                <input class=INPUT type="number" min="1" name="next_response_minutes" prop:value=move || next.get() on:input=move |ev| next.set(event_target_value(&ev)) />
            </label>
            <label class="block space-y-1 text-sm">
                <span class="block font-medium">{move || t().resolution_minutes}</span>
                <input class=INPUT type="number" min="1" name="resolution_minutes" prop:value=move || resolution.get() on:input=move |ev| resolution.set(event_target_value(&ev)) />
            </label>
            <div class="flex gap-2">
                <button type="submit" class=PRIMARY_BUTTON>{move || if id.is_some() { t().save } else { t().create }}</button>
                {id.map(|_| view! { <button type="button" class=BUTTON on:click=remove>{move || t().remove}</button> })}
            </div>
            <div class="flex flex-wrap gap-4 text-sm sm:col-span-5">
                <label class="flex items-center gap-2">
                    <input type="checkbox" prop:checked=move || business.get() on:change=move |ev| business.set(event_target_checked(&ev)) />
                    {move || t().business_hours_only}
                </label>
                <label class="flex items-center gap-2">
                    <input type="checkbox" prop:checked=move || pause.get() on:change=move |ev| pause.set(event_target_checked(&ev)) />
                    {move || t().pause_while_waiting}
                </label>
            </div>
            <div class="sm:col-span-5"><ErrorBanner error=error /></div>
        </form>
    }
}

/// The policies a department uses for some priorities instead of its own;
/// folded away until opened (or when some are set).
#[component]
pub fn SlaByPriorityEditor(
    policies: Vec<SlaPolicy>,
    by_priority: RwSignal<SlaByPriority>,
) -> impl IntoView {
    let t = use_t();
    let open = !by_priority.get_untracked().is_empty();
    view! {
        <details class="text-sm" open=open data-sla-by-priority>
            <summary class="cursor-pointer font-medium">
                {move || t().sla_by_priority}
                {move || match by_priority.get().len() { 0 => String::new(), n => format!(" ({n})") }}
            </summary>
            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{move || t().sla_by_priority_hint}</p>
            <div class="mt-2 grid gap-2 sm:grid-cols-4">
                {Priority::ALL.iter().map(|&priority| {
                    let policies = policies.clone();
                    let chosen = move || by_priority.with(|m| m.get(&priority).copied());
                    view! {
                        <label class="block space-y-1">
                            <span class="block text-xs font-medium text-slate-600 dark:text-slate-300">{move || (t().priority_name)(priority)}</span>
                            <select class=INPUT name=format!("sla_{}", priority.as_str())
                                on:change=move |ev| {
                                    let choice = event_target_value(&ev).parse::<i64>().ok();
                                    by_priority.update(|m| match choice {
                                        Some(policy) => { m.insert(priority, policy); }
                                        None => { m.remove(&priority); }
                                    });
                                }>
                                <option value="" selected=move || chosen().is_none()>{move || t().sla_department_default}</option>
                                {policies.into_iter().map(|p| view! {
                                    <option value=p.id.to_string() selected=move || chosen() == Some(p.id)>{p.name.clone()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    }
                }).collect_view()}
            </div>
        </details>
    }
}
