//! Starting a flow by hand in the open conversation (a flow's manual start),
//! from the side panel. Part of the panel's lazy chunk, words included.

use leptos::prelude::*;
use shared::{AppError, Locale};

use crate::api::flows::{manual_flows, start_flow_in_conversation};
use crate::components::form::{ErrorBanner, SuccessBanner};
use crate::components::widgets::{BUTTON, INPUT};
use crate::prefs::use_prefs;

struct Words {
    title: &'static str,
    start: &'static str,
    started: &'static str,
    none: &'static str,
    hint: &'static str,
}

const EN: Words = Words {
    title: "Flows",
    start: "Start",
    started: "The flow is answering the customer now.",
    none: "No published flow has a manual start.",
    hint: "The flow answers the customer from now on; replying yourself stops it.",
};

const PT_BR: Words = Words {
    title: "Fluxos",
    start: "Iniciar",
    started: "O fluxo está atendendo o cliente agora.",
    none: "Nenhum fluxo publicado tem início manual.",
    hint: "O fluxo atende o cliente a partir de agora; responder você mesmo o interrompe.",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

/// The published flows with a manual start, and "Start" for the chosen one.
#[component]
pub fn FlowStarter(number: i64) -> impl IntoView {
    let prefs = use_prefs();
    let w = move || words(prefs.locale.get());
    let flows = LocalResource::new(manual_flows);
    let chosen = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<AppError>);
    let started = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let first_flow = move || {
        flows
            .get_untracked()
            .and_then(Result::ok)
            .and_then(|list| list.first().map(|(id, _)| *id))
    };
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(flow_id) = chosen.get_untracked().or_else(first_flow) else {
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match start_flow_in_conversation(number, flow_id).await {
                Ok(()) => {
                    error.set(None);
                    started.set(Some(w().started.to_string()));
                }
                Err(err) => {
                    started.set(None);
                    error.set(Some(err));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <section id="flow-starter" class="space-y-1">
            <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">{move || w().title}</h3>
            {move || match flows.get() {
                None => ().into_any(),
                Some(Err(err)) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="text-xs text-slate-500 dark:text-slate-400">{move || w().none}</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <form class="flex gap-2" on:submit=start>
                        <select class=INPUT aria-label=move || w().title id="flow-starter-flow"
                            on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                            {list.into_iter().map(|(id, name)| view! {
                                <option value=id.to_string() selected=move || chosen.get() == Some(id)>{name}</option>
                            }).collect_view()}
                        </select>
                        <button type="submit" class=format!("{BUTTON} shrink-0") disabled=move || busy.get()>{move || w().start}</button>
                    </form>
                    <p class="text-xs text-slate-500 dark:text-slate-400">{move || w().hint}</p>
                }.into_any(),
            }}
            <ErrorBanner error=error />
            <SuccessBanner message=started />
        </section>
    }
}
