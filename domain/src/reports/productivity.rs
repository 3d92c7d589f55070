//! Productivity: per agent, the conversations they worked on, resolutions,
//! replies, and the mean first-response, handling and resolution times and
//! first-contact resolution — all from the productivity events recorded
//! when the work happened.

use anyhow::Context;
use shared::reports::{
    ProductivityCounts, ProductivityFigures, ProductivityRow, ReportFilter, ReportKind,
    ReportTable, TableRow,
};
use std::collections::HashMap;
use uuid::Uuid;

use super::{layout, scope, Scope, EVENTS_IN_SCOPE};
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::Result;

pub type ProductivityReport = shared::reports::Report<ProductivityRow, ProductivityFigures>;

#[derive(sqlx::FromRow)]
struct CountsRow {
    user_id: Uuid,
    interactions: i64,
    chats: i64,
    emails: i64,
    resolved: i64,
    messages: i64,
    notes: i64,
    transfers: i64,
    first_responses: i64,
    first_response_seconds_sum: i64,
    handled: i64,
    handling_seconds_sum: i64,
    resolution_seconds_sum: i64,
    resolved_first_contact: i64,
}

impl From<CountsRow> for ProductivityCounts {
    fn from(r: CountsRow) -> Self {
        ProductivityCounts {
            interactions: r.interactions,
            chats: r.chats,
            emails: r.emails,
            resolved: r.resolved,
            messages: r.messages,
            notes: r.notes,
            transfers: r.transfers,
            first_responses: r.first_responses,
            first_response_seconds_sum: r.first_response_seconds_sum,
            handled: r.handled,
            handling_seconds_sum: r.handling_seconds_sum,
            resolution_seconds_sum: r.resolution_seconds_sum,
            resolved_first_contact: r.resolved_first_contact,
        }
    }
}

pub async fn productivity(
    db: &Db,
    viewer: &Actor,
    filter: &ReportFilter,
) -> Result<ProductivityReport> {
    let (mut tx, scope) = scope(db, viewer, filter).await?;
    let mut counts = counts_by_agent(&mut tx, &scope).await?;
    tx.commit().await.context("commit")?;
    let mut total = ProductivityCounts::default();
    let rows = scope
        .agents
        .into_iter()
        .map(|agent| {
            let counts = counts.remove(&agent.id).unwrap_or_default();
            total.add(&counts);
            ProductivityRow {
                agent,
                figures: ProductivityFigures::from(&counts),
            }
        })
        .collect();
    Ok(ProductivityReport {
        report: ReportKind::Productivity,
        from: scope.from,
        to: scope.to,
        rows,
        totals: ProductivityFigures::from(&total),
    })
}

/// The sums behind each agent's figures. A resolution's handling time runs
/// from the conversation's first response to it; it is a first-contact
/// resolution when the conversation was neither resolved nor transferred
/// before.
pub(crate) async fn counts_by_agent(
    tx: &mut Tx,
    scope: &Scope,
) -> anyhow::Result<HashMap<Uuid, ProductivityCounts>> {
    let rows: Vec<CountsRow> = sqlx::query_as(&format!(
        "WITH ev AS (
            SELECT e.user_id, e.kind, e.conversation_id, e.seconds, e.occurred_at, ch.kind AS channel_kind
              FROM productivity_events e JOIN channels ch ON ch.id = e.channel_id
             WHERE {EVENTS_IN_SCOPE}),
         marked AS (
            SELECT ev.*,
                   CASE WHEN ev.kind = 'conversation_resolved' THEN
                        (SELECT greatest(ev.seconds - min(r.seconds), 0) FROM productivity_events r
                          WHERE r.conversation_id = ev.conversation_id AND r.kind = 'first_response'
                            AND r.occurred_at <= ev.occurred_at
                         HAVING count(*) > 0)
                   END AS handling,
                   ev.kind = 'conversation_resolved' AND NOT EXISTS (
                        SELECT 1 FROM productivity_events o
                         WHERE o.conversation_id = ev.conversation_id AND o.occurred_at < ev.occurred_at
                           AND o.kind IN ('conversation_resolved', 'conversation_transferred')) AS first_contact
              FROM ev)
         SELECT user_id,
                count(DISTINCT conversation_id) AS interactions,
                count(DISTINCT conversation_id) FILTER (WHERE channel_kind <> 'email') AS chats,
                count(DISTINCT conversation_id) FILTER (WHERE channel_kind = 'email') AS emails,
                count(*) FILTER (WHERE kind = 'conversation_resolved') AS resolved,
                count(*) FILTER (WHERE kind = 'message_sent') AS messages,
                count(*) FILTER (WHERE kind = 'note_added') AS notes,
                count(*) FILTER (WHERE kind = 'conversation_transferred') AS transfers,
                count(*) FILTER (WHERE kind = 'first_response') AS first_responses,
                coalesce(sum(seconds) FILTER (WHERE kind = 'first_response'), 0)::bigint AS first_response_seconds_sum,
                count(handling) AS handled,
                coalesce(sum(handling), 0)::bigint AS handling_seconds_sum,
                coalesce(sum(seconds) FILTER (WHERE kind = 'conversation_resolved'), 0)::bigint AS resolution_seconds_sum,
                count(*) FILTER (WHERE first_contact) AS resolved_first_contact
           FROM marked GROUP BY user_id"
    ))
    .bind(scope.account_id)
    .bind(scope.agent_ids())
    .bind(scope.start)
    .bind(scope.end)
    .bind(&scope.channels)
    .bind(&scope.categories)
    .fetch_all(&mut **tx)
    .await
    .context("counting productivity events")?;
    Ok(rows
        .into_iter()
        .map(|row| (row.user_id, ProductivityCounts::from(row)))
        .collect())
}

pub(super) fn table(report: ProductivityReport) -> ReportTable {
    layout(
        report.report,
        (report.from, report.to),
        ProductivityFigures::COLUMNS,
        3,
        report.totals.cells(),
        report.rows.into_iter().map(|row| TableRow {
            cells: row.figures.cells(),
            agent: row.agent,
            details: Vec::new(),
        }),
    )
}
