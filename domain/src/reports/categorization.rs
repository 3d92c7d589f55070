//! Categorization: per agent, the conversations they resolved, how many
//! carry a category, and which categories (named with their parents:
//! "Billing › Refunds"), most used first.

use anyhow::Context;
use shared::categories::path;
use shared::reports::{
    CategorizationFigures, CategorizationRow, CategoryCount, ReportFilter, ReportKind, ReportTable,
    TableRow,
};
use std::collections::HashMap;
use uuid::Uuid;

use super::{layout, scope, EVENTS_IN_SCOPE};
use crate::actor::Actor;
use crate::categories;
use crate::db::Db;
use crate::error::Result;

pub type CategorizationReport = shared::reports::Report<CategorizationRow, CategorizationFigures>;

pub async fn categorization(
    db: &Db,
    viewer: &Actor,
    filter: &ReportFilter,
) -> Result<CategorizationReport> {
    let (mut tx, scope) = scope(db, viewer, filter).await?;
    let resolved: Vec<(Uuid, i64, i64)> = sqlx::query_as_with(&format!(
        "SELECT e.user_id, count(*),
                count(*) FILTER (WHERE EXISTS (
                    SELECT 1 FROM conversation_categories cc WHERE cc.conversation_id = e.conversation_id))
           FROM productivity_events e
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE}
          GROUP BY e.user_id"
    ), scope.event_arguments()?)
    .fetch_all(&mut *tx)
    .await
    .context("counting categorized resolutions")?;
    let by_category: Vec<(Uuid, i64, i64)> = sqlx::query_as_with(
        &format!(
            "SELECT e.user_id, cc.category_id, count(*)
           FROM productivity_events e
           JOIN conversation_categories cc ON cc.conversation_id = e.conversation_id
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE}
          GROUP BY e.user_id, cc.category_id"
        ),
        scope.event_arguments()?,
    )
    .fetch_all(&mut *tx)
    .await
    .context("counting resolutions per category")?;
    let tree = categories::list_in(&mut tx).await?;
    tx.commit().await.context("commit")?;

    let mut resolved: HashMap<Uuid, (i64, i64)> = resolved
        .into_iter()
        .map(|(user_id, resolved, categorized)| (user_id, (resolved, categorized)))
        .collect();
    let mut categories: HashMap<Uuid, Vec<CategoryCount>> = HashMap::new();
    let mut all_categories: HashMap<i64, CategoryCount> = HashMap::new();
    for (user_id, id, count) in by_category {
        let name = path(&tree, id);
        all_categories
            .entry(id)
            .or_insert_with(|| CategoryCount {
                id,
                name: name.clone(),
                count: 0,
            })
            .count += count;
        categories
            .entry(user_id)
            .or_default()
            .push(CategoryCount { id, name, count });
    }
    let (mut total_resolved, mut total_categorized) = (0, 0);
    let rows = scope
        .agents
        .into_iter()
        .map(|agent| {
            let (resolved, categorized) = resolved.remove(&agent.id).unwrap_or_default();
            total_resolved += resolved;
            total_categorized += categorized;
            let figures = CategorizationFigures::new(
                resolved,
                categorized,
                categories.remove(&agent.id).unwrap_or_default(),
            );
            CategorizationRow { agent, figures }
        })
        .collect();
    Ok(CategorizationReport {
        report: ReportKind::Categorization,
        from: scope.from,
        to: scope.to,
        rows,
        totals: CategorizationFigures::new(
            total_resolved,
            total_categorized,
            all_categories.into_values().collect(),
        ),
    })
}

pub(super) fn table(report: CategorizationReport) -> ReportTable {
    layout(
        report.report,
        (report.from, report.to),
        CategorizationFigures::COLUMNS,
        1,
        report.totals.cells(),
        report.rows.into_iter().map(|row| TableRow {
            cells: row.figures.cells(),
            agent: row.agent,
            details: Vec::new(),
        }),
    )
}
