//! The server's fallback for browsers that vanish (closed, asleep, offline):
//! a silent agent turns idle from their last sign of life, then offline,
//! their work session ending at that last sign — so a vanished browser never
//! accrues active time.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::activity::{InactivityReason, SessionEndReason};
use uuid::Uuid;

use super::{db_now, end, open_period, open_session, settings::settings_in, shift};
use crate::db::Db;
use crate::error::Result;

/// Two missed heartbeats and a little slack: then the browser is gone.
pub const HEARTBEAT_GRACE_SECONDS: i64 = 150;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepOutcome {
    pub idle: usize,
    pub offline: usize,
}

/// Marks silent agents idle, and those silent past their account's threshold
/// offline. Safe on every instance at once (rows are locked).
pub async fn sweep_silent(db: &Db) -> Result<SweepOutcome> {
    let silent: Vec<(Uuid, Uuid)> =
        sqlx::query_as("SELECT * FROM silent_work_sessions(make_interval(secs => $1), 200)")
            .bind(HEARTBEAT_GRACE_SECONDS as f64)
            .fetch_all(db.pool())
            .await
            .context("finding silent agents")?;
    let mut outcome = SweepOutcome::default();
    for (account_id, user_id) in silent {
        let mut tx = db.tenant(account_id, None).await?;
        let Some(session) = open_session(&mut tx, account_id, user_id, false).await? else {
            continue;
        };
        let now = db_now(&mut tx).await?;
        let threshold = settings_in(&mut tx, account_id)
            .await?
            .server_idle_threshold_minutes;
        match verdict(session.last_seen_at, now, threshold) {
            Silence::Offline => {
                end(
                    &mut tx,
                    account_id,
                    user_id,
                    SessionEndReason::HeartbeatLost,
                    Some(session.last_seen_at),
                )
                .await?;
                outcome.offline += 1;
            }
            Silence::Idle if open_period(&mut tx, session.id).await?.is_none() => {
                let reason = Some(InactivityReason::HeartbeatLost);
                shift(
                    &mut tx,
                    account_id,
                    user_id,
                    &session,
                    reason,
                    session.last_seen_at,
                )
                .await?;
                outcome.idle += 1;
            }
            Silence::Idle | Silence::None => {}
        }
        tx.commit().await.context("commit")?;
    }
    Ok(outcome)
}

#[derive(Debug, PartialEq, Eq)]
enum Silence {
    None,
    Idle,
    Offline,
}

fn verdict(last_seen: DateTime<Utc>, now: DateTime<Utc>, threshold_minutes: u32) -> Silence {
    let silent = (now - last_seen).num_seconds();
    if silent >= i64::from(threshold_minutes) * 60 {
        Silence::Offline
    } else if silent >= HEARTBEAT_GRACE_SECONDS {
        Silence::Idle
    } else {
        Silence::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn silence_turns_idle_after_the_grace_and_offline_after_the_threshold() {
        let now = Utc::now();
        let ago = |secs| now - Duration::seconds(secs);
        assert_eq!(verdict(ago(60), now, 20), Silence::None);
        assert_eq!(
            verdict(ago(HEARTBEAT_GRACE_SECONDS), now, 20),
            Silence::Idle
        );
        assert_eq!(verdict(ago(19 * 60), now, 20), Silence::Idle);
        assert_eq!(verdict(ago(20 * 60), now, 20), Silence::Offline);
    }
}
