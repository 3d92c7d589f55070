//! The canvas: blocks where the flow says, edges between them, and the
//! pointer at work — move a block, drag from an output to a block to
//! connect, drag the background to pan, wheel, buttons or two fingers to
//! zoom, drop a palette block in. Pointer events, so a finger works like a
//! mouse.

use leptos::html::Div;
use leptos::prelude::*;
use shared::flows::{category_output, BlockKind, ClassifyBy, FlowProblem};

use super::builder::Editor;
use super::model::{self, BLOCK_H, BLOCK_W};
use super::strings::{block_label, trigger_label};
use super::use_words;
pub use super::viewport::{Drag, Fingers, Viewport};
use crate::prefs::use_prefs;

/// The canvas's place on screen: (left, top, width, height).
fn canvas_rect(canvas: NodeRef<Div>) -> Option<(f64, f64, f64, f64)> {
    #[cfg(feature = "hydrate")]
    {
        let rect = canvas.get_untracked()?.get_bounding_client_rect();
        Some((rect.left(), rect.top(), rect.width(), rect.height()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = canvas;
        None
    }
}

/// A screen point inside the canvas, in canvas pixels; `None` outside.
fn on_canvas(canvas: NodeRef<Div>, client: (f64, f64)) -> Option<(f64, f64)> {
    let (left, top, width, height) = canvas_rect(canvas)?;
    let (x, y) = (client.0 - left, client.1 - top);
    (x >= 0.0 && y >= 0.0 && x <= width && y <= height).then_some((x, y))
}

fn client_of(ev: &leptos::ev::PointerEvent) -> (f64, f64) {
    (f64::from(ev.client_x()), f64::from(ev.client_y()))
}

/// The fingers touching the canvas's background: (pointer id, screen point).
type Touches = StoredValue<Vec<(i32, (f64, f64))>>;

/// The first two fingers, in canvas pixels.
fn two_fingers(touches: Touches, canvas: NodeRef<Div>) -> Option<Fingers> {
    let (left, top, _, _) = canvas_rect(canvas)?;
    touches.with_value(|list| match list.as_slice() {
        [(_, a), (_, b), ..] => Some(Fingers::of(
            (a.0 - left, a.1 - top),
            (b.0 - left, b.1 - top),
        )),
        _ => None,
    })
}

#[component]
pub fn Canvas(editor: Editor, problems: Memo<Vec<FlowProblem>>) -> impl IntoView {
    let w = use_words();
    let canvas = NodeRef::<Div>::new();
    let touches: Touches = StoredValue::new(Vec::new());
    follow_the_pointer(editor, canvas, touches);

    let measure = move || {
        if let Some((_, _, width, height)) = canvas_rect(canvas) {
            editor.view.update(|v| {
                v.width = width;
                v.height = height;
            });
        }
    };
    Effect::new(move |_| measure());
    // One finger (or the mouse) pans; a second finger makes it a pinch.
    let pan = move |ev: leptos::ev::PointerEvent| {
        if ev.pointer_type() == "touch" {
            let id = ev.pointer_id();
            touches.update_value(|list| {
                list.retain(|(other, _)| *other != id);
                list.push((id, client_of(&ev)));
            });
            if let Some(fingers) = two_fingers(touches, canvas) {
                editor.drag.set(Drag::Pinch(fingers));
                return;
            }
        }
        editor.selected.set(None);
        editor.drag.set(Drag::Pan {
            last: client_of(&ev),
        });
    };
    let wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        let client = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        if let Some((sx, sy)) = on_canvas(canvas, client) {
            let factor = if ev.delta_y() < 0.0 { 1.1 } else { 1.0 / 1.1 };
            editor.view.update(|v| v.zoom_at(factor, sx, sy));
        }
    };
    let zoom_by = move |factor: f64| {
        measure();
        editor.view.update(|v| {
            let (w, h) = (v.width, v.height);
            v.zoom_at(factor, w / 2.0, h / 2.0)
        });
    };
    let fit = move |_| {
        measure();
        if let Some((left, top, width, height)) = editor.flow.with_untracked(model::bounds) {
            editor.view.update(|v| {
                v.zoom = ((v.width - 80.0) / width)
                    .min((v.height - 80.0) / height)
                    .clamp(0.25, 1.5);
                v.centre_on(left + width / 2.0, top + height / 2.0);
            });
        }
    };
    let placement = move || {
        let v = editor.view.get();
        format!("translate: {}px {}px; scale: {}", v.x, v.y, v.zoom)
    };
    let ids = move || {
        editor
            .flow
            .with(|f| f.blocks.iter().map(|b| b.id.clone()).collect::<Vec<_>>())
    };
    view! {
        <div node_ref=canvas id="flow-canvas" on:pointerdown=pan on:wheel=wheel
            class="fb-canvas" data-zoom=move || format!("{:.2}", editor.view.get().zoom)>
            <div class="fb-layer" style=placement>
                <svg class="fb-svg" width="1" height="1" aria-hidden="true">
                    <Edges editor=editor />
                </svg>
                <For each=ids key=|id| id.clone() let:id>
                    <BlockCard editor=editor id=id problems=problems canvas=canvas />
                </For>
            </div>
            <div class="fb-zoom" on:pointerdown=|ev| ev.stop_propagation()>
                <button type="button" class="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
                    id="zoom-out" title=move || w().zoom_out aria-label=move || w().zoom_out on:click=move |_| zoom_by(1.0 / 1.25)>"−"</button>
                <button type="button" class="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
                    id="zoom-fit" title=move || w().fit aria-label=move || w().fit on:click=fit>"⤢"</button>
                <button type="button" class="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
                    id="zoom-in" title=move || w().zoom_in aria-label=move || w().zoom_in on:click=move |_| zoom_by(1.25)>"+"</button>
            </div>
        </div>
    }
}

/// The window follows the pointer while something is dragged (a pointer
/// may leave the canvas mid-drag) and finishes the drag where it is let go.
fn follow_the_pointer(editor: Editor, canvas: NodeRef<Div>, touches: Touches) {
    let moving = window_event_listener(leptos::ev::pointermove, move |ev| {
        let client = client_of(&ev);
        let view = editor.view.get_untracked();
        if ev.pointer_type() == "touch" {
            let id = ev.pointer_id();
            touches.update_value(|list| {
                if let Some(finger) = list.iter_mut().find(|(other, _)| *other == id) {
                    finger.1 = client;
                }
            });
        }
        match editor.drag.get_untracked() {
            Drag::Idle => {}
            Drag::Pinch(before) => {
                if let Some(after) = two_fingers(touches, canvas) {
                    editor.view.update(|v| v.pinch(before, after));
                    editor.drag.set(Drag::Pinch(after));
                }
            }
            Drag::Move { id, grab_x, grab_y } => {
                if let Some((sx, sy)) = on_canvas(canvas, client) {
                    let (x, y) = view.to_flow(sx, sy);
                    editor.preview(|f| model::move_block(f, &id, x - grab_x, y - grab_y));
                }
            }
            Drag::Connect { from, output, .. } => {
                if let Some((sx, sy)) = on_canvas(canvas, client) {
                    editor.drag.set(Drag::Connect {
                        from,
                        output,
                        at: view.to_flow(sx, sy),
                    });
                }
            }
            Drag::Pan { last } => {
                editor.view.update(|v| {
                    v.x += client.0 - last.0;
                    v.y += client.1 - last.1;
                });
                editor.drag.set(Drag::Pan { last: client });
            }
            Drag::Place { type_name, .. } => editor.drag.set(Drag::Place { type_name, client }),
        }
    });
    let lift = move |ev: &leptos::ev::PointerEvent| {
        let id = ev.pointer_id();
        touches.update_value(|list| list.retain(|(other, _)| *other != id));
    };
    let cancelled = window_event_listener(leptos::ev::pointercancel, move |ev| {
        lift(&ev);
        if let Drag::Pinch(_) | Drag::Pan { .. } = editor.drag.get_untracked() {
            editor.drag.set(Drag::Idle);
        }
    });
    let letting_go = window_event_listener(leptos::ev::pointerup, move |ev| {
        lift(&ev);
        let client = client_of(&ev);
        let view = editor.view.get_untracked();
        let point = on_canvas(canvas, client).map(|(sx, sy)| view.to_flow(sx, sy));
        match editor.drag.get_untracked() {
            Drag::Move { .. } => editor.end_drag(),
            Drag::Connect { from, output, .. } => {
                let target = point
                    .and_then(|(x, y)| editor.flow.with_untracked(|f| model::block_at(f, x, y)));
                if let Some(to) = target {
                    editor.edit(None, |f| {
                        model::connect(f, &from, &output, &to);
                    });
                }
            }
            Drag::Place { type_name, .. } => {
                if let Some((x, y)) = point {
                    let id = editor
                        .flow
                        .with_untracked(|f| model::free_id(f, &type_name));
                    editor.edit(None, |f| {
                        model::add_block(f, &type_name, x - BLOCK_W / 2.0, y - BLOCK_H / 2.0);
                    });
                    editor.selected.set(Some(id));
                }
            }
            Drag::Idle | Drag::Pan { .. } | Drag::Pinch(_) => {}
        }
        editor.drag.set(Drag::Idle);
    });
    on_cleanup(move || {
        moving.remove();
        cancelled.remove();
        letting_go.remove();
    });
}

/// Every edge, and the one being drawn.
#[component]
fn Edges(editor: Editor) -> impl IntoView {
    let paths = move || {
        editor.flow.with(|f| {
            f.edges
                .iter()
                .filter_map(|edge| {
                    let from = f.block(&edge.from)?;
                    let to = f.block(&edge.to)?;
                    let outputs = from.kind.outputs();
                    let index = outputs.iter().position(|o| o.name == edge.output)?;
                    let d = model::edge_path(
                        model::output_point(from, index, outputs.len()),
                        model::input_point(to),
                    );
                    Some(view! {
                        <path d=d class="fb-edge"
                            data-edge=format!("{}:{}->{}", edge.from, edge.output, edge.to) />
                    })
                })
                .collect_view()
        })
    };
    let drawing = move || match editor.drag.get() {
        Drag::Connect { from, output, at } => editor.flow.with(|f| {
            let block = f.block(&from)?;
            let outputs = block.kind.outputs();
            let index = outputs.iter().position(|o| o.name == output)?;
            let d = model::edge_path(model::output_point(block, index, outputs.len()), at);
            Some(view! { <path d=d class="fb-drawing" /> })
        }),
        _ => None,
    };
    view! { {paths} {drawing} }
}

/// A block's one-line summary on its card.
fn summary(kind: &BlockKind, locale: shared::Locale, editor: &Editor) -> String {
    let name_of = |list: &[(i64, String)], id: Option<i64>| {
        id.and_then(|id| list.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()))
            .unwrap_or_default()
    };
    match kind {
        BlockKind::Start { trigger } => trigger_label(locale, trigger.kind()).to_string(),
        BlockKind::SendText { text } => text.clone(),
        BlockKind::SendMedia { url, .. } => url.clone(),
        BlockKind::Ask { question, .. } => question.clone(),
        BlockKind::Menu { text, .. } => text.clone(),
        BlockKind::Condition { branches } => format!("{} ×", branches.len()),
        BlockKind::BusinessHours { department_id } => editor
            .choices
            .with_untracked(|c| name_of(&c.departments, *department_id)),
        BlockKind::Set { name, value, .. } => format!("{name} = {value}"),
        BlockKind::Wait { seconds } => format!("{seconds} s"),
        BlockKind::WaitForReply {
            timeout_seconds, ..
        } => format!("≤ {timeout_seconds} s"),
        BlockKind::Http { method, url, .. } => format!("{method:?} {url}"),
        BlockKind::AiReply { department_id, .. } => editor
            .choices
            .with_untracked(|c| name_of(&c.departments, *department_id)),
        BlockKind::AiClassify {
            by: ClassifyBy::Sentiment,
            ..
        } => "😊 😐 😠".to_string(),
        BlockKind::AiClassify {
            by: ClassifyBy::Category,
            categories,
            ..
        } => editor.choices.with_untracked(|c| {
            categories
                .iter()
                .map(|id| name_of(&c.categories, Some(*id)))
                .collect::<Vec<_>>()
                .join(" · ")
        }),
        BlockKind::AiClassify { intents, .. } => intents
            .iter()
            .map(|i| i.label.as_str())
            .collect::<Vec<_>>()
            .join(" · "),
        BlockKind::ChooseDepartment { text, .. } => text.clone(),
        BlockKind::Transfer {
            department_id,
            agent_id,
        } => editor.choices.with_untracked(|c| match agent_id {
            Some(agent) => c
                .agents
                .iter()
                .find(|(id, _)| id == agent)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            None => name_of(&c.departments, *department_id),
        }),
        BlockKind::End => String::new(),
        BlockKind::Jump { flow_id } => editor
            .choices
            .with_untracked(|c| name_of(&c.flows, Some(*flow_id))),
    }
}

