//! Fluxos → Agentes de IA (`/flows/agents`): the account's AI agents — the
//! global one, one per department, the sentiment one — each with its
//! instructions, its provider (or the offline engine) and its knowledge
//! documents, and "try it": what the agent would answer a customer.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::ai_agents::{AgentAnswer, AgentKind, AiAgent, HandoffReason, KnowledgeDocument};
use shared::flows::FlowChoices;
use shared::{AppError, Locale};

use crate::api::ai_agents::{
    ask_ai_agent, list_ai_agents, list_knowledge, remove_ai_agent, remove_knowledge, save_ai_agent,
    save_knowledge,
};
use crate::api::flows::get_flow_choices;
use crate::components::form::ErrorBanner;
use crate::components::layout::PageHeader;
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};
use crate::prefs::use_prefs;

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900";
const LABEL: &str = "mb-1 block text-xs font-medium text-slate-600 dark:text-slate-300";
const MUTED: &str = "text-sm text-slate-600 dark:text-slate-300";

struct Words {
    title: &'static str,
    subtitle: &'static str,
    back: &'static str,
    empty: &'static str,
    new_agent: &'static str,
    edit_agent: &'static str,
    kind: &'static str,
    global: &'static str,
    department: &'static str,
    sentiment: &'static str,
    name: &'static str,
    instructions: &'static str,
    instructions_hint: &'static str,
    provider: &'static str,
    offline: &'static str,
    save: &'static str,
    cancel: &'static str,
    edit: &'static str,
    remove: &'static str,
    knowledge: &'static str,
    documents: &'static str,
    passages: &'static str,
    no_documents: &'static str,
    doc_title: &'static str,
    doc_body: &'static str,
    add_document: &'static str,
    save_document: &'static str,
    try_it: &'static str,
    question: &'static str,
    ask: &'static str,
    asking: &'static str,
    hands_off: &'static str,
    asked_for_person: &'static str,
    unsure: &'static str,
    sources: &'static str,
    answered_by: &'static str,
}

const PT_BR: Words = Words {
    title: "Agentes de IA",
    subtitle: "Quem responde aos clientes nos blocos de IA dos fluxos: instruções, provedor e base de conhecimento.",
    back: "← Fluxos",
    empty: "Nenhum agente ainda. Crie o agente global abaixo: os blocos \"Resposta por IA\" usam o do departamento ou, sem ele, o global.",
    new_agent: "Novo agente",
    edit_agent: "Editar agente",
    kind: "Tipo",
    global: "Global",
    department: "Departamento",
    sentiment: "Sentimento",
    name: "Nome",
    instructions: "Instruções",
    instructions_hint: "Como o agente fala e o que nunca promete (ex.: \"Trate o cliente por você. Não ofereça descontos.\").",
    provider: "Provedor",
    offline: "Motor offline (sem provedor)",
    save: "Salvar agente",
    cancel: "Cancelar",
    edit: "Editar",
    remove: "Remover",
    knowledge: "Base de conhecimento",
    documents: "documentos",
    passages: "trechos",
    no_documents: "Nenhum documento: sem conhecimento, o agente passa o cliente a uma pessoa.",
    doc_title: "Título",
    doc_body: "Texto (parágrafos separados por linha em branco)",
    add_document: "Adicionar documento",
    save_document: "Salvar documento",
    try_it: "Experimente",
    question: "Mensagem de um cliente",
    ask: "Perguntar",
    asking: "Perguntando…",
    hands_off: "Passaria a uma pessoa:",
    asked_for_person: "o cliente pediu uma pessoa",
    unsure: "a base não tem uma resposta segura",
    sources: "Fontes",
    answered_by: "Respondido por",
};

