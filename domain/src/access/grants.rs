//! Storing what [`super::Scope`] is resolved from: department grants (saved
//! with the department), a connection's restriction and grants, and a
//! member's limits. Every change tells the real-time hub, so open sockets
//! see by the new rule at once.

use anyhow::Context;
use serde_json::json;
use shared::access::{ChannelAccess, ChannelAccessSettings, DepartmentGrant, Grant, MemberLimits};
use shared::audit::AuditAction;
use shared::{ErrorCode, Permission, Role};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::realtime::{self, Signal};

#[derive(sqlx::FromRow)]
struct GrantRow<L> {
    subject_id: i64,
    role: Option<Role>,
    user_id: Option<Uuid>,
    level: L,
}

fn by_subject<L>(rows: Vec<GrantRow<L>>) -> HashMap<i64, Vec<Grant<L>>> {
    let mut grants: HashMap<i64, Vec<Grant<L>>> = HashMap::new();
    for row in rows {
        grants.entry(row.subject_id).or_default().push(Grant {
            role: row.role,
            user_id: row.user_id,
            level: row.level,
        });
    }
    grants
}

/// The grantees, checked: each names one role or one active member of the
/// account, once. `field` names the list in errors.
async fn checked_grantees<L>(
    tx: &mut Tx,
    account_id: Uuid,
    grants: &[Grant<L>],
    field: &str,
) -> Result<(Vec<Option<Role>>, Vec<Option<Uuid>>)> {
    let mut seen = HashSet::new();
    for grant in grants {
        let grantee = grant.grantee().map_err(|code| Error::field(field, code))?;
        if !seen.insert(grantee) {
            return Err(Error::field(field, ErrorCode::OptionInvalid));
        }
    }
    let users: Vec<Uuid> = grants.iter().filter_map(|g| g.user_id).collect();
    let known: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM memberships WHERE account_id = $1 AND user_id = ANY($2) AND active",
    )
    .bind(account_id)
    .bind(&users)
    .fetch_one(&mut **tx)
    .await
    .context("checking grantees")?;
    if usize::try_from(known).ok() != Some(users.len()) {
        return Err(Error::field(field, ErrorCode::OptionInvalid));
    }
    Ok((
        grants.iter().map(|g| g.role).collect(),
        grants.iter().map(|g| g.user_id).collect(),
    ))
}

/// What grants are given on: a department or a connection.
#[derive(Clone, Copy)]
enum Granted {
    Department(i64),
    Channel(i64),
}

/// Replaces the grants on one department or connection with these
/// (role xor user, level) rows.
async fn replace_grants(
    tx: &mut Tx,
    account_id: Uuid,
    granted: Granted,
    roles: &[Option<Role>],
    users: &[Option<Uuid>],
    levels: &[&str],
) -> anyhow::Result<()> {
    let (table, column, id) = match granted {
        Granted::Department(id) => ("department_grants", "department_id", id),
        Granted::Channel(id) => ("channel_grants", "channel_id", id),
    };
    sqlx::query(&format!(
        "DELETE FROM {table} WHERE account_id = $1 AND {column} = $2"
    ))
    .bind(account_id)
    .bind(id)
    .execute(&mut **tx)
    .await
    .with_context(|| format!("clearing {table}"))?;
    let roles: Vec<Option<&str>> = roles.iter().map(|r| r.map(Role::as_str)).collect();
    sqlx::query(&format!(
        "INSERT INTO {table} (account_id, {column}, role, user_id, level)
         SELECT $1, $2, r, u, l FROM unnest($3::text[], $4::uuid[], $5::text[]) AS t (r, u, l)"
    ))
    .bind(account_id)
    .bind(id)
    .bind(&roles)
    .bind(users)
    .bind(levels)
    .execute(&mut **tx)
    .await
    .with_context(|| format!("saving {table}"))?;
    Ok(())
}

/// Replaces a department's grants (inside the department's own save).
pub(crate) async fn save_department_grants(
    tx: &mut Tx,
    account_id: Uuid,
    department_id: i64,
    grants: &[DepartmentGrant],
) -> Result<()> {
    let (roles, users) = checked_grantees(tx, account_id, grants, "grants").await?;
    let levels: Vec<&str> = grants.iter().map(|g| g.level.as_str()).collect();
    let granted = Granted::Department(department_id);
    replace_grants(tx, account_id, granted, &roles, &users, &levels).await?;
    Ok(())
}

