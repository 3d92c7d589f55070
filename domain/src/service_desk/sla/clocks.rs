//! The clocks of one conversation: started by its department's policy (or
//! the one the department sets for its priority), stopped while it waits on
//! the customer, moved to another policy when its priority changes, and a
//! next-response turn each time the customer writes after the first answer.
//!
//! The facts are kept (when the clocks started, how much counted time they
//! were stopped), so a new policy recomputes the due times from the same
//! start.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use shared::inbox::{ConversationStatus, Priority};
use uuid::Uuid;

use crate::business_time::Calendar;
use crate::conversations::Locked;
use crate::db::Tx;
use crate::error::Result;
use crate::service_desk::calendars;

/// A policy's targets with the calendar they are counted in.
struct Clock {
    policy_id: i64,
    first_response: Option<Duration>,
    next_response: Option<Duration>,
    resolution: Option<Duration>,
    pause_while_waiting: bool,
    /// `None`: around the clock.
    calendar: Option<Calendar>,
}

/// The first-response and resolution due times.
#[derive(Debug, PartialEq)]
struct DueTimes {
    first_response: Option<DateTime<Utc>>,
    resolution: Option<DateTime<Utc>>,
}

impl Clock {
    /// The instant `span` of counted time after `from`.
    fn after(&self, from: DateTime<Utc>, span: Duration) -> Option<DateTime<Utc>> {
        match &self.calendar {
            Some(calendar) => calendar.add(from, span),
            None => Some(from + span),
        }
    }

    /// Counted time from `from` to `to`.
    fn counted(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        match &self.calendar {
            Some(calendar) => calendar.between(from, to),
            None => (to - from).max(Duration::zero()),
        }
    }

    /// The due times of clocks started at `started` and stopped for
    /// `stopped` (counted time) since.
    fn due_times(&self, started: DateTime<Utc>, stopped: Duration) -> DueTimes {
        let due = |target: Option<Duration>| self.after(started, target? + stopped);
        DueTimes {
            first_response: due(self.first_response),
            resolution: due(self.resolution),
        }
    }
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    id: i64,
    first_response_minutes: Option<i32>,
    next_response_minutes: Option<i32>,
    resolution_minutes: Option<i32>,
    business_hours_only: bool,
    pause_while_waiting: bool,
}

const POLICY_COLUMNS: &str = "p.id, p.first_response_minutes, p.next_response_minutes,
    p.resolution_minutes, p.business_hours_only, p.pause_while_waiting";

/// The policy a department applies to a conversation of `priority`: the one
/// it sets for that priority, else its default.
async fn policy_for(
    tx: &mut Tx,
    account_id: Uuid,
    department_id: i64,
    priority: Priority,
) -> anyhow::Result<Option<PolicyRow>> {
    sqlx::query_as(&format!(
        "SELECT {POLICY_COLUMNS}
           FROM departments d
           LEFT JOIN department_sla_policies dp ON dp.department_id = d.id AND dp.priority = $3
           JOIN sla_policies p ON p.id = COALESCE(dp.sla_policy_id, d.sla_policy_id)
          WHERE d.account_id = $1 AND d.id = $2"
    ))
    .bind(account_id)
    .bind(department_id)
    .bind(priority)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the department's SLA")
}

async fn clock_of(
    tx: &mut Tx,
    account_id: Uuid,
    department_id: Option<i64>,
    policy: PolicyRow,
) -> anyhow::Result<Clock> {
    let calendar = match (policy.business_hours_only, department_id) {
        (true, Some(department_id)) => calendars::department_hours(tx, account_id, department_id)
            .await?
            .map(|hours| hours.calendar),
        _ => None,
    };
    let span = |minutes: Option<i32>| minutes.map(|m| Duration::minutes(m.into()));
    Ok(Clock {
        policy_id: policy.id,
        first_response: span(policy.first_response_minutes),
        next_response: span(policy.next_response_minutes),
        resolution: span(policy.resolution_minutes),
        pause_while_waiting: policy.pause_while_waiting,
        calendar,
    })
}

