//! Reports e-mailed on a schedule: how often, what each run covers, and the
//! schedule as the page and the REST API see it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use super::ReportKind;
use crate::errors::ErrorCode;
use crate::inbox::string_enum;
use crate::prefs::Locale;

/// The most addresses one schedule mails.
pub const MAX_RECIPIENTS: usize = 20;
/// Runs go out at this hour, in the account's time zone.
pub const SEND_HOUR: u32 = 7;

string_enum!(
    /// How often a report is mailed: every morning (yesterday), on Mondays
    /// (the week before) or on the 1st (the month before).
    Frequency {
        Daily => "daily",
        Weekly => "weekly",
        Monthly => "monthly",
    }
);

string_enum!(
    /// A report as a file: a download, or the attachment of a scheduled mail.
    FileFormat {
        Csv => "csv",
        Pdf => "pdf",
    }
);

impl Frequency {
    /// The whole days a run on `run_date` (local) reports on: the day, the
    /// seven days or the month that ended before it.
    pub fn period(self, run_date: NaiveDate) -> (NaiveDate, NaiveDate) {
        let yesterday = run_date - Duration::days(1);
        match self {
            Frequency::Daily => (yesterday, yesterday),
            Frequency::Weekly => (run_date - Duration::days(7), yesterday),
            Frequency::Monthly => (yesterday.with_day(1).unwrap_or(yesterday), yesterday),
        }
    }

    /// Whether a run is due on `date` (local).
    pub fn runs_on(self, date: NaiveDate) -> bool {
        match self {
            Frequency::Daily => true,
            Frequency::Weekly => date.weekday() == chrono::Weekday::Mon,
            Frequency::Monthly => date.day() == 1,
        }
    }
}

/// A scheduled report, as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportSchedule {
    pub id: i64,
    pub report: ReportKind,
    pub frequency: Frequency,
    pub format: FileFormat,
    pub recipients: Vec<String>,
    /// Filters; empty: every agent the schedule's owner may see.
    pub agents: Vec<Uuid>,
    pub departments: Vec<i64>,
    /// Conversations on these channels, with these categories (empty: all).
    #[serde(default)]
    pub channels: Vec<i64>,
    #[serde(default)]
    pub categories: Vec<i64>,
    pub locale: Locale,
    pub owner: String,
    pub next_run_at: DateTime<Utc>,
    pub last_run_at: Option<DateTime<Utc>>,
    /// Why the last run sent nothing, if it did not.
    pub last_error: Option<String>,
}

/// What creates a schedule: the report and filters on screen, how often,
/// the file and the addresses (separated by commas, semicolons, spaces or
/// lines).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduleForm {
    pub report: ReportKind,
    pub frequency: Frequency,
    pub format: FileFormat,
    pub recipients: String,
    #[serde(default)]
    pub agents: Vec<Uuid>,
    #[serde(default)]
    pub departments: Vec<i64>,
    #[serde(default)]
    pub channels: Vec<i64>,
    #[serde(default)]
    pub categories: Vec<i64>,
    #[serde(default)]
    pub locale: Locale,
}

/// The addresses of a recipients field, lower-cased and without repeats;
/// the first invalid one is refused.
pub fn parse_recipients(input: &str) -> Result<Vec<String>, ErrorCode> {
    let mut recipients: Vec<String> = Vec::new();
    for item in input
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|item| !item.is_empty())
    {
        let address = crate::values::EmailAddress::parse(item)?
            .as_str()
            .to_string();
        if !recipients.contains(&address) {
            recipients.push(address);
        }
    }
    match recipients.len() {
        0 => Err(ErrorCode::Required),
        n if n > MAX_RECIPIENTS => Err(ErrorCode::TooLong),
        _ => Ok(recipients),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn each_run_covers_the_whole_period_before_it() {
        // Monday 2026-11-30, Tuesday 2026-12-01.
        assert_eq!(
            Frequency::Daily.period(date("2026-12-01")),
            (date("2026-11-30"), date("2026-11-30"))
        );
        assert_eq!(
            Frequency::Weekly.period(date("2026-11-30")),
            (date("2026-11-23"), date("2026-11-29"))
        );
        assert_eq!(
            Frequency::Monthly.period(date("2026-12-01")),
            (date("2026-11-01"), date("2026-11-30"))
        );
        assert_eq!(
            Frequency::Monthly.period(date("2027-03-01")),
            (date("2027-02-01"), date("2027-02-28"))
        );
    }

    #[test]
    fn runs_fall_on_mondays_and_first_days() {
        assert!(Frequency::Weekly.runs_on(date("2026-11-30")));
        assert!(!Frequency::Weekly.runs_on(date("2026-12-01")));
        assert!(Frequency::Monthly.runs_on(date("2026-12-01")));
        assert!(!Frequency::Monthly.runs_on(date("2026-12-02")));
        assert!(Frequency::Daily.runs_on(date("2026-12-02")));
    }

    #[test]
    fn recipients_are_split_checked_and_deduplicated() {
        assert_eq!(
            parse_recipients("Ana@Example.com; bia@example.com,\nana@example.com").unwrap(),
            ["ana@example.com", "bia@example.com"]
        );
        assert_eq!(parse_recipients(" , "), Err(ErrorCode::Required));
        assert!(parse_recipients("ana@example.com, not-an-address").is_err());
        let many: Vec<String> = (0..=MAX_RECIPIENTS)
            .map(|n| format!("a{n}@example.com"))
            .collect();
        assert_eq!(parse_recipients(&many.join(",")), Err(ErrorCode::TooLong));
    }
}
