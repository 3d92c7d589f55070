//! The real-time hub of one server instance.
//!
//! It LISTENs for the signals every instance publishes (see
//! `domain::realtime`), turns each into browser events with one database
//! read, serialises each payload once, and hands it to the sockets of this
//! instance that may see it. Slow sockets are dropped (their browser
//! reconnects and resyncs) rather than slowing everyone down.

mod client;
mod conversations;
mod dispatch;
mod lanes;
mod people;

use axum::extract::ws::Utf8Bytes;
use chrono::Utc;
use domain::realtime::{Envelope, CHANNEL};
use domain::Db;
use shared::events::ServerEvent;
use sqlx::postgres::PgListener;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::http::metrics::Metrics;
pub use client::{Client, ClientKind, SOCKET_QUEUE};
use lanes::{changes_who_sees_what, Lanes};

pub struct Hub {
    db: Db,
    metrics: Arc<Metrics>,
    next_id: AtomicU64,
    clients: RwLock<HashMap<Uuid, Vec<Arc<Client>>>>,
    /// When the last signal arrived (for the benchmark's latency view).
    pub last_signal: Mutex<Option<chrono::DateTime<Utc>>>,
    /// The connections webhooks name, kept until they change.
    pub webhook_connections: domain::channels::connections::WebhookConnections,
    /// Where verified webhook requests are stored, in groups under load.
    pub webhook_intake: domain::channels::webhooks::Intake,
    /// Each account's agents' departments, for deciding who watches whose
    /// status changes; read once, forgotten when departments change.
    teams: Mutex<HashMap<Uuid, Arc<Teams>>>,
    /// Counts forgettings, so a read that raced one is not kept.
    teams_forgotten: AtomicU64,
}

/// Each agent's departments.
type Teams = HashMap<Uuid, Vec<i64>>;

fn frame<T: serde::Serialize>(event: &T) -> Option<Utf8Bytes> {
    serde_json::to_string(event).ok().map(Utf8Bytes::from)
}

/// Sends `event`, serialised once, to each of `clients` that `to` picks.
fn send_to(clients: &[Arc<Client>], event: &ServerEvent, to: impl Fn(&Client) -> bool) {
    if let Some(payload) = frame(event) {
        clients
            .iter()
            .filter(|c| to(c))
            .for_each(|c| c.send(&payload));
    }
}

impl Hub {
    pub fn new(db: Db, metrics: Arc<Metrics>) -> Arc<Self> {
        let webhook_intake = domain::channels::webhooks::Intake::start(db.clone());
        Arc::new(Self {
            db,
            metrics,
            next_id: AtomicU64::new(1),
            clients: RwLock::new(HashMap::new()),
            last_signal: Mutex::new(None),
            webhook_connections: Default::default(),
            webhook_intake,
            teams: Mutex::new(HashMap::new()),
            teams_forgotten: AtomicU64::new(0),
        })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Registers a socket; frames for it arrive on the returned receiver.
    pub fn register(
        &self,
        account_id: Uuid,
        kind: ClientKind,
    ) -> (Arc<Client>, mpsc::Receiver<Utf8Bytes>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (client, receiver) = Client::new(id, account_id, kind);
        self.clients
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(account_id)
            .or_default()
            .push(client.clone());
        self.metrics.websockets.fetch_add(1, Ordering::Relaxed);
        (client, receiver)
    }

    /// Forgets a socket; true when it was its user's last one here.
    pub fn unregister(&self, client: &Client) -> bool {
        let mut clients = self.clients.write().unwrap_or_else(|p| p.into_inner());
        let mut last_of_user = false;
        if let Some(list) = clients.get_mut(&client.account_id) {
            list.retain(|c| c.id != client.id);
            if let Some((user_id, _)) = client.agent() {
                last_of_user = !list.iter().any(|c| c.agent_id() == Some(user_id));
            }
            if list.is_empty() {
                clients.remove(&client.account_id);
            }
        }
        self.metrics.websockets.fetch_sub(1, Ordering::Relaxed);
        last_of_user
    }

    /// Sockets open on this instance.
    pub fn open_sockets(&self) -> i64 {
        self.metrics.websockets.load(Ordering::Relaxed)
    }

    fn clients_of(&self, account_id: Uuid) -> Vec<Arc<Client>> {
        self.clients
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&account_id)
            .cloned()
            .unwrap_or_default()
    }

