//! Active time, the one formula: the part of a work session, inside a
//! window, that no inactivity period covers. Open ends count up to `now`;
//! overlapping periods count once. The timer, the status board and the
//! reports all call this.

use chrono::{DateTime, Utc};

/// A stretch of time; `end: None` is still open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

impl Span {
    pub fn new(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> Self {
        Span { start, end }
    }

    /// This span cut to `[from, to)`, open ends at `now`; `None` if nothing
    /// is left.
    fn clip(
        self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let start = self.start.max(from);
        let end = self.end.unwrap_or(now).min(to).min(now);
        (end > start).then_some((start, end))
    }
}

/// Seconds of `span` within `[from, to)`, open ends at `now`.
pub fn clipped_seconds(
    span: Span,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> i64 {
    span.clip(from, to, now)
        .map_or(0, |(start, end)| (end - start).num_seconds())
}

/// Active seconds of `session` within `[from, to)`, given its `inactive`
/// periods, as of `now`.
pub fn active_seconds(
    session: Span,
    inactive: &[Span],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> i64 {
    let Some((start, end)) = session.clip(from, to, now) else {
        return 0;
    };
    let mut gaps: Vec<_> = inactive
        .iter()
        .filter_map(|period| period.clip(start, end, now))
        .collect();
    gaps.sort();
    let mut covered = 0;
    let mut reach = start;
    for (gap_start, gap_end) in gaps {
        let gap_start = gap_start.max(reach);
        if gap_end > gap_start {
            covered += (gap_end - gap_start).num_seconds();
            reach = gap_end;
        }
    }
    (end - start).num_seconds() - covered
}

/// Active seconds of a whole session as of `now`.
pub fn session_active_seconds(session: Span, inactive: &[Span], now: DateTime<Utc>) -> i64 {
    active_seconds(session, inactive, session.start, now, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, NaiveDate, TimeZone};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, h, m, 0).unwrap()
    }

    fn span(start: DateTime<Utc>, end: DateTime<Utc>) -> Span {
        Span::new(start, Some(end))
    }

    #[test]
    fn a_session_without_inactivity_is_all_active() {
        let session = span(at(9, 0), at(12, 0));
        assert_eq!(session_active_seconds(session, &[], at(18, 0)), 3 * 3600);
    }

    #[test]
    fn inactivity_is_subtracted_and_overlaps_count_once() {
        let session = span(at(9, 0), at(12, 0));
        let periods = [
            span(at(10, 0), at(10, 30)),
            // overlaps the first by 10 minutes
            span(at(10, 20), at(10, 40)),
            // inside the second entirely
            span(at(10, 25), at(10, 35)),
            span(at(11, 0), at(11, 5)),
        ];
        // 40 + 5 inactive minutes
        assert_eq!(
            session_active_seconds(session, &periods, at(18, 0)),
            3 * 3600 - 45 * 60
        );
    }

    #[test]
    fn open_ends_count_up_to_now() {
        let session = Span::new(at(9, 0), None);
        let periods = [Span::new(at(9, 30), None)];
        assert_eq!(
            session_active_seconds(session, &periods, at(10, 0)),
            30 * 60
        );
        // An open session with an open period stops counting: the timer
        // stays where it stopped.
        assert_eq!(
            session_active_seconds(session, &periods, at(11, 0)),
            30 * 60
        );
    }

    #[test]
    fn periods_outside_the_session_do_not_count() {
        let session = span(at(9, 0), at(10, 0));
        let periods = [span(at(8, 0), at(9, 10)), span(at(9, 50), at(11, 0))];
        assert_eq!(
            session_active_seconds(session, &periods, at(18, 0)),
            40 * 60
        );
    }

    #[test]
    fn a_session_spanning_midnight_is_split_by_the_account_day() {
        // 22:00–02:00 in São Paulo (UTC−3), idle 23:30–00:30 local.
        let sao_paulo = FixedOffset::west_opt(3 * 3600).unwrap();
        let local = |d: u32, h: u32, m: u32| {
            sao_paulo
                .from_local_datetime(
                    &NaiveDate::from_ymd_opt(2026, 3, d)
                        .unwrap()
                        .and_hms_opt(h, m, 0)
                        .unwrap(),
                )
                .unwrap()
                .with_timezone(&Utc)
        };
        let session = span(local(10, 22, 0), local(11, 2, 0));
        let idle = [span(local(10, 23, 30), local(11, 0, 30))];
        let now = local(12, 0, 0);
        let first_day = active_seconds(session, &idle, local(10, 0, 0), local(11, 0, 0), now);
        let second_day = active_seconds(session, &idle, local(11, 0, 0), local(12, 0, 0), now);
        assert_eq!(first_day, 90 * 60);
        assert_eq!(second_day, 90 * 60);
        assert_eq!(
            first_day + second_day,
            session_active_seconds(session, &idle, now)
        );
    }

    #[test]
    fn a_window_in_the_future_or_past_has_no_active_time() {
        let session = span(at(9, 0), at(10, 0));
        assert_eq!(
            active_seconds(session, &[], at(11, 0), at(12, 0), at(18, 0)),
            0
        );
        let open = Span::new(at(9, 0), None);
        assert_eq!(
            active_seconds(open, &[], at(11, 0), at(12, 0), at(10, 0)),
            0
        );
    }
}
