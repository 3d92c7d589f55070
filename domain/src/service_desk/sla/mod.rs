//! SLA clocks: a conversation in a department with a policy gets its due
//! times when it starts (in the department's business time, or plain time);
//! they stop while it waits on the customer and move on by the time
//! stopped; a sweeper on any instance finds the clocks that ran out within
//! seconds and records each breach once — an activity line, a notification
//! to the department's supervisors, the list's badge, live.

mod policies;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use shared::inbox::{Activity, ConversationStatus, NotificationKind};
use shared::sla::SlaTarget;
use uuid::Uuid;

use super::calendars;
use crate::business_time::Calendar;
use crate::conversations::{self, Locked};
use crate::db::{Db, Tx};
use crate::error::Result;

pub use policies::{list, remove, save};

/// Breaches one sweep records at most.
const SWEEP_LIMIT: i32 = 200;

/// A policy as the clocks need it, with the department's calendar.
struct Clock {
    policy_id: i64,
    first_response_minutes: Option<i32>,
    resolution_minutes: Option<i32>,
    pause_while_waiting: bool,
    /// `None`: around the clock.
    calendar: Option<Calendar>,
}

impl Clock {
    fn due(&self, from: DateTime<Utc>, minutes: Option<i32>) -> Option<DateTime<Utc>> {
        let span = Duration::minutes(minutes?.into());
        match &self.calendar {
            Some(calendar) => calendar.add(from, span),
            None => Some(from + span),
        }
    }

    /// How far a stop from `from` to `to` moves the due times.
    fn stopped(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        match &self.calendar {
            Some(calendar) => calendar.between(from, to),
            None => (to - from).max(Duration::zero()),
        }
    }
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    id: i64,
    first_response_minutes: Option<i32>,
    resolution_minutes: Option<i32>,
    business_hours_only: bool,
    pause_while_waiting: bool,
}

