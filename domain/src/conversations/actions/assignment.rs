//! Assigning and transferring a conversation, by hand or by the department's
//! distribution.

use anyhow::Context;
use serde_json::json;
use shared::activity::WorkEvent;
use shared::audit::AuditAction;
use shared::departments::RoutingReason;
use shared::inbox::{Activity, ConversationStatus, ConversationSummary, NotificationKind};
use shared::{ConflictReason, ErrorCode};
use uuid::Uuid;

use super::super::{add_activity, finish_change, lock_in_scope, touch, Locked};
use crate::access::Scope;
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::productivity;

/// Assigns to an agent (or nobody) and/or moves to a department (or none),
/// with an optional note: "assign to me", "assign", and "transfer".
pub async fn assign(
    db: &Db,
    actor: &Actor,
    number: i64,
    assignee: Option<Uuid>,
    department: Option<Option<i64>>,
    note: Option<String>,
) -> Result<ConversationSummary> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let (mut conversation, scope) = lock_in_scope(&mut tx, actor, number).await?;
    apply_assignment(
        &mut tx,
        actor,
        &scope,
        &mut conversation,
        assignee,
        department,
        note,
    )
    .await?;
    finish_change(db, tx, actor, &conversation).await
}

pub(super) async fn apply_assignment(
    tx: &mut Tx,
    actor: &Actor,
    scope: &Scope,
    conversation: &mut Locked,
    assignee: Option<Uuid>,
    department: Option<Option<i64>>,
    note: Option<String>,
) -> Result<()> {
    if !scope.may_assign(conversation.assignee_id, conversation.department_id) {
        return Err(Error::Forbidden);
    }
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(Error::field("note", ErrorCode::TooLong));
    }
    if conversation.status.is_closed() {
        return Err(Error::Conflict(ConflictReason::ConversationClosed));
    }
    crate::flows::runs::take_over(tx, conversation, &actor.name).await?;
    let assignee_name = match assignee {
        Some(user_id) => Some(
            agent_name(tx, actor.account_id, user_id)
                .await?
                .ok_or_else(|| Error::field("assignee", ErrorCode::OptionInvalid))?,
        ),
        None => None,
    };
    let new_department = department.unwrap_or(conversation.department_id);
    let department_name = match (department, new_department) {
        (Some(_), Some(id)) => Some(
            sqlx::query_scalar::<_, String>(
                "SELECT name FROM departments WHERE account_id = $1 AND id = $2",
            )
            .bind(actor.account_id)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .context("reading department")?
            .ok_or_else(|| Error::field("department", ErrorCode::OptionInvalid))?,
        ),
        _ => None,
    };
    let status = match (conversation.status, assignee) {
        (ConversationStatus::Open, Some(_)) => ConversationStatus::InProgress,
        (ConversationStatus::InProgress, None) => ConversationStatus::Open,
        (current, _) => current,
    };
    sqlx::query(
        "UPDATE conversations SET assignee_id = $3, department_id = $4, status = $5, last_activity_at = now()
          WHERE account_id = $1 AND id = $2",
    )
    .bind(actor.account_id)
    .bind(conversation.id)
    .bind(assignee)
    .bind(new_department)
    .bind(status)
    .execute(&mut **tx)
    .await
    .context("assigning conversation")?;

    let transferred =
        department.is_some() || note.is_some() || assignee.is_some_and(|a| a != actor.user_id);
    let activity = if transferred {
        Activity::Transferred {
            to_agent: assignee_name.clone(),
            to_department: department_name.clone(),
            note: note.clone(),
            by: actor.name.clone(),
        }
    } else {
        Activity::Assigned {
            to: assignee_name.clone(),
            by: actor.name.clone(),
        }
    };
    let activity_id = add_activity(tx, conversation, &activity).await?;
    if let Some(to) = assignee.filter(|to| transferred && *to != actor.user_id) {
        crate::notifications::notify(
            tx,
            actor,
            to,
            NotificationKind::Transfer,
            conversation.id,
            activity_id,
        )
        .await?;
    }
    if transferred {
        audit::record(
            tx,
            actor,
            AuditAction::ConversationTransferred,
            Some(Target::new("conversation", conversation.number)),
            json!({ "to_agent": assignee_name, "to_department": department_name, "note": note }),
        )
        .await?;
        productivity::record(
            tx,
            actor.account_id,
            conversation.id,
            actor.user_id,
            WorkEvent::ConversationTransferred,
        )
        .await?;
    }
    conversation.assignee_id = assignee;
    conversation.department_id = new_department;
    conversation.status = status;
    Ok(())
}

/// Distribution gives a waiting conversation to an agent: it leaves the
/// queue, is in progress, and its timeline says who got it and why.
pub(crate) async fn route_to(
    tx: &mut Tx,
    conversation: &mut Locked,
    user_id: Uuid,
    user_name: &str,
    reason: RoutingReason,
) -> Result<()> {
    let status = match conversation.status {
        ConversationStatus::Open => ConversationStatus::InProgress,
        other => other,
    };
    sqlx::query(
        "UPDATE conversations SET assignee_id = $3, status = $4, queued_at = NULL
          WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(user_id)
    .bind(status)
    .execute(&mut **tx)
    .await
    .context("routing conversation")?;
    add_activity(
        tx,
        conversation,
        &Activity::Routed {
            to: user_name.to_string(),
            reason,
        },
    )
    .await?;
    touch(tx, conversation.account_id, conversation.id).await?;
    conversation.assignee_id = Some(user_id);
    conversation.status = status;
    Ok(())
}

async fn agent_name(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT u.name FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1 AND m.user_id = $2 AND m.active AND m.role <> 'auditor'",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading agent")
}
