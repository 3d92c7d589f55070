//! The builder: a palette, the canvas, the selected block's settings, the
//! problems list and the test chat around one flow's draft — autosaved,
//! with undo/redo and keyboard shortcuts.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::flows::{validate, FlowChoices, FlowDefinition, FlowDraft, ValidationContext};
use shared::AppError;

use super::canvas::{Canvas, Drag, Viewport};
use super::model::{self, History};
use super::panel::SettingsPanel;
use super::strings::{block_label, problem_text};
use super::test_chat::TestChat;
use super::use_words;
use crate::api::flows::{get_flow_choices, open_flow, publish_flow, save_flow_draft};
use crate::components::form::ErrorBanner;
use crate::components::widgets::{BUTTON, PRIMARY_BUTTON};
use crate::prefs::use_prefs;

/// Where the draft stands against the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Unsaved,
    Saving,
    Failed,
}

/// Everything the builder's parts share (all signals: `Copy`).
#[derive(Clone, Copy)]
pub struct Editor {
    pub flow: RwSignal<FlowDefinition>,
    pub selected: RwSignal<Option<String>>,
    /// The block the test chat is at.
    pub current: RwSignal<Option<String>>,
    pub view: RwSignal<Viewport>,
    pub drag: RwSignal<Drag>,
    pub choices: RwSignal<FlowChoices>,
    history: StoredValue<History>,
    /// Bumped on every history change (the undo/redo buttons follow it).
    history_version: RwSignal<u32>,
    /// Edits to one field in a row are one undo step.
    last_field: StoredValue<Option<String>>,
    /// The draft when a drag began.
    drag_start: StoredValue<Option<FlowDefinition>>,
}

impl Editor {
    fn new(definition: FlowDefinition, choices: FlowChoices) -> Self {
        Editor {
            flow: RwSignal::new(definition),
            selected: RwSignal::new(None),
            current: RwSignal::new(None),
            view: RwSignal::new(Viewport::default()),
            drag: RwSignal::new(Drag::Idle),
            choices: RwSignal::new(choices),
            history: StoredValue::new(History::default()),
            history_version: RwSignal::new(0),
            last_field: StoredValue::new(None),
            drag_start: StoredValue::new(None),
        }
    }

    /// Changes the draft as one undo step (`field`: edits to the same field
    /// in a row join the same step).
    pub fn edit(&self, field: Option<&str>, change: impl FnOnce(&mut FlowDefinition)) {
        let before = self.flow.get_untracked();
        let mut after = before.clone();
        change(&mut after);
        model::declare_written(&mut after);
        if after == before {
            return;
        }
        let same_field = field.is_some() && self.last_field.get_value().as_deref() == field;
        if !same_field {
            self.history.update_value(|h| h.record(before));
            self.history_version.update(|v| *v += 1);
        }
        self.last_field.set_value(field.map(str::to_string));
        self.flow.set(after);
    }

    /// A change while dragging: shown at once, one undo step when the drag
    /// ends ([`Editor::end_drag`]).
    pub fn preview(&self, change: impl FnOnce(&mut FlowDefinition)) {
        if self.drag_start.with_value(Option::is_none) {
            self.drag_start.set_value(Some(self.flow.get_untracked()));
        }
        self.flow.update(change);
    }

    pub fn end_drag(&self) {
        if let Some(before) = self.drag_start.try_update_value(Option::take).flatten() {
            if before != self.flow.get_untracked() {
                self.history.update_value(|h| h.record(before));
                self.history_version.update(|v| *v += 1);
                self.last_field.set_value(None);
            }
        }
    }

    pub fn undo(&self) {
        let current = self.flow.get_untracked();
        if let Some(previous) = self.history.try_update_value(|h| h.undo(current)).flatten() {
            self.flow.set(previous);
            self.after_history_move();
        }
    }

    pub fn redo(&self) {
        let current = self.flow.get_untracked();
        if let Some(next) = self.history.try_update_value(|h| h.redo(current)).flatten() {
            self.flow.set(next);
            self.after_history_move();
        }
    }

    fn after_history_move(&self) {
        self.history_version.update(|v| *v += 1);
        self.last_field.set_value(None);
        let gone = self
            .selected
            .get_untracked()
            .is_some_and(|id| self.flow.with_untracked(|f| f.block(&id).is_none()));
        if gone {
            self.selected.set(None);
        }
    }

    pub fn remove_selected(&self) {
        if let Some(id) = self.selected.get_untracked() {
            self.edit(None, |f| model::remove_block(f, &id));
            self.selected.set(None);
        }
    }

