//! Who may see a conversation — the one rule, in the two forms it must take:
//! SQL for queries ([`VISIBLE`], [`visible_sql`]) and Rust for the real-time
//! hub ([`visible_to`]). Both are checked against one matrix
//! ([`MATRIX`]) by a unit test here (Rust) and an integration test that runs
//! the SQL (`server/tests/it/visibility.rs`), so they cannot drift.
//!
//! The rule: whoever holds `ViewAllConversations` sees everything; anyone
//! else sees conversations assigned to them, those of their departments,
//! and unassigned conversations that belong to no department.

use anyhow::Context;
use uuid::Uuid;

use crate::db::Db;
use crate::error::Result;

/// The rule over a conversation aliased `c`. `$1` is the viewer's user id,
/// `$2` whether they see everything.
pub(crate) const VISIBLE: &str = "($2 OR c.assignee_id = $1
      OR (c.assignee_id IS NULL AND c.department_id IS NULL)
      OR c.department_id IN (SELECT dm.department_id FROM department_members dm WHERE dm.user_id = $1))";

/// The same rule with other parameter numbers (for queries whose `$1`/`$2`
/// mean something else).
pub(crate) fn visible_sql(viewer: &str, sees_all: &str) -> String {
    VISIBLE
        .replace("$1", "\u{1}")
        .replace("$2", "\u{2}")
        .replace('\u{1}', viewer)
        .replace('\u{2}', sees_all)
}

/// Whether `viewer` may see a conversation with this assignee and department.
pub fn visible_to(
    can_view_all: bool,
    viewer: Uuid,
    viewer_departments: &[i64],
    assignee: Option<Uuid>,
    department: Option<i64>,
) -> bool {
    can_view_all
        || assignee == Some(viewer)
        || (assignee.is_none() && department.is_none())
        || department.is_some_and(|d| viewer_departments.contains(&d))
}

/// One case of the rule: who views, how the conversation is placed, and
/// whether it is visible.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub sees_all: bool,
    /// The viewer belongs to the conversation's department.
    pub member_of_department: bool,
    pub department: bool,
    pub assignee: Assignee,
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
    visible: bool,
) -> Case {
    Case {
        sees_all,
        member_of_department,
        department,
        assignee,
        visible,
    }
}

/// Every combination of role (sees all or not) × department membership ×
/// department × assignment, with the expected answer.
pub const MATRIX: [Case; 16] = {
    use Assignee::*;
    [
        // Supervisors, admins, auditors: everything.
        case(true, false, false, Nobody, true),
        case(true, false, false, Someone, true),
        case(true, false, true, Nobody, true),
        case(true, false, true, Someone, true),
        case(true, true, true, Someone, true),
        case(true, false, true, Viewer, true),
        // Agents, no department on the conversation.
        case(false, false, false, Nobody, true),
        case(false, false, false, Viewer, true),
        case(false, false, false, Someone, false),
        // Agents, a department they do not belong to.
        case(false, false, true, Nobody, false),
        case(false, false, true, Someone, false),
        case(false, false, true, Viewer, true),
        // Agents, their own department.
        case(false, true, true, Nobody, true),
        case(false, true, true, Someone, true),
        case(false, true, true, Viewer, true),
        // Membership of a department does not reveal others' personal chats.
        case(false, true, false, Someone, false),
    ]
};

/// The departments a user belongs to in an account.
pub async fn departments_of(db: &Db, account_id: Uuid, user_id: Uuid) -> Result<Vec<i64>> {
    let mut tx = db.tenant(account_id, None).await?;
    let ids = sqlx::query_scalar(
        "SELECT department_id FROM department_members WHERE account_id = $1 AND user_id = $2",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await
    .context("reading departments")?;
    tx.commit().await.context("commit")?;
    Ok(ids)
}

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

    #[test]
    fn the_sql_rule_takes_other_parameter_numbers() {
        let sql = visible_sql("$2", "$3");
        assert!(sql.starts_with("($3 OR c.assignee_id = $2"), "{sql}");
        assert!(sql.contains("dm.user_id = $2"), "{sql}");
        assert!(!sql.contains("$1"), "{sql}");
    }

    #[test]
    fn the_rust_rule_answers_the_matrix() {
        let viewer = Uuid::from_u128(1);
        let someone = Uuid::from_u128(2);
        let department = 9;
        for case in MATRIX {
            let assignee = match case.assignee {
                Assignee::Nobody => None,
                Assignee::Viewer => Some(viewer),
                Assignee::Someone => Some(someone),
            };
            let memberships: &[i64] = if case.member_of_department {
                &[department]
            } else {
                &[3]
            };
            assert_eq!(
                visible_to(
                    case.sees_all,
                    viewer,
                    memberships,
                    assignee,
                    case.department.then_some(department)
                ),
                case.visible,
                "{case:?}"
            );
        }
    }
}
