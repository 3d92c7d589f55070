//! Departments as the service desk runs them: who answers (members and
//! their capacity), when (a weekly calendar with holidays, the account's or
//! the department's own), what a customer hears when nobody does (the
//! out-of-hours reply), and how new conversations reach an agent.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

use crate::errors::ErrorCode;
use crate::inbox::string_enum;
use crate::Locale;

/// Minutes in a day: an opening may close at 24:00.
pub const DAY_MINUTES: u16 = 1440;
/// Conversations a member takes at once unless told otherwise.
pub const DEFAULT_MAX_CONVERSATIONS: u16 = 10;
pub const MAX_MAX_CONVERSATIONS: u16 = 500;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
pub const MAX_OUT_OF_HOURS_CHARS: usize = 1000;
pub const MAX_HOLIDAYS: usize = 200;

string_enum!(
    /// How a department hands its new conversations to agents.
    Distribution {
        Manual => "manual",
        RoundRobin => "round_robin",
        LeastBusy => "least_busy",
    }
);

string_enum!(
    /// What the customer wallet does when the contact's owner is offline.
    WalletFallback {
        Distribute => "distribute",
        Wait => "wait",
    }
);

string_enum!(
    /// Why distribution gave a conversation to an agent (its activity line).
    RoutingReason {
        RoundRobin => "round_robin",
        LeastBusy => "least_busy",
        Wallet => "wallet",
    }
);

/// A time of day, "HH:MM" from 00:00 to 24:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClockTime(u16);

impl ClockTime {
    pub fn parse(text: &str) -> Result<Self, ErrorCode> {
        let (hours, minutes) = text.trim().split_once(':').ok_or(ErrorCode::HoursInvalid)?;
        let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(hours) || !digits(minutes) {
            return Err(ErrorCode::HoursInvalid);
        }
        let (hours, minutes): (u16, u16) = (
            hours.parse().map_err(|_| ErrorCode::HoursInvalid)?,
            minutes.parse().map_err(|_| ErrorCode::HoursInvalid)?,
        );
        let total = hours * 60 + minutes;
        if minutes >= 60 || total > DAY_MINUTES {
            return Err(ErrorCode::HoursInvalid);
        }
        Ok(ClockTime(total))
    }

    /// `hours:minutes`, capped at 24:00.
    pub const fn at(hours: u16, minutes: u16) -> Self {
        let total = hours * 60 + minutes;
        ClockTime(if total > DAY_MINUTES {
            DAY_MINUTES
        } else {
            total
        })
    }

    pub fn from_minutes(minutes: u16) -> Option<Self> {
        (minutes <= DAY_MINUTES).then_some(ClockTime(minutes))
    }

    /// Minutes after midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl TryFrom<String> for ClockTime {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        ClockTime::parse(&text).map_err(|_| format!("{text:?} is not a time of day (HH:MM)"))
    }
}

impl From<ClockTime> for String {
    fn from(time: ClockTime) -> String {
        time.to_string()
    }
}

/// Open from `open` to `close` on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opening {
    pub open: ClockTime,
    pub close: ClockTime,
}

/// Openings per weekday; a day left out is closed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<Opening>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<Opening>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<Opening>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<Opening>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<Opening>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<Opening>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<Opening>,
}

/// The JSON keys of the weekdays, Monday first.
pub const WEEKDAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WeeklyHours {
    /// Monday to Friday, `open`–`close`: a starting point for a new calendar.
    pub fn weekdays(open: ClockTime, close: ClockTime) -> Self {
        let day = vec![Opening { open, close }];
        WeeklyHours {
            mon: day.clone(),
            tue: day.clone(),
            wed: day.clone(),
            thu: day.clone(),
            fri: day,
            ..WeeklyHours::default()
        }
    }

    /// The days, Monday first.
    pub fn days(&self) -> [&Vec<Opening>; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }

    pub fn day_mut(&mut self, weekday: usize) -> &mut Vec<Opening> {
        match weekday {
            0 => &mut self.mon,
            1 => &mut self.tue,
            2 => &mut self.wed,
            3 => &mut self.thu,
            4 => &mut self.fri,
            5 => &mut self.sat,
            _ => &mut self.sun,
        }
    }

    /// Every opening closes after it opens, and a day's openings do not
    /// overlap; the error names the day (its JSON key).
    pub fn validate(&self) -> Result<(), (&'static str, ErrorCode)> {
        for (key, day) in WEEKDAY_KEYS.into_iter().zip(self.days()) {
            if day.iter().any(|o| o.close <= o.open) {
                return Err((key, ErrorCode::HoursInvalid));
            }
            let mut sorted: Vec<&Opening> = day.iter().collect();
            sorted.sort_by_key(|o| o.open);
            if sorted.windows(2).any(|w| w[1].open < w[0].close) {
                return Err((key, ErrorCode::HoursOverlap));
            }
        }
        Ok(())
    }
}

