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
use chrono::{DateTime, Utc};

pub type ProductivityReport = shared::reports::Report<ProductivityRow, ProductivityFigures>;

#[derive(sqlx::FromRow)]
struct CountsRow {
    user_id: Uuid,
    // Not counted for the dashboard's outcomes (a distinct count per agent
    // is the report's costliest figure).
    #[sqlx(default)]
    interactions: i64,
    #[sqlx(default)]
    chats: i64,
    #[sqlx(default)]
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
            ..ProductivityCounts::default()
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

/// The sums behind each agent's figures, over the events in `ev`. A
/// resolution's handling time and whether it was a first-contact
/// resolution are settled when it is recorded (migration 0010's trigger;
/// docs/METRICS.md).
const SUMS: &str = "
    count(*) FILTER (WHERE kind = 'conversation_resolved') AS resolved,
    count(*) FILTER (WHERE kind = 'message_sent') AS messages,
    count(*) FILTER (WHERE kind = 'note_added') AS notes,
    count(*) FILTER (WHERE kind = 'conversation_transferred') AS transfers,
    count(*) FILTER (WHERE kind = 'first_response') AS first_responses,
    coalesce(sum(seconds) FILTER (WHERE kind = 'first_response'), 0)::bigint AS first_response_seconds_sum,
    count(handling_seconds) AS handled,
    coalesce(sum(handling_seconds), 0)::bigint AS handling_seconds_sum,
    coalesce(sum(seconds) FILTER (WHERE kind = 'conversation_resolved'), 0)::bigint AS resolution_seconds_sum,
    count(*) FILTER (WHERE first_contact) AS resolved_first_contact";

/// Every figure of every agent in `scope`.
pub(crate) async fn counts_by_agent(
    tx: &mut Tx,
    scope: &Scope,
) -> anyhow::Result<HashMap<Uuid, ProductivityCounts>> {
    let rows: Vec<CountsRow> = sqlx::query_as_with(
        &format!(
        "WITH ev AS (
            SELECT e.user_id, e.kind, e.conversation_id, e.seconds, e.handling_seconds, e.first_contact,
                   ch.kind AS channel_kind
              FROM productivity_events e JOIN channels ch ON ch.id = e.channel_id
             WHERE {EVENTS_IN_SCOPE})
         SELECT user_id,
                count(DISTINCT conversation_id) AS interactions,
                count(DISTINCT conversation_id) FILTER (WHERE channel_kind <> 'email') AS chats,
                count(DISTINCT conversation_id) FILTER (WHERE channel_kind = 'email') AS emails,
                {SUMS}
           FROM ev GROUP BY user_id"
        ),
        scope.event_arguments()?,
    )
    .fetch_all(&mut **tx)
    .await
    .context("counting productivity events")?;
    let mut counts: HashMap<Uuid, ProductivityCounts> = rows
        .into_iter()
        .map(|row| (row.user_id, ProductivityCounts::from(row)))
        .collect();
    for (agent_id, ratings, ratings_sum) in ratings_by_agent(tx, scope).await? {
        let agent = counts.entry(agent_id).or_default();
        agent.ratings = ratings;
        agent.ratings_sum = ratings_sum;
    }
    Ok(counts)
}

/// The satisfaction survey ratings customers gave in the period, by the
/// agent who had the conversation when it was resolved.
async fn ratings_by_agent(tx: &mut Tx, scope: &Scope) -> anyhow::Result<Vec<(Uuid, i64, i64)>> {
    // The events' filters ($1 to $6), read on the survey's conversation.
    sqlx::query_as_with(
        "SELECT e.agent_id, count(*), sum(e.score)::bigint
           FROM satisfaction_surveys e JOIN conversations c ON c.id = e.conversation_id
          WHERE e.account_id = $1 AND e.agent_id = ANY($2) AND e.score IS NOT NULL
            AND e.rated_at >= $3 AND e.rated_at < $4
            AND (cardinality($5::bigint[]) = 0 OR c.channel_id = ANY($5))
            AND (cardinality($6::bigint[]) = 0 OR EXISTS (
                  SELECT 1 FROM conversation_categories f
                   WHERE f.conversation_id = e.conversation_id AND f.category_id = ANY($6)))
          GROUP BY e.agent_id",
        scope.event_arguments()?,
    )
    .fetch_all(&mut **tx)
    .await
    .context("counting survey ratings")
}

/// Each agent's first responses and resolutions (the dashboard's KPIs
/// need no more, and skip the bulk of the events: replies) before and
/// after `split`, in one pass over `scope`.
pub(crate) async fn outcomes_by_agent(
    tx: &mut Tx,
    scope: &Scope,
    split: DateTime<Utc>,
) -> anyhow::Result<BeforeAndAfter<HashMap<Uuid, ProductivityCounts>>> {
    #[derive(sqlx::FromRow)]
    struct OutcomesRow {
        after: bool,
        #[sqlx(flatten)]
        counts: CountsRow,
    }
    let rows: Vec<OutcomesRow> = sqlx::query_as_with(
        &format!(
            "SELECT user_id, occurred_at >= $7 AS after, {SUMS}
           FROM productivity_events e
          WHERE {EVENTS_IN_SCOPE} AND e.kind IN ('first_response', 'conversation_resolved')
          GROUP BY 1, 2"
        ),
        scope.event_arguments()?,
    )
    .bind(split)
    .fetch_all(&mut **tx)
    .await
    .context("counting first responses and resolutions")?;
    let mut split_counts = BeforeAndAfter::<HashMap<_, _>>::default();
    for row in rows {
        let side = if row.after {
            &mut split_counts.after
        } else {
            &mut split_counts.before
        };
        side.insert(row.counts.user_id, ProductivityCounts::from(row.counts));
    }
    Ok(split_counts)
}

/// A figure for the period before a split and for the one after it.
#[derive(Default)]
pub(crate) struct BeforeAndAfter<T> {
    pub before: T,
    pub after: T,
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
