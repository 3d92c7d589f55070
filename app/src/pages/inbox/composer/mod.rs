//! The composer: reply or internal note, optimistic sending with retry, the
//! keyboard handling and the layout. `/` quick replies, `@` mentions, the AI's
//! suggested replies, attachments, emoji and typing signals live in the submodules.

mod attachments;
mod draft;
mod emoji;
mod suggested_replies;
mod suggestions;
mod templates;
mod typing;

use leptos::html;
use leptos::prelude::*;
use shared::inbox::{DeliveryStatus, MessageView};
use uuid::Uuid;

use self::attachments::{chosen_file, dropped_file, pasted_file, Upload, UploadStatus};
use self::emoji::EmojiPicker;
use self::suggested_replies::suggested_replies;
use self::suggestions::{MentionList, QuickReplyList, Suggestions};
use self::templates::{template_picker, uses_templates, window_closed};
use self::typing::Typing;
use super::conversation::{pending_message, use_open_conversation, OpenConversation};
use super::use_inbox;
use crate::api::conversations::send_message;
use crate::components::icons::{Icon, Svg};
use crate::components::layout::use_session;
use crate::prefs::{use_prefs, use_t};

/// A random UUID for idempotent sends (not a secret, so `Math.random` does).
fn new_client_id() -> Uuid {
    let mut bytes = [0u8; 16];
    for byte in bytes.iter_mut() {
        #[cfg(feature = "hydrate")]
        {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
        #[cfg(not(feature = "hydrate"))]
        {
            *byte = (chrono::Utc::now().timestamp_subsec_nanos() % 256) as u8;
        }
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// What a reply shows of the message it answers.
pub fn quote_of(message: &MessageView) -> shared::inbox::QuotedMessage {
    shared::inbox::QuotedMessage {
        id: message.id,
        kind: message.kind,
        sender_name: message.sender_name.clone(),
        excerpt: message.body.chars().take(140).collect(),
    }
}

/// Sends a failed message again, with the same client id (so it is never
/// stored twice).
pub fn resend(open: OpenConversation, number: i64, failed: MessageView) {
    leptos::task::spawn_local(async move {
        send_again(open, number, failed).await;
    });
}

/// How long a message that failed again waits before the next try (the
/// connection may have come back before the server is reachable).
const RESEND_BACKOFF_MS: [u32; 4] = [1_000, 2_000, 4_000, 8_000];

/// Every message that failed to go out, again, in the order they were
/// written (after the connection comes back), each tried a few more times
/// with growing pauses before waiting for the next reconnection.
fn resend_failed(open: OpenConversation, number: i64) {
    let failed: Vec<MessageView> = open.messages.with_untracked(|list| {
        list.iter()
            .filter(|m| m.id < 0 && m.delivery_status == Some(DeliveryStatus::Failed))
            .cloned()
            .collect()
    });
    open.error.set(None);
    if failed.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        for message in failed {
            let mut sent = send_again(open, number, message.clone()).await;
            for _pause in RESEND_BACKOFF_MS {
                if sent {
                    break;
                }
                #[cfg(feature = "hydrate")]
                gloo_timers::future::TimeoutFuture::new(_pause).await;
                sent = send_again(open, number, message.clone()).await;
            }
            if !sent {
                break;
            }
        }
    });
}

/// One more attempt at a message; false when it failed again.
async fn send_again(open: OpenConversation, number: i64, failed: MessageView) -> bool {
    let note = failed.kind == shared::inbox::MessageKind::Note;
    let mut pending = failed.clone();
    pending.delivery_status = Some(DeliveryStatus::Pending);
    open.upsert(pending);
    let attachment_id = failed.attachment.as_ref().map(|a| a.id);
    match send_message(
        number,
        failed.body.clone(),
        note,
        failed.client_id,
        attachment_id,
        failed.mentions.clone(),
        failed.quoted.as_ref().map(|q| q.id),
    )
    .await
    {
        Ok(view) => {
            open.upsert(view);
            open.error.set(None);
            true
        }
        Err(err) => {
            let mut again = failed;
            again.delivery_status = Some(DeliveryStatus::Failed);
            open.upsert(again);
            open.error.set(Some(err));
            false
        }
    }
}

/// Sizes the box to its text, between two lines and 40 % of the window.
#[cfg(feature = "hydrate")]
fn fit_height(el: &web_sys::HtmlTextAreaElement) {
    let max = window()
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .map_or(240, |h| (h * 0.4) as i32);
    let _ = el.set_attribute("style", "height:auto");
    let height = el.scroll_height().clamp(44, max.max(44));
    let _ = el.set_attribute("style", &format!("height:{height}px"));
}

#[component]
pub fn Composer(number: i64) -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let session = use_session();
    let Some(open) = use_open_conversation() else {
        return ().into_any();
    };
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let conversation_id = open.summary.get_untracked().id;
    let me_name = session.user.name.clone();
    let text = RwSignal::new(String::new());
    let note = RwSignal::new(false);
    let mentions = RwSignal::new(Vec::<(Uuid, String)>::new());
    let upload = RwSignal::new(None::<Upload>);
    let highlighted = RwSignal::new(0usize);
    let textarea = NodeRef::<html::Textarea>::new();
    let file_input = NodeRef::<html::Input>::new();
    // WhatsApp Cloud numbers: templates, the only thing the closed 24-hour
    // window lets through.
    let whatsapp = uses_templates(open);
    let closed = window_closed(open);
    let template_shown = RwSignal::new(false);
    let template_loaded: Signal<bool> = if whatsapp {
        leptos::lazy_preload!(self::templates::template_picker).into()
    } else {
        Signal::stored(false)
    };
    // E-mail: the reply's subject is shown, and longer text has room.
    let email_subject = {
        let summary = open.summary.get_untracked();
        (summary.channel_kind == shared::inbox::ChannelKind::Email)
            .then(|| shared::inbox::email_reply_subject(summary.subject.as_deref(), summary.number))
    };
    let rows = if email_subject.is_some() { 6 } else { 2 };

    // The draft left here comes back (after hydration: it lives in this
    // browser only), and every change is kept.
    let account = session.account.id;
    Effect::new(move |restored: Option<bool>| {
        if restored.is_none() {
            if let Some(saved) = draft::load(account, number) {
                text.set(saved.text);
                note.set(saved.note);
            }
            text.track();
            note.track();
            return true;
        }
        draft::save(
            account,
            number,
            &draft::Draft {
                text: text.get(),
                note: note.get(),
            },
        );
        true
    });
    // Back online: what failed to go out goes now, in order.
    if let Some(realtime) = crate::realtime::use_realtime() {
        realtime.subscribe(move |incoming| {
            if matches!(incoming, crate::realtime::Incoming::Resync { .. }) {
                resend_failed(open, number);
            }
        });
    }

    let suggestions = Suggestions::new(
        open,
        inbox,
        text,
        note,
        mentions,
        highlighted,
        me_name.clone(),
    );
    let typing = Typing::new(conversation_id, note);
    let suggested_loaded = leptos::lazy_preload!(self::suggested_replies::suggested_replies);

    let send = {
        let me_name = me_name.clone();
        move || {
            let body = text.get_untracked();
            let attachment = match upload.get_untracked() {
                Some(Upload::Done(a)) => Some(a),
                Some(Upload::Progress { .. }) => return,
                _ => None,
            };
            if body.trim().is_empty() && attachment.is_none() {
                return;
            }
            let is_note = note.get_untracked();
            let mention_ids: Vec<Uuid> = mentions
                .get_untracked()
                .into_iter()
                .filter(|(_, name)| is_note && body.contains(&format!("@{name}")))
                .map(|(id, _)| id)
                .collect();
            let client_id = new_client_id();
            let mut pending =
                pending_message(conversation_id, body.trim(), is_note, client_id, &me_name);
            pending.attachment = attachment.clone();
            pending.mentions = mention_ids.clone();
            let quoting = open.replying_to.get_untracked();
            pending.quoted = quoting.as_ref().map(quote_of);
            let reply_to = quoting.map(|m| m.id);
            open.upsert(pending.clone());
            open.replying_to.set(None);
            text.set(String::new());
            upload.set(None);
            mentions.set(vec![]);
            typing.stop();
            leptos::task::spawn_local(async move {
                match send_message(
                    number,
                    pending.body.clone(),
                    is_note,
                    Some(client_id),
                    attachment.map(|a| a.id),
                    mention_ids,
                    reply_to,
                )
                .await
                {
                    Ok(view) => {
                        open.upsert(view);
                        open.error.set(None);
                    }
                    Err(err) => {
                        pending.delivery_status = Some(DeliveryStatus::Failed);
                        open.upsert(pending);
                        open.error.set(Some(err));
                    }
                }
            });
        }
    };

    let start_upload =
        move |file| attachments::start_upload(file, upload, inbox, prefs.locale.get_untracked());

    // r: reply, n: note, e: resolve — when not typing somewhere else.
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if super::typing_in_a_field(&ev) || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            match ev.key().as_str() {
                "r" => {
                    ev.prevent_default();
                    note.set(false);
                    super::focus("#composer-input");
                }
                "n" => {
                    ev.prevent_default();
                    note.set(true);
                    super::focus("#composer-input");
                }
                "e" => {
                    let t = crate::i18n::strings(prefs.locale.get_untracked());
                    open.resolve((t.toast_resolved)(number));
                }
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }

    let on_keydown = {
        let send = send.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let options = suggestions.count_untracked();
            match ev.key().as_str() {
                "ArrowDown" if options > 0 => {
                    ev.prevent_default();
                    highlighted.update(|h| *h = (*h + 1) % options);
                }
                "ArrowUp" if options > 0 => {
                    ev.prevent_default();
                    highlighted.update(|h| *h = (*h + options - 1) % options);
                }
                "Enter" | "Tab" if options > 0 => {
                    ev.prevent_default();
                    suggestions.choose(highlighted.get_untracked());
                }
                "Escape" if options > 0 => {
                    ev.prevent_default();
                    text.update(|v| v.push(' '));
                }
                "Enter" if !ev.shift_key() && !ev.is_composing() => {
                    ev.prevent_default();
                    send();
                }
                _ => {}
            }
        }
    };

    // The box grows with what is typed, up to 40 % of the window.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        text.track();
        if let Some(el) = textarea.get() {
            request_animation_frame(move || fit_height(&el));
        }
    });
    let placeholder = move || {
        if note.get() {
            t().note_placeholder
        } else {
            t().reply_placeholder
        }
    };
    let send_button = send.clone();

    view! {
        <div class=move || format!("relative shrink-0 border-t p-2 {}", if note.get() {
            "border-amber-300 bg-amber-50 dark:border-amber-800 dark:bg-amber-950/40"
        } else {
            "border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900"
        }) id="composer"
            on:dragover=move |ev| ev.prevent_default()
            on:drop=move |ev| {
                ev.prevent_default();
                if let Some(file) = dropped_file(&ev) {
                    start_upload(file);
                }
            }>
            <div class="mb-1 flex items-center gap-1 text-xs [@media(max-height:540px)]:mb-0.5" role="tablist">
                <button type="button" role="tab" id="mode-reply" aria-selected=move || (!note.get()).to_string()
                    class=move || format!("whitespace-nowrap rounded-md px-2 py-1 font-medium {}", if note.get() { "text-slate-500 dark:text-slate-400" } else { "bg-blue-50 text-blue-800 dark:bg-blue-950 dark:text-blue-200" })
                    on:click=move |_| note.set(false) title=move || (t().shortcut_hint)("r")>
                    {move || t().reply}
                </button>
                <button type="button" role="tab" id="mode-note" aria-selected=move || note.get().to_string()
                    class=move || format!("whitespace-nowrap rounded-md px-2 py-1 font-medium {}", if note.get() { "bg-amber-200 text-amber-900 dark:bg-amber-900 dark:text-amber-100" } else { "text-slate-500 dark:text-slate-400" })
                    on:click=move |_| note.set(true) title=move || (t().shortcut_hint)("n")>
                    {move || t().internal_note}
                </button>
                {whatsapp.then(|| view! {
                    <button type="button" id="template-button" aria-expanded=move || template_shown.get().to_string()
                        class=move || format!("whitespace-nowrap rounded-md px-2 py-1 font-medium {}", if template_shown.get() { "bg-green-100 text-green-900 dark:bg-green-950 dark:text-green-100" } else { "text-slate-500 dark:text-slate-400" })
                        on:click=move |_| template_shown.update(|s| *s = !*s)>
                        {move || t().use_template}
                    </button>
                })}
                <span class="ml-auto hidden truncate text-slate-500 xl:inline dark:text-slate-400">{move || t().composer_hint}</span>
            </div>
            {whatsapp.then(|| view! {
                <Show when=move || closed.get() && !note.get() && !template_shown.get()>
                    <p class="mb-1 flex flex-wrap items-center gap-2 rounded-md bg-amber-50 px-2 py-1 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100" role="status" id="window-closed">
                        {move || t().window_closed}
                        <button type="button" class="font-semibold underline" on:click=move |_| template_shown.set(true)>{move || t().use_template}</button>
                    </p>
                </Show>
                <Show when=move || template_shown.get() && template_loaded.get()>
                    <Suspense>
                        {move || Suspend::new(async move { template_picker(number, open, template_shown).await })}
                    </Suspense>
                </Show>
            })}

            // Quick replies and mentions pop up above the input.
            <QuickReplyList suggestions=suggestions />
            <MentionList suggestions=suggestions />
            // The AI's suggested replies: browser-only, once their chunk
            // has arrived (like the contact panel).
            <Show when=move || suggested_loaded.get()>
                <Suspense>
                    {move || Suspend::new(async move { suggested_replies(number, open, text, note).await })}
                </Suspense>
            </Show>

            <UploadStatus upload=upload />
            {move || open.replying_to.get().map(|quoted| view! {
                <div class="mb-1 flex items-start gap-2 rounded-md border-l-4 border-blue-600 bg-slate-50 px-2 py-1 text-xs dark:bg-slate-800" id="replying-to">
                    <div class="min-w-0 flex-1">
                        <p class="font-semibold text-blue-800 dark:text-blue-300">{move || t().replying_to}</p>
                        <p class="truncate text-slate-600 dark:text-slate-300">{quoted.body.chars().take(140).collect::<String>()}</p>
                    </div>
                    <button type="button" class="rounded p-0.5 text-slate-500 hover:text-slate-800 dark:text-slate-400" aria-label=move || t().cancel
                        on:click=move |_| open.replying_to.set(None)>
                        <Svg icon=Icon::Close class="size-3.5" />
                    </button>
                </div>
            })}

            {email_subject.map(|subject| view! {
                <Show when=move || !note.get()>
                    <p class="mb-1 truncate text-xs text-slate-600 dark:text-slate-300" id="email-subject">
                        <span class="font-semibold">{move || t().email_subject} ": "</span>{subject.clone()}
                    </p>
                </Show>
            })}
            <div class="flex items-end gap-1">
                <label for="composer-input" class="sr-only">{placeholder}</label>
                <textarea node_ref=textarea id="composer-input" rows=rows placeholder=placeholder
                    class="min-h-10 flex-1 resize-none rounded-lg [@media(max-height:540px)]:h-10 border border-slate-300 bg-white px-3 py-2 text-sm focus:border-blue-600 focus:outline-none focus:ring-2 focus:ring-blue-600/20 dark:border-slate-600 dark:bg-slate-900"
                    prop:value=move || text.get()
                    on:input=move |ev| { text.set(event_target_value(&ev)); highlighted.set(0); typing.keystroke(); }
                    on:keydown=on_keydown
                    on:paste=move |ev| { if let Some(file) = pasted_file(&ev) { ev.prevent_default(); start_upload(file); } }
                ></textarea>
                <EmojiPicker text=text />
                <button type="button" class="rounded-lg p-2 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800 dark:text-slate-400" aria-label=move || t().attach title=move || t().attach
                    on:click=move |_| { if let Some(input) = file_input.get() { input.click() } }>
                    <Svg icon=Icon::Paperclip />
                </button>
                <input node_ref=file_input type="file" class="hidden" id="file-input"
                    on:change=move |ev| { if let Some(file) = chosen_file(&ev) { start_upload(file) } } />
                <button type="button" id="send" class="rounded-lg bg-blue-700 p-2 text-white hover:bg-blue-800 disabled:opacity-50" aria-label=move || t().send
                    disabled=move || matches!(upload.get(), Some(Upload::Progress { .. }))
                    on:click=move |_| send_button()>
                    <Svg icon=Icon::Send />
                </button>
            </div>
        </div>
    }
    .into_any()
}
