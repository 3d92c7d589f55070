//! Idle analysis: per agent, how much of their signed-in time was not
//! active, and why (idle, hidden, away, heartbeat lost), with the number of
//! periods and the longest one.

use anyhow::Context;
use shared::activity::InactivityReason;
use shared::reports::{
    share, IdleFigures, IdleRow, ReportFilter, ReportKind, ReportTable, TableRow,
};
use std::collections::HashMap;
use uuid::Uuid;

use super::{layout, scope};
use crate::activity::clock::{active_seconds, clipped_seconds};
use crate::activity::sessions_in;
use crate::actor::Actor;
use crate::db::Db;
use crate::error::Result;

pub type IdleReport = shared::reports::Report<IdleRow, IdleFigures>;

pub async fn idle(db: &Db, viewer: &Actor, filter: &ReportFilter) -> Result<IdleReport> {
    let (mut tx, scope) = scope(db, viewer, filter).await?;
    let sessions = sessions_in(
        &mut tx,
        scope.account_id,
        &scope.agent_ids(),
        scope.start,
        scope.end,
    )
    .await?;
    tx.commit().await.context("commit")?;

    let (from, to, now) = (scope.start, scope.end, scope.now);
    let mut figures: HashMap<Uuid, IdleFigures> = HashMap::new();
    for spans in &sessions {
        let f = figures.entry(spans.user_id).or_default();
        let total = clipped_seconds(spans.session, from, to, now);
        let active = active_seconds(spans.session, &spans.inactive(), from, to, now);
        f.session_seconds += total;
        f.inactive_seconds += total - active;
        for &(reason, period) in &spans.periods {
            // Periods are cut to the session too: none counts outside it.
            let session_end = spans.session.end.unwrap_or(now);
            let seconds = clipped_seconds(
                period,
                from.max(spans.session.start),
                to.min(session_end),
                now,
            );
            if seconds == 0 {
                continue;
            }
            f.periods += 1;
            f.longest_period_seconds = f.longest_period_seconds.max(seconds);
            *match reason {
                InactivityReason::Idle => &mut f.idle_seconds,
                InactivityReason::Hidden => &mut f.hidden_seconds,
                InactivityReason::Away => &mut f.away_seconds,
                InactivityReason::HeartbeatLost => &mut f.heartbeat_lost_seconds,
            } += seconds;
        }
    }

    let mut totals = IdleFigures::default();
    let rows = scope
        .agents
        .into_iter()
        .map(|agent| {
            let mut figures = figures.remove(&agent.id).unwrap_or_default();
            figures.inactive_share = share(figures.inactive_seconds, figures.session_seconds);
            totals.add(&figures);
            IdleRow { agent, figures }
        })
        .collect();
    Ok(IdleReport {
        report: ReportKind::Idle,
        from: scope.from,
        to: scope.to,
        rows,
        totals,
    })
}

pub(super) fn table(report: IdleReport) -> ReportTable {
    layout(
        report.report,
        (report.from, report.to),
        IdleFigures::COLUMNS,
        1,
        report.totals.cells(),
        report.rows.into_iter().map(|row| TableRow {
            cells: row.figures.cells(),
            agent: row.agent,
            details: Vec::new(),
        }),
    )
}
