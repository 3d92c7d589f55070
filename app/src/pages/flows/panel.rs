//! The selected block's settings: the common ones as fields, everything
//! (conditions' rules, HTTP headers and mappings) in its JSON too.

use leptos::prelude::*;
use shared::flows::{AskKind, BlockKind, HttpMethod, MenuOption, SetTarget, Trigger};

use super::builder::Editor;
use super::model;
use super::strings::{block_label, trigger_label, FlowStrings};
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
pub fn SettingsPanel(editor: Editor) -> impl IntoView {
    let w = use_words();
    let locale = use_prefs().locale;
    let selected = Memo::new(move |_| {
        let id = editor.selected.get()?;
        editor.flow.with(|f| f.block(&id).cloned())
    });
    // Re-drawn when another block is selected or the block's type changes,
    // not on every keystroke (fields keep their focus).
    // Re-drawn when another block is selected or its fields themselves
    // change (its type, a start's trigger, a menu's number of options), not
    // on every keystroke: fields keep their focus.
    let shape = Memo::new(move |_| {
        selected.with(|b| {
            b.as_ref().map(|b| {
                let (trigger, options) = match &b.kind {
                    BlockKind::Start { trigger } => (trigger.kind(), 0),
                    BlockKind::Menu { options, .. } => ("", options.len()),
                    _ => ("", 0),
                };
                (b.id.clone(), model::type_of(&b.kind), trigger, options)
            })
        })
    });
    view! {
        <section id="block-settings" aria-live="polite">
            {move || match shape.get() {
                None => view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || w().select_hint}</p> }.into_any(),
                Some((id, type_name, _, _)) => view! {
                    <div class="mb-2 flex items-center justify-between gap-2">
                        <h2 class="text-sm font-semibold">{move || block_label(locale.get(), type_name)}
                            " " <span class="font-mono text-xs text-slate-400">{id.clone()}</span></h2>
                        <button type="button" class=BUTTON id="remove-block" on:click=move |_| editor.remove_selected()>{move || w().remove_block}</button>
                    </div>
                    <Fields editor=editor id=id.clone() kind=selected.get_untracked().map(|b| b.kind).unwrap_or(BlockKind::End) />
                    <JsonSettings editor=editor id=id open=type_name == "condition" />
                }.into_any(),
            }}
        </section>
    }
}

fn text_input(
    label: &'static str,
    field_id: &'static str,
    value: String,
    multiline: bool,
    on_input: impl Fn(String) + 'static,
) -> impl IntoView {
    let control = if multiline {
        view! { <textarea id=field_id class=INPUT rows="3" on:input=move |ev| on_input(event_target_value(&ev))>{value}</textarea> }.into_any()
    } else {
        view! { <input id=field_id class=INPUT value=value on:input=move |ev| on_input(event_target_value(&ev)) /> }.into_any()
    };
    view! { <div class="mb-2"><label class=LABEL for=field_id>{label}</label>{control}</div> }
}

fn number_input(
    label: &'static str,
    field_id: &'static str,
    value: u32,
    on_input: impl Fn(u32) + 'static,
) -> impl IntoView {
    view! {
        <div class="mb-2">
            <label class=LABEL for=field_id>{label}</label>
            <input id=field_id type="number" min="0" class=INPUT value=value.to_string()
                on:input=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                        on_input(n)
                    }
                } />
        </div>
    }
}

