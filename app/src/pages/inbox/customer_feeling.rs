//! How the customer feels lately, as the AI reads their messages (the
//! offline engine: nothing leaves the server), live beside the
//! conversation. Part of the panel's lazy chunk, words included.

use leptos::prelude::*;
use shared::inbox::{ConversationSummary, Feeling};
use shared::Locale;

use crate::api::conversations::customer_feeling;
use crate::prefs::use_prefs;

struct Words {
    title: &'static str,
    negative: &'static str,
    neutral: &'static str,
    positive: &'static str,
    hint: &'static str,
}

const EN: Words = Words {
    title: "How the customer feels",
    negative: "Unhappy",
    neutral: "Neutral",
    positive: "Happy",
    hint: "Read from the customer's messages, the latest weighing most.",
};

const PT_BR: Words = Words {
    title: "Como o cliente se sente",
    negative: "Insatisfeito",
    neutral: "Neutro",
    positive: "Satisfeito",
    hint: "Lido das mensagens do cliente; as mais recentes pesam mais.",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

/// Nothing until the customer has written something to read; asked again
/// each time they write.
#[component]
pub fn CustomerFeeling(summary: RwSignal<ConversationSummary>) -> impl IntoView {
    let prefs = use_prefs();
    let number = summary.with_untracked(|c| c.number);
    let written = Memo::new(move |_| summary.with(|c| c.incoming_count));
    let feeling = LocalResource::new(move || {
        written.track();
        customer_feeling(number)
    });
    move || {
        let w = words(prefs.locale.get());
        feeling.get().and_then(Result::ok).flatten().map(|feeling| {
            let (face, word, tone) = match feeling {
                Feeling::Negative => ("🙁", w.negative, "text-red-700 dark:text-red-300"),
                Feeling::Neutral => ("😐", w.neutral, "text-slate-700 dark:text-slate-300"),
                Feeling::Positive => ("🙂", w.positive, "text-green-700 dark:text-green-300"),
            };
            view! {
                <section id="customer-feeling" data-feeling=feeling.as_str() class="space-y-1">
                    <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">{w.title}</h3>
                    <p role="status" class=format!("text-sm font-medium {tone}")>
                        <span aria-hidden="true">{face}</span>" "{word}
                    </p>
                    <p class="text-xs text-slate-500 dark:text-slate-400">{w.hint}</p>
                </section>
            }
        })
    }
}