const EN: Words = Words {
    title: "AI agents",
    subtitle: "Who answers customers in flows' AI blocks: instructions, provider and knowledge base.",
    back: "← Flows",
    empty: "No agents yet. Create the global agent below: \"AI reply\" blocks use the department's agent or, without one, the global one.",
    new_agent: "New agent",
    edit_agent: "Edit agent",
    kind: "Kind",
    global: "Global",
    department: "Department",
    sentiment: "Sentiment",
    name: "Name",
    instructions: "Instructions",
    instructions_hint: "How the agent speaks and what it never promises (e.g. \"Be informal. Never offer discounts.\").",
    provider: "Provider",
    offline: "Offline engine (no provider)",
    save: "Save agent",
    cancel: "Cancel",
    edit: "Edit",
    remove: "Remove",
    knowledge: "Knowledge base",
    documents: "documents",
    passages: "passages",
    no_documents: "No documents: without knowledge, the agent hands the customer to a person.",
    doc_title: "Title",
    doc_body: "Text (paragraphs separated by a blank line)",
    add_document: "Add document",
    save_document: "Save document",
    try_it: "Try it",
    question: "A customer's message",
    ask: "Ask",
    asking: "Asking…",
    hands_off: "Would hand to a person:",
    asked_for_person: "the customer asked for a person",
    unsure: "the knowledge holds no sure answer",
    sources: "Sources",
    answered_by: "Answered by",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

fn use_agent_words() -> impl Fn() -> &'static Words + Copy {
    let prefs = use_prefs();
    move || words(prefs.locale.get())
}

#[component]
pub fn AgentsPage() -> impl IntoView {
    let w = use_agent_words();
    let changed = RwSignal::new(0usize);
    let agents = json_resource(move || changed.get(), |_| list_ai_agents());
    let choices = json_resource(|| (), |_| get_flow_choices());
    let editing = RwSignal::new(None::<AiAgent>);
    let open = RwSignal::new(None::<i64>);
    view! {
        <PageHeader title=Signal::derive(move || w().title) subtitle=Signal::derive(move || w().subtitle) />
        <div class="max-w-4xl space-y-6 p-4 sm:p-6">
            <a href="/flows" class="text-sm text-blue-700 underline dark:text-blue-300">{move || w().back}</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let choices = choices.await.unwrap_or_default();
                    let list = match agents.await {
                        Ok(list) => list,
                        Err(err) => return view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                    };
                    let empty = list.is_empty().then(|| view! {
                        <p id="agents-empty" class=MUTED>{move || w().empty}</p>
                    });
                    let cards = list.into_iter().map(|agent| view! {
                        <AgentCard agent=agent editing=editing open=open changed=changed />
                    }).collect_view();
                    let current = editing.get();
                    view! {
                        {empty}
                        <ul id="agents" class="space-y-3">{cards}</ul>
                        <AgentForm current=current choices=choices editing=editing changed=changed />
                    }.into_any()
                })}
            </Transition>
        </div>
    }
}

