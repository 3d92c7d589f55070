//! The selected block's settings: the common ones as fields, everything
//! (conditions' rules, HTTP headers and mappings) in its JSON too.

use leptos::prelude::*;
use shared::flows::{BlockKind, ClassifyBy, FlowProblem};

mod fields;

use fields::block_fields;

use super::builder::Editor;
use super::model;
use super::strings::{block_label, problem_text};
use super::use_words;
use crate::components::widgets::{BUTTON, INPUT};
use crate::prefs::use_prefs;

const LABEL: &str = "mb-1 block text-xs font-medium text-slate-600 dark:text-slate-300";

/// Changes the block's settings as one undo step per field.
fn change(editor: Editor, id: &str, field: &str, apply: impl FnOnce(&mut BlockKind)) {
    let key = format!("{id}.{field}");
    editor.edit(Some(&key), |f| {
        if let Some(block) = f.blocks.iter_mut().find(|b| b.id == id) {
            apply(&mut block.kind);
        }
    });
}

#[component]
pub fn SettingsPanel(editor: Editor, problems: Memo<Vec<FlowProblem>>) -> impl IntoView {
    let w = use_words();
    let locale = use_prefs().locale;
    let selected = Memo::new(move |_| {
        let id = editor.selected.get()?;
        editor.flow.with(|f| f.block(&id).cloned())
    });
    let of_selected = Memo::new(move |_| {
        let id = editor.selected.get();
        problems.with(|list| {
            list.iter()
                .filter(|p| p.block.is_some() && p.block == id)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    provide_context(SelectedProblems(of_selected));
    // Fetched while the person looks at the canvas: nothing is selected
    // before a click, so the fields are never part of the server's HTML.
    let _ = leptos::lazy_preload!(fields::block_fields);
    // Re-drawn when another block is selected or its fields themselves
    // change (its type, a start's trigger, what an AI classify reads, the
    // number of a menu's options or of an AI classify's intents), not on
    // every keystroke: fields keep their focus.
    let shape = Memo::new(move |_| {
        selected.with(|b| {
            b.as_ref().map(|b| {
                let (variant, options) = match &b.kind {
                    BlockKind::Start { trigger } => (trigger.kind(), 0),
                    BlockKind::Menu { options, .. } => ("", options.len()),
                    BlockKind::AiClassify { by, intents, .. } => {
                        let by = match by {
                            ClassifyBy::Sentiment => "sentiment",
                            ClassifyBy::Intent => "intent",
                            ClassifyBy::Category => "category",
                        };
                        (by, intents.len())
                    }
                    _ => ("", 0),
                };
                (b.id.clone(), model::type_of(&b.kind), variant, options)
            })
        })
    });
    view! {
        <section id="block-settings" aria-live="polite">
            {move || match shape.get() {
                None => view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || w().select_hint}</p> }.into_any(),
                Some((id, type_name, _, _)) => {
                    let kind = selected.get_untracked().map(|b| b.kind).unwrap_or(BlockKind::End);
                    let fields = {
                        let id = id.clone();
                        move || {
                            let (id, kind) = (id.clone(), kind.clone());
                            Suspend::new(async move { block_fields(editor, id, kind).await })
                        }
                    };
                    view! {
                        <div class="mb-2 flex items-center justify-between gap-2">
                            <h2 class="text-sm font-semibold">{move || block_label(locale.get(), type_name)}</h2>
                            <button type="button" class=BUTTON id="remove-block" on:click=move |_| editor.remove_selected()>{move || w().remove_block}</button>
                        </div>
                        <BlockId editor=editor id=id.clone() />
                        <BlockProblems problems=of_selected />
                        <Suspense>{fields}</Suspense>
                        <JsonSettings editor=editor id=id open=type_name == "condition" />
                    }.into_any()
                }
            }}
        </section>
    }
}

/// The selected block's problems, for its fields to show their own.
#[derive(Clone, Copy)]
struct SelectedProblems(Memo<Vec<FlowProblem>>);

/// The settings the fields show problems for, as validation names them
/// (`FlowProblem::detail`); the block's other problems are listed above
/// its fields.
const FIELD_SETTINGS: [&str; 14] = [
    "keywords",
    "text",
    "url",
    "caption",
    "question",
    "retry_message",
    "max_retries",
    "options",
    "name",
    "value",
    "seconds",
    "timeout_seconds",
    "timeout_ms",
    "target",
];

/// A problem with one of the settings the fields show (the others — a
/// variable's name, a condition's branch — are listed above the fields).
fn is_about_a_field(problem: &FlowProblem) -> bool {
    use shared::flows::ProblemCode::*;
    matches!(
        problem.code,
        TextRequired
            | TooLong
            | ChoicesInvalid
            | UrlInvalid
            | NumberInvalid
            | TransferTargetInvalid
    ) && FIELD_SETTINGS.contains(&problem.detail.as_str())
}

/// The block's id, renamed in place (its edges follow; refused when odd or
/// taken).
#[component]
fn BlockId(editor: Editor, id: String) -> impl IntoView {
    let w = use_words();
    let refused = RwSignal::new(false);
    let current = id.clone();
    let rename = move |ev: leptos::ev::Event| {
        let wanted = event_target_value(&ev).trim().to_string();
        let possible = editor
            .flow
            .with_untracked(|f| model::rename_block(&mut f.clone(), &current, &wanted));
        refused.set(!possible);
        if possible && wanted != current {
            let (old, new) = (current.clone(), wanted.clone());
            editor.edit(None, move |f| {
                model::rename_block(f, &old, &new);
            });
            editor.selected.set(Some(wanted));
        }
    };
    view! {
        <div class="mb-2">
            <label class=LABEL for="block-id">{move || w().block_id}</label>
            <input id="block-id" class=format!("{INPUT} font-mono text-xs") value=id maxlength="40"
                aria-invalid=move || refused.get().then_some("true") on:change=rename />
            {move || refused.get().then(|| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-400" role="alert">{move || w().block_id_refused}</p> })}
        </div>
    }
}

/// The block's problems that no field shows (an output leading nowhere, a
/// variable never set, a condition's rule...).
#[component]
fn BlockProblems(problems: Memo<Vec<FlowProblem>>) -> impl IntoView {
    let locale = use_prefs().locale;
    let others = move || {
        problems.with(|list| {
            list.iter()
                .filter(|p| !is_about_a_field(p))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <ul id="block-problems" class="mb-2 space-y-1 text-xs text-red-700 dark:text-red-400">
            {move || others().into_iter().map(|p| view! {
                <li data-problem=p.code.as_str()>
                    {problem_text(locale.get(), p.code)}
                    {(!p.detail.is_empty()).then(|| format!(" ({})", p.detail))}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// Every setting of the block as JSON (the conditions' rules, HTTP
/// headers and mappings are edited here).
#[component]
fn JsonSettings(editor: Editor, id: String, open: bool) -> impl IntoView {
    let w = use_words();
    let invalid = RwSignal::new(false);
    let current = {
        let id = id.clone();
        move || {
            editor.flow.with(|f| {
                f.block(&id)
                    .and_then(|b| serde_json::to_string_pretty(&b.kind).ok())
                    .unwrap_or_default()
            })
        }
    };
    let apply = move |ev: leptos::ev::Event| match crate::json::decode::<BlockKind>(
        &event_target_value(&ev),
    ) {
        Ok(kind) => {
            invalid.set(false);
            change(editor, &id, "json", move |k| *k = kind);
        }
        Err(_) => invalid.set(true),
    };
    view! {
        <details class="mt-2" open=open>
            <summary class="cursor-pointer text-xs font-medium text-slate-600 dark:text-slate-300">{move || w().advanced_json}</summary>
            <textarea id="block-json" class=format!("{INPUT} mt-1 font-mono text-xs") rows="10" prop:value=current on:change=apply></textarea>
            {move || invalid.get().then(|| view! { <p class="text-xs text-red-700 dark:text-red-400" role="alert">{move || w().json_invalid}</p> })}
        </details>
    }
}
