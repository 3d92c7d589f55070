//! One signal turned into events for this instance's sockets.

use chrono::Utc;
use domain::realtime::{Envelope, Signal};
use shared::events::ServerEvent;
use shared::Permission;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{frame, send_to, ClientKind, Hub};

impl Hub {
    /// Turns one signal into events for this instance's sockets.
    /// `conversation_too`: a message signal also sends its conversation's
    /// new state (see `lanes::fold_conversation_changes`).
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
                send_to(
                    &clients,
                    &ServerEvent::ConversationRead {
                        conversation_id,
                        read_count,
                    },
                    |c| c.agent_id() == Some(user_id),
                );
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
                send_to(
                    &clients,
                    &ServerEvent::AvailabilityChanged {
                        user_id,
                        availability,
                    },
                    |c| c.agent().is_some(),
                );
                Ok(())
            }
            Signal::ActivityChanged { user_id, status } => {
                self.activity_changed(account_id, user_id, status, &clients)
                    .await
            }
            Signal::ActivitySettingsChanged { settings } => {
                send_to(
                    &clients,
                    &ServerEvent::ActivitySettingsChanged { settings },
                    |c| c.agent().is_some(),
                );
                Ok(())
            }
            Signal::ConnectionHealthChanged {
                channel_id,
                name,
                connected,
                detail,
            } => {
                send_to(
                    &clients,
                    &ServerEvent::ConnectionHealth {
                        channel_id,
                        name,
                        connected,
                        detail,
                    },
                    |c| c.can(Permission::ManageChannels),
                );
                Ok(())
            }
            Signal::ConnectionChanged { channel_id } => {
                self.webhook_connections.forget(channel_id);
                Ok(())
            }
            Signal::Presence { user_id, online } => {
                send_to(&clients, &ServerEvent::Presence { user_id, online }, |c| {
                    c.agent().is_some()
                });
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
                send_to(&clients, &ServerEvent::ReportSchedulesChanged, |c| {
                    c.can(Permission::ViewDashboard)
                });
                Ok(())
            }
            Signal::ReportExportChanged { user_id, export } => {
                send_to(&clients, &ServerEvent::ReportExport { export }, |c| {
                    c.agent_id() == Some(user_id)
                });
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
}
