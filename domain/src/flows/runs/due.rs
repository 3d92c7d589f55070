//! Runs the clock wakes: a delay over, a reply that never came, an HTTP
//! request to make (leased, so another instance retries it if this one
//! dies), and the answers that move them on.

use anyhow::Context;
use chrono::{Duration, Utc};
use uuid::Uuid;

use crate::ai::providers::Reach;
use crate::conversations::{self, Locked};
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::flows::engine::{Event, Waiting};

use super::{active_run, asks, drive, http, save, start, ActiveRun, HttpPolicy, PendingRequest};

/// HTTP requests of flows one instance makes at once (a slow endpoint
/// holds up only its own run).
const PARALLEL_REQUESTS: usize = 8;

/// Moves on the runs whose time came — a delay over, a reply that never
/// came, a request to make — on any instance (a conversation another holds
/// is skipped and found next time). Returns how many moved.
pub async fn run_due(db: &Db, policy: &HttpPolicy, reach: Reach<'_>) -> Result<usize> {
    let due: Vec<(Uuid, i64, i64)> = sqlx::query_as("SELECT * FROM due_flow_runs(100)")
        .fetch_all(db.pool())
        .await
        .context("finding due flow runs")?;
    let mut moved = 0;
    // Leased under each run's lock, made together afterwards.
    let mut requests = Vec::new();
    let mut asks = Vec::new();
    for (account_id, conversation_id, run_id) in due {
        let mut tx = db.tenant(account_id, None).await?;
        let Some(mut conversation) =
            conversations::lock_by_id(&mut tx, account_id, conversation_id, true).await?
        else {
            continue;
        };
        let Some(run) = active_run(&mut tx, &conversation)
            .await?
            .filter(|r| r.id == run_id)
        else {
            continue;
        };
        let deadline_passed = run
            .state
            .waiting
            .as_ref()
            .and_then(Waiting::deadline)
            .is_some_and(|at| at <= Utc::now());
        match (&run.state.waiting, run.http_request.clone()) {
            (Some(Waiting::Http), Some(request)) => {
                lease(&mut tx, run.id, &request).await?;
                tx.commit().await.context("commit")?;
                requests.push((account_id, conversation_id, run_id, request));
            }
            (Some(Waiting::Ai), _) => match run.ai_request.clone() {
                Some(ask) => {
                    asks::lease(&mut tx, run.id).await?;
                    tx.commit().await.context("commit")?;
                    asks.push((account_id, conversation_id, run_id, ask));
                }
                None => {
                    // Nothing to ask any more (never expected): to people.
                    let outcome = Event::AiDone(crate::flows::engine::AiOutcome::Handoff);
                    move_on(&mut tx, &mut conversation, run, outcome).await?;
                    tx.commit().await.context("commit")?;
                }
            },
            (Some(Waiting::Http), None) => {
                // Nothing to ask any more (never expected): out through `error`.
                let failed = Err("the request was lost".to_string());
                move_on(&mut tx, &mut conversation, run, Event::HttpDone(failed)).await?;
                tx.commit().await.context("commit")?;
            }
            _ => {
                if deadline_passed {
                    move_on(&mut tx, &mut conversation, run, Event::Clock).await?;
                } else {
                    // This clock is behind the database's: stored again, found again.
                    save(&mut tx, &run, false).await?;
                }
                tx.commit().await.context("commit")?;
            }
        }
        moved += 1;
    }
    make_requests(db, policy, requests).await?;
    asks::ask_agents(db, reach, asks).await?;
    Ok(moved)
}

/// Makes the leased requests, [`PARALLEL_REQUESTS`] at a time, and moves
/// each run on with its answer.
async fn make_requests(
    db: &Db,
    policy: &HttpPolicy,
    requests: Vec<(Uuid, i64, i64, PendingRequest)>,
) -> Result<()> {
    use futures::StreamExt;
    let answers = futures::stream::iter(requests)
        .map(
            |(account_id, conversation_id, run_id, request)| async move {
                let allowlist = http::allowlist(db, account_id).await?;
                let response = policy.call(&request, &allowlist).await;
                if let Err(reason) = &response {
                    tracing::info!(run_id, reason, "a flow's HTTP request failed");
                }
                let answer = Event::HttpDone(response);
                answered(
                    db,
                    (account_id, conversation_id, run_id),
                    Waiting::Http,
                    answer,
                )
                .await
            },
        )
        .buffer_unordered(PARALLEL_REQUESTS)
        .collect::<Vec<Result<()>>>()
        .await;
    answers.into_iter().collect()
}

/// Holds a run's request for this instance while it is made (another
/// instance retries it if this one dies before the answer is stored).
async fn lease(tx: &mut Tx, run_id: i64, request: &PendingRequest) -> anyhow::Result<()> {
    let hold = Duration::milliseconds(request.timeout_ms.into()) + Duration::seconds(30);
    sqlx::query("UPDATE flow_runs SET wake_at = $2 WHERE id = $1")
        .bind(run_id)
        .bind(Utc::now() + hold)
        .execute(&mut **tx)
        .await
        .context("leasing the flow's request")?;
    Ok(())
}

/// What a run waited for (an HTTP response, its AI agent's word) moves it
/// on, if it still waits for it; `run` is (account, conversation, run).
pub(super) async fn answered(
    db: &Db,
    (account_id, conversation_id, run_id): (Uuid, i64, i64),
    awaited: Waiting,
    answer: Event<'_>,
) -> Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    let Some(mut conversation) =
        conversations::lock_by_id(&mut tx, account_id, conversation_id, false).await?
    else {
        return Ok(());
    };
    let run = active_run(&mut tx, &conversation)
        .await?
        .filter(|r| r.id == run_id && r.state.waiting.as_ref() == Some(&awaited));
    if let Some(run) = run {
        move_on(&mut tx, &mut conversation, run, answer).await?;
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

/// [`drive`] for the clock, HTTP responses and AI answers: on into a flow it jumps to,
/// and everyone told the conversation changed.
async fn move_on(
    tx: &mut Tx,
    conversation: &mut Locked,
    run: ActiveRun,
    event: Event<'_>,
) -> Result<()> {
    if let Some((flow, why)) = drive(tx, conversation, run, event).await? {
        start(tx, conversation, flow, why, None).await?;
    }
    conversations::touch(tx, conversation.account_id, conversation.id).await?;
    Ok(())
}
