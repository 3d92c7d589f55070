//! The selected block's fields, by block type, each showing its own
//! problem: a lazy part of its own (`block_fields`), fetched while the
//! canvas shows, so the builder's download stays within the budget.

use leptos::prelude::*;
use shared::flows::{
    AskKind, BlockKind, ClassifyBy, HttpMethod, Intent, MenuOption, SetTarget, Trigger,
};

use super::super::builder::Editor;
use super::super::strings::{problem_text, trigger_label, FlowStrings};
use super::super::use_words;
use super::{change, is_about_a_field, SelectedProblems, LABEL};
use crate::components::widgets::{BUTTON, INPUT};
use crate::prefs::use_prefs;

/// What is wrong with `setting` of the selected block, if anything.
fn problem_with(setting: &'static str) -> Signal<Option<&'static str>> {
    let problems = expect_context::<SelectedProblems>().0;
    let locale = use_prefs().locale;
    Signal::derive(move || {
        problems.with(|list| {
            list.iter()
                .find(|p| is_about_a_field(p) && p.detail == setting)
                .map(|p| problem_text(locale.get(), p.code))
        })
    })
}

/// The problem line under a field (`{field_id}-problem`, which the field
/// names as its description).
fn problem_line(field_id: &'static str, problem: Signal<Option<&'static str>>) -> impl IntoView {
    move || {
        problem.get().map(|text| {
            view! { <p id=format!("{field_id}-problem") class="mt-1 text-xs text-red-700 dark:text-red-400">{text}</p> }
        })
    }
}

fn text_input(
    label: &'static str,
    field_id: &'static str,
    setting: &'static str,
    value: String,
    multiline: bool,
    on_input: impl Fn(String) + 'static,
) -> impl IntoView {
    let problem = problem_with(setting);
    let invalid = move || problem.get().map(|_| "true");
    let described = move || problem.get().map(|_| format!("{field_id}-problem"));
    let control = if multiline {
        view! { <textarea id=field_id class=INPUT rows="3" aria-invalid=invalid aria-describedby=described on:input=move |ev| on_input(event_target_value(&ev))>{value}</textarea> }.into_any()
    } else {
        view! { <input id=field_id class=INPUT value=value aria-invalid=invalid aria-describedby=described on:input=move |ev| on_input(event_target_value(&ev)) /> }.into_any()
    };
    view! { <div class="mb-2"><label class=LABEL for=field_id>{label}</label>{control}{problem_line(field_id, problem)}</div> }
}

fn number_input(
    label: &'static str,
    field_id: &'static str,
    setting: &'static str,
    value: u32,
    on_input: impl Fn(u32) + 'static,
) -> impl IntoView {
    let problem = problem_with(setting);
    view! {
        <div class="mb-2">
            <label class=LABEL for=field_id>{label}</label>
            <input id=field_id type="number" min="0" class=INPUT value=value.to_string()
                aria-invalid=move || problem.get().map(|_| "true")
                aria-describedby=move || problem.get().map(|_| format!("{field_id}-problem"))
                on:input=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                        on_input(n)
                    }
                } />
            {problem_line(field_id, problem)}
        </div>
    }
}

/// A picker over (id, name) pairs with an empty first choice.
fn picker<T: Clone + PartialEq + ToString + std::str::FromStr + Send + Sync + 'static>(
    label: &'static str,
    field_id: &'static str,
    setting: &'static str,
    empty: &'static str,
    choices: Vec<(T, String)>,
    value: Option<T>,
    on_change: impl Fn(Option<T>) + 'static,
) -> impl IntoView {
    let problem = problem_with(setting);
    view! {
        <div class="mb-2">
            <label class=LABEL for=field_id>{label}</label>
            <select id=field_id class=INPUT aria-invalid=move || problem.get().map(|_| "true")
                on:change=move |ev| on_change(event_target_value(&ev).parse::<T>().ok())>
                <option value="" selected=value.is_none()>{empty}</option>
                {choices.into_iter().map(|(id, name)| {
                    let chosen = value.as_ref() == Some(&id);
                    view! { <option value=id.to_string() selected=chosen>{name}</option> }
                }).collect_view()}
            </select>
            {problem_line(field_id, problem)}
        </div>
    }
}