    /// How many sockets this person has open on this instance.
    pub fn sockets_of_user(&self, account_id: Uuid, user_id: Uuid) -> usize {
        self.clients
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&account_id)
            .map_or(0, |list| {
                list.iter()
                    .filter(|c| c.agent_id() == Some(user_id))
                    .count()
            })
    }

    pub fn connection_count(&self) -> usize {
        self.clients
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(Vec::len)
            .sum()
    }

    /// Agents connected here, by account (for presence and session checks).
    pub fn connected_agents(&self) -> Vec<(Uuid, Vec<(Uuid, i64)>)> {
        self.clients
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(account, list)| {
                let agents = list
                    .iter()
                    .filter_map(|c| match &c.kind {
                        ClientKind::Agent {
                            user_id,
                            session_id,
                            ..
                        } => Some((*user_id, *session_id)),
                        ClientKind::Visitor { .. } => None,
                    })
                    .collect();
                (*account, agents)
            })
            .collect()
    }

    /// Closes every socket of these sessions (revoked or expired).
    pub fn end_sessions(&self, session_ids: &[i64]) {
        let ended = frame(&ServerEvent::SessionEnded);
        for list in self
            .clients
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            for client in list {
                if let ClientKind::Agent { session_id, .. } = &client.kind {
                    if session_ids.contains(session_id) {
                        if let Some(ended) = &ended {
                            client.send(ended);
                        }
                        client.close();
                    }
                }
            }
        }
    }

    /// Listens forever, reconnecting as needed. After a reconnection every
    /// socket is asked to resync, since signals may have been missed.
    pub async fn listen(self: Arc<Self>) {
        let lanes = Lanes::start(&self);
        loop {
            match PgListener::connect_with(self.db.pool()).await {
                Ok(mut listener) => {
                    if let Err(err) = listener.listen(CHANNEL).await {
                        tracing::error!(error = ?err, "LISTEN failed");
                    } else {
                        self.broadcast_resync();
                        loop {
                            match listener.try_recv().await {
                                Ok(Some(notification)) => {
                                    match serde_json::from_str::<Envelope>(notification.payload()) {
                                        Ok(envelope) if changes_who_sees_what(&envelope.signal) => {
                                            self.clone().dispatch(envelope, false).await
                                        }
                                        Ok(envelope) => lanes.send(envelope).await,
                                        Err(err) => {
                                            tracing::warn!(error = %err, "undecodable signal")
                                        }
                                    }
                                }
                                Ok(None) => {
                                    tracing::warn!("LISTEN connection lost; reconnecting");
                                    break;
                                }
                                Err(err) => {
                                    tracing::error!(error = ?err, "LISTEN failed");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(err) => tracing::error!(error = ?err, "could not connect the listener"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    fn broadcast_resync(&self) {
        // Signals may have been missed while the listener was away.
        self.webhook_connections.clear();
        self.teams_forgotten.fetch_add(1, Ordering::SeqCst);
        self.teams.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let Some(hello) = frame(&ServerEvent::Hello { at: Utc::now() }) else {
            return;
        };
        for list in self
            .clients
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            for client in list.iter().filter(|c| c.agent().is_some()) {
                client.send(&hello);
            }
        }
    }

    /// Every 20 s: records presence for connected agents and closes sockets
    /// whose session was revoked or expired meanwhile.
    pub async fn housekeeping(self: Arc<Self>) {
        let mut tick = tokio::time::interval(Duration::from_secs(20));
        loop {
            tick.tick().await;
            let connected = self.connected_agents();
            let mut sessions = Vec::new();
            for (account_id, agents) in connected {
                let mut users: Vec<Uuid> = agents.iter().map(|(u, _)| *u).collect();
                users.sort();
                users.dedup();
                if !users.is_empty() {
                    if let Err(err) =
                        domain::inbox::touch_presence(&self.db, account_id, &users).await
                    {
                        tracing::warn!(error = ?err, "presence update failed");
                    }
                }
                sessions.extend(agents.into_iter().map(|(_, s)| s));
            }
            if sessions.is_empty() {
                continue;
            }
            match domain::auth::sessions::ended_among(&self.db, &sessions).await {
                Ok(ended) if !ended.is_empty() => self.end_sessions(&ended),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = ?err, "session check failed"),
            }
        }
    }
}
