//! Settings → Connections: WhatsApp numbers and other providers. Each card
//! shows where the provider must post (the webhook URL), the connection's
//! health live, and what it is configured with — never its secrets.

mod parked;
mod routing;
mod zapi_pairing;

use crate::components::grants::ChannelAccessPanel;
use crate::json::json_resource;
use leptos::prelude::*;
use parked::ParkedEvents;
use serde_json::{Map, Value};
use shared::connections::{
    config_fields, ConnectionHealth, ConnectionTest, ConnectionView, PROVIDER_KINDS,
};
use shared::inbox::ChannelKind;
use shared::{AppError, Permission};
use std::collections::BTreeMap;
use zapi_pairing::{PairingPanels, ZapiPairing};

use crate::api::connections::{
    create_connection, list_connections, remove_connection, test_connection, update_connection,
};
use crate::components::form::ErrorBanner;
use crate::components::icons::{Icon, Svg};
use crate::components::layout::{use_session, PageHeader};
use crate::components::widgets::{BUTTON, INPUT, PRIMARY_BUTTON};
use crate::i18n::Strings;
use crate::pages::settings::Forbidden;
use crate::prefs::use_t;
use crate::util::{confirm, copy_to_clipboard};

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6 dark:border-slate-800 dark:bg-slate-900";

/// The provider's own product name (not translated).
pub fn kind_name(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Website => "Website chat",
        ChannelKind::WhatsappCloud => "WhatsApp Cloud API",
        ChannelKind::TwilioWhatsapp => "WhatsApp · Twilio",
        ChannelKind::Zapi => "WhatsApp · Z-API",
        ChannelKind::Messenger => "Messenger",
        ChannelKind::Instagram => "Instagram",
        ChannelKind::Api => "API",
        ChannelKind::Email => "E-mail",
    }
}

fn field_label(t: &Strings, key: &str) -> &'static str {
    match key {
        "phone_number_id" => t.cfg_phone_number_id,
        "waba_id" => t.cfg_waba_id,
        "access_token" => t.cfg_access_token,
        "app_secret" => t.cfg_app_secret,
        "verify_token" => t.cfg_verify_token,
        "api_base_url" => t.cfg_api_base_url,
        "account_sid" => t.cfg_account_sid,
        "auth_token" => t.cfg_auth_token,
        "from" => t.cfg_from,
        "instance_id" => t.cfg_instance_id,
        "token" => t.cfg_token,
        "client_token" => t.cfg_client_token,
        "page_id" => t.cfg_page_id,
        "page_access_token" => t.cfg_page_access_token,
        "webhook_url" => t.cfg_webhook_url,
        "messages_per_second" => t.cfg_messages_per_second,
        "address" => t.cfg_address,
        "from_name" => t.cfg_from_name,
        "imap_host" => t.cfg_imap_host,
        "imap_port" => t.cfg_imap_port,
        "imap_security" => t.cfg_imap_security,
        "imap_username" => t.cfg_imap_username,
        "imap_password" => t.cfg_imap_password,
        "imap_folder" => t.cfg_imap_folder,
        "smtp_host" => t.cfg_smtp_host,
        "smtp_port" => t.cfg_smtp_port,
        "smtp_security" => t.cfg_smtp_security,
        "smtp_username" => t.cfg_smtp_username,
        "smtp_password" => t.cfg_smtp_password,
        _ => "",
    }
}

fn choice_label(t: &Strings, choice: &str) -> &'static str {
    match choice {
        "tls" => t.security_tls,
        "starttls" => t.security_starttls,
        "none" => t.security_none,
        _ => "",
    }
}

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.manages_channels() {
        return view! { <Forbidden /> }.into_any();
    }
    let admin = session.can(Permission::ManageChannels);
    let version = RwSignal::new(0u32);
    let connections = json_resource(move || version.get(), |_| list_connections());
    // Read once for every card's routing form.
    let departments = json_resource(|| (), |_| crate::api::departments::list_departments());
    if let Some(realtime) = crate::realtime::use_realtime() {
        realtime.subscribe(move |incoming| {
            if let crate::realtime::Incoming::Event(
                shared::events::ServerEvent::ConnectionHealth { .. },
            ) = incoming
            {
                version.update(|v| *v += 1);
            }
        });
    }
    let changed = Callback::new(move |()| version.update(|v| *v += 1));
    // Kept above the cards: a test changes the connection's health, which
    // reloads the list (and its cards) while the answer should stay shown.
    let tests = RwSignal::new(BTreeMap::<i64, ConnectionTest>::new());
    let panels = PairingPanels::new();
    view! {
        <PageHeader title=Signal::derive(move || t().nav_connections) subtitle=Signal::derive(move || t().connections_subtitle) />
        <div class="max-w-3xl space-y-6 p-4 sm:p-6">
            {admin.then(|| view! {
                <section class=CARD id="new-connection">
                    <h2 class="mb-3 text-base font-semibold">{move || t().new_connection}</h2>
                    <ConnectionForm connection=None changed=changed />
                </section>
            })}
            <div id="connections-list" class="space-y-6">
                <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        let list = connections.await.unwrap_or_default();
                        let departments = departments.await.unwrap_or_default();
                        if list.is_empty() {
                            return view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().no_connections}</p> }.into_any();
                        }
                        list.into_iter().map(|c| view! { <ConnectionCard connection=c departments=departments.clone() changed=changed tests=tests panels=panels /> }).collect_view().into_any()
                    })}
                </Transition>
            </div>
        </div>
    }
    .into_any()
}

