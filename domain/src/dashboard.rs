//! The manager dashboard's figures for a period: KPI cards against the
//! previous period of the same length, and the charts' data. Agents'
//! figures come from the reports' own functions (the same definitions);
//! conversation counts cover what the viewer may see: everything for
//! admins, their departments' conversations (or their agents') for
//! supervisors.

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use shared::dashboard::{
    resolution_bucket, DashboardFigures, DayCount, Kpi, KpiKey, NamedCount, RESOLUTION_BUCKETS,
};
use shared::reports::{DatePreset, ProductivityCounts, ProductivityFigures, ReportFilter};
use shared::{Permission, Role};
use std::collections::HashMap;

use crate::activity::clock::active_seconds;
use crate::activity::sessions_in;
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::reports::{counts_by_agent, scope, Events, Scope, EVENTS_IN_SCOPE};

/// Conversations the viewer may count: $1 account, $2 the supervisor's
/// departments (NULL: all), $3 their agents, $4..$5 the instants.
const CONVERSATIONS_IN_SCOPE: &str = "c.account_id = $1
    AND ($2::bigint[] IS NULL OR c.department_id = ANY($2) OR c.assignee_id = ANY($3))
    AND c.created_at >= $4 AND c.created_at < $5";

pub async fn figures(db: &Db, viewer: &Actor, period: DatePreset) -> Result<DashboardFigures> {
    viewer.require(Permission::ViewDashboard)?;
    let filter = ReportFilter {
        preset: Some(period),
        ..ReportFilter::default()
    };
    let (mut tx, current) = scope(db, viewer, &filter).await?;
    let length = current.end - current.start;
    let previous = Scope {
        start: current.start - length,
        end: current.start,
        ..current.clone()
    };
    let departments = viewer_departments(&mut tx, viewer).await?;
    let timezone: String = sqlx::query_scalar("SELECT timezone FROM accounts WHERE id = $1")
        .bind(viewer.account_id)
        .fetch_one(&mut *tx)
        .await
        .context("reading the time zone")?;
    let conversations = ConversationScope {
        departments,
        timezone,
    };

    let counts = counts_by_agent(&mut tx, &current, Events::Outcomes).await?;
    let previous_counts = counts_by_agent(&mut tx, &previous, Events::Outcomes).await?;
    let kpis = kpis(
        &mut tx,
        &current,
        &previous,
        &conversations,
        &counts,
        &previous_counts,
    )
    .await?;
    let per_agent = {
        let mut resolved: Vec<NamedCount> = current
            .agents
            .iter()
            .map(|agent| NamedCount {
                name: agent.name.clone(),
                count: counts.get(&agent.id).map_or(0, |c| c.resolved),
            })
            .collect();
        resolved.sort_by_key(|b| std::cmp::Reverse(b.count));
        resolved
    };
    let figures = DashboardFigures {
        period,
        from: current.from,
        to: current.to,
        kpis,
        per_day: per_day(&mut tx, &current, &conversations).await?,
        per_channel: conversations
            .per_named(
                &mut tx,
                &current,
                "ch.name",
                "JOIN channels ch ON ch.id = c.channel_id",
            )
            .await?,
        per_department: conversations
            .per_named(
                &mut tx,
                &current,
                "coalesce(d.name, '')",
                "LEFT JOIN departments d ON d.id = c.department_id",
            )
            .await?,
        per_agent,
        per_hour: per_hour(&mut tx, &current, &conversations.timezone).await?,
        resolution_times: resolution_times(&mut tx, &current).await?,
        per_category: per_category(&mut tx, &current).await?,
        heatmap: conversations.heatmap(&mut tx, &current).await?,
    };
    tx.commit().await.context("commit")?;
    Ok(figures)
}

/// `None` for admins (every conversation); a supervisor's departments.
async fn viewer_departments(tx: &mut Tx, viewer: &Actor) -> anyhow::Result<Option<Vec<i64>>> {
    if viewer.role == Role::GlobalAdmin {
        return Ok(None);
    }
    let ids = sqlx::query_scalar("SELECT department_id FROM department_members WHERE user_id = $1")
        .bind(viewer.user_id)
        .fetch_all(&mut **tx)
        .await
        .context("reading the viewer's departments")?;
    Ok(Some(ids))
}

struct ConversationScope {
    departments: Option<Vec<i64>>,
    timezone: String,
}

impl ConversationScope {
    fn bind<'q>(
        &'q self,
        sql: &'q str,
        scope: &Scope,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        sqlx::query(sql)
            .bind(scope.account_id)
            .bind(self.departments.clone())
            .bind(scope.agent_ids())
            .bind(start)
            .bind(end)
    }

    async fn count(&self, tx: &mut Tx, scope: &Scope) -> anyhow::Result<i64> {
        let sql = format!("SELECT count(*) FROM conversations c WHERE {CONVERSATIONS_IN_SCOPE}");
        let row = self
            .bind(&sql, scope, scope.start, scope.end)
            .fetch_one(&mut **tx)
            .await?;
        Ok(sqlx::Row::get(&row, 0))
    }

    async fn per_named(
        &self,
        tx: &mut Tx,
        scope: &Scope,
        name: &str,
        join: &str,
    ) -> anyhow::Result<Vec<NamedCount>> {
        let sql = format!(
            "SELECT {name} AS name, count(*) AS n FROM conversations c {join}
              WHERE {CONVERSATIONS_IN_SCOPE} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 12"
        );
        let rows = self
            .bind(&sql, scope, scope.start, scope.end)
            .fetch_all(&mut **tx)
            .await
            .context("counting conversations by group")?;
        Ok(rows
            .iter()
            .map(|row| NamedCount {
                name: sqlx::Row::get(row, 0),
                count: sqlx::Row::get(row, 1),
            })
            .collect())
    }

    async fn heatmap(&self, tx: &mut Tx, scope: &Scope) -> anyhow::Result<Vec<Vec<i64>>> {
        let sql = format!(
            "SELECT extract(isodow FROM c.created_at AT TIME ZONE $6)::int,
                    extract(hour FROM c.created_at AT TIME ZONE $6)::int, count(*)
               FROM conversations c WHERE {CONVERSATIONS_IN_SCOPE} GROUP BY 1, 2"
        );
        let rows = self
            .bind(&sql, scope, scope.start, scope.end)
            .bind(&self.timezone)
            .fetch_all(&mut **tx)
            .await
            .context("counting conversations by weekday and hour")?;
        let mut grid = vec![vec![0; 24]; 7];
        for row in rows {
            let (weekday, hour, n): (i32, i32, i64) = (
                sqlx::Row::get(&row, 0),
                sqlx::Row::get(&row, 1),
                sqlx::Row::get(&row, 2),
            );
            if let Some(cell) = grid
                .get_mut((weekday - 1) as usize)
                .and_then(|day| day.get_mut(hour as usize))
            {
                *cell = n;
            }
        }
        Ok(grid)
    }
}

