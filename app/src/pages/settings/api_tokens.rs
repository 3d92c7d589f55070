//! API tokens, and the API's documentation.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::Permission;

use crate::api::tokens::{api_docs, list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::components::form::{
    field_error, form_error, reset_on_success, ErrorBanner, Field, SelectField, SubmitButton,
};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::{use_session, PageHeader};
use crate::prefs::{use_prefs, use_t};
use crate::util::{confirm, copy_to_clipboard, date, date_time};

use super::*;

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.can(Permission::UseApi) {
        return view! { <Forbidden /> }.into_any();
    }
    let prefs = use_prefs();
    let offset = session.utc_offset_minutes;
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let toasts = use_context::<crate::components::toast::Toasts>();
    Effect::new(move |_| {
        if let (Some(Ok(())), Some(toasts)) = (revoke.value().get(), toasts) {
            toasts.show(
                crate::components::toast::ToastKind::Success,
                t().token_revoked,
            );
        }
    });
    let tokens = json_resource(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let error = form_error(create);
    let copied = RwSignal::new(false);

    view! {
        <PageHeader title=Signal::derive(move || t().tokens_title) subtitle=Signal::derive(move || t().tokens_subtitle) />
        <div class="max-w-3xl space-y-6 p-4 sm:p-6">
            <section class=CARD>
                <ActionForm action=create node_ref=reset_on_success(create)>
                    <div class="grid items-start gap-3 sm:grid-cols-[1fr_auto_auto]">
                        <Field name="name" label=Signal::derive(move || t().token_name) required=true error=field_error(error, "name") />
                        <SelectField
                            name="expires_in_days"
                            label=Signal::derive(move || t().token_expiry)
                            options=Signal::derive(move || vec![
                                (String::new(), t().token_never_expires.to_string()),
                                ("30".to_string(), t().token_expires_30.to_string()),
                                ("90".to_string(), t().token_expires_90.to_string()),
                                ("365".to_string(), t().token_expires_365.to_string()),
                            ])
                            selected="90".to_string()
                            error=field_error(error, "expires_in_days")
                        />
                        <div class="pt-6">
                            <SubmitButton label=Signal::derive(move || t().create_token) busy_label=Signal::derive(move || t().saving) pending=create.pending() />
                        </div>
                    </div>
                </ActionForm>
                {move || create.value().get().and_then(Result::ok).map(|created| {
                    let token = created.token.clone();
                    view! {
                        <div class="mt-3 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm dark:border-amber-900 dark:bg-amber-950" role="status">
                            <p class="mb-2">{move || t().token_created_hint}</p>
                            <div class="flex gap-2">
                                <code id="new-token" class="min-w-0 flex-1 overflow-x-auto rounded bg-white px-2 py-1 text-xs dark:bg-slate-900">{created.token.clone()}</code>
                                <button type="button" class=SMALL_BUTTON on:click=move |_| { copy_to_clipboard(&token); copied.set(true); }>
                                    {move || if copied.get() { t().copied } else { t().copy }}
                                </button>
                            </div>
                        </div>
                    }
                })}
                <a id="api-docs-link" href="/settings/api-tokens/docs" class="mt-3 inline-flex items-center gap-1 text-sm font-medium text-blue-700 hover:underline dark:text-blue-300">
                    {move || t().api_docs_link}
                    <Svg icon=Icon::ChevronRight class="size-4" />
                </a>
            </section>
            <section class=CARD>
                <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        let list = tokens.await.unwrap_or_default();
                        if list.is_empty() {
                            return view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().tokens_empty}</p> }.into_any();
                        }
                        view! {
                            <ul class="divide-y divide-slate-100 dark:divide-slate-800">
                                {list.into_iter().map(|token| {
                                    let created = token.created_at;
                                    let last_used = token.last_used_at;
                                    let expires = token.expires_at;
                                    let token_name = token.name.clone();
                                    view! {
                                        <li class="flex items-center justify-between gap-2 py-2 text-sm">
                                            <div>
                                                <p class="font-medium">{token.name.clone()} " " <code class="text-xs text-slate-500 dark:text-slate-400">{token.prefix.clone()} "…"</code></p>
                                                <p class="text-xs text-slate-500 dark:text-slate-400">
                                                    {move || date(created, offset, prefs.locale.get())} " · " {move || t().last_used} ": "
                                                    {move || last_used.map(|ts| date_time(ts, offset, prefs.locale.get())).unwrap_or_else(|| t().never.to_string())}
                                                    {move || expires.map(|ts| format!(" · {} {}", t().token_expires_on, date(ts, offset, prefs.locale.get())))}
                                                </p>
                                            </div>
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="token_id" value=token.id />
                                                <button type="submit" class=SMALL_BUTTON data-revoke-token=token.id
                                                    on:click=move |ev| {
                                                        let strings = crate::i18n::strings(prefs.locale.get_untracked());
                                                        if !confirm(&(strings.confirm_revoke_token)(&token_name)) {
                                                            ev.prevent_default();
                                                        }
                                                    }>
                                                    {move || t().revoke}
                                                </button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    })}
                </Transition>
            </section>
        </div>
    }
    .into_any()
}

/// The REST API's reference, rendered on the server from `docs/API.md`.
#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let t = use_t();
    let docs = json_resource(|| (), |_| api_docs());
    view! {
        <PageHeader title=Signal::derive(move || t().api_docs_title) subtitle=Signal::derive(move || t().api_docs_subtitle) />
        <div class="max-w-4xl space-y-4 p-4 sm:p-6">
            <a href="/settings/api-tokens" class="inline-flex items-center gap-1 text-sm font-medium text-blue-700 hover:underline dark:text-blue-300">
                <Svg icon=Icon::ChevronLeft class="size-4" />
                {move || t().tokens_title}
            </a>
            <Suspense fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                {move || docs.get().map(|docs| match docs {
                    Ok(html) => view! { <article id="api-docs" class=format!("{CARD} doc-prose") inner_html=html></article> }.into_any(),
                    Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                })}
            </Suspense>
        </div>
    }
}
