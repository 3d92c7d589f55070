//! One open conversation: header with actions, the timeline, the composer,
//! and (on wide screens) the contact panel.

use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::inbox::{
    Activity, ConversationStatus, ConversationSummary, DeliveryStatus, MessageKind, MessageView,
    OpenedConversation, Priority,
};
use shared::{AppError, Permission};
use uuid::Uuid;

use super::composer::Composer;
use super::contact_panel::ContactPanel;
use super::dialogs::{SnoozeDialog, TransferDialog};
use super::{list_href, use_inbox, NoConversation};
use crate::api::conversations::{
    assign_conversation, delete_message, list_messages, mark_conversation_read, open_conversation,
    set_conversation_critical, set_conversation_priority, set_conversation_status,
    set_conversation_tags, sync_changes,
};
use crate::components::form::ErrorBanner;
use crate::components::icons::{Icon, Svg};
use crate::components::layout::use_session;
use crate::components::widgets::{Avatar, StatusBadge, BUTTON};
use crate::i18n::Strings;
use crate::prefs::{use_prefs, use_t};
use crate::realtime::{use_realtime, Incoming};
use crate::components::widgets::highlight;
use crate::util::{clock, confirm, day_key, near_day, near_day_time};
use shared::events::ServerEvent;

/// The `/inbox/:number` route.
#[component]
pub fn ConversationPane() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let number = Memo::new(move |_| {
        params
            .read()
            .get("number")
            .and_then(|n| n.parse::<i64>().ok())
    });
    let data = Resource::new(
        move || number.get(),
        |number| async move { open_conversation(number.ok_or(AppError::NotFound)?).await },
    );
    view! {
        <Transition fallback=move || view! { <p class="p-6 text-sm text-slate-500">{move || t().loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(opened) => view! { <ConversationView opened=opened /> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundHere /> }.into_any(),
                    Err(err) => view! { <div class="p-4"><ErrorBanner error=Signal::derive(move || Some(err.clone())) /></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NotFoundHere() -> impl IntoView {
    let t = use_t();
    view! {
        <div class="p-6 text-center" role="alert">
            <p class="text-slate-600 dark:text-slate-300">{move || t().conversation_not_found}</p>
            <A href="/inbox" attr:class="mt-2 inline-block text-sm text-blue-700 hover:underline">{move || t().back}</A>
        </div>
        <NoConversation />
    }
}

/// The open conversation's live state, shared with the composer and panel.
#[derive(Clone, Copy)]
pub struct OpenConversation {
    pub summary: RwSignal<ConversationSummary>,
    pub messages: RwSignal<Vec<MessageView>>,
    pub error: RwSignal<Option<AppError>>,
    pub can_work: bool,
}

impl OpenConversation {
    /// Adds or replaces a message (matching optimistic copies by client id).
    pub fn upsert(&self, message: MessageView) {
        self.messages.update(|list| {
            let same = |m: &MessageView| {
                m.id == message.id
                    || (message.client_id.is_some() && m.client_id == message.client_id)
            };
            match list.iter().position(same) {
                Some(index) => list[index] = message,
                None => {
                    list.push(message);
                    list.sort_by_key(|m| if m.id > 0 { (0, m.id) } else { (1, -m.id) });
                }
            }
        });
    }

    /// Runs an action that returns the new summary, showing any error.
    pub fn act<F>(&self, action: F)
    where
        F: std::future::Future<Output = Result<ConversationSummary, AppError>> + 'static,
    {
        let this = *self;
        leptos::task::spawn_local(async move {
            match action.await {
                Ok(summary) => {
                    this.summary.set(summary);
                    this.error.set(None);
                }
                Err(err) => this.error.set(Some(err)),
            }
        });
    }
}

pub fn use_open_conversation() -> Option<OpenConversation> {
    use_context::<OpenConversation>()
}

#[component]
fn ConversationView(opened: OpenedConversation) -> impl IntoView {
    let OpenedConversation {
        summary,
        messages: page,
        contact,
    } = opened;
    let session = use_session();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let id = summary.id;
    let number = summary.number;
    let open = OpenConversation {
        summary: RwSignal::new(summary),
        messages: RwSignal::new(page.messages),
        error: RwSignal::new(None),
        can_work: session.can(Permission::WorkConversations),
    };
    provide_context(open);
    let older = RwSignal::new(page.older_cursor);
    let show_contact = RwSignal::new(false);

    // Reading: on open, and whenever something arrives while it is open.
    let mark_read = move || {
        leptos::task::spawn_local(async move {
            if let Ok(count) = mark_conversation_read(number).await {
                inbox.read_counts.update(|counts| {
                    counts.insert(id, count);
                });
            }
        });
    };
    #[cfg(feature = "hydrate")]
    mark_read();

    if let Some(realtime) = use_realtime() {
        realtime.subscribe(move |incoming| match incoming {
            Incoming::Event(ServerEvent::MessageCreated { message, .. })
                if message.conversation_id == id =>
            {
                let incoming_message = message.kind == MessageKind::Incoming;
                open.upsert(message.clone());
                if incoming_message && page_visible() {
                    mark_read();
                }
            }
            Incoming::Event(ServerEvent::MessageUpdated { message, .. })
                if message.conversation_id == id =>
            {
                open.upsert(message.clone())
            }
            Incoming::Event(ServerEvent::ConversationChanged { conversation, .. })
                if conversation.id == id =>
            {
                let mut fresh = conversation.clone();
                fresh.read_count = None;
                open.summary.set(fresh);
            }
            Incoming::Resync { since } => {
                let since = *since;
                leptos::task::spawn_local(async move {
                    if let Ok(changes) = sync_changes(since, None, Some(number)).await {
                        if let Some(fresh) = changes.conversations.into_iter().find(|c| c.id == id)
                        {
                            open.summary.set(fresh);
                        }
                        changes.messages.into_iter().for_each(|m| open.upsert(m));
                    }
                });
            }
            _ => {}
        });
    }

    view! {
        <div class="flex min-h-0 flex-1">
            <div class="flex min-h-0 min-w-0 flex-1 flex-col bg-slate-50 dark:bg-slate-950" id="conversation" data-number=number>
                <ConversationHeader open=open show_contact=show_contact />
                <ErrorBanner error=open.error />
                <Timeline open=open older=older number=number />
                <TypingLine conversation_id=id />
                {if open.can_work {
                    view! { <Composer number=number /> }.into_any()
                } else {
                    view! { <ReadOnlyNotice /> }.into_any()
                }}
            </div>
            <aside class=move || format!(
                "min-h-0 w-80 shrink-0 overflow-y-auto border-l border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 {}",
                if show_contact.get() { "fixed inset-y-0 right-0 z-40 block max-w-[90%] shadow-xl 2xl:static 2xl:shadow-none" } else { "hidden 2xl:block" },
            ) id="contact-panel">
                <ContactPanel details=contact on_close=move || show_contact.set(false) />
            </aside>
        </div>
    }
    .into_any()
}

fn page_visible() -> bool {
    #[cfg(feature = "hydrate")]
    {
        document().visibility_state() == web_sys::VisibilityState::Visible
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

#[component]
fn ReadOnlyNotice() -> impl IntoView {
    let t = use_t();
    view! { <p class="border-t border-slate-200 bg-white p-3 text-center text-sm text-slate-500 dark:border-slate-800 dark:bg-slate-900">{move || t().read_only}</p> }
}

#[component]
fn ConversationHeader(open: OpenConversation, show_contact: RwSignal<bool>) -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let me = use_session().user.id;
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let s = open.summary;
    let number = s.get_untracked().number;
    let show_transfer = RwSignal::new(false);
    let show_snooze = RwSignal::new(false);
    let status_to =
        move |status: ConversationStatus| open.act(set_conversation_status(number, status, None));
    let closed = move || s.with(|c| c.status.is_closed());
    let offset = use_session().utc_offset_minutes;

    view! {
        <header class="shrink-0 border-b border-slate-200 bg-white px-3 py-2 dark:border-slate-800 dark:bg-slate-900">
            <div class="flex items-center gap-2">
                <A href=move || list_href(&inbox.query.get()) attr:class="rounded-lg p-1.5 text-slate-600 hover:bg-slate-100 lg:hidden dark:text-slate-300 dark:hover:bg-slate-800" attr:aria-label=move || t().back attr:id="back-to-list">
                    <Svg icon=Icon::ChevronLeft />
                </A>
                {move || s.with(|c| view! { <Avatar name=c.contact_name.clone() seed=c.contact_id size="size-9 text-sm" /> })}
                <div class="min-w-0 flex-1">
                    <h1 class="truncate text-sm font-semibold" id="conversation-title">{move || s.with(|c| if c.contact_name.trim().is_empty() { t().visitor.to_string() } else { c.contact_name.clone() })}</h1>
                    <p class="truncate text-xs text-slate-500">
                        "#" {move || s.with(|c| c.number)} " · " {move || s.with(|c| c.channel_name.clone())}
                        {move || s.with(|c| c.department_name.clone()).map(|d| format!(" · {d}"))}
                        {move || s.with(|c| c.assignee_name.clone()).map(|a| format!(" · {a}"))}
                        {move || s.with(|c| c.snoozed_until).map(|until| format!(" · ⏰ {}", near_day_time(until, chrono::Utc::now(), offset, prefs.locale.get())))}
                    </p>
                </div>
                {move || view! { <StatusBadge status=s.with(|c| c.status) /> }}
                <button type="button" class="rounded-lg p-1.5 text-slate-600 hover:bg-slate-100 2xl:hidden dark:text-slate-300 dark:hover:bg-slate-800"
                    on:click=move |_| show_contact.update(|v| *v = !*v) aria-label=move || t().contact title=move || t().contact id="toggle-contact">
                    <Svg icon=Icon::Contact />
                </button>
            </div>
            <Show when=move || open.can_work>
                <div class="mt-2 flex flex-wrap items-center gap-1.5" id="conversation-actions">
                    <Show when=move || s.with(|c| c.assignee_id != Some(me)) && !closed()>
                        <button type="button" class=BUTTON id="assign-to-me"
                            on:click=move |_| open.act(assign_conversation(number, Some(me), false, None, None))>
                            {move || t().assign_to_me}
                        </button>
                    </Show>
                    <Show when=move || !closed()>
                        <button type="button" class=BUTTON id="transfer" on:click=move |_| show_transfer.set(true)>{move || t().transfer}</button>
                        <button type="button" class=format!("{BUTTON} border-emerald-600 text-emerald-700 dark:text-emerald-300") id="resolve"
                            on:click=move |_| status_to(ConversationStatus::Resolved) title=move || (t().shortcut_hint)("e")>
                            <Svg icon=Icon::Check class="size-4" /> {move || t().resolve}
                        </button>
                    </Show>
                    <Show when=closed>
                        <button type="button" class=BUTTON id="reopen" on:click=move |_| status_to(ConversationStatus::Open)>{move || t().reopen}</button>
                    </Show>
                    <details class="relative" id="more-status">
                        <summary class=format!("{BUTTON} cursor-pointer list-none")>{move || t().more_actions} <Svg icon=Icon::ChevronDown class="size-4" /></summary>
                        <div class="absolute right-0 z-30 mt-1 w-56 rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900">
                            <MenuItem label=|t: &Strings| t.mark_waiting on_click=move || status_to(ConversationStatus::Waiting) enabled=Signal::derive(move || !closed() && s.with(|c| c.status != ConversationStatus::Waiting)) />
                            <MenuItem label=|t: &Strings| t.snooze on_click=move || show_snooze.set(true) enabled=Signal::derive(move || !closed()) />
                            <MenuItem label=|t: &Strings| t.cancel_conversation on_click=move || status_to(ConversationStatus::Cancelled) enabled=Signal::derive(move || !closed()) />
                            <MenuItem label=|t: &Strings| t.unassign on_click=move || open.act(assign_conversation(number, None, false, None, None)) enabled=Signal::derive(move || !closed() && s.with(|c| c.assignee_id.is_some())) />
                        </div>
                    </details>
                    <label class="flex items-center gap-1 text-xs text-slate-500">
                        <span class="sr-only">{move || t().priority}</span>
                        <select class="rounded-md border border-slate-300 bg-white px-1.5 py-1 text-xs dark:border-slate-600 dark:bg-slate-900" id="priority"
                            on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse::<Priority>() { open.act(set_conversation_priority(number, p)) } }>
                            {Priority::ALL.iter().copied().map(|p| view! {
                                <option value=p.as_str() selected=move || s.with(|c| c.priority == p)>{move || (t().priority_name)(p)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <button type="button" id="critical"
                        class=move || format!("rounded-lg border p-1.5 {}", if s.with(|c| c.critical) { "border-red-600 bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300" } else { "border-slate-300 text-slate-500 dark:border-slate-600" })
                        aria-pressed=move || s.with(|c| c.critical).to_string() title=move || t().critical aria-label=move || t().critical
                        on:click=move |_| open.act(set_conversation_critical(number, !s.with_untracked(|c| c.critical)))>
                        <Svg icon=Icon::Flag class="size-4" />
                    </button>
                </div>
                <TagEditor open=open />
            </Show>
        </header>
        <Show when=move || show_transfer.get()>
            <TransferDialog number=number on_close=move || show_transfer.set(false) />
        </Show>
        <Show when=move || show_snooze.get()>
            <SnoozeDialog number=number on_close=move || show_snooze.set(false) />
        </Show>
    }
    .into_any()
}

#[component]
fn MenuItem(
    label: fn(&Strings) -> &'static str,
    on_click: impl Fn() + Send + Sync + 'static,
    #[prop(into)] enabled: Signal<bool>,
) -> impl IntoView {
    let t = use_t();
    view! {
        <button type="button" class="block w-full rounded-lg px-3 py-2 text-left text-sm hover:bg-slate-100 disabled:opacity-40 dark:hover:bg-slate-800"
            disabled=move || !enabled.get()
            on:click=move |ev| {
                on_click();
                close_details(&ev);
            }>
            {move || label(t())}
        </button>
    }
}

/// Closes the `<details>` menu an event came from.
fn close_details(ev: &leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(details) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("details").ok().flatten())
        {
            let _ = details.remove_attribute("open");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

#[component]
fn TagEditor(open: OpenConversation) -> impl IntoView {
    let t = use_t();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let number = open.summary.get_untracked().number;
    let draft = RwSignal::new(String::new());
    let save = move |tags: Vec<String>| open.act(set_conversation_tags(number, tags));
    let add = move || {
        let tag = draft
            .get_untracked()
            .trim()
            .trim_start_matches('#')
            .to_lowercase();
        if tag.is_empty() {
            return;
        }
        let mut tags = open.summary.get_untracked().tags;
        if !tags.contains(&tag) {
            tags.push(tag);
            save(tags);
        }
        draft.set(String::new());
    };
    view! {
        <div class="mt-2 flex flex-wrap items-center gap-1" id="tags">
            <Svg icon=Icon::Tag class="size-4 text-slate-400" />
            <For each=move || open.summary.with(|c| c.tags.clone()) key=|tag| tag.clone() let:tag>
                {
                    let remove = tag.clone();
                    view! {
                        <span class="inline-flex items-center gap-1 rounded-full bg-slate-100 py-0.5 pl-2 pr-1 text-xs dark:bg-slate-800" data-tag=tag.clone()>
                            {tag.clone()}
                            <button type="button" class="rounded-full p-0.5 hover:bg-slate-200 dark:hover:bg-slate-700" aria-label=move || format!("{} {}", t().remove, remove)
                                on:click={
                                    let remove = tag.clone();
                                    move |_| save(open.summary.get_untracked().tags.into_iter().filter(|x| *x != remove).collect())
                                }>
                                <Svg icon=Icon::Close class="size-3" />
                            </button>
                        </span>
                    }
                }
            </For>
            <input type="text" list="known-tags" placeholder=move || t().add_tag id="tag-input"
                class="w-28 rounded-md border border-transparent bg-transparent px-1 py-0.5 text-xs focus:border-slate-300 dark:focus:border-slate-600"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev| { if ev.key() == "Enter" { ev.prevent_default(); add() } } />
            <datalist id="known-tags">
                <Transition>
                    {move || Suspend::new(async move {
                        inbox.context.await.map(|c| c.tags).unwrap_or_default().into_iter().map(|tag| view! { <option value=tag></option> }).collect_view()
                    })}
                </Transition>
            </datalist>
        </div>
    }
    .into_any()
}

#[component]
fn Timeline(open: OpenConversation, older: RwSignal<Option<i64>>, number: i64) -> impl IntoView {
    let t = use_t();
    let scroller = NodeRef::<html::Div>::new();
    let loading_older = RwSignal::new(false);
    let offset = use_session().utc_offset_minutes;
    let prefs = use_prefs();
    let query = leptos_router::hooks::use_query_map();
    // Opened from a search result: the message that matched, and the term.
    let jump_to = query
        .read_untracked()
        .get("m")
        .and_then(|m| m.parse::<i64>().ok());
    let term = query.read_untracked().get("q").unwrap_or_default();
    let flash = RwSignal::new(None::<i64>);
    let now = use_inbox().map(|inbox| inbox.clock);

    // Stick to the bottom when new messages come, if already near it.
    #[cfg(feature = "hydrate")]
    {
        let near_bottom = StoredValue::new(true);
        let first = StoredValue::new(jump_to.is_none());
        Effect::new(move |_| {
            open.messages.track();
            let Some(el) = scroller.get() else { return };
            if first.get_value() || near_bottom.get_value() {
                first.set_value(false);
                request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
            }
        });
        if let Some(target) = jump_to {
            leptos::task::spawn_local(jump_to_message(open, older, number, target, flash));
        }
        scroller.on_load(move |el| {
            let watched = el.clone();
            let listener = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
                near_bottom.set_value(
                    watched.scroll_height() - watched.scroll_top() - watched.client_height() < 120,
                );
            });
            let _ = el.add_event_listener_with_callback(
                "scroll",
                wasm_bindgen::JsCast::unchecked_ref(listener.as_ref()),
            );
            listener.forget();
        });
    }

    let load_older = move |_| {
        let Some(before) = older.get_untracked() else {
            return;
        };
        if loading_older.get_untracked() {
            return;
        }
        loading_older.set(true);
        leptos::task::spawn_local(async move {
            let previous_height = scroller
                .get_untracked()
                .map(|el| el.scroll_height())
                .unwrap_or_default();
            if let Ok(page) = list_messages(number, Some(before)).await {
                open.messages.update(|list| {
                    let mut merged = page.messages;
                    merged.retain(|m| !list.iter().any(|x| x.id == m.id));
                    merged.append(list);
                    *list = merged;
                });
                older.set(page.older_cursor);
                if let Some(el) = scroller.get_untracked() {
                    request_animation_frame(move || {
                        el.set_scroll_top(el.scroll_height() - previous_height)
                    });
                }
            }
            loading_older.set(false);
        });
    };

    view! {
        <div node_ref=scroller class="min-h-0 flex-1 overflow-y-auto px-3 py-4 sm:px-6" id="timeline" role="log" aria-live="polite">
            <Show when=move || older.with(Option::is_some)>
                <div class="mb-3 text-center">
                    <button type="button" class=BUTTON on:click=load_older id="load-older">
                        {move || if loading_older.get() { t().loading } else { t().load_older }}
                    </button>
                </div>
            </Show>
            {move || {
                let messages = open.messages.get();
                let mut last_day = None;
                messages
                    .into_iter()
                    .map(|message| {
                        let day = day_key(message.created_at, offset);
                        let separator = (last_day != Some(day)).then(|| {
                            last_day = Some(day);
                            let at = message.created_at;
                            view! {
                                <div class="my-4 flex items-center gap-3 text-xs text-slate-600 dark:text-slate-400" role="separator">
                                    <span class="h-px flex-1 bg-slate-200 dark:bg-slate-800"></span>
                                    {move || near_day(at, now.map(|n| n.get()).unwrap_or(at), offset, prefs.locale.get())}
                                    <span class="h-px flex-1 bg-slate-200 dark:bg-slate-800"></span>
                                </div>
                            }
                        });
                        let id = message.id;
                        let matched = (Some(id) == jump_to).then(|| term.clone());
                        view! { {separator} <MessageItem message=message number=number flash=Signal::derive(move || flash.get() == Some(id)) matched=matched /> }
                    })
                    .collect_view()
            }}
        </div>
    }
}

/// Opened from a search result: loads older pages until the matching
/// message is there (a few at most), then brings it into view, flashing.
#[cfg(feature = "hydrate")]
async fn jump_to_message(
    open: OpenConversation,
    older: RwSignal<Option<i64>>,
    number: i64,
    target: i64,
    flash: RwSignal<Option<i64>>,
) {
    for _ in 0..20 {
        if open.messages.with_untracked(|list| list.iter().any(|m| m.id == target)) {
            break;
        }
        let Some(before) = older.get_untracked() else {
            break;
        };
        match list_messages(number, Some(before)).await {
            Ok(page) => {
                open.messages.update(|list| {
                    let mut merged = page.messages;
                    merged.retain(|m| !list.iter().any(|x| x.id == m.id));
                    merged.append(list);
                    *list = merged;
                });
                older.set(page.older_cursor);
            }
            Err(_) => break,
        }
    }
    flash.set(Some(target));
    request_animation_frame(move || {
        let selector = format!("[data-message-id=\"{target}\"]");
        if let Some(el) = document().query_selector(&selector).ok().flatten() {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Center);
            el.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });
    gloo_timers::callback::Timeout::new(4_000, move || flash.set(None)).forget();
}

#[component]
fn MessageItem(
    message: MessageView,
    number: i64,
    #[prop(into)] flash: Signal<bool>,
    matched: Option<String>,
) -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let offset = session.utc_offset_minutes;
    let at = clock(message.created_at, offset);
    let prefs = use_prefs();
    if message.kind == MessageKind::Activity {
        let text = message.activity.clone();
        return view! {
            <p class="my-2 text-center text-xs text-slate-600 dark:text-slate-400" data-kind="activity">
                {move || text.as_ref().map(|a| activity_text(t(), a, offset, prefs.locale.get())).unwrap_or_default()} " · " {at.clone()}
            </p>
        }
        .into_any();
    }
    let open = use_open_conversation();
    let can_delete = session.can(Permission::DeleteMessages) && message.id > 0 && !message.deleted;
    let (align, bubble) = match message.kind {
        MessageKind::Incoming => ("justify-start", "bg-white text-slate-900 dark:bg-slate-800 dark:text-slate-100 rounded-bl-sm"),
        MessageKind::Outgoing => ("justify-end", "bg-blue-700 text-white rounded-br-sm"),
        _ => ("justify-end", "bg-amber-100 text-amber-950 ring-1 ring-amber-300 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-800 rounded-br-sm"),
    };
    let id = message.id;
    let retry = message.delivery_status == Some(DeliveryStatus::Failed) && message.id < 0;
    let failed_message = message.clone();
    view! {
        <div class=format!("group my-1.5 flex {align}") data-kind=message.kind.as_str() data-message-id=id>
            <div class=move || format!(
                "max-w-[85%] rounded-2xl px-3 py-2 shadow-sm transition sm:max-w-[70%] {bubble} {}",
                if flash.get() { "ring-4 ring-yellow-400" } else { "" },
            ) data-flash=move || flash.get().to_string()>
                {(message.kind == MessageKind::Note).then(|| view! {
                    <p class="mb-0.5 flex items-center gap-1 text-xs font-semibold"><Svg icon=Icon::Note class="size-3.5" /> {move || t().internal_note}</p>
                })}
                {(message.kind != MessageKind::Incoming).then(|| message.sender_name.clone().map(|name| view! { <p class="mb-0.5 text-xs opacity-80">{name}</p> }))}
                {if message.deleted {
                    view! {
                        <p class="text-sm italic opacity-70">{move || t().message_deleted}</p>
                        {(!message.body.is_empty()).then(|| view! { <p class="whitespace-pre-wrap break-words text-sm line-through opacity-60">{message.body.clone()}</p> })}
                    }.into_any()
                } else {
                    view! {
                        {message.attachment.clone().map(|a| view! { <AttachmentPreview attachment=a /> })}
                        {(!message.body.is_empty()).then(|| match &matched {
                            Some(term) => view! { <p class="whitespace-pre-wrap break-words text-sm">{highlight(&message.body, term)}</p> }.into_any(),
                            None => view! { <p class="whitespace-pre-wrap break-words text-sm">{message.body.clone()}</p> }.into_any(),
                        })}
                    }.into_any()
                }}
                <p class="mt-0.5 flex items-center justify-end gap-1 text-[11px] opacity-70">
                    {at}
                    {(message.kind == MessageKind::Outgoing).then(|| view! { <DeliveryTicks status=message.delivery_status /> })}
                </p>
                {retry.then(|| view! {
                    <button type="button" class="mt-1 text-xs font-semibold underline" data-retry=id
                        on:click=move |_| { if let Some(open) = open { super::composer::resend(open, number, failed_message.clone()) } }>
                        {move || t().failed_retry}
                    </button>
                })}
            </div>
            {can_delete.then(|| view! {
                <button type="button" class="ml-1 hidden self-center rounded p-1 text-xs text-slate-400 hover:text-red-600 group-hover:block" aria-label=move || t().delete
                    on:click=move |_| {
                        if confirm(crate::i18n::strings(prefs.locale.get_untracked()).confirm_delete_message) {
                            if let Some(open) = open {
                                leptos::task::spawn_local(async move {
                                    match delete_message(id).await {
                                        Ok(view) => open.upsert(view),
                                        Err(err) => open.error.set(Some(err)),
                                    }
                                });
                            }
                        }
                    }>
                    <Svg icon=Icon::Close class="size-3.5" />
                </button>
            })}
        </div>
    }
    .into_any()
}

#[component]
fn DeliveryTicks(status: Option<DeliveryStatus>) -> impl IntoView {
    let t = use_t();
    let (icon, class, label): (Icon, &str, fn(&Strings) -> &'static str) = match status {
        Some(DeliveryStatus::Pending) | None => (Icon::Clock, "", |t| t.delivery_pending),
        Some(DeliveryStatus::Sent) => (Icon::Check, "", |t| t.delivery_sent),
        Some(DeliveryStatus::Delivered) => (Icon::CheckDouble, "", |t| t.delivery_delivered),
        Some(DeliveryStatus::Read) => (Icon::CheckDouble, "text-sky-300", |t| t.delivery_read),
        Some(DeliveryStatus::Failed) => (Icon::Alert, "text-red-300", |t| t.delivery_failed),
    };
    let status_name = status.map(|s| s.as_str()).unwrap_or("pending");
    view! {
        <span class=class title=move || label(t()) data-delivery=status_name>
            <Svg icon=icon class="size-3.5" />
            <span class="sr-only">{move || label(t())}</span>
        </span>
    }
}

#[component]
pub fn AttachmentPreview(attachment: shared::inbox::AttachmentView) -> impl IntoView {
    let kind = attachment
        .content_type
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let size = human_size(attachment.size_bytes);
    match kind.as_str() {
        "image" => view! {
            <a href=attachment.url.clone() target="_blank" rel="noopener" class="mb-1 block">
                <img src=attachment.url.clone() alt=attachment.file_name.clone() loading="lazy" class="max-h-64 rounded-lg object-contain" />
            </a>
        }
        .into_any(),
        "audio" => view! { <audio controls preload="none" src=attachment.url.clone() class="mb-1 max-w-full"></audio> }.into_any(),
        "video" => view! { <video controls preload="metadata" src=attachment.url.clone() class="mb-1 max-h-64 max-w-full rounded-lg"></video> }.into_any(),
        _ => view! {
            <a href=attachment.url.clone() class="mb-1 flex items-center gap-2 rounded-lg bg-black/5 p-2 text-sm underline-offset-2 hover:underline dark:bg-white/10" download=attachment.file_name.clone()>
                <Svg icon=Icon::Paperclip class="size-4" />
                <span class="truncate">{attachment.file_name.clone()}</span>
                <span class="shrink-0 text-xs opacity-70">{size}</span>
            </a>
        }
        .into_any(),
    }
}

pub fn human_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// The words for an activity line; times in the account's zone.
pub fn activity_text(
    t: &Strings,
    activity: &Activity,
    offset_minutes: i32,
    locale: shared::Locale,
) -> String {
    match activity {
        Activity::Created => t.activity_created.to_string(),
        Activity::StatusChanged { to, by, .. } => (t.activity_status)(by, (t.status_name)(*to)),
        Activity::Snoozed { until, by } => (t.activity_snoozed)(
            by,
            &near_day_time(*until, chrono::Utc::now(), offset_minutes, locale),
        ),
        Activity::SnoozeEnded { to } => (t.activity_snooze_ended)((t.status_name)(*to)),
        Activity::Reopened { by } => (t.activity_reopened)(by.as_deref()),
        Activity::Assigned { to: Some(to), by } => (t.activity_assigned)(by, to),
        Activity::Assigned { to: None, by } => (t.activity_unassigned)(by),
        Activity::Transferred {
            to_agent,
            to_department,
            note,
            by,
        } => {
            let target = match (to_agent, to_department) {
                (Some(agent), Some(department)) => format!("{agent} ({department})"),
                (Some(agent), None) => agent.clone(),
                (None, Some(department)) => department.clone(),
                (None, None) => t.nobody.to_string(),
            };
            let base = (t.activity_transferred)(by, &target);
            match note {
                Some(note) => format!("{base}: “{note}”"),
                None => base,
            }
        }
        Activity::PriorityChanged { to, by, .. } => {
            (t.activity_priority)(by, (t.priority_name)(*to))
        }
        Activity::CriticalChanged { critical, by } => {
            if *critical {
                (t.activity_critical_on)(by)
            } else {
                (t.activity_critical_off)(by)
            }
        }
        Activity::TagsChanged { added, removed, by } => {
            (t.activity_tags)(by, &added.join(", "), &removed.join(", "))
        }
    }
}

#[component]
fn TypingLine(conversation_id: i64) -> impl IntoView {
    let t = use_t();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    view! {
        <p class="h-5 shrink-0 px-6 text-xs italic text-blue-700 dark:text-blue-300" aria-live="polite" id="typing-line">
            {move || inbox.typing.with(|m| m.get(&conversation_id).cloned()).map(|(name, _)| {
                if name.is_empty() { t().customer_typing.to_string() } else { (t().typing_named)(&name) }
            })}
        </p>
    }
    .into_any()
}

/// A message the browser has not stored yet, shown at once.
pub fn pending_message(
    conversation_id: i64,
    body: &str,
    note: bool,
    client_id: Uuid,
    sender: &str,
) -> MessageView {
    MessageView {
        id: -(chrono::Utc::now().timestamp_millis()),
        conversation_id,
        kind: if note {
            MessageKind::Note
        } else {
            MessageKind::Outgoing
        },
        content_type: shared::inbox::ContentType::Text,
        body: body.to_string(),
        attachment: None,
        location: None,
        activity: None,
        sender_id: None,
        sender_name: Some(sender.to_string()),
        mentions: vec![],
        delivery_status: Some(DeliveryStatus::Pending),
        delivery_error: None,
        client_id: Some(client_id),
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        deleted: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_human() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(3 * 1024 * 1024 + 1024 * 200), "3.2 MB");
    }

    #[test]
    fn activity_lines_read_as_sentences() {
        let t = crate::i18n::strings(shared::Locale::En);
        let line = activity_text(
            t,
            &Activity::Transferred {
                to_agent: None,
                to_department: Some("Support".into()),
                note: Some("billing question".into()),
                by: "Ana".into(),
            },
            0,
            shared::Locale::En,
        );
        assert_eq!(line, "Ana transferred to Support: “billing question”");
        assert_eq!(
            activity_text(t, &Activity::Reopened { by: None }, 0, shared::Locale::En),
            "Reopened by the customer"
        );
        let until = chrono::Utc::now() + chrono::Duration::minutes(1);
        let snoozed = activity_text(
            t,
            &Activity::Snoozed { until, by: "Ana".into() },
            -180,
            shared::Locale::En,
        );
        assert!(!snoozed.contains("UTC"), "{snoozed}");
    }
}