async fn clock_of_department(
    tx: &mut Tx,
    account_id: Uuid,
    department_id: i64,
) -> anyhow::Result<Option<Clock>> {
    let policy: Option<PolicyRow> = sqlx::query_as(
        "SELECT p.id, p.first_response_minutes, p.resolution_minutes, p.business_hours_only,
                p.pause_while_waiting
           FROM departments d JOIN sla_policies p ON p.id = d.sla_policy_id
          WHERE d.account_id = $1 AND d.id = $2",
    )
    .bind(account_id)
    .bind(department_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the department's SLA")?;
    let Some(policy) = policy else {
        return Ok(None);
    };
    let calendar = if policy.business_hours_only {
        calendars::department_hours(tx, account_id, department_id)
            .await?
            .map(|hours| hours.calendar)
    } else {
        None
    };
    Ok(Some(Clock {
        policy_id: policy.id,
        first_response_minutes: policy.first_response_minutes,
        resolution_minutes: policy.resolution_minutes,
        pause_while_waiting: policy.pause_while_waiting,
        calendar,
    }))
}

/// Starts the clocks of a conversation that has none, by its department's
/// policy (a new conversation, or one transferred into a department with a
/// policy).
pub(crate) async fn start_clocks(tx: &mut Tx, conversation: &mut Locked) -> Result<()> {
    let (None, Some(department_id)) = (conversation.sla_policy_id, conversation.department_id)
    else {
        return Ok(());
    };
    let Some(clock) = clock_of_department(tx, conversation.account_id, department_id).await? else {
        return Ok(());
    };
    let now = Utc::now();
    sqlx::query(
        "UPDATE conversations
            SET sla_policy_id = $3, sla_first_response_due_at = $4, sla_resolution_due_at = $5
          WHERE account_id = $1 AND id = $2 AND sla_policy_id IS NULL",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(clock.policy_id)
    .bind(clock.due(now, clock.first_response_minutes))
    .bind(clock.due(now, clock.resolution_minutes))
    .execute(&mut **tx)
    .await
    .context("starting SLA clocks")?;
    conversation.sla_policy_id = Some(clock.policy_id);
    Ok(())
}

/// Stops the clocks when the conversation starts waiting on the customer
/// (by policy) and moves the due times on by the stopped time when it
/// stops waiting.
pub(crate) async fn follow_status(tx: &mut Tx, conversation: &mut Locked) -> Result<()> {
    let (Some(_), Some(department_id)) = (conversation.sla_policy_id, conversation.department_id)
    else {
        return Ok(());
    };
    let paused_at = conversation.sla_paused_at;
    let waiting = conversation.status == ConversationStatus::Waiting;
    match (waiting, paused_at) {
        (true, None) => {
            let Some(clock) =
                clock_of_department(tx, conversation.account_id, department_id).await?
            else {
                return Ok(());
            };
            if clock.pause_while_waiting {
                sqlx::query("UPDATE conversations SET sla_paused_at = now() WHERE account_id = $1 AND id = $2")
                    .bind(conversation.account_id)
                    .bind(conversation.id)
                    .execute(&mut **tx)
                    .await
                    .context("stopping SLA clocks")?;
                conversation.sla_paused_at = Some(Utc::now());
            }
        }
        (false, Some(since)) => {
            let stopped =
                match clock_of_department(tx, conversation.account_id, department_id).await? {
                    Some(clock) => clock.stopped(since, Utc::now()),
                    None => Utc::now() - since,
                };
            sqlx::query(
                "UPDATE conversations
                    SET sla_paused_at = NULL,
                        sla_first_response_due_at = sla_first_response_due_at + make_interval(secs => $3),
                        sla_resolution_due_at = sla_resolution_due_at + make_interval(secs => $3)
                  WHERE account_id = $1 AND id = $2",
            )
            .bind(conversation.account_id)
            .bind(conversation.id)
            .bind(stopped.num_milliseconds() as f64 / 1000.0)
            .execute(&mut **tx)
            .await
            .context("restarting SLA clocks")?;
            conversation.sla_paused_at = None;
        }
        _ => {}
    }
    Ok(())
}

/// Records the clocks that ran out since the last sweep, each once
/// (every account; a conversation someone holds is found next time).
pub async fn sweep_breaches(db: &Db) -> Result<usize> {
    let due: Vec<(Uuid, i64, SlaTarget)> =
        sqlx::query_as("SELECT account_id, conversation_id, target FROM due_sla_breaches($1)")
            .bind(SWEEP_LIMIT)
            .fetch_all(db.pool())
            .await
            .context("finding SLA breaches")?;
    let mut recorded = 0;
    for (account_id, conversation_id, target) in due {
        let mut tx = db.tenant(account_id, None).await?;
        let Some(conversation) =
            conversations::lock_by_id(&mut tx, account_id, conversation_id, true).await?
        else {
            continue;
        };
        if record_breach(&mut tx, &conversation, target).await? {
            recorded += 1;
        }
        tx.commit().await.context("commit")?;
    }
    Ok(recorded)
}

async fn record_breach(tx: &mut Tx, conversation: &Locked, target: SlaTarget) -> Result<bool> {
    // The same conditions the finder used, now under the row lock.
    let sql = match target {
        SlaTarget::FirstResponse => {
            "UPDATE conversations SET sla_first_response_breached_at = now()
              WHERE account_id = $1 AND id = $2 AND sla_first_response_breached_at IS NULL
                AND first_response_at IS NULL AND sla_paused_at IS NULL
                AND sla_first_response_due_at <= now() AND status IN ('open', 'in_progress', 'waiting', 'bot')"
        }
        SlaTarget::Resolution => {
            "UPDATE conversations SET sla_resolution_breached_at = now()
              WHERE account_id = $1 AND id = $2 AND sla_resolution_breached_at IS NULL
                AND resolved_at IS NULL AND sla_paused_at IS NULL
                AND sla_resolution_due_at <= now() AND status IN ('open', 'in_progress', 'waiting', 'bot')"
        }
    };
    let done = sqlx::query(sql)
        .bind(conversation.account_id)
        .bind(conversation.id)
        .execute(&mut **tx)
        .await
        .context("recording SLA breach")?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let line =
        conversations::add_activity(tx, conversation, &Activity::SlaBreached { target }).await?;
    for supervisor in supervisors_of(tx, conversation).await? {
        crate::notifications::notify_from_system(
            tx,
            conversation.account_id,
            supervisor,
            NotificationKind::SlaBreach,
            conversation.id,
            line,
        )
        .await?;
    }
    conversations::touch(tx, conversation.account_id, conversation.id).await?;
    Ok(true)
}

/// Who hears of a breach: the supervisors among the department's members,
/// or every supervisor when none is a member.
async fn supervisors_of(tx: &mut Tx, conversation: &Locked) -> anyhow::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "WITH team AS (
            SELECT m.user_id FROM memberships m
              JOIN department_members dm ON dm.user_id = m.user_id AND dm.department_id = $2
             WHERE m.account_id = $1 AND m.active AND m.role = 'supervisor')
         SELECT user_id FROM team
         UNION ALL
         SELECT m.user_id FROM memberships m
          WHERE m.account_id = $1 AND m.active AND m.role = 'supervisor' AND NOT EXISTS (SELECT 1 FROM team)",
    )
    .bind(conversation.account_id)
    .bind(conversation.department_id)
    .fetch_all(&mut **tx)
    .await
    .context("finding the department's supervisors")
}
