//! The replies the AI suggests for the customer's latest messages, as
//! chips above the composer: a click (or Alt+1…3) puts one into the text
//! box to edit and send — never sent by itself. A wasm chunk of its own,
//! words included, loaded once a conversation is open.

use leptos::prelude::*;
use shared::inbox::{MessageKind, ReplySuggestion, SuggestionSource};
use shared::Locale;

use crate::api::conversations::reply_suggestions;
use crate::components::icons::{Icon, Svg};
use crate::pages::inbox::conversation::OpenConversation;
use crate::pages::inbox::focus;
use crate::prefs::use_prefs;

struct Words {
    title: &'static str,
    quick_reply: &'static str,
    past_answer: &'static str,
    knowledge: &'static str,
}

const EN: Words = Words {
    title: "Suggested replies",
    quick_reply: "Quick reply",
    past_answer: "Answered before to a similar message",
    knowledge: "From the AI agent's knowledge base",
};

const PT_BR: Words = Words {
    title: "Respostas sugeridas",
    quick_reply: "Resposta rápida",
    past_answer: "Já respondida a uma mensagem parecida",
    knowledge: "Da base de conhecimento do agente de IA",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

/// Asked again whenever a message arrives or goes out; hidden while the
/// composer writes a note or a `/` quick reply.
#[leptos::lazy]
pub fn suggested_replies(
    number: i64,
    open: OpenConversation,
    text: RwSignal<String>,
    note: RwSignal<bool>,
) -> AnyView {
    view! { <SuggestedReplies number=number open=open text=text note=note /> }.into_any()
}

#[component]
fn SuggestedReplies(
    number: i64,
    open: OpenConversation,
    text: RwSignal<String>,
    note: RwSignal<bool>,
) -> impl IntoView {
    let prefs = use_prefs();
    // The newest stored message, incoming or outgoing (optimistic ones
    // have negative ids until stored).
    let latest = Memo::new(move |_| {
        open.messages.with(|list| {
            list.iter()
                .filter(|m| matches!(m.kind, MessageKind::Incoming | MessageKind::Outgoing))
                .map(|m| m.id)
                .max()
        })
    });
    let suggestions = LocalResource::new(move || {
        latest.track();
        reply_suggestions(number)
    });
    let shown = Memo::new(move |_| -> Vec<ReplySuggestion> {
        if note.get() || text.with(|t| t.starts_with('/')) {
            return vec![];
        }
        suggestions.get().and_then(Result::ok).unwrap_or_default()
    });
    let insert = move |suggestion: &ReplySuggestion| {
        text.update(|current| {
            if current.trim().is_empty() {
                *current = suggestion.text.clone();
            } else {
                current.push_str(if current.ends_with(char::is_whitespace) {
                    ""
                } else {
                    " "
                });
                current.push_str(&suggestion.text);
            }
        });
        focus("#composer-input");
    };
    let alt_digit = window_event_listener(leptos::ev::keydown, move |ev| {
        let digit = ev
            .code()
            .strip_prefix("Digit")
            .and_then(|d| d.parse::<usize>().ok());
        // AltGr is Ctrl+Alt, and AltGr+1…3 types ¹²³ on Brazilian keyboards.
        let alt_alone = ev.alt_key() && !ev.ctrl_key() && !ev.meta_key();
        let Some(index) = digit.filter(|d| alt_alone && (1..=3).contains(d)) else {
            return;
        };
        if let Some(suggestion) = shown.with_untracked(|list| list.get(index - 1).cloned()) {
            ev.prevent_default();
            insert(&suggestion);
        }
    });
    on_cleanup(move || alt_digit.remove());

    move || {
        let list = shown.get();
        if list.is_empty() {
            return None;
        }
        let w = words(prefs.locale.get());
        Some(view! {
            <div id="suggested-replies" role="group" aria-label=w.title
                class="mb-1 flex items-center gap-1 overflow-x-auto text-xs">
                <span class="flex shrink-0 items-center gap-1 text-slate-500 dark:text-slate-400" title=w.title>
                    <Svg icon=Icon::Bolt class="size-3.5" />
                    <span class="sr-only sm:not-sr-only">{w.title}</span>
                </span>
                {list.into_iter().enumerate().map(|(index, suggestion)| {
                    let origin = match (&suggestion.source, &suggestion.shortcut) {
                        (SuggestionSource::QuickReply, Some(shortcut)) => format!("{} /{shortcut}", w.quick_reply),
                        (SuggestionSource::QuickReply, None) => w.quick_reply.to_string(),
                        (SuggestionSource::PastAnswer, _) => w.past_answer.to_string(),
                        (SuggestionSource::Knowledge, _) => w.knowledge.to_string(),
                    };
                    let title = format!("{origin} · Alt+{}\n{}", index + 1, suggestion.text);
                    let label = suggestion.text.clone();
                    view! {
                        <button type="button" class="suggested-reply max-w-[18rem] shrink-0 truncate rounded-full border border-blue-200 bg-blue-50 px-2.5 py-1 text-blue-900 hover:bg-blue-100 dark:border-blue-900 dark:bg-blue-950 dark:text-blue-100 dark:hover:bg-blue-900"
                            title=title data-source=suggestion.source.as_str()
                            on:click=move |_| insert(&suggestion)>
                            {label}
                        </button>
                    }
                }).collect_view()}
            </div>
        })
    }
}
