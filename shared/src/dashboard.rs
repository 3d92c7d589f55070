//! The manager dashboard's figures: KPI cards with their trend against the
//! previous period, and the data behind its charts. Definitions:
//! docs/METRICS.md (the same as the reports').

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::errors::ErrorCode;
use crate::inbox::string_enum;
use crate::reports::DatePreset;

string_enum!(
    /// One KPI card.
    KpiKey {
        AgentsActive => "agents_active",
        AgentsIdle => "agents_idle",
        AgentsOffline => "agents_offline",
        ConversationsCreated => "conversations_created",
        ConversationsResolved => "conversations_resolved",
        OpenNow => "open_now",
        WaitingNow => "waiting_now",
        FirstResponse => "first_response",
        Handling => "handling",
        Resolution => "resolution",
        FirstContactResolution => "first_contact_resolution",
        ActiveSession => "active_session",
        Csat => "csat",
        QualityScore => "quality_score",
        Sentiment => "sentiment",
        SlaCompliance => "sla_compliance",
    }
);

/// How a KPI's value reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KpiUnit {
    Count,
    Seconds,
    Share,
    Score,
}

impl KpiKey {
    pub fn unit(self) -> KpiUnit {
        match self {
            KpiKey::AgentsActive
            | KpiKey::AgentsIdle
            | KpiKey::AgentsOffline
            | KpiKey::ConversationsCreated
            | KpiKey::ConversationsResolved
            | KpiKey::OpenNow
            | KpiKey::WaitingNow => KpiUnit::Count,
            KpiKey::FirstResponse
            | KpiKey::Handling
            | KpiKey::Resolution
            | KpiKey::ActiveSession => KpiUnit::Seconds,
            KpiKey::FirstContactResolution | KpiKey::SlaCompliance => KpiUnit::Share,
            KpiKey::Csat | KpiKey::QualityScore | KpiKey::Sentiment => KpiUnit::Score,
        }
    }

    /// Whether a fall is good news (times, queues).
    pub fn lower_is_better(self) -> bool {
        matches!(
            self,
            KpiKey::AgentsIdle
                | KpiKey::AgentsOffline
                | KpiKey::OpenNow
                | KpiKey::WaitingNow
                | KpiKey::FirstResponse
                | KpiKey::Handling
                | KpiKey::Resolution
        )
    }
}

/// A KPI for the period and the one before it. `None` is "—": nothing to
/// measure yet (never a made-up figure). Figures of the present moment
/// (open, waiting) have no previous value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    pub key: KpiKey,
    pub current: Option<f64>,
    pub previous: Option<f64>,
}

/// Which way a KPI moved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trend {
    /// Relative change, e.g. 0.25 for +25 %.
    pub change: f64,
    pub better: bool,
}

impl Kpi {
    /// The change against the previous period; `None` when either side is
    /// missing or the previous one was zero (no meaningful percentage).
    pub fn trend(&self) -> Option<Trend> {
        let (current, previous) = (self.current?, self.previous?);
        if previous == 0.0 {
            return None;
        }
        let change = (current - previous) / previous;
        let better = if self.key.lower_is_better() {
            change < 0.0
        } else {
            change > 0.0
        };
        Some(Trend { change, better })
    }
}

/// A labelled figure in a chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedCount {
    pub name: String,
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayCount {
    pub date: NaiveDate,
    pub created: i64,
    pub resolved: i64,
}

/// The days added up by week (Monday to Sunday); each week is dated by the
/// first of its days in the period.
pub fn per_week(days: &[DayCount]) -> Vec<DayCount> {
    let mut weeks: Vec<DayCount> = Vec::new();
    for day in days {
        let monday = day.date.week(chrono::Weekday::Mon).first_day();
        match weeks.last_mut() {
            Some(week) if week.date.week(chrono::Weekday::Mon).first_day() == monday => {
                week.created += day.created;
                week.resolved += day.resolved;
            }
            _ => weeks.push(day.clone()),
        }
    }
    weeks
}

