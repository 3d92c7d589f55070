//! Business time: when a calendar (an account's, or a department's own) is
//! open, and the arithmetic SLA timers and out-of-hours replies need — add
//! N business minutes to an instant, count the business time between two
//! instants, find the next opening. Weekly opening hours (several intervals
//! a day) and holidays (one-off or yearly) are read in the calendar's time
//! zone, with its daylight-saving changes: a local time skipped by a
//! spring-forward counts as the instant it would have been (02:30 → 03:30),
//! and a repeated one as its first occurrence.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// Minutes in a day: an interval may close at 24:00.
pub const DAY_MINUTES: u16 = 1440;
/// How far ahead (in days) `add` and `next_opening` look before deciding a
/// calendar never opens.
const HORIZON_DAYS: i64 = 2 * 366;

/// Open from `open` to `close`, in minutes after local midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub open: u16,
    pub close: u16,
}

/// A day off: once, or on the same day every year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    pub yearly: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("unknown time zone {0}")]
    UnknownZone(String),
    /// `weekday` 0 is Monday.
    #[error("an interval on weekday {weekday} does not close after it opens, by 24:00")]
    IntervalInvalid { weekday: usize },
    #[error("intervals on weekday {weekday} overlap")]
    IntervalsOverlap { weekday: usize },
}

/// A validated calendar.
#[derive(Clone, Debug)]
pub struct Calendar {
    zone: Tz,
    /// Monday first; each day's intervals sorted and apart.
    week: [Vec<Interval>; 7],
    holidays: BTreeSet<NaiveDate>,
    /// (month, day) of the yearly holidays.
    yearly: BTreeSet<(u32, u32)>,
}