/// A day off: once ("2026-12-25") or every year ("--12-25").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Holiday {
    /// For a yearly holiday, the year is 2000 (a leap year, so 29 February
    /// is allowed) and means nothing.
    pub date: NaiveDate,
    pub yearly: bool,
}

impl Holiday {
    pub fn parse(text: &str) -> Result<Self, ErrorCode> {
        let text = text.trim();
        match text.strip_prefix("--") {
            Some(month_day) => NaiveDate::parse_from_str(&format!("2000-{month_day}"), "%Y-%m-%d")
                .map(|date| Holiday { date, yearly: true })
                .map_err(|_| ErrorCode::DateInvalid),
            None => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|date| Holiday {
                    date,
                    yearly: false,
                })
                .map_err(|_| ErrorCode::DateInvalid),
        }
    }
}

impl fmt::Display for Holiday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.yearly {
            write!(f, "--{:02}-{:02}", self.date.month(), self.date.day())
        } else {
            write!(f, "{}", self.date.format("%Y-%m-%d"))
        }
    }
}

impl TryFrom<String> for Holiday {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Holiday::parse(&text)
            .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD, or --MM-DD every year)"))
    }
}

impl From<Holiday> for String {
    fn from(holiday: Holiday) -> String {
        holiday.to_string()
    }
}

/// When someone answers: opening hours (`None`: around the clock) and days off.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub business_hours: Option<WeeklyHours>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

impl Calendar {
    /// The errors name the field: `business_hours.mon`, `holidays`.
    pub fn validate(&self) -> Result<(), (String, ErrorCode)> {
        if let Some(hours) = &self.business_hours {
            hours
                .validate()
                .map_err(|(day, code)| (format!("business_hours.{day}"), code))?;
        }
        if self.holidays.len() > MAX_HOLIDAYS {
            return Err(("holidays".into(), ErrorCode::TooLong));
        }
        Ok(())
    }
}

/// A member and how many conversations distribution gives them at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentMember {
    pub user_id: Uuid,
    #[serde(default = "default_max_conversations")]
    pub max_conversations: u16,
}

fn default_max_conversations() -> u16 {
    DEFAULT_MAX_CONVERSATIONS
}

/// The out-of-hours reply in each language ("pt-BR", "en"); empty: none.
pub type LocalizedText = BTreeMap<String, String>;

/// The text for `locale`, else the other language's.
pub fn text_for(texts: &LocalizedText, locale: Locale) -> Option<&str> {
    texts
        .get(locale.as_str())
        .or_else(|| texts.values().next())
        .map(String::as_str)
        .filter(|t| !t.trim().is_empty())
}

/// SLA policy ids by conversation priority (`{"urgent": 3}` in JSON).
pub type SlaByPriority = std::collections::BTreeMap<crate::inbox::Priority, i64>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Department {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The channel this department answers, if it has one of its own.
    #[serde(default)]
    pub channel_id: Option<i64>,
    pub member_ids: Vec<Uuid>,
    #[serde(default)]
    pub members: Vec<DepartmentMember>,
    #[serde(default = "manual")]
    pub distribution: Distribution,
    /// `None`: the account's calendar applies.
    #[serde(default)]
    pub calendar: Option<Calendar>,
    #[serde(default)]
    pub out_of_hours_messages: LocalizedText,
    #[serde(default)]
    pub sla_policy_id: Option<i64>,
    /// The policy for conversations of a priority, in place of the default.
    #[serde(default)]
    pub sla_by_priority: SlaByPriority,
    /// Who else sees (or also assigns) this department's conversations.
    #[serde(default)]
    pub grants: Vec<crate::access::DepartmentGrant>,
}

fn manual() -> Distribution {
    Distribution::Manual
}

/// What an admin saves for a department.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DepartmentForm {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub channel_id: Option<i64>,
    #[serde(default)]
    pub members: Vec<DepartmentMember>,
    #[serde(default = "manual")]
    pub distribution: Distribution,
    #[serde(default)]
    pub calendar: Option<Calendar>,
    #[serde(default)]
    pub out_of_hours_messages: LocalizedText,
    #[serde(default)]
    pub sla_policy_id: Option<i64>,
    /// The policy for conversations of a priority, in place of the default.
    #[serde(default)]
    pub sla_by_priority: SlaByPriority,
    /// Who else sees (or also assigns) this department's conversations.
    #[serde(default)]
    pub grants: Vec<crate::access::DepartmentGrant>,
}

