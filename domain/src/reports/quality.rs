//! AI quality: per agent, the resolutions the AI reviewed in the period
//! (by when they were resolved), their mean score, how many fell under the
//! account's threshold, and the scores' spread. A review counts for the
//! agent the conversation is assigned to; resolutions nobody had (a flow
//! ended them) are in no row.

use anyhow::Context;
use shared::reports::{
    QualityFigures, QualityRow, ReportFilter, ReportKind, ReportTable, TableRow,
};
use std::collections::HashMap;
use uuid::Uuid;

use super::{layout, scope};
use crate::actor::Actor;
use crate::db::Db;
use crate::error::Result;

pub type QualityReport = shared::reports::Report<QualityRow, QualityFigures>;

pub async fn quality(db: &Db, viewer: &Actor, filter: &ReportFilter) -> Result<QualityReport> {
    let (mut tx, scope) = scope(db, viewer, filter).await?;
    // The events' filters ($1 to $6), read on the review's conversation.
    let reviews: Vec<(Uuid, f32, bool)> = sqlx::query_as_with(
        "SELECT c.assignee_id, q.score, q.alerted
           FROM quality_reviews q JOIN conversations c ON c.id = q.conversation_id
          WHERE q.account_id = $1 AND c.assignee_id = ANY($2) AND q.score IS NOT NULL
            AND q.resolved_at >= $3 AND q.resolved_at < $4
            AND (cardinality($5::bigint[]) = 0 OR c.channel_id = ANY($5))
            AND (cardinality($6::bigint[]) = 0 OR EXISTS (
                  SELECT 1 FROM conversation_categories f
                   WHERE f.conversation_id = q.conversation_id AND f.category_id = ANY($6)))",
        scope.event_arguments()?,
    )
    .fetch_all(&mut *tx)
    .await
    .context("reading the quality reviews")?;
    tx.commit().await.context("commit")?;

    let mut figures: HashMap<Uuid, QualityFigures> = HashMap::new();
    for (agent_id, score, low) in reviews {
        figures
            .entry(agent_id)
            .or_default()
            .add_review(f64::from(score), low);
    }
    let mut totals = QualityFigures::default();
    let rows = scope
        .agents
        .into_iter()
        .map(|agent| {
            let figures = figures.remove(&agent.id).unwrap_or_default();
            totals.add(&figures);
            QualityRow { agent, figures }
        })
        .collect();
    Ok(QualityReport {
        report: ReportKind::Quality,
        from: scope.from,
        to: scope.to,
        rows,
        totals,
    })
}

pub(super) fn table(report: QualityReport) -> ReportTable {
    layout(
        report.report,
        (report.from, report.to),
        QualityFigures::COLUMNS,
        1,
        report.totals.cells(),
        report.rows.into_iter().map(|row| TableRow {
            cells: row.figures.cells(),
            agent: row.agent,
            details: Vec::new(),
        }),
    )
}
