//! The account's SMTP servers and send log (Settings → E-mail).

// A plain HTML form posts one field per argument; the `server` macro
// generates the browser-side function with the same arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use shared::mail::{SentMail, SmtpAccountView, SmtpTestResult};
use shared::AppError;

#[server(endpoint = "list_smtp_accounts")]
pub async fn list_smtp_accounts() -> Result<Vec<SmtpAccountView>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::mail::accounts::list(&state.db, &actor).await)
}

/// Creates (no `id`) or edits an SMTP server; an empty password keeps the
/// stored one.
#[server(endpoint = "save_smtp_account")]
pub async fn save_smtp_account(
    #[server(default)] id: Option<i64>,
    name: String,
    host: String,
    #[server(default)] port: String,
    security: String,
    #[server(default)] username: String,
    #[server(default)] password: String,
    #[server(default)] from_name: String,
    from_address: String,
    #[server(default)] is_default: Option<String>,
) -> Result<SmtpAccountView, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let form = shared::mail::SmtpAccountForm {
        name,
        host,
        port,
        security,
        username,
        password,
        from_name,
        from_address,
        is_default: is_default.is_some(),
    };
    finish(domain::mail::accounts::save(&state.db, &state.config.vault, &actor, id, &form).await)
}

#[server(endpoint = "remove_smtp_account")]
pub async fn remove_smtp_account(id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::mail::accounts::remove(&state.db, &actor, id).await)
}

/// Sends a test e-mail to the signed-in admin and says what the server answered.
#[server(endpoint = "test_smtp_account")]
pub async fn test_smtp_account(id: i64) -> Result<SmtpTestResult, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(
        domain::mail::accounts::send_test(
            &state.db,
            &state.config.vault,
            &actor,
            id,
            state.config.allow_private_targets,
        )
        .await,
    )
}

#[server(endpoint = "mail_send_log")]
pub async fn mail_send_log() -> Result<Vec<SentMail>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::mail::accounts::send_log(&state.db, &actor).await)
}
