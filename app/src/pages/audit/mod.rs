//! The audit log viewer: filters in the URL (a plain GET form, so links can
//! be shared and it works before hydration), cursor paging with "load more".

mod details;

use crate::json::json_resource;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::audit::{AuditAction, AuditEntry, AuditFilter};
use shared::Permission;

use crate::api::audit::list_audit_entries;
use crate::api::people::list_members;
use crate::components::form::ErrorBanner;
use crate::components::layout::{use_session, PageHeader};
use crate::pages::settings::Forbidden;
use crate::prefs::{use_prefs, use_t};
use crate::util::date_time;

const INPUT: &str = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-900";
const LABEL: &str = "block text-xs font-medium text-slate-600 dark:text-slate-300";

#[component]
pub fn AuditPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.can(Permission::ViewAuditLog) {
        return view! { <Forbidden /> }.into_any();
    }
    let prefs = use_prefs();
    let offset = session.utc_offset_minutes;
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        AuditFilter {
            actor_user_id: q.get("actor").and_then(|v| v.parse().ok()),
            action: q.get("action").filter(|v| !v.is_empty()),
            from: q.get("from").and_then(|v| v.parse().ok()),
            to: q.get("to").and_then(|v| v.parse().ok()),
            before_seq: None,
        }
    });
    let first_page = json_resource(move || filter.get(), list_audit_entries);
    let members = json_resource(|| (), |_| list_members());
    // Pages loaded with "load more", appended under the first page.
    let more = RwSignal::new(Vec::<AuditEntry>::new());
    let cursor = RwSignal::new(None::<i64>);
    let loading_more = RwSignal::new(false);
    Effect::new(move |_| {
        filter.track();
        more.set(vec![]);
        cursor.set(None);
    });
    // `first_cursor` is the first page's: read where the page is known (inside
    // the Transition), so the server and the browser render the same button.
    let load_more = move |first_cursor: Option<i64>| {
        let Some(before) = cursor.get_untracked().or(first_cursor).filter(|c| *c >= 0) else {
            return;
        };
        loading_more.set(true);
        let next_filter = AuditFilter {
            before_seq: Some(before),
            ..filter.get_untracked()
        };
        leptos::task::spawn_local(async move {
            if let Ok(page) = list_audit_entries(next_filter).await {
                more.update(|entries| entries.extend(page.entries));
                cursor.set(page.next_cursor.or(Some(-1)));
            }
            loading_more.set(false);
        });
    };
    let has_more = move |first_cursor: Option<i64>| match cursor.get() {
        Some(-1) => false,
        Some(_) => true,
        None => first_cursor.is_some(),
    };

    let row = move |entry: AuditEntry| {
        let at = entry.created_at;
        let action = entry.action.clone();
        let target_kind = entry.target_type.clone();
        let target_name = entry
            .target_label
            .clone()
            .or_else(|| entry.target_id.clone())
            .unwrap_or_default();
        let target = move || {
            let kind = target_kind
                .as_deref()
                .map(|k| (t().audit_target_kind)(k).unwrap_or(k));
            match kind {
                Some(kind) => format!("{kind}: {target_name}"),
                None => String::new(),
            }
        };
        let stored_details = entry.details.clone();
        let details = move || {
            let locale = prefs.locale.get();
            details::details_in_words(&stored_details, t(), &|at| date_time(at, offset, locale))
                .into_iter()
                .map(|line| {
                    view! {
                        <li>
                            {(!line.label.is_empty()).then(|| view! { <span class="font-medium text-slate-700 dark:text-slate-200">{line.label}": "</span> })}
                            <span class="break-words">{line.value}</span>
                        </li>
                    }
                })
                .collect_view()
        };
        view! {
            <tr class="border-b border-slate-100 align-top last:border-0 dark:border-slate-800" data-action=entry.action.clone()>
                <td class="whitespace-nowrap px-3 py-2 text-slate-500 dark:text-slate-400">{move || date_time(at, offset, prefs.locale.get())}</td>
                <td class="px-3 py-2">{entry.actor_label.clone()}</td>
                <td class="px-3 py-2 font-medium">{move || t().audit_action_label(&action)}</td>
                <td class="px-3 py-2 text-slate-500 dark:text-slate-400">{target}</td>
                <td class="max-w-xs px-3 py-2"><ul class="space-y-0.5 text-xs text-slate-600 dark:text-slate-300" title=entry.details.clone()>{details}</ul></td>
                <td class="px-3 py-2 text-xs text-slate-500 dark:text-slate-400">{entry.ip.clone().unwrap_or_default()}</td>
            </tr>
        }
    };

    view! {
        <PageHeader title=Signal::derive(move || t().audit_title) subtitle=Signal::derive(move || t().audit_subtitle) />
        <div class="space-y-4 p-4 sm:p-6">
            <form method="get" action="/audit" class="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-5 dark:border-slate-800 dark:bg-slate-900" id="audit-filters">
                <label class="space-y-1">
                    <span class=LABEL>{move || t().filter_person}</span>
                    <select name="actor" class=INPUT>
                        <option value="">{move || t().anyone}</option>
                        <Transition>
                            {move || Suspend::new(async move {
                                let selected = query.read().get("actor").unwrap_or_default();
                                members.await.unwrap_or_default().into_iter().map(|m| {
                                    let id = m.user_id.to_string();
                                    let is_selected = id == selected;
                                    view! { <option value=id selected=is_selected>{m.name}</option> }
                                }).collect_view()
                            })}
                        </Transition>
                    </select>
                </label>
                <label class="space-y-1">
                    <span class=LABEL>{move || t().filter_action}</span>
                    <select name="action" class=INPUT>
                        <option value="">{move || t().any_action}</option>
                        {AuditAction::ALL.into_iter().map(|action| {
                            let selected = move || query.read().get("action").as_deref() == Some(action.as_str());
                            view! { <option value=action.as_str() selected=selected>{move || (t().audit_action)(action)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="space-y-1">
                    <span class=LABEL>{move || t().date_from}</span>
                    <input type="date" name="from" class=INPUT value=move || query.read().get("from").unwrap_or_default() />
                </label>
                <label class="space-y-1">
                    <span class=LABEL>{move || t().date_to}</span>
                    <input type="date" name="to" class=INPUT value=move || query.read().get("to").unwrap_or_default() />
                </label>
                <div class="flex items-end gap-2">
                    <button type="submit" class="rounded-lg bg-blue-700 px-4 py-2 text-sm font-semibold text-white hover:bg-blue-800">{move || t().apply}</button>
                    <a href="/audit" class="px-2 py-2 text-sm text-slate-600 hover:underline dark:text-slate-300">{move || t().clear_filters}</a>
                </div>
            </form>

            // Focusable, so keyboard users can scroll a wide table sideways.
            <div class="relative overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900" tabindex="0" role="region" aria-label=move || t().nav_audit>
                <Transition fallback=move || view! { <p class="p-4 text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        match first_page.await {
                            Ok(page) if page.entries.is_empty() => view! {
                                <p class="p-6 text-center text-sm text-slate-500 dark:text-slate-400" id="audit-empty">{move || t().audit_empty}</p>
                            }.into_any(),
                            Ok(page) => {
                                let first_cursor = page.next_cursor;
                                view! {
                                <table class="w-full min-w-[48rem] text-sm" id="audit-table">
                                    <thead>
                                        <tr class="border-b border-slate-200 text-left text-xs uppercase tracking-wide text-slate-500 dark:border-slate-800 dark:text-slate-400">
                                            <th class="px-3 py-2">{move || t().when}</th>
                                            <th class="px-3 py-2">{move || t().who}</th>
                                            <th class="px-3 py-2">{move || t().what}</th>
                                            <th class="px-3 py-2">{move || t().target}</th>
                                            <th class="px-3 py-2">{move || t().details}</th>
                                            <th class="px-3 py-2">{move || t().ip_address}</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {page.entries.into_iter().map(row).collect_view()}
                                        {move || more.get().into_iter().map(row).collect_view()}
                                    </tbody>
                                </table>
                                <Show when=move || has_more(first_cursor)>
                                    <div class="border-t border-slate-100 p-2 dark:border-slate-800">
                                        <button type="button" id="audit-load-more" on:click=move |_| load_more(first_cursor) disabled=move || loading_more.get()
                                            class="w-full rounded-lg border border-slate-300 py-2 text-sm font-medium hover:bg-slate-100 disabled:opacity-60 dark:border-slate-700 dark:hover:bg-slate-800">
                                            {move || if loading_more.get() { t().loading } else { t().load_more }}
                                        </button>
                                    </div>
                                </Show>
                            }.into_any()
                            }
                            Err(err) => view! { <div class="p-4"><ErrorBanner error=Signal::derive(move || Some(err.clone())) /></div> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </div>
    }
    .into_any()
}
