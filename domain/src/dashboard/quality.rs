//! The evaluation figures on the dashboard: the AI's mean quality score and
//! the customers' mean sentiment at resolution (both periods), how the
//! period's scores spread — from the resolutions' reviews — and the mean
//! rating customers gave in satisfaction surveys (CSAT).

use anyhow::Context;

use super::ConversationScope;
use crate::db::Tx;
use crate::reports::{BeforeAndAfter, Scope};

/// Score buckets: 0–1, 1–2, …, 9–10 (a 10 falls in the last).
pub(super) const SCORE_BUCKETS: usize = 10;

pub(super) struct QualityFigures {
    pub score: BeforeAndAfter<Option<f64>>,
    /// The customers' sentiment on the scores' 0–10 scale: `(s + 1) × 5`.
    pub sentiment: BeforeAndAfter<Option<f64>>,
    /// The current period's reviews per score bucket.
    pub spread: Vec<i64>,
    /// The customers' mean rating (0–10) of the surveys answered in each
    /// period.
    pub csat: BeforeAndAfter<Option<f64>>,
}

impl ConversationScope {
    /// Reviews of the resolutions in both periods that the viewer may see.
    pub(super) async fn quality(
        &self,
        tx: &mut Tx,
        current: &Scope,
        previous: &Scope,
    ) -> anyhow::Result<QualityFigures> {
        let rows: Vec<(bool, f32, Option<f32>)> = sqlx::query_as(
            "SELECT q.resolved_at >= $5, q.score, q.sentiment
               FROM quality_reviews q JOIN conversations c ON c.id = q.conversation_id
              WHERE q.account_id = $1 AND q.score IS NOT NULL
                AND q.resolved_at >= $4 AND q.resolved_at < $6
                AND ($2::bigint[] IS NULL OR c.department_id = ANY($2) OR c.assignee_id = ANY($3))",
        )
        .bind(current.account_id)
        .bind(self.departments.clone())
        .bind(current.agent_ids())
        .bind(previous.start)
        .bind(current.start)
        .bind(current.end)
        .fetch_all(&mut **tx)
        .await
        .context("reading the quality reviews")?;
        let mut figures = figures(&rows);
        figures.csat = self.csat(tx, current, previous).await?;
        Ok(figures)
    }

    /// Mean survey rating of both periods, by when customers rated.
    async fn csat(
        &self,
        tx: &mut Tx,
        current: &Scope,
        previous: &Scope,
    ) -> anyhow::Result<BeforeAndAfter<Option<f64>>> {
        let (after, before): (Option<f64>, Option<f64>) = sqlx::query_as(
            "SELECT avg(s.score) FILTER (WHERE s.rated_at >= $5)::float8,
                    avg(s.score) FILTER (WHERE s.rated_at < $5)::float8
               FROM satisfaction_surveys s JOIN conversations c ON c.id = s.conversation_id
              WHERE s.account_id = $1 AND s.score IS NOT NULL
                AND s.rated_at >= $4 AND s.rated_at < $6
                AND ($2::bigint[] IS NULL OR c.department_id = ANY($2) OR c.assignee_id = ANY($3))",
        )
        .bind(current.account_id)
        .bind(self.departments.clone())
        .bind(current.agent_ids())
        .bind(previous.start)
        .bind(current.start)
        .bind(current.end)
        .fetch_one(&mut **tx)
        .await
        .context("reading the survey ratings")?;
        Ok(BeforeAndAfter { after, before })
    }
}

fn figures(rows: &[(bool, f32, Option<f32>)]) -> QualityFigures {
    let mean = |values: Vec<f64>| {
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let scores = |now: bool| {
        mean(
            rows.iter()
                .filter(|r| r.0 == now)
                .map(|r| f64::from(r.1))
                .collect(),
        )
    };
    let sentiments = |now: bool| {
        mean(
            rows.iter()
                .filter(|r| r.0 == now)
                .filter_map(|r| r.2)
                .map(|s| (f64::from(s) + 1.0) * 5.0)
                .collect(),
        )
    };
    let mut spread = vec![0; SCORE_BUCKETS];
    for (_, score, _) in rows.iter().filter(|r| r.0) {
        let bucket = (score.floor() as usize).min(SCORE_BUCKETS - 1);
        spread[bucket] += 1;
    }
    QualityFigures {
        score: BeforeAndAfter {
            after: scores(true),
            before: scores(false),
        },
        sentiment: BeforeAndAfter {
            after: sentiments(true),
            before: sentiments(false),
        },
        spread,
        csat: BeforeAndAfter {
            after: None,
            before: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_per_period_and_the_spread_of_the_current_one() {
        let rows = [
            (true, 7.5, Some(0.0)),
            (true, 2.5, Some(-0.6)),
            (true, 10.0, Some(1.0)),
            (false, 6.0, None),
        ];
        let f = figures(&rows);
        assert_eq!(f.score.after, Some(20.0 / 3.0));
        assert_eq!(f.score.before, Some(6.0));
        // (5 + 2 + 10) / 3 on the 0–10 scale.
        let sentiment = f.sentiment.after.unwrap();
        assert!((sentiment - 17.0 / 3.0).abs() < 1e-6, "{sentiment}");
        assert_eq!(f.sentiment.before, None, "no sentiment: no figure, not 0");
        assert_eq!(f.spread, [0, 0, 1, 0, 0, 0, 0, 1, 0, 1]);
        assert!(figures(&[]).score.after.is_none());
    }
}
