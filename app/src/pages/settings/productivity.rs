//! Settings → Productivity: the account's rules for idleness — when an
//! agent turns idle, whether idle agents are signed out, and when a silent
//! browser counts as offline. Saved changes reach open browsers at once.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::{AppError, Permission};

use crate::api::activity::{get_activity_settings, SaveActivitySettings};
use crate::components::form::{
    field_error, form_error, ErrorBanner, Field, SubmitButton, SuccessBanner,
};
use crate::components::layout::{use_session, PageHeader};
use crate::prefs::use_t;

use super::ai_providers::AiProvidersCard;
use super::quality::{QualityThresholdForm, SatisfactionSurveyForm};
use super::*;

#[component]
pub fn ProductivitySettingsPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    // Admins set the idleness rules; managers (supervisors too) the
    // quality threshold.
    if !session.can(Permission::ViewDashboard) {
        return view! { <Forbidden /> }.into_any();
    }
    let sets_activity = session.can(Permission::ManageAccountSettings);
    let action = ServerAction::<SaveActivitySettings>::new();
    let settings = json_resource(|| (), |_| get_activity_settings());
    let error = form_error(action);
    let saved = saved_message(action, "saved", |t| t.saved);
    refocus_on_error(action);

    view! {
        <PageHeader title=Signal::derive(move || t().productivity_title) subtitle=Signal::derive(move || t().productivity_subtitle) />
        <div class="max-w-2xl space-y-6 p-4 sm:p-6">
            {sets_activity.then(|| view! {
                <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        match settings.await {
                            Ok(current) => view! {
                                <ActionForm action=action attr:id="productivity-form">
                                    <div class=format!("{CARD} space-y-3")>
                                        <p class="text-sm text-slate-600 dark:text-slate-300">{move || t().productivity_hint}</p>
                                        <Field name="idle_timeout_minutes" kind="number" label=Signal::derive(move || t().idle_timeout_label)
                                            value=current.idle_timeout_minutes.to_string() required=true error=field_error(error, "idle_timeout_minutes") />
                                        <label class="flex items-center gap-2 text-sm">
                                            <input type="checkbox" name="auto_logout" value="true" id="field-auto_logout" checked=current.auto_logout />
                                            {move || t().auto_logout_label}
                                        </label>
                                        <Field name="auto_logout_extra_minutes" kind="number" label=Signal::derive(move || t().auto_logout_extra_label)
                                            value=current.auto_logout_extra_minutes.to_string() required=true error=field_error(error, "auto_logout_extra_minutes") />
                                        <Field name="server_idle_threshold_minutes" kind="number" label=Signal::derive(move || t().server_idle_threshold_label)
                                            value=current.server_idle_threshold_minutes.to_string() required=true error=field_error(error, "server_idle_threshold_minutes") />
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
            })}
            <QualityThresholdForm />
            {sets_activity.then(|| view! { <SatisfactionSurveyForm /> })}
            {sets_activity.then(|| view! { <AiProvidersCard /> })}
        </div>
    }
    .into_any()
}
