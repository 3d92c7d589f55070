//! What one person reaches in an account: which departments' conversations
//! they see and may assign, which connections they read, write through and
//! manage. A [`Scope`] is resolved once from the person's role, limits,
//! memberships and grants ([`Facts::resolve`], pure and unit-tested) and
//! then answers every question: conversation queries bind it into the one
//! SQL rule (`conversations::visibility`), the real-time hub keeps one per
//! socket, and actions check it.

mod grants;

pub(crate) use grants::save_department_grants;
pub use grants::{channel_access, save_channel_access, save_member_limits};

use anyhow::Context;
use shared::{Permission, Role};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::Actor;

/// A set of departments or connections: every one, or only these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    All,
    Only(Vec<i64>),
}

impl Reach {
    pub fn contains(&self, id: i64) -> bool {
        match self {
            Reach::All => true,
            Reach::Only(ids) => ids.contains(&id),
        }
    }

    /// As a query parameter: NULL is every one.
    pub fn as_sql(&self) -> Option<Vec<i64>> {
        match self {
            Reach::All => None,
            Reach::Only(ids) => Some(ids.clone()),
        }
    }

    fn only(ids: impl IntoIterator<Item = i64>) -> Self {
        Reach::Only(
            ids.into_iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        )
    }
}

/// What one person reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub user_id: Uuid,
    pub role: Role,
    /// Departments whose conversations they see (their own are always seen).
    pub departments: Reach,
    /// Departments whose conversations they may assign and take.
    pub assignable: Reach,
    /// Connections whose conversations they see.
    pub channels: Reach,
    /// Connections they may answer through.
    pub writable: Reach,
    /// Connections whose settings they may change.
    pub manageable: Reach,
}

impl Scope {
    /// Whether they see a conversation placed so (the one rule; its SQL
    /// twin is `conversations::visibility::visible_sql`).
    pub fn sees(&self, assignee: Option<Uuid>, department: Option<i64>, channel: i64) -> bool {
        crate::conversations::visible_to(self, assignee, department, channel)
    }

    /// Whether they may change who has a conversation of this department:
    /// their own conversations and those of no department always.
    pub fn may_assign(&self, assignee: Option<Uuid>, department: Option<i64>) -> bool {
        assignee == Some(self.user_id) || department.is_none_or(|d| self.assignable.contains(d))
    }

