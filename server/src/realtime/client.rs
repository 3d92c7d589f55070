//! One open socket: an agent's (with the role and scope that decide what
//! it sees, replaced the moment they change) or a website visitor's.

use axum::extract::ws::Utf8Bytes;
use domain::access::Scope;
use domain::widget::Visitor;
use shared::inbox::ConversationSummary;
use shared::{Permission, Role};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::Teams;

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
    /// A new socket's client; frames for it arrive on the returned receiver.
    pub(super) fn new(
        id: u64,
        account_id: Uuid,
        kind: ClientKind,
    ) -> (Arc<Self>, mpsc::Receiver<Utf8Bytes>) {
        let (sender, receiver) = mpsc::channel(SOCKET_QUEUE);
        let client = Arc::new(Self {
            id,
            account_id,
            kind,
            typing_allowed: Mutex::new(HashMap::new()),
            sender,
            closed: AtomicBool::new(false),
            close_signal: tokio::sync::Notify::new(),
        });
        (client, receiver)
    }

    pub(super) fn send(&self, frame: &Utf8Bytes) {
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

    pub(super) fn forget_typing_allowed(&self) {
        self.typing_allowed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub(super) fn agent(&self) -> Option<(Uuid, Role)> {
        match &self.kind {
            ClientKind::Agent { user_id, role, .. } => {
                Some((*user_id, *role.read().unwrap_or_else(|p| p.into_inner())))
            }
            ClientKind::Visitor { .. } => None,
        }
    }

    pub(super) fn agent_id(&self) -> Option<Uuid> {
        match &self.kind {
            ClientKind::Agent { user_id, .. } => Some(*user_id),
            ClientKind::Visitor { .. } => None,
        }
    }

    pub(super) fn can(&self, permission: Permission) -> bool {
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
    pub(super) fn watches(&self, agent: Uuid, teams: &Teams) -> bool {
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
    pub(super) fn visitor_contact(&self) -> Option<(i64, Option<i64>)> {
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
