//! Signing up, in, out; the current session; display preferences.

use leptos::prelude::*;
use shared::accounts::SessionInfo;
use shared::{AppError, Locale, Theme};
use uuid::Uuid;

/// The signed-in person, their account and the accounts they can switch to;
/// `None` when signed out.
#[server(endpoint = "get_session_info")]
pub async fn get_session_info() -> Result<Option<SessionInfo>, AppError> {
    use crate::server::{finish, session, state};
    let Some(current) = session() else {
        return Ok(None);
    };
    let state = state()?;
    let accounts =
        finish(domain::auth::sessions::my_accounts(&state.db, current.actor.user_id).await)?;
    let managed_channels =
        finish(domain::access::managed_channels(&state.db, &current.actor).await)?;
    Ok(Some(SessionInfo {
        user: current.user.clone(),
        account: current.account.clone(),
        accounts,
        utc_offset_minutes: current.utc_offset_minutes,
        public_url: state.config.public_url.clone(),
        managed_channels,
    }))
}

/// Returns where to go next; plain form posts are redirected there.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{
        client_info, finish, redirect_plain_form, safe_next, set_session_cookie, state,
    };
    let state = state()?;
    let signed_in =
        finish(domain::auth::sign_in(&state.db, &email, &password, &client_info()).await)?;
    set_session_cookie(&signed_in.session.token, domain::auth::sessions::IDLE_DAYS);
    let next = safe_next(next.as_deref());
    redirect_plain_form(&next);
    Ok(next)
}

#[server(endpoint = "sign_up")]
pub async fn sign_up(
    company_name: String,
    slug: String,
    name: String,
    email: String,
    password: String,
) -> Result<String, AppError> {
    use crate::server::{client_info, finish, redirect_plain_form, set_session_cookie, state};
    use domain::auth::SignUpForm;
    let state = state()?;
    let form = SignUpForm {
        company_name,
        slug,
        name,
        email,
        password,
    };
    let signed_in = finish(
        domain::auth::sign_up(&state.db, state.config.outbox(), &form, &client_info()).await,
    )?;
    set_session_cookie(&signed_in.session.token, domain::auth::sessions::IDLE_DAYS);
    redirect_plain_form("/");
    Ok("/".into())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<String, AppError> {
    use crate::server::{clear_session_cookie, finish, redirect_plain_form, session, state};
    if let Some(current) = session() {
        finish(
            domain::auth::sign_out(
                &state()?.db,
                &current,
                shared::activity::SessionEndReason::SignOut,
            )
            .await,
        )?;
    }
    clear_session_cookie();
    redirect_plain_form("/login");
    Ok("/login".into())
}

#[server(endpoint = "switch_account")]
pub async fn switch_account(account_id: Uuid) -> Result<String, AppError> {
    use crate::server::{finish, redirect_plain_form, require_session, state};
    let current = require_session()?;
    let state = state()?;
    finish(
        domain::auth::sessions::switch_account(
            &state.db,
            current.session_id,
            current.actor.user_id,
            account_id,
        )
        .await,
    )?;
    redirect_plain_form("/");
    Ok("/".into())
}

/// Saves the language and/or theme: in a cookie always, and in the profile
/// when signed in.
#[server(endpoint = "save_display_preferences")]
pub async fn save_display_preferences(
    locale: Option<Locale>,
    theme: Option<Theme>,
) -> Result<(), AppError> {
    use crate::server::{finish, session, set_preference_cookies, state};
    set_preference_cookies(locale, theme);
    if let Some(current) = session() {
        finish(
            domain::people::set_display_preferences(&state()?.db, &current.actor, locale, theme)
                .await,
        )?;
    }
    Ok(())
}

/// The signed-in agent's availability (available, away, offline).
#[server(endpoint = "get_availability")]
pub async fn get_availability() -> Result<shared::inbox::Availability, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::inbox::availability(&state.db, &actor).await)
}

#[server(endpoint = "set_availability")]
pub async fn set_availability(
    availability: shared::inbox::Availability,
) -> Result<shared::inbox::Availability, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::inbox::set_availability(&state.db, &actor, availability).await)?;
    Ok(availability)
}

/// Mails a password-reset link when the address has a login; the answer is
/// the same either way.
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::{client_info, finish, redirect_plain_form, state};
    let state = state()?;
    finish(
        domain::auth::recovery::request(&state.db, state.config.outbox(), &email, &client_info())
            .await,
    )?;
    redirect_plain_form("/forgot-password?sent=1");
    Ok(())
}

/// Sets a new password through a reset link; every session ends, so the
/// person signs in again with it.
#[server(endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::server::{client_info, finish, redirect_plain_form, state};
    let state = state()?;
    finish(domain::auth::recovery::reset(&state.db, &token, &password, &client_info()).await)?;
    redirect_plain_form("/login");
    Ok(())
}

/// Opens a confirmation link.
#[server(endpoint = "confirm_email")]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    use crate::server::{client_info, finish, state};
    let state = state()?;
    finish(
        domain::auth::confirmation::confirm(&state.db, &token, client_info().ip.as_deref()).await,
    )?;
    crate::server::redirect_plain_form("/inbox");
    Ok(())
}

/// Mails the signed-in person a new confirmation link (rate-limited).
#[server(endpoint = "resend_confirmation")]
pub async fn resend_confirmation() -> Result<(), AppError> {
    use crate::server::{actor, client_info, finish};
    let (state, actor) = actor()?;
    let locale = client_info().locale;
    finish(
        domain::auth::confirmation::resend(&state.db, state.config.outbox(), &actor, locale).await,
    )
}
