//! A provider that keeps failing: after three failed calls in a row the
//! account's admins hear of it in their bells, once until it answers again
//! (the offline engine answers in its place meanwhile). A failed "test
//! connection" is not counted — whoever pressed it sees it — but a good one
//! ends the incident.

use anyhow::Context;
use uuid::Uuid;

use super::usage::Purpose;
use crate::db::Tx;
use crate::notifications::{alert_admins, AdminAlert};

const FAILURES_BEFORE_ALERT: i32 = 3;

/// Follows the provider's run of failures after a call, and alerts the
/// admins when it reaches [`FAILURES_BEFORE_ALERT`] for the first time.
pub(super) async fn follow(
    tx: &mut Tx,
    account_id: Uuid,
    provider_id: i64,
    purpose: Purpose,
    ok: bool,
) -> anyhow::Result<()> {
    if !ok && purpose == Purpose::Test {
        return Ok(());
    }
    let newly_failing: Option<bool> = sqlx::query_scalar(
        "WITH before AS (
            SELECT failing_alerted_at IS NULL AS unalerted FROM ai_providers
             WHERE account_id = $1 AND id = $2 FOR UPDATE)
         UPDATE ai_providers p
            SET failures_in_a_row = CASE WHEN $3 THEN 0 ELSE p.failures_in_a_row + 1 END,
                failing_alerted_at = CASE
                    WHEN $3 THEN NULL
                    WHEN p.failures_in_a_row + 1 >= $4 THEN COALESCE(p.failing_alerted_at, now())
                    ELSE p.failing_alerted_at END
           FROM before
          WHERE p.account_id = $1 AND p.id = $2
      RETURNING before.unalerted AND p.failing_alerted_at IS NOT NULL",
    )
    .bind(account_id)
    .bind(provider_id)
    .bind(ok)
    .bind(FAILURES_BEFORE_ALERT)
    .fetch_optional(&mut **tx)
    .await
    .context("following the AI provider's failures")?;
    if newly_failing == Some(true) {
        alert_admins(
            tx,
            account_id,
            AdminAlert::AiProviderFailing { provider_id },
        )
        .await?;
    }
    Ok(())
}