    /// `Ok` when they may answer through this connection, else `Forbidden`.
    pub fn require_write(&self, channel: i64) -> Result<()> {
        if self.writable.contains(channel) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

/// Everything a scope is resolved from, read in one query.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct Facts {
    pub user_id: Uuid,
    pub role: Option<Role>,
    pub limited_to_departments: bool,
    pub default_channel_id: Option<i64>,
    pub only_default_channel: bool,
    /// Departments they belong to.
    pub member_of: Vec<i64>,
    /// Departments granted to them or their role, at any level.
    pub viewable: Vec<i64>,
    /// … at the `assign` level.
    pub assignable: Vec<i64>,
    /// Connections nobody needs a grant for.
    pub open_channels: Vec<i64>,
    pub any_restricted: bool,
    /// Connections granted to them or their role, at any level, then at
    /// `write` or above, then at `manage`.
    pub readable: Vec<i64>,
    pub writable: Vec<i64>,
    pub manageable: Vec<i64>,
}

impl Facts {
    pub fn resolve(self) -> Scope {
        let role = self.role.unwrap_or(Role::Agent);
        let sees_everything =
            role.can(Permission::ViewAllConversations) && !self.limited_to_departments;
        let (departments, assignable) = if sees_everything {
            (Reach::All, Reach::All)
        } else {
            let member_of = self.member_of.iter().copied();
            (
                Reach::only(member_of.clone().chain(self.viewable)),
                Reach::only(member_of.chain(self.assignable)),
            )
        };
        let (channels, writable) = if self.only_default_channel {
            let own = Reach::only(self.default_channel_id);
            (own.clone(), own)
        } else if sees_everything || !self.any_restricted {
            (Reach::All, Reach::All)
        } else {
            let open = self.open_channels.iter().copied();
            (
                Reach::only(open.clone().chain(self.readable)),
                Reach::only(open.chain(self.writable)),
            )
        };
        let manageable = if role.can(Permission::ManageChannels) {
            Reach::All
        } else {
            Reach::only(self.manageable)
        };
        Scope {
            user_id: self.user_id,
            role,
            departments,
            assignable,
            channels,
            writable,
            manageable,
        }
    }
}

/// The facts of one member (`$2`) or of every member (`$2` NULL) of
/// account `$1`.
const FACTS: &str = "
SELECT m.user_id, m.role, m.limited_to_departments, m.default_channel_id, m.only_default_channel,
       ARRAY(SELECT dm.department_id FROM department_members dm
              WHERE dm.account_id = m.account_id AND dm.user_id = m.user_id) AS member_of,
       ARRAY(SELECT g.department_id FROM department_grants g
              WHERE g.account_id = m.account_id AND (g.user_id = m.user_id OR g.role = m.role)) AS viewable,
       ARRAY(SELECT g.department_id FROM department_grants g
              WHERE g.account_id = m.account_id AND (g.user_id = m.user_id OR g.role = m.role)
                AND g.level = 'assign') AS assignable,
       ARRAY(SELECT ch.id FROM channels ch
              WHERE ch.account_id = m.account_id AND NOT ch.restricted) AS open_channels,
       EXISTS (SELECT 1 FROM channels ch
                WHERE ch.account_id = m.account_id AND ch.restricted) AS any_restricted,
       ARRAY(SELECT g.channel_id FROM channel_grants g
              WHERE g.account_id = m.account_id AND (g.user_id = m.user_id OR g.role = m.role)) AS readable,
       ARRAY(SELECT g.channel_id FROM channel_grants g
              WHERE g.account_id = m.account_id AND (g.user_id = m.user_id OR g.role = m.role)
                AND g.level IN ('write', 'manage')) AS writable,
       ARRAY(SELECT g.channel_id FROM channel_grants g
              WHERE g.account_id = m.account_id AND (g.user_id = m.user_id OR g.role = m.role)
                AND g.level = 'manage') AS manageable
  FROM memberships m
 WHERE m.account_id = $1 AND m.active AND ($2::uuid IS NULL OR m.user_id = $2)";

/// The actor's scope, read inside the caller's transaction (so the rule
/// and the data it filters are one snapshot).
pub(crate) async fn scope_in(tx: &mut Tx, actor: &Actor) -> Result<Scope> {
    member_scope(tx, actor.account_id, actor.user_id)
        .await?
        .ok_or(Error::Forbidden)
}

/// An active member's scope; `None` for anyone else.
pub(crate) async fn member_scope(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
) -> anyhow::Result<Option<Scope>> {
    let facts: Option<Facts> = sqlx::query_as(FACTS)
        .bind(account_id)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
        .context("reading what a member reaches")?;
    Ok(facts.map(Facts::resolve))
}

/// The actor's scope, in a transaction of its own.
pub async fn scope_of(db: &Db, actor: &Actor) -> Result<Scope> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let scope = scope_in(&mut tx, actor).await?;
    tx.commit().await.context("commit")?;
    Ok(scope)
}

