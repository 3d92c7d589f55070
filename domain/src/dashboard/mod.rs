//! The manager dashboard's figures for a period: KPI cards against the
//! previous period of the same length, and the charts' data. Agents'
//! figures come from the reports' own functions (the same definitions);
//! conversation counts cover what the viewer may see: everything for
//! admins, their departments' conversations (or their agents') for
//! supervisors.

use anyhow::Context;
use shared::dashboard::{DashboardFigures, NamedCount};
use shared::reports::{DatePreset, ReportFilter};
use shared::Permission;

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::reports::{outcomes_by_agent, scope, Scope};

mod charts;
mod conversations;
mod kpis;
mod quality;

use charts::{per_category, per_day, per_hour, resolution_times};
use conversations::ConversationScope;
use kpis::{kpis, Created};

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
    let both_periods = Scope {
        start: previous.start,
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

    let outcomes = outcomes_by_agent(&mut tx, &both_periods, current.start).await?;
    let new = conversations.new_in(&mut tx, &current).await?;
    let created = Created {
        now: new.total,
        before: conversations.count(&mut tx, &previous).await?,
    };
    let quality = conversations.quality(&mut tx, &current, &previous).await?;
    let kpis = kpis(
        &mut tx,
        &current,
        &previous,
        &conversations,
        &outcomes,
        created,
        &quality,
    )
    .await?;
    let per_agent = {
        let mut resolved: Vec<NamedCount> = current
            .agents
            .iter()
            .map(|agent| NamedCount {
                name: agent.name.clone(),
                count: outcomes.after.get(&agent.id).map_or(0, |c| c.resolved),
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
        per_day: per_day(&mut tx, &current, &conversations.timezone, &new.per_day).await?,
        per_channel: new.per_channel,
        per_department: new.per_department,
        per_agent,
        per_hour: per_hour(&mut tx, &current, &conversations.timezone).await?,
        resolution_times: resolution_times(&mut tx, &current).await?,
        per_category: per_category(&mut tx, &current).await?,
        heatmap: new.heatmap,
        quality_scores: quality.spread,
    };
    tx.commit().await.context("commit")?;
    Ok(figures)
}

/// The departments whose conversations the viewer's figures cover, by the
/// visibility rule's reach: `None` is every one (admins, and supervisors
/// not held to their departments).
async fn viewer_departments(tx: &mut Tx, viewer: &Actor) -> Result<Option<Vec<i64>>> {
    Ok(crate::access::scope_in(tx, viewer)
        .await?
        .departments
        .as_sql())
}
