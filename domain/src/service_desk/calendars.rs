//! Calendars: the account's, which departments follow unless they keep
//! their own, read in the account's time zone as a
//! [`business_time::Calendar`].

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::departments::{Calendar, Holiday, ServiceDeskSettings, WalletFallback, WeeklyHours};
use shared::Permission;
use sqlx::types::Json;
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit;
use crate::business_time::{self, Interval, DAY_MINUTES};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

#[derive(sqlx::FromRow)]
struct SettingsRow {
    timezone: String,
    default_locale: shared::Locale,
    business_hours: Option<Json<WeeklyHours>>,
    holidays: Json<Vec<Holiday>>,
    wallet_routing: bool,
    wallet_owner_offline: WalletFallback,
    reroute_reopened: bool,
}

impl From<SettingsRow> for ServiceDeskSettings {
    fn from(row: SettingsRow) -> Self {
        ServiceDeskSettings {
            calendar: Calendar {
                business_hours: row.business_hours.map(|h| h.0),
                holidays: row.holidays.0,
            },
            wallet_routing: row.wallet_routing,
            wallet_owner_offline: row.wallet_owner_offline,
            reroute_reopened: row.reroute_reopened,
            time_zone: row.timezone,
            locale: row.default_locale,
        }
    }
}

/// The account's calendar and wallet rules (any member may read them).
pub async fn settings(db: &Db, actor: &Actor) -> Result<ServiceDeskSettings> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let settings = settings_in(&mut tx, actor.account_id).await?;
    tx.commit().await.context("commit")?;
    Ok(settings)
}

async fn settings_in(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<ServiceDeskSettings> {
    let row: SettingsRow = sqlx::query_as(
        "SELECT timezone, default_locale, business_hours, holidays, wallet_routing, wallet_owner_offline,
                reroute_reopened
           FROM accounts WHERE id = $1",
    )
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await
    .context("reading service desk settings")?;
    Ok(row.into())
}

/// The account's own calendar (what a department without its own keeps).
pub(crate) async fn account_calendar(
    tx: &mut Tx,
    account_id: Uuid,
) -> anyhow::Result<business_time::Calendar> {
    let settings = settings_in(tx, account_id).await?;
    to_business_time(&settings.time_zone, &settings.calendar)
}

/// Saves the account's calendar and wallet rules (the time zone is the
/// account's own setting, not changed here).
pub async fn update_settings(
    db: &Db,
    actor: &Actor,
    settings: &ServiceDeskSettings,
) -> Result<ServiceDeskSettings> {
    actor.require(Permission::ManageDepartments)?;
    settings
        .calendar
        .validate()
        .map_err(|(field, code)| Error::field(&field, code))?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    sqlx::query(
        "UPDATE accounts
            SET business_hours = $2, holidays = $3, wallet_routing = $4, wallet_owner_offline = $5,
                reroute_reopened = $6, updated_at = now()
          WHERE id = $1",
    )
    .bind(actor.account_id)
    .bind(settings.calendar.business_hours.as_ref().map(Json))
    .bind(Json(&settings.calendar.holidays))
    .bind(settings.wallet_routing)
    .bind(settings.wallet_owner_offline)
    .bind(settings.reroute_reopened)
    .execute(&mut *tx)
    .await
    .context("saving service desk settings")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        None,
        json!({
            "business_hours": settings.calendar.business_hours,
            "holidays": settings.calendar.holidays,
            "wallet_routing": settings.wallet_routing,
            "wallet_owner_offline": settings.wallet_owner_offline,
            "reroute_reopened": settings.reroute_reopened,
        }),
    )
    .await?;
    super::wake_distribution(&mut tx).await?;
    let saved = settings_in(&mut tx, actor.account_id).await?;
    tx.commit().await.context("commit")?;
    Ok(saved)
}

/// The calendar a department keeps (its own, else the account's), with its
/// out-of-hours reply texts.
pub(crate) struct DepartmentHours {
    pub calendar: business_time::Calendar,
    pub out_of_hours_messages: shared::departments::LocalizedText,
    pub locale: shared::Locale,
}

#[derive(sqlx::FromRow)]
struct HoursRow {
    timezone: String,
    default_locale: shared::Locale,
    business_hours: Option<Json<WeeklyHours>>,
    holidays: Json<Vec<Holiday>>,
    out_of_hours_messages: Json<shared::departments::LocalizedText>,
}

pub(crate) async fn department_hours(
    tx: &mut Tx,
    account_id: Uuid,
    department_id: i64,
) -> anyhow::Result<Option<DepartmentHours>> {
    let row: Option<HoursRow> = sqlx::query_as(
        "SELECT a.timezone, a.default_locale,
                CASE WHEN d.own_calendar THEN d.business_hours ELSE a.business_hours END AS business_hours,
                CASE WHEN d.own_calendar THEN d.holidays ELSE a.holidays END AS holidays,
                d.out_of_hours_messages
           FROM departments d JOIN accounts a ON a.id = d.account_id
          WHERE d.account_id = $1 AND d.id = $2",
    )
    .bind(account_id)
    .bind(department_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the department's calendar")?;
    let Some(row) = row else {
        return Ok(None);
    };
    let calendar = to_business_time(
        &row.timezone,
        &Calendar {
            business_hours: row.business_hours.map(|h| h.0),
            holidays: row.holidays.0,
        },
    )?;
    Ok(Some(DepartmentHours {
        calendar,
        out_of_hours_messages: row.out_of_hours_messages.0,
        locale: row.default_locale,
    }))
}

/// The stored calendar as business-time arithmetic; no opening hours means
/// open around the clock (holidays still close it).
pub fn to_business_time(
    zone: &str,
    calendar: &Calendar,
) -> anyhow::Result<business_time::Calendar> {
    let week: [Vec<Interval>; 7] = match &calendar.business_hours {
        Some(hours) => hours.days().map(|day| {
            day.iter()
                .map(|o| Interval {
                    open: o.open.minutes(),
                    close: o.close.minutes(),
                })
                .collect()
        }),
        None => std::array::from_fn(|_| {
            vec![Interval {
                open: 0,
                close: DAY_MINUTES,
            }]
        }),
    };
    let holidays: Vec<business_time::Holiday> = calendar
        .holidays
        .iter()
        .map(|h| business_time::Holiday {
            date: h.date,
            yearly: h.yearly,
        })
        .collect();
    business_time::Calendar::new(zone, week, &holidays).context("reading a stored calendar")
}
