//! Server-side sessions: the browser holds a random token, the database its
//! hash. Revoking a row ends the session on the next request.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::accounts::{AccountChoice, CurrentUser};
use shared::{Locale, Role, Theme};
use uuid::Uuid;

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::secrets::{random_token, token_hash};

/// A session ends after this long without a request…
pub const IDLE_DAYS: i64 = 14;
/// …and in any case this long after sign-in.
pub const MAX_AGE_DAYS: i64 = 30;

pub struct StartedSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Starts a sign-in session (and the work session with it); `tx` must be
/// pointed at the account.
pub async fn start(
    tx: &mut Tx,
    user_id: Uuid,
    account_id: Uuid,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> anyhow::Result<StartedSession> {
    let token = random_token();
    let expires_at = Utc::now() + chrono::Duration::days(IDLE_DAYS);
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, account_id, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(account_id)
    .bind(expires_at)
    .bind(ip)
    .bind(user_agent.map(|ua| ua.chars().take(300).collect::<String>()))
    .execute(&mut **tx)
    .await
    .context("creating session")?;
    crate::activity::signed_in(tx, account_id, user_id).await?;
    Ok(StartedSession { token, expires_at })
}

/// A valid session, resolved to the person, account and role behind it.
#[derive(Clone, Debug)]
pub struct AuthenticatedSession {
    pub session_id: i64,
    pub actor: Actor,
    pub user: CurrentUser,
    pub account: AccountChoice,
    /// The account's default language and theme, for users who chose none.
    pub account_defaults: (Locale, Theme),
    /// The account time zone's current offset from UTC, for showing times.
    pub utc_offset_minutes: i32,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    session_id: i64,
    user_id: Uuid,
    account_id: Uuid,
    role: Role,
    user_name: String,
    user_email: String,
    user_locale: Option<String>,
    user_theme: String,
    account_name: String,
    account_slug: String,
    account_locale: String,
    account_theme: String,
    account_utc_offset_minutes: i32,
    user_email_confirmed: bool,
}

/// Resolves a session token; `None` when it is unknown, expired, revoked, or
/// its membership was deactivated.
pub async fn authenticate(
    db: &Db,
    token: &str,
    ip: Option<String>,
) -> Result<Option<AuthenticatedSession>> {
    let row: Option<SessionRow> =
        sqlx::query_as(
            "SELECT * FROM session_authenticate($1, make_interval(days => $2::int), make_interval(days => $3::int))",
        )
            .bind(token_hash(token))
            .bind(IDLE_DAYS as i32)
            .bind(MAX_AGE_DAYS as i32)
            .fetch_optional(db.pool())
            .await
            .context("authenticating session")?;
    let Some(row) = row else { return Ok(None) };
    let role = row.role;
    Ok(Some(AuthenticatedSession {
        session_id: row.session_id,
        actor: Actor {
            user_id: row.user_id,
            account_id: row.account_id,
            role,
            name: row.user_name.clone(),
            email: row.user_email.clone(),
            ip,
        },
        user: CurrentUser {
            id: row.user_id,
            name: row.user_name,
            email: row.user_email,
            locale: row.user_locale.and_then(|l| l.parse::<Locale>().ok()),
            theme: row.user_theme.parse::<Theme>().unwrap_or_default(),
            email_confirmed: row.user_email_confirmed,
        },
        account: AccountChoice {
            id: row.account_id,
            name: row.account_name,
            slug: row.account_slug,
            role,
        },
        account_defaults: (
            row.account_locale.parse().unwrap_or_default(),
            row.account_theme.parse().unwrap_or_default(),
        ),
        utc_offset_minutes: row.account_utc_offset_minutes,
    }))
}

/// Ends every session of a user except `keep` (the one asking, if any).
pub async fn revoke_all_for_user(
    tx: &mut Tx,
    user_id: Uuid,
    keep: Option<i64>,
) -> anyhow::Result<u64> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = now()
          WHERE user_id = $1 AND revoked_at IS NULL AND ($2::bigint IS NULL OR id <> $2)",
    )
    .bind(user_id)
    .bind(keep)
    .execute(&mut **tx)
    .await
    .context("revoking a user's sessions")?;
    Ok(done.rows_affected())
}

/// Ends the sessions a user has open in one account, and their work
/// session there (they are no longer working, from now).
pub async fn revoke_in_account(
    tx: &mut Tx,
    user_id: Uuid,
    account_id: Uuid,
) -> anyhow::Result<u64> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = now()
          WHERE user_id = $1 AND account_id = $2 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(account_id)
    .execute(&mut **tx)
    .await
    .context("revoking sessions in an account")?;
    crate::activity::end(
        tx,
        account_id,
        user_id,
        shared::activity::SessionEndReason::Revoked,
        None,
    )
    .await?;
    Ok(done.rows_affected())
}

/// The accounts the user can switch to.
pub async fn my_accounts(db: &Db, user_id: Uuid) -> Result<Vec<AccountChoice>> {
    let mut tx = db.as_user(user_id).await?;
    let accounts = my_accounts_in(&mut tx).await?;
    tx.commit().await.context("commit")?;
    Ok(accounts)
}

pub(crate) async fn my_accounts_in(tx: &mut Tx) -> anyhow::Result<Vec<AccountChoice>> {
    let rows: Vec<(Uuid, String, String, Role)> =
        sqlx::query_as("SELECT account_id, account_name, account_slug, role FROM my_memberships()")
            .fetch_all(&mut **tx)
            .await
            .context("listing memberships")?;
    Ok(rows
        .into_iter()
        .map(|(id, name, slug, role)| AccountChoice {
            id,
            name,
            slug,
            role,
        })
        .collect())
}

/// Moves the session into another account the user belongs to.
pub async fn switch_account(
    db: &Db,
    session_id: i64,
    user_id: Uuid,
    account_id: Uuid,
) -> Result<()> {
    let mut tx = db.as_user(user_id).await?;
    let accounts = my_accounts_in(&mut tx).await?;
    if !accounts.iter().any(|a| a.id == account_id) {
        return Err(Error::Forbidden);
    }
    sqlx::query("UPDATE sessions SET account_id = $1 WHERE id = $2 AND user_id = $3")
        .bind(account_id)
        .bind(session_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .context("switching account")?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Which of these sessions have been revoked or have expired (their live
/// sockets must close).
pub async fn ended_among(db: &Db, session_ids: &[i64]) -> Result<Vec<i64>> {
    let ended =
        sqlx::query_scalar("SELECT * FROM sessions_ended($1, make_interval(days => $2::int))")
            .bind(session_ids)
            .bind(MAX_AGE_DAYS as i32)
            .fetch_all(db.pool())
            .await
            .context("checking sessions")?;
    Ok(ended)
}
