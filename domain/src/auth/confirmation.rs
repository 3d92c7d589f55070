//! E-mail confirmation: a new login's address is unconfirmed until its
//! owner opens a one-time link we mailed to it. Until then the person can
//! work, but cannot join other accounts through invitations.

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::values::EmailAddress;
use shared::Locale;
use uuid::Uuid;

use super::throttle::{self, Rule};
use crate::actor::Actor;
use crate::audit;
use crate::db::{set_tenant, Db, Tx};
use crate::error::{Error, Result};
use crate::mail::{self, Outbox, SystemMail};
use crate::secrets::{random_token, token_hash};

/// How long a confirmation link works.
pub const LINK_HOURS: i32 = 48;
/// Links one person may ask for per hour (the first, at sign-up, counts).
pub const RESENDS_PER_HOUR: i32 = 3;

/// Stores a fresh link for `user_id` (earlier ones keep working until they
/// expire) and queues the mail, in `tx`, which acts as that user.
pub(crate) async fn send_link(
    tx: &mut Tx,
    outbox: Outbox<'_>,
    user_id: Uuid,
    email: &EmailAddress,
    name: &str,
    locale: Locale,
) -> Result<()> {
    let token = random_token();
    sqlx::query(
        "INSERT INTO email_confirmations (token_hash, user_id, email, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(hours => $4))",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(email.as_str())
    .bind(LINK_HOURS)
    .execute(&mut **tx)
    .await
    .context("storing a confirmation link")?;
    let link = outbox.link(&format!("/confirm-email/{token}"));
    let mail = SystemMail::EmailConfirmation { name, link: &link };
    mail::queue(tx, outbox.vault, None, email, &mail, locale).await
}

fn resend_rule(user_id: Uuid) -> Rule {
    Rule {
        key: format!("confirm:{user_id}"),
        limit: RESENDS_PER_HOUR,
        gap_secs: 0,
    }
}

/// Mails the signed-in person a new link; rate-limited. Nothing happens
/// when the address is already confirmed.
pub async fn resend(db: &Db, outbox: Outbox<'_>, actor: &Actor, locale: Locale) -> Result<()> {
    let mut tx = db.as_user(actor.user_id).await?;
    if is_confirmed(&mut tx, actor.user_id).await? {
        return Ok(());
    }
    throttle::begin(db, &[resend_rule(actor.user_id)], 60).await?;
    let email = EmailAddress::parse(&actor.email)
        .map_err(|_| anyhow::anyhow!("stored e-mail is invalid"))?;
    send_link(&mut tx, outbox, actor.user_id, &email, &actor.name, locale).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Counts the sign-up's own mail against the resend budget.
pub(crate) async fn count_first_link(db: &Db, user_id: Uuid) -> Result<()> {
    throttle::begin(db, &[resend_rule(user_id)], 60).await?;
    Ok(())
}

pub(crate) async fn is_confirmed(tx: &mut Tx, user_id: Uuid) -> Result<bool> {
    let confirmed: Option<bool> =
        sqlx::query_scalar("SELECT email_confirmed_at IS NOT NULL FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await
            .context("reading e-mail confirmation")?;
    Ok(confirmed.unwrap_or(false))
}

/// Opens a confirmation link: the address is confirmed (and audited).
pub async fn confirm(db: &Db, token: &str, ip: Option<&str>) -> Result<()> {
    let mut tx = db.anonymous().await?;
    let user_id: Option<Uuid> = sqlx::query_scalar("SELECT user_id FROM email_confirm($1)")
        .bind(token_hash(token))
        .fetch_optional(&mut *tx)
        .await
        .context("confirming an address")?;
    let user_id = user_id.ok_or(Error::LinkExpired)?;
    sqlx::query("SELECT set_config('app.user_id', $1, true)")
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .context("acting as the user")?;
    record(&mut tx, user_id, AuditAction::EmailConfirmed, ip).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// An audit entry for something a person did to their own login, in the
/// account they last worked in (the platform chain when they have none).
pub(crate) async fn record(
    tx: &mut Tx,
    user_id: Uuid,
    action: AuditAction,
    ip: Option<&str>,
) -> Result<()> {
    let (name, email): (String, String) =
        sqlx::query_as("SELECT name, email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut **tx)
            .await
            .context("reading the user")?;
    let account_id = super::preferred_account(tx, user_id).await?;
    if let Some(account_id) = account_id {
        set_tenant(tx, account_id, Some(user_id)).await?;
    }
    let actor_name = format!("{name} <{email}>");
    audit::append(
        tx,
        account_id,
        Some(user_id),
        &actor_name,
        action,
        None,
        json!({ "email": email }),
        ip,
    )
    .await?;
    Ok(())
}
