//! Departments (queues): named groups of agents that conversations can be
//! routed and transferred to.

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::inbox::Department;
use shared::values::DisplayName;
use shared::{ErrorCode, Permission};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{is_unique_violation, Error, Result};
use crate::realtime::{self, Signal};

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Department>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let departments = list_in(&mut tx).await?;
    tx.commit().await.context("commit")?;
    Ok(departments)
}

pub(crate) async fn list_in(tx: &mut Tx) -> anyhow::Result<Vec<Department>> {
    let rows: Vec<(i64, String, Vec<Uuid>)> = sqlx::query_as(
        "SELECT d.id, d.name, COALESCE(array_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '{}')
           FROM departments d LEFT JOIN department_members m ON m.department_id = d.id
          GROUP BY d.id ORDER BY lower(d.name)",
    )
    .fetch_all(&mut **tx)
    .await
    .context("listing departments")?;
    Ok(rows
        .into_iter()
        .map(|(id, name, member_ids)| Department {
            id,
            name,
            member_ids,
        })
        .collect())
}

fn name_taken(err: &sqlx::Error) -> bool {
    is_unique_violation(err, "departments_name_idx")
}

pub async fn create(db: &Db, actor: &Actor, name: &str) -> Result<Department> {
    actor.require(Permission::ManageDepartments)?;
    let name = DisplayName::parse(name).map_err(|code| Error::field("name", code))?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let id = match sqlx::query_scalar::<_, i64>(
        "INSERT INTO departments (account_id, name) VALUES ($1, $2) RETURNING id",
    )
    .bind(actor.account_id)
    .bind(name.as_str())
    .fetch_one(&mut *tx)
    .await
    {
        Ok(id) => id,
        Err(err) if name_taken(&err) => return Err(Error::field("name", ErrorCode::NameTaken)),
        Err(err) => {
            return Err(anyhow::Error::new(err)
                .context("creating department")
                .into())
        }
    };
    audit::record(
        &mut tx,
        actor,
        AuditAction::DepartmentCreated,
        Some(Target::new("department", id)),
        json!({ "name": name.as_str() }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(Department {
        id,
        name: name.to_string(),
        member_ids: vec![],
    })
}

/// Renames a department and sets its members (active members of the account).
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    name: &str,
    member_ids: &[Uuid],
) -> Result<Department> {
    actor.require(Permission::ManageDepartments)?;
    let name = DisplayName::parse(name).map_err(|code| Error::field("name", code))?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    match sqlx::query(
        "UPDATE departments SET name = $3, updated_at = now() WHERE account_id = $1 AND id = $2",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(name.as_str())
    .execute(&mut *tx)
    .await
    {
        Ok(done) if done.rows_affected() == 0 => return Err(Error::NotFound),
        Ok(_) => {}
        Err(err) if name_taken(&err) => return Err(Error::field("name", ErrorCode::NameTaken)),
        Err(err) => {
            return Err(anyhow::Error::new(err)
                .context("renaming department")
                .into())
        }
    }
    let valid: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE account_id = $1 AND user_id = ANY($2)",
    )
    .bind(actor.account_id)
    .bind(member_ids)
    .fetch_all(&mut *tx)
    .await
    .context("checking members")?;
    if valid.len()
        != member_ids
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
    {
        return Err(Error::field("member_ids", ErrorCode::OptionInvalid));
    }
    sqlx::query("DELETE FROM department_members WHERE account_id = $1 AND department_id = $2")
        .bind(actor.account_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("clearing members")?;
    sqlx::query("INSERT INTO department_members (account_id, department_id, user_id) SELECT $1, $2, unnest($3::uuid[])")
        .bind(actor.account_id)
        .bind(id)
        .bind(&valid)
        .execute(&mut *tx)
        .await
        .context("adding members")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::DepartmentUpdated,
        Some(Target::new("department", id)),
        json!({ "name": name.as_str(), "members": valid.len() }),
    )
    .await?;
    realtime::publish(&mut tx, actor.account_id, Signal::DepartmentsChanged).await?;
    tx.commit().await.context("commit")?;
    Ok(Department {
        id,
        name: name.to_string(),
        member_ids: valid,
    })
}

/// Removes a department; its conversations stay, without a department.
pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageDepartments)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let name: Option<String> = sqlx::query_scalar(
        "DELETE FROM departments WHERE account_id = $1 AND id = $2 RETURNING name",
    )
    .bind(actor.account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("removing department")?;
    let name = name.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::DepartmentRemoved,
        Some(Target::new("department", id)),
        json!({ "name": name }),
    )
    .await?;
    realtime::publish(&mut tx, actor.account_id, Signal::DepartmentsChanged).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}
