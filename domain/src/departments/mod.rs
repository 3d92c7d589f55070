//! Departments (queues): groups of agents with their capacity, a calendar
//! (the account's or their own), an out-of-hours reply and a distribution
//! mode. Routing conversations to them lives in [`crate::service_desk`].

mod form;

use anyhow::Context;
use serde_json::json;
use shared::access::DepartmentGrant;
use shared::audit::AuditAction;
use shared::departments::{
    Calendar, Department, DepartmentForm, DepartmentMember, Distribution, Holiday, LocalizedText,
    SlaByPriority, WeeklyHours,
};
use shared::inbox::DepartmentOption;
use shared::{ErrorCode, Permission};
use sqlx::types::Json;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{is_unique_violation, Error, Result};
use crate::realtime::{self, Signal};
use form::Valid;

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Department>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let departments = list_in(&mut tx).await?;
    tx.commit().await.context("commit")?;
    Ok(departments)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    description: String,
    channel_id: Option<i64>,
    distribution: Distribution,
    own_calendar: bool,
    business_hours: Option<Json<WeeklyHours>>,
    holidays: Json<Vec<Holiday>>,
    out_of_hours_messages: Json<LocalizedText>,
    sla_policy_id: Option<i64>,
    sla_by_priority: Json<SlaByPriority>,
    members: Json<Vec<DepartmentMember>>,
    grants: Json<Vec<DepartmentGrant>>,
}

impl From<Row> for Department {
    fn from(row: Row) -> Self {
        Department {
            id: row.id,
            name: row.name,
            description: row.description,
            channel_id: row.channel_id,
            member_ids: row.members.iter().map(|m| m.user_id).collect(),
            members: row.members.0,
            distribution: row.distribution,
            calendar: row.own_calendar.then(|| Calendar {
                business_hours: row.business_hours.map(|h| h.0),
                holidays: row.holidays.0,
            }),
            out_of_hours_messages: row.out_of_hours_messages.0,
            sla_policy_id: row.sla_policy_id,
            sla_by_priority: row.sla_by_priority.0,
            grants: row.grants.0,
        }
    }
}

const SELECT: &str = "SELECT d.id, d.name, d.description, d.channel_id, d.distribution, d.own_calendar,
        d.business_hours, d.holidays, d.out_of_hours_messages, d.sla_policy_id,
        COALESCE(jsonb_agg(jsonb_build_object('user_id', m.user_id, 'max_conversations', m.max_conversations)
                           ORDER BY m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '[]') AS members,
        (SELECT COALESCE(jsonb_object_agg(p.priority, p.sla_policy_id), '{}')
           FROM department_sla_policies p WHERE p.department_id = d.id) AS sla_by_priority,
        (SELECT COALESCE(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                    'role', g.role, 'user_id', g.user_id, 'level', g.level)) ORDER BY g.role, g.user_id), '[]')
           FROM department_grants g WHERE g.department_id = d.id) AS grants
   FROM departments d LEFT JOIN department_members m ON m.department_id = d.id";

async fn list_in(tx: &mut Tx) -> anyhow::Result<Vec<Department>> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} GROUP BY d.id ORDER BY lower(d.name)"))
        .fetch_all(&mut **tx)
        .await
        .context("listing departments")?;
    Ok(rows.into_iter().map(Department::from).collect())
}

/// Every department's id and name, for the inbox.
pub(crate) async fn options_in(tx: &mut Tx) -> anyhow::Result<Vec<DepartmentOption>> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM departments ORDER BY lower(name)")
            .fetch_all(&mut **tx)
            .await
            .context("listing departments")?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| DepartmentOption { id, name })
        .collect())
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Department> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let department = get_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
    tx.commit().await.context("commit")?;
    Ok(department)
}

async fn get_in(tx: &mut Tx, id: i64) -> anyhow::Result<Option<Department>> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE d.id = $1 GROUP BY d.id"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .context("reading department")?;
    Ok(row.map(Department::from))
}

fn name_taken(err: &sqlx::Error) -> bool {
    is_unique_violation(err, "departments_name_idx")
}

/// A new department with just a name: manual distribution, the account's
/// calendar, no members.
pub async fn create(db: &Db, actor: &Actor, name: &str) -> Result<Department> {
    let form = DepartmentForm {
        name: name.to_string(),
        description: String::new(),
        channel_id: None,
        members: vec![],
        distribution: Distribution::Manual,
        calendar: None,
        out_of_hours_messages: LocalizedText::new(),
        sla_policy_id: None,
        sla_by_priority: SlaByPriority::new(),
        grants: vec![],
    };
    save(db, actor, None, &form).await
}