/// The clock the conversation follows now. A policy removed since counts
/// plain time and sets no new target.
async fn clock_of_conversation(
    tx: &mut Tx,
    conversation: &Locked,
    policy_id: i64,
) -> anyhow::Result<Clock> {
    let policy: Option<PolicyRow> = sqlx::query_as(&format!(
        "SELECT {POLICY_COLUMNS} FROM sla_policies p WHERE p.account_id = $1 AND p.id = $2"
    ))
    .bind(conversation.account_id)
    .bind(policy_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the conversation's SLA")?;
    match policy {
        Some(policy) => {
            clock_of(
                tx,
                conversation.account_id,
                conversation.department_id,
                policy,
            )
            .await
        }
        None => Ok(Clock {
            policy_id,
            first_response: None,
            next_response: None,
            resolution: None,
            pause_while_waiting: true,
            calendar: None,
        }),
    }
}

/// Starts the clocks of a conversation that has none, by its department's
/// policy (a new conversation, one transferred into a department with a
/// policy, or one whose priority now has one).
pub(crate) async fn start_clocks(tx: &mut Tx, conversation: &mut Locked) -> Result<()> {
    let (None, Some(department_id)) = (conversation.sla_policy_id, conversation.department_id)
    else {
        return Ok(());
    };
    let Some(policy) = policy_for(
        tx,
        conversation.account_id,
        department_id,
        conversation.priority,
    )
    .await?
    else {
        return Ok(());
    };
    let clock = clock_of(tx, conversation.account_id, Some(department_id), policy).await?;
    let now = Utc::now();
    let due = clock.due_times(now, Duration::zero());
    sqlx::query(
        "UPDATE conversations
            SET sla_policy_id = $3, sla_started_at = $4, sla_stopped_seconds = 0,
                sla_first_response_due_at = $5, sla_resolution_due_at = $6,
                sla_next_response_due_at = NULL
          WHERE account_id = $1 AND id = $2 AND sla_policy_id IS NULL",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(clock.policy_id)
    .bind(now)
    .bind(due.first_response)
    .bind(due.resolution)
    .execute(&mut **tx)
    .await
    .context("starting SLA clocks")?;
    conversation.sla_policy_id = Some(clock.policy_id);
    Ok(())
}

/// Stops the clocks while a flow answers the customer (the promise is
/// people's, and starts at the handoff) and while the conversation waits on
/// the customer (by policy); when that ends, moves the due times on by the
/// stopped (counted) time.
pub(crate) async fn follow_status(tx: &mut Tx, conversation: &mut Locked) -> Result<()> {
    let Some(policy_id) = conversation.sla_policy_id else {
        return Ok(());
    };
    let held = matches!(
        conversation.status,
        ConversationStatus::Waiting | ConversationStatus::Bot
    );
    match (held, conversation.sla_paused_at) {
        (true, None) => {
            let clock = clock_of_conversation(tx, conversation, policy_id).await?;
            if conversation.status == ConversationStatus::Bot || clock.pause_while_waiting {
                let now = Utc::now();
                sqlx::query(
                    "UPDATE conversations SET sla_paused_at = $3 WHERE account_id = $1 AND id = $2",
                )
                .bind(conversation.account_id)
                .bind(conversation.id)
                .bind(now)
                .execute(&mut **tx)
                .await
                .context("stopping SLA clocks")?;
                conversation.sla_paused_at = Some(now);
            }
        }
        (false, Some(since)) => {
            let clock = clock_of_conversation(tx, conversation, policy_id).await?;
            restart(tx, conversation, &clock, since).await?;
        }
        _ => {}
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Running {
    sla_started_at: Option<DateTime<Utc>>,
    sla_stopped_seconds: i64,
    sla_first_response_due_at: Option<DateTime<Utc>>,
    sla_resolution_due_at: Option<DateTime<Utc>>,
    sla_next_response_due_at: Option<DateTime<Utc>>,
    sla_next_response_breached_at: Option<DateTime<Utc>>,
}

impl Running {
    /// The current next-response turn already ran out and was recorded.
    fn turn_breached(&self) -> bool {
        matches!(
            (self.sla_next_response_due_at, self.sla_next_response_breached_at),
            (Some(due), Some(breached)) if breached >= due
        )
    }
}

async fn running(tx: &mut Tx, conversation: &Locked) -> anyhow::Result<Running> {
    sqlx::query_as(
        "SELECT sla_started_at, sla_stopped_seconds, sla_first_response_due_at, sla_resolution_due_at,
                sla_next_response_due_at, sla_next_response_breached_at
           FROM conversations WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .fetch_one(&mut **tx)
    .await
    .context("reading SLA clocks")
}

/// Restarts stopped clocks: every due time moves on by the counted time
/// they were stopped (a next-response turn already breached stays as it
/// was, so it is not breached twice).
async fn restart(
    tx: &mut Tx,
    conversation: &mut Locked,
    clock: &Clock,
    since: DateTime<Utc>,
) -> Result<()> {
    let stopped = clock.counted(since, Utc::now());
    let running = running(tx, conversation).await?;
    let shift = |due: Option<DateTime<Utc>>| due.and_then(|due| clock.after(due, stopped));
    let next_response = if running.turn_breached() {
        running.sla_next_response_due_at
    } else {
        shift(running.sla_next_response_due_at)
    };
    sqlx::query(
        "UPDATE conversations
            SET sla_paused_at = NULL, sla_stopped_seconds = sla_stopped_seconds + $3,
                sla_first_response_due_at = $4, sla_resolution_due_at = $5, sla_next_response_due_at = $6
          WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(stopped.num_seconds())
    .bind(shift(running.sla_first_response_due_at))
    .bind(shift(running.sla_resolution_due_at))
    .bind(next_response)
    .execute(&mut **tx)
    .await
    .context("restarting SLA clocks")?;
    conversation.sla_paused_at = None;
    Ok(())
}

/// A closed conversation reopened: its resolution clock starts again from
/// now (the first answer was given long ago), and a turn left from before
/// it closed is over.
pub(crate) async fn reopened(tx: &mut Tx, conversation: &mut Locked) -> Result<()> {
    let Some(policy_id) = conversation.sla_policy_id else {
        return Ok(());
    };
    let clock = clock_of_conversation(tx, conversation, policy_id).await?;
    let now = Utc::now();
    sqlx::query(
        "UPDATE conversations
            SET sla_started_at = $3, sla_stopped_seconds = 0, sla_paused_at = NULL,
                sla_resolution_due_at = $4, sla_next_response_due_at = NULL
          WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(now)
    .bind(clock.due_times(now, Duration::zero()).resolution)
    .execute(&mut **tx)
    .await
    .context("restarting the resolution clock")?;
    conversation.sla_paused_at = None;
    Ok(())
}

/// The priority changed: the clocks follow the policy the department sets
/// for the new priority, from the same start (a next-response turn already
/// running keeps its due time); none for it stops them. Clocks not yet
/// running start in [`start_clocks`].
pub(crate) async fn retarget(tx: &mut Tx, conversation: &mut Locked) -> Result<()> {
    let (Some(current), Some(department_id)) =
        (conversation.sla_policy_id, conversation.department_id)
    else {
        return Ok(());
    };
    let policy = policy_for(
        tx,
        conversation.account_id,
        department_id,
        conversation.priority,
    )
    .await?;
    let Some(policy) = policy else {
        sqlx::query(
            "UPDATE conversations
                SET sla_policy_id = NULL, sla_started_at = NULL, sla_paused_at = NULL,
                    sla_first_response_due_at = NULL, sla_resolution_due_at = NULL,
                    sla_next_response_due_at = NULL
              WHERE account_id = $1 AND id = $2",
        )
        .bind(conversation.account_id)
        .bind(conversation.id)
        .execute(&mut **tx)
        .await
        .context("stopping SLA clocks")?;
        conversation.sla_policy_id = None;
        conversation.sla_paused_at = None;
        return Ok(());
    };
    if policy.id == current {
        return Ok(());
    }
    let clock = clock_of(tx, conversation.account_id, Some(department_id), policy).await?;
    let running = running(tx, conversation).await?;
    let started = running.sla_started_at.unwrap_or_else(Utc::now);
    let due = clock.due_times(started, Duration::seconds(running.sla_stopped_seconds));
    sqlx::query(
        "UPDATE conversations
            SET sla_policy_id = $3, sla_started_at = $4,
                sla_first_response_due_at = $5, sla_resolution_due_at = $6
          WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(clock.policy_id)
    .bind(started)
    .bind(due.first_response)
    .bind(due.resolution)
    .execute(&mut **tx)
    .await
    .context("moving SLA clocks to another policy")?;
    conversation.sla_policy_id = Some(clock.policy_id);
    Ok(())
}

/// The customer wrote: after the first answer, a next-response turn starts
/// unless one is already running (an agent's answer ends it:
/// `messages::send`).
pub(crate) async fn customer_wrote(tx: &mut Tx, conversation: &Locked) -> Result<()> {
    let Some(policy_id) = conversation.sla_policy_id else {
        return Ok(());
    };
    // Most messages start nothing (no answer yet, a turn already running, a
    // policy without the target): one look before reading the calendar.
    let starts_turn: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM conversations c JOIN sla_policies p ON p.id = c.sla_policy_id
                         WHERE c.account_id = $1 AND c.id = $2 AND c.first_response_at IS NOT NULL
                           AND c.sla_next_response_due_at IS NULL AND p.next_response_minutes IS NOT NULL)",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .fetch_one(&mut **tx)
    .await
    .context("checking for a next-response turn")?;
    if !starts_turn {
        return Ok(());
    }
    let clock = clock_of_conversation(tx, conversation, policy_id).await?;
    let Some(span) = clock.next_response else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE conversations SET sla_next_response_due_at = $3 WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(clock.after(Utc::now(), span))
    .execute(&mut **tx)
    .await
    .context("starting the next-response clock")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn plain(first: i64, resolution: i64) -> Clock {
        Clock {
            policy_id: 1,
            first_response: Some(Duration::minutes(first)),
            next_response: None,
            resolution: Some(Duration::minutes(resolution)),
            pause_while_waiting: true,
            calendar: None,
        }
    }

    #[test]
    fn due_times_count_from_the_start_plus_the_stopped_time() {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        let clock = plain(30, 240);
        assert_eq!(
            clock.due_times(start, Duration::zero()),
            DueTimes {
                first_response: Some(start + Duration::minutes(30)),
                resolution: Some(start + Duration::minutes(240)),
            }
        );
        // Stopped for 20 minutes: both move on by 20.
        assert_eq!(
            clock.due_times(start, Duration::minutes(20)).resolution,
            Some(start + Duration::minutes(260))
        );
    }

    #[test]
    fn stopped_business_time_moves_a_due_time_across_the_night() {
        let nine_to_six = vec![crate::business_time::Interval {
            open: 9 * 60,
            close: 18 * 60,
        }];
        let mut week: [Vec<crate::business_time::Interval>; 7] = Default::default();
        for day in week.iter_mut().take(5) {
            *day = nine_to_six.clone();
        }
        let mut clock = plain(30, 240);
        clock.calendar = Some(Calendar::new("America/Sao_Paulo", week, &[]).unwrap());
        // Monday 17:00 in São Paulo (UTC−3), four business hours to resolve.
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 20, 0, 0).unwrap();
        let due = clock.due_times(start, Duration::zero());
        assert_eq!(due.first_response, Some(start + Duration::minutes(30)));
        // One hour on Monday, three on Tuesday from 09:00 → Tuesday 12:00.
        assert_eq!(
            due.resolution,
            Utc.with_ymd_and_hms(2026, 3, 3, 15, 0, 0).single()
        );
        // Stopped from 17:30 to 09:45 the next day: 30 + 45 counted minutes.
        let counted = clock.counted(
            start + Duration::minutes(30),
            Utc.with_ymd_and_hms(2026, 3, 3, 12, 45, 0).unwrap(),
        );
        assert_eq!(counted, Duration::minutes(75));
        assert_eq!(
            clock.due_times(start, counted).resolution,
            Utc.with_ymd_and_hms(2026, 3, 3, 16, 15, 0).single()
        );
    }

    #[test]
    fn a_clock_without_a_target_has_no_due_time() {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        let mut clock = plain(30, 240);
        clock.first_response = None;
        assert_eq!(
            clock.due_times(start, Duration::zero()).first_response,
            None
        );
    }

    #[test]
    fn a_turn_counts_as_breached_only_when_recorded_after_its_due_time() {
        let due = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        let running = |breached: Option<DateTime<Utc>>| Running {
            sla_started_at: None,
            sla_stopped_seconds: 0,
            sla_first_response_due_at: None,
            sla_resolution_due_at: None,
            sla_next_response_due_at: Some(due),
            sla_next_response_breached_at: breached,
        };
        assert!(running(Some(due + Duration::seconds(3))).turn_breached());
        // An earlier turn's breach does not count for this one.
        assert!(!running(Some(due - Duration::hours(1))).turn_breached());
        assert!(!running(None).turn_breached());
    }
}
