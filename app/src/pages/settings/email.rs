//! Settings → E-mail: the account's own SMTP servers (one is the default that
//! sends its mail), a test e-mail that shows the server's answer, and the
//! send log.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::mail::{MailState, SentMail, SmtpAccountView, SmtpSecurity, SmtpTestResult};
use shared::Permission;

use crate::api::mail::{
    list_smtp_accounts, mail_send_log, test_smtp_account, RemoveSmtpAccount, SaveSmtpAccount,
};
use crate::components::form::{
    field_error, form_error, reset_on_success, ErrorBanner, Field, SelectField, SubmitButton,
};
use crate::components::layout::{use_session, PageHeader};
use crate::prefs::use_t;
use crate::util::{confirm, date_time};

use super::*;

#[component]
pub fn EmailSettingsPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.can(Permission::ManageAccountSettings) {
        return view! { <Forbidden /> }.into_any();
    }
    let save = ServerAction::<SaveSmtpAccount>::new();
    let remove = ServerAction::<RemoveSmtpAccount>::new();
    let editing = RwSignal::new(None::<SmtpAccountView>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    let servers = json_resource(
        move || (save.version().get(), remove.version().get()),
        |_| list_smtp_accounts(),
    );
    // A test e-mail is logged too: the log reloads after each.
    let tests_sent = RwSignal::new(0u32);
    let log = json_resource(
        move || (save.version().get(), tests_sent.get()),
        |_| mail_send_log(),
    );

    view! {
        <PageHeader title=Signal::derive(move || t().email_title) subtitle=Signal::derive(move || t().email_subtitle) />
        <div class="max-w-4xl space-y-6 p-4 sm:p-6">
            <section class=CARD aria-labelledby="smtp-heading">
                <h2 id="smtp-heading" class="mb-1 text-base font-semibold">{move || t().smtp_servers}</h2>
                <p class="mb-4 text-sm text-slate-500 dark:text-slate-400">{move || t().smtp_fallback_hint}</p>
                <Transition fallback=move || view! { <p class="text-sm text-slate-500">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        match servers.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="text-sm text-slate-500 dark:text-slate-400" id="smtp-empty">{move || t().smtp_none}</p>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="divide-y divide-slate-200 dark:divide-slate-800">
                                    {list.into_iter().map(|server| view! { <ServerRow server=server editing=editing remove=remove tests_sent=tests_sent /> }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            {move || {
                let editing_now = editing.get();
                view! { <ServerForm save=save editing=editing current=editing_now /> }
            }}
            <section class=CARD aria-labelledby="log-heading">
                <h2 id="log-heading" class="mb-3 text-base font-semibold">{move || t().sent_mail}</h2>
                <Transition fallback=move || view! { <p class="text-sm text-slate-500">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        match log.await {
                            Ok(mails) if mails.is_empty() => view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().sent_mail_empty}</p> }.into_any(),
                            Ok(mails) => view! { <SendLog mails=mails /> }.into_any(),
                            Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
    .into_any()
}

#[component]
fn ServerRow(
    server: SmtpAccountView,
    editing: RwSignal<Option<SmtpAccountView>>,
    remove: ServerAction<RemoveSmtpAccount>,
    tests_sent: RwSignal<u32>,
) -> impl IntoView {
    let t = use_t();
    let id = server.id;
    let tested = RwSignal::new(None::<Result<SmtpTestResult, shared::AppError>>);
    let testing = RwSignal::new(false);
    let name = server.name.clone();
    let for_edit = server.clone();
    let security = match server.security {
        SmtpSecurity::StartTls => "STARTTLS",
        SmtpSecurity::Tls => "TLS",
        SmtpSecurity::None => "—",
    };
    view! {
        <li class="py-3" data-smtp-account=server.name.clone()>
            <div class="flex flex-wrap items-center gap-2">
                <div class="min-w-0 flex-1">
                    <p class="font-medium">
                        {server.name.clone()}
                        {server.is_default.then(|| view! { <span class="ml-2 rounded-full bg-blue-100 px-2 py-0.5 text-xs text-blue-800 dark:bg-blue-900 dark:text-blue-100" data-default="">{move || t().smtp_default_badge}</span> })}
                    </p>
                    <p class="text-xs text-slate-500 dark:text-slate-400">
                        {format!("{}:{} · {security} · {}", server.host, server.port, server.from_address)}
                    </p>
                </div>
                <button type="button" class=SMALL_BUTTON data-test-smtp="" disabled=move || testing.get()
                    on:click=move |_| {
                        testing.set(true);
                        leptos::task::spawn_local(async move {
                            tested.set(Some(test_smtp_account(id).await));
                            testing.set(false);
                            tests_sent.update(|n| *n += 1);
                        });
                    }>
                    {move || if testing.get() { t().smtp_testing } else { t().smtp_test }}
                </button>
                <button type="button" class=SMALL_BUTTON on:click=move |_| editing.set(Some(for_edit.clone()))>{move || t().edit}</button>
                <button type="button" class=SMALL_BUTTON
                    on:click=move |_| {
                        if confirm(&format!("{} {name}?", t().remove)) {
                            remove.dispatch(RemoveSmtpAccount { id });
                        }
                    }>
                    {move || t().remove}
                </button>
            </div>
            {move || tested.get().map(|result| match result {
                Ok(result) => {
                    let (class, label) = if result.ok {
                        ("text-emerald-700 dark:text-emerald-400", t().smtp_test_ok)
                    } else {
                        ("text-red-700 dark:text-red-400", t().smtp_test_failed)
                    };
                    view! {
                        <p class=format!("mt-2 text-xs {class}") role="status" data-test-result=if result.ok { "ok" } else { "failed" }>
                            {label} " " <code class="break-all">{result.answer}</code>
                        </p>
                    }.into_any()
                }
                Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
            })}
        </li>
    }
}

/// Adds a server, or edits `current` (its password left empty keeps it).
#[component]
fn ServerForm(
    save: ServerAction<SaveSmtpAccount>,
    editing: RwSignal<Option<SmtpAccountView>>,
    current: Option<SmtpAccountView>,
) -> impl IntoView {
    let t = use_t();
    let error = form_error(save);
    let is_edit = current.is_some();
    let value = |f: fn(&SmtpAccountView) -> String| -> Signal<String> {
        let v = current.as_ref().map(f).unwrap_or_default();
        Signal::derive(move || v.clone())
    };
    let name_value = value(|c| c.name.clone());
    let host_value = value(|c| c.host.clone());
    let port_value = value(|c| c.port.to_string());
    let username_value = value(|c| c.username.clone());
    let from_name_value = value(|c| c.from_name.clone());
    let from_address_value = value(|c| c.from_address.clone());
    let security = current
        .as_ref()
        .map_or("starttls", |c| c.security.as_str())
        .to_string();
    let is_default = current.as_ref().is_none_or(|c| c.is_default);
    let id = current.as_ref().map(|c| c.id.to_string());
    view! {
        <section class=CARD aria-labelledby="smtp-form-heading">
            <h2 id="smtp-form-heading" class="mb-3 text-base font-semibold">
                {move || if is_edit { t().smtp_edit } else { t().smtp_add }}
            </h2>
            <ActionForm action=save node_ref=reset_on_success(save) attr:id="smtp-form">
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                <div class="grid gap-3 sm:grid-cols-2">
                    <Field name="name" label=Signal::derive(move || t().name) value=name_value required=true error=field_error(error, "name") />
                    <Field name="host" label=Signal::derive(move || t().smtp_host) value=host_value required=true error=field_error(error, "host") />
                    <SelectField
                        name="security"
                        label=Signal::derive(move || t().smtp_security)
                        options=Signal::derive(move || vec![
                            ("starttls".to_string(), t().smtp_security_starttls.to_string()),
                            ("tls".to_string(), t().smtp_security_tls.to_string()),
                            ("none".to_string(), t().smtp_security_none.to_string()),
                        ])
                        selected=security
                        error=field_error(error, "security")
                    />
                    <Field name="port" kind="number" label=Signal::derive(move || t().smtp_port) value=port_value hint=Signal::derive(move || t().smtp_port_hint) error=field_error(error, "port") />
                    <Field name="username" label=Signal::derive(move || t().smtp_username) value=username_value autocomplete="off" />
                    <Field name="password" kind="password" label=Signal::derive(move || t().smtp_password) autocomplete="new-password"
                        hint=Signal::derive(move || if is_edit { t().smtp_password_keep } else { "" }) />
                    <Field name="from_name" label=Signal::derive(move || t().smtp_from_name) value=from_name_value error=field_error(error, "from_name") />
                    <Field name="from_address" kind="email" label=Signal::derive(move || t().smtp_from_address) value=from_address_value required=true error=field_error(error, "from_address") />
                </div>
                <label class="mt-3 flex items-center gap-2 text-sm">
                    <input type="checkbox" name="is_default" id="field-is_default" checked=is_default />
                    {move || t().smtp_default}
                </label>
                <div class="mt-4 flex items-center gap-2">
                    <SubmitButton label=Signal::derive(move || t().save) busy_label=Signal::derive(move || t().saving) pending=save.pending() />
                    {is_edit.then(|| view! {
                        <button type="button" class=SMALL_BUTTON on:click=move |_| editing.set(None)>{move || t().cancel}</button>
                    })}
                </div>
                <div class="mt-3"><ErrorBanner error=Signal::derive(move || error.get().filter(|e| !matches!(e, shared::AppError::Validation { .. }))) /></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn SendLog(mails: Vec<SentMail>) -> impl IntoView {
    let t = use_t();
    let offset = use_session().utc_offset_minutes;
    let locale = crate::prefs::use_prefs().locale.get_untracked();
    view! {
        <div class="overflow-x-auto">
            <table class="min-w-full text-sm" id="send-log">
                <thead>
                    <tr>
                        <th class=TABLE_HEAD>{move || t().sent_mail_to}</th>
                        <th class=TABLE_HEAD>{move || t().sent_mail_subject}</th>
                        <th class=TABLE_HEAD>{move || t().sent_mail_state}</th>
                        <th class=TABLE_HEAD>{move || t().sent_mail_when}</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {mails.into_iter().map(|mail| {
                        let (label, class) = match mail.state {
                            MailState::Sent => (t().mail_state_sent, "text-emerald-700 dark:text-emerald-400"),
                            MailState::Pending => (t().mail_state_pending, "text-amber-700 dark:text-amber-400"),
                            MailState::Failed => (t().mail_state_failed, "text-red-700 dark:text-red-400"),
                        };
                        let via = mail.smtp_account.clone().unwrap_or_else(|| t().smtp_server_wide.to_string());
                        view! {
                            <tr data-mail-state=mail.state.as_str()>
                                <td class="px-3 py-2">{mail.to_address.clone()}</td>
                                <td class="px-3 py-2">{mail.subject.clone()}<span class="block text-xs text-slate-500 dark:text-slate-400">{via}</span></td>
                                <td class=format!("px-3 py-2 {class}")>
                                    {label}
                                    {mail.last_error.clone().map(|e| view! { <span class="block max-w-xs truncate text-xs" title=e.clone()>{e.clone()}</span> })}
                                </td>
                                <td class="whitespace-nowrap px-3 py-2 text-xs text-slate-500 dark:text-slate-400">{date_time(mail.sent_at.unwrap_or(mail.created_at), offset, locale)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
