//! The test chat: the draft run by the server's interpreter against a
//! made-up customer; the bot's words, the path it took (the current block
//! lit on the canvas) and its variables.

use leptos::prelude::*;
use shared::flows::FlowTestStep;
use shared::AppError;

use super::builder::Editor;
use super::use_words;
use crate::api::flows::test_flow;
use crate::components::form::ErrorBanner;
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};

/// One line of the test conversation.
#[derive(Clone, Debug, PartialEq)]
struct Line {
    from_customer: bool,
    text: String,
}

/// What the tester does next.
#[derive(Clone, Debug, PartialEq)]
enum Input {
    Start,
    Say(String),
    /// Lets the reply's deadline pass.
    Wait,
}

#[component]
pub fn TestChat(editor: Editor) -> impl IntoView {
    let w = use_words();
    let lines = RwSignal::new(Vec::<Line>::new());
    let step = RwSignal::new(None::<FlowTestStep>);
    let error = RwSignal::new(None::<AppError>);
    let draft = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let run = move |input: Input| {
        let definition = editor.flow.get_untracked();
        let state = (input != Input::Start)
            .then(|| step.get_untracked().map(|s| s.state))
            .flatten();
        let (message, time_runs_out) = match input {
            Input::Start => {
                lines.set(vec![]);
                (None, None)
            }
            Input::Say(text) => {
                lines.update(|l| {
                    l.push(Line {
                        from_customer: true,
                        text: text.clone(),
                    })
                });
                (Some(text), None)
            }
            Input::Wait => {
                lines.update(|l| {
                    l.push(Line {
                        from_customer: true,
                        text: format!("⏱ {}", w().time_runs_out),
                    })
                });
                (None, Some(true))
            }
        };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match test_flow(definition, state, message, time_runs_out).await {
                Ok(next) => {
                    lines.update(|l| {
                        l.extend(next.said.iter().map(|text| Line {
                            from_customer: false,
                            text: text.clone(),
                        }));
                        l.extend(next.did.iter().map(|text| Line {
                            from_customer: false,
                            text: format!("⚙ {text}"),
                        }));
                    });
                    editor.current.set(next.path.last().cloned());
                    step.set(Some(next));
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if text.trim().is_empty() || step.with_untracked(Option::is_none) {
            return;
        }
        draft.set(String::new());
        run(Input::Say(text));
    };
    view! {
        <section aria-labelledby="test-title" id="flow-test">
            <div class="mb-1 flex items-center justify-between">
                <h2 id="test-title" class="text-sm font-semibold">{move || w().test}</h2>
                <button type="button" class=BUTTON id="test-start" on:click=move |_| run(Input::Start) disabled=move || busy.get()>
                    {move || if step.with(Option::is_some) { w().restart } else { w().test }}
                </button>
            </div>
            <p class="mb-2 text-xs text-slate-500 dark:text-slate-400">{move || w().test_hint}</p>
            <ol id="test-transcript" class="fb-transcript mb-2 space-y-1 text-sm">
                {move || lines.get().into_iter().map(|line| view! {
                    <li class=if line.from_customer { "fb-customer rounded-lg bg-blue-700 px-2 py-1 text-white" } else { "fb-bot rounded-lg bg-slate-100 px-2 py-1 dark:bg-slate-800" }
                        data-from=if line.from_customer { "customer" } else { "bot" }>{line.text}</li>
                }).collect_view()}
            </ol>
            <form class="flex gap-1" on:submit=send>
                <input id="test-message" class=INPUT placeholder=move || w().your_message aria-label=move || w().your_message
                    prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))
                    disabled=move || step.with(|s| s.as_ref().is_none_or(|s| s.ended.is_some())) />
                <button type="submit" class=PRIMARY_BUTTON disabled=move || busy.get()>{move || w().send}</button>
            </form>
            {move || step.with(|s| s.as_ref().is_some_and(|s| s.reply_deadline)).then(|| view! {
                <button type="button" class=format!("{BUTTON} mt-1") id="test-timeout" disabled=move || busy.get()
                    on:click=move |_| run(Input::Wait)>"⏱ " {move || w().time_runs_out}</button>
            })}
            <ErrorBanner error=Signal::derive(move || error.get()) />
            {move || step.get().map(|s| view! {
                <p class="mt-2 text-xs"><span class="font-medium">{move || w().path} ": "</span>
                    <span id="test-path" class="font-mono">{s.path.join(" → ")}</span></p>
                {(!s.variables.is_empty()).then(|| view! {
                    <p class="text-xs"><span class="font-medium">{move || w().variables} ": "</span>
                        <span class="font-mono">{s.variables.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")}</span></p>
                })}
                {s.ended.clone().map(|ended| view! { <p class="text-xs" id="test-ended"><span class="font-medium">{move || w().ended} ": "</span>{ended}</p> })}
            })}
        </section>
    }
}
