//! Settings → Connections → Templates: a WhatsApp Cloud number's message
//! templates, synced from Meta or typed in, with Meta's approval status.

use crate::json::json_resource;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::connections::{MessageTemplate, TemplateCategory, TemplateStatus, TemplateSync};
use shared::{AppError, Permission};

use super::connections::FieldMessage;
use crate::api::templates::{list_templates, remove_template, save_template, sync_templates};
use crate::components::form::ErrorBanner;
use crate::components::layout::{use_session, PageHeader};
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};
use crate::i18n::Strings;
use crate::pages::settings::Forbidden;
use crate::prefs::use_t;
use crate::util::confirm;

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6 dark:border-slate-800 dark:bg-slate-900";

pub fn category_label(t: &Strings, category: TemplateCategory) -> &'static str {
    match category {
        TemplateCategory::Marketing => t.category_marketing,
        TemplateCategory::Utility => t.category_utility,
        TemplateCategory::Authentication => t.category_authentication,
    }
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let t = use_t();
    if !use_session().can(Permission::ManageChannels) {
        return view! { <Forbidden /> }.into_any();
    }
    let params = use_params_map();
    let channel_id = move || {
        params.with(|p| {
            p.get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or(0)
        })
    };
    let version = RwSignal::new(0u32);
    let templates = json_resource(
        move || (channel_id(), version.get()),
        |(id, _)| list_templates(id),
    );
    let changed = Callback::new(move |()| version.update(|v| *v += 1));
    view! {
        <PageHeader title=Signal::derive(move || t().templates_title) subtitle=Signal::derive(move || t().templates_subtitle)>
            <a href="/settings/connections" class=BUTTON>{move || t().back_to_connections}</a>
        </PageHeader>
        <div class="max-w-3xl space-y-6 p-4 sm:p-6">
            <SyncCard channel_id=channel_id() changed=changed />
            <section class=CARD id="new-template">
                <h2 class="mb-3 text-base font-semibold">{move || t().new_template}</h2>
                <TemplateForm channel_id=channel_id() changed=changed />
            </section>
            <div id="templates-list" class="space-y-3">
                <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        match templates.await {
                            Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                            Ok(list) if list.is_empty() => view! {
                                <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().no_templates}</p>
                            }.into_any(),
                            Ok(list) => list.into_iter().map(|template| view! {
                                <TemplateCard template=template changed=changed />
                            }).collect_view().into_any(),
                        }
                    })}
                </Transition>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn SyncCard(channel_id: i64, changed: Callback<()>) -> impl IntoView {
    let t = use_t();
    let syncing = RwSignal::new(false);
    let outcome = RwSignal::new(None::<TemplateSync>);
    let error = RwSignal::new(None::<AppError>);
    let sync = move |_| {
        syncing.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match sync_templates(channel_id).await {
                Ok(result) => {
                    outcome.set(Some(result));
                    changed.run(());
                }
                Err(err) => error.set(Some(err)),
            }
            syncing.set(false);
        });
    };
    view! {
        <section class=CARD>
            <button type="button" class=PRIMARY_BUTTON id="sync-templates" on:click=sync disabled=move || syncing.get()>
                {move || if syncing.get() { t().syncing_templates } else { t().sync_templates }}
            </button>
            {move || outcome.get().map(|result| if result.ok {
                view! {
                    <p class="mt-2 text-sm text-green-700 dark:text-green-400" role="status" data-sync-result="ok">
                        {result.synced} " " {move || t().templates_read}
                        {(result.removed > 0).then(|| view! { "; " {result.removed} " " {move || t().templates_gone} })}
                    </p>
                }.into_any()
            } else {
                view! { <p class="mt-2 text-sm text-red-700 dark:text-red-400" role="status" data-sync-result="failed">{result.detail}</p> }.into_any()
            })}
            <ErrorBanner error=Signal::derive(move || error.get()) />
        </section>
    }
}

#[component]
fn StatusBadge(status: TemplateStatus) -> impl IntoView {
    let t = use_t();
    let (class, label): (&str, fn(&Strings) -> &'static str) = match status {
        TemplateStatus::Approved => (
            "bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-200",
            |t| t.tstatus_approved,
        ),
        TemplateStatus::Pending => (
            "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100",
            |t| t.tstatus_pending,
        ),
        TemplateStatus::Rejected => (
            "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
            |t| t.tstatus_rejected,
        ),
        TemplateStatus::Paused => (
            "bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100",
            |t| t.tstatus_paused,
        ),
        TemplateStatus::Disabled => (
            "bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-300",
            |t| t.tstatus_disabled,
        ),
    };
    view! {
        <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}") data-template-status=status.as_str()>{move || label(t())}</span>
    }
}