/// A picker over (id, name) pairs with an empty first choice.
fn picker<T: Clone + PartialEq + ToString + std::str::FromStr + Send + Sync + 'static>(
    label: &'static str,
    field_id: &'static str,
    empty: &'static str,
    choices: Vec<(T, String)>,
    value: Option<T>,
    on_change: impl Fn(Option<T>) + 'static,
) -> impl IntoView {
    view! {
        <div class="mb-2">
            <label class=LABEL for=field_id>{label}</label>
            <select id=field_id class=INPUT on:change=move |ev| on_change(event_target_value(&ev).parse::<T>().ok())>
                <option value="" selected=value.is_none()>{empty}</option>
                {choices.into_iter().map(|(id, name)| {
                    let chosen = value.as_ref() == Some(&id);
                    view! { <option value=id.to_string() selected=chosen>{name}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn Fields(editor: Editor, id: String, kind: BlockKind) -> impl IntoView {
    let w: &'static FlowStrings = use_words()();
    let locale = use_prefs().locale.get_untracked();
    let choices = editor.choices.get_untracked();
    let at = move |field: &'static str| {
        let id = id.clone();
        move |apply: Box<dyn FnOnce(&mut BlockKind)>| change(editor, &id, field, apply)
    };
    match kind {
        BlockKind::Start { trigger } => {
            let set = at("trigger");
            let kinds = [
                "new_conversation",
                "keyword",
                "outside_business_hours",
                "manual",
            ];
            let current = trigger.kind();
            let pick = move |ev: leptos::ev::Event| {
                let trigger = match event_target_value(&ev).as_str() {
                    "new_conversation" => Trigger::NewConversation {
                        channel_ids: vec![],
                    },
                    "keyword" => Trigger::Keyword { keywords: vec![] },
                    "outside_business_hours" => Trigger::OutsideBusinessHours {
                        department_id: None,
                    },
                    _ => Trigger::Manual,
                };
                set(Box::new(move |k| *k = BlockKind::Start { trigger }));
            };
            let detail = match trigger {
                Trigger::NewConversation { channel_ids } => {
                    let set = at("channels");
                    picker(
                        w.every_connection,
                        "trigger-channel",
                        w.every_connection,
                        choices.channels.clone(),
                        channel_ids.first().copied(),
                        move |chosen| {
                            set(Box::new(move |k| {
                                *k = BlockKind::Start {
                                    trigger: Trigger::NewConversation {
                                        channel_ids: chosen.into_iter().collect(),
                                    },
                                }
                            }))
                        },
                    )
                    .into_any()
                }
                Trigger::Keyword { keywords } => {
                    let set = at("keywords");
                    text_input(
                        w.keywords,
                        "trigger-keywords",
                        keywords.join(", "),
                        false,
                        move |text| {
                            let keywords = text
                                .split(',')
                                .map(|k| k.trim().to_string())
                                .filter(|k| !k.is_empty())
                                .collect();
                            set(Box::new(move |k| {
                                *k = BlockKind::Start {
                                    trigger: Trigger::Keyword { keywords },
                                }
                            }))
                        },
                    )
                    .into_any()
                }
                Trigger::OutsideBusinessHours { department_id } => {
                    let set = at("department");
                    picker(
                        w.department,
                        "trigger-department",
                        w.account_calendar,
                        choices.departments.clone(),
                        department_id,
                        move |chosen| {
                            set(Box::new(move |k| {
                                *k = BlockKind::Start {
                                    trigger: Trigger::OutsideBusinessHours {
                                        department_id: chosen,
                                    },
                                }
                            }))
                        },
                    )
                    .into_any()
                }
                Trigger::Manual => ().into_any(),
            };
            view! {
                <div class="mb-2">
                    <label class=LABEL for="trigger-kind">{w.trigger}</label>
                    <select id="trigger-kind" class=INPUT on:change=pick>
                        {kinds.into_iter().map(|k| view! { <option value=k selected=k == current>{trigger_label(locale, k)}</option> }).collect_view()}
                    </select>
                </div>
                {detail}
            }
            .into_any()
        }
        BlockKind::SendText { text } => {
            let set = at("text");
            text_input(w.text, "block-text", text, true, move |value| {
                set(Box::new(move |k| {
                    if let BlockKind::SendText { text } = k {
                        *text = value
                    }
                }))
            })
            .into_any()
        }
        BlockKind::SendMedia { url, caption } => {
            let (set_url, set_caption) = (at("url"), at("caption"));
            view! {
                {text_input(w.url, "block-url", url, false, move |value| set_url(Box::new(move |k| if let BlockKind::SendMedia { url, .. } = k { *url = value })))}
                {text_input(w.caption, "block-caption", caption, true, move |value| set_caption(Box::new(move |k| if let BlockKind::SendMedia { caption, .. } = k { *caption = value })))}
            }
            .into_any()
        }
        BlockKind::Ask {
            question,
            kind,
            variable,
            retry_message,
            max_retries,
        } => {
            let (set_q, set_kind, set_var, set_retry, set_max) = (
                at("question"),
                at("kind"),
                at("variable"),
                at("retry"),
                at("max"),
            );
            let kinds = [
                (AskKind::Text, "text"),
                (AskKind::Number, "number"),
                (AskKind::Email, "email"),
                (AskKind::Phone, "phone"),
                (AskKind::Date, "date"),
            ];
            view! {
                {text_input(w.question, "block-question", question, true, move |value| set_q(Box::new(move |k| if let BlockKind::Ask { question, .. } = k { *question = value })))}
                <div class="mb-2">
                    <label class=LABEL for="block-answer-kind">{w.answer_kind}</label>
                    <select id="block-answer-kind" class=INPUT on:change=move |ev| {
                        let chosen = match event_target_value(&ev).as_str() { "number" => AskKind::Number, "email" => AskKind::Email, "phone" => AskKind::Phone, "date" => AskKind::Date, _ => AskKind::Text };
                        set_kind(Box::new(move |k| if let BlockKind::Ask { kind, .. } = k { *kind = chosen }))
                    }>
                        {kinds.into_iter().map(|(k, name)| view! { <option value=name selected=k == kind>{name}</option> }).collect_view()}
                    </select>
                </div>
                {text_input(w.variable, "block-variable", variable, false, move |value| set_var(Box::new(move |k| if let BlockKind::Ask { variable, .. } = k { *variable = value })))}
                {text_input(w.retry_message, "block-retry", retry_message, false, move |value| set_retry(Box::new(move |k| if let BlockKind::Ask { retry_message, .. } = k { *retry_message = value })))}
                {number_input(w.max_retries, "block-max-retries", max_retries.into(), move |n| set_max(Box::new(move |k| if let BlockKind::Ask { max_retries, .. } = k { *max_retries = n.min(10) as u8 })))}
            }
            .into_any()
        }
        BlockKind::Menu {
            text,
            options,
            retry_message,
            ..
        } => {
            let (set_text, set_retry) = (at("text"), at("retry"));
            let option_fields = options.iter().enumerate().map(|(index, option)| {
                let set_label = at("option");
                let remove = at("options");
                let field_id = format!("menu-option-{}", index + 1);
                view! {
                    <div class="mb-1 flex gap-1">
                        <span class="pt-2 text-right text-xs text-slate-500" style="width: 1.25rem">{index + 1}</span>
                        <input id=field_id class=INPUT value=option.label.clone() on:input=move |ev| {
                            let value = event_target_value(&ev);
                            set_label(Box::new(move |k| if let BlockKind::Menu { options, .. } = k { if let Some(o) = options.get_mut(index) { o.label = value } }))
                        } />
                        <button type="button" class=BUTTON aria-label="×" on:click=move |_| remove(Box::new(move |k| if let BlockKind::Menu { options, .. } = k { if options.len() > 1 { options.remove(index); } }))>"×"</button>
                    </div>
                }
            }).collect_view();
            let add = at("options");
            view! {
                {text_input(w.text, "block-text", text, true, move |value| set_text(Box::new(move |k| if let BlockKind::Menu { text, .. } = k { *text = value })))}
                <p class=LABEL>{w.options}</p>
                {option_fields}
                <button type="button" class=BUTTON id="add-option" on:click=move |_| add(Box::new(|k| if let BlockKind::Menu { options, .. } = k {
                    let id = (1..).map(|n| format!("op{n}")).find(|id| options.iter().all(|o| &o.id != id)).unwrap_or_default();
                    options.push(MenuOption { label: format!("Opção {}", options.len() + 1), id });
                }))>{w.add_option}</button>
                <div class="mt-2">{text_input(w.retry_message, "block-retry", retry_message, false, move |value| set_retry(Box::new(move |k| if let BlockKind::Menu { retry_message, .. } = k { *retry_message = value })))}</div>
            }
            .into_any()
        }
        BlockKind::BusinessHours { department_id } => {
            let set = at("department");
            picker(
                w.department,
                "block-department",
                w.account_calendar,
                choices.departments,
                department_id,
                move |chosen| {
                    set(Box::new(move |k| {
                        *k = BlockKind::BusinessHours {
                            department_id: chosen,
                        }
                    }))
                },
            )
            .into_any()
        }
        BlockKind::Set {
            target,
            name,
            value,
        } => {
            let (set_target, set_name, set_value) = (at("target"), at("name"), at("value"));
            let targets = [
                (SetTarget::Variable, "variable"),
                (SetTarget::ContactAttribute, "contact_attribute"),
                (SetTarget::Tag, "tag"),
                (SetTarget::Priority, "priority"),
            ];
            view! {
                <div class="mb-2">
                    <label class=LABEL for="block-target">{w.target}</label>
                    <select id="block-target" class=INPUT on:change=move |ev| {
                        let chosen = match event_target_value(&ev).as_str() { "variable" => SetTarget::Variable, "contact_attribute" => SetTarget::ContactAttribute, "priority" => SetTarget::Priority, _ => SetTarget::Tag };
                        set_target(Box::new(move |k| if let BlockKind::Set { target, .. } = k { *target = chosen }))
                    }>
                        {targets.into_iter().map(|(t, name)| view! { <option value=name selected=t == target>{name}</option> }).collect_view()}
                    </select>
                </div>
                {text_input(w.name, "block-name", name, false, move |v| set_name(Box::new(move |k| if let BlockKind::Set { name, .. } = k { *name = v })))}
                {text_input(w.value, "block-value", value, false, move |v| set_value(Box::new(move |k| if let BlockKind::Set { value, .. } = k { *value = v })))}
            }
            .into_any()
        }
        BlockKind::Wait { seconds } => {
            let set = at("seconds");
            number_input(w.seconds, "block-seconds", seconds, move |n| {
                set(Box::new(move |k| *k = BlockKind::Wait { seconds: n }))
            })
            .into_any()
        }
        BlockKind::WaitForReply {
            variable,
            timeout_seconds,
        } => {
            let (set_var, set_timeout) = (at("variable"), at("timeout"));
            view! {
                {text_input(w.variable, "block-variable", variable.unwrap_or_default(), false, move |v| set_var(Box::new(move |k| if let BlockKind::WaitForReply { variable, .. } = k { *variable = Some(v).filter(|v| !v.trim().is_empty()) })))}
                {number_input(w.timeout_seconds, "block-timeout", timeout_seconds, move |n| set_timeout(Box::new(move |k| if let BlockKind::WaitForReply { timeout_seconds, .. } = k { *timeout_seconds = n })))}
            }
            .into_any()
        }
        BlockKind::Http {
            method,
            url,
            body,
            timeout_ms,
            ..
        } => {
            let (set_method, set_url, set_body, set_timeout) =
                (at("method"), at("url"), at("body"), at("timeout"));
            let methods = [
                HttpMethod::Get,
                HttpMethod::Post,
                HttpMethod::Put,
                HttpMethod::Patch,
                HttpMethod::Delete,
            ];
            view! {
                <div class="mb-2">
                    <label class=LABEL for="block-method">{w.method}</label>
                    <select id="block-method" class=INPUT on:change=move |ev| {
                        let chosen = match event_target_value(&ev).as_str() { "POST" => HttpMethod::Post, "PUT" => HttpMethod::Put, "PATCH" => HttpMethod::Patch, "DELETE" => HttpMethod::Delete, _ => HttpMethod::Get };
                        set_method(Box::new(move |k| if let BlockKind::Http { method, .. } = k { *method = chosen }))
                    }>
                        {methods.into_iter().map(|m| { let name = format!("{m:?}").to_uppercase(); view! { <option value=name.clone() selected=m == method>{name.clone()}</option> } }).collect_view()}
                    </select>
                </div>
                {text_input(w.url, "block-url", url, false, move |v| set_url(Box::new(move |k| if let BlockKind::Http { url, .. } = k { *url = v })))}
                {text_input(w.body, "block-body", body.unwrap_or_default(), true, move |v| set_body(Box::new(move |k| if let BlockKind::Http { body, .. } = k { *body = Some(v).filter(|v| !v.trim().is_empty()) })))}
                {number_input(w.timeout_ms, "block-timeout", timeout_ms, move |n| set_timeout(Box::new(move |k| if let BlockKind::Http { timeout_ms, .. } = k { *timeout_ms = n })))}
            }
            .into_any()
        }
        BlockKind::Transfer {
            department_id,
            agent_id,
        } => {
            let (set_department, set_agent) = (at("target"), at("target"));
            view! {
                {picker(w.department, "block-department", w.none, choices.departments, department_id, move |chosen| {
                    set_department(Box::new(move |k| *k = BlockKind::Transfer { department_id: chosen, agent_id: None }))
                })}
                {picker(w.agent, "block-agent", w.none, choices.agents, agent_id, move |chosen| {
                    set_agent(Box::new(move |k| *k = BlockKind::Transfer { department_id: None, agent_id: chosen }))
                })}
            }
            .into_any()
        }
        BlockKind::Jump { flow_id } => {
            let set = at("flow");
            picker(
                w.flow,
                "block-flow",
                w.none,
                choices.flows,
                Some(flow_id).filter(|id| *id > 0),
                move |chosen| {
                    set(Box::new(move |k| {
                        *k = BlockKind::Jump {
                            flow_id: chosen.unwrap_or(0),
                        }
                    }))
                },
            )
            .into_any()
        }
        BlockKind::End => {
            view! { <p class="mb-2 text-sm text-slate-600 dark:text-slate-300">{w.end_note}</p> }
                .into_any()
        }
        BlockKind::Condition { .. } => ().into_any(),
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
    let apply = move |ev: leptos::ev::Event| match serde_json::from_str::<BlockKind>(
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
