//! Reports as the screen, the exports and the REST API see them: the kinds,
//! the filters with their date presets, each report's rows, and one table
//! shape the page, the CSV and the PDF all render. Definitions of every
//! figure: docs/METRICS.md.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use crate::errors::ErrorCode;
use crate::inbox::string_enum;

mod exports;
mod figures;
mod quality;
mod schedule;
pub use exports::*;
pub use figures::*;
pub use quality::*;
pub use schedule::*;

/// The widest range a report covers: a year and a day.
pub const MAX_RANGE_DAYS: i64 = 366;

/// Which report: also the last segment of `/api/v1/reports/{kind}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReportKind {
    #[serde(rename = "work-log")]
    WorkLog,
    #[serde(rename = "productivity")]
    Productivity,
    #[serde(rename = "categorization")]
    Categorization,
    #[serde(rename = "idle")]
    Idle,
    #[serde(rename = "quality")]
    Quality,
}

impl ReportKind {
    /// Counted from conversations, so the channel and category filters
    /// apply (the work log and idle analysis count sessions).
    pub fn counts_conversations(self) -> bool {
        matches!(
            self,
            ReportKind::Productivity | ReportKind::Categorization | ReportKind::Quality
        )
    }

    pub const ALL: &'static [ReportKind] = &[
        ReportKind::WorkLog,
        ReportKind::Productivity,
        ReportKind::Categorization,
        ReportKind::Idle,
        ReportKind::Quality,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::WorkLog => "work-log",
            ReportKind::Productivity => "productivity",
            ReportKind::Categorization => "categorization",
            ReportKind::Idle => "idle",
            ReportKind::Quality => "quality",
        }
    }
}

crate::text_column!(ReportKind);

impl FromStr for ReportKind {
    type Err = ErrorCode;

    fn from_str(s: &str) -> Result<Self, ErrorCode> {
        ReportKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.as_str() == s)
            .ok_or(ErrorCode::OptionInvalid)
    }
}

string_enum!(
    /// Ready-made date ranges, in the account's time zone.
    DatePreset {
        Today => "today",
        Yesterday => "yesterday",
        Last7Days => "last_7_days",
        Last30Days => "last_30_days",
        ThisMonth => "this_month",
        LastMonth => "last_month",
        Custom => "custom",
    }
);

string_enum!(
    /// How a report is delivered.
    ExportFormat {
        Json => "json",
        Csv => "csv",
        Pdf => "pdf",
    }
);

impl DatePreset {
    /// The first and last day (inclusive) of this preset, given today;
    /// `None` for `Custom`.
    pub fn range(self, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let month_start = today.with_day(1)?;
        Some(match self {
            DatePreset::Today => (today, today),
            DatePreset::Yesterday => {
                let day = today.pred_opt()?;
                (day, day)
            }
            DatePreset::Last7Days => (today - Duration::days(6), today),
            DatePreset::Last30Days => (today - Duration::days(29), today),
            DatePreset::ThisMonth => (month_start, today),
            DatePreset::LastMonth => {
                let last = month_start.pred_opt()?;
                (last.with_day(1)?, last)
            }
            DatePreset::Custom => return None,
        })
    }
}

/// What a report covers. Empty lists mean "all the viewer may see".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFilter {
    /// A preset wins over `from` / `to`.
    pub preset: Option<DatePreset>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub agents: Vec<Uuid>,
    /// The agents who are members of these departments.
    #[serde(default)]
    pub departments: Vec<i64>,
    /// Conversations on these channels (productivity and categorization).
    #[serde(default)]
    pub channels: Vec<i64>,
    /// Conversations with one of these categories (productivity and
    /// categorization).
    #[serde(default)]
    pub categories: Vec<i64>,
}

impl ReportFilter {
    /// The inclusive day range this filter asks for, given today: a preset,
    /// else `from`..`to` (either defaulting to the other, both to the last
    /// 7 days). Refuses reversed and over-long ranges.
    pub fn days(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ErrorCode> {
        let (from, to) = match self.preset.and_then(|preset| preset.range(today)) {
            Some(range) => range,
            None => match (self.from, self.to) {
                (Some(from), Some(to)) => (from, to),
                (Some(day), None) | (None, Some(day)) => (day, day),
                (None, None) => DatePreset::Last7Days
                    .range(today)
                    .ok_or(ErrorCode::InvalidValue)?,
            },
        };
        if to < from {
            return Err(ErrorCode::RangeReversed);
        }
        if (to - from).num_days() >= MAX_RANGE_DAYS {
            return Err(ErrorCode::RangeTooLong);
        }
        Ok((from, to))
    }
}

/// Who a report row is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportAgent {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

/// One figure in a report's table, typed so each place formats it its own
/// way (HH:MM:SS on screen, seconds in the CSV).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Cell {
    Text(String),
    Count(i64),
    /// Seconds; `None` when there is nothing to average.
    Seconds(Option<i64>),
    /// A share from 0 to 1; `None` when there is nothing to divide.
    Share(Option<f64>),
    /// A mean on a 0–10 scale (ratings); `None` when there is none.
    Score(Option<f64>),
}

