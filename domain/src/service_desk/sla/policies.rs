//! SLA policies: named targets departments point to.

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::sla::{SlaPolicy, SlaPolicyForm};
use shared::values::DisplayName;
use shared::{ErrorCode, Permission};

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::Db;
use crate::error::{is_unique_violation, Error, Result};
use crate::realtime::{self, Signal};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    first_response_minutes: Option<i32>,
    next_response_minutes: Option<i32>,
    resolution_minutes: Option<i32>,
    business_hours_only: bool,
    pause_while_waiting: bool,
}

impl From<Row> for SlaPolicy {
    fn from(row: Row) -> Self {
        let minutes = |m: Option<i32>| m.and_then(|m| u32::try_from(m).ok());
        SlaPolicy {
            id: row.id,
            name: row.name,
            first_response_minutes: minutes(row.first_response_minutes),
            next_response_minutes: minutes(row.next_response_minutes),
            resolution_minutes: minutes(row.resolution_minutes),
            business_hours_only: row.business_hours_only,
            pause_while_waiting: row.pause_while_waiting,
        }
    }
}

const COLUMNS: &str = "id, name, first_response_minutes, next_response_minutes, resolution_minutes,
    business_hours_only, pause_while_waiting";

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<SlaPolicy>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sla_policies ORDER BY lower(name)"
    ))
    .fetch_all(&mut *tx)
    .await
    .context("listing SLA policies")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(SlaPolicy::from).collect())
}

/// Creates (`id` None) or changes a policy. Conversations already running
/// keep the due times they got.
pub async fn save(
    db: &Db,
    actor: &Actor,
    id: Option<i64>,
    form: &SlaPolicyForm,
) -> Result<SlaPolicy> {
    actor.require(Permission::ManageDepartments)?;
    let name = DisplayName::parse(&form.name).map_err(|code| Error::field("name", code))?;
    form.validate()
        .map_err(|(field, code)| Error::field(field, code))?;
    let minutes = |m: Option<u32>| m.map(|m| i32::try_from(m).unwrap_or(i32::MAX));
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let sql = match id {
        Some(_) => format!(
            "UPDATE sla_policies
                SET name = $3, first_response_minutes = $4, resolution_minutes = $5,
                    business_hours_only = $6, pause_while_waiting = $7, next_response_minutes = $8,
                    updated_at = now()
              WHERE account_id = $1 AND id = $2 RETURNING {COLUMNS}"
        ),
        None => format!(
            "INSERT INTO sla_policies (account_id, name, first_response_minutes, resolution_minutes,
                                       business_hours_only, pause_while_waiting, next_response_minutes)
             SELECT $1, $3, $4, $5, $6, $7, $8 WHERE $2::bigint IS NULL RETURNING {COLUMNS}"
        ),
    };
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(actor.account_id)
        .bind(id)
        .bind(name.as_str())
        .bind(minutes(form.first_response_minutes))
        .bind(minutes(form.resolution_minutes))
        .bind(form.business_hours_only)
        .bind(form.pause_while_waiting)
        .bind(minutes(form.next_response_minutes))
        .fetch_optional(&mut *tx)
        .await
        .map_err(|err| {
            if is_unique_violation(&err, "sla_policies_name_idx") {
                Error::field("name", ErrorCode::NameTaken)
            } else {
                anyhow::Error::new(err).context("saving SLA policy").into()
            }
        })?;
    let policy = SlaPolicy::from(row.ok_or(Error::NotFound)?);
    audit::record(
        &mut tx,
        actor,
        AuditAction::SlaPolicySaved,
        Some(Target::new("sla_policy", policy.id)),
        json!(policy),
    )
    .await?;
    realtime::publish(&mut tx, actor.account_id, Signal::AccessChanged).await?;
    tx.commit().await.context("commit")?;
    Ok(policy)
}

/// Removes a policy; departments that used it have none.
pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageDepartments)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let name: Option<String> = sqlx::query_scalar(
        "DELETE FROM sla_policies WHERE account_id = $1 AND id = $2 RETURNING name",
    )
    .bind(actor.account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("removing SLA policy")?;
    let name = name.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::SlaPolicyRemoved,
        Some(Target::new("sla_policy", id)),
        json!({ "name": name }),
    )
    .await?;
    realtime::publish(&mut tx, actor.account_id, Signal::AccessChanged).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}
