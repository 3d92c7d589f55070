//! WhatsApp templates in the composer: the notice that the customer's
//! 24-hour window has closed, and the picker that fills a template's
//! placeholders and sends it (the server checks the window and the
//! template again; this only spares the agent a refused send). The picker
//! is a lazy part: most conversations never need it.

use chrono::{Duration, Utc};
use leptos::prelude::*;
use shared::connections::{render_template, MessageTemplate};
use shared::inbox::{ChannelKind, MessageKind};

use super::super::conversation::OpenConversation;
use super::new_client_id;
use crate::api::templates::{conversation_templates, send_template};
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};
use crate::prefs::use_t;

/// WhatsApp's window after the customer's last message.
const WINDOW_HOURS: i64 = 24;

/// Whether this conversation speaks through a WhatsApp Cloud number.
pub fn uses_templates(open: OpenConversation) -> bool {
    open.summary.get_untracked().channel_kind == ChannelKind::WhatsappCloud
}

/// True when none of the loaded messages is the customer's within 24 hours.
pub fn window_closed(open: OpenConversation) -> Signal<bool> {
    Signal::derive(move || {
        let cutoff = Utc::now() - Duration::hours(WINDOW_HOURS);
        !open.messages.with(|list| {
            list.iter()
                .any(|m| m.kind == MessageKind::Incoming && m.created_at > cutoff)
        })
    })
}

/// The picker, open while `shown`: a wasm chunk of its own, fetched only for
/// WhatsApp conversations (the composer preloads it there).
#[leptos::lazy]
pub fn template_picker(number: i64, open: OpenConversation, shown: RwSignal<bool>) -> AnyView {
    view! { <TemplatePicker number=number open=open shown=shown /> }.into_any()
}

/// The picker: choose an approved template, fill its values, see the text
/// the customer will read, send.
#[component]
fn TemplatePicker(number: i64, open: OpenConversation, shown: RwSignal<bool>) -> impl IntoView {
    let t = use_t();
    // Fetched each time the picker opens (an admin may have synced since).
    let templates = LocalResource::new(move || {
        let open_now = shown.get();
        async move {
            if open_now {
                Some(conversation_templates(number).await)
            } else {
                None
            }
        }
    });
    let chosen = RwSignal::new(None::<MessageTemplate>);
    let values = RwSignal::new(Vec::<String>::new());
    let sending = RwSignal::new(false);
    let choose = move |template: MessageTemplate| {
        values.set(vec![String::new(); template.variables().len()]);
        chosen.set(Some(template));
    };
    let send = move |_| {
        let Some(template) = chosen.get_untracked() else {
            return;
        };
        sending.set(true);
        leptos::task::spawn_local(async move {
            match send_template(
                number,
                template.id,
                values.get_untracked(),
                Some(new_client_id()),
            )
            .await
            {
                Ok(view) => {
                    open.upsert(view);
                    open.error.set(None);
                    chosen.set(None);
                    shown.set(false);
                }
                Err(err) => open.error.set(Some(err)),
            }
            sending.set(false);
        });
    };
    view! {
        <Show when=move || shown.get()>
            <div id="template-picker" class="mb-2 max-h-80 overflow-y-auto rounded-lg border border-slate-200 bg-white p-2 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-900">
                {move || match templates.get().flatten() {
                    None => view! { <p class="p-2 text-slate-500 dark:text-slate-400">{move || t().loading}</p> }.into_any(),
                    Some(Err(err)) => view! { <p class="p-2 text-red-700 dark:text-red-400" role="alert">{move || t().error(&err)}</p> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! {
                        <p class="p-2 text-slate-500 dark:text-slate-400">{move || t().no_approved_templates}</p>
                    }.into_any(),
                    Some(Ok(list)) => view! {
                        <ul class="flex flex-wrap gap-1" role="listbox" aria-label=move || t().use_template>
                            {list.into_iter().map(|template| {
                                let id = template.id;
                                let label = format!("{} · {}", template.name, template.language);
                                view! {
                                    <li>
                                        <button type="button" role="option" data-template-option=template.name.clone()
                                            aria-selected=move || chosen.with(|c| c.as_ref().is_some_and(|c| c.id == id)).to_string()
                                            class=move || format!("rounded-md border px-2 py-1 font-mono text-xs {}",
                                                if chosen.with(|c| c.as_ref().is_some_and(|c| c.id == id)) { "border-blue-600 bg-blue-50 dark:bg-blue-950" } else { "border-slate-300 dark:border-slate-600" })
                                            on:click=move |_| choose(template.clone())>
                                            {label}
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
                {move || chosen.get().map(|template| {
                    let names = template.variables();
                    let body = template.body.clone();
                    view! {
                        <div class="mt-2 space-y-2 border-t border-slate-100 pt-2 dark:border-slate-800">
                            {names.into_iter().enumerate().map(|(i, name)| view! {
                                <label class="flex items-center gap-2 text-xs">
                                    <span class="w-28 shrink-0 text-slate-500 dark:text-slate-400">{move || t().template_value} " {{" {name.clone()} "}}"</span>
                                    <input class=INPUT data-template-value=i
                                        prop:value=move || values.with(|v| v.get(i).cloned().unwrap_or_default())
                                        on:input=move |ev| values.update(|v| if let Some(slot) = v.get_mut(i) { *slot = event_target_value(&ev) }) />
                                </label>
                            }).collect_view()}
                            <p class="whitespace-pre-wrap rounded-md bg-green-50 p-2 text-slate-800 dark:bg-green-950/40 dark:text-slate-100" data-template-preview="">
                                {move || render_template(&body, &values.get())}
                            </p>
                            <div class="flex justify-end gap-2">
                                <button type="button" class=BUTTON on:click=move |_| shown.set(false)>{move || t().cancel}</button>
                                <button type="button" id="send-template" class=PRIMARY_BUTTON on:click=send
                                    disabled=move || sending.get() || values.with(|v| v.iter().any(|x| x.trim().is_empty()))>
                                    {move || t().send_template}
                                </button>
                            </div>
                        </div>
                    }
                })}
            </div>
        </Show>
    }
}
