//! Members, invitations, and one's own profile.

use leptos::prelude::*;
use shared::accounts::{InvitationLink, InvitationPreview, Member, PendingInvitation};
use shared::{AppError, Role};
use uuid::Uuid;

#[server(endpoint = "list_members")]
pub async fn list_members() -> Result<Vec<Member>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::people::members(&state.db, &actor).await)
}

#[server(endpoint = "change_member_role")]
pub async fn change_member_role(user_id: Uuid, role: Role) -> Result<Member, AppError> {
    use crate::server::{actor, finish, redirect_plain_form};
    let (state, actor) = actor()?;
    let member = finish(domain::people::change_role(&state.db, &actor, user_id, role).await)?;
    redirect_plain_form("/settings/users");
    Ok(member)
}

#[server(endpoint = "set_member_active")]
pub async fn set_member_active(user_id: Uuid, active: bool) -> Result<Member, AppError> {
    use crate::server::{actor, finish, redirect_plain_form};
    let (state, actor) = actor()?;
    let member = finish(domain::people::set_active(&state.db, &actor, user_id, active).await)?;
    redirect_plain_form("/settings/users");
    Ok(member)
}

#[server(endpoint = "list_invitations")]
pub async fn list_invitations() -> Result<Vec<PendingInvitation>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::people::pending_invitations(&state.db, &actor).await)
}

#[server(endpoint = "invite_user")]
pub async fn invite_user(email: String, role: String) -> Result<InvitationLink, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::people::invite(&state.db, state.config.outbox(), &actor, &email, &role).await)
}

#[server(endpoint = "renew_invitation")]
pub async fn renew_invitation(invitation_id: i64) -> Result<InvitationLink, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(
        domain::people::renew_invitation(&state.db, state.config.outbox(), &actor, invitation_id)
            .await,
    )
}

#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(invitation_id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish, redirect_plain_form};
    let (state, actor) = actor()?;
    finish(domain::people::revoke_invitation(&state.db, &actor, invitation_id).await)?;
    redirect_plain_form("/settings/users");
    Ok(())
}

#[server(endpoint = "preview_invitation")]
pub async fn preview_invitation(token: String) -> Result<InvitationPreview, AppError> {
    use crate::server::{finish, session, state};
    let current = session();
    finish(
        domain::people::preview_invitation(
            &state()?.db,
            &token,
            current.as_ref().map(|s| &s.actor),
        )
        .await,
    )
}

/// A newcomer sends a name and password; someone signed in joins as
/// themselves (no password is ever checked here).
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    #[server(default)] name: String,
    #[server(default)] password: String,
) -> Result<String, AppError> {
    use crate::server::{
        client_info, finish, redirect_plain_form, session, set_session_cookie, state,
    };
    use domain::people::Invitee;
    let state = state()?;
    let current = session();
    let invitee = match &current {
        Some(session) => Invitee::SignedIn(&session.actor),
        None => Invitee::Newcomer {
            name: &name,
            password: &password,
        },
    };
    let signed_in = finish(
        domain::people::accept_invitation(&state.db, &token, invitee, &client_info()).await,
    )?;
    if let Some(previous) = &current {
        // The browser moves to the new account's session.
        finish(
            domain::auth::sign_out(
                &state.db,
                previous,
                shared::activity::SessionEndReason::SignOut,
            )
            .await,
        )?;
    }
    set_session_cookie(&signed_in.session.token, domain::auth::sessions::IDLE_DAYS);
    redirect_plain_form("/");
    Ok("/".into())
}

#[server(endpoint = "update_profile")]
pub async fn update_profile(name: String, locale: String, theme: String) -> Result<(), AppError> {
    use crate::server::{actor, finish, redirect_plain_form, set_preference_cookies};
    let (state, actor) = actor()?;
    let form = domain::people::ProfileForm {
        name,
        locale: locale.clone(),
        theme: theme.clone(),
    };
    finish(domain::people::update_profile(&state.db, &actor, &form).await)?;
    set_preference_cookies(locale.parse().ok(), theme.parse().ok());
    redirect_plain_form("/settings/profile?saved=1");
    Ok(())
}

/// Returns how many other sessions were signed out.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<u64, AppError> {
    use crate::server::{finish, redirect_plain_form, require_session, state};
    let current = require_session()?;
    let state = state()?;
    let ended = finish(
        domain::people::change_password(
            &state.db,
            &current.actor,
            current.session_id,
            &current_password,
            &new_password,
            &confirm_password,
        )
        .await,
    )?;
    redirect_plain_form("/settings/profile?password_changed=1");
    Ok(ended)
}

#[server(endpoint = "sign_out_other_sessions")]
pub async fn sign_out_other_sessions() -> Result<u64, AppError> {
    use crate::server::{finish, require_session, state};
    let current = require_session()?;
    finish(
        domain::people::sign_out_other_sessions(&state()?.db, &current.actor, current.session_id)
            .await,
    )
}
