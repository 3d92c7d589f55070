//! The account's own settings.

use leptos::prelude::*;
use shared::accounts::AccountSettings;
use shared::AppError;

#[server(endpoint = "get_account_settings")]
pub async fn get_account_settings() -> Result<AccountSettings, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::accounts::settings(&state.db, &actor).await)
}

#[server(endpoint = "update_account_settings")]
pub async fn update_account_settings(
    name: String,
    support_email: String,
    timezone: String,
    default_locale: String,
    default_theme: String,
    attachment_limit_mb: String,
    #[server(default)] country: String,
) -> Result<AccountSettings, AppError> {
    use crate::server::{actor, finish, redirect_plain_form};
    use domain::accounts::SettingsForm;
    let (state, actor) = actor()?;
    let form = SettingsForm {
        name,
        support_email,
        timezone,
        default_locale,
        default_theme,
        attachment_limit_mb,
        country,
    };
    let saved = finish(domain::accounts::update_settings(&state.db, &actor, &form).await)?;
    redirect_plain_form("/settings/account?saved=1");
    Ok(saved)
}
