//! The manager dashboard's figures for a period: KPI cards against the
//! previous period of the same length, and the charts' data. Agents'
//! figures come from the reports' own functions (the same definitions);
//! conversation counts cover what the viewer may see: everything for
//! admins, their departments' conversations (or their agents') for
//! supervisors.

use anyhow::Context;
use shared::dashboard::{DashboardFigures, NamedCount};
use shared::reports::{DatePreset, ReportFilter};
use shared::{Permission, Role};

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::reports::{counts_by_agent, scope, Events, Scope};

mod charts;
mod kpis;

use charts::{per_category, per_day, per_hour, resolution_times};
use kpis::kpis;

/// Conversations the viewer may count: $1 account, $2 the supervisor's
/// departments (NULL: all), $3 their agents, $4..$5 the instants.
pub(crate) const CONVERSATIONS_IN_SCOPE: &str = "c.account_id = $1
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

pub(crate) struct ConversationScope {
    departments: Option<Vec<i64>>,
    timezone: String,
}
