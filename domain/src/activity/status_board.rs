//! Who is working right now: each agent's status, since when, active time
//! today and open conversations. Admins see everyone; supervisors, the
//! agents of their departments; anyone else, only themselves.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::activity::{AgentStatus, AgentStatusView, InactivityReason};
use shared::{Permission, Role};
use std::collections::HashMap;
use uuid::Uuid;

use super::clock::{active_seconds, Span};
use super::db_now;
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::Result;

/// Whether a viewer may watch an agent's activity and figures: admins
/// everyone, managers the teammates of their departments, anyone
/// themselves. The real-time hub applies it to each status change;
/// [`visible_agents`] says the same in SQL (tests/it/activity.rs pins the
/// two to one matrix).
pub fn may_watch(
    viewer: (Uuid, Role),
    viewer_departments: &[i64],
    agent: Uuid,
    agent_departments: &[i64],
) -> bool {
    let (viewer_id, role) = viewer;
    role == Role::GlobalAdmin
        || viewer_id == agent
        || (role.can(Permission::ViewDashboard)
            && agent_departments
                .iter()
                .any(|d| viewer_departments.contains(d)))
}

/// Whose figures `viewer` may see: `None` is everyone in the account.
pub(crate) async fn visible_agents(
    tx: &mut Tx,
    viewer: &Actor,
) -> anyhow::Result<Option<Vec<Uuid>>> {
    if viewer.role == Role::GlobalAdmin {
        return Ok(None);
    }
    if !viewer.can(Permission::ViewDashboard) {
        return Ok(Some(vec![viewer.user_id]));
    }
    let mut ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT teammate.user_id
           FROM department_members mine
           JOIN department_members teammate ON teammate.department_id = mine.department_id
          WHERE mine.user_id = $1",
    )
    .bind(viewer.user_id)
    .fetch_all(&mut **tx)
    .await
    .context("reading the supervisor's teams")?;
    if !ids.contains(&viewer.user_id) {
        ids.push(viewer.user_id);
    }
    Ok(Some(ids))
}

