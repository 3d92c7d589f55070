//! The conversation list: tabs, filters, search, infinite scroll, and live
//! updates merged in as they happen.

use crate::json::json_resource;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::inbox::{
    ConversationPage, ConversationStatus, ConversationSummary, InboxFilter, InboxSort, InboxTab,
    Priority,
};
use std::cmp::Reverse;
use uuid::Uuid;

use super::views::inbox_views;
use super::{conversation_href, list_href, query_of, use_inbox, Inbox};
use crate::api::conversations::{list_conversations, sync_changes};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::use_session;
use crate::components::widgets::{highlight, Avatar, PriorityBadge, SlaBadge, StatusBadge};
use crate::prefs::{use_prefs, use_t};
use crate::realtime::{use_realtime, Incoming};
use crate::util::{blur_active, elapsed, near_day_time, submit_enclosing_form};
use shared::events::ServerEvent;

/// Whether a conversation belongs in the list shown for `filter`. `None`
/// when the browser cannot tell (text search): update it if shown, never add.
pub fn matches(filter: &InboxFilter, c: &ConversationSummary, me: Uuid) -> Option<bool> {
    let tab = match filter.tab {
        InboxTab::Mine => c.assignee_id == Some(me),
        InboxTab::Unassigned => c.assignee_id.is_none(),
        InboxTab::All => true,
    };
    let fits = tab
        && filter.status_allows(c)
        && filter
            .department_id
            .is_none_or(|d| c.department_id == Some(d))
        && filter.channel_id.is_none_or(|ch| c.channel_id == ch)
        && filter.tag.as_ref().is_none_or(|tag| c.tags.contains(tag))
        && filter.priority.is_none_or(|p| c.priority == p)
        && filter.contact_id.is_none_or(|id| c.contact_id == id)
        && filter
            .assignee_id
            .is_none_or(|id| c.assignee_id == Some(id))
        && filter
            .sla
            .is_none_or(|sla| shared::sla::passes(sla, c, chrono::Utc::now()));
    match (fits, filter.q.is_some()) {
        (false, _) => Some(false),
        (true, false) => Some(true),
        (true, true) => None,
    }
}

fn sort(list: &mut [ConversationSummary], by: InboxSort) {
    match by {
        InboxSort::LastActivity => list.sort_by_key(|c| Reverse((c.last_activity_at, c.id))),
        InboxSort::Waiting => {
            list.sort_by_key(|c| (c.waiting_since.is_none(), c.waiting_since, c.id))
        }
        InboxSort::SlaDue => list.sort_by_key(|c| {
            let due = shared::sla::next_due(c);
            (due.is_none(), due, c.id)
        }),
    }
}

/// Applies a changed conversation to the shown list.
fn merge(
    list: &mut Vec<ConversationSummary>,
    changed: &ConversationSummary,
    filter: &InboxFilter,
    me: Uuid,
) {
    let position = list.iter().position(|c| c.id == changed.id);
    match (matches(filter, changed, me), position) {
        (Some(true), Some(index)) | (None, Some(index)) => {
            // A search result changed live (a reply, the AI's review) still
            // shows, and opens at, what the search found in it.
            let found = list[index].search_hit.take();
            list[index] = changed.clone();
            if list[index].search_hit.is_none() {
                list[index].search_hit = found;
            }
        }
        (Some(true), None) => list.push(changed.clone()),
        (Some(false), Some(index)) => {
            list.remove(index);
        }
        (Some(false), None) | (None, None) => return,
    }
    sort(list, filter.sort);
}

