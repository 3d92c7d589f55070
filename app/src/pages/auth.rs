//! Signed-out pages: sign in, sign up, accept an invitation.

use crate::json::json_resource;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::values::Slug;
use shared::AppError;

use crate::api::people::{preview_invitation, AcceptInvitation};
use crate::api::session::{SignIn, SignOut, SignUp};
use crate::components::form::{field_error, form_error, ErrorBanner, Field, SubmitButton};
use crate::components::layout::{hard_navigate, FullPageSpinner, LanguageSwitcher, ThemeSwitcher};
use crate::prefs::use_t;
use crate::util::focus_first_invalid;

/// Pages served as plain HTML, without the wasm: their forms post as
/// classic forms (the server answers with a redirect, errors in the query
/// string), and a few lines of inline script do what hydration would do
/// there. A phone's first visit to sign in then downloads the stylesheet
/// only; the app's wasm comes with the inbox (docs/BENCHMARKS.md). Reached
/// by a link inside the running app, they render as usual.
pub const SERVED_WITHOUT_WASM: &[&str] = &["/login"];

/// The script of the pages [`SERVED_WITHOUT_WASM`], inline (one request
/// less on a slow link) under the page's CSP nonce.
pub fn signed_out_script() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let script = include_str!("signed_out.js");
    #[cfg(not(feature = "ssr"))]
    let script = "";
    view! { <script nonce=leptos::nonce::use_nonce() inner_html=script></script> }
}

/// The centred card every signed-out page sits in.
#[component]
pub(crate) fn AuthCard(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] subtitle: Signal<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="flex min-h-dvh flex-col bg-gradient-to-b from-blue-50 to-slate-100 dark:from-slate-900 dark:to-slate-950">
            <div class="flex justify-end gap-2 p-3">
                <LanguageSwitcher />
                <ThemeSwitcher />
            </div>
            <main id="main" class="flex flex-1 items-start justify-center px-4 pb-12 pt-4 sm:pt-12">
                <div class="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8 dark:border-slate-800 dark:bg-slate-900">
                    <div class="mb-6 flex items-center gap-2">
                        <span class="grid size-9 place-items-center rounded-lg bg-blue-700 font-bold text-white">"P"</span>
                        <span class="text-lg font-semibold text-slate-900 dark:text-slate-100">"Ponte"</span>
                    </div>
                    <h1 class="text-xl font-semibold text-slate-900 dark:text-slate-100">{move || title.get()}</h1>
                    <p class="mb-6 mt-1 text-sm text-slate-500 dark:text-slate-400">{move || subtitle.get()}</p>
                    {children()}
                </div>
            </main>
        </div>
    }
}

/// Errors that are not about a particular field go in the banner.
pub(crate) fn banner_error(error: Signal<Option<AppError>>) -> Signal<Option<AppError>> {
    Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Validation { .. }))
    })
}

/// After a successful auth action, load the destination as a fresh page;
/// after a failed one, put the cursor on the first bad field.
fn on_auth_result<S>(action: ServerAction<S>)
where
    S: server_fn::ServerFn<Output = String, Error = AppError> + Clone + Send + Sync + 'static,
{
    Effect::new(move |_| match action.value().get() {
        Some(Ok(path)) => hard_navigate(&path),
        Some(Err(_)) => focus_first_invalid(),
        None => {}
    });
}

