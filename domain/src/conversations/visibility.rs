//! Who may see a conversation — the one rule, in the two forms it must take:
//! SQL for queries ([`visible_sql`]) and Rust for the real-time hub
//! ([`visible_to`]). Both read the viewer's [`Scope`] (resolved once, in
//! `crate::access`) and are checked against one matrix ([`MATRIX`]) by a
//! unit test here (Rust) and an integration test that runs the SQL
//! (`server/tests/it/visibility.rs`), so they cannot drift.
//!
//! The rule: anyone sees the conversations assigned to them; otherwise a
//! conversation must come through a connection they see, and belong to a
//! department they see — or, unassigned, to no department. Whoever holds
//! `ViewAllConversations` (unless limited to their departments) sees every
//! department and every connection.

use anyhow::Context;
use uuid::Uuid;

use crate::access::{Reach, Scope};
use crate::db::Db;
use crate::error::Result;

/// The rule over a conversation aliased `c`, with the placeholders of the
/// viewer's id and of the departments and connections they see
/// (`bigint[]`, NULL for every one: [`Reach::as_sql`]).
pub(crate) fn visible_sql(viewer: &str, departments: &str, channels: &str) -> String {
    format!(
        "(c.assignee_id = {viewer}
          OR (({channels}::bigint[] IS NULL OR c.channel_id = ANY({channels}))
              AND ({departments}::bigint[] IS NULL OR c.department_id = ANY({departments})
                   OR (c.department_id IS NULL AND c.assignee_id IS NULL))))"
    )
}

/// Whether the holder of `scope` may see a conversation placed so.
pub fn visible_to(
    scope: &Scope,
    assignee: Option<Uuid>,
    department: Option<i64>,
    channel: i64,
) -> bool {
    assignee == Some(scope.user_id)
        || (scope.channels.contains(channel)
            && match &scope.departments {
                Reach::All => true,
                Reach::Only(ids) => department.map_or(assignee.is_none(), |d| ids.contains(&d)),
            })
}

/// One case of the rule: who views, how the conversation is placed, and
/// whether it is visible.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// The viewer sees every department.
    pub sees_all: bool,
    /// The viewer belongs to the conversation's department.
    pub member_of_department: bool,
    pub department: bool,
    pub assignee: Assignee,
    /// The viewer sees the conversation's connection.
    pub channel_seen: bool,
    pub visible: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignee {
    Nobody,
    Viewer,
    Someone,
}

const fn case(
    sees_all: bool,
    member_of_department: bool,
    department: bool,
    assignee: Assignee,
    channel_seen: bool,
    visible: bool,
) -> Case {
    Case {
        sees_all,
        member_of_department,
        department,
        assignee,
        channel_seen,
        visible,
    }
}

/// Every combination that matters of reach (every department or not) ×
/// department membership × department × assignment × connection, with the
/// expected answer.
pub const MATRIX: [Case; 22] = {
    use Assignee::*;
    [
        // Supervisors, admins, auditors: everything.
        case(true, false, false, Nobody, true, true),
        case(true, false, false, Someone, true, true),
        case(true, false, true, Nobody, true, true),
        case(true, false, true, Someone, true, true),
        case(true, true, true, Someone, true, true),
        case(true, false, true, Viewer, true, true),
        // … except through a connection they do not see (only their default one).
        case(true, false, true, Someone, false, false),
        case(true, false, false, Nobody, false, false),
        case(true, false, true, Viewer, false, true),
        // Agents, no department on the conversation.
        case(false, false, false, Nobody, true, true),
        case(false, false, false, Viewer, true, true),
        case(false, false, false, Someone, true, false),
        // Agents, a department they do not belong to.
        case(false, false, true, Nobody, true, false),
        case(false, false, true, Someone, true, false),
        case(false, false, true, Viewer, true, true),
        // Agents, their own department.
        case(false, true, true, Nobody, true, true),
        case(false, true, true, Someone, true, true),
        case(false, true, true, Viewer, true, true),
        // Membership of a department does not reveal others' personal chats.
        case(false, true, false, Someone, true, false),
        // A connection they do not see hides even their department's and
        // the unassigned pool — never their own.
        case(false, true, true, Nobody, false, false),
        case(false, false, false, Nobody, false, false),
        case(false, true, true, Viewer, false, true),
    ]
};

/// Every member's departments in an account, in one query (the hub
/// refreshes all its sockets of an account at once).
pub async fn departments_by_member(
    db: &Db,
    account_id: Uuid,
) -> Result<std::collections::HashMap<Uuid, Vec<i64>>> {
    let mut tx = db.tenant(account_id, None).await?;
    let rows: Vec<(Uuid, Vec<i64>)> = sqlx::query_as(
        "SELECT user_id, array_agg(department_id) FROM department_members
          WHERE account_id = $1 GROUP BY user_id",
    )
    .bind(account_id)
    .fetch_all(&mut *tx)
    .await
    .context("reading department members")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::Role;

    #[test]
    fn the_sql_rule_takes_any_placeholders() {
        let sql = visible_sql("$2", "$3", "$9");
        assert!(sql.starts_with("(c.assignee_id = $2"), "{sql}");
        assert!(sql.contains("c.department_id = ANY($3)"), "{sql}");
        assert!(sql.contains("c.channel_id = ANY($9)"), "{sql}");
        assert!(!sql.contains("$1"), "{sql}");
    }

    /// The scope a matrix case describes, over department 9 and connection 5.
    fn scope_for(case: &Case, viewer: Uuid) -> Scope {
        Scope {
            user_id: viewer,
            role: Role::Agent,
            departments: if case.sees_all {
                Reach::All
            } else if case.member_of_department {
                Reach::Only(vec![9])
            } else {
                Reach::Only(vec![3])
            },
            assignable: Reach::Only(vec![]),
            channels: Reach::Only(if case.channel_seen { vec![5] } else { vec![6] }),
            writable: Reach::Only(vec![]),
            manageable: Reach::Only(vec![]),
        }
    }

    #[test]
    fn the_rust_rule_answers_the_matrix() {
        let viewer = Uuid::from_u128(1);
        let someone = Uuid::from_u128(2);
        for case in MATRIX {
            let assignee = match case.assignee {
                Assignee::Nobody => None,
                Assignee::Viewer => Some(viewer),
                Assignee::Someone => Some(someone),
            };
            let scope = scope_for(&case, viewer);
            assert_eq!(
                visible_to(&scope, assignee, case.department.then_some(9), 5),
                case.visible,
                "{case:?}"
            );
        }
    }
}
