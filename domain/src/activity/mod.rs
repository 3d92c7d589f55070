//! Agent activity: work sessions and the inactivity periods inside them.
//!
//! A work session starts at sign-in (or at the first sign of life after the
//! agent went offline) and ends at sign-out, auto-logout, or when the
//! browser has been silent past the account's threshold. Inside it, the
//! agent is active unless one inactivity period is open: idle, hidden, away
//! or heartbeat lost. Only whether the agent interacts with Ponte is
//! recorded — never what they type, other applications, or where they are.

mod auto_logout;
pub mod clock;
mod history;
mod settings;
mod status_board;
mod sweeper;

pub use auto_logout::auto_sign_out;
pub use history::{seed_history, write_history};
pub use settings::{settings, settings_of, update_settings, SettingsForm};
pub use status_board::{agent_statuses, may_watch};
pub(crate) use status_board::{sessions_in, visible_agents, SessionSpans};
pub use sweeper::{sweep_silent, SweepOutcome, HEARTBEAT_GRACE_SECONDS};

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::activity::{
    ActivitySnapshot, AgentStatus, BrowserActivity, InactivityReason, SessionEndReason,
};
use shared::inbox::Availability;
use uuid::Uuid;

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::realtime::{self, Signal};
use clock::Span;

pub use shared::activity::HEARTBEAT_SECONDS;

/// The one rule for what an agent is, from what their browser reports and
/// what they said about themselves: `None` is active.
pub fn inactivity_for(
    availability: Availability,
    browser: BrowserActivity,
) -> Option<InactivityReason> {
    if availability == Availability::Away {
        return Some(InactivityReason::Away);
    }
    match browser {
        BrowserActivity::Active => None,
        BrowserActivity::Idle => Some(InactivityReason::Idle),
        BrowserActivity::Hidden => Some(InactivityReason::Hidden),
    }
}

#[derive(sqlx::FromRow)]
struct OpenSession {
    id: i64,
    last_seen_at: DateTime<Utc>,
    /// Started by this call: the agent was offline until now.
    #[sqlx(default)]
    just_started: bool,
}

#[derive(sqlx::FromRow)]
struct OpenPeriod {
    id: i64,
    reason: InactivityReason,
}

/// The agent's open work session, locked; started first when `start`.
async fn open_session(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
    start: bool,
) -> anyhow::Result<Option<OpenSession>> {
    if start {
        let started: Option<(i64, DateTime<Utc>)> = sqlx::query_as(
            "INSERT INTO work_sessions (account_id, user_id) VALUES ($1, $2)
             ON CONFLICT (account_id, user_id) WHERE ended_at IS NULL DO NOTHING
             RETURNING id, last_seen_at",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
        .context("starting a work session")?;
        if let Some((id, last_seen_at)) = started {
            return Ok(Some(OpenSession {
                id,
                last_seen_at,
                just_started: true,
            }));
        }
    }
    sqlx::query_as(
        "SELECT id, last_seen_at FROM work_sessions
          WHERE account_id = $1 AND user_id = $2 AND ended_at IS NULL
            FOR UPDATE",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the open work session")
}

async fn open_period(tx: &mut Tx, session_id: i64) -> anyhow::Result<Option<OpenPeriod>> {
    sqlx::query_as(
        "SELECT id, reason FROM inactivity_periods
          WHERE work_session_id = $1 AND ended_at IS NULL",
    )
    .bind(session_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the open inactivity period")
}

/// Puts the agent in `wanted` (`None`: active) from `at`: closes the open
/// period and opens the new one, and tells every instance when the status
/// changed.
async fn shift(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
    session: &OpenSession,
    wanted: Option<InactivityReason>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let current = open_period(tx, session.id).await?;
    let status_before = match &current {
        _ if session.just_started => AgentStatus::Offline,
        Some(period) => period.reason.status(),
        None => AgentStatus::Active,
    };
    let status = wanted.map_or(AgentStatus::Active, InactivityReason::status);
    if status != status_before {
        realtime::publish(tx, account_id, Signal::ActivityChanged { user_id, status }).await?;
    }
    if current.as_ref().map(|p| p.reason) == wanted {
        return Ok(());
    }
    if let Some(period) = current {
        sqlx::query(
            "UPDATE inactivity_periods SET ended_at = greatest(started_at, $2) WHERE id = $1",
        )
        .bind(period.id)
        .bind(at)
        .execute(&mut **tx)
        .await
        .context("closing an inactivity period")?;
    }
    if let Some(reason) = wanted {
        sqlx::query(
            "INSERT INTO inactivity_periods (account_id, work_session_id, user_id, started_at, reason)
             VALUES ($1, $2, $3, greatest($4, (SELECT started_at FROM work_sessions WHERE id = $2)), $5)",
        )
        .bind(account_id)
        .bind(session.id)
        .bind(user_id)
        .bind(at)
        .bind(reason)
        .execute(&mut **tx)
        .await
        .context("opening an inactivity period")?;
    }
    Ok(())
}

async fn db_now(tx: &mut Tx) -> anyhow::Result<DateTime<Utc>> {
    sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut **tx)
        .await
        .context("reading the clock")
}

async fn availability_in(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
) -> anyhow::Result<Availability> {
    sqlx::query_scalar(
        "SELECT availability FROM memberships WHERE account_id = $1 AND user_id = $2",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await
    .context("reading availability")
}

/// What the agent's browser reports (a change, or the heartbeat): starts a
/// work session if none is open, and records the state.
pub async fn report(db: &Db, actor: &Actor, browser: BrowserActivity) -> Result<ActivitySnapshot> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let (account_id, user_id) = (actor.account_id, actor.user_id);
    sign_of_life(&mut tx, account_id, user_id, browser).await?;
    let snapshot = snapshot_in(&mut tx, account_id, user_id).await?;
    tx.commit().await.context("commit")?;
    Ok(snapshot)
}

/// The agent's status and timer, without recording anything.
pub async fn snapshot(db: &Db, actor: &Actor) -> Result<ActivitySnapshot> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let snapshot = snapshot_in(&mut tx, actor.account_id, actor.user_id).await?;
    tx.commit().await.context("commit")?;
    Ok(snapshot)
}

