//! Each report's figures: the rows the REST API returns, the columns the
//! page, the CSV and the PDF show, and how totals add up. Definitions:
//! docs/METRICS.md.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{average, share, Cell, ReportAgent};
use crate::activity::InactivityReason;

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
    /// The day as it went, in order: active stretches and inactivity
    /// periods with their reason (gaps: signed out).
    #[serde(default)]
    pub timeline: Vec<DayStretch>,
}

/// A stretch of an agent's day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStretch {
    /// Minutes since the day's local midnight (0–1440).
    pub from_minute: u16,
    pub to_minute: u16,
    /// `None`: active.
    pub inactive: Option<InactivityReason>,
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

    /// A day's line under its agent in the exports, in [`Self::COLUMNS`]'
    /// order (days and sessions are the agent's, so left blank).
    pub fn day_cells(day: &WorkLogDay) -> Vec<Cell> {
        vec![
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Seconds(Some(day.total_seconds)),
            Cell::Seconds(Some(day.active_seconds)),
            Cell::Seconds(Some(day.inactive_seconds)),
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
    /// Satisfaction survey ratings of the agent's resolutions, rated in the
    /// period.
    pub ratings: i64,
    pub ratings_sum: i64,
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
    /// Customer satisfaction: the mean survey rating (0–10) of the agent's
    /// resolutions; `None` when no customer rated.
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
            csat: (c.ratings > 0).then(|| c.ratings_sum as f64 / c.ratings as f64),
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
        self.ratings += o.ratings;
        self.ratings_sum += o.ratings_sum;
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
            Cell::Score(self.csat),
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

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub id: i64,
    /// With its parents: "Financeiro › Boleto".
    pub name: String,
    /// Resolutions carrying this very category.
    pub count: i64,
    /// Resolutions carrying it or any category below it, each once.
    #[serde(default)]
    pub with_subcategories: i64,
    /// 0 for a top-level category.
    #[serde(default)]
    pub depth: u8,
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

    /// A category's line after the totals in the exports, in
    /// [`Self::COLUMNS`]' order: the resolutions carrying it (or a category
    /// below it) and their share of all `resolved`.
    pub fn category_cells(category: &CategoryCount, resolved: i64) -> Vec<Cell> {
        vec![
            Cell::Text(String::new()),
            Cell::Count(category.with_subcategories),
            Cell::Text(String::new()),
            Cell::Share(share(category.with_subcategories, resolved)),
            Cell::Text(String::new()),
        ]
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

#[cfg(test)]
mod tests {
    use super::*;

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
            ratings: 4,
            ratings_sum: 30,
            ..ProductivityCounts::default()
        };
        let figures = ProductivityFigures::from(&counts);
        assert_eq!(figures.csat, Some(7.5));
        assert_eq!(figures.first_response_seconds, Some(33)); // 32.5 rounds up
        assert_eq!(figures.handling_seconds, Some(301)); // 300.5
        assert_eq!(figures.resolution_seconds, Some(1_000));
        assert_eq!(figures.first_contact_resolution, Some(2.0 / 3.0));
        let none = ProductivityFigures::from(&ProductivityCounts::default());
        assert_eq!(none.csat, None, "nobody rated: no figure, not 0");
        assert_eq!(none.first_response_seconds, None);
        assert_eq!(none.first_contact_resolution, None);
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
                    ..CategoryCount::default()
                },
                CategoryCount {
                    id: 2,
                    name: "Delivery".into(),
                    count: 2,
                    ..CategoryCount::default()
                },
            ],
        );
        assert_eq!(figures.uncategorized, 2);
        assert_eq!(figures.categorized_share, Some(0.6));
        assert_eq!(figures.categories[0].name, "Delivery");
    }
}
