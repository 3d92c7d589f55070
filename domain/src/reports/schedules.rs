//! Reports mailed on a schedule — every morning, on Mondays or on the 1st —
//! to a list of addresses, as a CSV or PDF attachment, through the
//! account's SMTP server. A run reports what the schedule's owner may see
//! when it runs (the reports' one scoping rule). Runs are claimed with a
//! lease (SKIP LOCKED, any instance), and a run's mails are queued in the
//! transaction that moves the schedule to its next run: each run is mailed
//! once, and a run an instance dropped is taken again when its lease ends.

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;
use shared::audit::AuditAction;
use shared::report_words::{format_date, report_title};
use shared::reports::{
    parse_recipients, FileFormat, Frequency, ReportFilter, ReportKind, ReportSchedule,
    ScheduleForm, SEND_HOUR,
};
use shared::values::EmailAddress;
use shared::{ErrorCode, Locale, Permission, Role};
use uuid::Uuid;

use super::export::export;
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::mail::{self, MailAttachment, Outbox, SystemMail};
use crate::realtime::{self, Signal};

const BATCH: i32 = 5;
/// Long enough for the largest report; a run still unfinished after it is
/// taken again by any instance.
const LEASE_SECONDS: i32 = 600;

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    id: i64,
    report: ReportKind,
    frequency: Frequency,
    format: FileFormat,
    recipients: Vec<String>,
    agents: Vec<Uuid>,
    departments: Vec<i64>,
    channels: Vec<i64>,
    categories: Vec<i64>,
    locale: Locale,
    owner: String,
    next_run_at: DateTime<Utc>,
    last_run_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

impl ScheduleRow {
    fn view(self) -> ReportSchedule {
        ReportSchedule {
            id: self.id,
            report: self.report,
            frequency: self.frequency,
            format: self.format,
            recipients: self.recipients,
            agents: self.agents,
            departments: self.departments,
            channels: self.channels,
            categories: self.categories,
            locale: self.locale,
            owner: self.owner,
            next_run_at: self.next_run_at,
            last_run_at: self.last_run_at,
            last_error: self.last_error,
        }
    }
}

/// A [`ScheduleRow`] from `report_schedules s JOIN users u` (its owner).
const SCHEDULE_COLUMNS: &str = "s.id, s.report, s.frequency, s.format, s.recipients, s.agents,
    s.departments, s.channels, s.categories, s.locale, u.name AS owner, s.next_run_at,
    s.last_run_at, s.last_error";

