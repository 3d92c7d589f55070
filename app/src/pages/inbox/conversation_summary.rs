//! "Summarize": the AI's summary of the conversation so far (the
//! customer's request, the answer, the outcome), asked for with a button
//! beside the conversation and asked again with it. Part of the panel's
//! lazy chunk, words included. Says who wrote it: the account's AI
//! provider, or the offline engine.

use leptos::prelude::*;
use shared::ai::AiText;
use shared::inbox::ConversationSummary;
use shared::Locale;

use crate::api::conversations::summarize_conversation;
use crate::components::form::ErrorBanner;
use crate::components::widgets::BUTTON;
use crate::prefs::use_prefs;

struct Words {
    title: &'static str,
    summarize: &'static str,
    again: &'static str,
    working: &'static str,
    nothing: &'static str,
    offline: &'static str,
    by: &'static str,
}

const EN: Words = Words {
    title: "Summary (AI)",
    summarize: "Summarize",
    again: "Summarize again",
    working: "Summarizing…",
    nothing: "Nothing to summarize yet.",
    offline: "By the offline engine",
    by: "By",
};

const PT_BR: Words = Words {
    title: "Resumo (IA)",
    summarize: "Resumir",
    again: "Resumir de novo",
    working: "Resumindo…",
    nothing: "Ainda não há o que resumir.",
    offline: "Pelo mecanismo offline",
    by: "Por",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

#[component]
pub fn ConversationSummaryCard(summary: RwSignal<ConversationSummary>) -> impl IntoView {
    let prefs = use_prefs();
    let number = summary.with_untracked(|c| c.number);
    let result = RwSignal::new(None::<Option<AiText>>);
    let ask = Action::new_local(move |locale: &Locale| summarize_conversation(number, *locale));
    Effect::new(move |_| {
        if let Some(Ok(text)) = ask.value().get() {
            result.set(Some(text));
        }
    });
    let error = Signal::derive(move || ask.value().get().and_then(Result::err));
    move || {
        let w = words(prefs.locale.get());
        let pending = ask.pending().get();
        let label = match (pending, result.with(Option::is_some)) {
            (true, _) => w.working,
            (false, true) => w.again,
            (false, false) => w.summarize,
        };
        view! {
            <section id="conversation-summary" class="space-y-1">
                <div class="flex items-center justify-between gap-2">
                    <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">{w.title}</h3>
                    <button type="button" id="summarize" class=BUTTON disabled=pending
                        on:click=move |_| { ask.dispatch(prefs.locale.get_untracked()); }>
                        {label}
                    </button>
                </div>
                {move || result.get().map(|text| match text {
                    Some(AiText { text, provider }) => {
                        let author = match provider {
                            Some(name) => format!("{} {name}", w.by),
                            None => w.offline.to_string(),
                        };
                        view! {
                            <p id="summary-text" class="whitespace-pre-line text-sm text-slate-800 dark:text-slate-200">{text}</p>
                            <p id="summary-author" class="text-xs text-slate-500 dark:text-slate-400">{author}</p>
                        }.into_any()
                    }
                    None => view! {
                        <p id="summary-text" class="text-xs text-slate-500 dark:text-slate-400">{w.nothing}</p>
                    }.into_any(),
                })}
                <ErrorBanner error=error />
            </section>
        }
    }
}
