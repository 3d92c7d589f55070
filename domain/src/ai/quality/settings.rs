//! The account's quality threshold: a resolution the AI scores under it
//! alerts the managers. Read and changed by managers (audited).

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::prefs::Locale;
use shared::{ErrorCode, Permission};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

/// The threshold new accounts start with.
pub const DEFAULT_THRESHOLD: f32 = 7.0;

pub(crate) async fn threshold_and_locale(
    tx: &mut Tx,
    account_id: Uuid,
) -> anyhow::Result<(f32, Locale)> {
    let (threshold, locale): (f32, String) =
        sqlx::query_as("SELECT quality_threshold, default_locale FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&mut **tx)
            .await
            .context("reading the quality threshold")?;
    Ok((threshold, locale.parse().unwrap_or_default()))
}

pub async fn threshold(db: &Db, actor: &Actor) -> Result<f32> {
    actor.require(Permission::ViewDashboard)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let (threshold, _) = threshold_and_locale(&mut tx, actor.account_id).await?;
    tx.commit().await.context("commit")?;
    Ok(threshold)
}

/// `typed` as the manager typed it ("6,5" or "6.5"): 0 to 10, one decimal.
pub async fn set_threshold(db: &Db, actor: &Actor, typed: &str) -> Result<f32> {
    actor.require(Permission::ViewDashboard)?;
    let value = parse_threshold(typed).map_err(|code| Error::field("quality_threshold", code))?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let (before, _) = threshold_and_locale(&mut tx, actor.account_id).await?;
    if before != value {
        sqlx::query("UPDATE accounts SET quality_threshold = $2, updated_at = now() WHERE id = $1")
            .bind(actor.account_id)
            .bind(value)
            .execute(&mut *tx)
            .await
            .context("saving the quality threshold")?;
        audit::record(
            &mut tx,
            actor,
            AuditAction::AccountSettingsChanged,
            Some(Target::new("account", actor.account_id)),
            json!({ "section": "quality", "changes": { "quality_threshold": [before, value] } }),
        )
        .await?;
    }
    tx.commit().await.context("commit")?;
    Ok(value)
}

fn parse_threshold(typed: &str) -> std::result::Result<f32, ErrorCode> {
    let value: f32 = typed
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| ErrorCode::NumberInvalid)?;
    if !(0.0..=10.0).contains(&value) {
        return Err(ErrorCode::NumberInvalid);
    }
    Ok((value * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_read_as_people_type_them() {
        assert_eq!(parse_threshold("6,5"), Ok(6.5));
        assert_eq!(parse_threshold(" 7 "), Ok(7.0));
        assert_eq!(parse_threshold("8.25"), Ok(8.3));
        assert_eq!(parse_threshold("11"), Err(ErrorCode::NumberInvalid));
        assert_eq!(parse_threshold("-1"), Err(ErrorCode::NumberInvalid));
        assert_eq!(parse_threshold("sete"), Err(ErrorCode::NumberInvalid));
    }
}
