//! An account's people: members and their roles; invitations and each
//! person's own profile live in the submodules.

mod invitations;
mod profile;

pub use invitations::*;
pub use profile::*;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;
use shared::accounts::Member;
use shared::audit::AuditAction;
use shared::values::EmailAddress;
use shared::{ConflictReason, Permission, Role};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::auth::sessions;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::realtime::{self, Signal};

#[derive(sqlx::FromRow)]
struct MemberRow {
    user_id: Uuid,
    name: String,
    email: String,
    role: Role,
    active: bool,
    created_at: DateTime<Utc>,
    limited_to_departments: bool,
    default_channel_id: Option<i64>,
    only_default_channel: bool,
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Self {
        Member {
            user_id: r.user_id,
            name: r.name,
            email: r.email,
            role: r.role,
            active: r.active,
            joined_at: r.created_at,
            limits: shared::access::MemberLimits {
                limited_to_departments: r.limited_to_departments,
                default_channel_id: r.default_channel_id,
                only_default_channel: r.only_default_channel,
            },
        }
    }
}

/// Everyone in the account, active first, then by name.
pub async fn members(db: &Db, actor: &Actor) -> Result<Vec<Member>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.email, m.role, m.active, m.created_at,
                m.limited_to_departments, m.default_channel_id, m.only_default_channel
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1
          ORDER BY m.active DESC, lower(u.name)",
    )
    .bind(actor.account_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing members")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(Member::from).collect())
}

async fn member_in(tx: &mut Tx, account_id: Uuid, user_id: Uuid) -> Result<Member> {
    let row: Option<MemberRow> = sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.email, m.role, m.active, m.created_at,
                m.limited_to_departments, m.default_channel_id, m.only_default_channel
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1 AND m.user_id = $2
          FOR UPDATE OF m",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading member")?;
    Ok(row.ok_or(Error::NotFound)?.into())
}

/// Refuses a change that would leave the account without an active Global admin.
async fn ensure_other_admin_remains(tx: &mut Tx, account_id: Uuid, user_id: Uuid) -> Result<()> {
    let others: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM memberships
          WHERE account_id = $1 AND user_id <> $2 AND role = 'global_admin' AND active",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await
    .context("counting admins")?;
    if others == 0 {
        return Err(Error::Conflict(ConflictReason::LastAdmin));
    }
    Ok(())
}

pub async fn change_role(db: &Db, actor: &Actor, user_id: Uuid, role: Role) -> Result<Member> {
    actor.require(Permission::ManageUsers)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let member = member_in(&mut tx, actor.account_id, user_id).await?;
    if member.role == role {
        return Ok(member);
    }
    if member.role == Role::GlobalAdmin {
        ensure_other_admin_remains(&mut tx, actor.account_id, user_id).await?;
    }
    sqlx::query("UPDATE memberships SET role = $3, updated_at = now() WHERE account_id = $1 AND user_id = $2")
        .bind(actor.account_id)
        .bind(user_id)
        .bind(role)
        .execute(&mut *tx)
        .await
        .context("changing role")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::RoleChanged,
        Some(Target::new("user", user_id)),
        json!({ "email": member.email, "from": member.role, "to": role }),
    )
    .await?;
    // Open sockets of this person see with the new role from now on.
    realtime::publish(
        &mut tx,
        actor.account_id,
        Signal::RoleChanged { user_id, role },
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(Member { role, ..member })
}

/// Deactivates or reactivates a member. Deactivation ends their sessions in
/// this account at once.
pub async fn set_active(db: &Db, actor: &Actor, user_id: Uuid, active: bool) -> Result<Member> {
    actor.require(Permission::ManageUsers)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let member = member_in(&mut tx, actor.account_id, user_id).await?;
    if member.active == active {
        return Ok(member);
    }
    if !active && member.role == Role::GlobalAdmin {
        ensure_other_admin_remains(&mut tx, actor.account_id, user_id).await?;
    }
    sqlx::query("UPDATE memberships SET active = $3, updated_at = now() WHERE account_id = $1 AND user_id = $2")
        .bind(actor.account_id)
        .bind(user_id)
        .bind(active)
        .execute(&mut *tx)
        .await
        .context("changing membership state")?;
    let ended_sessions = if active {
        0
    } else {
        sessions::revoke_in_account(&mut tx, user_id, actor.account_id).await?
    };
    audit::record(
        &mut tx,
        actor,
        if active {
            AuditAction::UserReactivated
        } else {
            AuditAction::UserDeactivated
        },
        Some(Target::new("user", user_id)),
        json!({ "email": member.email, "sessions_ended": ended_sessions }),
    )
    .await?;
    realtime::publish(
        &mut tx,
        actor.account_id,
        Signal::MembershipChanged { user_id, active },
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(Member { active, ..member })
}

/// The id of the active member with this e-mail, if any.
pub async fn member_id_by_email(db: &Db, actor: &Actor, email: &str) -> Result<Option<Uuid>> {
    let email = EmailAddress::parse(email).map_err(|code| Error::field("assignee_email", code))?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let id = sqlx::query_scalar(
        "SELECT u.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = $1 AND m.active AND u.email = $2",
    )
    .bind(actor.account_id)
    .bind(email.as_str())
    .fetch_optional(&mut *tx)
    .await
    .context("finding member")?;
    tx.commit().await.context("commit")?;
    Ok(id)
}
