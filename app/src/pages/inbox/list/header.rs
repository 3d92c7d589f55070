//! The list's header: tabs, search as you type, and the filters.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::inbox::{ConversationStatus, InboxFilter, InboxSort, InboxTab, Priority};

use crate::components::icons::{Icon, Svg};
use crate::pages::inbox::views::inbox_views;
use crate::pages::inbox::{list_href, query_of, Inbox};
use crate::prefs::use_t;
use crate::util::{blur_active, submit_enclosing_form};

const SELECT: &str = "max-w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-xs text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100";

/// Searches while typing: after a short pause the URL (and so the list)
/// follows the box, replacing the history entry instead of piling them up.
fn search_as_you_type(
    inbox: Inbox,
    navigate: impl Fn(&str, leptos_router::NavigateOptions) + 'static,
    text: String,
) {
    #[cfg(feature = "hydrate")]
    {
        thread_local! {
            static PENDING: std::cell::RefCell<Option<gloo_timers::callback::Timeout>> =
                const { std::cell::RefCell::new(None) };
        }
        let timeout = gloo_timers::callback::Timeout::new(300, move || {
            let term = text.trim().to_string();
            let filter = InboxFilter {
                q: (!term.is_empty()).then_some(term),
                cursor: None,
                ..inbox.filter.get_untracked()
            };
            navigate(
                &list_href(&query_of(&filter)),
                leptos_router::NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        });
        PENDING.with(|pending| *pending.borrow_mut() = Some(timeout));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (inbox, navigate, text);
}

#[component]
pub(super) fn ListHeader(inbox: Inbox) -> impl IntoView {
    let t = use_t();
    let navigate = leptos_router::hooks::use_navigate();
    let show_filters = RwSignal::new(false);
    let show_views = RwSignal::new(false);
    // Opening a view (any new filter) puts the panel away.
    Effect::new(move |previous: Option<InboxFilter>| {
        let filter = inbox.filter.get();
        if previous.is_some_and(|p| p != filter) {
            show_views.set(false);
        }
        filter
    });
    let tab_link = move |tab: InboxTab, label: fn(&crate::i18n::Strings) -> &'static str| {
        let href = move || {
            list_href(&query_of(&InboxFilter {
                tab,
                cursor: None,
                ..inbox.filter.get()
            }))
        };
        let active = move || inbox.filter.get().tab == tab;
        let count = move || {
            crate::components::attention::use_counts()
                .and_then(|counts| counts.0.get())
                .map(|c| match tab {
                    InboxTab::Mine => (c.mine, c.unread_mine),
                    InboxTab::Unassigned => (c.unassigned, c.unread_unassigned),
                    InboxTab::All => (c.all, c.unread),
                })
        };
        view! {
            <A href=href attr:class=move || format!(
                "flex flex-1 items-center justify-center gap-1 whitespace-nowrap border-b-2 px-1 py-2 text-center text-xs font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-blue-600 sm:text-sm {}",
                if active() { "border-blue-700 text-blue-800 dark:text-blue-300" } else { "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-200" },
            ) attr:aria-current=move || active().then_some("page") attr:data-tab=tab.as_str()>
                {move || label(t())}
                {move || count().map(|(n, unread)| view! {
                    <span class="tab-count rounded-full bg-slate-100 px-1.5 text-[11px] font-semibold text-slate-700 dark:bg-slate-800 dark:text-slate-200">{n}</span>
                    {(unread > 0).then(|| view! {
                        <span class="tab-unread rounded-full bg-blue-700 px-1.5 text-[11px] font-semibold text-white" title=move || (t().unread_n)(unread as u64)>{unread}</span>
                    })}
                })}
            </A>
        }
    };
    let any_filter = move || {
        let f = inbox.filter.get();
        f.status.is_some()
            || f.all_statuses
            || f.department_id.is_some()
            || f.channel_id.is_some()
            || f.tag.is_some()
            || f.priority.is_some()
            || f.sla.is_some()
            || f.sort != InboxSort::LastActivity
    };
    view! {
        <div class="shrink-0 border-b border-slate-200 dark:border-slate-800">
            <nav class="flex" aria-label=move || t().nav_inbox>
                {tab_link(InboxTab::Mine, |t| t.tab_mine)}
                {tab_link(InboxTab::Unassigned, |t| t.tab_unassigned)}
                {tab_link(InboxTab::All, |t| t.tab_all)}
            </nav>
            <form method="get" action="/inbox" class="space-y-2 p-2" role="search">
                <input type="hidden" name="tab" value=move || inbox.filter.get().tab.as_str() />
                <div class="flex gap-2">
                    <label class="relative flex-1">
                        <span class="sr-only">{move || t().search}</span>
                        <span class="pointer-events-none absolute inset-y-0 left-2 flex items-center text-slate-500 dark:text-slate-400"><Svg icon=Icon::Search class="size-4" /></span>
                        <input id="inbox-search" type="search" name="q" value=move || inbox.filter.get().q.unwrap_or_default()
                            placeholder=move || t().search_conversations
                            autocomplete="off"
                            on:input=move |ev| search_as_you_type(inbox, navigate.clone(), event_target_value(&ev))
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                // Esc leaves the box, so the next shortcut is a shortcut.
                                if ev.key() == "Escape" {
                                    ev.prevent_default();
                                    blur_active();
                                }
                            }
                            class="w-full rounded-lg border border-slate-300 bg-white py-1.5 pl-8 pr-2 text-sm dark:border-slate-600 dark:bg-slate-900" />
                    </label>
                    <button type="button" on:click=move |_| show_views.update(|s| *s = !*s)
                        class=move || format!("rounded-lg border px-2 text-slate-600 dark:text-slate-300 {}", if show_views.get() { "border-blue-600 bg-blue-50 dark:bg-blue-950" } else { "border-slate-300 dark:border-slate-600" })
                        aria-expanded=move || show_views.get().to_string() aria-controls="inbox-views" title=move || t().views>
                        <Svg icon=Icon::Layers class="size-4" />
                        <span class="sr-only">{move || t().views}</span>
                    </button>
                    <button type="button" on:click=move |_| show_filters.update(|s| *s = !*s)
                        class=move || format!("rounded-lg border px-2 text-slate-600 dark:text-slate-300 {}", if any_filter() { "border-blue-600 bg-blue-50 dark:bg-blue-950" } else { "border-slate-300 dark:border-slate-600" })
                        aria-expanded=move || show_filters.get().to_string() aria-controls="inbox-filters" title=move || t().filters>
                        <Svg icon=Icon::List class="size-4" />
                        <span class="sr-only">{move || t().filters}</span>
                    </button>
                </div>
                <div id="inbox-filters" class=move || if show_filters.get() || any_filter() { "flex flex-wrap gap-2" } else { "hidden" }>
                    <Filters inbox=inbox />
                </div>
            </form>
            <Show when=move || show_views.get()>
                <Suspense>
                    {move || Suspend::new(async move { inbox_views(inbox).await })}
                </Suspense>
            </Show>
        </div>
    }
}

