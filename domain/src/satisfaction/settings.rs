//! Whether the account surveys its customers: off until an admin turns it
//! on (an account feature, audited); managers may read it.

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::prefs::Locale;
use shared::Permission;
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::Result;

pub(super) async fn enabled(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<bool> {
    sqlx::query_scalar("SELECT satisfaction_survey FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await
        .context("reading whether the account surveys customers")
}

pub(super) async fn account_locale(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<Locale> {
    let locale: String = sqlx::query_scalar("SELECT default_locale FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await
        .context("reading the account's language")?;
    Ok(locale.parse().unwrap_or_default())
}

pub async fn survey_enabled(db: &Db, actor: &Actor) -> Result<bool> {
    actor.require(Permission::ViewDashboard)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let on = enabled(&mut tx, actor.account_id).await?;
    tx.commit().await.context("commit")?;
    Ok(on)
}

pub async fn set_survey(db: &Db, actor: &Actor, on: bool) -> Result<bool> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let before = enabled(&mut tx, actor.account_id).await?;
    if before != on {
        sqlx::query(
            "UPDATE accounts SET satisfaction_survey = $2, updated_at = now() WHERE id = $1",
        )
        .bind(actor.account_id)
        .bind(on)
        .execute(&mut *tx)
        .await
        .context("saving whether the account surveys customers")?;
        audit::record(
            &mut tx,
            actor,
            AuditAction::AccountSettingsChanged,
            Some(Target::new("account", actor.account_id)),
            json!({ "section": "quality", "changes": { "satisfaction_survey": [before, on] } }),
        )
        .await?;
    }
    tx.commit().await.context("commit")?;
    Ok(on)
}