#[component]
pub fn ListPane() -> impl IntoView {
    let t = use_t();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let page = json_resource(move || inbox.filter.get(), list_conversations);
    view! {
        <ListHeader inbox=inbox />
        <Transition fallback=ListSkeleton>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(initial) => view! { <ConversationList initial=initial /> }.into_any(),
                    Err(err) => view! {
                        <p class="p-4 text-sm text-red-700" role="alert">{move || t().error(&err)}</p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn ListSkeleton() -> impl IntoView {
    view! {
        <ul class="divide-y divide-slate-100 dark:divide-slate-800" aria-hidden="true">
            {(0..8).map(|_| view! {
                <li class="flex animate-pulse gap-3 p-3">
                    <span class="size-10 rounded-full bg-slate-200 dark:bg-slate-800"></span>
                    <span class="flex-1 space-y-2">
                        <span class="block h-3 w-1/2 rounded bg-slate-200 dark:bg-slate-800"></span>
                        <span class="block h-3 w-3/4 rounded bg-slate-100 dark:bg-slate-800"></span>
                    </span>
                </li>
            }).collect_view()}
        </ul>
    }
}

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

/// How much of each listed conversation this agent has read (for the
/// unread dots), from a page of the list.
fn remember_read_counts(inbox: Inbox, page: &[ConversationSummary]) {
    inbox.read_counts.update(|counts| {
        for c in page {
            counts.insert(c.id, c.read_count.unwrap_or(0));
        }
    });
}

#[component]
fn ListHeader(inbox: Inbox) -> impl IntoView {
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

#[component]
fn ConversationList(initial: ConversationPage) -> impl IntoView {
    let t = use_t();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let me = use_session().user.id;
    let params = use_params_map();
    let open_number = move || {
        params
            .read()
            .get("number")
            .and_then(|n| n.parse::<i64>().ok())
    };

    remember_read_counts(inbox, &initial.conversations);
    let items = RwSignal::new(initial.conversations);
    let cursor = RwSignal::new(initial.next_cursor);
    let loading_more = RwSignal::new(false);
    Effect::new(move |_| {
        inbox
            .visible_numbers
            .set(items.with(|list| list.iter().map(|c| c.number).collect()))
    });

    let apply = move |changed: &ConversationSummary| {
        let filter = inbox.filter.get_untracked();
        items.update(|list| merge(list, changed, &filter, me));
        if let Some(count) = changed.read_count {
            inbox.read_counts.update(|counts| {
                counts.insert(changed.id, count);
            });
        }
    };
    if let Some(realtime) = use_realtime() {
        realtime.subscribe(move |incoming| match incoming {
            Incoming::Event(ServerEvent::ConversationChanged { conversation, .. }) => {
                apply(conversation)
            }
            Incoming::Event(ServerEvent::ConversationHidden {
                conversation_id, ..
            }) => {
                items.update(|list| list.retain(|c| c.id != *conversation_id));
            }
            Incoming::Event(ServerEvent::AccessChanged) => {
                // What this person may see changed: the first page again.
                let filter = InboxFilter {
                    cursor: None,
                    ..inbox.filter.get_untracked()
                };
                leptos::task::spawn_local(async move {
                    if let Ok(page) = list_conversations(filter).await {
                        remember_read_counts(inbox, &page.conversations);
                        items.set(page.conversations);
                        cursor.set(page.next_cursor);
                    }
                });
            }
            Incoming::Resync { since } => {
                let since = *since;
                leptos::task::spawn_local(async move {
                    // Page through everything that changed while away.
                    let (mut since, mut after) = (since, None);
                    while let Ok(changes) = sync_changes(since, after, None).await {
                        changes.conversations.iter().for_each(apply);
                        if !changes.has_more {
                            break;
                        }
                        (since, after) = (changes.server_time, changes.next_after);
                    }
                });
            }
            _ => {}
        });
    }

    let load_more = move || {
        let Some(next) = cursor.get_untracked() else {
            return;
        };
        if loading_more.get_untracked() {
            return;
        }
        loading_more.set(true);
        let filter = InboxFilter {
            cursor: Some(next),
            ..inbox.filter.get_untracked()
        };
        leptos::task::spawn_local(async move {
            if let Ok(page) = list_conversations(filter).await {
                remember_read_counts(inbox, &page.conversations);
                items.update(|list| {
                    for c in page.conversations {
                        if !list.iter().any(|existing| existing.id == c.id) {
                            list.push(c);
                        }
                    }
                });
                cursor.set(page.next_cursor);
            }
            loading_more.set(false);
        });
    };
    let on_scroll = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(el) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            {
                if el.scroll_top() + el.client_height() > el.scroll_height() - 300 {
                    load_more();
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    view! {
        <div class="min-h-0 flex-1 overflow-y-auto" on:scroll=on_scroll id="conversation-list">
            <Show when=move || !items.with(Vec::is_empty) fallback=move || {
                match inbox.filter.get().q {
                    Some(term) => view! {
                        <div class="p-8 text-center text-sm text-slate-600 dark:text-slate-300" id="search-empty">
                            <p class="font-medium">{t().search_empty.replace("{}", &term)}</p>
                            <p class="mt-1">{t().search_empty_hint}</p>
                            <A href=move || list_href(&query_of(&InboxFilter { q: None, ..inbox.filter.get() }))
                                attr:class="mt-3 inline-block text-blue-700 underline dark:text-blue-300">{t().clear_search}</A>
                        </div>
                    }.into_any(),
                    None => view! {
                        <div class="p-8 text-center text-sm text-slate-600 dark:text-slate-300" id="inbox-empty">
                            <p class="font-medium">{move || t().no_conversations}</p>
                            <p class="mt-1">{move || t().no_conversations_hint}</p>
                        </div>
                    }.into_any(),
                }
            }>
                <ul class="divide-y divide-slate-100 dark:divide-slate-800">
                    <For each=move || items.get() key=|c| (c.id, c.updated_at) let:conversation>
                        <ConversationRow conversation=conversation active=Signal::derive(open_number) />
                    </For>
                </ul>
            </Show>
            <Show when=move || cursor.with(Option::is_some)>
                <button type="button" class="w-full py-3 text-sm text-blue-700 hover:underline dark:text-blue-400" on:click=move |_| load_more()>
                    {move || if loading_more.get() { t().loading } else { t().load_more }}
                </button>
            </Show>
        </div>
    }
    .into_any()
}

#[component]
fn ConversationRow(
    conversation: ConversationSummary,
    #[prop(into)] active: Signal<Option<i64>>,
) -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let id = conversation.id;
    let number = conversation.number;
    let c = conversation.clone();
    let incoming = conversation.incoming_count;
    let unread = move || {
        let read = inbox.read_counts.with(|m| m.get(&id).copied().unwrap_or(0));
        (incoming - read).max(0)
    };
    let typing = move || {
        inbox
            .typing
            .with(|m| m.get(&id).map(|(name, _)| name.clone()))
    };
    let is_active = move || active.get() == Some(number);
    // A search result opens at the message that matched.
    let hit = c.search_hit.clone();
    let hit_id = hit.as_ref().map(|h| h.message_id);
    let href = move || {
        let href = conversation_href(number, &inbox.query.get());
        match hit_id {
            Some(id) => format!("{href}{}m={id}", if href.contains('?') { '&' } else { '?' }),
            None => href,
        }
    };
    let term = inbox.filter.get_untracked().q.unwrap_or_default();
    let snoozed_until = c.is_snoozed().then_some(c.snoozed_until).flatten();
    let offset = use_session().utc_offset_minutes;
    let when = c.last_activity_at;
    let sla = shared::sla::standing(&c);
    let now = inbox.clock;
    view! {
        <li data-number=number data-unread=move || unread().to_string()>
            <A href=href attr:class=move || format!(
                "flex gap-3 px-3 py-3 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-blue-600 dark:hover:bg-slate-800/60 dark:focus-visible:ring-blue-400 {}",
                if is_active() { "bg-blue-50 dark:bg-blue-950/60" } else { "" },
            ) attr:aria-current=move || is_active().then_some("page")>
                <Avatar name=c.contact_name.clone() seed=c.contact_id />
                <div class="min-w-0 flex-1">
                    <div class="flex items-baseline justify-between gap-2">
                        <p class=move || format!("truncate text-sm {}", if unread() > 0 { "font-semibold" } else { "font-medium" })>
                            {let named = c.contact_name.trim().to_string(); let contact = c.contact_id; move || if named.is_empty() { (t().visitor_numbered)(contact) } else { named.clone() }}
                        </p>
                        <span class="shrink-0 text-xs text-slate-500 dark:text-slate-400">{move || elapsed(when, now.get(), prefs.locale.get())}</span>
                    </div>
                    {c.subject.clone().map(|subject| view! {
                        <p class="truncate text-xs font-medium text-slate-700 dark:text-slate-200" data-subject="">{subject}</p>
                    })}
                    <p class="truncate text-xs text-slate-500 dark:text-slate-400">
                        {move || match (typing(), &hit) {
                            (Some(name), _) if name.is_empty() => view! { <span class="italic text-blue-700 dark:text-blue-300">{t().customer_typing}</span> }.into_any(),
                            (Some(name), _) => view! { <span class="italic text-blue-700 dark:text-blue-300">{(t().typing_named)(&name)}</span> }.into_any(),
                            (None, Some(hit)) => view! { <span class="search-hit">{highlight(&hit.excerpt, &term)}</span> }.into_any(),
                            (None, None) => view! { <span>{c.last_message_preview.clone()}</span> }.into_any(),
                        }}
                    </p>
                    <div class="mt-1 flex flex-wrap items-center gap-1">
                        <span class="text-xs text-slate-600 dark:text-slate-400">"#" {number}</span>
                        {match snoozed_until {
                            Some(until) => view! {
                                <span class="snoozed-badge inline-flex items-center gap-1 rounded bg-violet-100 px-1.5 text-xs font-medium text-violet-900 dark:bg-violet-950 dark:text-violet-200"
                                    title=move || t().snoozed_until>
                                    "⏰ " {move || near_day_time(until, now.get(), offset, prefs.locale.get())}
                                </span>
                            }.into_any(),
                            None => view! { <StatusBadge status=c.status /> }.into_any(),
                        }}
                        <PriorityBadge priority=c.priority />
                        <SlaBadge standing=Signal::stored(sla) now=now />
                        {c.critical.then(|| view! {
                            <span class="text-red-600" title=move || t().critical><Svg icon=Icon::Flag class="size-3.5" /></span>
                        })}
                        {c.tags.iter().take(2).map(|tag| view! {
                            <span class="rounded bg-slate-100 px-1.5 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">{tag.clone()}</span>
                        }).collect_view()}
                        <span class="flex-1"></span>
                        {c.assignee_name.clone().map(|name| view! {
                            <span class="max-w-28 truncate text-xs text-slate-600 dark:text-slate-400" title=move || t().assignee>{name}</span>
                        })}
                        <Show when=move || { unread() > 0 }>
                            <span class="unread-badge min-w-5 rounded-full bg-blue-700 px-1.5 text-center text-xs font-semibold text-white" aria-label=move || (t().unread_n)(unread() as u64)>
                                {unread}
                            </span>
                        </Show>
                    </div>
                </div>
            </A>
        </li>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation(assignee: Option<Uuid>, status: ConversationStatus) -> ConversationSummary {
        serde_json::from_value(serde_json::json!({
            "id": 1, "number": 1, "status": status, "priority": "normal", "critical": false, "tags": ["vip"],
            "contact_id": 1, "contact_name": "Ana", "channel_id": 1, "channel_name": "Site", "channel_kind": "website",
            "department_id": null, "department_name": null, "assignee_id": assignee, "assignee_name": null,
            "last_message_preview": "", "last_message_kind": null, "last_activity_at": "2026-11-22T10:00:00Z",
            "waiting_since": null, "snoozed_until": null, "created_at": "2026-11-22T10:00:00Z", "first_response_at": null,
            "resolved_at": null, "updated_at": "2026-11-22T10:00:00Z", "incoming_count": 1, "read_count": null
        }))
        .unwrap()
    }

    #[test]
    fn live_updates_follow_the_list_filter() {
        let me = Uuid::from_u128(7);
        let mine = InboxFilter {
            tab: InboxTab::Mine,
            ..Default::default()
        };
        assert_eq!(
            matches(&mine, &conversation(Some(me), ConversationStatus::Open), me),
            Some(true)
        );
        assert_eq!(
            matches(&mine, &conversation(None, ConversationStatus::Open), me),
            Some(false)
        );
        let active = InboxFilter::default();
        assert_eq!(
            matches(
                &active,
                &conversation(None, ConversationStatus::Resolved),
                me
            ),
            Some(false),
            "resolved leaves the default view"
        );
        let searching = InboxFilter {
            q: Some("pedido".into()),
            ..Default::default()
        };
        assert_eq!(
            matches(
                &searching,
                &conversation(None, ConversationStatus::Open),
                me
            ),
            None
        );
        let tagged = InboxFilter {
            tag: Some("vip".into()),
            ..Default::default()
        };
        assert_eq!(
            matches(&tagged, &conversation(None, ConversationStatus::Open), me),
            Some(true)
        );
    }

    #[test]
    fn merging_inserts_updates_and_removes() {
        let me = Uuid::from_u128(7);
        let filter = InboxFilter::default();
        let mut list = vec![];
        let open = conversation(None, ConversationStatus::Open);
        merge(&mut list, &open, &filter, me);
        assert_eq!(list.len(), 1);
        let resolved = conversation(None, ConversationStatus::Resolved);
        merge(&mut list, &resolved, &filter, me);
        assert!(list.is_empty());
    }

    #[test]
    fn a_search_result_changed_live_keeps_what_was_found() {
        let me = Uuid::from_u128(7);
        let searching = InboxFilter {
            q: Some("nota fiscal".into()),
            ..Default::default()
        };
        let mut found = conversation(None, ConversationStatus::Resolved);
        found.search_hit = Some(shared::inbox::SearchHit {
            message_id: 9,
            excerpt: "Vocês emitem nota fiscal?".into(),
        });
        let mut list = vec![found];
        let mut reviewed = conversation(None, ConversationStatus::Resolved);
        reviewed.critical = true;
        merge(&mut list, &reviewed, &searching, me);
        assert!(list[0].critical, "the change shows");
        assert_eq!(list[0].search_hit.as_ref().map(|h| h.message_id), Some(9));
    }
}
