//! The work log: per agent and day, first sign-in, last sign-out, time
//! signed in, active and inactive time — the one active-time formula
//! applied day by day (a session across midnight counts on both days).

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use shared::reports::{
    ReportFilter, ReportKind, ReportTable, TableRow, WorkLogDay, WorkLogFigures, WorkLogRow,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

use super::{layout, scope};
use crate::activity::clock::{active_seconds, clipped_seconds};
use crate::activity::sessions_in;
use crate::actor::Actor;
use crate::db::Db;
use crate::error::Result;

pub type WorkLogReport = shared::reports::Report<WorkLogRow, WorkLogFigures>;

/// One agent's day as it adds up, session by session.
struct DayTally {
    start: DateTime<Utc>,
    first_login: DateTime<Utc>,
    last_logout: DateTime<Utc>,
    signed_in_now: bool,
    total: i64,
    active: i64,
}

pub async fn work_log(db: &Db, viewer: &Actor, filter: &ReportFilter) -> Result<WorkLogReport> {
    let (mut tx, scope) = scope(db, viewer, filter).await?;
    let days: Vec<(NaiveDate, DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT d::date, d AT TIME ZONE a.timezone, (d + interval '1 day') AT TIME ZONE a.timezone
           FROM accounts a,
                generate_series($2::date::timestamp, $3::date::timestamp, interval '1 day') d
          WHERE a.id = $1 ORDER BY d",
    )
    .bind(scope.account_id)
    .bind(scope.from)
    .bind(scope.to)
    .fetch_all(&mut *tx)
    .await
    .context("listing the report's days")?;
    let sessions = sessions_in(
        &mut tx,
        scope.account_id,
        &scope.agent_ids(),
        scope.start,
        scope.end,
    )
    .await?;
    tx.commit().await.context("commit")?;

    let now = scope.now;
    let mut tallies: HashMap<Uuid, BTreeMap<NaiveDate, DayTally>> = HashMap::new();
    let mut session_counts: HashMap<Uuid, i64> = HashMap::new();
    for spans in &sessions {
        if spans.session.start >= scope.start {
            *session_counts.entry(spans.user_id).or_default() += 1;
        }
        let inactive = spans.inactive();
        for &(date, day_start, day_end) in &days {
            let total = clipped_seconds(spans.session, day_start, day_end, now);
            if total == 0 {
                continue;
            }
            let active = active_seconds(spans.session, &inactive, day_start, day_end, now);
            let login = spans.session.start.max(day_start);
            let logout = spans.session.end.unwrap_or(now).min(day_end);
            let signed_in_now = spans.session.end.is_none() && now < day_end;
            let tally = tallies
                .entry(spans.user_id)
                .or_default()
                .entry(date)
                .or_insert(DayTally {
                    start: day_start,
                    first_login: login,
                    last_logout: logout,
                    signed_in_now: false,
                    total: 0,
                    active: 0,
                });
            tally.first_login = tally.first_login.min(login);
            tally.last_logout = tally.last_logout.max(logout);
            tally.signed_in_now |= signed_in_now;
            tally.total += total;
            tally.active += active;
        }
    }

    let mut totals = WorkLogFigures::default();
    let rows = scope
        .agents
        .into_iter()
        .map(|agent| {
            let days: Vec<WorkLogDay> = tallies
                .remove(&agent.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(date, tally)| WorkLogDay {
                    date,
                    login: clock_of_day(tally.start, tally.first_login),
                    logout: (!tally.signed_in_now)
                        .then(|| clock_of_day(tally.start, tally.last_logout)),
                    total_seconds: tally.total,
                    active_seconds: tally.active,
                    inactive_seconds: tally.total - tally.active,
                })
                .collect();
            let figures = WorkLogFigures {
                days_worked: days.len() as i64,
                sessions: session_counts.get(&agent.id).copied().unwrap_or(0),
                total_seconds: days.iter().map(|d| d.total_seconds).sum(),
                active_seconds: days.iter().map(|d| d.active_seconds).sum(),
                inactive_seconds: days.iter().map(|d| d.inactive_seconds).sum(),
            };
            totals.add(&figures);
            WorkLogRow {
                agent,
                figures,
                days,
            }
        })
        .collect();
    Ok(WorkLogReport {
        report: ReportKind::WorkLog,
        from: scope.from,
        to: scope.to,
        rows,
        totals,
    })
}

/// "08:21": the local time of `at` on the day starting at `day_start`
/// (exact but on the rare day a time zone changes its offset); "24:00" for
/// the day's very end.
fn clock_of_day(day_start: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let minutes = (at - day_start).num_minutes().max(0);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

pub(super) fn table(report: WorkLogReport) -> ReportTable {
    layout(
        report.report,
        (report.from, report.to),
        WorkLogFigures::COLUMNS,
        3,
        report.totals.cells(),
        report.rows.into_iter().map(|row| TableRow {
            cells: row.figures.cells(),
            agent: row.agent,
            details: row.days,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_clock_counts_from_the_day_start() {
        // Midnight in São Paulo is 03:00 UTC.
        let day_start = Utc.with_ymd_and_hms(2026, 3, 10, 3, 0, 0).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 11, 21, 40).unwrap();
        assert_eq!(clock_of_day(day_start, at), "08:21");
        let next_midnight = Utc.with_ymd_and_hms(2026, 3, 11, 3, 0, 0).unwrap();
        assert_eq!(clock_of_day(day_start, next_midnight), "24:00");
    }
}
