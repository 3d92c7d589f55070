//! The inbox: conversation list · conversation · contact panel on a desktop,
//! one pane at a time with back navigation on a phone. Filters live in the
//! URL; everything updates live from the real-time connection.

mod composer;
mod contact_panel;
mod conversation;
mod conversation_summary;
mod customer_feeling;
mod customer_rating;
mod dialogs;
mod flow_starter;
mod list;
mod quality_review;
mod suggested_categories;
mod views;
mod wrap_up;

use crate::json::{json_resource, JsonResource};
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::params::ParamsMap;
use shared::inbox::{ConversationStatus, InboxContext, InboxFilter, InboxSort, InboxTab, Priority};
use shared::AppError;
use std::collections::HashMap;
use uuid::Uuid;

use crate::api::conversations::get_inbox_context;
use crate::components::icons::{Icon, Svg};
use crate::prefs::use_t;
use crate::realtime::{use_realtime, Incoming};
use shared::events::{ServerEvent, Typist};

pub use conversation::ConversationPane;
pub use dialogs::ShortcutsHelp;

/// State shared by the panes of the inbox.
#[derive(Clone, Copy)]
pub struct Inbox {
    pub context: JsonResource<Result<InboxContext, AppError>>,
    /// How many incoming messages of each conversation this agent has read.
    pub read_counts: RwSignal<HashMap<i64, i32>>,
    /// Who is typing where: conversation id → (name, until, in ms).
    pub typing: RwSignal<HashMap<i64, (String, f64)>>,
    /// Live presence updates, over what the context said when loaded.
    pub presence: RwSignal<HashMap<Uuid, bool>>,
    /// The conversation numbers in list order, for j/k navigation.
    pub visible_numbers: RwSignal<Vec<i64>>,
    pub filter: Memo<InboxFilter>,
    /// The URL query of the current filters, kept on conversation links.
    pub query: Memo<String>,
    pub show_help: RwSignal<bool>,
    /// Ticks every 30 s so "5 min ago" labels age on screen.
    pub clock: RwSignal<chrono::DateTime<chrono::Utc>>,
}

pub fn use_inbox() -> Option<Inbox> {
    use_context::<Inbox>()
}

pub fn filter_from_query(query: &ParamsMap) -> InboxFilter {
    let get = |key: &str| query.get(key).filter(|v| !v.is_empty());
    InboxFilter {
        tab: get("tab")
            .and_then(|v| v.parse().ok())
            .unwrap_or(InboxTab::All),
        status: get("status").and_then(|v| v.parse::<ConversationStatus>().ok()),
        all_statuses: get("status").as_deref() == Some("any"),
        snoozed: get("status").as_deref() == Some("snoozed"),
        department_id: get("department").and_then(|v| v.parse().ok()),
        channel_id: get("channel").and_then(|v| v.parse().ok()),
        assignee_id: get("assignee").and_then(|v| v.parse().ok()),
        tag: get("tag"),
        priority: get("priority").and_then(|v| v.parse::<Priority>().ok()),
        q: get("q"),
        sort: get("sort")
            .and_then(|v| v.parse().ok())
            .unwrap_or(InboxSort::LastActivity),
        sla: get("sla").and_then(|v| v.parse().ok()),
        ..Default::default()
    }
}

pub fn query_of(filter: &InboxFilter) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if filter.tab != InboxTab::All {
        pairs.push(("tab", filter.tab.as_str().into()));
    }
    match (filter.status, filter.all_statuses, filter.snoozed) {
        (_, _, true) => pairs.push(("status", "snoozed".into())),
        (Some(status), _, _) => pairs.push(("status", status.as_str().into())),
        (None, true, _) => pairs.push(("status", "any".into())),
        _ => {}
    }
    if let Some(id) = filter.department_id {
        pairs.push(("department", id.to_string()));
    }
    if let Some(id) = filter.channel_id {
        pairs.push(("channel", id.to_string()));
    }
    if let Some(id) = filter.assignee_id {
        pairs.push(("assignee", id.to_string()));
    }
    if let Some(tag) = &filter.tag {
        pairs.push(("tag", tag.clone()));
    }
    if let Some(priority) = filter.priority {
        pairs.push(("priority", priority.as_str().into()));
    }
    if let Some(q) = &filter.q {
        pairs.push(("q", q.clone()));
    }
    if let Some(sla) = filter.sla {
        pairs.push(("sla", sla.as_str().into()));
    }
    if filter.sort != InboxSort::LastActivity {
        pairs.push(("sort", filter.sort.as_str().into()));
    }
    pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={}", encode_component(&v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `/inbox/12?tab=mine`-style link that keeps the current filters.
pub fn conversation_href(number: i64, query: &str) -> String {
    if query.is_empty() {
        format!("/inbox/{number}")
    } else {
        format!("/inbox/{number}?{query}")
    }
}

pub fn list_href(query: &str) -> String {
    if query.is_empty() {
        "/inbox".into()
    } else {
        format!("/inbox?{query}")
    }
}

