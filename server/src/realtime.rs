//! The real-time hub of one server instance.
//!
//! It LISTENs for the signals every instance publishes (see
//! `domain::realtime`), turns each into browser events with one database
//! read, serialises each payload once, and hands it to the sockets of this
//! instance that may see it. Slow sockets are dropped (their browser
//! reconnects and resyncs) rather than slowing everyone down.

use axum::extract::ws::Utf8Bytes;
use chrono::Utc;
use domain::access::Scope;
use domain::realtime::{Envelope, Signal, CHANNEL};
use domain::widget::Visitor;
use domain::Db;
use shared::events::{ServerEvent, Typist, WidgetEvent};
use shared::inbox::{ConversationSummary, MessageView};
use shared::{Permission, Role};
use sqlx::postgres::PgListener;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::http::metrics::Metrics;

/// Frames queued per socket before it counts as too slow and is dropped.
pub const SOCKET_QUEUE: usize = 256;

pub enum ClientKind {
    Agent {
        user_id: Uuid,
        session_id: i64,
        /// Replaced the moment the role changes (`Signal::RoleChanged`).
        role: RwLock<Role>,
        /// What the agent reaches, replaced when access changes
        /// (`Signal::AccessChanged`, `Signal::RoleChanged`).
        scope: RwLock<Arc<Scope>>,
    },
    Visitor {
        visitor: Visitor,
        /// Known once the visitor has written (a contact exists); set by
        /// `Signal::ContactIdentified`, never looked up per message.
        contact_id: RwLock<Option<i64>>,
    },
}

pub struct Client {
    pub id: u64,
    pub account_id: Uuid,
    pub kind: ClientKind,
    /// Conversations this agent was found allowed (or not) to type in;
    /// forgotten when the role or departments change.
    typing_allowed: Mutex<HashMap<i64, bool>>,
    sender: mpsc::Sender<Utf8Bytes>,
    /// Set when the socket must close (too slow, session ended).
    pub closed: AtomicBool,
    pub close_signal: tokio::sync::Notify,
}

impl Client {
    fn send(&self, frame: &Utf8Bytes) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        if self.sender.try_send(frame.clone()).is_err() {
            self.close();
        }
    }

    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.close_signal.notify_one();
    }

    pub fn typing_allowed(&self, conversation_id: i64) -> Option<bool> {
        self.typing_allowed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&conversation_id)
            .copied()
    }

    pub fn remember_typing_allowed(&self, conversation_id: i64, allowed: bool) {
        let mut known = self
            .typing_allowed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if known.len() > 1000 {
            known.clear();
        }
        known.insert(conversation_id, allowed);
    }

    fn forget_typing_allowed(&self) {
        self.typing_allowed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    fn agent(&self) -> Option<(Uuid, Role)> {
        match &self.kind {
            ClientKind::Agent { user_id, role, .. } => {
                Some((*user_id, *role.read().unwrap_or_else(|p| p.into_inner())))
            }
            ClientKind::Visitor { .. } => None,
        }
    }

    fn agent_id(&self) -> Option<Uuid> {
        match &self.kind {
            ClientKind::Agent { user_id, .. } => Some(*user_id),
            ClientKind::Visitor { .. } => None,
        }
    }

    fn can(&self, permission: Permission) -> bool {
        self.agent().is_some_and(|(_, role)| role.can(permission))
    }

    /// Whether this agent may see a conversation (the domain's rule, with
    /// this socket's current scope).
    pub fn sees(&self, conversation: &ConversationSummary) -> bool {
        match &self.kind {
            ClientKind::Agent { scope, .. } => {
                scope.read().unwrap_or_else(|p| p.into_inner()).sees(
                    conversation.assignee_id,
                    conversation.department_id,
                    conversation.channel_id,
                )
            }
            ClientKind::Visitor { .. } => false,
        }
    }

    /// Whether this agent may watch `agent`'s status (the domain's rule,
    /// with this socket's current role and the account's teams).
    fn watches(&self, agent: Uuid, teams: &Teams) -> bool {
        match &self.kind {
            ClientKind::Agent { user_id, role, .. } => domain::activity::may_watch(
                (*user_id, *role.read().unwrap_or_else(|p| p.into_inner())),
                teams.get(user_id).map_or(&[][..], Vec::as_slice),
                agent,
                teams.get(&agent).map_or(&[][..], Vec::as_slice),
            ),
            ClientKind::Visitor { .. } => false,
        }
    }

    /// The visitor's contact, when this is a visitor socket that has one.
    fn visitor_contact(&self) -> Option<(i64, Option<i64>)> {
        match &self.kind {
            ClientKind::Visitor {
                visitor,
                contact_id,
            } => Some((
                visitor.channel.id,
                *contact_id.read().unwrap_or_else(|p| p.into_inner()),
            )),
            ClientKind::Agent { .. } => None,
        }
    }
}