#[component]
fn AgentCard(
    agent: AiAgent,
    editing: RwSignal<Option<AiAgent>>,
    open: RwSignal<Option<i64>>,
    changed: RwSignal<usize>,
) -> impl IntoView {
    let w = use_agent_words();
    let id = agent.id;
    let error = RwSignal::new(None::<AppError>);
    let remove = move |_| {
        leptos::task::spawn_local(async move {
            match remove_ai_agent(id).await {
                Ok(()) => changed.update(|n| *n += 1),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let (kind, department_name) = (agent.kind, agent.department_name.clone());
    let kind_label = move || match kind {
        AgentKind::Global => w().global.to_string(),
        AgentKind::Sentiment => w().sentiment.to_string(),
        AgentKind::Department => format!(
            "{}: {}",
            w().department,
            department_name.clone().unwrap_or_default()
        ),
    };
    let provider = agent.provider_name.clone();
    let shown = agent.clone();
    let talks = agent.kind != AgentKind::Sentiment;
    view! {
        <li class=format!("{CARD} ai-agent space-y-2") data-agent=agent.name.clone()>
            <div class="flex flex-wrap items-center gap-2">
                <span class="font-semibold">{agent.name.clone()}</span>
                <span class="rounded-full bg-indigo-100 px-2 py-0.5 text-xs text-indigo-800 dark:bg-indigo-900 dark:text-indigo-200">{kind_label}</span>
                <span class="text-xs text-slate-600 dark:text-slate-300">
                    {move || provider.clone().unwrap_or_else(|| w().offline.to_string())}
                    {talks.then(|| format!(" · {} {}", agent.documents, w().documents))}
                </span>
            </div>
            {(!agent.instructions.is_empty()).then(|| view! { <p class=format!("{MUTED} whitespace-pre-line")>{agent.instructions.clone()}</p> })}
            <div class="flex flex-wrap gap-2">
                <button type="button" class=format!("{BUTTON} edit-agent") on:click=move |_| editing.set(Some(shown.clone()))>{move || w().edit}</button>
                {talks.then(|| view! {
                    <button type="button" class=format!("{BUTTON} open-knowledge") aria-expanded=move || (open.get() == Some(id)).to_string()
                        on:click=move |_| open.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>{move || w().knowledge}</button>
                })}
                <button type="button" class=format!("{BUTTON} remove-agent") on:click=remove>{move || w().remove}</button>
            </div>
            <ErrorBanner error=error />
            {move || (open.get() == Some(id)).then(|| view! { <Knowledge agent_id=id changed=changed /> <TryIt agent_id=id /> })}
        </li>
    }
}

#[component]
fn AgentForm(
    current: Option<AiAgent>,
    choices: FlowChoices,
    editing: RwSignal<Option<AiAgent>>,
    changed: RwSignal<usize>,
) -> impl IntoView {
    let w = use_agent_words();
    let id = current.as_ref().map(|a| a.id);
    let kind = RwSignal::new(current.as_ref().map_or(AgentKind::Global, |a| a.kind));
    let department = RwSignal::new(current.as_ref().and_then(|a| a.department_id));
    let name = RwSignal::new(current.as_ref().map(|a| a.name.clone()).unwrap_or_default());
    let instructions = RwSignal::new(
        current
            .as_ref()
            .map(|a| a.instructions.clone())
            .unwrap_or_default(),
    );
    let provider = RwSignal::new(current.as_ref().and_then(|a| a.provider_id));
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let t = crate::prefs::use_t();
    let field_problem = move |field: &'static str| {
        move || {
            error
                .get()
                .and_then(|e| e.field_code(field))
                .map(|code| t().code(code))
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let department_id = (kind.get_untracked() == AgentKind::Department)
            .then(|| department.get_untracked())
            .flatten();
        let provider_id = provider.get_untracked().map(|p| p.to_string());
        let (k, n, i) = (
            kind.get_untracked(),
            name.get_untracked(),
            instructions.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match save_ai_agent(id, k, department_id, n, i, provider_id).await {
                Ok(_) => {
                    editing.set(None);
                    changed.update(|n| *n += 1);
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let departments = choices.departments.clone();
    let providers = choices.ai_providers.clone();
    let creating = id.is_none();
    view! {
        <form id="agent-form" class=format!("{CARD} space-y-3") on:submit=submit>
            <h2 class="text-base font-semibold">{move || if creating { w().new_agent } else { w().edit_agent }}</h2>
            <div class="grid gap-3 sm:grid-cols-2">
                <div>
                    <label class=LABEL for="agent-kind">{move || w().kind}</label>
                    <select id="agent-kind" class=INPUT disabled=!creating on:change=move |ev| {
                        kind.set(event_target_value(&ev).parse().unwrap_or(AgentKind::Global))
                    }>
                        {AgentKind::ALL.iter().map(|k| {
                            let k = *k;
                            let label = move || match k { AgentKind::Global => w().global, AgentKind::Department => w().department, AgentKind::Sentiment => w().sentiment };
                            view! { <option value=k.as_str() selected=move || kind.get() == k>{label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                {move || (kind.get() == AgentKind::Department).then(|| {
                    let departments = departments.clone();
                    view! {
                        <div>
                            <label class=LABEL for="agent-department">{move || w().department}</label>
                            <select id="agent-department" class=INPUT disabled=!creating
                                aria-invalid=move || field_problem("department_id")().map(|_| "true")
                                on:change=move |ev| department.set(event_target_value(&ev).parse().ok())>
                                <option value="">"—"</option>
                                {departments.into_iter().map(|(d, label)| view! {
                                    <option value=d.to_string() selected=move || department.get() == Some(d)>{label}</option>
                                }).collect_view()}
                            </select>
                            <p class="text-xs text-red-700 dark:text-red-400">{field_problem("department_id")}</p>
                        </div>
                    }
                })}
            </div>
            <div>
                <label class=LABEL for="agent-name">{move || w().name}</label>
                <input id="agent-name" class=INPUT required maxlength="80" prop:value=move || name.get()
                    aria-invalid=move || field_problem("name")().map(|_| "true")
                    on:input=move |ev| name.set(event_target_value(&ev)) />
                <p class="text-xs text-red-700 dark:text-red-400">{field_problem("name")}</p>
            </div>
            <div>
                <label class=LABEL for="agent-instructions">{move || w().instructions}</label>
                <textarea id="agent-instructions" class=INPUT rows="3" maxlength="4000" prop:value=move || instructions.get()
                    on:input=move |ev| instructions.set(event_target_value(&ev))></textarea>
                <p class="text-xs text-slate-600 dark:text-slate-300">{move || w().instructions_hint}</p>
            </div>
            <div>
                <label class=LABEL for="agent-provider">{move || w().provider}</label>
                <select id="agent-provider" class=INPUT on:change=move |ev| provider.set(event_target_value(&ev).parse().ok())>
                    <option value="" selected=move || provider.get().is_none()>{move || w().offline}</option>
                    {providers.into_iter().map(|(p, label)| view! {
                        <option value=p.to_string() selected=move || provider.get() == Some(p)>{label}</option>
                    }).collect_view()}
                </select>
            </div>
            {move || error.get().filter(|e| !matches!(e, AppError::Validation { .. })).map(|e| view! { <ErrorBanner error=Signal::derive(move || Some(e.clone())) /> })}
            <div class="flex gap-2">
                <button type="submit" class=PRIMARY_BUTTON disabled=move || busy.get()>{move || w().save}</button>
                {(!creating).then(|| view! {
                    <button type="button" class=BUTTON on:click=move |_| editing.set(None)>{move || w().cancel}</button>
                })}
            </div>
        </form>
    }
}

#[component]
fn Knowledge(agent_id: i64, changed: RwSignal<usize>) -> impl IntoView {
    let w = use_agent_words();
    let version = RwSignal::new(0usize);
    let documents = json_resource(move || version.get(), move |_| list_knowledge(agent_id));
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    // The document being rewritten in the form (none: a new one).
    let rewriting = RwSignal::new(None::<i64>);
    let after = move |result: Result<(), AppError>| match result {
        Ok(()) => {
            version.update(|n| *n += 1);
            changed.update(|n| *n += 1);
        }
        Err(err) => error.set(Some(err)),
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let (t, b) = (title.get_untracked(), body.get_untracked());
        let id = rewriting.get_untracked();
        leptos::task::spawn_local(async move {
            let saved = save_knowledge(agent_id, id, t, b).await;
            if saved.is_ok() {
                title.set(String::new());
                body.set(String::new());
                rewriting.set(None);
            }
            after(saved.map(|_| ()));
            busy.set(false);
        });
    };
    let remove = move |id: i64| {
        leptos::task::spawn_local(async move { after(remove_knowledge(agent_id, id).await) });
    };
    let row = move |doc: KnowledgeDocument| {
        let id = doc.id;
        let (doc_title, doc_body) = (doc.title.clone(), doc.body.clone());
        let rewrite = move |_| {
            title.set(doc_title.clone());
            body.set(doc_body.clone());
            rewriting.set(Some(id));
        };
        view! {
            <li class="knowledge-document flex items-start justify-between gap-2 py-2" data-document=doc.title.clone()>
                <div>
                    <p class="text-sm font-medium">{doc.title.clone()}</p>
                    <p class="text-xs text-slate-600 dark:text-slate-300">{move || format!("{} {}", doc.passages, w().passages)}</p>
                </div>
                <div class="flex shrink-0 gap-1">
                    <button type="button" class=format!("{BUTTON} edit-document") on:click=rewrite>{move || w().edit}</button>
                    <button type="button" class=format!("{BUTTON} remove-document") on:click=move |_| remove(id)>{move || w().remove}</button>
                </div>
            </li>
        }
    };
    view! {
        <section class="space-y-2 border-t border-slate-200 pt-2 dark:border-slate-700">
            <h3 class="text-sm font-semibold">{move || w().knowledge}</h3>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = documents.await.unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class=MUTED>{move || w().no_documents}</p> }.into_any();
                    }
                    view! {
                        <ul class="knowledge divide-y divide-slate-200 dark:divide-slate-800">{list.into_iter().map(row).collect_view()}</ul>
                    }.into_any()
                })}
            </Transition>
            <form class="knowledge-form space-y-2" on:submit=add>
                <div>
                    <label class=LABEL for=format!("doc-title-{agent_id}")>{move || w().doc_title}</label>
                    <input id=format!("doc-title-{agent_id}") class=format!("{INPUT} doc-title") required maxlength="200"
                        prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                </div>
                <div>
                    <label class=LABEL for=format!("doc-body-{agent_id}")>{move || w().doc_body}</label>
                    <textarea id=format!("doc-body-{agent_id}") class=format!("{INPUT} doc-body") rows="5" required
                        prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                </div>
                <ErrorBanner error=error />
                <div class="flex gap-2">
                    <button type="submit" class=BUTTON disabled=move || busy.get()>
                        {move || if rewriting.get().is_some() { w().save_document } else { w().add_document }}
                    </button>
                    {move || rewriting.get().is_some().then(|| view! {
                        <button type="button" class=BUTTON on:click=move |_| {
                            rewriting.set(None);
                            title.set(String::new());
                            body.set(String::new());
                        }>{move || w().cancel}</button>
                    })}
                </div>
            </form>
        </section>
    }
}

#[component]
fn TryIt(agent_id: i64) -> impl IntoView {
    let w = use_agent_words();
    let question = RwSignal::new(String::new());
    let ask = Action::new_local(move |question: &String| ask_ai_agent(agent_id, question.clone()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ask.dispatch(question.get_untracked());
    };
    let answer_view = move |answer: AgentAnswer| {
        let sources = answer.sources.clone();
        let said = match (answer.reply, answer.handoff) {
            (Some(reply), _) => view! { <p class="agent-reply whitespace-pre-line rounded-lg bg-slate-100 p-2 text-sm dark:bg-slate-800">{reply}</p> }.into_any(),
            (None, reason) => {
                let why = move || match reason {
                    Some(HandoffReason::AskedForPerson) => w().asked_for_person,
                    _ => w().unsure,
                };
                view! { <p class="agent-handoff text-sm text-amber-800 dark:text-amber-300">{move || w().hands_off}" "{why}</p> }.into_any()
            }
        };
        let by = answer.provider.unwrap_or_else(|| w().offline.to_string());
        view! {
            <div class="agent-answer space-y-1" role="status">
                {said}
                <p class="text-xs text-slate-600 dark:text-slate-300">{move || w().answered_by}" "{by.clone()}</p>
                {(!sources.is_empty()).then(|| view! {
                    <p class="text-xs font-medium">{move || w().sources}</p>
                    <ul class="text-xs text-slate-600 dark:text-slate-300">
                        {sources.into_iter().map(|s| view! { <li class="agent-source">{s.title}</li> }).collect_view()}
                    </ul>
                })}
            </div>
        }
    };
    view! {
        <section class="space-y-2 border-t border-slate-200 pt-2 dark:border-slate-700">
            <h3 class="text-sm font-semibold">{move || w().try_it}</h3>
            <form class="try-agent flex flex-wrap gap-2" on:submit=submit>
                <label class="sr-only" for=format!("agent-question-{agent_id}")>{move || w().question}</label>
                <input id=format!("agent-question-{agent_id}") class=format!("{INPUT} agent-question flex-1") required maxlength="1000"
                    placeholder=move || w().question
                    prop:value=move || question.get() on:input=move |ev| question.set(event_target_value(&ev)) />
                <button type="submit" class=PRIMARY_BUTTON disabled=move || ask.pending().get()>
                    {move || if ask.pending().get() { w().asking } else { w().ask }}
                </button>
            </form>
            {move || ask.value().get().map(|result| match result {
                Ok(answer) => answer_view(answer).into_any(),
                Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
            })}
        </section>
    }
}