#[component]
pub(super) fn HealthBadge(health: ConnectionHealth) -> impl IntoView {
    let t = use_t();
    let (class, label): (&str, fn(&Strings) -> &'static str) = match health {
        ConnectionHealth::Connected => (
            "bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-200",
            |t| t.health_connected,
        ),
        ConnectionHealth::Disconnected => (
            "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
            |t| t.health_disconnected,
        ),
        ConnectionHealth::Unknown => (
            "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
            |t| t.health_unknown,
        ),
    };
    view! {
        <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}") data-health=health.as_str()>{move || label(t())}</span>
    }
}

#[component]
fn ConnectionCard(
    connection: ConnectionView,
    departments: Vec<shared::departments::Department>,
    changed: Callback<()>,
    tests: RwSignal<BTreeMap<i64, ConnectionTest>>,
    panels: PairingPanels,
) -> impl IntoView {
    let t = use_t();
    let admin = use_session().can(Permission::ManageChannels);
    let webhook_url = format!("{}{}", use_session().public_url, connection.webhook_path);
    let to_copy = webhook_url.clone();
    let copied = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let id = connection.id;
    let tested = move || tests.with(|all| all.get(&id).cloned());
    let testing = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let active = connection.active;
    let summary: Vec<(&'static str, String)> = config_fields(connection.kind)
        .iter()
        .filter(|f| !f.secret)
        .filter_map(|f| {
            let value = connection.config.get(f.key)?.as_str()?.to_string();
            (!value.is_empty()).then_some((f.key, value))
        })
        .collect();
    let run_test = move |_| {
        testing.set(true);
        leptos::task::spawn_local(async move {
            match test_connection(id).await {
                Ok(result) => {
                    tests.update(|all| {
                        all.insert(id, result);
                    });
                    changed.run(());
                }
                Err(err) => error.set(Some(err)),
            }
            testing.set(false);
        });
    };
    let toggle = move |_| {
        leptos::task::spawn_local(async move {
            match update_connection(id, None, Some(!active), None).await {
                Ok(_) => changed.run(()),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let remove = move |_| {
        if !confirm(t().confirm_remove) {
            return;
        }
        leptos::task::spawn_local(async move {
            match remove_connection(id).await {
                Ok(()) => changed.run(()),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let edit_connection = connection.clone();
    let parked = connection.parked_events;
    view! {
        <section class=CARD data-connection=id>
            <div class="flex flex-wrap items-start justify-between gap-2">
                <div class="min-w-0">
                    <h2 class="flex flex-wrap items-center gap-2 text-base font-semibold">
                        {connection.name.clone()}
                        <HealthBadge health=connection.health />
                        {(!active).then(|| view! { <span class="rounded bg-slate-200 px-1.5 text-xs dark:bg-slate-700">{move || t().inactive}</span> })}
                    </h2>
                    <p class="text-xs text-slate-500 dark:text-slate-400">{kind_name(connection.kind)}</p>
                    {connection.health_detail.clone().map(|detail| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-400" data-health-detail="">{detail}</p> })}
                </div>
                <div class="flex flex-wrap gap-2">
                    <button type="button" class=BUTTON data-test-connection="" on:click=run_test disabled=move || testing.get()>
                        {move || if testing.get() { t().testing_connection } else { t().test_connection }}
                    </button>
                    {(connection.kind == ChannelKind::WhatsappCloud).then(|| view! {
                        <a class=BUTTON href=format!("/settings/connections/{id}/templates") data-templates-link="">{move || t().templates_button}</a>
                    })}
                    <button type="button" class=BUTTON on:click=move |_| editing.update(|e| *e = !*e)>{move || t().edit}</button>
                    <button type="button" class=BUTTON on:click=toggle>{move || if active { t().deactivate } else { t().reactivate }}</button>
                    {admin.then(|| view! { <button type="button" class=BUTTON on:click=remove>{move || t().remove}</button> })}
                </div>
            </div>
            {move || tested().map(|result| {
                let class = if result.ok { "text-green-700 dark:text-green-400" } else { "text-red-700 dark:text-red-400" };
                view! { <p class=format!("mt-2 text-sm {class}") role="status" data-test-result=result.ok.to_string()>{result.detail}</p> }
            })}
            <ErrorBanner error=Signal::derive(move || error.get()) />
            {(parked > 0).then(|| view! { <ParkedEvents id=id count=parked changed=changed /> })}
            <p class="mt-3 text-xs font-medium text-slate-600 dark:text-slate-300">{move || t().webhook_url}</p>
            <div class="mt-1 flex gap-2">
                <code tabindex="0" class="min-w-0 flex-1 overflow-x-auto whitespace-nowrap rounded bg-slate-100 px-2 py-1.5 text-xs dark:bg-slate-800" data-webhook-url="">{webhook_url}</code>
                <button type="button" class=BUTTON on:click=move |_| { copy_to_clipboard(&to_copy); copied.set(true); }>
                    <Svg icon=Icon::Copy class="size-4" /> {move || if copied.get() { t().copied } else { t().copy }}
                </button>
            </div>
            <dl class="mt-3 grid grid-cols-1 gap-x-4 gap-y-1 text-xs sm:grid-cols-2">
                {summary.into_iter().map(|(key, value)| view! {
                    <div class="min-w-0"><dt class="text-slate-500 dark:text-slate-400">{move || field_label(t(), key)}</dt><dd class="truncate font-mono">{value}</dd></div>
                }).collect_view()}
            </dl>
            <routing::ConnectionRouting connection=connection.clone() departments=departments />
            {(connection.kind == ChannelKind::Zapi).then(|| view! { <ZapiPairing id=id panels=panels /> })}
            {admin.then(|| view! { <ChannelAccessPanel channel_id=id /> })}
            <Show when=move || editing.get()>
                <div class="mt-4 border-t border-slate-100 pt-4 dark:border-slate-800">
                    <ConnectionForm connection=Some(edit_connection.clone()) changed=changed />
                </div>
            </Show>
        </section>
    }
}

/// Creates a connection (`connection` is `None`) or changes one; secrets
/// typed empty on a change keep their value.
#[component]
fn ConnectionForm(connection: Option<ConnectionView>, changed: Callback<()>) -> impl IntoView {
    let t = use_t();
    let editing = connection.clone();
    let prefix = connection
        .as_ref()
        .map(|c| format!("conn-{}", c.id))
        .unwrap_or_else(|| "conn-new".into());
    let kind = RwSignal::new(
        connection
            .as_ref()
            .map(|c| c.kind)
            .unwrap_or(PROVIDER_KINDS[0]),
    );
    let name = RwSignal::new(
        connection
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
    );
    let initial: BTreeMap<&'static str, String> = connection
        .as_ref()
        .map(|c| {
            config_fields(c.kind)
                .iter()
                .filter(|f| !f.secret)
                .map(|f| {
                    (
                        f.key,
                        c.config
                            .get(f.key)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let values = RwSignal::new(initial);
    let error = RwSignal::new(None::<AppError>);
    let pending = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let issued = RwSignal::new(None::<Value>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let config: Map<String, Value> = values
            .get_untracked()
            .into_iter()
            .filter(|(key, value)| {
                let secret = config_fields(kind.get_untracked())
                    .iter()
                    .any(|f| f.key == *key && f.secret);
                !(secret && value.is_empty() && editing.is_some())
            })
            .map(|(key, value)| (key.to_string(), Value::String(value)))
            .collect();
        let editing = editing.clone();
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = match &editing {
                Some(c) => {
                    update_connection(
                        c.id,
                        Some(name.get_untracked()),
                        None,
                        Some(Value::Object(config)),
                    )
                    .await
                }
                None => {
                    create_connection(
                        kind.get_untracked(),
                        name.get_untracked(),
                        Value::Object(config),
                    )
                    .await
                }
            };
            pending.set(false);
            match result {
                Ok(view) => {
                    error.set(None);
                    saved.set(true);
                    issued.set(view.issued);
                    if editing.is_none() {
                        name.set(String::new());
                        values.set(BTreeMap::new());
                    }
                    changed.run(());
                }
                Err(err) => {
                    saved.set(false);
                    error.set(Some(err));
                }
            }
        });
    };
    let field_error = move |key: &'static str| error.get().and_then(|e| e.field_code(key));
    let banner = Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Validation { .. }))
    });
    let is_new = connection.is_none();
    let form_name = prefix.clone();
    let type_id = format!("{prefix}-type");
    let name_id = format!("{prefix}-name");
    view! {
        <form class="space-y-3" on:submit=submit data-connection-form=form_name>
            {is_new.then(|| view! {
                <div class="space-y-1">
                    <label for=type_id.clone() class="block text-sm font-medium">{move || t().connection_type}</label>
                    <select id=type_id.clone() name="type" class=INPUT on:change=move |ev| {
                        if let Ok(k) = event_target_value(&ev).parse() { kind.set(k) }
                    }>
                        {PROVIDER_KINDS.iter().map(|k| view! { <option value=k.as_str()>{kind_name(*k)}</option> }).collect_view()}
                    </select>
                </div>
            })}
            <div class="space-y-1">
                <label for=name_id.clone() class="block text-sm font-medium">{move || t().name}</label>
                <input id=name_id.clone() name="name" class=INPUT required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <FieldMessage code=Signal::derive(move || field_error("name")) />
            </div>
            {move || config_fields(kind.get()).iter().map(|f| {
                let key = f.key;
                let id = format!("{prefix}-{key}");
                let secret = f.secret;
                let keep_hint = secret && !is_new;
                view! {
                    <div class="space-y-1">
                        <label for=id.clone() class="block text-sm font-medium">{move || field_label(t(), key)}</label>
                        {if f.choices.is_empty() {
                            view! {
                                <input id=id.clone() name=key class=INPUT
                                    type=if secret { "password" } else { "text" }
                                    autocomplete="off"
                                    required=f.required && !keep_hint
                                    placeholder=move || if keep_hint { "••••••••" } else { "" }
                                    prop:value=move || values.with(|v| v.get(key).cloned().unwrap_or_default())
                                    on:input=move |ev| { let value = event_target_value(&ev); values.update(|v| { v.insert(key, value); }); }
                                    aria-invalid=move || field_error(key).is_some().to_string() />
                            }.into_any()
                        } else {
                            // The first choice is the default, also when nothing is stored.
                            let choices = f.choices;
                            view! {
                                <select id=id.clone() name=key class=INPUT
                                    prop:value=move || values.with(|v| v.get(key).cloned().filter(|c| !c.is_empty()).unwrap_or_else(|| choices[0].to_string()))
                                    on:change=move |ev| { let value = event_target_value(&ev); values.update(|v| { v.insert(key, value); }); }
                                    aria-invalid=move || field_error(key).is_some().to_string()>
                                    {choices.iter().map(|c| view! { <option value=*c>{move || choice_label(t(), c)}</option> }).collect_view()}
                                </select>
                            }.into_any()
                        }}
                        {keep_hint.then(|| view! { <p class="text-xs text-slate-500 dark:text-slate-400">{move || t().secret_unchanged}</p> })}
                        <FieldMessage code=Signal::derive(move || field_error(key)) />
                    </div>
                }
            }).collect_view()}
            <ErrorBanner error=banner />
            {move || issued.get().map(|secrets| view! { <IssuedSecrets secrets=secrets /> })}
            <Show when=move || saved.get() && error.get().is_none()>
                <p class="text-sm text-green-700 dark:text-green-400" role="status">{move || t().saved}</p>
            </Show>
            <button type="submit" class=PRIMARY_BUTTON disabled=move || pending.get()>
                {move || if pending.get() { t().saving } else { t().save }}
            </button>
        </form>
    }
}

#[component]
pub(crate) fn FieldMessage(code: Signal<Option<shared::ErrorCode>>) -> impl IntoView {
    let t = use_t();
    move || {
        code.get().map(|code| {
            view! {
                <p class="text-xs font-medium text-red-700 dark:text-red-400" role="alert">{t().code(code)}</p>
            }
        })
    }
}

/// The API channel's token and signing secret, shown this once.
#[component]
fn IssuedSecrets(secrets: Value) -> impl IntoView {
    let t = use_t();
    let text = |key: &str| {
        secrets
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    type Label = fn(&Strings) -> &'static str;
    let rows: [(Label, String, &'static str); 2] = [
        (|t| t.api_channel_token, text("token"), "token"),
        (
            |t| t.api_signing_secret,
            text("signing_secret"),
            "signing_secret",
        ),
    ];
    view! {
        <div class="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-800 dark:bg-amber-950" role="status" data-issued-secrets="">
            <p class="font-medium">{move || t().api_secrets_once}</p>
            {rows.into_iter().map(|(label, value, key)| {
                let to_copy = value.clone();
                view! {
                    <div>
                        <p class="text-xs">{move || label(t())}</p>
                        <div class="flex gap-2">
                            <code class="min-w-0 flex-1 overflow-x-auto whitespace-nowrap rounded bg-white px-2 py-1 text-xs dark:bg-slate-900" data-secret=key>{value}</code>
                            <button type="button" class=BUTTON on:click=move |_| copy_to_clipboard(&to_copy)><Svg icon=Icon::Copy class="size-4" /></button>
                        </div>
                    </div>
                }
            }).collect_view()}
        </div>
    }
}
