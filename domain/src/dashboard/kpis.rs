//! The dashboard's KPI cards: each figure for the period and the one before.

use shared::dashboard::{Kpi, KpiKey};
use shared::reports::{ProductivityCounts, ProductivityFigures};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

use super::quality::QualityFigures;
use super::ConversationScope;
use crate::activity::clock::{active_seconds, clipped_seconds};
use crate::activity::{sessions_in, SessionSpans};
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
    let work = sessions_in(
        tx,
        current.account_id,
        &current.agent_ids(),
        previous.start,
        current.end,
    )
    .await?;
    let sessions = BeforeAndAfter {
        before: average_session_active(&work, previous),
        after: average_session_active(&work, current),
    };
    let (agents, agents_before) = (
        agents_at_work(&work, current),
        agents_at_work(&work, previous),
    );
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
            KpiKey::AgentsActive,
            count(agents.active),
            count(agents_before.active),
        ),
        kpi(
            KpiKey::AgentsIdle,
            count(agents.idle),
            count(agents_before.idle),
        ),
        kpi(
            KpiKey::AgentsOffline,
            count(agents.offline),
            count(agents_before.offline),
        ),
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

/// Mean active time of the work sessions that started in `period`, counted
/// up to its end.
fn average_session_active(sessions: &[SessionSpans], period: &Scope) -> Option<i64> {
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
}

/// How many of the period's agents worked in it (some active time), had
/// idle time (any inactivity period) and never signed in.
#[derive(Debug, PartialEq, Eq)]
struct AgentsAtWork {
    active: i64,
    idle: i64,
    offline: i64,
}

fn agents_at_work(sessions: &[SessionSpans], period: &Scope) -> AgentsAtWork {
    let within = |span| clipped_seconds(span, period.start, period.end, period.now) > 0;
    let mut present = HashSet::new();
    let mut active = HashSet::new();
    let mut idle = HashSet::new();
    for s in sessions.iter().filter(|s| within(s.session)) {
        present.insert(s.user_id);
        let inactive = s.inactive();
        if active_seconds(s.session, &inactive, period.start, period.end, period.now) > 0 {
            active.insert(s.user_id);
        }
        if inactive.iter().any(|span| within(*span)) {
            idle.insert(s.user_id);
        }
    }
    let offline = period
        .agents
        .iter()
        .filter(|a| !present.contains(&a.id))
        .count();
    AgentsAtWork {
        active: active.len() as i64,
        idle: idle.len() as i64,
        offline: offline as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::clock::Span;
    use chrono::{DateTime, NaiveDate, TimeZone, Utc};
    use shared::activity::InactivityReason;
    use shared::reports::ReportAgent;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
    }

    fn agent(n: u128) -> ReportAgent {
        ReportAgent {
            id: Uuid::from_u128(n),
            name: format!("Agente {n}"),
            email: format!("a{n}@example.com"),
        }
    }

    fn period(start: u32, end: u32) -> Scope {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        Scope {
            account_id: Uuid::nil(),
            from: day,
            to: day,
            start: at(start),
            end: at(end),
            now: at(23),
            agents: (1..=4).map(agent).collect(),
            channels: Vec::new(),
            categories: Vec::new(),
        }
    }

    fn session(user: u128, from: u32, to: u32, idle: &[(u32, u32)]) -> SessionSpans {
        SessionSpans {
            user_id: Uuid::from_u128(user),
            session: Span::new(at(from), Some(at(to))),
            periods: idle
                .iter()
                .map(|&(a, b)| (InactivityReason::Idle, Span::new(at(a), Some(at(b)))))
                .collect(),
        }
    }

    #[test]
    fn agents_count_once_each_as_working_idle_or_never_signed_in() {
        let sessions = [
            // 1: two sessions, idle in the second.
            session(1, 8, 10, &[]),
            session(1, 11, 14, &[(12, 13)]),
            // 2: signed in but idle the whole time.
            session(2, 9, 10, &[(9, 10)]),
            // 3: worked before the period only.
            session(3, 5, 7, &[]),
            // 4: nothing.
        ];
        assert_eq!(
            agents_at_work(&sessions, &period(8, 18)),
            AgentsAtWork {
                active: 1,
                idle: 2,
                offline: 2
            }
        );
        // The earlier period: only agent 3 worked.
        assert_eq!(
            agents_at_work(&sessions, &period(0, 8)),
            AgentsAtWork {
                active: 1,
                idle: 0,
                offline: 3
            }
        );
    }
}