#[derive(sqlx::FromRow)]
struct AgentRow {
    user_id: Uuid,
    name: String,
    email: String,
    session_id: Option<i64>,
    period_reason: Option<InactivityReason>,
    period_started_at: Option<DateTime<Utc>>,
    last_change_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct TodaySession {
    id: i64,
    user_id: Uuid,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
}

pub async fn agent_statuses(db: &Db, viewer: &Actor) -> Result<Vec<AgentStatusView>> {
    let mut tx = db.tenant(viewer.account_id, Some(viewer.user_id)).await?;
    let visible = visible_agents(&mut tx, viewer).await?;
    let now = db_now(&mut tx).await?;
    // The open session's open period gives the status; otherwise the last
    // change is when the period or the session last ended.
    let agents: Vec<AgentRow> = sqlx::query_as(
        "SELECT m.user_id, u.name, u.email, w.id AS session_id,
                p.reason AS period_reason, p.started_at AS period_started_at,
                CASE WHEN w.id IS NULL
                     THEN (SELECT max(ended_at) FROM work_sessions e
                            WHERE e.account_id = m.account_id AND e.user_id = m.user_id)
                     ELSE greatest(w.started_at, (SELECT max(ended_at) FROM inactivity_periods q
                                                   WHERE q.work_session_id = w.id))
                END AS last_change_at
           FROM memberships m
           JOIN users u ON u.id = m.user_id
      LEFT JOIN work_sessions w
             ON w.account_id = m.account_id AND w.user_id = m.user_id AND w.ended_at IS NULL
      LEFT JOIN inactivity_periods p ON p.work_session_id = w.id AND p.ended_at IS NULL
          WHERE m.account_id = $1 AND m.active AND m.role NOT IN ('auditor', 'bot')
            AND ($2::uuid[] IS NULL OR m.user_id = ANY($2))
          ORDER BY lower(u.name)",
    )
    .bind(viewer.account_id)
    .bind(visible.as_deref())
    .fetch_all(&mut *tx)
    .await
    .context("reading agents' statuses")?;
    let user_ids: Vec<Uuid> = agents.iter().map(|a| a.user_id).collect();
    let today_start: DateTime<Utc> = sqlx::query_scalar(
        "SELECT (date_trunc('day', now() AT TIME ZONE timezone) AT TIME ZONE timezone) FROM accounts WHERE id = $1",
    )
    .bind(viewer.account_id)
    .fetch_one(&mut *tx)
    .await
    .context("finding the start of today")?;
    let active_today =
        active_seconds_by_agent(&mut tx, viewer.account_id, &user_ids, today_start, now).await?;
    let open_conversations: HashMap<Uuid, i64> = sqlx::query_as(
        "SELECT assignee_id, count(*) FROM conversations
          WHERE account_id = $1 AND assignee_id = ANY($2) AND status IN ('open', 'in_progress', 'waiting')
          GROUP BY assignee_id",
    )
    .bind(viewer.account_id)
    .bind(&user_ids)
    .fetch_all(&mut *tx)
    .await
    .context("counting open conversations")?
    .into_iter()
    .collect();
    tx.commit().await.context("commit")?;
    Ok(agents
        .into_iter()
        .map(|agent| {
            let status = match (agent.session_id, agent.period_reason) {
                (None, _) => AgentStatus::Offline,
                (Some(_), None) => AgentStatus::Active,
                (Some(_), Some(reason)) => reason.status(),
            };
            AgentStatusView {
                user_id: agent.user_id,
                name: agent.name,
                email: agent.email,
                status,
                status_since: agent.period_started_at.or(agent.last_change_at),
                active_seconds_today: active_today.get(&agent.user_id).copied().unwrap_or(0),
                open_conversations: open_conversations.get(&agent.user_id).copied().unwrap_or(0),
                as_of: now,
            }
        })
        .collect())
}

/// A work session with its inactivity periods, as the formulas take them.
pub(crate) struct SessionSpans {
    pub user_id: Uuid,
    pub session: Span,
    pub periods: Vec<(InactivityReason, Span)>,
}

impl SessionSpans {
    pub fn inactive(&self) -> Vec<Span> {
        self.periods.iter().map(|(_, span)| *span).collect()
    }
}

/// Every work session of `user_ids` that overlaps `[from, to)`, with its
/// inactivity periods: two queries whatever the number of agents.
pub(crate) async fn sessions_in(
    tx: &mut Tx,
    account_id: Uuid,
    user_ids: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<Vec<SessionSpans>> {
    let sessions: Vec<TodaySession> = sqlx::query_as(
        "SELECT id, user_id, started_at, ended_at FROM work_sessions
          WHERE account_id = $1 AND user_id = ANY($2)
            AND started_at < $4 AND (ended_at IS NULL OR ended_at > $3)
          ORDER BY started_at",
    )
    .bind(account_id)
    .bind(user_ids)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await
    .context("reading work sessions")?;
    let session_ids: Vec<i64> = sessions.iter().map(|s| s.id).collect();
    type PeriodRow = (i64, DateTime<Utc>, Option<DateTime<Utc>>, InactivityReason);
    let periods: Vec<PeriodRow> = sqlx::query_as(
        "SELECT work_session_id, started_at, ended_at, reason FROM inactivity_periods
          WHERE work_session_id = ANY($1)",
    )
    .bind(&session_ids)
    .fetch_all(&mut **tx)
    .await
    .context("reading inactivity periods")?;
    let mut periods_by_session: HashMap<i64, Vec<(InactivityReason, Span)>> = HashMap::new();
    for (session_id, start, end, reason) in periods {
        periods_by_session
            .entry(session_id)
            .or_default()
            .push((reason, Span::new(start, end)));
    }
    Ok(sessions
        .into_iter()
        .map(|session| SessionSpans {
            user_id: session.user_id,
            session: Span::new(session.started_at, session.ended_at),
            periods: periods_by_session.remove(&session.id).unwrap_or_default(),
        })
        .collect())
}

/// Active seconds per agent within `[from, to)`, by the one formula.
pub(crate) async fn active_seconds_by_agent(
    tx: &mut Tx,
    account_id: Uuid,
    user_ids: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<HashMap<Uuid, i64>> {
    let sessions = sessions_in(tx, account_id, user_ids, from, to).await?;
    let now = db_now(tx).await?;
    let mut totals = HashMap::new();
    for spans in sessions {
        let seconds = active_seconds(spans.session, &spans.inactive(), from, to, now);
        *totals.entry(spans.user_id).or_insert(0) += seconds;
    }
    Ok(totals)
}