impl Cell {
    /// The value as the CSV writes it: plain numbers, shares with four
    /// decimals, empty when missing.
    pub fn csv_text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Seconds(seconds) => seconds.map(|s| s.to_string()).unwrap_or_default(),
            Cell::Share(share) => share.map(|s| format!("{s:.4}")).unwrap_or_default(),
            Cell::Score(score) => score.map(|s| format!("{s:.2}")).unwrap_or_default(),
        }
    }

    /// The value as people read it: durations as HH:MM:SS, shares as
    /// percentages, "—" when missing.
    pub fn display_text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Seconds(seconds) => {
                seconds.map_or_else(|| "—".into(), crate::activity::clock_text)
            }
            Cell::Share(share) => {
                share.map_or_else(|| "—".into(), |s| format!("{:.1}%", s * 100.0))
            }
            Cell::Score(score) => score.map_or_else(|| "—".into(), |s| format!("{s:.1}")),
        }
    }

    /// The number a chart draws for this cell.
    pub fn magnitude(&self) -> f64 {
        match self {
            Cell::Text(_) => 0.0,
            Cell::Count(n) => *n as f64,
            Cell::Seconds(seconds) => seconds.unwrap_or(0) as f64,
            Cell::Share(share) | Cell::Score(share) => share.unwrap_or(0.0),
        }
    }
}

/// A report laid out for people: the page, the CSV and the PDF render this,
/// so all three show the same figures. `columns` are the JSON field names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportTable {
    pub kind: ReportKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub columns: Vec<String>,
    pub rows: Vec<TableRow>,
    pub totals: Vec<Cell>,
    /// The column the chart draws, one bar per row.
    pub chart_column: usize,
    pub generated_at: DateTime<Utc>,
    /// Categorization only: every category used, in tree order, for all
    /// the table's agents together.
    #[serde(default)]
    pub categories: Vec<CategoryCount>,
    /// The names of what the filter picked (all empty: everything the
    /// viewer may see), for the PDF's subtitle.
    #[serde(default)]
    pub filtered_by: FilterNames,
}

/// A report filter's choices by name, in the account's words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterNames {
    pub agents: Vec<String>,
    pub departments: Vec<String>,
    pub channels: Vec<String>,
    /// "Vendas › Orçamento" for a subcategory.
    pub categories: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub agent: ReportAgent,
    pub cells: Vec<Cell>,
    /// Work log only: the agent's days.
    #[serde(default)]
    pub details: Vec<WorkLogDay>,
}

/// Rounded mean of `sum` over `count`; `None` when nothing was counted.
pub fn average(sum: i64, count: i64) -> Option<i64> {
    (count > 0).then(|| (sum as f64 / count as f64).round() as i64)
}

/// `part` of `whole` as a share from 0 to 1; `None` when `whole` is 0.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// A report as the REST API returns it: one row per agent and the totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report<Row, Totals> {
    pub report: ReportKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<Row>,
    pub totals: Totals,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn presets_cover_the_expected_days() {
        let today = day(2026, 3, 10);
        assert_eq!(DatePreset::Today.range(today), Some((today, today)));
        assert_eq!(
            DatePreset::Yesterday.range(today),
            Some((day(2026, 3, 9), day(2026, 3, 9)))
        );
        assert_eq!(
            DatePreset::Last7Days.range(today),
            Some((day(2026, 3, 4), today))
        );
        assert_eq!(
            DatePreset::ThisMonth.range(today),
            Some((day(2026, 3, 1), today))
        );
        assert_eq!(
            DatePreset::LastMonth.range(today),
            Some((day(2026, 2, 1), day(2026, 2, 28)))
        );
        assert_eq!(
            DatePreset::LastMonth.range(day(2026, 1, 5)),
            Some((day(2025, 12, 1), day(2025, 12, 31)))
        );
        assert_eq!(DatePreset::Custom.range(today), None);
    }

    #[test]
    fn filters_refuse_reversed_and_over_long_ranges() {
        let today = day(2026, 3, 10);
        let custom = |from, to| ReportFilter {
            from: Some(from),
            to: Some(to),
            ..ReportFilter::default()
        };
        assert_eq!(
            custom(day(2026, 3, 2), day(2026, 3, 1)).days(today),
            Err(ErrorCode::RangeReversed)
        );
        assert_eq!(
            custom(day(2025, 1, 1), day(2026, 3, 1)).days(today),
            Err(ErrorCode::RangeTooLong)
        );
        assert_eq!(
            custom(day(2026, 3, 1), day(2026, 3, 1)).days(today),
            Ok((day(2026, 3, 1), day(2026, 3, 1)))
        );
        assert_eq!(
            ReportFilter::default().days(today),
            Ok((day(2026, 3, 4), today))
        );
    }

    #[test]
    fn presets_read_the_same_in_json_and_in_queries() {
        for preset in DatePreset::ALL {
            assert_eq!(serde_json::to_value(preset).unwrap(), preset.as_str());
        }
    }

    #[test]
    fn cells_format_for_people_and_for_csv() {
        assert_eq!(Cell::Seconds(Some(3_725)).display_text(), "01:02:05");
        assert_eq!(Cell::Seconds(Some(3_725)).csv_text(), "3725");
        assert_eq!(Cell::Seconds(None).display_text(), "—");
        assert_eq!(Cell::Seconds(None).csv_text(), "");
        assert_eq!(Cell::Score(Some(8.25)).display_text(), "8.2");
        assert_eq!(Cell::Score(Some(8.25)).csv_text(), "8.25");
        assert_eq!(Cell::Score(None).display_text(), "—");
        assert_eq!(Cell::Share(Some(0.25)).display_text(), "25.0%");
        assert_eq!(Cell::Share(Some(0.25)).csv_text(), "0.2500");
    }
}
