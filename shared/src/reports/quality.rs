//! The AI quality report's figures: per agent, the resolutions the AI
//! reviewed, their mean score, how many fell under the account's threshold,
//! and how the scores spread over five bands of two points. Definitions:
//! docs/METRICS.md.

use serde::{Deserialize, Serialize};

use super::{share, Cell, ReportAgent};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityFigures {
    pub reviewed: i64,
    /// The mean AI score (0–10); `None` when nothing was reviewed.
    pub mean_score: Option<f64>,
    /// Reviews under the account's threshold at the time (they alerted).
    pub low_scores: i64,
    pub low_share: Option<f64>,
    /// Reviews per band: 0 ≤ score < 2, 2 ≤ score < 4, … 8 ≤ score ≤ 10.
    pub scores_0_2: i64,
    pub scores_2_4: i64,
    pub scores_4_6: i64,
    pub scores_6_8: i64,
    pub scores_8_10: i64,
    #[serde(skip)]
    score_sum: f64,
}

impl QualityFigures {
    pub const COLUMNS: &'static [&'static str] = &[
        "reviewed",
        "mean_score",
        "low_scores",
        "low_share",
        "scores_0_2",
        "scores_2_4",
        "scores_4_6",
        "scores_6_8",
        "scores_8_10",
    ];

    /// Counts one review.
    pub fn add_review(&mut self, score: f64, low: bool) {
        let score = score.clamp(0.0, 10.0);
        self.reviewed += 1;
        self.score_sum += score;
        self.low_scores += i64::from(low);
        *match (score / 2.0).floor() as i64 {
            0 => &mut self.scores_0_2,
            1 => &mut self.scores_2_4,
            2 => &mut self.scores_4_6,
            3 => &mut self.scores_6_8,
            _ => &mut self.scores_8_10,
        } += 1;
        self.derive();
    }

    pub fn add(&mut self, o: &QualityFigures) {
        self.reviewed += o.reviewed;
        self.score_sum += o.score_sum;
        self.low_scores += o.low_scores;
        self.scores_0_2 += o.scores_0_2;
        self.scores_2_4 += o.scores_2_4;
        self.scores_4_6 += o.scores_4_6;
        self.scores_6_8 += o.scores_6_8;
        self.scores_8_10 += o.scores_8_10;
        self.derive();
    }

    fn derive(&mut self) {
        self.mean_score = (self.reviewed > 0).then(|| self.score_sum / self.reviewed as f64);
        self.low_share = share(self.low_scores, self.reviewed);
    }

    pub fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Count(self.reviewed),
            Cell::Score(self.mean_score),
            Cell::Count(self.low_scores),
            Cell::Share(self.low_share),
            Cell::Count(self.scores_0_2),
            Cell::Count(self.scores_2_4),
            Cell::Count(self.scores_4_6),
            Cell::Count(self.scores_6_8),
            Cell::Count(self.scores_8_10),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityRow {
    pub agent: ReportAgent,
    #[serde(flatten)]
    pub figures: QualityFigures,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviews_fall_in_two_point_bands_and_totals_add_up() {
        let mut ana = QualityFigures::default();
        ana.add_review(1.5, true);
        ana.add_review(6.0, true);
        ana.add_review(10.0, false);
        assert_eq!(ana.reviewed, 3);
        assert_eq!(ana.mean_score, Some(17.5 / 3.0));
        assert_eq!(ana.low_share, Some(2.0 / 3.0));
        assert_eq!(
            (
                ana.scores_0_2,
                ana.scores_2_4,
                ana.scores_4_6,
                ana.scores_6_8,
                ana.scores_8_10
            ),
            (1, 0, 0, 1, 1),
            "2-point bands, 10 in the top one"
        );
        let mut bruno = QualityFigures::default();
        bruno.add_review(8.0, false);
        let mut totals = QualityFigures::default();
        totals.add(&ana);
        totals.add(&bruno);
        assert_eq!(totals.reviewed, 4);
        assert_eq!(totals.mean_score, Some(25.5 / 4.0));
        assert_eq!(totals.scores_8_10, 2);
        assert_eq!(totals.low_share, Some(0.5));
        let none = QualityFigures::default();
        assert_eq!(none.mean_score, None, "nothing reviewed: no mean, not 0");
        assert_eq!(none.low_share, None);
    }
}
