//! The account's people: inviting, roles, deactivating, pending invitations.

use crate::json::{json_resource, JsonResource};
use leptos::prelude::*;
use shared::accounts::InvitationLink;
use shared::{AppError, Permission, Role};

use super::member_limits::MemberLimitsCell;
use crate::api::channels::list_channels;
use crate::api::people::{
    list_invitations, list_members, ChangeMemberRole, InviteUser, RenewInvitation,
    RevokeInvitation, SetMemberActive,
};
use crate::components::form::{
    field_error, form_error, reset_on_success, ErrorBanner, Field, SelectField, SubmitButton,
};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::{use_session, PageHeader};
use crate::prefs::{use_prefs, use_t};
use crate::util::{
    confirm, copy_to_clipboard, date, date_time, select_target_text, submit_enclosing_form,
};

use super::*;

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

    let members = json_resource(
        move || {
            (
                set_role.version().get(),
                set_active.version().get(),
                invite.version().get(),
            )
        },
        |_| list_members(),
    );
    let invitations = json_resource(
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
                <ActionForm action=invite node_ref=reset_on_success(invite)>
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

type MembersResource = JsonResource<Result<Vec<shared::accounts::Member>, AppError>>;
type InvitationsResource = JsonResource<Result<Vec<shared::accounts::PendingInvitation>, AppError>>;

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
    let toasts = use_context::<crate::components::toast::Toasts>();
    let channels = json_resource(|| (), |_| list_channels());
    Effect::new(move |_| {
        if let (Some(Ok(member)), Some(toasts)) = (set_role.value().get(), toasts) {
            let t = t();
            toasts.show(
                crate::components::toast::ToastKind::Success,
                (t.role_changed)(&member.name, t.role_label(member.role)),
            );
        }
    });
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
                <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        let list = members.await.unwrap_or_default();
                        let channels = channels.await.unwrap_or_default();
                        view! {
                            <div class="relative overflow-x-auto">
                                <table class="w-full min-w-[48rem] text-sm" id="members-table">
                                    <thead>
                                        <tr class="border-b border-slate-200 dark:border-slate-800">
                                            <th class=TABLE_HEAD>{move || t().name}</th>
                                            <th class=TABLE_HEAD>{move || t().role}</th>
                                            <th class=TABLE_HEAD>{move || t().member_limits}</th>
                                            <th class=TABLE_HEAD>{move || t().status}</th>
                                            <th class=TABLE_HEAD>{move || t().joined}</th>
                                            <th class=TABLE_HEAD><span class="sr-only">{move || t().actions}</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list.into_iter().map(|member| {
                                            let is_me = member.user_id == me;
                                            let name = member.name.clone();
                                            let current_role = member.role;
                                            let user_id = member.user_id.to_string();
                                            let user_id_2 = user_id.clone();
                                            let active = member.active;
                                            let joined = member.joined_at;
                                            let limits = view! { <MemberLimitsCell member=member.clone() channels=channels.clone() /> };
                                            view! {
                                                <tr class="border-b border-slate-100 last:border-0 dark:border-slate-800" data-email=member.email.clone()>
                                                    <td class="px-3 py-2">
                                                        <p class="font-medium">{member.name.clone()} {is_me.then(|| view! { <span class="text-xs text-slate-500 dark:text-slate-400">" (" {move || t().you} ")"</span> })}</p>
                                                        <p class="text-xs text-slate-500 dark:text-slate-400">{member.email.clone()}</p>
                                                    </td>
                                                    <td class="px-3 py-2">
                                                        <ActionForm action=set_role>
                                                            <input type="hidden" name="user_id" value=user_id.clone() />
                                                            <div class="flex items-center gap-2">
                                                                <select name="role" class="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
                                                                    aria-label=move || t().role
                                                                    disabled=is_me
                                                                    on:change=move |ev| {
                                                                        // Raising privileges, or any role change, is confirmed first.
                                                                        let strings = crate::i18n::strings(prefs.locale.get_untracked());
                                                                        let chosen = event_target_value(&ev).parse::<Role>().unwrap_or(current_role);
                                                                        let question = if chosen == Role::GlobalAdmin {
                                                                            (strings.confirm_make_admin)(&name)
                                                                        } else {
                                                                            (strings.confirm_role_change)(&name, strings.role_label(chosen))
                                                                        };
                                                                        if confirm(&question) {
                                                                            submit_enclosing_form(&ev);
                                                                        } else {
                                                                            reset_select(&ev, current_role.as_str());
                                                                        }
                                                                    }>
                                                                    {Role::ALL.into_iter().map(|role| view! {
                                                                        <option value=role.as_str() selected=role == member.role>{move || t().role_label(role)}</option>
                                                                    }).collect_view()}
                                                                </select>
                                                                <noscript><button type="submit" class=SMALL_BUTTON>{move || t().save}</button></noscript>
                                                            </div>
                                                        </ActionForm>
                                                    </td>
                                                    <td class="px-3 py-2">{limits}</td>
                                                    <td class="px-3 py-2">
                                                        {move || if active {
                                                            view! { <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">{t().active}</span> }.into_any()
                                                        } else {
                                                            view! { <span class="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-300">{t().inactive}</span> }.into_any()
                                                        }}
                                                    </td>
                                                    <td class="px-3 py-2 text-slate-500 dark:text-slate-400">{move || date(joined, offset, prefs.locale.get())}</td>
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
                <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                    {move || Suspend::new(async move {
                        let list = invitations.await.unwrap_or_default();
                        if list.is_empty() {
                            return view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().no_pending_invites}</p> }.into_any();
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
                                                <p class="text-xs text-slate-500 dark:text-slate-400">
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
    let emailed = link.emailed;
    view! {
        <div class="mt-4 rounded-lg border border-blue-200 bg-blue-50 p-3 text-sm dark:border-blue-900 dark:bg-blue-950" role="status">
            <p class="font-medium">{move || t().invite_link_ready} " — " {link.email.clone()}</p>
            <p class="mb-2 text-xs text-slate-600 dark:text-slate-300" data-emailed=emailed.to_string()>
                {move || if emailed { t().invite_emailed } else { t().invite_link_hint }}
            </p>
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
