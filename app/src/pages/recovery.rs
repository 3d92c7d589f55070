//! Pages reached from mailed links, and the way to ask for one: forgot
//! password, choose a new password, confirm an e-mail address.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::AppError;

use super::auth::{banner_error, AuthCard};
use crate::api::session::{ConfirmEmail, RequestPasswordReset, ResetPassword};
use crate::components::form::{field_error, form_error, ErrorBanner, Field, SubmitButton};
use crate::prefs::use_t;

const LINK: &str = "text-sm font-medium text-blue-700 hover:underline dark:text-blue-400";
const DONE: &str = "rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100";

fn token_param() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("token").unwrap_or_default()
}

fn succeeded<S>(action: ServerAction<S>) -> Signal<bool>
where
    S: server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    Signal::derive(move || matches!(action.value().get(), Some(Ok(()))))
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let t = use_t();
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = form_error(action);
    let succeeded = succeeded(action);
    // Without wasm the form posts and comes back here with `?sent=1`.
    let query = leptos_router::hooks::use_query_map();
    let sent = Signal::derive(move || succeeded.get() || query.read().get("sent").is_some());
    view! {
        <AuthCard title=Signal::derive(move || t().forgot_title.to_string()) subtitle=Signal::derive(move || t().forgot_subtitle.to_string())>
            <ActionForm action=action>
                <div class="space-y-3">
                    <Field name="email" kind="email" label=Signal::derive(move || t().email) autocomplete="username" required=true autofocus=true error=field_error(error, "email") />
                    <ErrorBanner error=banner_error(error) />
                    <Show when=move || sent.get()>
                        <p class=DONE role="status" id="reset-sent">{move || t().forgot_sent}</p>
                    </Show>
                    <SubmitButton label=Signal::derive(move || t().forgot_send) busy_label=Signal::derive(move || t().forgot_sending) pending=action.pending() full_width=true />
                </div>
            </ActionForm>
            <p class="mt-6 text-center">
                <a href="/login" class=LINK>{move || t().back_to_sign_in}</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let t = use_t();
    let token = token_param();
    let action = ServerAction::<ResetPassword>::new();
    let error = form_error(action);
    let done = succeeded(action);
    let expired = Signal::derive(move || matches!(error.get(), Some(AppError::LinkExpired)));
    view! {
        <AuthCard title=Signal::derive(move || t().reset_title.to_string()) subtitle=Signal::derive(move || t().reset_subtitle.to_string())>
            <Show
                when=move || done.get()
                fallback=move || view! {
                    <ActionForm action=action>
                        <div class="space-y-3">
                            <input type="hidden" name="token" value=token />
                            <Field name="password" kind="password" label=Signal::derive(move || t().new_password) autocomplete="new-password" required=true autofocus=true hint=Signal::derive(move || t().password_hint) error=field_error(error, "password") />
                            <ErrorBanner error=banner_error(error) />
                            <SubmitButton label=Signal::derive(move || t().reset_save) busy_label=Signal::derive(move || t().saving) pending=action.pending() full_width=true />
                        </div>
                    </ActionForm>
                    <Show when=move || expired.get()>
                        <p class="mt-4 text-center"><a href="/forgot-password" class=LINK>{move || t().ask_new_link}</a></p>
                    </Show>
                }
            >
                <p class=DONE role="status" id="reset-done">{move || t().reset_done}</p>
                <a href="/login" class="mt-4 block w-full rounded-lg bg-blue-700 px-4 py-2 text-center text-sm font-semibold text-white hover:bg-blue-800">{move || t().sign_in}</a>
            </Show>
        </AuthCard>
    }
}

/// Confirming takes a click, not just opening the link: mail scanners that
/// fetch every link in a message must not confirm for the person.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let t = use_t();
    let token = token_param();
    let action = ServerAction::<ConfirmEmail>::new();
    let error = form_error(action);
    let done = succeeded(action);
    view! {
        <AuthCard title=Signal::derive(move || t().confirm_title.to_string()) subtitle=Signal::derive(move || t().confirm_subtitle.to_string())>
            <Show
                when=move || done.get()
                fallback=move || view! {
                    <ActionForm action=action>
                        <div class="space-y-3">
                            <input type="hidden" name="token" value=token />
                            <ErrorBanner error=error />
                            <SubmitButton label=Signal::derive(move || t().confirm_button) busy_label=Signal::derive(move || t().saving) pending=action.pending() full_width=true />
                        </div>
                    </ActionForm>
                }
            >
                <p class=DONE role="status" id="email-confirmed">{move || t().confirm_done}</p>
                <a href="/inbox" class="mt-4 block w-full rounded-lg bg-blue-700 px-4 py-2 text-center text-sm font-semibold text-white hover:bg-blue-800">{move || t().go_to_inbox}</a>
            </Show>
        </AuthCard>
    }
}