#[component]
fn TemplateCard(template: MessageTemplate, changed: Callback<()>) -> impl IntoView {
    let t = use_t();
    let error = RwSignal::new(None::<AppError>);
    let (channel_id, id) = (template.channel_id, template.id);
    let remove = move |_| {
        if !confirm(t().confirm_remove) {
            return;
        }
        leptos::task::spawn_local(async move {
            match remove_template(channel_id, id).await {
                Ok(()) => changed.run(()),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let category = template.category;
    let synced = template.synced;
    view! {
        <section class=CARD data-template=template.name.clone()>
            <div class="flex flex-wrap items-start justify-between gap-2">
                <div class="min-w-0">
                    <h2 class="flex flex-wrap items-center gap-2 font-mono text-sm font-semibold">
                        {template.name.clone()}
                        <span class="rounded bg-slate-100 px-1.5 text-xs font-normal dark:bg-slate-800">{template.language.clone()}</span>
                        <StatusBadge status=template.status />
                    </h2>
                    <p class="text-xs text-slate-500 dark:text-slate-400">
                        {move || category_label(t(), category)} " · "
                        {move || if synced { t().template_from_meta } else { t().template_typed }}
                    </p>
                </div>
                <button type="button" class=BUTTON on:click=remove>{move || t().remove}</button>
            </div>
            <p class="mt-2 whitespace-pre-wrap text-sm">{template.body.clone()}</p>
            {template.reason.clone().map(|reason| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-400">{reason}</p> })}
            <ErrorBanner error=Signal::derive(move || error.get()) />
        </section>
    }
}

#[component]
fn TemplateForm(channel_id: i64, changed: Callback<()>) -> impl IntoView {
    let t = use_t();
    let name = RwSignal::new(String::new());
    let language = RwSignal::new("pt_BR".to_string());
    let category = RwSignal::new(TemplateCategory::Utility);
    let body = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let field = move |key: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.field_code(key)))
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saving.set(true);
        leptos::task::spawn_local(async move {
            match save_template(
                channel_id,
                name.get_untracked(),
                language.get_untracked(),
                category.get_untracked(),
                body.get_untracked(),
            )
            .await
            {
                Ok(_) => {
                    error.set(None);
                    name.set(String::new());
                    body.set(String::new());
                    changed.run(());
                }
                Err(err) => error.set(Some(err)),
            }
            saving.set(false);
        });
    };
    view! {
        <form class="space-y-3" on:submit=save>
            <div class="grid gap-3 sm:grid-cols-2">
                <label class="block text-sm">
                    <span class="mb-1 block font-medium">{move || t().template_name}</span>
                    <input class=INPUT name="template_name" required prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                    <FieldMessage code=field("name") />
                </label>
                <label class="block text-sm">
                    <span class="mb-1 block font-medium">{move || t().template_language}</span>
                    <input class=INPUT name="template_language" list="template-languages" required prop:value=move || language.get()
                        on:input=move |ev| language.set(event_target_value(&ev)) />
                    <datalist id="template-languages">
                        <option value="pt_BR" /><option value="en_US" /><option value="en" /><option value="es" />
                    </datalist>
                    <FieldMessage code=field("language") />
                </label>
            </div>
            <label class="block text-sm">
                <span class="mb-1 block font-medium">{move || t().template_category}</span>
                <select class=INPUT name="template_category"
                    on:change=move |ev| {
                        if let Ok(value) = event_target_value(&ev).parse() {
                            category.set(value);
                        }
                    }>
                    {TemplateCategory::ALL.iter().map(|c| {
                        let c = *c;
                        view! { <option value=c.as_str() selected=move || category.get() == c>{move || category_label(t(), c)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="block text-sm">
                <span class="mb-1 block font-medium">{move || t().template_body}</span>
                <textarea class=INPUT name="template_body" rows=3 required prop:value=move || body.get()
                    on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                <span class="mt-1 block text-xs text-slate-500 dark:text-slate-400">{move || t().template_body_hint}</span>
                <FieldMessage code=field("body") />
            </label>
            <ErrorBanner error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Validation { .. }))) />
            <button type="submit" class=PRIMARY_BUTTON disabled=move || saving.get()>{move || t().save}</button>
        </form>
    }
}