/// The schedules the viewer manages: admins, the account's; others, their own.
pub async fn list(db: &Db, viewer: &Actor) -> Result<Vec<ReportSchedule>> {
    viewer.require(Permission::ViewDashboard)?;
    let mut tx = db.tenant(viewer.account_id, Some(viewer.user_id)).await?;
    let rows: Vec<ScheduleRow> = sqlx::query_as(&format!(
        "SELECT {SCHEDULE_COLUMNS} FROM report_schedules s JOIN users u ON u.id = s.owner_id
          WHERE s.account_id = $1 AND ($2 OR s.owner_id = $3) ORDER BY s.id"
    ))
    .bind(viewer.account_id)
    .bind(viewer.role == Role::GlobalAdmin)
    .bind(viewer.user_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing report schedules")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(ScheduleRow::view).collect())
}

pub async fn create(db: &Db, viewer: &Actor, form: &ScheduleForm) -> Result<ReportSchedule> {
    viewer.require(Permission::ViewDashboard)?;
    let recipients =
        parse_recipients(&form.recipients).map_err(|code| Error::field("recipients", code))?;
    let mut tx = db.tenant(viewer.account_id, Some(viewer.user_id)).await?;
    check_filters(&mut tx, viewer, form).await?;
    let next_run_at = next_run(&mut tx, viewer.account_id, form.frequency, Utc::now()).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO report_schedules (account_id, owner_id, report, frequency, format, recipients,
                                       agents, departments, channels, categories, locale,
                                       next_run_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(viewer.account_id)
    .bind(viewer.user_id)
    .bind(form.report)
    .bind(form.frequency)
    .bind(form.format)
    .bind(&recipients)
    .bind(&form.agents)
    .bind(&form.departments)
    .bind(&form.channels)
    .bind(&form.categories)
    .bind(form.locale)
    .bind(next_run_at)
    .fetch_one(&mut *tx)
    .await
    .context("creating a report schedule")?;
    audit::record(
        &mut tx,
        viewer,
        AuditAction::ReportScheduled,
        Some(Target::new("report_schedule", id)),
        json!({
            "report": form.report.as_str(),
            "frequency": form.frequency,
            "format": form.format,
            "recipients": recipients,
        }),
    )
    .await?;
    realtime::publish(&mut tx, viewer.account_id, Signal::ReportSchedulesChanged).await?;
    tx.commit().await.context("commit")?;
    Ok(ReportSchedule {
        id,
        report: form.report,
        frequency: form.frequency,
        format: form.format,
        recipients,
        agents: form.agents.clone(),
        departments: form.departments.clone(),
        channels: form.channels.clone(),
        categories: form.categories.clone(),
        locale: form.locale,
        owner: viewer.name.clone(),
        next_run_at,
        last_run_at: None,
        last_error: None,
    })
}

/// Filters must name the account's own agents, departments, channels and
/// categories (what the owner may see of them is decided at each run).
async fn check_filters(tx: &mut Tx, viewer: &Actor, form: &ScheduleForm) -> Result<()> {
    let found: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM memberships WHERE account_id = $1 AND user_id = ANY($2)),
                (SELECT count(*) FROM departments WHERE account_id = $1 AND id = ANY($3)),
                (SELECT count(*) FROM channels WHERE account_id = $1 AND id = ANY($4)
                                                 AND removed_at IS NULL),
                (SELECT count(*) FROM categories WHERE account_id = $1 AND id = ANY($5))",
    )
    .bind(viewer.account_id)
    .bind(&form.agents)
    .bind(&form.departments)
    .bind(&form.channels)
    .bind(&form.categories)
    .fetch_one(&mut **tx)
    .await
    .context("checking a schedule's filters")?;
    let distinct = |n: usize| n as i64;
    for (field, count, asked) in [
        ("agents", found.0, unique(&form.agents)),
        ("departments", found.1, unique(&form.departments)),
        ("channels", found.2, unique(&form.channels)),
        ("categories", found.3, unique(&form.categories)),
    ] {
        if count != distinct(asked) {
            return Err(Error::field(field, ErrorCode::OptionInvalid));
        }
    }
    Ok(())
}

fn unique<T: Eq + std::hash::Hash>(items: &[T]) -> usize {
    items.iter().collect::<std::collections::HashSet<_>>().len()
}

/// Removes a schedule: its owner's, or any of the account's for an admin.
pub async fn remove(db: &Db, viewer: &Actor, id: i64) -> Result<()> {
    viewer.require(Permission::ViewDashboard)?;
    let mut tx = db.tenant(viewer.account_id, Some(viewer.user_id)).await?;
    let report: Option<String> = sqlx::query_scalar(
        "DELETE FROM report_schedules
          WHERE account_id = $1 AND id = $2 AND ($3 OR owner_id = $4) RETURNING report",
    )
    .bind(viewer.account_id)
    .bind(id)
    .bind(viewer.role == Role::GlobalAdmin)
    .bind(viewer.user_id)
    .fetch_optional(&mut *tx)
    .await
    .context("removing a report schedule")?;
    let report = report.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        viewer,
        AuditAction::ReportScheduleRemoved,
        Some(Target::new("report_schedule", id)),
        json!({ "report": report }),
    )
    .await?;
    realtime::publish(&mut tx, viewer.account_id, Signal::ReportSchedulesChanged).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// The first send time after `after`: `SEND_HOUR` in the account's time
/// zone on a day the frequency runs. The candidate days bracket the local
/// date whatever the zone (it is within a day of the UTC one).
async fn next_run(
    tx: &mut Tx,
    account_id: Uuid,
    frequency: Frequency,
    after: DateTime<Utc>,
) -> anyhow::Result<DateTime<Utc>> {
    let first = after.date_naive() - Duration::days(1);
    let days: Vec<NaiveDate> = (0..35)
        .map(|n| first + Duration::days(n))
        .filter(|day| frequency.runs_on(*day))
        .collect();
    let next: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT min(t) FROM (
             SELECT (d + make_time($3, 0, 0)) AT TIME ZONE a.timezone AS t
               FROM unnest($2::date[]) AS d, accounts a WHERE a.id = $1) s
          WHERE t > $4",
    )
    .bind(account_id)
    .bind(&days)
    .bind(SEND_HOUR as i32)
    .bind(after)
    .fetch_one(&mut **tx)
    .await
    .context("computing a schedule's next run")?;
    next.context("no send day within five weeks")
}

