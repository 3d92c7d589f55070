//! Settings: the account, its users and invitations, one's profile, API tokens.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::accounts::InvitationLink;
use shared::phone::Country;
use shared::{AppError, Locale, Permission, Role, Theme};

use crate::api::account::{get_account_settings, UpdateAccountSettings};
use crate::api::people::{
    list_invitations, list_members, ChangeMemberRole, ChangePassword, InviteUser, RenewInvitation,
    RevokeInvitation, SetMemberActive, SignOutOtherSessions, UpdateProfile,
};
use crate::api::tokens::{list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::components::form::{
    field_error, form_error, ErrorBanner, Field, SelectField, SubmitButton, SuccessBanner,
};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::{use_session, PageHeader};
use crate::prefs::{use_prefs, use_t};
use crate::util::{
    confirm, copy_to_clipboard, date, date_time, focus_first_invalid, select_target_text,
    submit_enclosing_form,
};

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6 dark:border-slate-800 dark:bg-slate-900";
const TABLE_HEAD: &str =
    "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";
const SMALL_BUTTON: &str = "inline-flex items-center gap-1 rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800";

/// Shown in place of a page the role may not use.
#[component]
pub fn Forbidden() -> impl IntoView {
    let t = use_t();
    view! { <p class="p-6 text-slate-600 dark:text-slate-300" role="alert">{move || t().err_forbidden}</p> }
}

fn locale_options(auto_label: Option<&'static str>) -> Vec<(String, String)> {
    auto_label
        .map(|label| (String::new(), label.to_string()))
        .into_iter()
        .chain(
            Locale::ALL
                .into_iter()
                .map(|l| (l.as_str().to_string(), l.native_name().to_string())),
        )
        .collect()
}

fn theme_options(t: &crate::i18n::Strings) -> Vec<(String, String)> {
    Theme::ALL
        .into_iter()
        .map(|theme| {
            let label = match theme {
                Theme::System => t.theme_system,
                Theme::Light => t.theme_light,
                Theme::Dark => t.theme_dark,
            };
            (theme.as_str().to_string(), label.to_string())
        })
        .collect()
}

fn role_options(t: &crate::i18n::Strings) -> Vec<(String, String)> {
    Role::ALL
        .into_iter()
        .map(|r| (r.as_str().to_string(), t.role_label(r).to_string()))
        .collect()
}

/// The zones offered, plus the account's current one if it is not listed.
fn time_zone_options(current: &str) -> Vec<(String, String)> {
    let mut zones: Vec<(String, String)> = TIME_ZONES
        .iter()
        .map(|tz| (tz.to_string(), tz.replace('_', " ")))
        .collect();
    if !current.is_empty() && !TIME_ZONES.contains(&current) {
        zones.insert(0, (current.to_string(), current.replace('_', " ")));
    }
    zones
}

const TIME_ZONES: &[&str] = &[
    "America/Sao_Paulo",
    "America/Manaus",
    "America/Recife",
    "America/Fortaleza",
    "America/Belem",
    "America/Bahia",
    "America/Cuiaba",
    "America/Campo_Grande",
    "America/Porto_Velho",
    "America/Boa_Vista",
    "America/Rio_Branco",
    "America/Noronha",
    "America/Argentina/Buenos_Aires",
    "America/Santiago",
    "America/Bogota",
    "America/Mexico_City",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Madrid",
    "UTC",
];

/// "Saved" after a hydrated submit, or after the redirect of a plain one.
fn saved_message<S>(
    action: ServerAction<S>,
    query_flag: &'static str,
    text: fn(&crate::i18n::Strings) -> &'static str,
) -> Signal<Option<String>>
where
    S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let t = use_t();
    let query = use_query_map();
    let value = action.value();
    Signal::derive(move || {
        let ok_now = matches!(value.get(), Some(Ok(_)));
        let ok_before = value.get().is_none() && query.read().get(query_flag).is_some();
        (ok_now || ok_before).then(|| text(t()).to_string())
    })
}

fn refocus_on_error<S>(action: ServerAction<S>)
where
    S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Err(_)) = action.value().get() {
            focus_first_invalid();
        }
    });
}

// Account ---------------------------------------------------------------------