    fn can_undo(&self) -> bool {
        self.history_version.track();
        self.history.with_value(History::can_undo)
    }

    fn can_redo(&self) -> bool {
        self.history_version.track();
        self.history.with_value(History::can_redo)
    }
}

#[component]
pub fn FlowBuilder(id: i64) -> impl IntoView {
    let w = use_words();
    let opened = json_resource(
        move || id,
        |id| async move { Ok::<_, AppError>((open_flow(id).await?, get_flow_choices().await?)) },
    );
    view! {
        <Transition fallback=move || view! { <p class="p-6 text-sm text-slate-500">{move || w().loading}</p> }>
            {move || Suspend::new(async move {
                match opened.await {
                    Err(err) => view! { <div class="p-6"><ErrorBanner error=Signal::derive(move || Some(err.clone())) /></div> }.into_any(),
                    Ok((draft, choices)) => view! { <Workbench id=id draft=draft choices=choices /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Workbench(id: i64, draft: FlowDraft, choices: FlowChoices) -> impl IntoView {
    let w = use_words();
    let locale = use_prefs().locale;
    let editor = Editor::new(draft.definition, choices);
    let save_state = RwSignal::new(SaveState::Saved);
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<AppError>);
    autosave(id, editor, save_state);
    shortcuts(editor);

    // The same rules as the server's, with the account's HTTP allow-list.
    let problems = Memo::new(move |_| {
        let context = ValidationContext {
            http_allowlist: editor.choices.with(|c| c.http_allowlist.clone()),
        };
        editor.flow.with(|f| validate(f, &context))
    });
    let publish = move |_| {
        message.set(None);
        error.set(None);
        let definition = editor.flow.get_untracked();
        leptos::task::spawn_local(async move {
            save_state.set(SaveState::Saving);
            let saved = save_flow_draft(id, definition).await;
            save_state.set(if saved.is_ok() {
                SaveState::Saved
            } else {
                SaveState::Failed
            });
            match publish_flow(id).await {
                Ok(version) => message.set(Some(format!("{} {}", w().published, version.version))),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let palette = move || {
        model::PALETTE
            .iter()
            .map(|type_name| {
                let type_name = *type_name;
                let grab = move |ev: leptos::ev::PointerEvent| {
                    ev.prevent_default();
                    editor.drag.set(Drag::Place {
                        type_name: type_name.to_string(),
                        client: (f64::from(ev.client_x()), f64::from(ev.client_y())),
                    });
                };
                let click = move |_| {
                    let (x, y) = editor.view.get_untracked().centre();
                    let added = editor
                        .flow
                        .with_untracked(|f| model::free_id(f, type_name));
                    editor.edit(None, |f| {
                        model::add_block(f, type_name, x - model::BLOCK_W / 2.0, y - model::BLOCK_H / 2.0);
                    });
                    editor.selected.set(Some(added));
                };
                view! {
                    <button type="button" data-palette=type_name on:pointerdown=grab on:click=click
                        class="w-full rounded-lg border border-slate-200 bg-white px-2 py-1.5 text-left text-sm dark:border-slate-700 dark:bg-slate-900">
                        {move || block_label(locale.get(), type_name)}
                    </button>
                }
            })
            .collect_view()
    };
    view! {
        <style>{super::BUILDER_CSS}</style>
        <div class="fb-root">
            <header class="flex flex-wrap items-center gap-2 border-b border-slate-200 px-3 py-2 dark:border-slate-800">
                <a href="/flows" class="text-sm text-blue-700 hover:underline dark:text-blue-400">"← " {move || w().back}</a>
                <h1 class="flex-1 text-base font-semibold" id="flow-name">{draft.flow.name.clone()}</h1>
                <span id="save-state" role="status" class="text-xs text-slate-500 dark:text-slate-400" data-state=move || format!("{:?}", save_state.get()).to_lowercase()>
                    {move || match save_state.get() {
                        SaveState::Saved => w().saved,
                        SaveState::Unsaved => w().unsaved,
                        SaveState::Saving => w().saving,
                        SaveState::Failed => w().save_failed,
                    }}
                </span>
                <button type="button" class=BUTTON id="undo" title=move || w().undo aria-label=move || w().undo
                    disabled=move || !editor.can_undo() on:click=move |_| editor.undo()>"↶"</button>
                <button type="button" class=BUTTON id="redo" title=move || w().redo aria-label=move || w().redo
                    disabled=move || !editor.can_redo() on:click=move |_| editor.redo()>"↷"</button>
                <button type="button" class=PRIMARY_BUTTON id="publish" on:click=publish
                    disabled=move || !problems.with(Vec::is_empty)>{move || w().publish}</button>
            </header>
            {move || message.get().map(|m| view! { <p role="status" id="publish-result" class="bg-green-50 px-3 py-1 text-sm text-green-800 dark:text-green-400">{m}</p> })}
            <ErrorBanner error=Signal::derive(move || error.get()) />
            <div class="fb-main">
                <aside class="fb-palette" aria-label=move || w().blocks>
                    <p class="fb-hint text-xs text-slate-500 dark:text-slate-400">{move || w().palette_hint}</p>
                    {palette}
                </aside>
                <Canvas editor=editor problems=problems />
                <aside class="fb-side">
                    <SettingsPanel editor=editor problems=problems />
                    <Problems editor=editor problems=problems />
                    <TestChat editor=editor />
                </aside>
            </div>
        </div>
    }
}

/// Saves the draft a moment after the last change.
fn autosave(id: i64, editor: Editor, save_state: RwSignal<SaveState>) {
    let generation = StoredValue::new(0u32);
    Effect::new(move |first: Option<()>| {
        let definition = editor.flow.get();
        if first.is_none() {
            return;
        }
        save_state.set(SaveState::Unsaved);
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        leptos::task::spawn_local(async move {
            #[cfg(feature = "hydrate")]
            gloo_timers::future::TimeoutFuture::new(700).await;
            if generation.get_value() != mine {
                return;
            }
            save_state.set(SaveState::Saving);
            let saved = save_flow_draft(id, definition).await;
            if generation.get_value() == mine {
                save_state.set(if saved.is_ok() {
                    SaveState::Saved
                } else {
                    SaveState::Failed
                });
            }
        });
    });
}

/// Delete removes the selected block; Ctrl+Z undoes, Ctrl+Shift+Z (or
/// Ctrl+Y) redoes — except while typing in a field.
fn shortcuts(editor: Editor) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let typing = ev
            .target()
            .and_then(|t| {
                use leptos::wasm_bindgen::JsCast;
                t.dyn_into::<leptos::web_sys::Element>().ok()
            })
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if typing {
            return;
        }
        let command = ev.ctrl_key() || ev.meta_key();
        match ev.key().as_str() {
            "Delete" | "Backspace" => {
                ev.prevent_default();
                editor.remove_selected();
            }
            "z" | "Z" if command && ev.shift_key() => {
                ev.prevent_default();
                editor.redo();
            }
            "z" | "Z" if command => {
                ev.prevent_default();
                editor.undo();
            }
            "y" | "Y" if command => {
                ev.prevent_default();
                editor.redo();
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}

#[component]
fn Problems(editor: Editor, problems: Memo<Vec<shared::flows::FlowProblem>>) -> impl IntoView {
    let w = use_words();
    let locale = use_prefs().locale;
    view! {
        <section aria-labelledby="problems-title">
            <h2 id="problems-title" class="mb-1 text-sm font-semibold">
                {move || w().problems} " (" {move || problems.with(Vec::len)} ")"
            </h2>
            <ul id="flow-problems" class="space-y-1 text-sm">
                {move || {
                    let list = problems.get();
                    if list.is_empty() {
                        return view! { <li class="text-green-700 dark:text-green-400">{move || w().no_problems}</li> }.into_any();
                    }
                    list.into_iter().map(|problem| {
                        let block = problem.block.clone();
                        let focus = move |_| {
                            if let Some(id) = block.clone() {
                                editor.selected.set(Some(id.clone()));
                                editor.flow.with_untracked(|f| {
                                    if let Some(b) = f.block(&id) {
                                        editor.view.update(|v| v.centre_on(b.position.x + model::BLOCK_W / 2.0, b.position.y + model::BLOCK_H / 2.0));
                                    }
                                });
                            }
                        };
                        view! {
                            <li>
                                <button type="button" class="w-full rounded px-1 text-left text-red-700 hover:underline dark:text-red-400"
                                    data-problem=problem.code.as_str() on:click=focus>
                                    <span class="font-mono text-xs">{problem.block.clone().unwrap_or_default()}</span>
                                    " " {move || problem_text(locale.get(), problem.code)}
                                    {(!problem.detail.is_empty()).then(|| format!(" ({})", problem.detail))}
                                </button>
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
        </section>
    }
}
