//! One's own profile: name, language, theme, password, other sessions.

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::values::{DisplayName, EmailAddress, NewPassword};
use shared::{ErrorCode, FieldErrors, Locale, Theme};

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::auth::{self, passwords, sessions, ClientInfo};
use crate::db::Db;
use crate::error::{Error, Result};

#[derive(Clone, Debug, Default)]
pub struct ProfileForm {
    pub name: String,
    /// Empty means "follow the browser / account default".
    pub locale: String,
    pub theme: String,
}

pub async fn update_profile(db: &Db, actor: &Actor, form: &ProfileForm) -> Result<()> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", DisplayName::parse(&form.name));
    let locale = if form.locale.is_empty() {
        Some(None)
    } else {
        errors.check("locale", form.locale.parse::<Locale>().map(Some))
    };
    let theme = errors.check("theme", form.theme.parse::<Theme>());
    errors.into_result()?;
    let (Some(name), Some(locale), Some(theme)) = (name, locale, theme) else {
        return Err(anyhow::anyhow!("validation passed with a missing value").into());
    };
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    sqlx::query(
        "UPDATE users SET name = $2, locale = $3, theme = $4, updated_at = now() WHERE id = $1",
    )
    .bind(actor.user_id)
    .bind(name.as_str())
    .bind(locale.map(Locale::as_str))
    .bind(theme.as_str())
    .execute(&mut *tx)
    .await
    .context("updating profile")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ProfileChanged,
        Some(Target::new("user", actor.user_id)),
        json!({}),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Saves just the language or theme (the quick switchers in the top bar).
pub async fn set_display_preferences(
    db: &Db,
    actor: &Actor,
    locale: Option<Locale>,
    theme: Option<Theme>,
) -> Result<()> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    sqlx::query(
        "UPDATE users SET locale = COALESCE($2, locale), theme = COALESCE($3, theme), updated_at = now()
          WHERE id = $1",
    )
    .bind(actor.user_id)
    .bind(locale.map(Locale::as_str))
    .bind(theme.map(Theme::as_str))
    .execute(&mut *tx)
    .await
    .context("saving display preferences")?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Changes the password after checking the current one (throttled and
/// audited like a sign-in), and signs out every other session of this person.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    session_id: i64,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<u64> {
    let mut errors = FieldErrors::new();
    let new_password = errors.check("new_password", NewPassword::parse(new));
    if new != confirm {
        errors.add("confirm_password", ErrorCode::PasswordMismatch);
    }
    if current.is_empty() {
        errors.add("current_password", ErrorCode::Required);
    }
    errors.into_result()?;
    let Some(new_password) = new_password else {
        return Err(anyhow::anyhow!("validation passed with a missing value").into());
    };
    let email = EmailAddress::parse(&actor.email)
        .map_err(|_| anyhow::anyhow!("stored e-mail is invalid"))?;
    let client = ClientInfo {
        ip: actor.ip.clone(),
        ..ClientInfo::default()
    };
    match auth::check_password(db, &email, current, &client).await? {
        Some(who) if who.user_id == actor.user_id => {}
        _ => return Err(Error::field("current_password", ErrorCode::PasswordWrong)),
    }
    let hash = passwords::hash(&new_password).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(actor.user_id)
        .bind(hash)
        .execute(&mut *tx)
        .await
        .context("saving new password")?;
    let ended = sessions::revoke_all_for_user(&mut tx, actor.user_id, Some(session_id)).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::PasswordChanged,
        Some(Target::new("user", actor.user_id)),
        json!({ "other_sessions_ended": ended }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(ended)
}

/// Ends every other session of this person ("sign out everywhere else").
pub async fn sign_out_other_sessions(db: &Db, actor: &Actor, session_id: i64) -> Result<u64> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let ended = sessions::revoke_all_for_user(&mut tx, actor.user_id, Some(session_id)).await?;
    tx.commit().await.context("commit")?;
    Ok(ended)
}
