//! The account's settings: name, address, time zone, country, defaults.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::phone::Country;
use shared::{AppError, Permission};

use crate::api::account::{get_account_settings, UpdateAccountSettings};
use crate::components::form::{
    field_error, form_error, ErrorBanner, Field, SelectField, SubmitButton, SuccessBanner,
};
use crate::components::layout::{use_session, PageHeader};
use crate::prefs::use_t;

use super::*;

#[component]
pub fn AccountSettingsPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.can(Permission::ManageAccountSettings) {
        return view! { <Forbidden /> }.into_any();
    }
    let action = ServerAction::<UpdateAccountSettings>::new();
    let settings = json_resource(|| (), |_| get_account_settings());
    let error = form_error(action);
    let saved = saved_message(action, "saved", |t| t.saved);
    refocus_on_error(action);

    view! {
        <PageHeader title=Signal::derive(move || t().account_settings_title) subtitle=Signal::derive(move || t().account_settings_subtitle) />
        <div class="max-w-2xl p-4 sm:p-6">
            <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(current) => view! {
                            <ActionForm action=action>
                                <div class=format!("{CARD} space-y-3")>
                                    <Field name="name" label=Signal::derive(move || t().company_name) value=current.name.clone() required=true error=field_error(error, "name") />
                                    <Field name="support_email" kind="email" label=Signal::derive(move || t().support_email) value=current.support_email.clone().unwrap_or_default() error=field_error(error, "support_email") />
                                    <div class="grid gap-3 sm:grid-cols-2">
                                        <SelectField name="timezone" label=Signal::derive(move || t().timezone)
                                            options=Signal::derive({
                                                let current = current.timezone.clone();
                                                move || time_zone_options(&current)
                                            })
                                            selected=current.timezone.clone()
                                            error=field_error(error, "timezone") />
                                        <SelectField name="country" label=Signal::derive(move || t().country)
                                            options=Signal::derive(move || Country::ALL.iter().map(|c| (c.as_str().to_string(), format!("{} (+{})", (t().country_name)(*c), c.calling_code()))).collect())
                                            selected=current.country.as_str().to_string()
                                            error=field_error(error, "country") />
                                    </div>
                                    <div class="grid gap-3 sm:grid-cols-2">
                                        <SelectField name="default_locale" label=Signal::derive(move || t().default_language) options=Signal::derive(|| locale_options(None)) selected=current.default_locale.as_str().to_string() />
                                        <SelectField name="default_theme" label=Signal::derive(move || t().default_theme) options=Signal::derive(move || theme_options(t())) selected=current.default_theme.as_str().to_string() />
                                    </div>
                                    <Field name="attachment_limit_mb" kind="number" label=Signal::derive(move || t().attachment_limit_mb) value=current.attachment_limit_mb.to_string() error=field_error(error, "attachment_limit_mb") />
                                    <ErrorBanner error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Validation { .. }))) />
                                    <SuccessBanner message=saved />
                                    <SubmitButton label=Signal::derive(move || t().save) busy_label=Signal::derive(move || t().saving) pending=action.pending() />
                                </div>
                            </ActionForm>
                        }.into_any(),
                        Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
    .into_any()
}
