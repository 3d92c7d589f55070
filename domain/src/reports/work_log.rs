//! The work log: per agent and day, first sign-in, last sign-out, time
//! signed in, active and inactive time — the one active-time formula
//! applied day by day (a session across midnight counts on both days).

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
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

/// A day in the account's time zone: when it starts and ends, and how its
/// clock reads (a day the zone changes its offset has 23 or 25 hours).
#[derive(Clone, Copy)]
struct LocalDay {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    zone: Tz,
}

impl LocalDay {
    /// Minutes since local midnight by the wall clock; 1440 at the day's end.
    fn minute(&self, at: DateTime<Utc>) -> u16 {
        if at >= self.end {
            return 1440;
        }
        let local = at.max(self.start).with_timezone(&self.zone);
        (local.hour() * 60 + local.minute()) as u16
    }

    /// "08:21"; "24:00" for the day's very end.
    fn clock(&self, at: DateTime<Utc>) -> String {
        let minute = self.minute(at);
        format!("{:02}:{:02}", minute / 60, minute % 60)
    }
}

/// One agent's day as it adds up, session by session.
struct DayTally {
    day: LocalDay,
    first_login: DateTime<Utc>,
    last_logout: DateTime<Utc>,
    signed_in_now: bool,
    total: i64,
    active: i64,
    timeline: Vec<DayStretch>,
}

pub async fn work_log(db: &Db, viewer: &Actor, filter: &ReportFilter) -> Result<WorkLogReport> {
    let (mut tx, scope) = scope(db, viewer, filter).await?;
    let days: Vec<(NaiveDate, DateTime<Utc>, DateTime<Utc>, String)> = sqlx::query_as(
        "SELECT d::date, d AT TIME ZONE a.timezone, (d + interval '1 day') AT TIME ZONE a.timezone,
                a.timezone
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
    let days: Vec<(NaiveDate, LocalDay)> = days
        .into_iter()
        .map(|(date, start, end, zone)| {
            let zone = zone.parse().unwrap_or(Tz::UTC);
            (date, LocalDay { start, end, zone })
        })
        .collect();
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
        for &(date, day) in &days {
            let (day_start, day_end) = (day.start, day.end);
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
                    day,
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
            tally.timeline.extend(stretches(spans, day, now));
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
                    login: tally.day.clock(tally.first_login),
                    logout: (!tally.signed_in_now).then(|| tally.day.clock(tally.last_logout)),
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
fn stretches(spans: &SessionSpans, day: LocalDay, now: DateTime<Utc>) -> Vec<DayStretch> {
    let start = spans.session.start.max(day.start);
    let end = spans.session.end.unwrap_or(now).min(day.end);
    let minute = |at: DateTime<Utc>| day.minute(at);
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

    fn day(start: DateTime<Utc>, hours: i64, zone: Tz) -> LocalDay {
        LocalDay {
            start,
            end: start + chrono::Duration::hours(hours),
            zone,
        }
    }

    #[test]
    fn local_clock_reads_the_wall_clock_of_the_account_zone() {
        // Midnight in São Paulo is 03:00 UTC.
        let sao_paulo = day(
            Utc.with_ymd_and_hms(2026, 3, 10, 3, 0, 0).unwrap(),
            24,
            chrono_tz::America::Sao_Paulo,
        );
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 11, 21, 40).unwrap();
        assert_eq!(sao_paulo.clock(at), "08:21");
        assert_eq!(sao_paulo.clock(sao_paulo.end), "24:00");
        // New York springs forward at 02:00 on 8 March: 09:00 UTC is 05:00
        // by the clock, though only four hours after midnight (05:00 UTC).
        let new_york = day(
            Utc.with_ymd_and_hms(2026, 3, 8, 5, 0, 0).unwrap(),
            23,
            chrono_tz::America::New_York,
        );
        let at = Utc.with_ymd_and_hms(2026, 3, 8, 9, 0, 0).unwrap();
        assert_eq!(new_york.clock(at), "05:00");
        assert_eq!(new_york.clock(new_york.end), "24:00");
    }

    #[test]
    fn a_day_is_active_stretches_between_its_inactivity_periods() {
        use shared::activity::InactivityReason::{Away, Idle};
        let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 3, 10, h, m, 0).unwrap();
        let today = day(at(3, 0), 24, chrono_tz::America::Sao_Paulo);
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
            stretches(&spans, today, at(20, 0)),
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
        assert_eq!(stretches(&open, today, at(13, 0)), [stretch(0, 600, None)]);
    }
}