/// `Ok` when the actor may change this connection's settings: those who
/// manage every connection, or hold `manage` on this one.
pub(crate) async fn require_manage(db: &Db, actor: &Actor, channel_id: i64) -> Result<()> {
    if actor.can(Permission::ManageChannels)
        || scope_of(db, actor).await?.manageable.contains(channel_id)
    {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The connections the actor configures by grant alone (none for those who
/// manage every connection by role).
pub async fn managed_channels(db: &Db, actor: &Actor) -> Result<Vec<i64>> {
    if actor.can(Permission::ManageChannels) {
        return Ok(vec![]);
    }
    Ok(match scope_of(db, actor).await?.manageable {
        Reach::All => vec![],
        Reach::Only(ids) => ids,
    })
}

/// Every active member's scope, in one query (the hub refreshes all the
/// sockets of an account at once).
pub async fn scopes_of_account(db: &Db, account_id: Uuid) -> Result<HashMap<Uuid, Scope>> {
    let mut tx = db.tenant(account_id, None).await?;
    let facts: Vec<Facts> = sqlx::query_as(FACTS)
        .bind(account_id)
        .bind(None::<Uuid>)
        .fetch_all(&mut *tx)
        .await
        .context("reading what members reach")?;
    tx.commit().await.context("commit")?;
    Ok(facts
        .into_iter()
        .map(|f| (f.user_id, f.resolve()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(role: Role) -> Facts {
        Facts {
            user_id: Uuid::from_u128(1),
            role: Some(role),
            member_of: vec![1],
            viewable: vec![2, 3],
            assignable: vec![3],
            open_channels: vec![10],
            readable: vec![11, 12],
            writable: vec![12],
            manageable: vec![],
            ..Facts::default()
        }
    }

    #[test]
    fn an_agent_reaches_their_departments_and_granted_ones() {
        let scope = facts(Role::Agent).resolve();
        assert_eq!(scope.departments, Reach::Only(vec![1, 2, 3]));
        assert_eq!(scope.assignable, Reach::Only(vec![1, 3]));
        // No connection is restricted: every one is open.
        assert_eq!(scope.channels, Reach::All);
    }

    #[test]
    fn restricted_connections_need_a_grant() {
        let scope = Facts {
            any_restricted: true,
            ..facts(Role::Agent)
        }
        .resolve();
        assert_eq!(scope.channels, Reach::Only(vec![10, 11, 12]));
        assert_eq!(scope.writable, Reach::Only(vec![10, 12]));
        assert_eq!(scope.manageable, Reach::Only(vec![]));
    }

    #[test]
    fn a_supervisor_sees_everything_unless_limited() {
        let all = Facts {
            any_restricted: true,
            ..facts(Role::Supervisor)
        };
        let scope = all.clone().resolve();
        assert_eq!(
            (scope.departments, scope.channels),
            (Reach::All, Reach::All)
        );
        let limited = Facts {
            limited_to_departments: true,
            ..all
        }
        .resolve();
        assert_eq!(limited.departments, Reach::Only(vec![1, 2, 3]));
        assert_eq!(limited.channels, Reach::Only(vec![10, 11, 12]));
    }

    #[test]
    fn only_the_default_connection_means_only_it_even_for_supervisors() {
        let scope = Facts {
            only_default_channel: true,
            default_channel_id: Some(11),
            ..facts(Role::Supervisor)
        }
        .resolve();
        assert_eq!(scope.channels, Reach::Only(vec![11]));
        assert_eq!(scope.writable, Reach::Only(vec![11]));
        assert_eq!(scope.departments, Reach::All);
        let without_one = Facts {
            only_default_channel: true,
            ..facts(Role::Agent)
        }
        .resolve();
        assert_eq!(without_one.channels, Reach::Only(vec![]));
    }

    #[test]
    fn assigning_needs_the_assign_level_except_for_ones_own() {
        let scope = facts(Role::Agent).resolve();
        let me = Some(scope.user_id);
        let someone = Some(Uuid::from_u128(9));
        assert!(scope.may_assign(None, Some(1)), "a member assigns");
        assert!(scope.may_assign(None, Some(3)), "an assign grant");
        assert!(!scope.may_assign(None, Some(2)), "a view grant only views");
        assert!(!scope.may_assign(someone, Some(2)));
        assert!(scope.may_assign(me, Some(2)), "one's own conversation");
        assert!(scope.may_assign(None, None), "no department");
    }
}
