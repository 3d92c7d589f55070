//! The account's rules for idleness: read by every agent's browser, changed
//! by admins (audited), applied to open browsers at once.

use anyhow::Context;
use serde_json::json;
use shared::activity::{validate_settings, ActivitySettings};
use shared::audit::AuditAction;
use shared::{ErrorCode, FieldErrors, Permission};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::realtime::{self, Signal};

pub(crate) async fn settings_in(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<ActivitySettings> {
    let (idle, auto_logout, extra, threshold): (i32, bool, i32, i32) = sqlx::query_as(
        "SELECT idle_timeout_minutes, auto_logout, auto_logout_extra_minutes, server_idle_threshold_minutes
           FROM accounts WHERE id = $1",
    )
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await
    .context("reading activity settings")?;
    let minutes = |value: i32| u32::try_from(value).unwrap_or(1);
    Ok(ActivitySettings {
        idle_timeout_minutes: minutes(idle),
        auto_logout,
        auto_logout_extra_minutes: minutes(extra),
        server_idle_threshold_minutes: minutes(threshold),
    })
}

/// Every member reads them: their browser applies them.
pub async fn settings(db: &Db, actor: &Actor) -> Result<ActivitySettings> {
    settings_of(db, actor.account_id).await
}

pub async fn settings_of(db: &Db, account_id: Uuid) -> Result<ActivitySettings> {
    let mut tx = db.tenant(account_id, None).await?;
    let settings = settings_in(&mut tx, account_id).await?;
    tx.commit().await.context("commit")?;
    Ok(settings)
}

/// The settings form as typed (or a REST `PATCH`: `None` keeps a value).
#[derive(Clone, Debug, Default)]
pub struct SettingsForm {
    pub idle_timeout_minutes: Option<String>,
    pub auto_logout: Option<bool>,
    pub auto_logout_extra_minutes: Option<String>,
    pub server_idle_threshold_minutes: Option<String>,
}

pub async fn update_settings(
    db: &Db,
    actor: &Actor,
    form: &SettingsForm,
) -> Result<ActivitySettings> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let before = settings_in(&mut tx, actor.account_id).await?;
    let mut errors = FieldErrors::new();
    let mut number = |field: &'static str, typed: &Option<String>, current: u32| match typed {
        None => Some(current),
        Some(text) => match text.trim().parse::<u32>() {
            Ok(value) => Some(value),
            Err(_) => {
                errors.add(field, ErrorCode::NumberInvalid);
                None
            }
        },
    };
    let idle = number(
        "idle_timeout_minutes",
        &form.idle_timeout_minutes,
        before.idle_timeout_minutes,
    );
    let extra = number(
        "auto_logout_extra_minutes",
        &form.auto_logout_extra_minutes,
        before.auto_logout_extra_minutes,
    );
    let threshold = number(
        "server_idle_threshold_minutes",
        &form.server_idle_threshold_minutes,
        before.server_idle_threshold_minutes,
    );
    for (field, code) in validate_settings(idle, extra, threshold) {
        if !errors.has(field) {
            errors.add(field, code);
        }
    }
    if let (Some(idle), Some(threshold)) = (idle, threshold) {
        // The browser turns idle first; the server's fallback comes later.
        if threshold <= idle && !errors.has("server_idle_threshold_minutes") {
            errors.add(
                "server_idle_threshold_minutes",
                ErrorCode::ThresholdBelowIdleTimeout,
            );
        }
    }
    errors.into_result()?;
    let (Some(idle), Some(extra), Some(threshold)) = (idle, extra, threshold) else {
        return Err(anyhow::anyhow!("validation passed with a missing value").into());
    };
    let after = ActivitySettings {
        idle_timeout_minutes: idle,
        auto_logout: form.auto_logout.unwrap_or(before.auto_logout),
        auto_logout_extra_minutes: extra,
        server_idle_threshold_minutes: threshold,
    };
    if after == before {
        tx.commit().await.context("commit")?;
        return Ok(after);
    }
    sqlx::query(
        "UPDATE accounts SET idle_timeout_minutes = $2, auto_logout = $3,
                auto_logout_extra_minutes = $4, server_idle_threshold_minutes = $5, updated_at = now()
          WHERE id = $1",
    )
    .bind(actor.account_id)
    .bind(i32::try_from(after.idle_timeout_minutes).context("idle timeout")?)
    .bind(after.auto_logout)
    .bind(i32::try_from(after.auto_logout_extra_minutes).context("extra minutes")?)
    .bind(i32::try_from(after.server_idle_threshold_minutes).context("threshold")?)
    .execute(&mut *tx)
    .await
    .context("saving activity settings")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        Some(Target::new("account", actor.account_id)),
        json!({ "section": "productivity", "changes": changes(&before, &after) }),
    )
    .await?;
    realtime::publish(
        &mut tx,
        actor.account_id,
        Signal::ActivitySettingsChanged { settings: after },
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(after)
}

/// `{field: [before, after]}` for the fields that changed.
fn changes(before: &ActivitySettings, after: &ActivitySettings) -> serde_json::Value {
    let mut changed = serde_json::Map::new();
    let mut note = |field: &str, b: serde_json::Value, a: serde_json::Value| {
        if a != b {
            changed.insert(field.to_string(), json!([b, a]));
        }
    };
    note(
        "idle_timeout_minutes",
        json!(before.idle_timeout_minutes),
        json!(after.idle_timeout_minutes),
    );
    note(
        "auto_logout",
        json!(before.auto_logout),
        json!(after.auto_logout),
    );
    note(
        "auto_logout_extra_minutes",
        json!(before.auto_logout_extra_minutes),
        json!(after.auto_logout_extra_minutes),
    );
    note(
        "server_idle_threshold_minutes",
        json!(before.server_idle_threshold_minutes),
        json!(after.server_idle_threshold_minutes),
    );
    serde_json::Value::Object(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_audited() {
        let before = ActivitySettings::default();
        let after = ActivitySettings {
            idle_timeout_minutes: 5,
            ..before
        };
        assert_eq!(
            changes(&before, &after),
            json!({ "idle_timeout_minutes": [10, 5] })
        );
    }
}
