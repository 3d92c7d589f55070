//! Storing verified webhook requests: the provider hears 200 only once its
//! request is committed. Under load, the requests that arrive while earlier
//! ones are being committed are stored together, in one statement and one
//! commit (a group commit): PostgreSQL pays a round trip, a statement and a
//! WAL flush per commit, whatever its size, and a burst of webhooks is
//! exactly when that cost decides how many a server accepts. A lone request
//! is stored at once, alone: grouping never makes anyone wait for company.

use anyhow::Context;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::{JOBS_CHANNEL, WAKE_PAYLOAD};
use crate::channels::adapter::parse;
use crate::channels::connections::Connection;
use crate::db::Db;
use crate::error::Result;
use crate::secrets::{hex, sha256};

/// Requests one commit stores at most.
const GROUP_MAX: usize = 64;
/// Commits under way at once: while they are, the next group gathers.
const COMMITS_IN_FLIGHT: usize = 4;

/// A verified request, ready to be stored.
struct NewEvent {
    account_id: uuid::Uuid,
    channel_id: i64,
    provider: &'static str,
    body: Vec<u8>,
    headers: Value,
    /// A redelivery of the same bytes is the same event.
    dedupe_key: String,
    /// Which customer it is about, so each customer's events stay in order.
    order_key: String,
}

impl NewEvent {
    fn new(connection: &Connection, raw_body: &[u8], headers: Value) -> Self {
        let kind = connection.config.kind();
        let order_key = parse(kind, raw_body)
            .ok()
            .and_then(|items| items.first().map(|item| item.order_key().to_string()))
            .unwrap_or_default();
        Self {
            account_id: connection.account_id,
            channel_id: connection.id,
            provider: kind.as_str(),
            body: raw_body.to_vec(),
            headers,
            dedupe_key: hex(&sha256(raw_body)),
            order_key,
        }
    }
}

/// Stores one request on its own (the mailbox watcher, the demo seed); its
/// id, or `None` when the same body was stored before (a redelivery).
pub async fn store(
    db: &Db,
    connection: &Connection,
    raw_body: &[u8],
    headers: Value,
) -> Result<Option<i64>> {
    let event = NewEvent::new(connection, raw_body, headers);
    let mut stored = insert(db, std::slice::from_ref(&event)).await?;
    Ok(stored.pop().flatten())
}

/// The webhook endpoints' way in: requests queue here and are stored in
/// groups by a task of their own (see the module's comment).
#[derive(Clone)]
pub struct Intake {
    queue: mpsc::Sender<Waiting>,
}

struct Waiting {
    event: NewEvent,
    stored: oneshot::Sender<Result<Option<i64>>>,
}

impl Intake {
    /// Starts the committing task; it ends when the last handle is dropped.
    pub fn start(db: Db) -> Self {
        let (queue, waiting) = mpsc::channel(GROUP_MAX * COMMITS_IN_FLIGHT * 4);
        tokio::spawn(commit_groups(db, waiting));
        Self { queue }
    }

    /// Stores a verified request and returns once it is committed: its id,
    /// or `None` for a redelivery.
    pub async fn store(
        &self,
        connection: &Connection,
        raw_body: &[u8],
        headers: Value,
    ) -> Result<Option<i64>> {
        let (stored, answer) = oneshot::channel();
        let event = NewEvent::new(connection, raw_body, headers);
        self.queue
            .send(Waiting { event, stored })
            .await
            .map_err(|_| anyhow::anyhow!("the webhook intake has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the webhook intake dropped a request"))?
    }
}

async fn commit_groups(db: Db, mut waiting: mpsc::Receiver<Waiting>) {
    let in_flight = Arc::new(Semaphore::new(COMMITS_IN_FLIGHT));
    loop {
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let mut group = Vec::with_capacity(GROUP_MAX);
        if waiting.recv_many(&mut group, GROUP_MAX).await == 0 {
            return;
        }
        let db = db.clone();
        tokio::spawn(async move {
            commit_group(&db, group).await;
            drop(permit);
        });
    }
}

async fn commit_group(db: &Db, group: Vec<Waiting>) {
    let (events, replies): (Vec<NewEvent>, Vec<_>) =
        group.into_iter().map(|w| (w.event, w.stored)).unzip();
    match insert(db, &events).await {
        Ok(ids) => {
            for (reply, id) in replies.into_iter().zip(ids) {
                let _ = reply.send(Ok(id));
            }
        }
        // One bad request (its connection deleted a moment ago) must not
        // fail the others: each is tried on its own.
        Err(_) if events.len() > 1 => {
            for (event, reply) in events.iter().zip(replies) {
                let stored = insert(db, std::slice::from_ref(event))
                    .await
                    .map(|mut ids| ids.pop().flatten());
                let _ = reply.send(stored);
            }
        }
        Err(err) => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(err));
            }
        }
    }
}

/// Stores `events` in one statement; for each, its id, or `None` when the
/// same body was stored before (also earlier in the same group).
async fn insert(db: &Db, events: &[NewEvent]) -> Result<Vec<Option<i64>>> {
    let column = |f: fn(&NewEvent) -> &str| events.iter().map(f).collect::<Vec<_>>();
    let stored: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT stored_channel, stored_key, stored_id
           FROM store_webhook_events($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(events.iter().map(|e| e.account_id).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.channel_id).collect::<Vec<_>>())
    .bind(column(|e| e.provider))
    .bind(events.iter().map(|e| e.body.as_slice()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| &e.headers).collect::<Vec<_>>())
    .bind(column(|e| &e.dedupe_key))
    .bind(column(|e| &e.order_key))
    .bind(wake_workers_now(db))
    .fetch_all(db.pool())
    .await
    .context("storing webhook events")?;
    let mut ids: HashMap<(i64, String), i64> = stored
        .into_iter()
        .map(|(channel, key, id)| ((channel, key), id))
        .collect();
    // The first of a group's copies of one body is the one stored.
    Ok(events
        .iter()
        .map(|e| ids.remove(&(e.channel_id, e.dedupe_key.clone())))
        .collect())
}

/// Whether this store should NOTIFY the workers itself: at most once every
/// few milliseconds per instance, since each NOTIFY serialises commits on
/// PostgreSQL's notification queue. A store that does not gets one
/// trailing wake-up sent shortly after, so no event waits for the poll.
fn wake_workers_now(db: &Db) -> bool {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    static LAST_WAKE_MS: AtomicU64 = AtomicU64::new(0);
    static TRAILING: AtomicBool = AtomicBool::new(false);
    const EVERY_MS: u64 = 5;
    let now = chrono::Utc::now().timestamp_millis().unsigned_abs();
    let last = LAST_WAKE_MS.load(Ordering::Relaxed);
    if now >= last + EVERY_MS
        && LAST_WAKE_MS
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        return true;
    }
    if !TRAILING.swap(true, Ordering::AcqRel) {
        let db = db.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(EVERY_MS)).await;
            TRAILING.store(false, Ordering::Release);
            let woken = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(JOBS_CHANNEL)
                .bind(WAKE_PAYLOAD)
                .execute(db.pool())
                .await;
            if let Err(err) = woken {
                tracing::warn!(error = ?err, "waking the workers failed; they poll anyway");
            }
        });
    }
    false
}
