//! "Forgot password": a one-time link (stored hashed, 1 hour) mailed to the
//! address, a new password, and every session ended. Asking never reveals
//! whether the address has a login.

use anyhow::Context;
use shared::audit::AuditAction;
use shared::values::{EmailAddress, NewPassword};
use shared::Locale;
use uuid::Uuid;

use super::throttle::{self, Rule};
use super::{confirmation, passwords, ClientInfo};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::mail::{self, Outbox, SystemMail};
use crate::secrets::{random_token, token_hash};

/// How long a reset link works.
pub const LINK_MINUTES: i32 = 60;
/// Requests per address, and per network, per hour.
pub const REQUESTS_PER_ADDRESS: i32 = 3;
pub const REQUESTS_PER_NETWORK: i32 = 20;

fn request_rules(email: &EmailAddress, network: &str) -> Vec<Rule> {
    vec![
        Rule {
            key: format!("reset:{email}"),
            limit: REQUESTS_PER_ADDRESS,
            gap_secs: 0,
        },
        Rule {
            key: format!("reset-net:{network}"),
            limit: REQUESTS_PER_NETWORK,
            gap_secs: 0,
        },
    ]
}

/// Mails a reset link when `email` has a login; answers the same either way.
pub async fn request(db: &Db, outbox: Outbox<'_>, email: &str, client: &ClientInfo) -> Result<()> {
    let email = EmailAddress::parse(email).map_err(|code| Error::field("email", code))?;
    let network = throttle::network_of(client.ip.as_deref());
    throttle::begin(db, &request_rules(&email, &network), 60).await?;
    let token = random_token();
    let mut tx = db.anonymous().await?;
    let user: Option<(Uuid, String, Option<String>)> = sqlx::query_as(
        "SELECT user_id, name, locale FROM password_reset_start($1, $2, make_interval(mins => $3))",
    )
    .bind(email.as_str())
    .bind(token_hash(&token))
    .bind(LINK_MINUTES)
    .fetch_optional(&mut *tx)
    .await
    .context("starting a password reset")?;
    if let Some((_, name, locale)) = user {
        let locale = locale
            .and_then(|l| l.parse::<Locale>().ok())
            .unwrap_or(client.locale);
        let link = outbox.link(&format!("/reset-password/{token}"));
        let mail = SystemMail::PasswordReset {
            name: &name,
            link: &link,
        };
        mail::queue(&mut tx, outbox.vault, None, &email, &mail, locale).await?;
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Uses a reset link: the new password, the address confirmed (the link
/// reached it), every session of the person ended, and an audit entry.
pub async fn reset(db: &Db, token: &str, new_password: &str, client: &ClientInfo) -> Result<()> {
    let password =
        NewPassword::parse(new_password).map_err(|code| Error::field("password", code))?;
    if token.is_empty() {
        return Err(Error::LinkExpired);
    }
    // No connection is held while argon2 runs.
    let hash = passwords::hash(&password).await?;
    let mut tx = db.anonymous().await?;
    let user_id: Option<Uuid> =
        sqlx::query_scalar("SELECT user_id FROM password_reset_finish($1, $2)")
            .bind(token_hash(token))
            .bind(&hash)
            .fetch_optional(&mut *tx)
            .await
            .context("resetting a password")?;
    let user_id = user_id.ok_or(Error::LinkExpired)?;
    sqlx::query("SELECT set_config('app.user_id', $1, true)")
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .context("acting as the user")?;
    confirmation::record(
        &mut tx,
        user_id,
        AuditAction::PasswordReset,
        client.ip.as_deref(),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}
