//! A report filter that picks any number of a list (agents, departments,
//! channels, categories): a dropdown of checkboxes whose button says what
//! is picked — "all" when nothing is.

use leptos::prelude::*;

use super::LABEL;
use crate::components::icons::{Icon, Svg};
use crate::components::widgets::INPUT;

#[component]
pub fn MultiPick(
    /// The `<details>` element's id; each checkbox is `{id}-{value}`.
    id: &'static str,
    #[prop(into)] label: Signal<&'static str>,
    #[prop(into)] all_label: Signal<&'static str>,
    /// `(value, name)`, in the order shown; a name may carry indentation.
    options: Vec<(String, String)>,
    chosen: RwSignal<Vec<String>>,
) -> impl IntoView {
    let names: Vec<(String, String)> = options
        .iter()
        .map(|(value, name)| (value.clone(), name.trim().to_string()))
        .collect();
    let summary = move || {
        let picked = chosen.get();
        if picked.is_empty() {
            return all_label.get().to_string();
        }
        names
            .iter()
            .filter(|(value, _)| picked.contains(value))
            .map(|(_, name)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let heading_id = format!("{id}-label");
    let value_id = format!("{id}-value");
    // Named by the label and what it shows, so the visible words are part of
    // the name (axe's label-content-name-mismatch).
    let labelled_by = format!("{heading_id} {value_id}");
    view! {
        <div>
            <span id=heading_id class=LABEL>{move || label.get()}</span>
            <details class="relative" id=id>
                <summary class=format!("{INPUT} flex cursor-pointer list-none items-center justify-between gap-1") aria-labelledby=labelled_by>
                    <span id=value_id class="truncate">{summary}</span>
                    <Svg icon=Icon::ChevronDown class="size-4 shrink-0" />
                </summary>
                <fieldset class="absolute z-20 mt-1 max-h-64 w-full min-w-48 overflow-y-auto rounded-lg border border-slate-200 bg-white p-2 shadow-lg dark:border-slate-700 dark:bg-slate-900">
                    <legend class="sr-only">{move || label.get()}</legend>
                    {options.into_iter().map(|(value, name)| {
                        let box_id = format!("{id}-{value}");
                        let label_for = box_id.clone();
                        let box_value = value.clone();
                        let checked_value = value.clone();
                        view! {
                            <label class="flex items-center gap-2 whitespace-pre py-1 text-sm" for=label_for>
                                <input type="checkbox" id=box_id value=box_value
                                    prop:checked=move || chosen.with(|c| c.contains(&checked_value))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let value = value.clone();
                                        chosen.update(|c| {
                                            c.retain(|v| *v != value);
                                            if on { c.push(value) }
                                        });
                                    } />
                                {name}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            </details>
        </div>
    }
}
