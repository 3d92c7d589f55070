//! Editing a list of grants — to a role or to one person, at a level — for
//! departments (view / assign) and connections (read / write / manage).

use crate::json::json_resource;
use leptos::prelude::*;
use shared::access::{ChannelAccess, ChannelAccessSettings, DepartmentAccess, Grant};
use shared::accounts::Member;
use shared::{AppError, Role};
use std::fmt::Display;
use std::str::FromStr;

use crate::api::access::{load_channel_access, save_channel_access};
use crate::api::people::list_members;
use crate::components::form::{ErrorBanner, SuccessBanner};
use crate::components::widgets::{BUTTON, PRIMARY_BUTTON};
use crate::i18n::Strings;
use crate::prefs::use_t;

/// A select that sits beside others in a row (`INPUT` takes the full width).
const SELECT: &str = "rounded-lg border border-slate-300 bg-white px-2 py-2 text-sm dark:border-slate-600 dark:bg-slate-900";

/// How a grantee is written in the "who" list's values.
fn grantee_value<L>(grant: &Grant<L>) -> String {
    match (grant.role, grant.user_id) {
        (Some(role), _) => format!("role:{}", role.as_str()),
        (None, Some(user)) => format!("user:{user}"),
        (None, None) => String::new(),
    }
}

fn set_grantee<L>(grant: &mut Grant<L>, value: &str) {
    if let Some(role) = value.strip_prefix("role:").and_then(|r| r.parse().ok()) {
        grant.role = Some(role);
        grant.user_id = None;
    } else if let Some(user) = value.strip_prefix("user:").and_then(|u| u.parse().ok()) {
        grant.role = None;
        grant.user_id = Some(user);
    }
}

/// A new row for whoever has no grant yet: a role first, then a person.
fn next_grant<L: Copy>(taken: &[Grant<L>], people: &[Member], level: L) -> Option<Grant<L>> {
    let roles = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::GlobalAdmin)
        .map(|r| (Some(r), None));
    let persons = people.iter().map(|m| (None, Some(m.user_id)));
    roles
        .chain(persons)
        .find(|(role, user)| !taken.iter().any(|g| (g.role, g.user_id) == (*role, *user)))
        .map(|(role, user_id)| Grant {
            role,
            user_id,
            level,
        })
}

#[component]
pub fn GrantsEditor<L>(
    grants: RwSignal<Vec<Grant<L>>>,
    people: Vec<Member>,
    levels: &'static [L],
    level_label: fn(&Strings, L) -> &'static str,
) -> impl IntoView
where
    L: Copy + PartialEq + Display + FromStr + Send + Sync + 'static,
{
    let t = use_t();
    let people = StoredValue::new(people.into_iter().filter(|m| m.active).collect::<Vec<_>>());
    let add = move |_| {
        let Some(first) = levels.first().copied() else {
            return;
        };
        grants.update(|list| {
            if let Some(grant) = people.with_value(|p| next_grant(list, p, first)) {
                list.push(grant);
            }
        });
    };
    view! {
        <div class="space-y-2" data-grants>
            {move || grants.get().into_iter().enumerate().map(|(index, grant)| {
                let who = grantee_value(&grant);
                let level = grant.level;
                view! {
                    <div class="flex items-center gap-2" data-grant=index>
                        <select class=format!("{SELECT} min-w-0 flex-1") aria-label=move || t().access_who
                            on:change=move |ev| grants.update(|list| if let Some(g) = list.get_mut(index) { set_grantee(g, &event_target_value(&ev)) })>
                            <optgroup label=move || t().access_roles>
                                {Role::ALL.into_iter().filter(|r| *r != Role::GlobalAdmin).map(|role| {
                                    let value = format!("role:{}", role.as_str());
                                    let selected = value == who;
                                    view! { <option value=value selected=selected>{move || t().role_label(role)}</option> }
                                }).collect_view()}
                            </optgroup>
                            <optgroup label=move || t().access_people>
                                {people.with_value(|p| p.iter().map(|member| {
                                    let value = format!("user:{}", member.user_id);
                                    let selected = value == who;
                                    view! { <option value=value selected=selected>{member.name.clone()}</option> }
                                }).collect_view())}
                            </optgroup>
                        </select>
                        <select class=format!("{SELECT} shrink-0") aria-label=move || t().access_level
                            on:change=move |ev| {
                                if let Ok(new) = event_target_value(&ev).parse::<L>() {
                                    grants.update(|list| if let Some(g) = list.get_mut(index) { g.level = new });
                                }
                            }>
                            {levels.iter().map(|&option| view! {
                                <option value=option.to_string() selected=option == level>{move || level_label(t(), option)}</option>
                            }).collect_view()}
                        </select>
                        <button type="button" class=BUTTON aria-label=move || t().remove
                            on:click=move |_| grants.update(|list| { if index < list.len() { list.remove(index); } })>"×"</button>
                    </div>
                }
            }).collect_view()}
            <button type="button" class=BUTTON on:click=add>{move || t().access_add}</button>
        </div>
    }
}