/// Runs the schedules that are due; returns how many were claimed.
pub async fn run_due(db: &Db, outbox: Outbox<'_>) -> Result<usize> {
    let claimed: Vec<(i64, Uuid)> =
        sqlx::query_as("SELECT id, account_id FROM claim_report_schedules($1, $2)")
            .bind(BATCH)
            .bind(LEASE_SECONDS)
            .fetch_all(db.pool())
            .await
            .context("claiming due report schedules")?;
    for (id, account_id) in &claimed {
        if let Err(err) = run_one(db, outbox, *account_id, *id).await {
            tracing::warn!(schedule = id, error = ?err, "scheduled report failed; retried after its lease");
        }
    }
    Ok(claimed.len())
}

/// A claimed schedule, with what its run needs to know about its owner.
#[derive(sqlx::FromRow)]
struct Due {
    #[sqlx(flatten)]
    schedule: ScheduleRow,
    owner_id: Uuid,
    owner_email: String,
    /// `None`: no longer an active member.
    owner_role: Option<Role>,
    /// The send time's local date.
    run_date: NaiveDate,
}

async fn run_one(db: &Db, outbox: Outbox<'_>, account_id: Uuid, id: i64) -> Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    let due: Option<Due> = sqlx::query_as(&format!(
        "SELECT {SCHEDULE_COLUMNS}, s.owner_id, u.email AS owner_email,
                (SELECT m.role FROM memberships m
                  WHERE m.account_id = s.account_id AND m.user_id = s.owner_id AND m.active) AS owner_role,
                (s.next_run_at AT TIME ZONE a.timezone)::date AS run_date
           FROM report_schedules s JOIN users u ON u.id = s.owner_id JOIN accounts a ON a.id = s.account_id
          WHERE s.account_id = $1 AND s.id = $2 FOR UPDATE OF s"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading a due schedule")?;
    let Some(Due {
        schedule: due,
        owner_id,
        owner_email,
        owner_role,
        run_date,
    }) = due
    else {
        return Ok(()); // removed since it was claimed
    };
    let kind = due.report;
    let (from, to) = due.frequency.period(run_date);
    let outcome = match owner_role {
        None => Err("the schedule's owner is no longer an active member".to_string()),
        Some(role) if !role.can(Permission::ViewDashboard) => {
            Err("the schedule's owner may no longer see the team's reports".to_string())
        }
        Some(role) => {
            let owner = Actor {
                user_id: owner_id,
                account_id,
                role,
                name: due.owner.clone(),
                email: owner_email,
                ip: None,
            };
            let filter = ReportFilter {
                from: Some(from),
                to: Some(to),
                agents: due.agents.clone(),
                departments: due.departments.clone(),
                channels: due.channels.clone(),
                categories: due.categories.clone(),
                ..ReportFilter::default()
            };
            match export(db, &owner, kind, &filter, due.format, due.locale).await {
                Ok(file) => Ok(file),
                Err(Error::Forbidden) => {
                    Err("the schedule's owner may no longer see the team's reports".to_string())
                }
                Err(err) => return Err(err),
            }
        }
    };
    if let Ok(file) = &outcome {
        let title = report_title(due.locale, kind);
        let period = format!(
            "{} – {}",
            format_date(due.locale, from),
            format_date(due.locale, to)
        );
        let link = outbox.link(&format!("/reports?report={}", kind.as_str()));
        let attachment = MailAttachment {
            file_name: file.name.clone(),
            content_type: file.content_type.to_string(),
            bytes: file.bytes.clone(),
        };
        for recipient in &due.recipients {
            let Ok(to) = EmailAddress::parse(recipient) else {
                continue;
            };
            let mail = SystemMail::ScheduledReport {
                report: title,
                period: &period,
                owner: &due.owner,
                link: &link,
            };
            mail::queue_with_attachments(
                &mut tx,
                outbox.vault,
                Some(account_id),
                &to,
                &mail,
                due.locale,
                std::slice::from_ref(&attachment),
            )
            .await?;
        }
    }
    let next_run_at = next_run(
        &mut tx,
        account_id,
        due.frequency,
        due.next_run_at.max(Utc::now()),
    )
    .await?;
    sqlx::query(
        "UPDATE report_schedules
            SET next_run_at = $3, last_run_at = now(), last_error = $4, lease_until = '-infinity'
          WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(id)
    .bind(next_run_at)
    .bind(outcome.err())
    .execute(&mut *tx)
    .await
    .context("moving a schedule to its next run")?;
    realtime::publish(&mut tx, account_id, Signal::ReportSchedulesChanged).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}
