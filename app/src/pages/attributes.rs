//! Settings → Contact attributes: typed custom fields for contacts.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::inbox::AttributeKind;
use shared::{AppError, Permission};

use crate::api::contacts::{list_attribute_definitions, remove_attribute, DefineAttribute};
use crate::components::form::{
    field_error, form_error, reset_on_success, ErrorBanner, Field, SelectField, SubmitButton,
};
use crate::components::layout::{use_session, PageHeader};
use crate::components::widgets::BUTTON;
use crate::i18n::Strings;
use crate::pages::settings::Forbidden;
use crate::prefs::{use_prefs, use_t};
use crate::util::confirm;

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6 dark:border-slate-800 dark:bg-slate-900";

fn kind_label(t: &Strings, kind: AttributeKind) -> &'static str {
    match kind {
        AttributeKind::Text => t.kind_text,
        AttributeKind::Number => t.kind_number,
        AttributeKind::Date => t.kind_date,
        AttributeKind::Boolean => t.kind_boolean,
        AttributeKind::List => t.kind_list,
    }
}

#[component]
pub fn AttributesPage() -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    if !use_session().can(Permission::ManageContactAttributes) {
        return view! { <Forbidden /> }.into_any();
    }
    let define = ServerAction::<DefineAttribute>::new();
    let removed = RwSignal::new(0u32);
    let list = json_resource(
        move || (define.version().get(), removed.get()),
        |_| list_attribute_definitions(),
    );
    let error = form_error(define);
    let remove_error = RwSignal::new(None::<AppError>);
    view! {
        <PageHeader title=Signal::derive(move || t().nav_attributes) subtitle=Signal::derive(move || t().attributes_subtitle) />
        <div class="max-w-3xl space-y-6 p-4 sm:p-6">
            <section class=CARD>
                <ActionForm action=define node_ref=reset_on_success(define)>
                    <div class="grid gap-3 sm:grid-cols-2">
                        <Field name="label" label=Signal::derive(move || t().attribute_label) required=true error=field_error(error, "label") />
                        <Field name="key" label=Signal::derive(move || t().attribute_key) hint=Signal::derive(move || t().attribute_key_hint) error=field_error(error, "key") />
                        <SelectField name="kind" label=Signal::derive(move || t().attribute_kind)
                            options=Signal::derive(move || AttributeKind::ALL.iter().map(|k| (k.as_str().to_string(), kind_label(t(), *k).to_string())).collect())
                            selected="text".to_string() error=field_error(error, "kind") />
                        <Field name="options" label=Signal::derive(move || t().attribute_options) hint=Signal::derive(move || t().attribute_options_hint) error=field_error(error, "options") />
                    </div>
                    <ErrorBanner error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Validation { .. }))) />
                    <SubmitButton label=Signal::derive(move || t().add) busy_label=Signal::derive(move || t().saving) pending=define.pending() />
                </ActionForm>
            </section>
            <ErrorBanner error=remove_error />
            <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let definitions = list.await.unwrap_or_default();
                    if definitions.is_empty() {
                        return view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().nothing_here}</p> }.into_any();
                    }
                    view! {
                        <ul class=format!("{CARD} divide-y divide-slate-100 !p-0 dark:divide-slate-800")>
                            {definitions.into_iter().map(|d| {
                                let id = d.id;
                                let kind = d.kind;
                                view! {
                                    <li class="flex items-center gap-3 p-4 text-sm">
                                        <div class="min-w-0 flex-1">
                                            <p class="font-medium">{d.label.clone()} <code class="ml-1 text-xs text-slate-500 dark:text-slate-400">{d.key.clone()}</code></p>
                                            <p class="text-xs text-slate-500 dark:text-slate-400">{move || kind_label(t(), kind)} {(!d.options.is_empty()).then(|| format!(": {}", d.options.join(", ")))}</p>
                                        </div>
                                        <button type="button" class=BUTTON on:click=move |_| {
                                            if confirm(crate::i18n::strings(prefs.locale.get_untracked()).confirm_remove) {
                                                leptos::task::spawn_local(async move {
                                                    match remove_attribute(id).await {
                                                        Ok(()) => removed.update(|v| *v += 1),
                                                        Err(err) => remove_error.set(Some(err)),
                                                    }
                                                });
                                            }
                                        }>{move || t().remove}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Transition>
        </div>
    }
    .into_any()
}