pub fn department_level_label(t: &Strings, level: DepartmentAccess) -> &'static str {
    match level {
        DepartmentAccess::View => t.access_view,
        DepartmentAccess::Assign => t.access_assign,
    }
}

pub fn channel_level_label(t: &Strings, level: ChannelAccess) -> &'static str {
    match level {
        ChannelAccess::Read => t.access_read,
        ChannelAccess::Write => t.access_write,
        ChannelAccess::Manage => t.access_manage,
    }
}

/// A connection's access, behind an "Access" button on its card: whether it
/// is restricted, and who reads, writes through or manages it.
#[component]
pub fn ChannelAccessPanel(channel_id: i64) -> impl IntoView {
    let t = use_t();
    let open = RwSignal::new(false);
    view! {
        <div class="mt-3" data-channel-access=channel_id>
            <button type="button" class=BUTTON aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>{move || t().access}</button>
            <Show when=move || open.get()>
                <ChannelAccessLoader channel_id=channel_id />
            </Show>
        </div>
    }
}

#[component]
fn ChannelAccessLoader(channel_id: i64) -> impl IntoView {
    let t = use_t();
    let access = json_resource(move || channel_id, load_channel_access);
    let people = json_resource(|| (), |_| list_members());
    view! {
        <Transition fallback=move || view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
            {move || Suspend::new(async move {
                match (access.await, people.await) {
                    (Ok(access), Ok(people)) => view! { <ChannelAccessForm channel_id=channel_id access=access people=people /> }.into_any(),
                    (Err(err), _) | (_, Err(err)) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ChannelAccessForm(
    channel_id: i64,
    access: ChannelAccessSettings,
    people: Vec<Member>,
) -> impl IntoView {
    let t = use_t();
    let restricted = RwSignal::new(access.restricted);
    let grants = RwSignal::new(access.grants);
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let access = ChannelAccessSettings {
            restricted: restricted.get_untracked(),
            grants: grants.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match save_channel_access(channel_id, access).await {
                Ok(stored) => {
                    grants.set(stored.grants);
                    error.set(None);
                    saved.set(Some(t().access_saved.to_string()));
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <form on:submit=save class="mt-2 space-y-3 rounded-lg border border-slate-200 p-3 dark:border-slate-700">
            <label class="flex items-start gap-2 text-sm">
                <input type="checkbox" class="mt-0.5" name="restricted" prop:checked=move || restricted.get()
                    on:change=move |ev| restricted.set(event_target_checked(&ev)) />
                <span>{move || t().access_restricted}</span>
            </label>
            <p class="text-xs text-slate-500 dark:text-slate-400">{move || t().access_connection_hint}</p>
            <GrantsEditor grants=grants people=people levels=ChannelAccess::ALL level_label=channel_level_label />
            <ErrorBanner error=error />
            <SuccessBanner message=saved />
            <button type="submit" class=PRIMARY_BUTTON>{move || t().save}</button>
        </form>
    }
}
