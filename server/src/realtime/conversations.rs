//! A conversation's changes, messages and typing, to the sockets that may
//! see them: who sees is decided once per change, so all its frames agree.

use axum::extract::ws::Utf8Bytes;
use chrono::Utc;
use shared::events::{ServerEvent, Typist, WidgetEvent};
use shared::inbox::{ConversationSummary, MessageView};
use shared::Permission;
use std::sync::Arc;
use uuid::Uuid;

use super::{frame, Client, ClientKind, Hub};

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

impl Hub {
    pub(super) async fn conversation_changed(
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
    pub(super) async fn messages(
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

    pub(super) async fn typing(
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

    /// Tells the visitor of a conversation that an agent has read it (their
    /// messages get the "read" ticks). Only looked up when this instance
    /// has visitor sockets in the account.
    pub(super) async fn read_by_agent(
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
}
