//! What the customer answered to the satisfaction survey — their rating
//! from 0 to 10 and comment — beside the conversation, live. Part of the
//! panel's lazy chunk, words included.

use leptos::prelude::*;
use shared::inbox::ConversationSummary;
use shared::Locale;

use crate::api::conversations::customer_rating;
use crate::prefs::use_prefs;

struct Words {
    title: &'static str,
    hint: &'static str,
}

const EN: Words = Words {
    title: "Customer's rating (survey)",
    hint: "The customer's own answer to the satisfaction survey sent on resolution.",
};

const PT_BR: Words = Words {
    title: "Nota do cliente (pesquisa)",
    hint: "A resposta do próprio cliente à pesquisa de satisfação enviada ao resolver.",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

/// Nothing until the customer rates; asked again whenever the conversation
/// changes (a rating or a comment arriving changes it).
#[component]
pub fn CustomerRatingCard(summary: RwSignal<ConversationSummary>) -> impl IntoView {
    let prefs = use_prefs();
    let number = summary.with_untracked(|c| c.number);
    let changed = Memo::new(move |_| summary.with(|c| c.updated_at));
    let rating = LocalResource::new(move || {
        changed.track();
        customer_rating(number)
    });
    move || {
        let w = words(prefs.locale.get());
        rating.get().and_then(Result::ok).flatten().map(|rating| {
            let tone = match rating.score {
                9..=10 => "text-green-700 dark:text-green-300",
                7..=8 => "text-slate-800 dark:text-slate-200",
                _ => "text-red-700 dark:text-red-300",
            };
            view! {
                <section id="customer-rating" class="space-y-1">
                    <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">{w.title}</h3>
                    <p class=format!("text-sm font-semibold {tone}")>
                        <span id="customer-rating-score">{rating.score}</span>"/10"
                    </p>
                    {rating.comment.map(|comment| view! {
                        <p id="customer-rating-comment" class="text-xs italic text-slate-700 dark:text-slate-300">"“"{comment}"”"</p>
                    })}
                    <p class="text-xs text-slate-500 dark:text-slate-400">{w.hint}</p>
                </section>
            }
        })
    }
}