/// A connection's restriction and grants (for those who manage connections).
pub async fn channel_access(
    db: &Db,
    actor: &Actor,
    channel_id: i64,
) -> Result<ChannelAccessSettings> {
    actor.require(Permission::ManageChannels)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let access = channel_access_in(&mut tx, channel_id).await?;
    tx.commit().await.context("commit")?;
    Ok(access)
}

async fn channel_access_in(tx: &mut Tx, channel_id: i64) -> Result<ChannelAccessSettings> {
    let restricted: bool = sqlx::query_scalar("SELECT restricted FROM channels WHERE id = $1")
        .bind(channel_id)
        .fetch_optional(&mut **tx)
        .await
        .context("reading the connection")?
        .ok_or(Error::NotFound)?;
    let rows: Vec<GrantRow<ChannelAccess>> = sqlx::query_as(
        "SELECT channel_id AS subject_id, role, user_id, level FROM channel_grants
          WHERE channel_id = $1 ORDER BY role NULLS LAST, user_id",
    )
    .bind(channel_id)
    .fetch_all(&mut **tx)
    .await
    .context("reading connection grants")?;
    Ok(ChannelAccessSettings {
        restricted,
        grants: by_subject(rows).remove(&channel_id).unwrap_or_default(),
    })
}

/// Restricts (or opens) a connection and replaces its grants.
pub async fn save_channel_access(
    db: &Db,
    actor: &Actor,
    channel_id: i64,
    access: &ChannelAccessSettings,
) -> Result<ChannelAccessSettings> {
    actor.require(Permission::ManageChannels)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let (roles, users) =
        checked_grantees(&mut tx, actor.account_id, &access.grants, "grants").await?;
    let name: String = sqlx::query_scalar(
        "UPDATE channels SET restricted = $3, updated_at = now()
          WHERE account_id = $1 AND id = $2 RETURNING name",
    )
    .bind(actor.account_id)
    .bind(channel_id)
    .bind(access.restricted)
    .fetch_optional(&mut *tx)
    .await
    .context("restricting the connection")?
    .ok_or(Error::NotFound)?;
    let levels: Vec<&str> = access.grants.iter().map(|g| g.level.as_str()).collect();
    let granted = Granted::Channel(channel_id);
    replace_grants(&mut tx, actor.account_id, granted, &roles, &users, &levels).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccessChanged,
        Some(Target::new("channel", channel_id)),
        json!({ "name": name, "restricted": access.restricted, "grants": access.grants }),
    )
    .await?;
    realtime::publish(&mut tx, actor.account_id, Signal::AccessChanged).await?;
    let saved = channel_access_in(&mut tx, channel_id).await?;
    tx.commit().await.context("commit")?;
    Ok(saved)
}

/// Sets a member's limits (for those who manage users).
pub async fn save_member_limits(
    db: &Db,
    actor: &Actor,
    user_id: Uuid,
    limits: &MemberLimits,
) -> Result<()> {
    actor.require(Permission::ManageUsers)?;
    if limits.only_default_channel && limits.default_channel_id.is_none() {
        return Err(Error::field("default_channel_id", ErrorCode::Required));
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    if let Some(channel_id) = limits.default_channel_id {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM channels WHERE account_id = $1 AND id = $2)",
        )
        .bind(actor.account_id)
        .bind(channel_id)
        .fetch_one(&mut *tx)
        .await
        .context("checking the connection")?;
        if !exists {
            return Err(Error::field("default_channel_id", ErrorCode::OptionInvalid));
        }
    }
    let email: String = sqlx::query_scalar(
        "UPDATE memberships m
            SET limited_to_departments = $3, default_channel_id = $4, only_default_channel = $5,
                updated_at = now()
           FROM users u
          WHERE m.account_id = $1 AND m.user_id = $2 AND u.id = m.user_id
         RETURNING u.email",
    )
    .bind(actor.account_id)
    .bind(user_id)
    .bind(limits.limited_to_departments)
    .bind(limits.default_channel_id)
    .bind(limits.only_default_channel)
    .fetch_optional(&mut *tx)
    .await
    .context("saving the member's limits")?
    .ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccessChanged,
        Some(Target::new("user", user_id)),
        json!({ "email": email, "limits": limits }),
    )
    .await?;
    realtime::publish(&mut tx, actor.account_id, Signal::AccessChanged).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}
