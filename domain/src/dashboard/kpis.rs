//! The dashboard's KPI cards: each figure for the period and the one before.

use shared::dashboard::{Kpi, KpiKey};
use shared::reports::{ProductivityCounts, ProductivityFigures};
use std::collections::HashMap;
use uuid::Uuid;

use super::quality::QualityFigures;
use super::ConversationScope;
use crate::activity::clock::active_seconds;
use crate::activity::sessions_in;
use crate::db::Tx;
use crate::reports::{BeforeAndAfter, Scope};

/// Conversations created in the period and in the one before.
pub(super) struct Created {
    pub now: i64,
    pub before: i64,
}

pub(super) async fn kpis(
    tx: &mut Tx,
    current: &Scope,
    previous: &Scope,
    conversations: &ConversationScope,
    outcomes: &BeforeAndAfter<HashMap<Uuid, ProductivityCounts>>,
    created: Created,
    quality: &QualityFigures,
) -> anyhow::Result<Vec<Kpi>> {
    let team = |counts: &HashMap<Uuid, ProductivityCounts>| {
        let mut total = ProductivityCounts::default();
        counts.values().for_each(|c| total.add(c));
        (ProductivityFigures::from(&total), total.resolved)
    };
    let ((now, resolved), (before, resolved_before)) =
        (team(&outcomes.after), team(&outcomes.before));
    let (open, waiting) = conversations.open_and_waiting(tx, current).await?;
    let sessions = average_session_active(tx, current, previous).await?;
    let sla = conversations.sla_compliance(tx, current, previous).await?;
    let seconds = |s: Option<i64>| s.map(|s| s as f64);
    let count = |n: i64| Some(n as f64);
    let kpi = |key, current, previous| Kpi {
        key,
        current,
        previous,
    };
    Ok(vec![
        kpi(
            KpiKey::ConversationsCreated,
            count(created.now),
            count(created.before),
        ),
        kpi(
            KpiKey::ConversationsResolved,
            count(resolved),
            count(resolved_before),
        ),
        kpi(KpiKey::OpenNow, count(open), None),
        kpi(KpiKey::WaitingNow, count(waiting), None),
        kpi(
            KpiKey::FirstResponse,
            seconds(now.first_response_seconds),
            seconds(before.first_response_seconds),
        ),
        kpi(
            KpiKey::Handling,
            seconds(now.handling_seconds),
            seconds(before.handling_seconds),
        ),
        kpi(
            KpiKey::Resolution,
            seconds(now.resolution_seconds),
            seconds(before.resolution_seconds),
        ),
        kpi(
            KpiKey::FirstContactResolution,
            now.first_contact_resolution,
            before.first_contact_resolution,
        ),
        kpi(
            KpiKey::ActiveSession,
            seconds(sessions.after),
            seconds(sessions.before),
        ),
        kpi(KpiKey::SlaCompliance, sla.after, sla.before),
        kpi(
            KpiKey::QualityScore,
            quality.score.after,
            quality.score.before,
        ),
        kpi(
            KpiKey::Sentiment,
            quality.sentiment.after,
            quality.sentiment.before,
        ),
        kpi(KpiKey::Csat, quality.csat.after, quality.csat.before),
    ])
}

/// Mean active time of the work sessions that started in each period,
/// counted up to that period's end; both periods from one read.
async fn average_session_active(
    tx: &mut Tx,
    current: &Scope,
    previous: &Scope,
) -> anyhow::Result<BeforeAndAfter<Option<i64>>> {
    let sessions = sessions_in(
        tx,
        current.account_id,
        &current.agent_ids(),
        previous.start,
        current.end,
    )
    .await?;
    let average_in = |period: &Scope| {
        let started: Vec<i64> = sessions
            .iter()
            .filter(|s| s.session.start >= period.start && s.session.start < period.end)
            .map(|s| {
                active_seconds(
                    s.session,
                    &s.inactive(),
                    s.session.start,
                    period.end,
                    period.now,
                )
            })
            .collect();
        shared::reports::average(started.iter().sum(), started.len() as i64)
    };
    Ok(BeforeAndAfter {
        before: average_in(previous),
        after: average_in(current),
    })
}