/// One message's agent frames, serialised once for every socket.
struct MessageFrames {
    full: Option<Utf8Bytes>,
    /// What agents without `SeeDeletedMessages` get: a deleted message
    /// without its body or file.
    redacted: Option<Utf8Bytes>,
}

impl MessageFrames {
    /// `carried`: the conversation's new state, sent inside a new
    /// message's frame (only ever for agents who may see it).
    fn new(
        message: &MessageView,
        created: bool,
        carried: Option<&ConversationSummary>,
        at: chrono::DateTime<Utc>,
    ) -> Self {
        let event = |message: MessageView| {
            if created {
                ServerEvent::MessageCreated {
                    message,
                    conversation: carried.cloned().map(Box::new),
                    at,
                }
            } else {
                ServerEvent::MessageUpdated { message, at }
            }
        };
        let full = frame(&event(message.clone()));
        let redacted = if message.deleted {
            let mut hidden = message.clone();
            hidden.body.clear();
            hidden.attachment = None;
            frame(&event(hidden))
        } else {
            full.clone()
        };
        Self { full, redacted }
    }
}

/// Whether each of `clients` may see `conversation`, decided once per
/// change so that all its frames agree.
fn who_sees(conversation: &ConversationSummary, clients: &[Arc<Client>]) -> Vec<bool> {
    clients.iter().map(|c| c.sees(conversation)).collect()
}

/// Signals are turned into events on several tasks at once, so one slow
/// read (or one busy account) does not hold up everyone else's. A
/// conversation's signals always take the same lane, so its events keep
/// their order; signals about no conversation keep theirs per account.
struct Lanes {
    lanes: Vec<mpsc::Sender<Envelope>>,
}

/// Lanes per instance: enough to overlap database reads on a small
/// machine without letting one burst take every pool connection.
const DISPATCH_LANES: usize = 8;
/// Signals waiting per lane before the LISTEN loop waits for it.
const LANE_QUEUE: usize = 1024;
/// Signals a lane takes at once (see [`fold_conversation_changes`]).
const LANE_BATCH: usize = 64;

/// A change that adds a message also changes its conversation, and both
/// signals arrive together. The message's broadcast already reads the
/// conversation, so it sends the conversation's new state with the message
/// (inside a new message's frame, right behind changed messages' frames)
/// and the separate `ConversationChanged` is dropped. Returns the signals to
/// dispatch, with whether each also carries its conversation; drains `batch`.
fn fold_conversation_changes(batch: &mut Vec<Envelope>) -> Vec<(Envelope, bool)> {
    let mut folded = vec![false; batch.len()];
    let mut carries = vec![false; batch.len()];
    for i in 0..batch.len() {
        let is_message = matches!(
            batch[i].signal,
            Signal::MessageCreated { .. }
                | Signal::MessageUpdated { .. }
                | Signal::MessagesUpdated { .. }
        );
        if !is_message || folded[i] {
            continue;
        }
        let (account_id, conversation) = (batch[i].account_id, batch[i].signal.conversation_id());
        let later_change = (i + 1..batch.len()).find(|&j| {
            !folded[j]
                && batch[j].account_id == account_id
                && matches!(batch[j].signal, Signal::ConversationChanged { .. })
                && batch[j].signal.conversation_id() == conversation
        });
        if let Some(j) = later_change {
            folded[j] = true;
            carries[i] = true;
        }
    }
    batch
        .drain(..)
        .zip(folded.into_iter().zip(carries))
        .filter(|(_, (folded, _))| !folded)
        .map(|(envelope, (_, carries))| (envelope, carries))
        .collect()
}

