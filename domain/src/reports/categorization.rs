//! Categorization: per agent, the conversations they resolved, how many
//! carry a category, and which categories (named with their parents:
//! "Billing › Refunds"), most used first.

use anyhow::Context;
use shared::categories::{in_tree_order, path};
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
    // Each resolution counted once per category it carries, and once per
    // category above those (a parent's count includes its subcategories').
    let by_category: Vec<(Uuid, i64, i64, i64)> = sqlx::query_as_with(
        &format!(
            "WITH RECURSIVE lineage (category_id, ancestor_id) AS (
                SELECT id, id FROM categories WHERE account_id = $1
              UNION ALL
                SELECT l.category_id, c.parent_id FROM lineage l JOIN categories c ON c.id = l.ancestor_id
                 WHERE c.account_id = $1 AND c.parent_id IS NOT NULL)
            SELECT e.user_id, l.ancestor_id,
                   count(DISTINCT e.id) FILTER (WHERE l.category_id = l.ancestor_id),
                   count(DISTINCT e.id)
              FROM productivity_events e
              JOIN conversation_categories cc ON cc.conversation_id = e.conversation_id
              JOIN lineage l ON l.category_id = cc.category_id
             WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE}
             GROUP BY e.user_id, l.ancestor_id"
        ),
        scope.event_arguments()?,
    )
    .fetch_all(&mut *tx)
    .await
    .context("counting resolutions per category")?;
    let tree = categories::list_in(&mut tx).await?;
    tx.commit().await.context("commit")?;

    let depths: HashMap<i64, u8> = in_tree_order(&tree)
        .into_iter()
        .map(|(depth, category)| (category.id, depth as u8))
        .collect();
    let mut resolved: HashMap<Uuid, (i64, i64)> = resolved
        .into_iter()
        .map(|(user_id, resolved, categorized)| (user_id, (resolved, categorized)))
        .collect();
    let mut categories: HashMap<Uuid, Vec<CategoryCount>> = HashMap::new();
    let mut all_categories: HashMap<i64, CategoryCount> = HashMap::new();
    for (user_id, id, count, with_subcategories) in by_category {
        let counted = CategoryCount {
            id,
            name: path(&tree, id),
            count,
            with_subcategories,
            depth: depths.get(&id).copied().unwrap_or_default(),
        };
        let total = all_categories.entry(id).or_insert_with(|| CategoryCount {
            count: 0,
            with_subcategories: 0,
            ..counted.clone()
        });
        total.count += count;
        total.with_subcategories += with_subcategories;
        categories.entry(user_id).or_default().push(counted);
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
    let mut breakdown = report.totals.categories.clone();
    // Tree order: a parent, then its subcategories, siblings by name.
    breakdown.sort_by_cached_key(|c| {
        c.name
            .split(" › ")
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
    });
    let mut table = layout(
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
    );
    table.categories = breakdown;
    table
}