#[component]
pub fn AccountSettingsPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.can(Permission::ManageAccountSettings) {
        return view! { <Forbidden /> }.into_any();
    }
    let action = ServerAction::<UpdateAccountSettings>::new();
    let settings = Resource::new(|| (), |_| get_account_settings());
    let error = form_error(action);
    let saved = saved_message(action, "saved", |t| t.saved);
    refocus_on_error(action);

    view! {
        <PageHeader title=Signal::derive(move || t().account_settings_title) subtitle=Signal::derive(move || t().account_settings_subtitle) />
        <div class="max-w-2xl p-4 sm:p-6">
            <Transition fallback=move || view! { <p class="text-sm text-slate-500">{move || t().loading}</p> }>
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

// Users -----------------------------------------------------------------------

#[component]
pub fn UsersPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.can(Permission::ManageUsers) {
        return view! { <Forbidden /> }.into_any();
    }
    let invite = ServerAction::<InviteUser>::new();
    let renew = ServerAction::<RenewInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let set_role = ServerAction::<ChangeMemberRole>::new();
    let set_active = ServerAction::<SetMemberActive>::new();

    let members = Resource::new(
        move || {
            (
                set_role.version().get(),
                set_active.version().get(),
                invite.version().get(),
            )
        },
        |_| list_members(),
    );
    let invitations = Resource::new(
        move || {
            (
                invite.version().get(),
                renew.version().get(),
                revoke.version().get(),
            )
        },
        |_| list_invitations(),
    );
    // The link to hand over: from a new invitation or a renewed one.
    let link = RwSignal::new(None::<InvitationLink>);
    Effect::new(move |_| {
        if let Some(Ok(created)) = invite.value().get() {
            link.set(Some(created));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(renewed)) = renew.value().get() {
            link.set(Some(renewed));
        }
    });

    view! {
        <PageHeader title=Signal::derive(move || t().users_title) subtitle=Signal::derive(move || t().users_subtitle) />
        <div class="space-y-6 p-4 sm:p-6">
            <InviteCard invite=invite link=link />
            <MembersCard members=members set_role=set_role set_active=set_active />
            <InvitationsCard invitations=invitations renew=renew revoke=revoke />
        </div>
    }
    .into_any()
}

#[component]
fn InviteCard(
    invite: ServerAction<InviteUser>,
    link: RwSignal<Option<InvitationLink>>,
) -> impl IntoView {
    let t = use_t();
    let invite_error = form_error(invite);
    refocus_on_error(invite);
    view! {
            <section class=CARD aria-labelledby="invite-heading">
                <h2 id="invite-heading" class="mb-3 text-base font-semibold">{move || t().invite_user}</h2>
                <ActionForm action=invite>
                    <div class="grid items-start gap-3 sm:grid-cols-[1fr_14rem_auto]">
                        <Field name="email" kind="email" label=Signal::derive(move || t().email) required=true error=field_error(invite_error, "email") />
                        <SelectField name="role" label=Signal::derive(move || t().role) options=Signal::derive(move || role_options(t())) selected="agent".to_string() error=field_error(invite_error, "role") />
                        <div class="pt-6">
                            <SubmitButton label=Signal::derive(move || t().invite) busy_label=Signal::derive(move || t().saving) pending=invite.pending() />
                        </div>
                    </div>
                    <ErrorBanner error=Signal::derive(move || invite_error.get().filter(|e| !matches!(e, AppError::Validation { .. }))) />
                </ActionForm>
                {move || link.get().map(|created| view! { <InviteLinkBox link=created /> })}
            </section>

    }
}

type MembersResource = Resource<Result<Vec<shared::accounts::Member>, AppError>>;
type InvitationsResource = Resource<Result<Vec<shared::accounts::PendingInvitation>, AppError>>;