impl DepartmentForm {
    pub fn from_department(department: &Department) -> Self {
        DepartmentForm {
            name: department.name.clone(),
            description: department.description.clone(),
            channel_id: department.channel_id,
            members: department.members.clone(),
            distribution: department.distribution,
            calendar: department.calendar.clone(),
            out_of_hours_messages: department.out_of_hours_messages.clone(),
            sla_policy_id: department.sla_policy_id,
            sla_by_priority: department.sla_by_priority.clone(),
            grants: department.grants.clone(),
        }
    }
}

/// The account's service-desk settings: its calendar (departments follow
/// it unless they have their own) and the customer wallet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceDeskSettings {
    pub calendar: Calendar,
    pub wallet_routing: bool,
    pub wallet_owner_offline: WalletFallback,
    /// A conversation the customer reopens is distributed again rather
    /// than handed back to its last agent.
    #[serde(default)]
    pub reroute_reopened: bool,
    /// The account's time zone, in which the calendars are read, and its
    /// language (read here, changed in the account's settings).
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub locale: Locale,
}

impl Default for ServiceDeskSettings {
    fn default() -> Self {
        ServiceDeskSettings {
            calendar: Calendar::default(),
            wallet_routing: false,
            wallet_owner_offline: WalletFallback::Distribute,
            reroute_reopened: false,
            time_zone: String::new(),
            locale: Locale::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_read_and_write_as_hours_and_minutes() {
        assert_eq!(ClockTime::parse("09:30").map(ClockTime::minutes), Ok(570));
        assert_eq!(ClockTime::parse("24:00").map(ClockTime::minutes), Ok(1440));
        assert_eq!(
            ClockTime::parse("00:00").map(|t| t.to_string()),
            Ok("00:00".into())
        );
        for bad in ["9:30", "24:01", "12:60", "ab:cd", "1230", ""] {
            assert_eq!(ClockTime::parse(bad), Err(ErrorCode::HoursInvalid), "{bad}");
        }
    }

    #[test]
    fn the_rest_shape_of_business_hours_round_trips() {
        let json = r#"{"mon":[{"open":"09:00","close":"12:00"},{"open":"13:00","close":"18:00"}],"sat":[{"open":"09:00","close":"13:00"}]}"#;
        let hours: WeeklyHours = serde_json::from_str(json).unwrap();
        assert_eq!(hours.mon.len(), 2);
        assert!(hours.sun.is_empty(), "a day left out is closed");
        assert_eq!(serde_json::to_string(&hours).unwrap(), json);
        assert!(serde_json::from_str::<WeeklyHours>(r#"{"monday":[]}"#).is_err());
        assert!(
            serde_json::from_str::<WeeklyHours>(r#"{"mon":[{"open":"9","close":"12:00"}]}"#)
                .is_err()
        );
    }

    #[test]
    fn openings_must_close_after_they_open_and_not_overlap() {
        let at = |t: &str| ClockTime::parse(t).unwrap();
        let mut hours = WeeklyHours::weekdays(at("09:00"), at("18:00"));
        assert_eq!(hours.validate(), Ok(()));
        hours.wed.push(Opening {
            open: at("17:00"),
            close: at("20:00"),
        });
        assert_eq!(hours.validate(), Err(("wed", ErrorCode::HoursOverlap)));
        hours.wed.pop();
        hours.sun.push(Opening {
            open: at("10:00"),
            close: at("10:00"),
        });
        assert_eq!(hours.validate(), Err(("sun", ErrorCode::HoursInvalid)));
    }

    #[test]
    fn holidays_are_once_or_every_year() {
        let once = Holiday::parse("2026-12-25").unwrap();
        assert!(!once.yearly);
        let yearly = Holiday::parse("--02-29").unwrap();
        assert!(yearly.yearly);
        assert_eq!(yearly.to_string(), "--02-29");
        assert_eq!(once.to_string(), "2026-12-25");
        assert_eq!(Holiday::parse("--13-01"), Err(ErrorCode::DateInvalid));
        assert_eq!(Holiday::parse("2026-02-30"), Err(ErrorCode::DateInvalid));
    }

    #[test]
    fn the_out_of_hours_text_falls_back_to_the_other_language() {
        let mut texts = LocalizedText::new();
        assert_eq!(text_for(&texts, Locale::En), None);
        texts.insert("pt-BR".into(), "Voltamos às 9h.".into());
        assert_eq!(text_for(&texts, Locale::En), Some("Voltamos às 9h."));
        texts.insert("en".into(), "Back at 9.".into());
        assert_eq!(text_for(&texts, Locale::En), Some("Back at 9."));
    }
}