#[component]
pub fn LoginPage() -> impl IntoView {
    crate::util::mark_hydrated();
    let t = use_t();
    let action = ServerAction::<SignIn>::new();
    let error = form_error(action);
    on_auth_result(action);
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    // Back from a failed attempt, the address typed is kept (signed_out.js)
    // and the password is what to type again.
    let failed = query.read_untracked().get("form_error").is_some();
    view! {
        <AuthCard title=Signal::derive(move || t().sign_in_title.to_string()) subtitle=Signal::derive(move || t().sign_in_subtitle.to_string())>
            <ActionForm action=action>
                <div class="space-y-3">
                    <input type="hidden" name="next" value=next />
                    <Field name="email" kind="email" label=Signal::derive(move || t().email) autocomplete="username" required=true autofocus=!failed error=field_error(error, "email") />
                    <Field name="password" kind="password" label=Signal::derive(move || t().password) autocomplete="current-password" required=true autofocus=failed error=field_error(error, "password") />
                    <p class="text-right text-sm">
                        <A href="/forgot-password" attr:class="font-medium text-blue-700 hover:underline dark:text-blue-400" attr:id="forgot-password">{move || t().forgot_password}</A>
                    </p>
                    <ErrorBanner error=banner_error(error) />
                    <SubmitButton label=Signal::derive(move || t().sign_in) busy_label=Signal::derive(move || t().signing_in) pending=action.pending() full_width=true />
                </div>
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600 dark:text-slate-400">
                {move || t().no_account} " "
                <A href="/signup" attr:class="font-medium text-blue-700 hover:underline dark:text-blue-400">{move || t().sign_up}</A>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    crate::util::mark_hydrated();
    let t = use_t();
    let action = ServerAction::<SignUp>::new();
    let error = form_error(action);
    on_auth_result(action);
    let suggested_slug = RwSignal::new(String::new());
    view! {
        <AuthCard title=Signal::derive(move || t().sign_up_title.to_string()) subtitle=Signal::derive(move || t().sign_up_subtitle.to_string())>
            <ActionForm action=action>
                <div class="space-y-3">
                    <div on:input=move |ev| {
                        suggested_slug.set(Slug::suggest_from(&event_target_value(&ev)));
                    }>
                        <Field name="company_name" label=Signal::derive(move || t().company_name) autocomplete="organization" required=true autofocus=true error=field_error(error, "company_name") />
                    </div>
                    <div class="space-y-1">
                        <label for="field-slug" class="block text-sm font-medium text-slate-700 dark:text-slate-200">{move || t().slug}</label>
                        <div class="flex rounded-lg border border-slate-300 bg-slate-50 text-sm shadow-sm dark:border-slate-600 dark:bg-slate-800">
                            <span class="px-3 py-2 text-slate-500 dark:text-slate-400">"ponte/"</span>
                            <input
                                id="field-slug"
                                name="slug"
                                class="min-w-0 flex-1 rounded-r-lg border-0 bg-white px-3 py-2 text-slate-900 focus:outline-none focus:ring-2 focus:ring-blue-600/20 dark:bg-slate-900 dark:text-slate-100"
                                placeholder=move || suggested_slug.get()
                                aria-invalid=move || field_error(error, "slug").get().is_some().to_string()
                                aria-describedby="field-slug-msg"
                            />
                        </div>
                        <p id="field-slug-msg" class="text-xs">
                            {move || match field_error(error, "slug").get() {
                                Some(code) => view! { <span class="text-red-600 dark:text-red-400" role="alert">{t().code(code)}</span> }.into_any(),
                                None => view! { <span class="text-slate-500 dark:text-slate-400">{t().slug_hint}</span> }.into_any(),
                            }}
                        </p>
                    </div>
                    <Field name="name" label=Signal::derive(move || t().your_name) autocomplete="name" required=true error=field_error(error, "name") />
                    <Field name="email" kind="email" label=Signal::derive(move || t().email) autocomplete="email" required=true error=field_error(error, "email") />
                    <Field name="password" kind="password" label=Signal::derive(move || t().password) autocomplete="new-password" required=true hint=Signal::derive(move || t().password_hint) error=field_error(error, "password") />
                    <ErrorBanner error=banner_error(error) />
                    <SubmitButton label=Signal::derive(move || t().sign_up) busy_label=Signal::derive(move || t().creating_account) pending=action.pending() full_width=true />
                </div>
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600 dark:text-slate-400">
                {move || t().have_account} " "
                <A href="/login" attr:class="font-medium text-blue-700 hover:underline dark:text-blue-400">{move || t().sign_in}</A>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    crate::util::mark_hydrated();
    let t = use_t();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let preview = json_resource(token, preview_invitation);
    let action = ServerAction::<AcceptInvitation>::new();
    let error = form_error(action);
    on_auth_result(action);

    view! {
        <Transition fallback=FullPageSpinner>
            {move || Suspend::new(async move {
                match preview.await {
                    Ok(invite) => {
                        let title = invite.account_name.clone();
                        let role = invite.role;
                        let body = invite_body(&invite, action, error, token);
                        view! {
                            <AuthCard
                                title=Signal::derive(move || (t().invite_title)(&title))
                                subtitle=Signal::derive(move || (t().invite_role_line)(t().role_label(role)))
                            >
                                {body}
                            </AuthCard>
                        }
                        .into_any()
                    }
                    Err(err) => {
                        view! {
                            <AuthCard title=Signal::derive(move || t().link_expired_title.to_string()) subtitle=Signal::derive(String::new)>
                                <ErrorBanner error=Signal::derive(move || Some(err.clone())) />
                                <A href="/login" attr:class="mt-6 inline-block text-sm font-medium text-blue-700 hover:underline dark:text-blue-400">{move || t().sign_in}</A>
                            </AuthCard>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// What the invitee can do: a newcomer creates a login; someone signed in
/// with the invited address joins; anyone else is sent to sign in (the
/// normal, throttled sign-in) — the invitation itself never checks a password.
fn invite_body(
    invite: &shared::accounts::InvitationPreview,
    action: ServerAction<AcceptInvitation>,
    error: Signal<Option<AppError>>,
    token: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> AnyView {
    let t = use_t();
    let email = invite.email.clone();
    let signed_in_as_invitee = invite.signed_in_as.as_deref() == Some(invite.email.as_str());
    let signed_in_as_other = invite.signed_in_as.is_some() && !signed_in_as_invitee;
    let email_line = view! {
        <div class="space-y-1">
            <span class="block text-sm font-medium text-slate-700 dark:text-slate-200">{move || t().email}</span>
            <p class="rounded-lg bg-slate-100 px-3 py-2 text-sm dark:bg-slate-800" id="invite-email">{email}</p>
        </div>
    };
    if signed_in_as_other {
        let sign_out = ServerAction::<SignOut>::new();
        return view! {
            <p class="mb-4 text-sm text-slate-600 dark:text-slate-300" role="status">{move || t().invite_other_user_hint}</p>
            {email_line}
            <ActionForm action=sign_out attr:class="mt-4">
                <SubmitButton label=Signal::derive(move || t().sign_out) busy_label=Signal::derive(move || t().saving) pending=sign_out.pending() full_width=true />
            </ActionForm>
        }
        .into_any();
    }
    if signed_in_as_invitee {
        return view! {
            <p class="mb-4 text-sm text-slate-600 dark:text-slate-300">{move || t().invite_join_hint}</p>
            <ActionForm action=action>
                <div class="space-y-3">
                    <input type="hidden" name="token" value=token />
                    {email_line}
                    <ErrorBanner error=banner_error(error) />
                    <SubmitButton label=Signal::derive(move || t().invite_join) busy_label=Signal::derive(move || t().saving) pending=action.pending() full_width=true />
                </div>
            </ActionForm>
        }
        .into_any();
    }
    if invite.existing_user {
        let sign_in = format!("/login?next=/invite/{}", token());
        return view! {
            <p class="mb-4 text-sm text-slate-600 dark:text-slate-300">{move || t().invite_existing_hint}</p>
            {email_line}
            <a href=sign_in id="invite-sign-in" class="mt-4 block w-full rounded-lg bg-blue-700 px-4 py-2 text-center text-sm font-medium text-white hover:bg-blue-800">
                {move || t().invite_sign_in}
            </a>
        }
        .into_any();
    }
    view! {
        <p class="mb-4 text-sm text-slate-600 dark:text-slate-300">{move || t().invite_new_hint}</p>
        <ActionForm action=action>
            <div class="space-y-3">
                <input type="hidden" name="token" value=token />
                {email_line}
                <Field name="name" label=Signal::derive(move || t().your_name) autocomplete="name" required=true autofocus=true error=field_error(error, "name") />
                <Field
                    name="password"
                    kind="password"
                    label=Signal::derive(move || t().password)
                    autocomplete="new-password"
                    required=true
                    hint=Signal::derive(move || t().password_hint)
                    error=field_error(error, "password")
                />
                <ErrorBanner error=banner_error(error) />
                <SubmitButton label=Signal::derive(move || t().accept_invite) busy_label=Signal::derive(move || t().saving) pending=action.pending() full_width=true />
            </div>
        </ActionForm>
    }
    .into_any()
}
