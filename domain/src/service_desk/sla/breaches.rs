//! The sweeper: clocks that ran out, each breach recorded once.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::{Activity, NotificationKind};
use shared::sla::SlaTarget;
use uuid::Uuid;

use crate::conversations::{self, Locked};
use crate::db::{Db, Tx};
use crate::error::Result;

/// Breaches one sweep records at most, per target.
const SWEEP_LIMIT: i32 = 200;

/// Records the clocks that have run out, each once (every account; a
/// conversation someone holds is found next time).
pub async fn sweep_breaches(db: &Db) -> Result<usize> {
    sweep_breaches_at(db, Utc::now()).await
}

/// [`sweep_breaches`] as of `now`: the clocks due by then, each breach
/// stamped with it (tests drive the sweeper with a fake clock).
pub async fn sweep_breaches_at(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    let due: Vec<(Uuid, i64, SlaTarget)> =
        sqlx::query_as("SELECT account_id, conversation_id, target FROM due_sla_breaches($1, $2)")
            .bind(SWEEP_LIMIT)
            .bind(now)
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
        if record_breach(&mut tx, &conversation, target, now).await? {
            recorded += 1;
        }
        tx.commit().await.context("commit")?;
    }
    Ok(recorded)
}

async fn record_breach(
    tx: &mut Tx,
    conversation: &Locked,
    target: SlaTarget,
    now: DateTime<Utc>,
) -> Result<bool> {
    // The same conditions the finder used, now under the row lock.
    let sql = match target {
        SlaTarget::FirstResponse => {
            "UPDATE conversations SET sla_first_response_breached_at = $3
              WHERE account_id = $1 AND id = $2 AND sla_first_response_breached_at IS NULL
                AND first_response_at IS NULL AND sla_paused_at IS NULL
                AND sla_first_response_due_at <= $3 AND status IN ('open', 'in_progress', 'waiting', 'bot')"
        }
        SlaTarget::Resolution => {
            "UPDATE conversations SET sla_resolution_breached_at = $3
              WHERE account_id = $1 AND id = $2 AND sla_resolution_breached_at IS NULL
                AND resolved_at IS NULL AND sla_paused_at IS NULL
                AND sla_resolution_due_at <= $3 AND status IN ('open', 'in_progress', 'waiting', 'bot')"
        }
        // One breach per unanswered turn (see `due_sla_breaches`).
        SlaTarget::NextResponse => {
            "UPDATE conversations SET sla_next_response_breached_at = $3
              WHERE account_id = $1 AND id = $2 AND sla_paused_at IS NULL
                AND sla_next_response_due_at <= $3
                AND (sla_next_response_breached_at IS NULL
                     OR sla_next_response_breached_at < sla_next_response_due_at)
                AND status IN ('open', 'in_progress', 'waiting', 'bot')"
        }
    };
    let done = sqlx::query(sql)
        .bind(conversation.account_id)
        .bind(conversation.id)
        .bind(now)
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
