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
}

impl ReportKind {
    pub const ALL: &'static [ReportKind] = &[
        ReportKind::WorkLog,
        ReportKind::Productivity,
        ReportKind::Categorization,
        ReportKind::Idle,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::WorkLog => "work-log",
            ReportKind::Productivity => "productivity",
            ReportKind::Categorization => "categorization",
            ReportKind::Idle => "idle",
        }
    }
}

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

impl ReportFilter {
    /// The query string `/api/v1/reports/{kind}` and the page's downloads
    /// take for this filter (ids and dates need no escaping).
    pub fn to_query(&self) -> String {
        fn join<T: ToString>(items: &[T]) -> String {
            items.iter().map(T::to_string).collect::<Vec<_>>().join(",")
        }
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(preset) = self.preset.filter(|p| *p != DatePreset::Custom) {
            pairs.push(("preset", preset.as_str().to_string()));
        } else {
            pairs.extend(self.from.map(|d| ("from", d.to_string())));
            pairs.extend(self.to.map(|d| ("to", d.to_string())));
        }
        for (key, value) in [
            ("agents", join(&self.agents)),
            ("departments", join(&self.departments)),
            ("channels", join(&self.channels)),
            ("categories", join(&self.categories)),
        ] {
            if !value.is_empty() {
                pairs.push((key, value));
            }
        }
        pairs
            .into_iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join("&")
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
        }
    }

    /// The number a chart draws for this cell.
    pub fn magnitude(&self) -> f64 {
        match self {
            Cell::Text(_) => 0.0,
            Cell::Count(n) => *n as f64,
            Cell::Seconds(seconds) => seconds.unwrap_or(0) as f64,
            Cell::Share(share) => share.unwrap_or(0.0),
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

// ---- Work log ----

/// One agent's day: first sign-in, last sign-out, time signed in, active
/// and inactive time (local times in the account's time zone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkLogDay {
    pub date: NaiveDate,
    /// "08:21" in the account's time zone.
    pub login: String,
    /// `None` while the agent is still signed in.
    pub logout: Option<String>,
    pub total_seconds: i64,
    pub active_seconds: i64,
    pub inactive_seconds: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkLogFigures {
    pub days_worked: i64,
    pub sessions: i64,
    pub total_seconds: i64,
    pub active_seconds: i64,
    pub inactive_seconds: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkLogRow {
    pub agent: ReportAgent,
    #[serde(flatten)]
    pub figures: WorkLogFigures,
    pub days: Vec<WorkLogDay>,
}

impl WorkLogFigures {
    pub const COLUMNS: &'static [&'static str] = &[
        "days_worked",
        "sessions",
        "total_seconds",
        "active_seconds",
        "inactive_seconds",
    ];

    pub fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Count(self.days_worked),
            Cell::Count(self.sessions),
            Cell::Seconds(Some(self.total_seconds)),
            Cell::Seconds(Some(self.active_seconds)),
            Cell::Seconds(Some(self.inactive_seconds)),
        ]
    }

    pub fn add(&mut self, other: &WorkLogFigures) {
        self.days_worked += other.days_worked;
        self.sessions += other.sessions;
        self.total_seconds += other.total_seconds;
        self.active_seconds += other.active_seconds;
        self.inactive_seconds += other.inactive_seconds;
    }
}

// ---- Productivity ----

/// The sums a productivity row is computed from (per agent, or for all).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductivityCounts {
    pub interactions: i64,
    pub chats: i64,
    pub emails: i64,
    pub resolved: i64,
    pub messages: i64,
    pub notes: i64,
    pub transfers: i64,
    pub first_responses: i64,
    pub first_response_seconds_sum: i64,
    pub handled: i64,
    pub handling_seconds_sum: i64,
    pub resolution_seconds_sum: i64,
    pub resolved_first_contact: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductivityFigures {
    pub interactions: i64,
    pub chats: i64,
    pub emails: i64,
    pub resolved: i64,
    pub messages: i64,
    pub notes: i64,
    pub transfers: i64,
    /// Mean first-response time (FRT).
    pub first_response_seconds: Option<i64>,
    /// Mean handling time (TMA): first response to resolution.
    pub handling_seconds: Option<i64>,
    /// Mean time from the conversation's start to its resolution.
    pub resolution_seconds: Option<i64>,
    /// First-contact resolution (FCR), 0 to 1.
    pub first_contact_resolution: Option<f64>,
    /// Customer satisfaction: `None` until surveys exist (never faked).
    pub csat: Option<f64>,
}

