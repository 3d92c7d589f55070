//! Settings → Productivity → "Provedores de IA" (admins): the account's
//! OpenAI-compatible providers — added and changed in one form, tested,
//! removed — and what their calls cost over 30 days. Keys go in and never
//! come back. Its words live in this lazy chunk.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::ai::{AiProvider, ProviderCheck, DEFAULT_MAX_TOKENS, DEFAULT_TIMEOUT_MS};
use shared::{AppError, Locale};

use crate::api::ai::{
    list_ai_providers, list_ai_usage, remove_ai_provider, test_ai_provider, SaveAiProvider,
};
use crate::components::form::{field_error, ErrorBanner, Field, SubmitButton};
use crate::prefs::{use_prefs, use_t};

use super::{CARD, SMALL_BUTTON, TABLE_HEAD};

struct Words {
    title: &'static str,
    hint: &'static str,
    none: &'static str,
    default: &'static str,
    key_saved: &'static str,
    no_key: &'static str,
    test: &'static str,
    testing: &'static str,
    edit: &'static str,
    remove: &'static str,
    add_title: &'static str,
    edit_title: &'static str,
    name: &'static str,
    base_url: &'static str,
    base_url_hint: &'static str,
    model: &'static str,
    api_key: &'static str,
    api_key_hint: &'static str,
    api_key_keep: &'static str,
    remove_key: &'static str,
    timeout: &'static str,
    max_tokens: &'static str,
    make_default: &'static str,
    cancel: &'static str,
    answered: &'static str,
    failed: &'static str,
    usage_title: &'static str,
    usage_empty: &'static str,
    provider: &'static str,
    calls: &'static str,
    failures: &'static str,
    tokens: &'static str,
    latency: &'static str,
    removed_provider: &'static str,
}

const EN: Words = Words {
    title: "AI providers",
    hint: "Any OpenAI-compatible chat-completions endpoint: OpenAI, Gemini (its OpenAI-compatible endpoint), AnythingLLM, Ollama. The default provider writes conversation summaries and quality reviews; without one, or whenever it fails, Ponte's offline engine does. Prompts and answers are never stored.",
    none: "No provider: the offline engine does all the AI work.",
    default: "Default",
    key_saved: "key saved",
    no_key: "no key",
    test: "Test connection",
    testing: "Testing…",
    edit: "Edit",
    remove: "Remove",
    add_title: "Add a provider",
    edit_title: "Edit provider",
    name: "Name",
    base_url: "Base URL",
    base_url_hint: "Up to the version, e.g. https://api.openai.com/v1 or http://localhost:11434/v1",
    model: "Model",
    api_key: "API key",
    api_key_hint: "Stored encrypted; never shown again.",
    api_key_keep: "Leave blank to keep the saved key.",
    remove_key: "Remove the saved key",
    timeout: "Timeout (ms)",
    max_tokens: "Max tokens",
    make_default: "Use for summaries and quality reviews (default)",
    cancel: "Cancel",
    answered: "Answered in",
    failed: "Failed:",
    usage_title: "Calls in the last 30 days",
    usage_empty: "No calls yet.",
    provider: "Provider",
    calls: "Calls",
    failures: "Failures",
    tokens: "Tokens (in / out)",
    latency: "Average latency",
    removed_provider: "(removed)",
};