async fn kpis(
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

async fn per_day(
    tx: &mut Tx,
    scope: &Scope,
    conversations: &ConversationScope,
) -> anyhow::Result<Vec<DayCount>> {
    let sql = format!(
        "SELECT (c.created_at AT TIME ZONE $6)::date, count(*) FROM conversations c
          WHERE {CONVERSATIONS_IN_SCOPE} GROUP BY 1"
    );
    let created: HashMap<NaiveDate, i64> = conversations
        .bind(&sql, scope, scope.start, scope.end)
        .bind(&conversations.timezone)
        .fetch_all(&mut **tx)
        .await
        .context("counting new conversations per day")?
        .iter()
        .map(|row| (sqlx::Row::get(row, 0), sqlx::Row::get(row, 1)))
        .collect();
    let resolved: HashMap<NaiveDate, i64> = sqlx::query_as(&format!(
        "SELECT (e.occurred_at AT TIME ZONE $7)::date, count(*) FROM productivity_events e
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE} GROUP BY 1"
    ))
    .bind(scope.account_id)
    .bind(scope.agent_ids())
    .bind(scope.start)
    .bind(scope.end)
    .bind(&scope.channels)
    .bind(&scope.categories)
    .bind(&conversations.timezone)
    .fetch_all(&mut **tx)
    .await
    .context("counting resolutions per day")?
    .into_iter()
    .collect();
    let days = (scope.to - scope.from).num_days();
    Ok((0..=days)
        .map(|n| {
            let date = scope.from + Duration::days(n);
            DayCount {
                date,
                created: created.get(&date).copied().unwrap_or(0),
                resolved: resolved.get(&date).copied().unwrap_or(0),
            }
        })
        .collect())
}

/// Agents' replies per hour of the day, from the hourly tally kept as they
/// are recorded (migration 0010).
async fn per_hour(tx: &mut Tx, scope: &Scope, timezone: &str) -> anyhow::Result<Vec<i64>> {
    let rows: Vec<(i32, i64)> = sqlx::query_as(
        "SELECT extract(hour FROM h.hour AT TIME ZONE $5)::int, sum(h.messages)::bigint
           FROM agent_hourly_messages h
          WHERE h.account_id = $1 AND h.user_id = ANY($2) AND h.hour >= $3 AND h.hour < $4
          GROUP BY 1",
    )
    .bind(scope.account_id)
    .bind(scope.agent_ids())
    .bind(scope.start)
    .bind(scope.end)
    .bind(timezone)
    .fetch_all(&mut **tx)
    .await
    .context("counting messages per hour")?;
    let mut hours = vec![0; 24];
    for (hour, n) in rows {
        if let Some(slot) = hours.get_mut(hour as usize) {
            *slot = n;
        }
    }
    Ok(hours)
}

async fn resolution_times(tx: &mut Tx, scope: &Scope) -> anyhow::Result<Vec<i64>> {
    let seconds: Vec<Option<i32>> = sqlx::query_scalar(&format!(
        "SELECT e.seconds FROM productivity_events e
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE}"
    ))
    .bind(scope.account_id)
    .bind(scope.agent_ids())
    .bind(scope.start)
    .bind(scope.end)
    .bind(&scope.channels)
    .bind(&scope.categories)
    .fetch_all(&mut **tx)
    .await
    .context("reading resolution times")?;
    let mut buckets = vec![0; RESOLUTION_BUCKETS.len()];
    for s in seconds.into_iter().flatten() {
        buckets[resolution_bucket(i64::from(s))] += 1;
    }
    Ok(buckets)
}

async fn per_category(tx: &mut Tx, scope: &Scope) -> anyhow::Result<Vec<NamedCount>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT c.name, count(*) FROM productivity_events e
           JOIN conversation_categories cc ON cc.conversation_id = e.conversation_id
           JOIN categories c ON c.id = cc.category_id
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE}
          GROUP BY c.name ORDER BY 2 DESC, 1 LIMIT 12"
    ))
    .bind(scope.account_id)
    .bind(scope.agent_ids())
    .bind(scope.start)
    .bind(scope.end)
    .bind(&scope.channels)
    .bind(&scope.categories)
    .fetch_all(&mut **tx)
    .await
    .context("counting resolutions per category")?;
    Ok(rows
        .into_iter()
        .map(|(name, count)| NamedCount { name, count })
        .collect())
}
