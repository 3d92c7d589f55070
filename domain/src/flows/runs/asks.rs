//! A flow's AI blocks asking their agent: leased under the run's lock,
//! asked with no transaction held (a provider may take seconds), and the
//! run moved on with the answer if it still waits for it.

use anyhow::Context;
use chrono::{Duration, Utc};
use uuid::Uuid;

use super::{answered, PendingAsk};
use crate::ai::providers::Reach;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::flows::engine::{Event, Waiting};

/// Agents asked at once by one instance.
const PARALLEL_ASKS: usize = 4;
/// How long an ask is held before another instance may ask again (a
/// provider's longest timeout, twice, and some).
const LEASE_SECONDS: i64 = 300;

pub(super) async fn lease(tx: &mut Tx, run_id: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE flow_runs SET wake_at = $2 WHERE id = $1")
        .bind(run_id)
        .bind(Utc::now() + Duration::seconds(LEASE_SECONDS))
        .execute(&mut **tx)
        .await
        .context("leasing the flow's AI request")?;
    Ok(())
}

/// Asks the leased agents, [`PARALLEL_ASKS`] at a time, and moves each run
/// on with its answer.
pub(super) async fn ask_agents(
    db: &Db,
    reach: Reach<'_>,
    asks: Vec<(Uuid, i64, i64, PendingAsk)>,
) -> Result<()> {
    use futures::StreamExt;
    let answered = futures::stream::iter(asks)
        .map(|(account_id, conversation_id, run_id, ask)| async move {
            let outcome =
                crate::ai::agents::respond(db, reach, account_id, Some(conversation_id), &ask)
                    .await?;
            let run = (account_id, conversation_id, run_id);
            answered(db, run, Waiting::Ai, Event::AiDone(outcome)).await
        })
        .buffer_unordered(PARALLEL_ASKS)
        .collect::<Vec<Result<()>>>()
        .await;
    answered.into_iter().collect()
}
