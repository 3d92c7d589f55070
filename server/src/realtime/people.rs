//! What concerns people rather than conversations: notifications, a
//! changed role or scope (applied to open sockets at once), agents' status.

use domain::access::Scope;
use shared::events::ServerEvent;
use shared::Role;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use uuid::Uuid;

use super::{frame, send_to, Client, ClientKind, Hub, Teams};

impl Hub {
    pub(super) async fn notification(
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
        send_to(clients, &ServerEvent::Notification { notification }, |c| {
            c.agent_id() == Some(user_id)
        });
        Ok(())
    }

    /// New permissions apply to this person's open sockets at once; their
    /// browsers refetch what they may see and do.
    pub(super) fn role_changed(&self, user_id: Uuid, new_role: Role, clients: &[Arc<Client>]) {
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
    pub(super) async fn activity_changed(
        &self,
        account_id: Uuid,
        user_id: Uuid,
        status: shared::activity::AgentStatus,
        clients: &[Arc<Client>],
    ) -> domain::Result<()> {
        let teams = self.teams(account_id).await?;
        send_to(
            clients,
            &ServerEvent::AgentActivity {
                user_id,
                status,
                at: chrono::Utc::now(),
            },
            |c| c.watches(user_id, &teams),
        );
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
    pub(super) async fn refresh_scopes(
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
        if resync {
            send_to(clients, &ServerEvent::AccessChanged, |c| {
                c.agent().is_some()
            });
        }
        Ok(())
    }
}
