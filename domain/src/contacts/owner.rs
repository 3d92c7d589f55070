//! The customer wallet: a contact's owner, the agent their conversations go
//! to first when the account routes by wallet (`service_desk::distribution`).

use anyhow::Context;
use shared::inbox::ContactView;
use shared::{ErrorCode, Permission};
use uuid::Uuid;

use super::{ContactRow, CONTACT_COLUMNS};
use crate::actor::Actor;
use crate::db::Db;
use crate::error::{Error, Result};

/// Gives the contact to an agent (or to nobody). Supervisors and admins
/// decide whose customer is whose.
pub async fn set_owner(
    db: &Db,
    actor: &Actor,
    contact_id: i64,
    owner: Option<Uuid>,
) -> Result<ContactView> {
    actor.require(Permission::ManageDepartments)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    if let Some(owner) = owner {
        let agent: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM memberships
                             WHERE account_id = $1 AND user_id = $2 AND active AND role <> 'auditor')",
        )
        .bind(actor.account_id)
        .bind(owner)
        .fetch_one(&mut *tx)
        .await
        .context("checking the owner")?;
        if !agent {
            return Err(Error::field("owner_id", ErrorCode::OptionInvalid));
        }
    }
    let row: Option<ContactRow> = sqlx::query_as(&format!(
        "UPDATE contacts SET owner_id = $3, updated_at = now()
          WHERE account_id = $1 AND id = $2 AND merged_into IS NULL RETURNING {CONTACT_COLUMNS}"
    ))
    .bind(actor.account_id)
    .bind(contact_id)
    .bind(owner)
    .fetch_optional(&mut *tx)
    .await
    .context("setting the contact's owner")?;
    let row = row.ok_or(Error::NotFound)?;
    tx.commit().await.context("commit")?;
    Ok(row.into())
}
