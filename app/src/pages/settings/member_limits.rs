//! A member's limits, in their row of the people table: held to their
//! departments (for roles that see every conversation), their default
//! connection, and whether they see only it. Each change is saved at once.

use leptos::prelude::*;
use shared::access::MemberLimits;
use shared::accounts::Member;
use shared::inbox::ChannelView;
use shared::{AppError, Permission};

use crate::api::access::save_member_limits;
use crate::components::form::ErrorBanner;
use crate::prefs::use_t;

#[component]
pub(super) fn MemberLimitsCell(member: Member, channels: Vec<ChannelView>) -> impl IntoView {
    let t = use_t();
    let user_id = member.user_id;
    let limits = RwSignal::new(member.limits);
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let change = move |edit: &dyn Fn(&mut MemberLimits)| {
        let before = limits.get_untracked();
        let mut after = before.clone();
        edit(&mut after);
        limits.set(after.clone());
        saved.set(false);
        leptos::task::spawn_local(async move {
            match save_member_limits(user_id, after).await {
                Ok(()) => {
                    error.set(None);
                    saved.set(true);
                }
                Err(err) => {
                    limits.set(before);
                    error.set(Some(err));
                }
            }
        });
    };
    let sees_all = member.role.can(Permission::ViewAllConversations);
    view! {
        <div class="space-y-1 text-xs" data-limits=member.email.clone()>
            {sees_all.then(|| view! {
                <label class="flex items-center gap-1.5">
                    <input type="checkbox" name="limited_to_departments" prop:checked=move || limits.with(|l| l.limited_to_departments)
                        on:change=move |ev| { let on = event_target_checked(&ev); change(&|l| l.limited_to_departments = on) } />
                    {move || t().limited_to_departments}
                </label>
            })}
            <label class="flex items-center gap-1.5">
                <span class="text-slate-500 dark:text-slate-400">{move || t().default_connection}</span>
                <select name="default_channel_id" class="min-w-0 rounded-md border border-slate-300 bg-white px-1 py-0.5 dark:border-slate-600 dark:bg-slate-900"
                    on:change=move |ev| {
                        let chosen = event_target_value(&ev).parse::<i64>().ok();
                        change(&|l| {
                            l.default_channel_id = chosen;
                            l.only_default_channel &= chosen.is_some();
                        })
                    }>
                    <option value="" selected=move || limits.with(|l| l.default_channel_id.is_none())>{move || t().no_default_connection}</option>
                    {channels.into_iter().map(|c| view! {
                        <option value=c.id.to_string() selected=move || limits.with(|l| l.default_channel_id == Some(c.id))>{c.name.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="flex items-center gap-1.5">
                <input type="checkbox" name="only_default_channel"
                    disabled=move || limits.with(|l| l.default_channel_id.is_none())
                    prop:checked=move || limits.with(|l| l.only_default_channel)
                    on:change=move |ev| { let on = event_target_checked(&ev); change(&|l| l.only_default_channel = on) } />
                {move || t().only_default_connection}
            </label>
            <span class="sr-only" role="status">{move || saved.get().then(|| t().access_saved)}</span>
            <ErrorBanner error=error />
        </div>
    }
}