impl From<&ProductivityCounts> for ProductivityFigures {
    fn from(c: &ProductivityCounts) -> Self {
        ProductivityFigures {
            interactions: c.interactions,
            chats: c.chats,
            emails: c.emails,
            resolved: c.resolved,
            messages: c.messages,
            notes: c.notes,
            transfers: c.transfers,
            first_response_seconds: average(c.first_response_seconds_sum, c.first_responses),
            handling_seconds: average(c.handling_seconds_sum, c.handled),
            resolution_seconds: average(c.resolution_seconds_sum, c.resolved),
            first_contact_resolution: share(c.resolved_first_contact, c.resolved),
            csat: None,
        }
    }
}

impl ProductivityCounts {
    pub fn add(&mut self, o: &ProductivityCounts) {
        self.interactions += o.interactions;
        self.chats += o.chats;
        self.emails += o.emails;
        self.resolved += o.resolved;
        self.messages += o.messages;
        self.notes += o.notes;
        self.transfers += o.transfers;
        self.first_responses += o.first_responses;
        self.first_response_seconds_sum += o.first_response_seconds_sum;
        self.handled += o.handled;
        self.handling_seconds_sum += o.handling_seconds_sum;
        self.resolution_seconds_sum += o.resolution_seconds_sum;
        self.resolved_first_contact += o.resolved_first_contact;
    }
}

impl ProductivityFigures {
    pub const COLUMNS: &'static [&'static str] = &[
        "interactions",
        "chats",
        "emails",
        "resolved",
        "messages",
        "first_response_seconds",
        "handling_seconds",
        "resolution_seconds",
        "first_contact_resolution",
        "csat",
    ];

    pub fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Count(self.interactions),
            Cell::Count(self.chats),
            Cell::Count(self.emails),
            Cell::Count(self.resolved),
            Cell::Count(self.messages),
            Cell::Seconds(self.first_response_seconds),
            Cell::Seconds(self.handling_seconds),
            Cell::Seconds(self.resolution_seconds),
            Cell::Share(self.first_contact_resolution),
            Cell::Share(self.csat),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductivityRow {
    pub agent: ReportAgent,
    #[serde(flatten)]
    pub figures: ProductivityFigures,
}

// ---- Categorization ----

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub id: i64,
    pub name: String,
    pub count: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CategorizationFigures {
    pub resolved: i64,
    pub categorized: i64,
    pub uncategorized: i64,
    pub categorized_share: Option<f64>,
    /// Most used first.
    pub categories: Vec<CategoryCount>,
}

impl CategorizationFigures {
    pub const COLUMNS: &'static [&'static str] = &[
        "resolved",
        "categorized",
        "uncategorized",
        "categorized_share",
        "top_category",
    ];

    pub fn new(resolved: i64, categorized: i64, mut categories: Vec<CategoryCount>) -> Self {
        categories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        CategorizationFigures {
            resolved,
            categorized,
            uncategorized: resolved - categorized,
            categorized_share: share(categorized, resolved),
            categories,
        }
    }

    pub fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Count(self.resolved),
            Cell::Count(self.categorized),
            Cell::Count(self.uncategorized),
            Cell::Share(self.categorized_share),
            Cell::Text(
                self.categories
                    .first()
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
            ),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategorizationRow {
    pub agent: ReportAgent,
    #[serde(flatten)]
    pub figures: CategorizationFigures,
}

// ---- Idle analysis ----

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdleFigures {
    pub session_seconds: i64,
    pub inactive_seconds: i64,
    pub idle_seconds: i64,
    pub hidden_seconds: i64,
    pub away_seconds: i64,
    pub heartbeat_lost_seconds: i64,
    pub periods: i64,
    pub longest_period_seconds: i64,
    pub inactive_share: Option<f64>,
}

