//! The AI's review of the conversation's latest resolution — its quality
//! score, why, and a summary — beside the conversation, live. Part of the
//! panel's lazy chunk, words included.

use leptos::prelude::*;
use shared::inbox::{ConversationStatus, ConversationSummary};
use shared::Locale;

use crate::api::conversations::quality_review;
use crate::prefs::use_prefs;

struct Words {
    title: &'static str,
    under: &'static str,
    summary: &'static str,
    hint: &'static str,
}

const EN: Words = Words {
    title: "Quality score (AI)",
    under: "under the threshold",
    summary: "Summary",
    hint: "Scored when the conversation was resolved; under the threshold, managers are alerted.",
};

const PT_BR: Words = Words {
    title: "Nota de qualidade (IA)",
    under: "abaixo do limite",
    summary: "Resumo",
    hint: "Dada quando a conversa foi resolvida; abaixo do limite, os gestores são avisados.",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

fn decimal(value: f32, locale: Locale) -> String {
    let text = format!("{value:.1}");
    match locale {
        Locale::PtBr => text.replace('.', ","),
        Locale::En => text,
    }
}

/// Nothing before the first resolution is reviewed; asked again when the
/// conversation is resolved or changes while resolved (the review lands a
/// moment after the resolution).
#[component]
pub fn QualityReviewCard(summary: RwSignal<ConversationSummary>) -> impl IntoView {
    let prefs = use_prefs();
    let number = summary.with_untracked(|c| c.number);
    let moment = Memo::new(move |_| {
        summary.with(|c| {
            (
                c.resolved_at,
                (c.status == ConversationStatus::Resolved).then_some(c.updated_at),
            )
        })
    });
    let review = LocalResource::new(move || {
        moment.track();
        quality_review(number)
    });
    move || {
        let locale = prefs.locale.get();
        let w = words(locale);
        review.get().and_then(Result::ok).flatten().map(|review| {
            let low = review.score < review.threshold;
            let tone = if low {
                "text-red-700 dark:text-red-300"
            } else {
                "text-green-700 dark:text-green-300"
            };
            view! {
                <section id="quality-review" data-low=low.to_string() class="space-y-1">
                    <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">{w.title}</h3>
                    <p class=format!("text-sm font-semibold {tone}")>
                        <span id="quality-score">{decimal(review.score, locale)}</span>"/10"
                        {low.then(|| format!(" · {} {}", w.under, decimal(review.threshold, locale)))}
                    </p>
                    <p id="quality-justification" class="text-xs text-slate-700 dark:text-slate-300">{review.justification}</p>
                    {review.summary.map(|text| view! {
                        <details class="text-xs text-slate-700 dark:text-slate-300">
                            <summary class="cursor-pointer">{w.summary}</summary>
                            <p class="mt-1 whitespace-pre-line">{text}</p>
                        </details>
                    })}
                    <p class="text-xs text-slate-500 dark:text-slate-400">{w.hint}</p>
                </section>
            }
        })
    }
}