#[component]
fn MembersCard(
    members: MembersResource,
    set_role: ServerAction<ChangeMemberRole>,
    set_active: ServerAction<SetMemberActive>,
) -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let me = session.user.id;
    let offset = session.utc_offset_minutes;
    let prefs = use_prefs();
    let member_error = Signal::derive(move || {
        [set_role.value().get(), set_active.value().get()]
            .into_iter()
            .flatten()
            .find_map(|result| result.err())
    });
    view! {
            <section class=CARD aria-labelledby="members-heading">
                <h2 id="members-heading" class="mb-3 text-base font-semibold">{move || t().users_title}</h2>
                <ErrorBanner error=member_error />
                <Transition fallback=move || view! { <p class="text-sm text-slate-500">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        let list = members.await.unwrap_or_default();
                        view! {
                            <div class="overflow-x-auto">
                                <table class="w-full min-w-[36rem] text-sm" id="members-table">
                                    <thead>
                                        <tr class="border-b border-slate-200 dark:border-slate-800">
                                            <th class=TABLE_HEAD>{move || t().name}</th>
                                            <th class=TABLE_HEAD>{move || t().role}</th>
                                            <th class=TABLE_HEAD>{move || t().status}</th>
                                            <th class=TABLE_HEAD>{move || t().joined}</th>
                                            <th class=TABLE_HEAD><span class="sr-only">{move || t().actions}</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list.into_iter().map(|member| {
                                            let is_me = member.user_id == me;
                                            let user_id = member.user_id.to_string();
                                            let user_id_2 = user_id.clone();
                                            let active = member.active;
                                            let joined = member.joined_at;
                                            view! {
                                                <tr class="border-b border-slate-100 last:border-0 dark:border-slate-800" data-email=member.email.clone()>
                                                    <td class="px-3 py-2">
                                                        <p class="font-medium">{member.name.clone()} {is_me.then(|| view! { <span class="text-xs text-slate-500">" (" {move || t().you} ")"</span> })}</p>
                                                        <p class="text-xs text-slate-500">{member.email.clone()}</p>
                                                    </td>
                                                    <td class="px-3 py-2">
                                                        <ActionForm action=set_role>
                                                            <input type="hidden" name="user_id" value=user_id.clone() />
                                                            <div class="flex items-center gap-2">
                                                                <select name="role" class="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
                                                                    aria-label=move || t().role
                                                                    disabled=is_me
                                                                    on:change=move |ev| submit_enclosing_form(&ev)>
                                                                    {Role::ALL.into_iter().map(|role| view! {
                                                                        <option value=role.as_str() selected=role == member.role>{move || t().role_label(role)}</option>
                                                                    }).collect_view()}
                                                                </select>
                                                                <noscript><button type="submit" class=SMALL_BUTTON>{move || t().save}</button></noscript>
                                                            </div>
                                                        </ActionForm>
                                                    </td>
                                                    <td class="px-3 py-2">
                                                        {move || if active {
                                                            view! { <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">{t().active}</span> }.into_any()
                                                        } else {
                                                            view! { <span class="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-300">{t().inactive}</span> }.into_any()
                                                        }}
                                                    </td>
                                                    <td class="px-3 py-2 text-slate-500">{move || date(joined, offset, prefs.locale.get())}</td>
                                                    <td class="px-3 py-2 text-right">
                                                        {(!is_me).then(|| view! {
                                                            <ActionForm action=set_active>
                                                                <input type="hidden" name="user_id" value=user_id_2.clone() />
                                                                <input type="hidden" name="active" value=(!active).to_string() />
                                                                <button type="submit" class=SMALL_BUTTON
                                                                    on:click=move |ev| {
                                                                        if active && !confirm(crate::i18n::strings(prefs.locale.get_untracked()).confirm_deactivate) {
                                                                            ev.prevent_default();
                                                                        }
                                                                    }>
                                                                    {move || if active { t().deactivate } else { t().reactivate }}
                                                                </button>
                                                            </ActionForm>
                                                        })}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                    })}
                </Transition>
            </section>

    }
}

#[component]
fn InvitationsCard(
    invitations: InvitationsResource,
    renew: ServerAction<RenewInvitation>,
    revoke: ServerAction<RevokeInvitation>,
) -> impl IntoView {
    let t = use_t();
    let offset = use_session().utc_offset_minutes;
    let prefs = use_prefs();
    view! {
            <section class=CARD aria-labelledby="invites-heading">
                <h2 id="invites-heading" class="mb-3 text-base font-semibold">{move || t().pending_invites}</h2>
                <Transition fallback=move || view! { <p class="text-sm text-slate-500">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        let list = invitations.await.unwrap_or_default();
                        if list.is_empty() {
                            return view! { <p class="text-sm text-slate-500">{move || t().no_pending_invites}</p> }.into_any();
                        }
                        view! {
                            <ul class="divide-y divide-slate-100 dark:divide-slate-800" id="pending-invites">
                                {list.into_iter().map(|inv| {
                                    let expires = inv.expires_at;
                                    let role = inv.role;
                                    view! {
                                        <li class="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                                            <div>
                                                <p class="font-medium">{inv.email.clone()}</p>
                                                <p class="text-xs text-slate-500">
                                                    {move || t().role_label(role)} " · " {move || t().invited_by} " " {inv.invited_by.clone()} " · "
                                                    {move || t().expires} " " {move || date_time(expires, offset, prefs.locale.get())}
                                                </p>
                                            </div>
                                            <div class="flex gap-2">
                                                <ActionForm action=renew>
                                                    <input type="hidden" name="invitation_id" value=inv.id />
                                                    <button type="submit" class=SMALL_BUTTON>{move || t().new_link}</button>
                                                </ActionForm>
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="invitation_id" value=inv.id />
                                                    <button type="submit" class=SMALL_BUTTON>{move || t().revoke}</button>
                                                </ActionForm>
                                            </div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    })}
                </Transition>
            </section>
    }
}

/// The invitation link, with a copy button; shown once.
#[component]
fn InviteLinkBox(link: InvitationLink) -> impl IntoView {
    let t = use_t();
    let copied = RwSignal::new(false);
    let url = link.url.clone();
    view! {
        <div class="mt-4 rounded-lg border border-blue-200 bg-blue-50 p-3 text-sm dark:border-blue-900 dark:bg-blue-950" role="status">
            <p class="font-medium">{move || t().invite_link_ready} " — " {link.email.clone()}</p>
            <p class="mb-2 text-xs text-slate-600 dark:text-slate-300">{move || t().invite_link_hint}</p>
            <div class="flex gap-2">
                <input id="invite-link" readonly value=link.url.clone() class="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-2 py-1 font-mono text-xs dark:border-slate-600 dark:bg-slate-900"
                    on:focus=move |ev| select_target_text(&ev) />
                <button type="button" class=SMALL_BUTTON on:click=move |_| { copy_to_clipboard(&url); copied.set(true); }>
                    <Svg icon=Icon::Copy class="size-4" />
                    {move || if copied.get() { t().copied } else { t().copy }}
                </button>
            </div>
        </div>
    }
}

// Profile -----------------------------------------------------------------------

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

// API tokens ----------------------------------------------------------------------

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.can(Permission::UseApi) {
        return view! { <Forbidden /> }.into_any();
    }
    let prefs = use_prefs();
    let offset = session.utc_offset_minutes;
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let error = form_error(create);
    let copied = RwSignal::new(false);

    view! {
        <PageHeader title=Signal::derive(move || t().tokens_title) subtitle=Signal::derive(move || t().tokens_subtitle) />
        <div class="max-w-3xl space-y-6 p-4 sm:p-6">
            <section class=CARD>
                <ActionForm action=create>
                    <div class="grid items-start gap-3 sm:grid-cols-[1fr_auto_auto]">
                        <Field name="name" label=Signal::derive(move || t().token_name) required=true error=field_error(error, "name") />
                        <SelectField
                            name="expires_in_days"
                            label=Signal::derive(move || t().token_expiry)
                            options=Signal::derive(move || vec![
                                (String::new(), t().token_never_expires.to_string()),
                                ("30".to_string(), t().token_expires_30.to_string()),
                                ("90".to_string(), t().token_expires_90.to_string()),
                                ("365".to_string(), t().token_expires_365.to_string()),
                            ])
                            selected="90".to_string()
                            error=field_error(error, "expires_in_days")
                        />
                        <div class="pt-6">
                            <SubmitButton label=Signal::derive(move || t().create_token) busy_label=Signal::derive(move || t().saving) pending=create.pending() />
                        </div>
                    </div>
                </ActionForm>
                {move || create.value().get().and_then(Result::ok).map(|created| {
                    let token = created.token.clone();
                    view! {
                        <div class="mt-3 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm dark:border-amber-900 dark:bg-amber-950" role="status">
                            <p class="mb-2">{move || t().token_created_hint}</p>
                            <div class="flex gap-2">
                                <code id="new-token" class="min-w-0 flex-1 overflow-x-auto rounded bg-white px-2 py-1 text-xs dark:bg-slate-900">{created.token.clone()}</code>
                                <button type="button" class=SMALL_BUTTON on:click=move |_| { copy_to_clipboard(&token); copied.set(true); }>
                                    {move || if copied.get() { t().copied } else { t().copy }}
                                </button>
                            </div>
                        </div>
                    }
                })}
                <p class="mt-3 text-xs text-slate-500">{move || t().api_docs_hint}</p>
            </section>
            <section class=CARD>
                <Transition fallback=move || view! { <p class="text-sm text-slate-500">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        let list = tokens.await.unwrap_or_default();
                        if list.is_empty() {
                            return view! { <p class="text-sm text-slate-500">{move || t().tokens_empty}</p> }.into_any();
                        }
                        view! {
                            <ul class="divide-y divide-slate-100 dark:divide-slate-800">
                                {list.into_iter().map(|token| {
                                    let created = token.created_at;
                                    let last_used = token.last_used_at;
                                    let expires = token.expires_at;
                                    view! {
                                        <li class="flex items-center justify-between gap-2 py-2 text-sm">
                                            <div>
                                                <p class="font-medium">{token.name.clone()} " " <code class="text-xs text-slate-500">{token.prefix.clone()} "…"</code></p>
                                                <p class="text-xs text-slate-500">
                                                    {move || date(created, offset, prefs.locale.get())} " · " {move || t().last_used} ": "
                                                    {move || last_used.map(|ts| date_time(ts, offset, prefs.locale.get())).unwrap_or_else(|| t().never.to_string())}
                                                    {move || expires.map(|ts| format!(" · {} {}", t().token_expires_on, date(ts, offset, prefs.locale.get())))}
                                                </p>
                                            </div>
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="token_id" value=token.id />
                                                <button type="submit" class=SMALL_BUTTON>{move || t().revoke}</button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    })}
                </Transition>
            </section>
        </div>
    }
    .into_any()
}
