//! The timeline of an open conversation: messages, day separators, older
//! pages, and the jump to a search match.

use leptos::html;
use leptos::prelude::*;
use shared::inbox::{Activity, DeliveryStatus, Feeling, MessageKind, MessageView};
use shared::Permission;

use super::{use_open_conversation, OpenConversation};
use crate::api::conversations::{delete_message, list_messages};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::use_session;
use crate::components::widgets::{highlight, BUTTON};
use crate::i18n::Strings;
use crate::pages::inbox::use_inbox;
use crate::prefs::{use_prefs, use_t};
use crate::util::{clock, confirm, day_key, near_day, near_day_time};

#[component]
pub fn Timeline(
    open: OpenConversation,
    older: RwSignal<Option<i64>>,
    number: i64,
) -> impl IntoView {
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
        if open
            .messages
            .with_untracked(|list| list.iter().any(|m| m.id == target))
        {
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
    // Stored, but the provider refused it: its reason, and sending again.
    let refused = message.delivery_status == Some(DeliveryStatus::Failed)
        && message.id > 0
        && message.kind == MessageKind::Outgoing;
    let refusal = message.delivery_error.clone().unwrap_or_default();
    let failed_message = message.clone();
    let can_quote = message.id > 0
        && !message.deleted
        && matches!(message.kind, MessageKind::Incoming | MessageKind::Outgoing)
        && open.is_some_and(|o| o.can_work);
    let to_quote = message.clone();
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
                {message.quoted.clone().map(|quoted| view! { <QuotedBlock quoted=quoted /> })}
                {if message.deleted {
                    view! {
                        <p class="text-sm italic opacity-70">{move || t().message_deleted}</p>
                        {(!message.body.is_empty()).then(|| view! { <p class="whitespace-pre-wrap break-words text-sm line-through opacity-60">{message.body.clone()}</p> })}
                    }.into_any()
                } else {
                    let email = message.email.clone();
                    // Sanitized on arrival (an allow-list): safe as markup.
                    let html = email.as_ref().and_then(|e| e.html.clone()).filter(|_| matched.is_none());
                    view! {
                        {email.as_ref().filter(|e| !e.subject.is_empty()).map(|e| view! {
                            <p class="mb-0.5 text-xs font-semibold" data-email-subject="">{e.subject.clone()}</p>
                        })}
                        {message.attachment.clone().map(|a| view! { <AttachmentPreview attachment=a /> })}
                        {match html {
                            Some(html) => view! { <div class="email-html max-w-full overflow-x-auto break-words text-sm [&_a]:underline [&_p]:my-1" data-email-html="" inner_html=html></div> }.into_any(),
                            None => (!message.body.is_empty()).then(|| match &matched {
                                Some(term) => view! { <p class="whitespace-pre-wrap break-words text-sm">{highlight(&message.body, term)}</p> }.into_any(),
                                None => view! { <p class="whitespace-pre-wrap break-words text-sm">{message.body.clone()}</p> }.into_any(),
                            }).into_any(),
                        }}
                        {email.and_then(|e| e.quoted).map(|quoted| view! {
                            <details class="mt-1 text-xs opacity-80" data-email-quoted="">
                                <summary class="cursor-pointer select-none">{move || t().show_quoted_text}</summary>
                                <p class="mt-1 whitespace-pre-wrap break-words border-l-2 border-current pl-2 opacity-80">{quoted}</p>
                            </details>
                        })}
                    }.into_any()
                }}
                <p class="mt-0.5 flex items-center justify-end gap-1 text-[11px] opacity-90">
                    {message.sentiment.and_then(feeling_mark)}
                    {at}
                    {(message.kind == MessageKind::Outgoing).then(|| view! { <DeliveryTicks status=message.delivery_status /> })}
                </p>
                {retry.then(|| view! {
                    <button type="button" class="mt-1 text-xs font-semibold underline" data-retry=id
                        on:click=move |_| { if let Some(open) = open { crate::pages::inbox::composer::resend(open, number, failed_message.clone()) } }>
                        {move || t().failed_retry}
                    </button>
                })}
                {refused.then(|| view! {
                    <p class="mt-1 text-xs font-medium" data-delivery-error="">{refusal.clone()}</p>
                    <button type="button" class="mt-1 text-xs font-semibold underline" data-retry-send=id
                        on:click=move |_| {
                            leptos::task::spawn_local(async move {
                                if let Err(err) = crate::api::conversations::retry_message(id).await {
                                    if let Some(open) = open { open.error.set(Some(err)) }
                                }
                            });
                        }>
                        {move || t().retry_send}
                    </button>
                })}
            </div>
            {can_quote.then(|| view! {
                <button type="button" class="ml-1 hidden self-center rounded p-1 text-xs text-slate-500 hover:text-blue-700 group-hover:block group-focus-within:block dark:text-slate-400" data-quote=id
                    aria-label=move || t().reply_to_message title=move || t().reply_to_message
                    on:click=move |_| {
                        if let Some(open) = open {
                            open.replying_to.set(Some(to_quote.clone()));
                            crate::pages::inbox::focus("#composer-input");
                        }
                    }>
                    <Svg icon=Icon::Reply class="size-3.5" />
                </button>
            })}
            {can_delete.then(|| view! {
                <button type="button" class="ml-1 hidden self-center rounded p-1 text-xs text-slate-500 hover:text-red-600 group-hover:block dark:text-slate-400" aria-label=move || t().delete
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

/// A subtle mark on a customer's message the AI reads as unhappy or happy
/// (nothing on neutral ones), said in words to screen readers.
fn feeling_mark(feeling: Feeling) -> Option<impl IntoView> {
    let t = use_t();
    let (mark, label): (&str, fn(&Strings) -> &'static str) = match feeling {
        Feeling::Negative => ("🙁", |t| t.customer_seems_unhappy),
        Feeling::Positive => ("🙂", |t| t.customer_seems_happy),
        Feeling::Neutral => return None,
    };
    Some(view! {
        <span class="message-feeling" data-feeling=feeling.as_str() role="img"
            aria-label=move || label(t()) title=move || label(t())>{mark}</span>
    })
}

/// The message a reply answers, above the reply's text.
#[component]
fn QuotedBlock(quoted: shared::inbox::QuotedMessage) -> impl IntoView {
    let t = use_t();
    let who = quoted.sender_name.clone();
    let from_customer = quoted.kind == MessageKind::Incoming;
    view! {
        <div class="mb-1 rounded-md border-l-4 border-current bg-black/5 px-2 py-1 text-xs opacity-90 dark:bg-white/10" data-quoted=quoted.id>
            <p class="font-semibold">{move || if from_customer { t().quoted_customer.to_string() } else { who.clone().unwrap_or_default() }}</p>
            <p class="line-clamp-2 whitespace-pre-wrap break-words">{quoted.excerpt.clone()}</p>
        </div>
    }
}

#[component]
fn DeliveryTicks(status: Option<DeliveryStatus>) -> impl IntoView {
    let t = use_t();
    // Read and failed also say so in words: two ticks differing only in
    // colour are easy to miss on a blue bubble.
    let (icon, class, label, spelled_out): (Icon, &str, fn(&Strings) -> &'static str, bool) =
        match status {
            Some(DeliveryStatus::Pending) | None => {
                (Icon::Clock, "", |t| t.delivery_pending, false)
            }
            Some(DeliveryStatus::Sent) => (Icon::Check, "", |t| t.delivery_sent, false),
            Some(DeliveryStatus::Delivered) => {
                (Icon::CheckDouble, "", |t| t.delivery_delivered, false)
            }
            Some(DeliveryStatus::Read) => (
                Icon::CheckDouble,
                "inline-flex items-center gap-0.5 font-semibold text-yellow-200",
                |t| t.delivery_read,
                true,
            ),
            Some(DeliveryStatus::Failed) => (
                Icon::Alert,
                "inline-flex items-center gap-0.5 font-semibold text-red-200",
                |t| t.delivery_failed,
                true,
            ),
        };
    let status_name = status.map(|s| s.as_str()).unwrap_or("pending");
    view! {
        <span class=class title=move || label(t()) data-delivery=status_name>
            <Svg icon=icon class="size-3.5" />
            <span class=if spelled_out { "" } else { "sr-only" }>{move || label(t())}</span>
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
        Activity::Routed { to, reason } => (t.activity_routed)(to, *reason),
        Activity::SlaBreached { target } => (t.activity_sla_breached)(*target),
        Activity::LowQualityScore { score, threshold } => {
            (t.activity_low_score)(*score, *threshold)
        }
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
            &Activity::Snoozed {
                until,
                by: "Ana".into(),
            },
            -180,
            shared::Locale::En,
        );
        assert!(!snoozed.contains("UTC"), "{snoozed}");
    }
}
