//! Report files built in the background, so a long period or a large team
//! never holds a request open: the page asks for a file (`start`), a worker
//! on any instance claims it with a lease, reads the report as the
//! requester may see it when it runs, renders it off the async threads
//! while telling the requester's browsers how far it got, and keeps the
//! file for a day. A build an instance dropped is taken again when its
//! lease ends, up to three times.

use anyhow::Context;
use shared::reports::{
    ExportFailure, ExportRequest, ExportState, FileFormat, ReportExport, ReportFilter, ReportKind,
    MAX_PENDING_EXPORTS,
};
use shared::{Locale, Role};
use std::time::{Duration, Instant};
use uuid::Uuid;

use super::export::{content_type, render, ExportFile};
use super::{scope, table};
use crate::actor::Actor;
use crate::channels::webhooks::JOBS_CHANNEL;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::realtime::{self, Signal};

/// Long enough for the largest report; a build still unfinished after it
/// is taken again by any instance.
const LEASE_SECONDS: i32 = 300;
const MAX_ATTEMPTS: i32 = 3;
/// How long finished files are kept.
const KEEP_HOURS: i32 = 24;
/// Progress frames go out at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// Reading the figures ends here on the progress bar; rendering fills the
/// rest.
const READ_SHARE: u8 = 40;

#[derive(sqlx::FromRow)]
struct ExportRow {
    id: Uuid,
    report: ReportKind,
    format: FileFormat,
    state: ExportState,
    progress: i16,
    file_name: Option<String>,
    error: Option<ExportFailure>,
}

const EXPORT_COLUMNS: &str = "id, report, format, state, progress, file_name, error";

impl ExportRow {
    fn view(self) -> ReportExport {
        ReportExport {
            id: self.id,
            report: self.report,
            format: self.format,
            state: self.state,
            progress: self.progress.clamp(0, 100) as u8,
            file_name: self.file_name,
            error: self.error,
        }
    }
}