/// Resolution-time buckets, as the chart's labels: under 15 minutes, up to
/// an hour, 4 hours, a day, 3 days, and longer.
pub const RESOLUTION_BUCKETS: [&str; 6] = ["<15m", "15m–1h", "1–4h", "4–24h", "1–3d", ">3d"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardFigures {
    pub period: DatePreset,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub kpis: Vec<Kpi>,
    pub per_day: Vec<DayCount>,
    pub per_channel: Vec<NamedCount>,
    pub per_department: Vec<NamedCount>,
    pub per_agent: Vec<NamedCount>,
    /// Agents' messages per hour of the day (0–23, account time zone).
    pub per_hour: Vec<i64>,
    /// Resolutions per `RESOLUTION_BUCKETS` bucket.
    pub resolution_times: Vec<i64>,
    pub per_category: Vec<NamedCount>,
    /// New conversations per weekday (Monday first) and hour: 7 × 24.
    pub heatmap: Vec<Vec<i64>>,
    /// The period's AI quality scores per point: 0–1, 1–2, …, 9–10.
    #[serde(default)]
    pub quality_scores: Vec<i64>,
}

/// The bucket of `RESOLUTION_BUCKETS` a resolution after `seconds` falls in.
pub fn resolution_bucket(seconds: i64) -> usize {
    match seconds {
        s if s < 15 * 60 => 0,
        s if s < 3600 => 1,
        s if s < 4 * 3600 => 2,
        s if s < 24 * 3600 => 3,
        s if s < 72 * 3600 => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kpi(key: KpiKey, current: Option<f64>, previous: Option<f64>) -> Kpi {
        Kpi {
            key,
            current,
            previous,
        }
    }

    #[test]
    fn days_add_up_by_monday_to_sunday_weeks() {
        // Friday 4 December 2026 to Tuesday 15 December: three weeks.
        let days: Vec<DayCount> = (4..=15)
            .map(|d| DayCount {
                date: NaiveDate::from_ymd_opt(2026, 12, d).unwrap(),
                created: 1,
                resolved: i64::from(d % 2),
            })
            .collect();
        let weeks = per_week(&days);
        let summary: Vec<(u32, i64, i64)> = weeks
            .iter()
            .map(|w| (chrono::Datelike::day(&w.date), w.created, w.resolved))
            .collect();
        assert_eq!(summary, [(4, 3, 1), (7, 7, 4), (14, 2, 1)]);
    }

    #[test]
    fn trends_say_whether_the_change_is_good_news() {
        let more_resolved = kpi(KpiKey::ConversationsResolved, Some(15.0), Some(10.0)).trend();
        assert_eq!(
            more_resolved,
            Some(Trend {
                change: 0.5,
                better: true
            })
        );
        let slower = kpi(KpiKey::FirstResponse, Some(120.0), Some(60.0)).trend();
        assert_eq!(
            slower,
            Some(Trend {
                change: 1.0,
                better: false
            })
        );
        let faster = kpi(KpiKey::FirstResponse, Some(45.0), Some(60.0)).trend();
        assert_eq!(
            faster,
            Some(Trend {
                change: -0.25,
                better: true
            })
        );
        assert_eq!(kpi(KpiKey::Csat, None, None).trend(), None);
        assert_eq!(
            kpi(KpiKey::ConversationsCreated, Some(3.0), Some(0.0)).trend(),
            None
        );
    }

    #[test]
    fn resolution_times_fall_in_their_buckets() {
        assert_eq!(resolution_bucket(0), 0);
        assert_eq!(resolution_bucket(15 * 60), 1);
        assert_eq!(resolution_bucket(3599), 1);
        assert_eq!(resolution_bucket(4 * 3600), 3);
        assert_eq!(resolution_bucket(72 * 3600), 5);
    }
}
