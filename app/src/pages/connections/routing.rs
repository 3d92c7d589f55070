//! A connection's routing: the department its new conversations start in
//! and the language its customers get when theirs is unknown.

use leptos::prelude::*;
use shared::connections::ConnectionView;

use crate::api::channels::SaveChannelRouting;
use crate::components::form::{form_error, CustomerLanguageSelect, ErrorBanner, SubmitButton};
use crate::components::widgets::INPUT;
use crate::prefs::use_t;

#[component]
pub fn ConnectionRouting(
    connection: ConnectionView,
    departments: Vec<shared::departments::Department>,
) -> impl IntoView {
    let t = use_t();
    let action = ServerAction::<SaveChannelRouting>::new();
    let error = form_error(action);
    let saved = move || matches!(action.value().get(), Some(Ok(())));
    let current_department = connection.default_department_id;
    view! {
        <ActionForm action=action attr:class="mt-3 flex flex-wrap items-end gap-3" attr:data-routing=connection.id>
            <input type="hidden" name="id" value=connection.id />
            <label class="space-y-1">
                <span class="block text-sm font-medium">{move || t().default_department}</span>
                <select name="default_department_id" class=INPUT>
                    <option value="">{move || t().no_department}</option>
                    {departments.into_iter().map(|d| {
                        let selected = current_department == Some(d.id);
                        view! { <option value=d.id selected=selected>{d.name}</option> }
                    }).collect_view()}
                </select>
            </label>
            <CustomerLanguageSelect name="language" current=connection.language />
            <SubmitButton label=Signal::derive(move || t().save) busy_label=Signal::derive(move || t().saving) pending=action.pending() />
            <Show when=saved>
                <p class="text-sm text-green-700 dark:text-green-400" role="status">{move || t().saved}</p>
            </Show>
        </ActionForm>
        <ErrorBanner error=error />
    }
}
