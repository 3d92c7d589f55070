//! The composer: reply or internal note, `/` quick replies, `@` mentions in
//! notes, emoji, attachments (button, paste, drag and drop) with upload
//! progress, optimistic sending with retry, and typing signals.

use leptos::html;
use leptos::prelude::*;
use shared::events::ClientEvent;
use shared::inbox::{
    render_template, AgentOption, AttachmentView, DeliveryStatus, MessageView, QuickReply,
};
use uuid::Uuid;

use super::conversation::{human_size, pending_message, use_open_conversation, OpenConversation};
use super::{now_ms, use_inbox};
use crate::api::conversations::send_message;
#[cfg(feature = "hydrate")]
use crate::api::conversations::set_conversation_status;
use crate::components::icons::{Icon, Svg};
use crate::components::layout::use_session;
use crate::prefs::{use_prefs, use_t};
use crate::realtime::use_realtime;

const EMOJI: &[&str] = &[
    "😀", "😃", "😊", "🙂", "😉", "😍", "🤩", "😅", "😂", "🤔", "😐", "😕", "😢", "😭", "😡", "👍",
    "👎", "👏", "🙏", "👋", "🤝", "💪", "🙌", "✅", "❌", "⚠️", "❗", "❓", "⏰", "📦", "🚚", "💳",
    "💰", "🧾", "📎", "📷", "📞", "✉️", "🎉", "❤️", "💙", "⭐", "🔥", "💡", "🛒", "🏷️", "📍", "🕐",
];

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

/// The `/query` being typed, if the composer holds a quick-reply command.
pub fn quick_reply_query(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('/')?;
    (!rest.contains(char::is_whitespace)).then_some(rest)
}

/// The `@query` at the end of the text, if one is being typed.
pub fn mention_query(text: &str) -> Option<&str> {
    let at = text.rfind('@')?;
    let before_ok = at == 0 || text[..at].ends_with(char::is_whitespace);
    let query = &text[at + 1..];
    (before_ok && !query.contains(char::is_whitespace) && query.chars().count() <= 30)
        .then_some(query)
}