/// Creates (`id` None) or changes a department, members and all.
pub async fn save(
    db: &Db,
    actor: &Actor,
    id: Option<i64>,
    form: &DepartmentForm,
) -> Result<Department> {
    actor.require(Permission::ManageDepartments)?;
    let valid = form::validate(form)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    form::check_references(&mut tx, actor.account_id, form).await?;
    let (id, action) = match id {
        Some(id) => (
            update_row(&mut tx, actor, id, form, &valid).await?,
            AuditAction::DepartmentUpdated,
        ),
        None => (
            insert_row(&mut tx, actor, form, &valid).await?,
            AuditAction::DepartmentCreated,
        ),
    };
    set_members(&mut tx, actor, id, &form.members).await?;
    set_sla_by_priority(&mut tx, actor, id, &form.sla_by_priority).await?;
    crate::access::save_department_grants(&mut tx, actor.account_id, id, &form.grants).await?;
    audit::record(
        &mut tx,
        actor,
        action,
        Some(Target::new("department", id)),
        json!({
            "name": valid.name.as_str(),
            "members": form.members.len(),
            "distribution": form.distribution,
            "own_calendar": form.calendar.is_some(),
            "sla_policy_id": form.sla_policy_id,
            "sla_by_priority": form.sla_by_priority,
            "grants": form.grants,
        }),
    )
    .await?;
    realtime::publish(&mut tx, actor.account_id, Signal::AccessChanged).await?;
    crate::service_desk::wake_distribution(&mut tx).await?;
    let department = get_in(&mut tx, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a department saved just now vanished"))?;
    tx.commit().await.context("commit")?;
    Ok(department)
}

fn storage_error(err: sqlx::Error, doing: &'static str) -> Error {
    let constraint = match &err {
        sqlx::Error::Database(db) => db.constraint().map(str::to_string),
        _ => None,
    };
    if name_taken(&err) {
        Error::field("name", ErrorCode::NameTaken)
    } else if constraint.as_deref() == Some("departments_sla_policy_same_account") {
        Error::field("sla_policy_id", ErrorCode::OptionInvalid)
    } else if constraint.as_deref() == Some("department_sla_policies_same_account") {
        Error::field("sla_by_priority", ErrorCode::OptionInvalid)
    } else if constraint.as_deref() == Some("departments_channel_same_account") {
        Error::field("channel_id", ErrorCode::OptionInvalid)
    } else {
        anyhow::Error::new(err).context(doing).into()
    }
}

async fn insert_row(
    tx: &mut Tx,
    actor: &Actor,
    form: &DepartmentForm,
    valid: &Valid,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO departments (account_id, name, description, channel_id, distribution, own_calendar,
                                  business_hours, holidays, out_of_hours_messages, sla_policy_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(actor.account_id)
    .bind(valid.name.as_str())
    .bind(&valid.description)
    .bind(form.channel_id)
    .bind(form.distribution)
    .bind(form.calendar.is_some())
    .bind(valid.business_hours())
    .bind(valid.holidays())
    .bind(Json(&valid.out_of_hours_messages))
    .bind(form.sla_policy_id)
    .fetch_one(&mut **tx)
    .await
    .map_err(|err| storage_error(err, "creating department"))?;
    Ok(id)
}

async fn update_row(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    form: &DepartmentForm,
    valid: &Valid,
) -> Result<i64> {
    let done = sqlx::query(
        "UPDATE departments
            SET name = $3, description = $4, channel_id = $5, distribution = $6, own_calendar = $7,
                business_hours = $8, holidays = $9, out_of_hours_messages = $10, sla_policy_id = $11,
                updated_at = now()
          WHERE account_id = $1 AND id = $2",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(valid.name.as_str())
    .bind(&valid.description)
    .bind(form.channel_id)
    .bind(form.distribution)
    .bind(form.calendar.is_some())
    .bind(valid.business_hours())
    .bind(valid.holidays())
    .bind(Json(&valid.out_of_hours_messages))
    .bind(form.sla_policy_id)
    .execute(&mut **tx)
    .await
    .map_err(|err| storage_error(err, "changing department"))?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    Ok(id)
}

/// Replaces the members, keeping when each was last given a conversation
/// (round-robin's memory) for those who stay.
async fn set_members(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    members: &[DepartmentMember],
) -> Result<()> {
    let users: Vec<uuid::Uuid> = members.iter().map(|m| m.user_id).collect();
    let capacities: Vec<i32> = members
        .iter()
        .map(|m| i32::from(m.max_conversations))
        .collect();
    sqlx::query(
        "DELETE FROM department_members
          WHERE account_id = $1 AND department_id = $2 AND NOT (user_id = ANY($3))",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(&users)
    .execute(&mut **tx)
    .await
    .context("removing members")?;
    sqlx::query(
        "INSERT INTO department_members (account_id, department_id, user_id, max_conversations)
         SELECT $1, $2, u, c FROM unnest($3::uuid[], $4::integer[]) AS t (u, c)
         ON CONFLICT (department_id, user_id) DO UPDATE SET max_conversations = EXCLUDED.max_conversations",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(&users)
    .bind(&capacities)
    .execute(&mut **tx)
    .await
    .context("saving members")?;
    Ok(())
}

/// Replaces the policies the department sets for some priorities.
async fn set_sla_by_priority(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    by_priority: &SlaByPriority,
) -> Result<()> {
    sqlx::query("DELETE FROM department_sla_policies WHERE account_id = $1 AND department_id = $2")
        .bind(actor.account_id)
        .bind(id)
        .execute(&mut **tx)
        .await
        .context("clearing SLA policies by priority")?;
    let priorities: Vec<&str> = by_priority.keys().map(|p| p.as_str()).collect();
    let policies: Vec<i64> = by_priority.values().copied().collect();
    sqlx::query(
        "INSERT INTO department_sla_policies (account_id, department_id, priority, sla_policy_id)
         SELECT $1, $2, p, s FROM unnest($3::text[], $4::bigint[]) AS t (p, s)",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(&priorities)
    .bind(&policies)
    .execute(&mut **tx)
    .await
    .map_err(|err| storage_error(err, "saving SLA policies by priority"))?;
    Ok(())
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
    realtime::publish(&mut tx, actor.account_id, Signal::AccessChanged).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}