/// Signals that change who sees what (a role, a membership, departments, a
/// visitor's contact) are applied in the LISTEN loop itself, in commit
/// order: no signal committed after them is dispatched with the old rights.
fn changes_who_sees_what(signal: &Signal) -> bool {
    matches!(
        signal,
        Signal::RoleChanged { .. }
            | Signal::MembershipChanged { .. }
            | Signal::AccessChanged
            | Signal::ContactIdentified { .. }
            | Signal::ConnectionChanged { .. }
    )
}

impl Lanes {
    fn start(hub: &Arc<Hub>) -> Self {
        let lanes = (0..DISPATCH_LANES)
            .map(|_| {
                let (sender, mut receiver) = mpsc::channel::<Envelope>(LANE_QUEUE);
                let hub = hub.clone();
                tokio::spawn(async move {
                    let mut batch = Vec::with_capacity(LANE_BATCH);
                    while receiver.recv_many(&mut batch, LANE_BATCH).await > 0 {
                        for (envelope, conversation_too) in fold_conversation_changes(&mut batch) {
                            hub.clone().dispatch(envelope, conversation_too).await;
                        }
                    }
                });
                sender
            })
            .collect();
        Self { lanes }
    }

    fn lane_of(envelope: &Envelope) -> usize {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        envelope.account_id.hash(&mut hasher);
        envelope.signal.conversation_id().hash(&mut hasher);
        (hasher.finish() % DISPATCH_LANES as u64) as usize
    }

