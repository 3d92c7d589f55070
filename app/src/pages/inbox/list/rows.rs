//! The rows: the first page, pages added on scroll, and live changes merged in.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::inbox::{ConversationPage, ConversationSummary, InboxFilter};

use crate::api::conversations::{list_conversations, sync_changes};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::use_session;
use crate::components::widgets::{highlight, Avatar, PriorityBadge, SlaBadge, StatusBadge};
use crate::pages::inbox::{conversation_href, list_href, query_of, use_inbox, Inbox};
use crate::prefs::{use_prefs, use_t};
use crate::realtime::{use_realtime, Incoming};
use crate::util::{elapsed, near_day_time};
use shared::events::ServerEvent;

use super::merge;

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
pub(super) fn ConversationList(initial: ConversationPage) -> impl IntoView {
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
