//! The dashboard's KPI cards: each figure for the period and the one before.

use anyhow::Context;
use shared::dashboard::{Kpi, KpiKey};
use shared::reports::{ProductivityCounts, ProductivityFigures};
use std::collections::HashMap;

use super::ConversationScope;
use crate::activity::clock::active_seconds;
use crate::activity::sessions_in;
use crate::db::Tx;
use crate::reports::Scope;

pub(super) async fn kpis(
    tx: &mut Tx,
    current: &Scope,
    previous: &Scope,
    conversations: &ConversationScope,
    counts: &HashMap<uuid::Uuid, ProductivityCounts>,
    previous_counts: &HashMap<uuid::Uuid, ProductivityCounts>,
) -> anyhow::Result<Vec<Kpi>> {
    let team = |counts: &HashMap<uuid::Uuid, ProductivityCounts>| {
        let mut total = ProductivityCounts::default();
        counts.values().for_each(|c| total.add(c));
        (ProductivityFigures::from(&total), total.resolved)
    };
    let ((now, resolved), (before, resolved_before)) = (team(counts), team(previous_counts));
    let (open, waiting): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE c.status = 'open' AND c.assignee_id IS NULL)
           FROM conversations c
          WHERE c.account_id = $1 AND c.status IN ('open', 'in_progress', 'waiting')
            AND ($2::bigint[] IS NULL OR c.department_id = ANY($2) OR c.assignee_id = ANY($3))",
    )
    .bind(current.account_id)
    .bind(conversations.departments.clone())
    .bind(current.agent_ids())
    .fetch_one(&mut **tx)
    .await
    .context("counting open conversations")?;
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
            count(conversations.count(tx, current).await?),
            count(conversations.count(tx, previous).await?),
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
            seconds(average_session_active(tx, current).await?),
            seconds(average_session_active(tx, previous).await?),
        ),
        // Surveys, AI and SLA arrive with later work: "—", never a guess.
        kpi(KpiKey::Csat, None, None),
        kpi(KpiKey::Sentiment, None, None),
        kpi(KpiKey::SlaCompliance, None, None),
    ])
}

/// Mean active time of the work sessions that started in the window.
async fn average_session_active(tx: &mut Tx, scope: &Scope) -> anyhow::Result<Option<i64>> {
    let sessions = sessions_in(
        tx,
        scope.account_id,
        &scope.agent_ids(),
        scope.start,
        scope.end,
    )
    .await?;
    let started: Vec<i64> = sessions
        .iter()
        .filter(|s| s.session.start >= scope.start)
        .map(|s| {
            active_seconds(
                s.session,
                &s.inactive(),
                s.session.start,
                scope.end,
                scope.now,
            )
        })
        .collect();
    Ok(shared::reports::average(
        started.iter().sum(),
        started.len() as i64,
    ))
}