/// Queues a file of `request` for the viewer. Its period is resolved now
/// (a preset means the days it meant when asked), and a filter the viewer
/// may not use is refused now, not when it runs.
pub async fn start(db: &Db, viewer: &Actor, request: &ExportRequest) -> Result<ReportExport> {
    let (mut tx, scope) = scope(db, viewer, &request.filter).await?;
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM report_exports
          WHERE account_id = $1 AND requested_by = $2 AND state IN ('queued', 'running')",
    )
    .bind(viewer.account_id)
    .bind(viewer.user_id)
    .fetch_one(&mut *tx)
    .await
    .context("counting pending exports")?;
    if pending >= MAX_PENDING_EXPORTS {
        return Err(Error::Busy {
            retry_after_secs: 10,
        });
    }
    let filter = ReportFilter {
        preset: None,
        from: Some(scope.from),
        to: Some(scope.to),
        ..request.filter.clone()
    };
    let row: ExportRow = sqlx::query_as(&format!(
        "INSERT INTO report_exports (id, account_id, requested_by, report, format, filter, locale)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {EXPORT_COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(viewer.account_id)
    .bind(viewer.user_id)
    .bind(request.report)
    .bind(request.format)
    .bind(sqlx::types::Json(&filter))
    .bind(request.locale)
    .fetch_one(&mut *tx)
    .await
    .context("queueing an export")?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(JOBS_CHANNEL)
        .bind(WAKE_PAYLOAD)
        .execute(&mut *tx)
        .await
        .context("waking the workers")?;
    tx.commit().await.context("commit")?;
    Ok(row.view())
}

/// One of the viewer's own exports.
pub async fn find(db: &Db, viewer: &Actor, id: Uuid) -> Result<ReportExport> {
    let mut tx = db.tenant(viewer.account_id, Some(viewer.user_id)).await?;
    let row: Option<ExportRow> = sqlx::query_as(&format!(
        "SELECT {EXPORT_COLUMNS} FROM report_exports
          WHERE account_id = $1 AND id = $2 AND requested_by = $3"
    ))
    .bind(viewer.account_id)
    .bind(id)
    .bind(viewer.user_id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading an export")?;
    tx.commit().await.context("commit")?;
    row.map(ExportRow::view).ok_or(Error::NotFound)
}

/// The finished file of one of the viewer's own exports.
pub async fn file(db: &Db, viewer: &Actor, id: Uuid) -> Result<ExportFile> {
    let mut tx = db.tenant(viewer.account_id, Some(viewer.user_id)).await?;
    let row: Option<(String, FileFormat, Vec<u8>)> = sqlx::query_as(
        "SELECT file_name, format, content FROM report_exports
          WHERE account_id = $1 AND id = $2 AND requested_by = $3 AND state = 'done'",
    )
    .bind(viewer.account_id)
    .bind(id)
    .bind(viewer.user_id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading an export's file")?;
    tx.commit().await.context("commit")?;
    let (name, format, bytes) = row.ok_or(Error::NotFound)?;
    Ok(ExportFile {
        name,
        content_type: content_type(format),
        bytes,
    })
}

/// What a new export's NOTIFY on the jobs channel says, so that the export
/// builder wakes for exports only, not for every webhook stored.
pub const WAKE_PAYLOAD: &str = "report_export";

/// Builds the next waiting export, if any; returns how many were claimed.
pub async fn run_due(db: &Db) -> Result<usize> {
    let claimed: Vec<(Uuid, Uuid)> =
        sqlx::query_as("SELECT id, account_id FROM claim_report_exports(1, $1)")
            .bind(LEASE_SECONDS)
            .fetch_all(db.pool())
            .await
            .context("claiming an export")?;
    for (id, account_id) in &claimed {
        if let Err(err) = build(db, *account_id, *id).await {
            tracing::warn!(export = %id, error = ?err, "export failed; retried after its lease");
        }
    }
    Ok(claimed.len())
}

/// Forgets the files older than a day; returns how many.
pub async fn remove_old(db: &Db) -> Result<i32> {
    let removed =
        sqlx::query_scalar("SELECT remove_old_report_exports(make_interval(hours => $1))")
            .bind(KEEP_HOURS)
            .fetch_one(db.pool())
            .await
            .context("removing old exports")?;
    Ok(removed)
}

/// A claimed export, with what its build needs to know about its requester.
#[derive(sqlx::FromRow)]
struct Claimed {
    requested_by: Uuid,
    name: String,
    email: String,
    /// `None`: no longer an active member.
    role: Option<Role>,
    report: ReportKind,
    format: FileFormat,
    filter: sqlx::types::Json<ReportFilter>,
    locale: Locale,
    attempts: i32,
}

async fn build(db: &Db, account_id: Uuid, id: Uuid) -> Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    let claimed: Option<Claimed> = sqlx::query_as(
        "SELECT x.requested_by, u.name, u.email,
                (SELECT m.role FROM memberships m
                  WHERE m.account_id = x.account_id AND m.user_id = x.requested_by AND m.active) AS role,
                x.report, x.format, x.filter, x.locale, x.attempts
           FROM report_exports x JOIN users u ON u.id = x.requested_by
          WHERE x.account_id = $1 AND x.id = $2",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading a claimed export")?;
    tx.commit().await.context("commit")?;
    let Some(job) = claimed else {
        return Ok(()); // removed since it was claimed
    };
    let mut progress = Progress::new(db, account_id, id, job.requested_by);
    if job.attempts > MAX_ATTEMPTS {
        return progress.finish(Err(ExportFailure::Failed)).await;
    }
    let Some(role) = job.role else {
        return progress.finish(Err(ExportFailure::NotAllowed)).await;
    };
    let requester = Actor {
        user_id: job.requested_by,
        account_id,
        role,
        name: job.name,
        email: job.email,
        ip: None,
    };
    let filter = job.filter.0;
    let table = match table(db, &requester, job.report, &filter).await {
        Ok(table) => table,
        Err(Error::Forbidden) => return progress.finish(Err(ExportFailure::NotAllowed)).await,
        Err(Error::Validation(_)) => return progress.finish(Err(ExportFailure::Failed)).await,
        Err(err) => return Err(err),
    };
    progress.report(READ_SHARE).await;

    // Rendering a long PDF is CPU work: off the async threads, its share of
    // pages done coming back through a watch channel.
    let (shares, mut rendered) = tokio::sync::watch::channel(0.0_f32);
    let (format, locale) = (job.format, job.locale);
    let mut rendering = tokio::task::spawn_blocking(move || {
        render(&table, &filter, format, locale, &mut |share| {
            let _ = shares.send(share);
        })
    });
    let file = loop {
        tokio::select! {
            biased;
            file = &mut rendering => break file.context("rendering an export")?,
            changed = rendered.changed() => match changed {
                Ok(()) => {
                    let share = *rendered.borrow_and_update();
                    let rest = f32::from(100 - READ_SHARE - 5);
                    progress.report(READ_SHARE + (share * rest) as u8).await;
                }
                Err(_) => break (&mut rendering).await.context("rendering an export")?,
            },
        }
    };
    progress.finish(Ok(file)).await
}

type ExportQuery<'q> =
    sqlx::query::QueryAs<'q, sqlx::Postgres, ExportRow, sqlx::postgres::PgArguments>;

/// Tells the requester how an export is going: its row's progress and a
/// frame to their browsers, at most every [`PROGRESS_EVERY`].
struct Progress<'a> {
    db: &'a Db,
    account_id: Uuid,
    id: Uuid,
    requester: Uuid,
    last: Option<Instant>,
    percent: u8,
}

impl<'a> Progress<'a> {
    fn new(db: &'a Db, account_id: Uuid, id: Uuid, requester: Uuid) -> Self {
        Progress {
            db,
            account_id,
            id,
            requester,
            last: None,
            percent: 0,
        }
    }

    /// Progress is only for the eye: a failed update is logged, not fatal.
    async fn report(&mut self, percent: u8) {
        let due = self.last.is_none_or(|at| at.elapsed() >= PROGRESS_EVERY);
        if percent <= self.percent || !due {
            return;
        }
        (self.percent, self.last) = (percent, Some(Instant::now()));
        let update = self.update(
            "UPDATE report_exports SET progress = $3
              WHERE account_id = $1 AND id = $2 AND state = 'running'",
            |query| query.bind(i16::from(percent)),
        );
        if let Err(err) = update.await {
            tracing::warn!(export = %self.id, error = ?err, "export progress not recorded");
        }
    }

    /// Stores the file (or why there is none) and tells the requester.
    async fn finish(
        &mut self,
        outcome: std::result::Result<ExportFile, ExportFailure>,
    ) -> Result<()> {
        let (state, file_name, content, error) = match outcome {
            Ok(file) => (ExportState::Done, Some(file.name), Some(file.bytes), None),
            Err(failure) => (ExportState::Failed, None, None, Some(failure)),
        };
        self.update(
            "UPDATE report_exports
                SET state = $3, progress = CASE WHEN $3 = 'done' THEN 100 ELSE progress END,
                    file_name = $4, content = $5, error = $6, finished_at = now(),
                    lease_until = '-infinity'
              WHERE account_id = $1 AND id = $2",
            |query| query.bind(state).bind(file_name).bind(content).bind(error),
        )
        .await
        .map_err(Error::from)
    }

    /// Runs the update `sql` ($1 account, $2 export, then what `bind`
    /// adds) and publishes the export as it now stands to the requester.
    async fn update(
        &self,
        sql: &str,
        bind: impl for<'q> FnOnce(ExportQuery<'q>) -> ExportQuery<'q>,
    ) -> anyhow::Result<()> {
        let mut tx = self.db.tenant(self.account_id, None).await?;
        let sql = format!("{sql} RETURNING {EXPORT_COLUMNS}");
        let row = bind(sqlx::query_as(&sql).bind(self.account_id).bind(self.id))
            .fetch_optional(&mut *tx)
            .await
            .context("updating an export")?;
        if let Some(row) = row {
            let signal = Signal::ReportExportChanged {
                user_id: self.requester,
                export: row.view(),
            };
            realtime::publish(&mut tx, self.account_id, signal).await?;
        }
        tx.commit().await.context("commit")?;
        Ok(())
    }
}
