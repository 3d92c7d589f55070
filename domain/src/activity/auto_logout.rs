//! Auto-logout: the browser asks once its agent has been idle past the
//! account's grace; the server checks its own record before agreeing.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use shared::activity::SessionEndReason;

use crate::auth::AuthenticatedSession;
use crate::db::Db;
use crate::error::{Error, Result};

/// How much earlier than the grace the server agrees: the browser's clock
/// and its idle report's round trip.
const SLACK_SECONDS: i64 = 60;

/// Signs the session out for idleness: refused (`Forbidden`) unless the
/// account has auto-logout on and the agent's work session has been
/// inactive — an open idle, hidden, away or silent period — for the
/// account's extra minutes. A browser that claims idleness while the
/// agent works elsewhere, or too early, is not believed.
pub async fn auto_sign_out(db: &Db, session: &AuthenticatedSession) -> Result<()> {
    let actor = &session.actor;
    let rules = super::settings(db, actor).await?;
    if !rules.auto_logout {
        return Err(Error::Forbidden);
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let inactive_since: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT min(p.started_at) FROM inactivity_periods p
           JOIN work_sessions w ON w.id = p.work_session_id
          WHERE w.account_id = $1 AND w.user_id = $2 AND w.ended_at IS NULL
            AND p.ended_at IS NULL",
    )
    .bind(actor.account_id)
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await
    .context("reading how long the agent has been inactive")?;
    tx.commit().await.context("commit")?;
    let grace = Duration::minutes(i64::from(rules.auto_logout_extra_minutes))
        - Duration::seconds(SLACK_SECONDS);
    match inactive_since {
        Some(since) if Utc::now() - since >= grace => {
            crate::auth::sign_out(db, session, SessionEndReason::AutoLogout).await
        }
        _ => Err(Error::Forbidden),
    }
}
