//! The work log: per agent and day, first sign-in, last sign-out, time
//! signed in, active and inactive time — the one active-time formula
//! applied day by day (a session across midnight counts on both days).

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use shared::reports::{
    DayStretch, ReportFilter, ReportKind, ReportTable, TableRow, WorkLogDay, WorkLogFigures,
    WorkLogRow,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

use super::{layout, scope};
use crate::activity::clock::{active_seconds, clipped_seconds};
use crate::activity::{sessions_in, SessionSpans};
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
    timeline: Vec<DayStretch>,
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
                    timeline: Vec::new(),
                });
            tally.first_login = tally.first_login.min(login);
            tally.last_logout = tally.last_logout.max(logout);
            tally.signed_in_now |= signed_in_now;
            tally.total += total;
            tally.active += active;
            tally
                .timeline
                .extend(stretches(spans, day_start, day_end, now));
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
                .map(|(date, mut tally)| WorkLogDay {
                    timeline: {
                        tally.timeline.sort_by_key(|s| s.from_minute);
                        tally.timeline
                    },
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

/// One session's part of a day as active stretches and inactivity
/// periods, in minutes from the day's start; what the formulas count as
/// active is the session minus its periods, and so is this.
fn stretches(
    spans: &SessionSpans,
    day_start: DateTime<Utc>,
    day_end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<DayStretch> {
    let start = spans.session.start.max(day_start);
    let end = spans.session.end.unwrap_or(now).min(day_end);
    let minute = |at: DateTime<Utc>| (at - day_start).num_minutes().clamp(0, 1440) as u16;
    let mut timeline = Vec::new();
    let mut push = |from: DateTime<Utc>, to: DateTime<Utc>, inactive| {
        if minute(from) < minute(to) {
            timeline.push(DayStretch {
                from_minute: minute(from),
                to_minute: minute(to),
                inactive,
            });
        }
    };
    let mut cursor = start;
    let mut periods: Vec<_> = spans.periods.iter().collect();
    periods.sort_by_key(|(_, span)| span.start);
    for (reason, span) in periods {
        let from = span.start.max(cursor);
        let to = span.end.unwrap_or(now).min(end);
        if from >= to {
            continue;
        }
        push(cursor, from, None);
        push(from, to, Some(*reason));
        cursor = to;
    }
    push(cursor, end, None);
    timeline
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
    use crate::activity::clock::Span;
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

    #[test]
    fn a_day_is_active_stretches_between_its_inactivity_periods() {
        use shared::activity::InactivityReason::{Away, Idle};
        let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 3, 10, h, m, 0).unwrap();
        let (day_start, day_end) = (at(3, 0), at(3, 0) + chrono::Duration::days(1));
        let stretch = |from, to, inactive| DayStretch {
            from_minute: from,
            to_minute: to,
            inactive,
        };
        // 08:00–12:00 local, idle 09:00–09:30, away from 11:30 (still open).
        let spans = SessionSpans {
            user_id: Uuid::nil(),
            session: Span::new(at(11, 0), Some(at(15, 0))),
            periods: vec![
                (Away, Span::new(at(14, 30), None)),
                (Idle, Span::new(at(12, 0), Some(at(12, 30)))),
            ],
        };
        assert_eq!(
            stretches(&spans, day_start, day_end, at(20, 0)),
            [
                stretch(480, 540, None),
                stretch(540, 570, Some(Idle)),
                stretch(570, 690, None),
                stretch(690, 720, Some(Away)),
            ]
        );
        // A session still open at 10:00 local, begun the day before.
        let open = SessionSpans {
            user_id: Uuid::nil(),
            session: Span::new(at(1, 0), None),
            periods: vec![],
        };
        assert_eq!(
            stretches(&open, day_start, day_end, at(13, 0)),
            [stretch(0, 600, None)]
        );
    }
}
