//! Priority, the critical flag, tags and the other fields an agent edits.

use anyhow::Context;
use shared::inbox::{Activity, ConversationStatus, ConversationSummary, Priority};
use shared::ErrorCode;
use uuid::Uuid;

use super::super::{
    add_activity, finish_change, get, lock_for_change, lock_in_scope, normalize_tag, remember_tags,
    Locked,
};
use super::assignment::apply_assignment;
use super::status::apply_status;
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

pub async fn set_priority(
    db: &Db,
    actor: &Actor,
    number: i64,
    priority: Priority,
) -> Result<ConversationSummary> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let mut conversation = lock_for_change(&mut tx, actor, number).await?;
    if conversation.priority == priority {
        tx.commit().await.context("commit")?;
        return get(db, actor, number).await;
    }
    change_priority(&mut tx, &mut conversation, priority, &actor.name).await?;
    finish_change(db, tx, actor, &conversation).await
}

/// Changes the priority (`by` is who, in the timeline) and moves the SLA
/// clocks to the new priority's policy.
pub(crate) async fn change_priority(
    tx: &mut Tx,
    conversation: &mut Locked,
    priority: Priority,
    by: &str,
) -> Result<()> {
    let from = conversation.priority;
    sqlx::query("UPDATE conversations SET priority = $3 WHERE account_id = $1 AND id = $2")
        .bind(conversation.account_id)
        .bind(conversation.id)
        .bind(priority)
        .execute(&mut **tx)
        .await
        .context("changing priority")?;
    add_activity(
        tx,
        conversation,
        &Activity::PriorityChanged {
            from,
            to: priority,
            by: by.to_string(),
        },
    )
    .await?;
    conversation.priority = priority;
    crate::service_desk::sla::retarget(tx, conversation).await?;
    Ok(())
}

pub async fn set_critical(
    db: &Db,
    actor: &Actor,
    number: i64,
    critical: bool,
) -> Result<ConversationSummary> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = lock_for_change(&mut tx, actor, number).await?;
    if conversation.critical == critical {
        tx.commit().await.context("commit")?;
        return get(db, actor, number).await;
    }
    sqlx::query("UPDATE conversations SET critical = $3 WHERE account_id = $1 AND id = $2")
        .bind(actor.account_id)
        .bind(conversation.id)
        .bind(critical)
        .execute(&mut *tx)
        .await
        .context("changing critical flag")?;
    add_activity(
        &mut tx,
        &conversation,
        &Activity::CriticalChanged {
            critical,
            by: actor.name.clone(),
        },
    )
    .await?;
    finish_change(db, tx, actor, &conversation).await
}

/// Replaces the conversation's tags.
pub async fn set_tags(
    db: &Db,
    actor: &Actor,
    number: i64,
    tags: &[String],
) -> Result<ConversationSummary> {
    let mut wanted: Vec<String> = Vec::new();
    for tag in tags {
        let tag =
            normalize_tag(tag).ok_or_else(|| Error::field("tags", ErrorCode::InvalidValue))?;
        if !wanted.contains(&tag) {
            wanted.push(tag);
        }
    }
    if wanted.len() > 20 {
        return Err(Error::field("tags", ErrorCode::TooLong));
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = lock_for_change(&mut tx, actor, number).await?;
    let added: Vec<String> = wanted
        .iter()
        .filter(|t| !conversation.tags.contains(t))
        .cloned()
        .collect();
    let removed: Vec<String> = conversation
        .tags
        .iter()
        .filter(|t| !wanted.contains(t))
        .cloned()
        .collect();
    if added.is_empty() && removed.is_empty() {
        tx.commit().await.context("commit")?;
        return get(db, actor, number).await;
    }
    sqlx::query("UPDATE conversations SET tags = $3 WHERE account_id = $1 AND id = $2")
        .bind(actor.account_id)
        .bind(conversation.id)
        .bind(&wanted)
        .execute(&mut *tx)
        .await
        .context("changing tags")?;
    remember_tags(&mut tx, actor.account_id, &added).await?;
    add_activity(
        &mut tx,
        &conversation,
        &Activity::TagsChanged {
            added,
            removed,
            by: actor.name.clone(),
        },
    )
    .await?;
    finish_change(db, tx, actor, &conversation).await
}

/// Several changes at once (the REST API's PATCH), all or nothing.
#[derive(Clone, Debug, Default)]
pub struct ConversationUpdate {
    pub status: Option<ConversationStatus>,
    pub priority: Option<Priority>,
    /// `Some(None)` unassigns.
    pub assignee: Option<Option<Uuid>>,
    /// Resolving, skip the satisfaction survey (by permission).
    pub without_survey: bool,
}

/// Applies an update in one transaction, in the order that makes every
/// combination work: a reopen first (a closed ticket cannot be assigned),
/// then the assignment and priority, then any other status (so "assign and
/// resolve" resolves last).
pub async fn update(
    db: &Db,
    actor: &Actor,
    number: i64,
    change: &ConversationUpdate,
) -> Result<ConversationSummary> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let (mut conversation, scope) = lock_in_scope(&mut tx, actor, number).await?;
    let mut status = change.status.filter(|s| *s != conversation.status);
    if let Some(reopen) = status.filter(|_| conversation.status.is_closed()) {
        apply_status(&mut tx, actor, &mut conversation, reopen, None, false).await?;
        status = None;
    }
    if let Some(assignee) = change.assignee.filter(|a| *a != conversation.assignee_id) {
        apply_assignment(
            &mut tx,
            actor,
            &scope,
            &mut conversation,
            assignee,
            None,
            None,
        )
        .await?;
    }
    if let Some(priority) = change.priority.filter(|p| *p != conversation.priority) {
        change_priority(&mut tx, &mut conversation, priority, &actor.name).await?;
    }
    if let Some(status) = status.filter(|s| *s != conversation.status) {
        apply_status(
            &mut tx,
            actor,
            &mut conversation,
            status,
            None,
            change.without_survey,
        )
        .await?;
    }
    finish_change(db, tx, actor, &conversation).await
}