impl Calendar {
    pub fn new(
        zone: &str,
        mut week: [Vec<Interval>; 7],
        holidays: &[Holiday],
    ) -> Result<Self, CalendarError> {
        let zone: Tz = zone
            .parse()
            .map_err(|_| CalendarError::UnknownZone(zone.to_string()))?;
        for (weekday, day) in week.iter_mut().enumerate() {
            day.sort_by_key(|i| i.open);
            if day
                .iter()
                .any(|i| i.open >= i.close || i.close > DAY_MINUTES)
            {
                return Err(CalendarError::IntervalInvalid { weekday });
            }
            if day.windows(2).any(|w| w[1].open < w[0].close) {
                return Err(CalendarError::IntervalsOverlap { weekday });
            }
        }
        Ok(Calendar {
            zone,
            week,
            holidays: holidays
                .iter()
                .filter(|h| !h.yearly)
                .map(|h| h.date)
                .collect(),
            yearly: holidays
                .iter()
                .filter(|h| h.yearly)
                .map(|h| (h.date.month(), h.date.day()))
                .collect(),
        })
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date) || self.yearly.contains(&(date.month(), date.day()))
    }

    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.periods_from(at)
            .take_while(|(start, _)| *start <= at)
            .any(|(start, end)| start <= at && at < end)
    }

    /// The first instant at or after `at` when the calendar is open.
    pub fn next_opening(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.periods_from(at)
            .find(|(_, end)| *end > at)
            .map(|(start, _)| start.max(at))
    }

    /// The instant `business` of open time after `start` (an SLA's due
    /// time); `None` if the calendar never opens.
    pub fn add(&self, start: DateTime<Utc>, business: Duration) -> Option<DateTime<Utc>> {
        let mut left = business;
        for (open, close) in self.periods_from(start) {
            let from = open.max(start);
            if close <= from {
                continue;
            }
            if close - from >= left {
                return Some(from + left);
            }
            left -= close - from;
        }
        None
    }

    /// The open time between `from` and `to` (zero if `to` is earlier).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        self.periods_from(from)
            .take_while(|(open, _)| *open < to)
            .map(|(open, close)| (close.min(to) - open.max(from)).max(Duration::zero()))
            .sum()
    }

    /// Open periods as instants, in order, from the local day of `at`
    /// (and the day before, whose last interval may end after `at`'s local
    /// midnight once daylight saving shifts it) up to the horizon.
    fn periods_from(
        &self,
        at: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let first = at.with_timezone(&self.zone).date_naive() - Duration::days(1);
        (0..HORIZON_DAYS)
            .map(move |n| first + Duration::days(n))
            .filter(|date| !self.is_holiday(*date))
            .flat_map(move |date| {
                let weekday = date.weekday().num_days_from_monday() as usize;
                self.week[weekday]
                    .iter()
                    .map(move |i| (self.instant(date, i.open), self.instant(date, i.close)))
            })
    }

    /// `minutes` after local midnight of `date`, as an instant.
    fn instant(&self, date: NaiveDate, minutes: u16) -> DateTime<Utc> {
        let local = NaiveDateTime::new(date, NaiveTime::MIN) + Duration::minutes(minutes.into());
        let resolved = self
            .zone
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                // Skipped by a spring-forward: the same instant an hour later
                // on the clock (every such gap here is an hour or less).
                self.zone
                    .from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            });
        resolved.map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(open: u16, close: u16) -> Interval {
        Interval {
            open: open * 60,
            close: close * 60,
        }
    }

    /// Mon–Fri 08:00–12:00 and 13:00–18:00; Saturday 09:00–13:00.
    fn office(zone: &str, holidays: &[Holiday]) -> Calendar {
        let weekday = vec![hours(8, 12), hours(13, 18)];
        Calendar::new(
            zone,
            [
                weekday.clone(),
                weekday.clone(),
                weekday.clone(),
                weekday.clone(),
                weekday,
                vec![hours(9, 13)],
                vec![],
            ],
            holidays,
        )
        .unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn minutes_run_only_while_open_across_lunch_nights_and_weekends() {
        // São Paulo has kept UTC−3 all year since 2019.
        let calendar = office("America/Sao_Paulo", &[]);
        // Friday 2026-03-06 17:30 local (20:30 UTC) + 2 h: 30 min on Friday,
        // then Saturday 09:00–10:30.
        let friday = utc(2026, 3, 6, 20, 30);
        assert_eq!(
            calendar.add(friday, Duration::hours(2)),
            Some(utc(2026, 3, 7, 13, 30))
        );
        // + 6 h: Friday's 30 min, Saturday's 4 h, then Monday 08:00–09:30.
        assert_eq!(
            calendar.add(friday, Duration::hours(6)),
            Some(utc(2026, 3, 9, 12, 30))
        );
        // Lunch does not count: 11:30 + 1 h is 13:30.
        assert_eq!(
            calendar.add(utc(2026, 3, 9, 14, 30), Duration::hours(1)),
            Some(utc(2026, 3, 9, 16, 30))
        );
        // Asked at night, the clock starts at the next opening.
        assert_eq!(
            calendar.add(utc(2026, 3, 10, 2, 0), Duration::minutes(15)),
            Some(utc(2026, 3, 10, 11, 15))
        );
        assert_eq!(
            calendar.between(friday, utc(2026, 3, 9, 12, 30)),
            Duration::hours(6)
        );
        assert_eq!(
            calendar.between(utc(2026, 3, 9, 12, 30), friday),
            Duration::zero()
        );
        assert!(calendar.is_open(utc(2026, 3, 9, 11, 0)));
        assert!(!calendar.is_open(utc(2026, 3, 9, 15, 30)), "lunch");
        assert!(!calendar.is_open(utc(2026, 3, 8, 15, 0)), "Sunday");
        assert_eq!(
            calendar.next_opening(utc(2026, 3, 7, 17, 0)),
            Some(utc(2026, 3, 9, 11, 0)),
            "Saturday afternoon: Monday 08:00"
        );
    }

    #[test]
    fn holidays_once_and_every_year_are_closed() {
        let calendar = office(
            "America/Sao_Paulo",
            &[
                Holiday {
                    date: date(2020, 12, 25),
                    yearly: true,
                },
                Holiday {
                    date: date(2026, 2, 16),
                    yearly: false,
                },
            ],
        );
        assert!(calendar.is_holiday(date(2026, 12, 25)));
        assert!(calendar.is_holiday(date(2026, 2, 16)));
        assert!(!calendar.is_holiday(date(2027, 2, 16)), "once only");
        // Thursday 2026-12-24 17:00 local + 2 h: an hour that day, Christmas
        // (Friday) closed, Saturday 09:00–10:00.
        assert_eq!(
            calendar.add(utc(2026, 12, 24, 20, 0), Duration::hours(2)),
            Some(utc(2026, 12, 26, 13, 0))
        );
        assert_eq!(
            calendar.between(utc(2026, 12, 24, 0, 0), utc(2026, 12, 27, 0, 0)),
            Duration::hours(9 + 4)
        );
    }

    #[test]
    fn daylight_saving_changes_move_the_instants_not_the_hours() {
        // New York: UTC−5 in winter, −4 from 2026-03-08 02:00 (clocks jump to
        // 03:00) until 2026-11-01 02:00 (back to 01:00).
        let calendar = office("America/New_York", &[]);
        // Friday 17:00 EST + 2 h → Monday 09:00 EDT, the first business day
        // after the change.
        assert_eq!(
            calendar.add(utc(2026, 3, 6, 22, 0), Duration::hours(2)),
            Some(utc(2026, 3, 7, 15, 0)),
            "Saturday 10:00 EST"
        );
        assert_eq!(
            calendar.add(utc(2026, 3, 7, 17, 0), Duration::hours(2)),
            Some(utc(2026, 3, 9, 13, 0)),
            "Saturday's last hour, then Monday 08:00–09:00 EDT"
        );
        // A whole week's hours are the same either side of the change.
        let week = |monday: DateTime<Utc>| calendar.between(monday, monday + Duration::days(7));
        assert_eq!(week(utc(2026, 3, 2, 0, 0)), Duration::hours(49));
        assert_eq!(week(utc(2026, 3, 9, 0, 0)), Duration::hours(49));
        assert_eq!(week(utc(2026, 10, 26, 4, 0)), Duration::hours(49));
    }

    #[test]
    fn nights_and_clock_changes_inside_opening_hours() {
        // A night shift 22:00–24:00 and 00:00–06:00 every day, in New York.
        let night = vec![hours(0, 6), hours(22, 24)];
        let calendar = Calendar::new(
            "America/New_York",
            std::array::from_fn(|_| night.clone()),
            &[],
        )
        .unwrap();
        // Saturday 2026-03-07 23:00 EST + 3 h: three real hours, so 03:00
        // EDT on the clock — 02:00–03:00 never happened that night — and
        // that night's shift is five hours long.
        assert_eq!(
            calendar.add(utc(2026, 3, 8, 4, 0), Duration::hours(3)),
            Some(utc(2026, 3, 8, 7, 0))
        );
        assert_eq!(
            calendar.between(utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 12, 0)),
            Duration::hours(5)
        );
        // The night the clocks go back has an hour more.
        let night_of =
            |evening: DateTime<Utc>| calendar.between(evening, evening + Duration::hours(12));
        assert_eq!(night_of(utc(2026, 10, 31, 23, 0)), Duration::hours(9));
        assert_eq!(night_of(utc(2026, 10, 24, 23, 0)), Duration::hours(8));
    }

    #[test]
    fn calendars_are_checked_when_built() {
        let closed: [Vec<Interval>; 7] = Default::default();
        assert_eq!(
            Calendar::new("Mars/Olympus", closed.clone(), &[]).unwrap_err(),
            CalendarError::UnknownZone("Mars/Olympus".into())
        );
        let mut reversed = closed.clone();
        reversed[2] = vec![hours(12, 9)];
        assert_eq!(
            Calendar::new("UTC", reversed, &[]).unwrap_err(),
            CalendarError::IntervalInvalid { weekday: 2 }
        );
        let mut overlapping = closed.clone();
        overlapping[4] = vec![hours(13, 18), hours(8, 14)];
        assert_eq!(
            Calendar::new("UTC", overlapping, &[]).unwrap_err(),
            CalendarError::IntervalsOverlap { weekday: 4 }
        );
        let never = Calendar::new("UTC", closed, &[]).unwrap();
        assert_eq!(never.add(utc(2026, 1, 1, 0, 0), Duration::minutes(1)), None);
        assert_eq!(never.next_opening(utc(2026, 1, 1, 0, 0)), None);
    }
}