/// The selected block's fields: a wasm chunk of their own, so the
/// builder's download stays within the budget for a lazily loaded part.
#[leptos::lazy]
pub(super) fn block_fields(editor: Editor, id: String, kind: BlockKind) -> AnyView {
    view! { <Fields editor=editor id=id kind=kind /> }.into_any()
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
                        "channels",
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
                        "keywords",
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
                        "department",
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
            text_input(w.text, "block-text", "text", text, true, move |value| {
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
                {text_input(w.url, "block-url", "url", url, false, move |value| set_url(Box::new(move |k| if let BlockKind::SendMedia { url, .. } = k { *url = value })))}
                {text_input(w.caption, "block-caption", "caption", caption, true, move |value| set_caption(Box::new(move |k| if let BlockKind::SendMedia { caption, .. } = k { *caption = value })))}
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
                {text_input(w.question, "block-question", "question", question, true, move |value| set_q(Box::new(move |k| if let BlockKind::Ask { question, .. } = k { *question = value })))}
                <div class="mb-2">
                    <label class=LABEL for="block-answer-kind">{w.answer_kind}</label>
                    <select id="block-answer-kind" class=INPUT on:change=move |ev| {
                        let chosen = match event_target_value(&ev).as_str() { "number" => AskKind::Number, "email" => AskKind::Email, "phone" => AskKind::Phone, "date" => AskKind::Date, _ => AskKind::Text };
                        set_kind(Box::new(move |k| if let BlockKind::Ask { kind, .. } = k { *kind = chosen }))
                    }>
                        {kinds.into_iter().map(|(k, name)| view! { <option value=name selected=k == kind>{name}</option> }).collect_view()}
                    </select>
                </div>
                {text_input(w.variable, "block-variable", "variable", variable, false, move |value| set_var(Box::new(move |k| if let BlockKind::Ask { variable, .. } = k { *variable = value })))}
                {text_input(w.retry_message, "block-retry", "retry_message", retry_message, false, move |value| set_retry(Box::new(move |k| if let BlockKind::Ask { retry_message, .. } = k { *retry_message = value })))}
                {number_input(w.max_retries, "block-max-retries", "max_retries", max_retries.into(), move |n| set_max(Box::new(move |k| if let BlockKind::Ask { max_retries, .. } = k { *max_retries = n.min(10) as u8 })))}
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
                {text_input(w.text, "block-text", "text", text, true, move |value| set_text(Box::new(move |k| if let BlockKind::Menu { text, .. } = k { *text = value })))}
                <p class=LABEL>{w.options}</p>
                {option_fields}
                {problem_line("menu-options", problem_with("options"))}
                <button type="button" class=BUTTON id="add-option" on:click=move |_| add(Box::new(|k| if let BlockKind::Menu { options, .. } = k {
                    let id = (1..).map(|n| format!("op{n}")).find(|id| options.iter().all(|o| &o.id != id)).unwrap_or_default();
                    options.push(MenuOption { label: format!("Opção {}", options.len() + 1), id });
                }))>{w.add_option}</button>
                <div class="mt-2">{text_input(w.retry_message, "block-retry", "retry_message", retry_message, false, move |value| set_retry(Box::new(move |k| if let BlockKind::Menu { retry_message, .. } = k { *retry_message = value })))}</div>
            }
            .into_any()
        }
        BlockKind::BusinessHours { department_id } => {
            let set = at("department");
            picker(
                w.department,
                "block-department",
                "department",
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
                {text_input(w.name, "block-name", "name", name, false, move |v| set_name(Box::new(move |k| if let BlockKind::Set { name, .. } = k { *name = v })))}
                {text_input(w.value, "block-value", "value", value, false, move |v| set_value(Box::new(move |k| if let BlockKind::Set { value, .. } = k { *value = v })))}
            }
            .into_any()
        }
        BlockKind::Wait { seconds } => {
            let set = at("seconds");
            number_input(w.seconds, "block-seconds", "seconds", seconds, move |n| {
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
                {text_input(w.variable, "block-variable", "variable", variable.unwrap_or_default(), false, move |v| set_var(Box::new(move |k| if let BlockKind::WaitForReply { variable, .. } = k { *variable = Some(v).filter(|v| !v.trim().is_empty()) })))}
                {number_input(w.timeout_seconds, "block-timeout", "timeout_seconds", timeout_seconds, move |n| set_timeout(Box::new(move |k| if let BlockKind::WaitForReply { timeout_seconds, .. } = k { *timeout_seconds = n })))}
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
                {text_input(w.url, "block-url", "url", url, false, move |v| set_url(Box::new(move |k| if let BlockKind::Http { url, .. } = k { *url = v })))}
                {text_input(w.body, "block-body", "body", body.unwrap_or_default(), true, move |v| set_body(Box::new(move |k| if let BlockKind::Http { body, .. } = k { *body = Some(v).filter(|v| !v.trim().is_empty()) })))}
                {number_input(w.timeout_ms, "block-timeout", "timeout_ms", timeout_ms, move |n| set_timeout(Box::new(move |k| if let BlockKind::Http { timeout_ms, .. } = k { *timeout_ms = n })))}
            }
            .into_any()
        }
        BlockKind::ChooseDepartment {
            text,
            departments,
            retry_message,
            ..
        } => {
            let (set_text, set_retry) = (at("text"), at("retry"));
            let department_boxes = choices.departments.into_iter().map(|(department_id, name)| {
                let toggle = at("departments");
                let box_id = format!("offered-department-{department_id}");
                let label_for = box_id.clone();
                view! {
                    <label class="flex items-center gap-2 py-1 text-sm" for=label_for>
                        <input type="checkbox" id=box_id checked=departments.contains(&department_id) on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            toggle(Box::new(move |k| if let BlockKind::ChooseDepartment { departments, .. } = k {
                                departments.retain(|id| *id != department_id);
                                if on { departments.push(department_id) }
                            }))
                        } />
                        {name}
                    </label>
                }
            }).collect_view();
            view! {
                {text_input(w.text, "block-text", "text", text, true, move |value| set_text(Box::new(move |k| if let BlockKind::ChooseDepartment { text, .. } = k { *text = value })))}
                <fieldset class="mb-2">
                    <legend class=LABEL>{w.departments_offered}</legend>
                    {department_boxes}
                    <p class="text-xs text-slate-600 dark:text-slate-300">{w.departments_offered_hint}</p>
                    {problem_line("offered-departments", problem_with("departments"))}
                </fieldset>
                {text_input(w.retry_message, "block-retry", "retry_message", retry_message, false, move |value| set_retry(Box::new(move |k| if let BlockKind::ChooseDepartment { retry_message, .. } = k { *retry_message = value })))}
            }
            .into_any()
        }
        BlockKind::Transfer {
            department_id,
            agent_id,
        } => {
            let (set_department, set_agent) = (at("target"), at("target"));
            view! {
                {picker(w.department, "block-department", "department", w.none, choices.departments, department_id, move |chosen| {
                    set_department(Box::new(move |k| *k = BlockKind::Transfer { department_id: chosen, agent_id: None }))
                })}
                {picker(w.agent, "block-agent", "target", w.none, choices.agents, agent_id, move |chosen| {
                    set_agent(Box::new(move |k| *k = BlockKind::Transfer { department_id: None, agent_id: chosen }))
                })}
            }
            .into_any()
        }
        BlockKind::AiReply {
            department_id,
            max_turns,
        } => {
            let (set_department, set_turns) = (at("department"), at("turns"));
            view! {
                {picker(w.ai_agent, "block-department", "department", w.global_agent, choices.departments, department_id, move |chosen| {
                    set_department(Box::new(move |k| if let BlockKind::AiReply { department_id, .. } = k { *department_id = chosen }))
                })}
                {number_input(w.max_turns, "block-max-turns", "max_turns", max_turns.into(), move |n| set_turns(Box::new(move |k| if let BlockKind::AiReply { max_turns, .. } = k { *max_turns = n.min(50) as u8 })))}
                <p class="mb-2 text-xs text-slate-600 dark:text-slate-300">{w.ai_reply_note}</p>
            }
            .into_any()
        }
        BlockKind::AiClassify {
            by,
            department_id,
            intents,
            categories,
        } => {
            let (set_by, set_department) = (at("by"), at("department"));
            let no_categories = choices.categories.is_empty();
            let category_boxes = choices.categories.into_iter().map(|(category_id, name)| {
                let toggle = at("categories");
                let box_id = format!("classify-category-{category_id}");
                let label_for = box_id.clone();
                view! {
                    <label class="flex items-center gap-2 py-1 text-sm" for=label_for>
                        <input type="checkbox" id=box_id checked=categories.contains(&category_id) on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            toggle(Box::new(move |k| if let BlockKind::AiClassify { categories, .. } = k {
                                categories.retain(|id| *id != category_id);
                                if on { categories.push(category_id) }
                            }))
                        } />
                        {name}
                    </label>
                }
            }).collect_view();
            let intent_fields = intents.iter().enumerate().map(|(index, intent)| {
                let (set_label, set_examples, remove) = (at("intent"), at("examples"), at("intents"));
                let label_id = format!("intent-label-{}", index + 1);
                let examples_id = format!("intent-examples-{}", index + 1);
                view! {
                    <fieldset class="mb-2 rounded border border-slate-200 p-2 dark:border-slate-700">
                        <div class="flex gap-1">
                            <input id=label_id class=INPUT value=intent.label.clone() placeholder=w.intent_label aria-label=w.intent_label on:input=move |ev| {
                                let value = event_target_value(&ev);
                                set_label(Box::new(move |k| if let BlockKind::AiClassify { intents, .. } = k { if let Some(i) = intents.get_mut(index) { i.label = value } }))
                            } />
                            <button type="button" class=BUTTON aria-label="×" on:click=move |_| remove(Box::new(move |k| if let BlockKind::AiClassify { intents, .. } = k { if intents.len() > 1 { intents.remove(index); } }))>"×"</button>
                        </div>
                        <label class=LABEL for=examples_id.clone()>{w.intent_examples}</label>
                        <textarea id=examples_id class=INPUT rows="2" on:input=move |ev| {
                            let examples: Vec<String> = event_target_value(&ev).lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
                            set_examples(Box::new(move |k| if let BlockKind::AiClassify { intents, .. } = k { if let Some(i) = intents.get_mut(index) { i.examples = examples } }))
                        }>{intent.examples.join("\n")}</textarea>
                    </fieldset>
                }
            }).collect_view();
            let add = at("intents");
            let (by_intent, by_category) = (by == ClassifyBy::Intent, by == ClassifyBy::Category);
            view! {
                <div class="mb-2">
                    <label class=LABEL for="block-classify-by">{w.classify_by}</label>
                    <select id="block-classify-by" class=INPUT on:change=move |ev| {
                        let chosen = match event_target_value(&ev).as_str() { "sentiment" => ClassifyBy::Sentiment, "category" => ClassifyBy::Category, _ => ClassifyBy::Intent };
                        set_by(Box::new(move |k| if let BlockKind::AiClassify { by, .. } = k { *by = chosen }))
                    }>
                        <option value="intent" selected=by_intent>{w.by_intent}</option>
                        <option value="category" selected=by_category>{w.by_category}</option>
                        <option value="sentiment" selected=by == ClassifyBy::Sentiment>{w.by_sentiment}</option>
                    </select>
                </div>
                {picker(w.ai_agent, "block-department", "department", w.global_agent, choices.departments, department_id, move |chosen| {
                    set_department(Box::new(move |k| if let BlockKind::AiClassify { department_id, .. } = k { *department_id = chosen }))
                })}
                {by_intent.then(|| view! {
                    <p class=LABEL>{w.intents}</p>
                    {intent_fields}
                    {problem_line("classify-intents", problem_with("intents"))}
                    <button type="button" class=BUTTON id="add-intent" on:click=move |_| add(Box::new(|k| if let BlockKind::AiClassify { intents, .. } = k {
                        let id = (1..).map(|n| format!("in{n}")).find(|id| intents.iter().all(|i| &i.id != id)).unwrap_or_default();
                        intents.push(Intent { id, label: String::new(), examples: vec![] });
                    }))>{w.add_intent}</button>
                })}
                {by_category.then(|| view! {
                    <fieldset id="classify-categories" class="mb-2">
                        <legend class=LABEL>{w.categories}</legend>
                        {category_boxes}
                        {no_categories.then(|| view! { <p class="text-xs text-slate-600 dark:text-slate-300">{w.no_categories}</p> })}
                    </fieldset>
                    {problem_line("classify-categories", problem_with("categories"))}
                    <p class="mb-2 text-xs text-slate-600 dark:text-slate-300">{w.by_category_note}</p>
                })}
            }
            .into_any()
        }
        BlockKind::Jump { flow_id } => {
            let set = at("flow");
            picker(
                w.flow,
                "block-flow",
                "flow",
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