    async fn send(&self, envelope: Envelope) {
        let lane = &self.lanes[Self::lane_of(&envelope)];
        if lane.send(envelope).await.is_err() {
            tracing::error!("a dispatch lane stopped");
        }
    }
}

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
        let (sender, receiver) = mpsc::channel(SOCKET_QUEUE);
        let client = Arc::new(Client {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            account_id,
            kind,
            typing_allowed: Mutex::new(HashMap::new()),
            sender,
            closed: AtomicBool::new(false),
            close_signal: tokio::sync::Notify::new(),
        });
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

    /// Turns one signal into events for this instance's sockets.
    /// `conversation_too`: a message signal also sends its conversation's
    /// new state (see [`fold_conversation_changes`]).
    pub async fn dispatch(self: Arc<Self>, envelope: Envelope, conversation_too: bool) {
        *self.last_signal.lock().unwrap_or_else(|p| p.into_inner()) = Some(Utc::now());
        if matches!(
            envelope.signal,
            Signal::AccessChanged | Signal::RoleChanged { .. }
        ) {
            self.teams_forgotten.fetch_add(1, Ordering::SeqCst);
            self.teams
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&envelope.account_id);
        }
        let clients = self.clients_of(envelope.account_id);
        if clients.is_empty() {
            return;
        }
        let account_id = envelope.account_id;
        let result = match envelope.signal {
            Signal::ConversationChanged { conversation_id } => {
                self.conversation_changed(account_id, conversation_id, &clients)
                    .await
            }
            Signal::MessageCreated {
                conversation_id,
                message_id,
            } => {
                self.messages(
                    account_id,
                    conversation_id,
                    &[message_id],
                    true,
                    conversation_too,
                    &clients,
                )
                .await
            }
            Signal::MessageUpdated {
                conversation_id,
                message_id,
            } => {
                self.messages(
                    account_id,
                    conversation_id,
                    &[message_id],
                    false,
                    conversation_too,
                    &clients,
                )
                .await
            }
            Signal::MessagesUpdated {
                conversation_id,
                message_ids,
            } => {
                self.messages(
                    account_id,
                    conversation_id,
                    &message_ids,
                    false,
                    conversation_too,
                    &clients,
                )
                .await
            }
            Signal::ConversationRead {
                conversation_id,
                user_id,
                read_count,
            } => {
                if let Some(payload) = frame(&ServerEvent::ConversationRead {
                    conversation_id,
                    read_count,
                }) {
                    clients
                        .iter()
                        .filter(|c| c.agent_id() == Some(user_id))
                        .for_each(|c| c.send(&payload));
                }
                self.read_by_agent(account_id, conversation_id, &clients)
                    .await
            }
            Signal::Typing {
                conversation_id,
                typist,
                typing,
                note,
            } => {
                self.typing(account_id, conversation_id, typist, typing, note, &clients)
                    .await
            }
            Signal::AvailabilityChanged {
                user_id,
                availability,
            } => {
                if let Some(payload) = frame(&ServerEvent::AvailabilityChanged {
                    user_id,
                    availability,
                }) {
                    clients
                        .iter()
                        .filter(|c| c.agent().is_some())
                        .for_each(|c| c.send(&payload));
                }
                Ok(())
            }
            Signal::ActivityChanged { user_id, status } => {
                self.activity_changed(account_id, user_id, status, &clients)
                    .await
            }
            Signal::ActivitySettingsChanged { settings } => {
                if let Some(payload) = frame(&ServerEvent::ActivitySettingsChanged { settings }) {
                    clients
                        .iter()
                        .filter(|c| c.agent().is_some())
                        .for_each(|c| c.send(&payload));
                }
                Ok(())
            }
            Signal::ConnectionHealthChanged {
                channel_id,
                name,
                connected,
                detail,
            } => {
                if let Some(payload) = frame(&ServerEvent::ConnectionHealth {
                    channel_id,
                    name,
                    connected,
                    detail,
                }) {
                    clients
                        .iter()
                        .filter(|c| c.can(Permission::ManageChannels))
                        .for_each(|c| c.send(&payload));
                }
                Ok(())
            }
            Signal::ConnectionChanged { channel_id } => {
                self.webhook_connections.forget(channel_id);
                Ok(())
            }
            Signal::Presence { user_id, online } => {
                if let Some(payload) = frame(&ServerEvent::Presence { user_id, online }) {
                    clients
                        .iter()
                        .filter(|c| c.agent().is_some())
                        .for_each(|c| c.send(&payload));
                }
                Ok(())
            }
            Signal::Notification {
                user_id,
                notification_id,
            } => {
                self.notification(account_id, user_id, notification_id, &clients)
                    .await
            }
            Signal::ReportSchedulesChanged => {
                if let Some(payload) = frame(&ServerEvent::ReportSchedulesChanged) {
                    clients
                        .iter()
                        .filter(|c| c.can(Permission::ViewDashboard))
                        .for_each(|c| c.send(&payload));
                }
                Ok(())
            }
            Signal::ReportExportChanged { user_id, export } => {
                if let Some(payload) = frame(&ServerEvent::ReportExport { export }) {
                    clients
                        .iter()
                        .filter(|c| c.agent_id() == Some(user_id))
                        .for_each(|c| c.send(&payload));
                }
                Ok(())
            }
            Signal::RoleChanged { user_id, role } => {
                self.role_changed(user_id, role, &clients);
                self.refresh_scopes(account_id, &clients, false).await
            }
            Signal::ContactIdentified {
                channel_id,
                external_id,
                contact_id,
            } => {
                for client in &clients {
                    if let ClientKind::Visitor {
                        visitor,
                        contact_id: known,
                    } = &client.kind
                    {
                        if visitor.channel.id == channel_id && visitor.visitor_id == external_id {
                            *known.write().unwrap_or_else(|p| p.into_inner()) = Some(contact_id);
                        }
                    }
                }
                Ok(())
            }
            Signal::MembershipChanged { user_id, active } => {
                if !active {
                    if let Some(payload) = frame(&ServerEvent::SessionEnded) {
                        for client in clients.iter().filter(|c| c.agent_id() == Some(user_id)) {
                            client.send(&payload);
                            client.close();
                        }
                    }
                }
                Ok(())
            }
            Signal::AccessChanged => self.refresh_scopes(account_id, &clients, true).await,
        };
        if let Err(err) = result {
            tracing::error!(error = ?err, "dispatching a signal failed");
        }
    }

    async fn conversation_changed(
        &self,
        account_id: Uuid,
        conversation_id: i64,
        clients: &[Arc<Client>],
    ) -> domain::Result<()> {
        let Some(summary) =
            domain::conversations::summary_by_id(&self.db, account_id, conversation_id).await?
        else {
            return Ok(());
        };
        let sees = who_sees(&summary, clients);
        self.send_conversation(&summary, clients, &sees, false);
        Ok(())
    }

    /// A conversation's new state to the agents who may see it (`sees`,
    /// one per client; skipped when `already_carried` in a message's
    /// frame); the others are told it left their view.
    fn send_conversation(
        &self,
        summary: &ConversationSummary,
        clients: &[Arc<Client>],
        sees: &[bool],
        already_carried: bool,
    ) {
        let at = Utc::now();
        let visible = frame(&ServerEvent::ConversationChanged {
            conversation: summary.clone(),
            at,
        });
        let hidden = frame(&ServerEvent::ConversationHidden {
            conversation_id: summary.id,
            at,
        });
        let agents = clients
            .iter()
            .zip(sees)
            .filter(|(c, _)| c.agent().is_some());
        for (client, &sees) in agents {
            let payload = match (sees, already_carried) {
                (true, true) => continue,
                (true, false) => &visible,
                (false, _) => &hidden,
            };
            if let Some(payload) = payload {
                client.send(payload);
            }
        }
    }

    /// New or changed messages of one conversation, read in one query and
    /// sent to every socket that may see them (redacted where needed).
    async fn messages(
        &self,
        account_id: Uuid,
        conversation_id: i64,
        message_ids: &[i64],
        created: bool,
        conversation_too: bool,
        clients: &[Arc<Client>],
    ) -> domain::Result<()> {
        let Some((summary, messages)) =
            domain::messages::for_broadcast(&self.db, account_id, conversation_id, message_ids)
                .await?
        else {
            return Ok(());
        };
        let at = Utc::now();
        let sees = who_sees(&summary, clients);
        let agents_may_see: Vec<&Arc<Client>> = clients
            .iter()
            .zip(&sees)
            .filter_map(|(client, &sees)| sees.then_some(client))
            .collect();
        let visitors: Vec<&Arc<Client>> = clients
            .iter()
            .filter(|c| c.visitor_contact() == Some((summary.channel_id, Some(summary.contact_id))))
            .collect();
        // A new message and the conversation's change travel in one frame
        // to those who see both; the rest of the agents learn it is hidden.
        let carried = (created && conversation_too && messages.len() == 1).then_some(&summary);
        for message in messages {
            let frames = MessageFrames::new(&message, created, carried, at);
            for client in &agents_may_see {
                let payload = if client.can(Permission::SeeDeletedMessages) {
                    &frames.full
                } else {
                    &frames.redacted
                };
                if let Some(payload) = payload {
                    client.send(payload);
                }
            }
            for client in &visitors {
                let ClientKind::Visitor { visitor, .. } = &client.kind else {
                    continue;
                };
                // Notes and activity lines never leave for the widget.
                let widget_frame =
                    domain::widget::widget_message(&message, visitor).and_then(|m| {
                        frame(&if created {
                            WidgetEvent::Message { message: m }
                        } else {
                            WidgetEvent::MessageUpdated { message: m }
                        })
                    });
                if let Some(payload) = widget_frame {
                    client.send(&payload);
                }
            }
        }
        if conversation_too {
            self.send_conversation(&summary, clients, &sees, carried.is_some());
        }
        Ok(())
    }

    async fn typing(
        &self,
        account_id: Uuid,
        conversation_id: i64,
        typist: Typist,
        typing: bool,
        note: bool,
        clients: &[Arc<Client>],
    ) -> domain::Result<()> {
        let Some(summary) =
            domain::conversations::summary_by_id(&self.db, account_id, conversation_id).await?
        else {
            return Ok(());
        };
        let to_agents = frame(&ServerEvent::Typing {
            conversation_id,
            typist: typist.clone(),
            typing,
        });
        let to_visitor = match (&typist, note) {
            (Typist::Agent { name, .. }, false) => frame(&WidgetEvent::Typing {
                agent_name: name.clone(),
                typing,
            }),
            _ => None,
        };
        let typist_user = match &typist {
            Typist::Agent { user_id, .. } => Some(*user_id),
            Typist::Contact => None,
        };
        for client in clients {
            match &client.kind {
                ClientKind::Agent { user_id, .. } => {
                    if Some(*user_id) != typist_user && client.sees(&summary) {
                        if let Some(payload) = &to_agents {
                            client.send(payload);
                        }
                    }
                }
                ClientKind::Visitor { .. } => {
                    let is_theirs = client.visitor_contact()
                        == Some((summary.channel_id, Some(summary.contact_id)));
                    if let (true, Some(payload)) = (is_theirs, &to_visitor) {
                        client.send(payload);
                    }
                }
            }
        }
        Ok(())
    }

    async fn notification(
        &self,
        account_id: Uuid,
        user_id: Uuid,
        notification_id: i64,
        clients: &[Arc<Client>],
    ) -> domain::Result<()> {
        let Some(notification) =
            domain::notifications::by_id(&self.db, account_id, notification_id).await?
        else {
            return Ok(());
        };
        if let Some(payload) = frame(&ServerEvent::Notification { notification }) {
            clients
                .iter()
                .filter(|c| c.agent_id() == Some(user_id))
                .for_each(|c| c.send(&payload));
        }
        Ok(())
    }

    /// Tells the visitor of a conversation that an agent has read it (their
    /// messages get the "read" ticks). Only looked up when this instance
    /// has visitor sockets in the account.
    async fn read_by_agent(
        &self,
        account_id: Uuid,
        conversation_id: i64,
        clients: &[Arc<Client>],
    ) -> domain::Result<()> {
        if !clients.iter().any(|c| c.visitor_contact().is_some()) {
            return Ok(());
        }
        let Some(summary) =
            domain::conversations::summary_by_id(&self.db, account_id, conversation_id).await?
        else {
            return Ok(());
        };
        let Some(payload) = frame(&WidgetEvent::ReadByAgent { at: Utc::now() }) else {
            return Ok(());
        };
        clients
            .iter()
            .filter(|c| c.visitor_contact() == Some((summary.channel_id, Some(summary.contact_id))))
            .for_each(|c| c.send(&payload));
        Ok(())
    }

    /// New permissions apply to this person's open sockets at once; their
    /// browsers refetch what they may see and do.
    fn role_changed(&self, user_id: Uuid, new_role: Role, clients: &[Arc<Client>]) {
        let changed = frame(&ServerEvent::SessionChanged);
        for client in clients {
            if let ClientKind::Agent {
                user_id: owner,
                role,
                ..
            } = &client.kind
            {
                if *owner == user_id {
                    *role.write().unwrap_or_else(|p| p.into_inner()) = new_role;
                    client.forget_typing_allowed();
                    if let Some(changed) = &changed {
                        client.send(changed);
                    }
                }
            }
        }
    }

    /// An agent's status, to them and to whoever may watch them.
    async fn activity_changed(
        &self,
        account_id: Uuid,
        user_id: Uuid,
        status: shared::activity::AgentStatus,
        clients: &[Arc<Client>],
    ) -> domain::Result<()> {
        let teams = self.teams(account_id).await?;
        if let Some(payload) = frame(&ServerEvent::AgentActivity {
            user_id,
            status,
            at: chrono::Utc::now(),
        }) {
            clients
                .iter()
                .filter(|c| c.watches(user_id, &teams))
                .for_each(|c| c.send(&payload));
        }
        Ok(())
    }

    /// The account's agents' departments (one query, then kept).
    async fn teams(&self, account_id: Uuid) -> domain::Result<Arc<Teams>> {
        if let Some(teams) = self
            .teams
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&account_id)
        {
            return Ok(teams.clone());
        }
        let forgotten = self.teams_forgotten.load(Ordering::SeqCst);
        let fresh =
            Arc::new(domain::conversations::departments_by_member(&self.db, account_id).await?);
        let mut teams = self.teams.lock().unwrap_or_else(|p| p.into_inner());
        if self.teams_forgotten.load(Ordering::SeqCst) == forgotten {
            teams.insert(account_id, fresh.clone());
        }
        Ok(fresh)
    }

    /// Gives every agent socket of the account its fresh scope (one query);
    /// with `resync`, their browsers fetch their lists again.
    async fn refresh_scopes(
        &self,
        account_id: Uuid,
        clients: &[Arc<Client>],
        resync: bool,
    ) -> domain::Result<()> {
        let fresh: HashMap<Uuid, Arc<Scope>> =
            domain::access::scopes_of_account(&self.db, account_id)
                .await?
                .into_iter()
                .map(|(user_id, scope)| (user_id, Arc::new(scope)))
                .collect();
        for client in clients {
            if let ClientKind::Agent { user_id, scope, .. } = &client.kind {
                if let Some(new) = fresh.get(user_id) {
                    *scope.write().unwrap_or_else(|p| p.into_inner()) = new.clone();
                    client.forget_typing_allowed();
                }
            }
        }
        if !resync {
            return Ok(());
        }
        if let Some(changed) = frame(&ServerEvent::AccessChanged) {
            clients
                .iter()
                .filter(|c| c.agent().is_some())
                .for_each(|c| c.send(&changed));
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversations_signals_share_a_lane_so_they_keep_their_order() {
        let account_id = Uuid::from_u128(7);
        let about = |signal: Signal| Lanes::lane_of(&Envelope { account_id, signal });
        let lane = about(Signal::MessageCreated {
            conversation_id: 42,
            message_id: 1,
        });
        assert_eq!(
            about(Signal::ConversationChanged {
                conversation_id: 42
            }),
            lane
        );
        assert_eq!(
            about(Signal::MessagesUpdated {
                conversation_id: 42,
                message_ids: vec![1, 2],
            }),
            lane
        );
        // Positive control: conversations spread over the lanes.
        let lanes: std::collections::HashSet<usize> = (0..64)
            .map(|conversation_id| about(Signal::ConversationChanged { conversation_id }))
            .collect();
        assert!(lanes.len() > DISPATCH_LANES / 2, "spread: {lanes:?}");
    }

    #[test]
    fn a_message_carries_its_conversations_change_and_nothing_else_is_folded() {
        let account_id = Uuid::from_u128(7);
        let other_account = Uuid::from_u128(8);
        let envelope = |account_id, signal| Envelope { account_id, signal };
        let mut batch = vec![
            envelope(
                account_id,
                Signal::ConversationChanged { conversation_id: 1 },
            ),
            envelope(
                account_id,
                Signal::MessageCreated {
                    conversation_id: 1,
                    message_id: 10,
                },
            ),
            envelope(
                other_account,
                Signal::ConversationChanged { conversation_id: 1 },
            ),
            envelope(
                account_id,
                Signal::ConversationChanged { conversation_id: 2 },
            ),
            envelope(
                account_id,
                Signal::ConversationChanged { conversation_id: 1 },
            ),
        ];
        let dispatched = fold_conversation_changes(&mut batch);
        assert!(batch.is_empty());
        let kept: Vec<(Uuid, Option<i64>, bool)> = dispatched
            .iter()
            .map(|(e, carries)| (e.account_id, e.signal.conversation_id(), *carries))
            .collect();
        assert_eq!(
            kept,
            vec![
                // A change before the message is not the message's own.
                (account_id, Some(1), false),
                (account_id, Some(1), true),
                (other_account, Some(1), false),
                (account_id, Some(2), false),
            ],
            "only the later change of the same conversation and account is folded"
        );
    }
}
