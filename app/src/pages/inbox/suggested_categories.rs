//! The categories the AI expects at wrap-up (how the account's most similar
//! conversations were categorized), as chips above the dialog's checkboxes:
//! a click ticks one, the agent still decides. Part of the wrap-up
//! dialog's chunk, words included.

use leptos::prelude::*;
use shared::Locale;

use crate::api::conversations::category_suggestions;
use crate::prefs::use_prefs;

struct Words {
    title: &'static str,
    hint: &'static str,
}

const EN: Words = Words {
    title: "Suggested",
    hint: "How the most similar conversations were categorized",
};

const PT_BR: Words = Words {
    title: "Sugestão",
    hint: "Como as conversas mais parecidas foram categorizadas",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

/// Nothing while asking, nor when nothing similar was categorized.
#[component]
pub fn SuggestedCategories(number: i64, chosen: RwSignal<Vec<i64>>) -> impl IntoView {
    let prefs = use_prefs();
    let suggestions = LocalResource::new(move || category_suggestions(number));
    move || {
        let list = suggestions.get().and_then(Result::ok).unwrap_or_default();
        if list.is_empty() {
            return None;
        }
        let w = words(prefs.locale.get());
        Some(view! {
            <p id="suggested-categories" class="flex flex-wrap items-center gap-1 text-xs" title=w.hint>
                <span class="text-slate-600 dark:text-slate-300">{w.title}":"</span>
                {list.into_iter().map(|suggestion| {
                    let id = suggestion.category_id;
                    let percent = (suggestion.share * 100.0).round();
                    let label = suggestion.name.clone();
                    view! {
                        <button type="button" data-category=suggestion.name
                            title=format!("{} ({percent}%)", w.hint)
                            class="suggested-category rounded-full border border-blue-200 bg-blue-50 px-2.5 py-0.5 text-blue-900 hover:bg-blue-100 aria-pressed:bg-blue-700 aria-pressed:text-white dark:border-blue-900 dark:bg-blue-950 dark:text-blue-100"
                            aria-pressed=move || chosen.with(|c| c.contains(&id)).to_string()
                            on:click=move |_| chosen.update(|c| if !c.contains(&id) { c.push(id) })>
                            {label}
                        </button>
                    }
                }).collect_view()}
            </p>
        })
    }
}