fn folded(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' => 'a',
            'é' | 'ê' => 'e',
            'í' => 'i',
            'ó' | 'ô' | 'õ' => 'o',
            'ú' => 'u',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

/// Sends a failed message again, with the same client id (so it is never
/// stored twice).
pub fn resend(open: OpenConversation, number: i64, failed: MessageView) {
    let note = failed.kind == shared::inbox::MessageKind::Note;
    let mut pending = failed.clone();
    pending.delivery_status = Some(DeliveryStatus::Pending);
    open.upsert(pending);
    leptos::task::spawn_local(async move {
        let attachment_id = failed.attachment.as_ref().map(|a| a.id);
        match send_message(
            number,
            failed.body.clone(),
            note,
            failed.client_id,
            attachment_id,
            failed.mentions.clone(),
        )
        .await
        {
            Ok(view) => {
                open.upsert(view);
                open.error.set(None);
            }
            Err(err) => {
                let mut again = failed;
                again.delivery_status = Some(DeliveryStatus::Failed);
                open.upsert(again);
                open.error.set(Some(err));
            }
        }
    });
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Upload {
    Progress { name: String, percent: u32 },
    Done(AttachmentView),
    Failed(String),
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
    let show_emoji = RwSignal::new(false);
    let textarea = NodeRef::<html::Textarea>::new();
    let file_input = NodeRef::<html::Input>::new();

    let quick_replies = Memo::new(move |_| -> Vec<QuickReply> {
        let value = text.get();
        let Some(query) = quick_reply_query(&value).map(folded) else {
            return vec![];
        };
        inbox
            .context
            .get()
            .and_then(Result::ok)
            .map(|c| c.quick_replies)
            .unwrap_or_default()
            .into_iter()
            .filter(|q| {
                folded(&q.shortcut).starts_with(&query) || folded(&q.content).contains(&query)
            })
            .take(8)
            .collect()
    });
    let mention_options = Memo::new(move |_| -> Vec<AgentOption> {
        if !note.get() {
            return vec![];
        }
        let value = text.get();
        let Some(query) = mention_query(&value).map(folded) else {
            return vec![];
        };
        inbox
            .context
            .get()
            .and_then(Result::ok)
            .map(|c| c.agents)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| {
                folded(&a.name)
                    .split_whitespace()
                    .any(|word| word.starts_with(&query))
                    || folded(&a.name).starts_with(&query)
            })
            .take(6)
            .collect()
    });

    let agent_name = StoredValue::new(me_name.clone());
    let apply_quick_reply = move |reply: QuickReply| {
        let summary = open.summary.get_untracked();
        let number_text = summary.number.to_string();
        let me = agent_name.get_value();
        let vars = [
            ("contact.name", summary.contact_name.as_str()),
            ("agent.name", me.as_str()),
            ("conversation.number", number_text.as_str()),
        ];
        text.set(render_template(&reply.content, &vars));
        highlighted.set(0);
        super::focus("#composer-input");
    };
    let apply_mention = move |agent: AgentOption| {
        text.update(|value| {
            if let Some(at) = value.rfind('@') {
                value.truncate(at);
                value.push_str(&format!("@{} ", agent.name));
            }
        });
        mentions.update(|list| {
            if !list.iter().any(|(id, _)| *id == agent.user_id) {
                list.push((agent.user_id, agent.name.clone()));
            }
        });
        highlighted.set(0);
        super::focus("#composer-input");
    };

    // Typing: "typing" at most every 3 s, "stopped" after 4 s of quiet.
    let last_typing = StoredValue::new(0.0_f64);
    let stop_at = StoredValue::new(0.0_f64);
    let realtime = use_realtime();
    let send_typing = move |typing: bool| {
        if let Some(realtime) = realtime {
            realtime.send(&ClientEvent::Typing {
                conversation_id,
                typing,
                note: note.get_untracked(),
            });
        }
    };
    let on_typing = move || {
        let now = now_ms();
        if now - last_typing.get_value() > 3_000.0 {
            last_typing.set_value(now);
            send_typing(true);
        }
        stop_at.set_value(now + 4_000.0);
        #[cfg(feature = "hydrate")]
        gloo_timers::callback::Timeout::new(4_100, move || {
            if stop_at
                .try_get_value()
                .is_some_and(|at| now_ms() >= at && at > 0.0)
            {
                stop_at.set_value(0.0);
                last_typing.set_value(0.0);
                send_typing(false);
            }
        })
        .forget();
    };

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
            open.upsert(pending.clone());
            text.set(String::new());
            upload.set(None);
            mentions.set(vec![]);
            stop_at.set_value(0.0);
            last_typing.set_value(0.0);
            send_typing(false);
            leptos::task::spawn_local(async move {
                match send_message(
                    number,
                    pending.body.clone(),
                    is_note,
                    Some(client_id),
                    attachment.map(|a| a.id),
                    mention_ids,
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

    let start_upload = move |file: FileToUpload| {
        let limit_mb = inbox
            .context
            .get_untracked()
            .and_then(Result::ok)
            .map(|c| c.attachment_limit_mb)
            .unwrap_or(16);
        if file.size > f64::from(limit_mb) * 1024.0 * 1024.0 {
            upload.set(Some(Upload::Failed((crate::i18n::strings(
                prefs.locale.get_untracked(),
            )
            .file_too_large_mb)(
                limit_mb
            ))));
            return;
        }
        upload.set(Some(Upload::Progress {
            name: file.name.clone(),
            percent: 0,
        }));
        upload_file(file, upload, prefs.locale.get_untracked());
    };

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
                "e" => open.act(set_conversation_status(
                    number,
                    shared::inbox::ConversationStatus::Resolved,
                    None,
                )),
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }

    let on_keydown = {
        let send = send.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let options = quick_replies
                .get_untracked()
                .len()
                .max(mention_options.get_untracked().len());
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
                    let index = highlighted.get_untracked();
                    if let Some(reply) = quick_replies.get_untracked().get(index).cloned() {
                        apply_quick_reply(reply);
                    } else if let Some(agent) = mention_options.get_untracked().get(index).cloned()
                    {
                        apply_mention(agent);
                    }
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

    let rows = move || text.with(|v| v.lines().count().clamp(2, 8));
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
            <div class="mb-1 flex items-center gap-1 text-xs" role="tablist">
                <button type="button" role="tab" id="mode-reply" aria-selected=move || (!note.get()).to_string()
                    class=move || format!("whitespace-nowrap rounded-md px-2 py-1 font-medium {}", if note.get() { "text-slate-500" } else { "bg-blue-50 text-blue-800 dark:bg-blue-950 dark:text-blue-200" })
                    on:click=move |_| note.set(false) title=move || (t().shortcut_hint)("r")>
                    {move || t().reply}
                </button>
                <button type="button" role="tab" id="mode-note" aria-selected=move || note.get().to_string()
                    class=move || format!("whitespace-nowrap rounded-md px-2 py-1 font-medium {}", if note.get() { "bg-amber-200 text-amber-900 dark:bg-amber-900 dark:text-amber-100" } else { "text-slate-500" })
                    on:click=move |_| note.set(true) title=move || (t().shortcut_hint)("n")>
                    {move || t().internal_note}
                </button>
                <span class="ml-auto hidden truncate text-slate-400 xl:inline">{move || t().composer_hint}</span>
            </div>

            // Quick replies and mentions pop up above the input.
            <Show when=move || !quick_replies.with(Vec::is_empty)>
                <ul class="absolute bottom-full left-2 right-2 z-20 mb-1 max-h-64 overflow-y-auto rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900" role="listbox" id="quick-replies">
                    {move || quick_replies.get().into_iter().enumerate().map(|(index, reply)| {
                        let chosen = reply.clone();
                        view! {
                            <li role="option" aria-selected=move || (highlighted.get() == index).to_string()
                                class=move || format!("cursor-pointer rounded-lg px-3 py-2 text-sm {}", if highlighted.get() == index { "bg-blue-50 dark:bg-blue-950" } else { "" })
                                on:mousedown=move |ev| { ev.prevent_default(); apply_quick_reply(chosen.clone()) }>
                                <span class="font-mono text-xs text-blue-700 dark:text-blue-300">"/" {reply.shortcut.clone()}</span>
                                <p class="truncate text-slate-600 dark:text-slate-300">{reply.content.clone()}</p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
            <Show when=move || !mention_options.with(Vec::is_empty)>
                <ul class="absolute bottom-full left-2 z-20 mb-1 w-64 rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900" role="listbox" id="mention-options">
                    {move || mention_options.get().into_iter().enumerate().map(|(index, agent)| {
                        let chosen = agent.clone();
                        view! {
                            <li role="option" aria-selected=move || (highlighted.get() == index).to_string()
                                class=move || format!("flex cursor-pointer items-center gap-2 rounded-lg px-3 py-2 text-sm {}", if highlighted.get() == index { "bg-amber-50 dark:bg-amber-950" } else { "" })
                                on:mousedown=move |ev| { ev.prevent_default(); apply_mention(chosen.clone()) }>
                                <span class=if agent.online { "size-2 rounded-full bg-emerald-500" } else { "size-2 rounded-full bg-slate-300" }></span>
                                {agent.name.clone()}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>

            {move || upload.get().map(|state| match state {
                Upload::Progress { name, percent } => view! {
                    <div class="mb-1 rounded-lg bg-slate-100 p-2 text-xs dark:bg-slate-800" id="upload-progress">
                        <p class="truncate">{name} " — " {(t().uploading_pct)(percent)}</p>
                        <div class="mt-1 h-1.5 rounded bg-slate-200 dark:bg-slate-700" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                            <div class="h-1.5 rounded bg-blue-600" style=format!("width: {percent}%")></div>
                        </div>
                    </div>
                }.into_any(),
                Upload::Done(attachment) => view! {
                    <div class="mb-1 flex items-center gap-2 rounded-lg bg-slate-100 p-2 text-xs dark:bg-slate-800" id="upload-ready">
                        <Svg icon=Icon::Paperclip class="size-4" />
                        <span class="truncate">{attachment.file_name.clone()}</span>
                        <span class="text-slate-500">{human_size(attachment.size_bytes)}</span>
                        <button type="button" class="ml-auto rounded p-0.5 hover:bg-slate-200 dark:hover:bg-slate-700" on:click=move |_| upload.set(None) aria-label=move || t().remove>
                            <Svg icon=Icon::Close class="size-3.5" />
                        </button>
                    </div>
                }.into_any(),
                Upload::Failed(message) => view! {
                    <p class="mb-1 rounded-lg bg-red-50 p-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-200" role="alert">{message}</p>
                }.into_any(),
            })}

            <div class="flex items-end gap-1">
                <label for="composer-input" class="sr-only">{placeholder}</label>
                <textarea node_ref=textarea id="composer-input" rows=rows placeholder=placeholder
                    class="min-h-10 flex-1 resize-none rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm focus:border-blue-600 focus:outline-none focus:ring-2 focus:ring-blue-600/20 dark:border-slate-600 dark:bg-slate-900"
                    prop:value=move || text.get()
                    on:input=move |ev| { text.set(event_target_value(&ev)); highlighted.set(0); on_typing(); }
                    on:keydown=on_keydown
                    on:paste=move |ev| { if let Some(file) = pasted_file(&ev) { ev.prevent_default(); start_upload(file); } }
                ></textarea>
                <div class="relative">
                    <button type="button" class="rounded-lg p-2 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800" aria-label=move || t().emoji title=move || t().emoji
                        on:click=move |_| show_emoji.update(|s| *s = !*s) aria-expanded=move || show_emoji.get().to_string()>
                        <Svg icon=Icon::Smile />
                    </button>
                    <Show when=move || show_emoji.get()>
                        <div class="absolute bottom-full right-0 z-20 mb-1 grid w-64 grid-cols-8 gap-1 rounded-xl border border-slate-200 bg-white p-2 shadow-lg dark:border-slate-700 dark:bg-slate-900" id="emoji-picker">
                            {EMOJI.iter().map(|emoji| view! {
                                <button type="button" class="rounded p-1 text-lg hover:bg-slate-100 dark:hover:bg-slate-800"
                                    on:click=move |_| { text.update(|v| v.push_str(emoji)); show_emoji.set(false); super::focus("#composer-input"); }>
                                    {*emoji}
                                </button>
                            }).collect_view()}
                        </div>
                    </Show>
                </div>
                <button type="button" class="rounded-lg p-2 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800" aria-label=move || t().attach title=move || t().attach
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

/// A file the browser handed us (input, paste or drop).
struct FileToUpload {
    name: String,
    size: f64,
    #[cfg(feature = "hydrate")]
    file: web_sys::File,
}

#[cfg(feature = "hydrate")]
fn first_file(files: Option<web_sys::FileList>) -> Option<FileToUpload> {
    let file = files?.get(0)?;
    Some(FileToUpload {
        name: file.name(),
        size: file.size(),
        file,
    })
}

fn chosen_file(ev: &leptos::ev::Event) -> Option<FileToUpload> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
        let file = first_file(input.files());
        input.set_value("");
        file
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

fn pasted_file(ev: &leptos::ev::ClipboardEvent) -> Option<FileToUpload> {
    #[cfg(feature = "hydrate")]
    {
        first_file(ev.clipboard_data()?.files())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

fn dropped_file(ev: &leptos::ev::DragEvent) -> Option<FileToUpload> {
    #[cfg(feature = "hydrate")]
    {
        first_file(ev.data_transfer()?.files())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

/// Uploads with XMLHttpRequest, for its progress events.
fn upload_file(file: FileToUpload, state: RwSignal<Option<Upload>>, locale: shared::Locale) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let t = crate::i18n::strings(locale);
        let fail = move |message: String| state.set(Some(Upload::Failed(message)));
        let (Ok(request), Ok(form)) = (web_sys::XmlHttpRequest::new(), web_sys::FormData::new())
        else {
            fail(t.err_transport.to_string());
            return;
        };
        if form
            .append_with_blob_and_filename("file", &file.file, &file.name)
            .is_err()
            || request.open("POST", "/attachments").is_err()
        {
            fail(t.err_transport.to_string());
            return;
        }
        let name = file.name.clone();
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
                if ev.length_computable() && ev.total() > 0.0 {
                    let percent = ((ev.loaded() / ev.total()) * 100.0).round() as u32;
                    state.set(Some(Upload::Progress {
                        name: name.clone(),
                        percent: percent.min(99),
                    }));
                }
            });
        if let Ok(upload) = request.upload() {
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        on_progress.forget();
        let done_request = request.clone();
        let on_load = Closure::<dyn FnMut()>::new(move || {
            let body = done_request
                .response_text()
                .ok()
                .flatten()
                .unwrap_or_default();
            if done_request.status().unwrap_or(0) == 201 {
                match serde_json::from_str::<AttachmentView>(&body) {
                    Ok(attachment) => state.set(Some(Upload::Done(attachment))),
                    Err(_) => fail(t.err_transport.to_string()),
                }
            } else {
                let message = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["fields"][0]["code"].as_str().map(str::to_string))
                    .and_then(|code| {
                        serde_json::from_value::<shared::ErrorCode>(serde_json::Value::String(code))
                            .ok()
                    })
                    .map(|code| t.code(code).to_string())
                    .unwrap_or_else(|| t.error(&shared::AppError::Transport { message: body }));
                fail(message);
            }
        });
        request.set_onload(Some(on_load.as_ref().unchecked_ref()));
        on_load.forget();
        let on_error = Closure::<dyn FnMut()>::new(move || fail(t.err_transport.to_string()));
        request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        let _ = request.send_with_opt_form_data(Some(&form));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (file, state, locale);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_reply_commands_are_a_leading_slash_word() {
        assert_eq!(quick_reply_query("/ola"), Some("ola"));
        assert_eq!(quick_reply_query("/"), Some(""));
        assert_eq!(quick_reply_query("/ola mundo"), None);
        assert_eq!(quick_reply_query("oi /ola"), None);
    }

    #[test]
    fn mentions_are_an_at_word_at_the_end() {
        assert_eq!(mention_query("fala com @ali"), Some("ali"));
        assert_eq!(mention_query("@"), Some(""));
        assert_eq!(mention_query("email@empresa"), None, "not after a letter");
        assert_eq!(mention_query("@alice já viu"), None);
    }

    #[test]
    fn search_ignores_accents_and_case() {
        assert_eq!(folded("Sérgio ÇÃO"), "sergio cao");
    }
}