impl IdleFigures {
    pub const COLUMNS: &'static [&'static str] = &[
        "session_seconds",
        "inactive_seconds",
        "idle_seconds",
        "hidden_seconds",
        "away_seconds",
        "heartbeat_lost_seconds",
        "periods",
        "longest_period_seconds",
        "inactive_share",
    ];

    pub fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Seconds(Some(self.session_seconds)),
            Cell::Seconds(Some(self.inactive_seconds)),
            Cell::Seconds(Some(self.idle_seconds)),
            Cell::Seconds(Some(self.hidden_seconds)),
            Cell::Seconds(Some(self.away_seconds)),
            Cell::Seconds(Some(self.heartbeat_lost_seconds)),
            Cell::Count(self.periods),
            Cell::Seconds(Some(self.longest_period_seconds)),
            Cell::Share(self.inactive_share),
        ]
    }

    pub fn add(&mut self, o: &IdleFigures) {
        self.session_seconds += o.session_seconds;
        self.inactive_seconds += o.inactive_seconds;
        self.idle_seconds += o.idle_seconds;
        self.hidden_seconds += o.hidden_seconds;
        self.away_seconds += o.away_seconds;
        self.heartbeat_lost_seconds += o.heartbeat_lost_seconds;
        self.periods += o.periods;
        self.longest_period_seconds = self.longest_period_seconds.max(o.longest_period_seconds);
        self.inactive_share = share(self.inactive_seconds, self.session_seconds);
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdleRow {
    pub agent: ReportAgent,
    #[serde(flatten)]
    pub figures: IdleFigures,
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
    fn filters_become_the_api_query() {
        let filter = ReportFilter {
            preset: Some(DatePreset::Custom),
            from: Some(day(2026, 3, 1)),
            to: Some(day(2026, 3, 31)),
            departments: vec![4, 7],
            ..ReportFilter::default()
        };
        assert_eq!(
            filter.to_query(),
            "from=2026-03-01&to=2026-03-31&departments=4,7"
        );
        let preset = ReportFilter {
            preset: Some(DatePreset::Last7Days),
            ..ReportFilter::default()
        };
        assert_eq!(preset.to_query(), "preset=last_7_days");
    }

    #[test]
    fn productivity_figures_are_means_and_shares_of_the_counts() {
        let counts = ProductivityCounts {
            resolved: 3,
            first_responses: 4,
            first_response_seconds_sum: 130,
            handled: 2,
            handling_seconds_sum: 601,
            resolution_seconds_sum: 3_000,
            resolved_first_contact: 2,
            ..ProductivityCounts::default()
        };
        let figures = ProductivityFigures::from(&counts);
        assert_eq!(figures.first_response_seconds, Some(33)); // 32.5 rounds up
        assert_eq!(figures.handling_seconds, Some(301)); // 300.5
        assert_eq!(figures.resolution_seconds, Some(1_000));
        assert_eq!(figures.first_contact_resolution, Some(2.0 / 3.0));
        assert_eq!(figures.csat, None);
        let none = ProductivityFigures::from(&ProductivityCounts::default());
        assert_eq!(none.first_response_seconds, None);
        assert_eq!(none.first_contact_resolution, None);
    }

    #[test]
    fn cells_format_for_people_and_for_csv() {
        assert_eq!(Cell::Seconds(Some(3_725)).display_text(), "01:02:05");
        assert_eq!(Cell::Seconds(Some(3_725)).csv_text(), "3725");
        assert_eq!(Cell::Seconds(None).display_text(), "—");
        assert_eq!(Cell::Seconds(None).csv_text(), "");
        assert_eq!(Cell::Share(Some(0.25)).display_text(), "25.0%");
        assert_eq!(Cell::Share(Some(0.25)).csv_text(), "0.2500");
    }

    #[test]
    fn categorization_counts_the_uncategorized_and_ranks_categories() {
        let figures = CategorizationFigures::new(
            5,
            3,
            vec![
                CategoryCount {
                    id: 1,
                    name: "Billing".into(),
                    count: 1,
                },
                CategoryCount {
                    id: 2,
                    name: "Delivery".into(),
                    count: 2,
                },
            ],
        );
        assert_eq!(figures.uncategorized, 2);
        assert_eq!(figures.categorized_share, Some(0.6));
        assert_eq!(figures.categories[0].name, "Delivery");
    }
}
