//! Settings → Departments: the account's business hours and customer
//! wallet, then each department — description, own channel, members and
//! their capacity, distribution, its own hours, out-of-hours reply.

mod calendar;
mod card;
mod sla;

use crate::json::json_resource;
use leptos::prelude::*;
use shared::departments::{ServiceDeskSettings, WalletFallback};
use shared::{AppError, Permission};

use crate::api::channels::list_channels;
use crate::api::departments::{
    create_department, list_departments, list_sla_policies, load_service_desk_settings,
    save_service_desk_settings,
};
use crate::api::people::list_members;
use crate::components::form::{ErrorBanner, SuccessBanner};
use crate::components::layout::{use_session, PageHeader};
use crate::components::widgets::{INPUT, PRIMARY_BUTTON};
use crate::pages::settings::Forbidden;
use crate::prefs::use_t;
use calendar::{CalendarDraft, CalendarEditor};
use card::DepartmentCard;

pub(crate) const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6 dark:border-slate-800 dark:bg-slate-900";

#[component]
pub fn DepartmentsPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.can(Permission::ManageDepartments) {
        return view! { <Forbidden /> }.into_any();
    }
    let version = RwSignal::new(0u32);
    let departments = json_resource(move || version.get(), |_| list_departments());
    let members = json_resource(|| (), |_| list_members());
    let channels = json_resource(|| (), |_| list_channels());
    let settings = json_resource(|| (), |_| load_service_desk_settings());
    let sla_version = RwSignal::new(0u32);
    let policies = json_resource(move || sla_version.get(), |_| list_sla_policies());
    view! {
        <PageHeader title=Signal::derive(move || t().nav_departments) subtitle=Signal::derive(move || t().departments_subtitle) />
        <div class="max-w-4xl space-y-6 p-4 sm:p-6">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    settings.await.ok().map(|settings| view! { <AccountHours settings=settings /> })
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    policies.await.ok().map(|list| view! { <sla::SlaPolicies policies=list version=sla_version /> })
                })}
            </Transition>
            <NewDepartment version=version />
            <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let list = departments.await.unwrap_or_default();
                    let people = members.await.unwrap_or_default();
                    let channels = channels.await.unwrap_or_default();
                    let policies = policies.await.unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().nothing_here}</p> }.into_any();
                    }
                    list.into_iter().map(|department| {
                        view! { <DepartmentCard department=department people=people.clone() channels=channels.clone() policies=policies.clone() version=version /> }
                    }).collect_view().into_any()
                })}
            </Transition>
        </div>
    }
    .into_any()
}

#[component]
fn NewDepartment(version: RwSignal<u32>) -> impl IntoView {
    let t = use_t();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let creating = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if creating.get_untracked() {
            return;
        }
        creating.set(true);
        let value = name.get_untracked();
        leptos::task::spawn_local(async move {
            match create_department(value).await {
                Ok(_) => {
                    name.set(String::new());
                    error.set(None);
                    version.update(|v| *v += 1);
                }
                Err(err) => error.set(Some(err)),
            }
            creating.set(false);
        });
    };
    view! {
        <form on:submit=create class=format!("{CARD} flex flex-wrap items-end gap-2")>
            <label class="min-w-0 flex-1 space-y-1">
                <span class="block text-sm font-medium">{move || t().new_department}</span>
                <input class=INPUT required id="new-department" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <button type="submit" class=PRIMARY_BUTTON disabled=move || creating.get() aria-busy=move || creating.get().to_string()>{move || t().create}</button>
            <div class="w-full"><ErrorBanner error=error /></div>
        </form>
    }
}

/// The account's calendar (departments without their own follow it) and
/// the customer wallet.
#[component]
fn AccountHours(settings: ServiceDeskSettings) -> impl IntoView {
    let t = use_t();
    let prefs = crate::prefs::use_prefs();
    let draft = CalendarDraft::new(&settings.calendar);
    let wallet = RwSignal::new(settings.wallet_routing);
    let fallback = RwSignal::new(settings.wallet_owner_offline);
    let reroute = RwSignal::new(settings.reroute_reopened);
    let zone = settings.time_zone.clone();
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let calendar = match draft.to_calendar() {
            Ok(calendar) => calendar,
            Err((field, code)) => return error.set(Some(AppError::field(&field, code))),
        };
        let settings = ServiceDeskSettings {
            calendar,
            wallet_routing: wallet.get_untracked(),
            wallet_owner_offline: fallback.get_untracked(),
            reroute_reopened: reroute.get_untracked(),
            time_zone: String::new(),
            locale: shared::Locale::default(),
        };
        saving.set(true);
        leptos::task::spawn_local(async move {
            match save_service_desk_settings(settings).await {
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
            saving.set(false);
        });
    };
    view! {
        <form on:submit=save class=format!("{CARD} space-y-4") data-testid="account-hours">
            <div>
                <h2 class="text-base font-semibold">{move || t().account_hours_title}</h2>
                <p class="text-sm text-slate-500 dark:text-slate-400">{move || (t().time_zone_note)(&zone)}</p>
            </div>
            <CalendarEditor draft=draft error=error id_prefix="account".to_string() />
            <fieldset class="space-y-2 border-t border-slate-100 pt-3 dark:border-slate-800">
                <legend class="text-sm font-medium">{move || t().wallet_title}</legend>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" prop:checked=move || wallet.get() on:change=move |ev| wallet.set(event_target_checked(&ev)) />
                    {move || t().wallet_routing_label}
                </label>
                <label class="block space-y-1 text-sm">
                    <span>{move || t().wallet_offline_label}</span>
                    <select class=INPUT disabled=move || !wallet.get()
                        on:change=move |ev| { if let Ok(choice) = event_target_value(&ev).parse::<WalletFallback>() { fallback.set(choice) } }>
                        <option value="distribute" selected=move || fallback.get() == WalletFallback::Distribute>{move || t().wallet_distribute}</option>
                        <option value="wait" selected=move || fallback.get() == WalletFallback::Wait>{move || t().wallet_wait}</option>
                    </select>
                </label>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name="reroute_reopened" prop:checked=move || reroute.get() on:change=move |ev| reroute.set(event_target_checked(&ev)) />
                    {move || t().reroute_reopened_label}
                </label>
            </fieldset>
            <ErrorBanner error=error />
            <SuccessBanner message=saved />
            <button type="submit" class=PRIMARY_BUTTON disabled=move || saving.get() aria-busy=move || saving.get().to_string()>{move || t().save}</button>
        </form>
    }
}
