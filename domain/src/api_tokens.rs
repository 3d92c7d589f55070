//! Personal API tokens for the REST API (`Authorization: Bearer …`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;
use shared::accounts::{ApiTokenInfo, NewApiToken};
use shared::audit::AuditAction;
use shared::values::DisplayName;
use shared::{Permission, Role};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::secrets::{random_token, token_hash};

pub const TOKEN_PREFIX: &str = "pnt_";

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

impl From<TokenRow> for ApiTokenInfo {
    fn from(r: TokenRow) -> Self {
        ApiTokenInfo {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            expires_at: r.expires_at,
        }
    }
}

/// Longest expiry a token may be given, in days.
pub const MAX_EXPIRY_DAYS: u32 = 3650;

const TOKEN_COLUMNS: &str = "id, name, prefix, created_at, last_used_at, expires_at";

/// Creates a token for the actor in their current account, valid until
/// revoked or for `expires_in_days`.
pub async fn create(
    db: &Db,
    actor: &Actor,
    name: &str,
    expires_in_days: Option<u32>,
) -> Result<NewApiToken> {
    actor.require(Permission::UseApi)?;
    let name = DisplayName::parse(name).map_err(|code| Error::field("name", code))?;
    if expires_in_days.is_some_and(|days| days == 0 || days > MAX_EXPIRY_DAYS) {
        return Err(Error::field(
            "expires_in_days",
            shared::ErrorCode::NumberInvalid,
        ));
    }
    let token = format!("{TOKEN_PREFIX}{}", random_token());
    let prefix: String = token.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let row: TokenRow = sqlx::query_as(&format!(
        "INSERT INTO api_tokens (account_id, user_id, name, prefix, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6::int))
      RETURNING {TOKEN_COLUMNS}"
    ))
    .bind(actor.account_id)
    .bind(actor.user_id)
    .bind(name.as_str())
    .bind(&prefix)
    .bind(token_hash(&token))
    .bind(expires_in_days.map(|d| d as i32))
    .fetch_one(&mut *tx)
    .await
    .context("creating API token")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ApiTokenCreated,
        Some(Target::new("api_token", row.id)),
        json!({ "name": name.as_str(), "prefix": prefix, "expires_in_days": expires_in_days }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(NewApiToken {
        info: row.into(),
        token,
    })
}

/// The actor's own live tokens in this account.
pub async fn list_mine(db: &Db, actor: &Actor) -> Result<Vec<ApiTokenInfo>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<TokenRow> = sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens
          WHERE account_id = $1 AND user_id = $2 AND revoked_at IS NULL
            AND (expires_at IS NULL OR expires_at > now())
          ORDER BY created_at DESC"
    ))
    .bind(actor.account_id)
    .bind(actor.user_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing API tokens")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Revokes one of the actor's tokens (admins may revoke anyone's).
pub async fn revoke(db: &Db, actor: &Actor, token_id: i64) -> Result<()> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let name: Option<String> = sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = now()
          WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL AND (user_id = $3 OR $4)
      RETURNING name",
    )
    .bind(actor.account_id)
    .bind(token_id)
    .bind(actor.user_id)
    .bind(actor.can(Permission::ManageUsers))
    .fetch_optional(&mut *tx)
    .await
    .context("revoking API token")?;
    let name = name.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ApiTokenRevoked,
        Some(Target::new("api_token", token_id)),
        json!({ "name": name }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct TokenAuthRow {
    user_id: Uuid,
    account_id: Uuid,
    role: Role,
    user_name: String,
    user_email: String,
}

/// Resolves a bearer token to its actor; `None` when unknown, revoked,
/// expired, or when its owner's role no longer allows the API.
pub async fn authenticate(db: &Db, token: &str, ip: Option<String>) -> Result<Option<Actor>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let row: Option<TokenAuthRow> = sqlx::query_as(
        "SELECT user_id, account_id, role, user_name, user_email FROM api_token_authenticate($1)",
    )
    .bind(token_hash(token))
    .fetch_optional(db.pool())
    .await
    .context("authenticating API token")?;
    let Some(row) = row else { return Ok(None) };
    if !row.role.can(Permission::UseApi) {
        return Ok(None);
    }
    Ok(Some(Actor {
        user_id: row.user_id,
        account_id: row.account_id,
        role: row.role,
        name: row.user_name,
        email: row.user_email,
        ip,
    }))
}

/// For `ponte api-token create`: acts as the user with that e-mail in the
/// given account (by slug), or their only/first account.
pub async fn actor_for_cli(
    owner: &sqlx::PgPool,
    email: &str,
    account_slug: Option<&str>,
) -> Result<Actor> {
    let row: Option<(Uuid, Uuid, Role, String, String)> = sqlx::query_as(
        "SELECT u.id, a.id, m.role, u.name, u.email
           FROM users u JOIN memberships m ON m.user_id = u.id AND m.active
           JOIN accounts a ON a.id = m.account_id
          WHERE u.email = lower($1) AND ($2::text IS NULL OR a.slug = $2)
          ORDER BY a.created_at LIMIT 1",
    )
    .bind(email.trim())
    .bind(account_slug)
    .fetch_optional(owner)
    .await
    .context("finding the user")?;
    let (user_id, account_id, role, name, email) = row.ok_or(Error::NotFound)?;
    Ok(Actor {
        user_id,
        account_id,
        role,
        name,
        email,
        ip: None,
    })
}