#[component]
fn BlockCard(
    editor: Editor,
    id: String,
    problems: Memo<Vec<FlowProblem>>,
    canvas: NodeRef<Div>,
) -> impl IntoView {
    let locale = use_prefs().locale;
    let block = {
        let id = id.clone();
        Memo::new(move |_| editor.flow.with(|f| f.block(&id).cloned()))
    };
    let selected = {
        let id = id.clone();
        move || editor.selected.get().as_deref() == Some(id.as_str())
    };
    let current = {
        let id = id.clone();
        move || editor.current.get().as_deref() == Some(id.as_str())
    };
    let broken = {
        let id = id.clone();
        move || problems.with(|list| list.iter().any(|p| p.block.as_deref() == Some(id.as_str())))
    };
    let grab = {
        let id = id.clone();
        move |ev: leptos::ev::PointerEvent| {
            ev.stop_propagation();
            editor.selected.set(Some(id.clone()));
            let view = editor.view.get_untracked();
            let Some(b) = block.get_untracked() else {
                return;
            };
            let (grab_x, grab_y) = on_canvas(canvas, client_of(&ev))
                .map(|(sx, sy)| {
                    let (x, y) = view.to_flow(sx, sy);
                    (x - b.position.x, y - b.position.y)
                })
                .unwrap_or((BLOCK_W / 2.0, BLOCK_H / 2.0));
            editor.drag.set(Drag::Move {
                id: b.id.clone(),
                grab_x,
                grab_y,
            });
        }
    };
    let style = move || {
        block
            .get()
            .map(|b| {
                format!(
                    "left: {}px; top: {}px; width: {BLOCK_W}px; height: {BLOCK_H}px",
                    b.position.x, b.position.y
                )
            })
            .unwrap_or_default()
    };
    let class = "fb-block rounded-xl border border-slate-300 bg-white shadow-sm dark:border-slate-600 dark:bg-slate-900";
    let outputs = move || {
        let Some(b) = block.get() else {
            return Vec::new();
        };
        let outputs = b.kind.outputs();
        let count = outputs.len();
        let labels: Vec<String> = match &b.kind {
            BlockKind::Menu { options, .. } => outputs
                .iter()
                .map(|o| {
                    options
                        .iter()
                        .position(|opt| opt.id == o.name)
                        .map(|i| (i + 1).to_string())
                        .unwrap_or_else(|| o.name.clone())
                })
                .collect(),
            BlockKind::AiClassify {
                by: ClassifyBy::Category,
                ..
            } => editor.choices.with(|c| {
                outputs
                    .iter()
                    .map(|o| {
                        c.categories
                            .iter()
                            .find(|(id, _)| category_output(*id) == o.name)
                            .map(|(_, name)| name.chars().take(14).collect())
                            .unwrap_or_else(|| o.name.clone())
                    })
                    .collect()
            }),
            BlockKind::AiClassify { intents, .. } => outputs
                .iter()
                .map(|o| {
                    intents
                        .iter()
                        .find(|i| i.id == o.name && !i.label.trim().is_empty())
                        .map(|i| i.label.chars().take(14).collect())
                        .unwrap_or_else(|| o.name.clone())
                })
                .collect(),
            _ => outputs.iter().map(|o| o.name.clone()).collect(),
        };
        outputs
            .into_iter()
            .zip(labels)
            .enumerate()
            .map(|(index, (output, label))| {
                let start = model::output_point(&b, index, count);
                let (x, _) = start;
                let left = x - b.position.x;
                let from = b.id.clone();
                let name = output.name.clone();
                let connect = move |ev: leptos::ev::PointerEvent| {
                    ev.stop_propagation();
                    ev.prevent_default();
                    editor.drag.set(Drag::Connect {
                        from: from.clone(),
                        output: name.clone(),
                        at: start,
                    });
                };
                view! {
                    <span class="fb-out-label" style=format!("left: {left}px")>{label}</span>
                    <span role="button" tabindex="-1" data-output=output.name.clone() on:pointerdown=connect
                        class="fb-out" data-optional=(!output.required).to_string() style=format!("left: {left}px") />
                }
            })
            .collect::<Vec<_>>()
    };
    let type_name = move || {
        block
            .get()
            .map(|b| model::type_of(&b.kind))
            .unwrap_or_default()
    };
    let editor_for_summary = editor;
    view! {
        <div class=class style=style data-block=id.clone() data-type=type_name on:pointerdown=grab
            data-selected=move || selected().to_string() data-current=move || current().to_string() data-broken=move || broken().to_string()>
            <span class="fb-in" aria-hidden="true" />
            <div class="flex items-center justify-between gap-2 border-b border-slate-200 px-2 py-1 dark:border-slate-700">
                <span class="truncate text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-300">
                    {move || block_label(locale.get(), type_name())}
                </span>
                <span class="truncate font-mono text-xs text-slate-400">{id.clone()}</span>
            </div>
            <p class="line-clamp-2 px-2 py-1 text-xs text-slate-700 dark:text-slate-200">
                {move || block.get().map(|b| summary(&b.kind, locale.get(), &editor_for_summary)).unwrap_or_default()}
            </p>
            {outputs}
        </div>
    }
}