const PT_BR: Words = Words {
    title: "Provedores de IA",
    hint: "Qualquer endpoint de chat completions compatível com a OpenAI: OpenAI, Gemini (pelo endpoint compatível), AnythingLLM, Ollama. O provedor padrão escreve os resumos e as avaliações de qualidade; sem provedor, ou quando ele falha, o mecanismo offline do Ponte faz esse trabalho. Perguntas e respostas nunca são guardadas.",
    none: "Nenhum provedor: o mecanismo offline faz todo o trabalho de IA.",
    default: "Padrão",
    key_saved: "chave salva",
    no_key: "sem chave",
    test: "Testar conexão",
    testing: "Testando…",
    edit: "Editar",
    remove: "Remover",
    add_title: "Adicionar provedor",
    edit_title: "Editar provedor",
    name: "Nome",
    base_url: "URL base",
    base_url_hint: "Até a versão, ex.: https://api.openai.com/v1 ou http://localhost:11434/v1",
    model: "Modelo",
    api_key: "Chave de API",
    api_key_hint: "Guardada criptografada; nunca mais exibida.",
    api_key_keep: "Deixe em branco para manter a chave salva.",
    remove_key: "Remover a chave salva",
    timeout: "Tempo limite (ms)",
    max_tokens: "Máximo de tokens",
    make_default: "Usar nos resumos e avaliações de qualidade (padrão)",
    cancel: "Cancelar",
    answered: "Respondeu em",
    failed: "Falhou:",
    usage_title: "Chamadas nos últimos 30 dias",
    usage_empty: "Nenhuma chamada ainda.",
    provider: "Provedor",
    calls: "Chamadas",
    failures: "Falhas",
    tokens: "Tokens (entrada / saída)",
    latency: "Latência média",
    removed_provider: "(removido)",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

#[component]
pub fn AiProvidersCard() -> impl IntoView {
    let prefs = use_prefs();
    let w = move || words(prefs.locale.get());
    let save = ServerAction::<SaveAiProvider>::new();
    let remove = Action::new_local(|id: &i64| remove_ai_provider(*id));
    let test = Action::new_local(|id: &i64| {
        let id = *id;
        async move { (id, test_ai_provider(id).await) }
    });
    let editing = RwSignal::new(None::<AiProvider>);
    let providers = json_resource(
        move || (save.version().get(), remove.version().get()),
        |_| list_ai_providers(),
    );
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    let error = Signal::derive(move || {
        save.value()
            .get()
            .and_then(Result::err)
            .filter(|err| !matches!(err, AppError::Validation { .. }))
            .or_else(|| remove.value().get().and_then(Result::err))
    });
    view! {
        <section id="ai-providers" class=format!("{CARD} space-y-4")>
            <h2 class="text-base font-semibold">{move || w().title}</h2>
            <p class="text-sm text-slate-600 dark:text-slate-300">{move || w().hint}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = providers.await.unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p id="ai-providers-empty" class="text-sm text-slate-500 dark:text-slate-400">{w().none}</p> }.into_any();
                    }
                    view! {
                        <ul class="divide-y divide-slate-200 dark:divide-slate-800">
                            {list.into_iter().map(|provider| view! {
                                <ProviderRow provider=provider editing=editing test=test remove=remove />
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Transition>
            {move || {
                let current = editing.get();
                view! { <ProviderForm action=save current=current editing=editing /> }
            }}
            <ErrorBanner error=error />
            <UsageTable refresh=Signal::derive(move || test.version().get()) />
        </section>
    }
}

type TestAction = Action<i64, (i64, Result<ProviderCheck, AppError>)>;

#[component]
fn ProviderRow(
    provider: AiProvider,
    editing: RwSignal<Option<AiProvider>>,
    test: TestAction,
    remove: Action<i64, Result<(), AppError>>,
) -> impl IntoView {
    let prefs = use_prefs();
    let w = move || words(prefs.locale.get());
    let id = provider.id;
    let result = move || {
        test.value()
            .get()
            .filter(|(tested, _)| *tested == id)
            .map(|(_, result)| result)
    };
    let testing = move || test.pending().get() && test.input().get() == Some(id);
    let shown = provider.clone();
    view! {
        <li class="ai-provider space-y-1 py-3" data-provider=provider.name.clone()>
            <div class="flex flex-wrap items-center gap-2">
                <span class="font-medium">{provider.name.clone()}</span>
                {provider.is_default.then(|| view! {
                    <span class="rounded-full bg-indigo-100 px-2 py-0.5 text-xs text-indigo-800 dark:bg-indigo-900 dark:text-indigo-200">{move || w().default}</span>
                })}
                <span class="text-xs text-slate-500 dark:text-slate-400">
                    {format!("{} · {} · ", provider.model, provider.base_url)}
                    {move || if provider.has_api_key { w().key_saved } else { w().no_key }}
                </span>
            </div>
            <div class="flex flex-wrap gap-2">
                <button type="button" class=format!("{SMALL_BUTTON} test-provider") disabled=testing
                    on:click=move |_| { test.dispatch(id); }>
                    {move || if testing() { w().testing } else { w().test }}
                </button>
                <button type="button" class=format!("{SMALL_BUTTON} edit-provider")
                    on:click=move |_| editing.set(Some(shown.clone()))>{move || w().edit}</button>
                <button type="button" class=format!("{SMALL_BUTTON} remove-provider")
                    on:click=move |_| { remove.dispatch(id); }>{move || w().remove}</button>
            </div>
            {move || result().map(|result| match result {
                Ok(check) if check.ok => view! {
                    <p class="provider-check text-sm text-green-700 dark:text-green-300" role="status" data-ok="true">
                        {format!("{} {} ms{}", w().answered, check.latency_ms,
                            check.model.map(|m| format!(" ({m})")).unwrap_or_default())}
                    </p>
                }.into_any(),
                Ok(check) => view! {
                    <p class="provider-check text-sm text-red-700 dark:text-red-300" role="alert" data-ok="false">
                        {format!("{} {}", w().failed, check.error.unwrap_or_default())}
                    </p>
                }.into_any(),
                Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
            })}
        </li>
    }
}

#[component]
fn ProviderForm(
    action: ServerAction<SaveAiProvider>,
    current: Option<AiProvider>,
    editing: RwSignal<Option<AiProvider>>,
) -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let w = move || words(prefs.locale.get());
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let value = |pick: fn(&AiProvider) -> String, fallback: String| {
        current.as_ref().map(pick).unwrap_or(fallback)
    };
    let id = current.as_ref().map(|p| p.id);
    let has_key = current.as_ref().is_some_and(|p| p.has_api_key);
    let is_default = current.as_ref().is_some_and(|p| p.is_default);
    let name = value(|p| p.name.clone(), String::new());
    let base_url = value(|p| p.base_url.clone(), String::new());
    let model = value(|p| p.model.clone(), String::new());
    let timeout = value(|p| p.timeout_ms.to_string(), DEFAULT_TIMEOUT_MS.to_string());
    let max_tokens = value(|p| p.max_tokens.to_string(), DEFAULT_MAX_TOKENS.to_string());
    view! {
        <ActionForm action=action attr:id="ai-provider-form">
            <fieldset class="space-y-3 rounded-lg border border-slate-200 p-3 dark:border-slate-700">
                <legend class="px-1 text-sm font-semibold">
                    {move || if id.is_some() { w().edit_title } else { w().add_title }}
                </legend>
                {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
                <Field name="name" label=Signal::derive(move || w().name) value=name required=true
                    error=field_error(error, "name") />
                <Field name="base_url" kind="url" label=Signal::derive(move || w().base_url) value=base_url required=true
                    hint=Signal::derive(move || w().base_url_hint) error=field_error(error, "base_url") />
                <Field name="model" label=Signal::derive(move || w().model) value=model required=true
                    error=field_error(error, "model") />
                <Field name="api_key" kind="password" label=Signal::derive(move || w().api_key)
                    autocomplete="off"
                    hint=Signal::derive(move || if has_key { w().api_key_keep } else { w().api_key_hint })
                    error=field_error(error, "api_key") />
                {has_key.then(|| view! {
                    <label class="flex items-center gap-2 text-sm">
                        <input type="checkbox" name="remove_api_key" value="true" id="field-remove_api_key" />
                        {move || w().remove_key}
                    </label>
                })}
                <div class="grid gap-3 sm:grid-cols-2">
                    <Field name="timeout_ms" kind="number" label=Signal::derive(move || w().timeout) value=timeout
                        required=true error=field_error(error, "timeout_ms") />
                    <Field name="max_tokens" kind="number" label=Signal::derive(move || w().max_tokens) value=max_tokens
                        required=true error=field_error(error, "max_tokens") />
                </div>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name="is_default" value="true" id="field-is_default" checked=is_default />
                    {move || w().make_default}
                </label>
                <div class="flex gap-2">
                    <SubmitButton label=Signal::derive(move || t().save) busy_label=Signal::derive(move || t().saving) pending=action.pending() />
                    {id.is_some().then(|| view! {
                        <button type="button" class=SMALL_BUTTON on:click=move |_| editing.set(None)>{move || w().cancel}</button>
                    })}
                </div>
            </fieldset>
        </ActionForm>
    }
}

#[component]
fn UsageTable(refresh: Signal<usize>) -> impl IntoView {
    let prefs = use_prefs();
    let w = move || words(prefs.locale.get());
    let usage = json_resource(move || refresh.get(), |_| list_ai_usage());
    view! {
        <div class="space-y-2">
            <h3 class="text-sm font-semibold">{move || w().usage_title}</h3>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let rows = usage.await.unwrap_or_default();
                    if rows.is_empty() {
                        return view! { <p class="text-sm text-slate-500 dark:text-slate-400">{w().usage_empty}</p> }.into_any();
                    }
                    view! {
                        <div class="overflow-x-auto">
                            <table id="ai-usage" class="min-w-full text-sm">
                                <thead><tr>
                                    <th class=TABLE_HEAD>{w().provider}</th>
                                    <th class=TABLE_HEAD>{w().calls}</th>
                                    <th class=TABLE_HEAD>{w().failures}</th>
                                    <th class=TABLE_HEAD>{w().tokens}</th>
                                    <th class=TABLE_HEAD>{w().latency}</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| view! {
                                        <tr class="border-t border-slate-100 dark:border-slate-800">
                                            <td class="px-3 py-2">{row.provider_name.unwrap_or_else(|| w().removed_provider.to_string())}</td>
                                            <td class="px-3 py-2 tabular-nums">{row.calls}</td>
                                            <td class="px-3 py-2 tabular-nums">{row.failures}</td>
                                            <td class="px-3 py-2 tabular-nums">{format!("{} / {}", row.prompt_tokens, row.completion_tokens)}</td>
                                            <td class="px-3 py-2 tabular-nums">{format!("{} ms", row.average_latency_ms)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                })}
            </Transition>
        </div>
    }
}
