//! An account's own settings.

use anyhow::Context;
use serde_json::json;
use shared::accounts::AccountSettings;
use shared::audit::AuditAction;
use shared::phone::Country;
use shared::values::{DisplayName, EmailAddress, TimeZoneName};
use shared::{ErrorCode, FieldErrors, Locale, Permission, Theme};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::Result;

#[derive(sqlx::FromRow)]
struct SettingsRow {
    name: String,
    slug: String,
    support_email: Option<String>,
    timezone: String,
    default_locale: String,
    default_theme: String,
    attachment_limit_mb: i32,
    country: Country,
}

const SETTINGS_COLUMNS: &str =
    "name, slug, support_email, timezone, default_locale, default_theme, attachment_limit_mb, country";

impl From<SettingsRow> for AccountSettings {
    fn from(r: SettingsRow) -> Self {
        AccountSettings {
            name: r.name,
            slug: r.slug,
            support_email: r.support_email,
            timezone: r.timezone,
            default_locale: r.default_locale.parse().unwrap_or_default(),
            default_theme: r.default_theme.parse().unwrap_or_default(),
            attachment_limit_mb: u32::try_from(r.attachment_limit_mb).unwrap_or(16),
            country: r.country,
        }
    }
}

pub async fn settings(db: &Db, actor: &Actor) -> Result<AccountSettings> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let settings = settings_in(&mut tx, actor).await?;
    tx.commit().await.context("commit")?;
    Ok(settings)
}

/// The account's country: numbers typed without a country code are its.
pub(crate) async fn country_in(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<Country> {
    sqlx::query_scalar("SELECT country FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await
        .context("reading the account's country")
}

/// The account settings form as typed.
#[derive(Clone, Debug, Default)]
pub struct SettingsForm {
    pub name: String,
    pub support_email: String,
    pub timezone: String,
    pub default_locale: String,
    pub default_theme: String,
    pub attachment_limit_mb: String,
    /// Empty keeps the current country.
    pub country: String,
}

pub async fn update_settings(
    db: &Db,
    actor: &Actor,
    form: &SettingsForm,
) -> Result<AccountSettings> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", DisplayName::parse(&form.name));
    let support_email = if form.support_email.trim().is_empty() {
        Some(None)
    } else {
        errors.check(
            "support_email",
            EmailAddress::parse(&form.support_email).map(Some),
        )
    };
    let timezone = errors.check("timezone", TimeZoneName::parse(&form.timezone));
    let locale = errors.check("default_locale", form.default_locale.parse::<Locale>());
    let theme = errors.check("default_theme", form.default_theme.parse::<Theme>());
    let country = match form.country.trim() {
        "" => Some(None),
        code => errors.check("country", code.parse::<Country>().map(Some)),
    };
    let limit = errors.check(
        "attachment_limit_mb",
        form.attachment_limit_mb
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|mb| (1..=100).contains(mb))
            .ok_or(ErrorCode::NumberInvalid),
    );
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    if let Some(tz) = &timezone {
        let known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
                .bind(tz.as_str())
                .fetch_one(&mut *tx)
                .await
                .context("checking time zone")?;
        if !known {
            errors.add("timezone", ErrorCode::TimeZoneInvalid);
        }
    }
    errors.into_result()?;
    let (
        Some(name),
        Some(support_email),
        Some(timezone),
        Some(locale),
        Some(theme),
        Some(limit),
        Some(country),
    ) = (name, support_email, timezone, locale, theme, limit, country)
    else {
        return Err(anyhow::anyhow!("validation passed with a missing value").into());
    };

    let before = settings_in(&mut tx, actor).await?;
    let row: SettingsRow = sqlx::query_as(&format!(
        "UPDATE accounts SET name = $2, support_email = $3, timezone = $4, default_locale = $5,
                default_theme = $6, attachment_limit_mb = $7, country = $8, updated_at = now()
          WHERE id = $1
      RETURNING {SETTINGS_COLUMNS}"
    ))
    .bind(actor.account_id)
    .bind(name.as_str())
    .bind(support_email.as_ref().map(|e| e.as_str()))
    .bind(timezone.as_str())
    .bind(locale.as_str())
    .bind(theme.as_str())
    .bind(limit)
    .bind(country.unwrap_or(before.country))
    .fetch_one(&mut *tx)
    .await
    .context("updating account settings")?;
    let after: AccountSettings = row.into();
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        Some(Target::new("account", actor.account_id)),
        json!({ "changes": settings_diff(&before, &after) }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(after)
}

async fn settings_in(tx: &mut Tx, actor: &Actor) -> anyhow::Result<AccountSettings> {
    let row: SettingsRow = sqlx::query_as(&format!(
        "SELECT {SETTINGS_COLUMNS} FROM accounts WHERE id = $1"
    ))
    .bind(actor.account_id)
    .fetch_one(&mut **tx)
    .await
    .context("reading account settings")?;
    Ok(row.into())
}

/// `{field: [before, after]}` for the fields that changed.
fn settings_diff(before: &AccountSettings, after: &AccountSettings) -> serde_json::Value {
    let (Ok(serde_json::Value::Object(b)), Ok(serde_json::Value::Object(a))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return json!({});
    };
    let changed: serde_json::Map<String, serde_json::Value> = a
        .iter()
        .filter(|(key, value)| b.get(*key) != Some(value))
        .map(|(key, value)| (key.clone(), json!([b.get(key), value])))
        .collect();
    serde_json::Value::Object(changed)
}
