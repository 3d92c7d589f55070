//! One's own profile: name, language, theme, password, other sessions.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::{AppError, Locale, Theme};

use crate::api::people::{ChangePassword, SignOutOtherSessions, UpdateProfile};
use crate::components::form::{
    field_error, form_error, ErrorBanner, Field, SelectField, SubmitButton, SuccessBanner,
};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::{use_session, PageHeader};
use crate::prefs::{use_prefs, use_t};

use super::*;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let prefs = use_prefs();
    let profile = ServerAction::<UpdateProfile>::new();
    let password = ServerAction::<ChangePassword>::new();
    let others = ServerAction::<SignOutOtherSessions>::new();
    let profile_error = form_error(profile);
    let password_error = form_error(password);
    refocus_on_error(profile);
    refocus_on_error(password);
    let profile_saved = saved_message(profile, "saved", |t| t.profile_saved);
    let query = use_query_map();
    let password_done = Signal::derive(move || match password.value().get() {
        Some(Ok(ended)) => Some((t().password_changed_n)(ended)),
        Some(Err(_)) => None,
        None => query
            .read()
            .get("password_changed")
            .map(|_| (t().password_changed_n)(0)),
    });
    let others_done = Signal::derive(move || match others.value().get() {
        Some(Ok(ended)) => Some((t().sessions_ended_n)(ended)),
        _ => None,
    });
    // Apply the saved language and theme at once.
    Effect::new(move |_| {
        if let (Some(Ok(())), Some(input)) =
            (profile.value().get(), profile.input().get_untracked())
        {
            if let Ok(theme) = input.theme.parse::<Theme>() {
                prefs.theme.set(theme);
            }
            if let Ok(locale) = input.locale.parse::<Locale>() {
                prefs.locale.set(locale);
            }
        }
    });
    let user = session.user.clone();

    view! {
        <PageHeader title=Signal::derive(move || t().profile_title) subtitle=Signal::derive(move || t().profile_subtitle) />
        <div class="grid max-w-5xl gap-6 p-4 sm:p-6 lg:grid-cols-2">
            <ActionForm action=profile>
                <section class=format!("{CARD} space-y-3")>
                    <Field name="name" label=Signal::derive(move || t().your_name) value=user.name.clone() required=true error=field_error(profile_error, "name") />
                    <SelectField name="locale" label=Signal::derive(move || t().language) options=Signal::derive(move || locale_options(Some(t().language_auto))) selected=user.locale.map(|l| l.as_str().to_string()).unwrap_or_default() />
                    <SelectField name="theme" label=Signal::derive(move || t().theme) options=Signal::derive(move || theme_options(t())) selected=user.theme.as_str().to_string() />
                    <SuccessBanner message=profile_saved />
                    <SubmitButton label=Signal::derive(move || t().save) busy_label=Signal::derive(move || t().saving) pending=profile.pending() />
                </section>
            </ActionForm>
            <section class=format!("{CARD} space-y-3")>
                <h2 class="text-base font-semibold">{move || t().change_password}</h2>
                <ActionForm action=password>
                    <div class="space-y-3">
                        <Field name="current_password" kind="password" label=Signal::derive(move || t().current_password) autocomplete="current-password" required=true error=field_error(password_error, "current_password") />
                        <Field name="new_password" kind="password" label=Signal::derive(move || t().new_password) autocomplete="new-password" required=true hint=Signal::derive(move || t().password_hint) error=field_error(password_error, "new_password") />
                        <Field name="confirm_password" kind="password" label=Signal::derive(move || t().confirm_password) autocomplete="new-password" required=true error=field_error(password_error, "confirm_password") />
                        <ErrorBanner error=Signal::derive(move || password_error.get().filter(|e| !matches!(e, AppError::Validation { .. }))) />
                        <SuccessBanner message=password_done />
                        <SubmitButton label=Signal::derive(move || t().change_password) busy_label=Signal::derive(move || t().saving) pending=password.pending() />
                    </div>
                </ActionForm>
                <div class="border-t border-slate-100 pt-3 dark:border-slate-800">
                    <ActionForm action=others>
                        <button type="submit" class=SMALL_BUTTON>
                            <Svg icon=Icon::Logout class="size-4" />
                            {move || t().sign_out_elsewhere}
                        </button>
                    </ActionForm>
                    <div class="mt-2"><SuccessBanner message=others_done /></div>
                </div>
            </section>
        </div>
    }
}