async fn snapshot_in(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
) -> anyhow::Result<ActivitySnapshot> {
    let now = db_now(tx).await?;
    let settings = settings::settings_in(tx, account_id).await?;
    let session: Option<(i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, started_at FROM work_sessions
          WHERE account_id = $1 AND user_id = $2 AND ended_at IS NULL",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the open work session")?;
    let Some((session_id, started_at)) = session else {
        return Ok(ActivitySnapshot {
            status: AgentStatus::Offline,
            status_since: None,
            active_seconds: 0,
            as_of: now,
            settings,
        });
    };
    let periods: Vec<(DateTime<Utc>, Option<DateTime<Utc>>, InactivityReason)> = sqlx::query_as(
        "SELECT started_at, ended_at, reason FROM inactivity_periods
          WHERE work_session_id = $1 ORDER BY started_at",
    )
    .bind(session_id)
    .fetch_all(&mut **tx)
    .await
    .context("reading inactivity periods")?;
    let spans: Vec<Span> = periods.iter().map(|(s, e, _)| Span::new(*s, *e)).collect();
    let open = periods.iter().find(|(_, end, _)| end.is_none());
    let last_closed = periods.iter().filter_map(|(_, end, _)| *end).max();
    Ok(ActivitySnapshot {
        status: open.map_or(AgentStatus::Active, |(_, _, reason)| reason.status()),
        status_since: Some(open.map_or(last_closed.unwrap_or(started_at), |(start, _, _)| *start)),
        active_seconds: clock::session_active_seconds(Span::new(started_at, None), &spans, now),
        as_of: now,
        settings,
    })
}

/// A new sign-in: the work session starts, or goes on if another device
/// keeps one open (a silent browser's gap stays recorded).
pub(crate) async fn signed_in(tx: &mut Tx, account_id: Uuid, user_id: Uuid) -> anyhow::Result<()> {
    sign_of_life(tx, account_id, user_id, BrowserActivity::Active).await
}

/// The agent's browser is there and in state `browser`: opens a work
/// session if none is, moves the agent into the matching status, and
/// records the heartbeat.
async fn sign_of_life(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
    browser: BrowserActivity,
) -> anyhow::Result<()> {
    let now = db_now(tx).await?;
    let session = open_session(tx, account_id, user_id, true)
        .await?
        .context("a work session was just started")?;
    let availability = availability_in(tx, account_id, user_id).await?;
    shift(
        tx,
        account_id,
        user_id,
        &session,
        inactivity_for(availability, browser),
        now,
    )
    .await?;
    sqlx::query("UPDATE work_sessions SET last_seen_at = now() WHERE id = $1")
        .bind(session.id)
        .execute(&mut **tx)
        .await
        .context("recording a heartbeat")?;
    Ok(())
}

/// The agent said they are away, or back: away is an inactivity period;
/// coming back (a click) makes them active.
pub(crate) async fn availability_changed(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
    availability: Availability,
) -> anyhow::Result<()> {
    let Some(session) = open_session(tx, account_id, user_id, false).await? else {
        return Ok(());
    };
    let now = db_now(tx).await?;
    shift(
        tx,
        account_id,
        user_id,
        &session,
        inactivity_for(availability, BrowserActivity::Active),
        now,
    )
    .await
}

/// Ends the agent's work session (if one is open) at `at` (default: now),
/// closing its open period with it.
pub(crate) async fn end(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
    reason: SessionEndReason,
    at: Option<DateTime<Utc>>,
) -> anyhow::Result<bool> {
    let ended: Option<(i64, DateTime<Utc>)> = sqlx::query_as(
        "UPDATE work_sessions SET ended_at = greatest(started_at, coalesce($3, now())), end_reason = $4
          WHERE account_id = $1 AND user_id = $2 AND ended_at IS NULL
      RETURNING id, ended_at",
    )
    .bind(account_id)
    .bind(user_id)
    .bind(at)
    .bind(reason)
    .fetch_optional(&mut **tx)
    .await
    .context("ending a work session")?;
    let Some((session_id, ended_at)) = ended else {
        return Ok(false);
    };
    sqlx::query(
        "UPDATE inactivity_periods SET ended_at = greatest(started_at, $2)
          WHERE work_session_id = $1 AND ended_at IS NULL",
    )
    .bind(session_id)
    .bind(ended_at)
    .execute(&mut **tx)
    .await
    .context("closing the last inactivity period")?;
    realtime::publish(
        tx,
        account_id,
        Signal::ActivityChanged {
            user_id,
            status: AgentStatus::Offline,
        },
    )
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn away_wins_over_whatever_the_browser_says() {
        for browser in BrowserActivity::ALL {
            assert_eq!(
                inactivity_for(Availability::Away, *browser),
                Some(InactivityReason::Away)
            );
        }
    }

    #[test]
    fn the_browser_decides_otherwise() {
        for availability in [Availability::Online, Availability::Offline] {
            assert_eq!(inactivity_for(availability, BrowserActivity::Active), None);
            assert_eq!(
                inactivity_for(availability, BrowserActivity::Idle),
                Some(InactivityReason::Idle)
            );
            assert_eq!(
                inactivity_for(availability, BrowserActivity::Hidden),
                Some(InactivityReason::Hidden)
            );
        }
    }
}