/// The `/inbox` route: provides the inbox state and lays out the panes.
#[component]
pub fn InboxPage() -> impl IntoView {
    crate::util::mark_hydrated();
    let t = use_t();
    let query_map = use_query_map();
    let filter = Memo::new(move |_| filter_from_query(&query_map.read()));
    let query = Memo::new(move |_| query_of(&filter.get()));
    let params = use_params_map();
    let open_number = Memo::new(move |_| {
        params
            .read()
            .get("number")
            .and_then(|n| n.parse::<i64>().ok())
    });
    let inbox = Inbox {
        context: json_resource(|| (), |_| get_inbox_context()),
        read_counts: RwSignal::new(HashMap::new()),
        typing: RwSignal::new(HashMap::new()),
        presence: RwSignal::new(HashMap::new()),
        visible_numbers: RwSignal::new(Vec::new()),
        filter,
        query,
        show_help: RwSignal::new(false),
        clock: RwSignal::new(chrono::Utc::now()),
    };
    provide_context(inbox);
    track_live_state(inbox);
    keyboard_shortcuts(inbox, open_number);

    view! {
        <div class="flex h-full min-h-0" id="inbox">
            <section
                class=move || format!(
                    "min-h-0 w-full flex-col border-r border-slate-200 bg-white lg:flex lg:w-80 lg:shrink-0 2xl:w-96 dark:border-slate-800 dark:bg-slate-900 {}",
                    if open_number.get().is_some() { "hidden" } else { "flex" },
                )
                aria-label=move || t().nav_inbox
            >
                <list::ListPane />
            </section>
            <section class=move || format!(
                "min-h-0 min-w-0 flex-1 flex-col {}",
                if open_number.get().is_some() { "flex" } else { "hidden lg:flex" },
            )>
                <Outlet />
            </section>
        </div>
        <Show when=move || inbox.show_help.get()>
            <ShortcutsHelp on_close=move || inbox.show_help.set(false) />
        </Show>
    }
}

/// Shown in the middle pane when no conversation is open.
#[component]
pub fn NoConversation() -> impl IntoView {
    let t = use_t();
    view! {
        <div class="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center text-slate-500 dark:text-slate-400">
            <Svg icon=Icon::Inbox class="size-12 text-slate-300 dark:text-slate-700" />
            <p class="font-medium text-slate-600 dark:text-slate-300">{move || t().select_conversation}</p>
            <p class="text-sm">{move || (t().shortcut_hint)("?")}</p>
        </div>
    }
}

/// Typing indicators and presence, kept for every pane.
fn track_live_state(inbox: Inbox) {
    let Some(realtime) = use_realtime() else {
        return;
    };
    realtime.subscribe(move |incoming| match incoming {
        Incoming::Event(ServerEvent::Typing {
            conversation_id,
            typist,
            typing,
        }) => {
            let name = match typist {
                Typist::Agent { name, .. } => name.clone(),
                Typist::Contact => String::new(),
            };
            inbox.typing.update(|map| {
                if *typing {
                    map.insert(*conversation_id, (name, now_ms() + 6_000.0));
                } else {
                    map.remove(conversation_id);
                }
            });
        }
        Incoming::Event(ServerEvent::Presence { user_id, online }) => {
            inbox.presence.update(|map| {
                map.insert(*user_id, *online);
            });
        }
        Incoming::Event(ServerEvent::ConversationRead {
            conversation_id,
            read_count,
        }) => {
            inbox.read_counts.update(|map| {
                map.insert(*conversation_id, *read_count);
            });
        }
        _ => {}
    });
    // Typing indicators expire if the "stopped" frame never comes; the
    // clock ticks for relative times.
    #[cfg(feature = "hydrate")]
    {
        let ticks = std::cell::Cell::new(0u32);
        let interval = gloo_timers::callback::Interval::new(2_000, move || {
            let now = now_ms();
            if inbox
                .typing
                .with_untracked(|map| map.values().any(|(_, until)| *until < now))
            {
                inbox
                    .typing
                    .update(|map| map.retain(|_, (_, until)| *until >= now));
            }
            ticks.set(ticks.get() + 1);
            if ticks.get().is_multiple_of(15) {
                inbox.clock.set(chrono::Utc::now());
            }
        });
        let interval = send_wrapper::SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
    }
}

pub fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        chrono::Utc::now().timestamp_millis() as f64
    }
}

/// j/k: next/previous conversation; / search; ? help; Esc back (phones).
/// r, n and e act inside the open conversation (see the composer).
fn keyboard_shortcuts(inbox: Inbox, open_number: Memo<Option<i64>>) {
    #[cfg(feature = "hydrate")]
    {
        let navigate = use_navigate();
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if typing_in_a_field(&ev) || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let step = match ev.key().as_str() {
                "j" => 1,
                "k" => -1,
                "/" => {
                    ev.prevent_default();
                    focus("#inbox-search");
                    return;
                }
                "?" => {
                    inbox.show_help.set(true);
                    return;
                }
                "Escape" => {
                    inbox.show_help.set(false);
                    return;
                }
                _ => return,
            };
            let numbers = inbox.visible_numbers.get_untracked();
            if numbers.is_empty() {
                return;
            }
            let next = match open_number
                .get_untracked()
                .and_then(|n| numbers.iter().position(|x| *x == n))
            {
                Some(index) => (index as i64 + step).clamp(0, numbers.len() as i64 - 1) as usize,
                None => 0,
            };
            navigate(
                &conversation_href(numbers[next], &inbox.query.get_untracked()),
                Default::default(),
            );
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (inbox, open_number, use_navigate);
    }
}

#[cfg(feature = "hydrate")]
pub fn typing_in_a_field(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.has_attribute("contenteditable")
        })
}

pub fn focus(selector: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = selector;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let filter = InboxFilter {
            tab: InboxTab::Mine,
            status: Some(ConversationStatus::Waiting),
            tag: Some("vip cliente".into()),
            q: Some("pedido 12".into()),
            sort: InboxSort::Waiting,
            ..Default::default()
        };
        let query = query_of(&filter);
        assert_eq!(
            query,
            "tab=mine&status=waiting&tag=vip%20cliente&q=pedido%2012&sort=waiting"
        );
        let mut map = ParamsMap::new();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            map.insert(k.to_string(), v.replace("%20", " "));
        }
        assert_eq!(filter_from_query(&map), filter);
    }
}