#[component]
fn Filters(inbox: Inbox) -> impl IntoView {
    let t = use_t();
    let f = move || inbox.filter.get();
    let context = inbox.context;
    view! {
        <select name="status" class=SELECT aria-label=move || t().status on:change=move |ev| submit_enclosing_form(&ev)>
            <option value="" selected=move || f().status.is_none() && !f().all_statuses>{move || t().status_active}</option>
            <option value="any" selected=move || f().all_statuses>{move || t().status_any}</option>
            <option value="snoozed" selected=move || f().snoozed>{move || t().status_snoozed}</option>
            {ConversationStatus::ALL.iter().copied().map(|s| view! {
                <option value=s.as_str() selected=move || f().status == Some(s)>{move || (t().status_name)(s)}</option>
            }).collect_view()}
        </select>
        <select name="priority" class=SELECT aria-label=move || t().priority on:change=move |ev| submit_enclosing_form(&ev)>
            <option value="">{move || t().any_priority}</option>
            {Priority::ALL.iter().copied().map(|p| view! {
                <option value=p.as_str() selected=move || f().priority == Some(p)>{move || (t().priority_name)(p)}</option>
            }).collect_view()}
        </select>
        <select name="department" class=SELECT aria-label=move || t().department on:change=move |ev| submit_enclosing_form(&ev)>
            <option value="">{move || t().any_department}</option>
            <Transition>
                {move || Suspend::new(async move {
                    context.await.map(|c| c.departments).unwrap_or_default().into_iter().map(|d| {
                        let id = d.id;
                        view! { <option value=id selected=move || f().department_id == Some(id)>{d.name}</option> }
                    }).collect_view()
                })}
            </Transition>
        </select>
        <select name="assignee" class=SELECT aria-label=move || t().assignee on:change=move |ev| submit_enclosing_form(&ev)>
            <option value="">{move || t().any_assignee}</option>
            <Transition>
                {move || Suspend::new(async move {
                    context.await.map(|c| c.agents).unwrap_or_default().into_iter().map(|a| {
                        let id = a.user_id;
                        view! { <option value=id.to_string() selected=move || f().assignee_id == Some(id)>{a.name}</option> }
                    }).collect_view()
                })}
            </Transition>
        </select>
        <select name="channel" class=SELECT aria-label=move || t().channel on:change=move |ev| submit_enclosing_form(&ev)>
            <option value="">{move || t().any_channel}</option>
            <Transition>
                {move || Suspend::new(async move {
                    context.await.map(|c| c.channels).unwrap_or_default().into_iter().map(|ch| {
                        let id = ch.id;
                        view! { <option value=id selected=move || f().channel_id == Some(id)>{ch.name}</option> }
                    }).collect_view()
                })}
            </Transition>
        </select>
        <select name="tag" class=SELECT aria-label=move || t().tag on:change=move |ev| submit_enclosing_form(&ev)>
            <option value="">{move || t().any_tag}</option>
            <Transition>
                {move || Suspend::new(async move {
                    context.await.map(|c| c.tags).unwrap_or_default().into_iter().map(|tag| {
                        let wanted = tag.clone();
                        view! { <option value=tag.clone() selected=move || f().tag.as_deref() == Some(wanted.as_str())>{tag.clone()}</option> }
                    }).collect_view()
                })}
            </Transition>
        </select>
        <select name="sort" class=SELECT aria-label=move || t().sort_by on:change=move |ev| submit_enclosing_form(&ev)>
            <option value="last_activity" selected=move || f().sort == InboxSort::LastActivity>{move || t().sort_last_activity}</option>
            <option value="waiting" selected=move || f().sort == InboxSort::Waiting>{move || t().sort_waiting}</option>
            <option value="sla_due" selected=move || f().sort == InboxSort::SlaDue>{move || t().sort_sla_due}</option>
        </select>
        <select name="sla" class=SELECT aria-label=move || t().sla_filter on:change=move |ev| submit_enclosing_form(&ev)>
            <option value="">{move || t().sla_any}</option>
            <option value="soon" selected=move || f().sla == Some(shared::sla::SlaFilter::Soon)>{move || t().sla_soon}</option>
            <option value="breached" selected=move || f().sla == Some(shared::sla::SlaFilter::Breached)>{move || t().sla_breached}</option>
        </select>
        <noscript><button type="submit" class=SELECT>{move || t().apply}</button></noscript>
        <a href=move || list_href(&query_of(&InboxFilter { tab: f().tab, ..Default::default() }))
            class="col-span-2 text-right text-xs text-blue-700 hover:underline dark:text-blue-400">{move || t().clear_filters}</a>
    }
}
