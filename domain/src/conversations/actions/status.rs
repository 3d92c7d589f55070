//! Changing a conversation's status, and wrapping it up (categories, then
//! resolved).

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;
use shared::activity::WorkEvent;
use shared::audit::AuditAction;
use shared::inbox::{Activity, ConversationStatus, ConversationSummary};
use shared::{ConflictReason, ErrorCode};

use super::super::{add_activity, finish_change, lock_for_change, Locked};
use super::reopen::{resume, Resume};
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::productivity;

/// Changes the status. `snooze_until` (required for `waiting`, optional
/// otherwise) snoozes the conversation until then.
pub async fn set_status(
    db: &Db,
    actor: &Actor,
    number: i64,
    status: ConversationStatus,
    snooze_until: Option<DateTime<Utc>>,
) -> Result<ConversationSummary> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let mut conversation = lock_for_change(&mut tx, actor, number).await?;
    apply_status(
        &mut tx,
        actor,
        &mut conversation,
        status,
        snooze_until,
        false,
    )
    .await?;
    finish_change(db, tx, actor, &conversation).await
}

/// `without_survey`: resolving, the customer is not sent the satisfaction
/// survey (for those who may choose so).
pub(super) async fn apply_status(
    tx: &mut Tx,
    actor: &Actor,
    conversation: &mut Locked,
    status: ConversationStatus,
    snooze_until: Option<DateTime<Utc>>,
    without_survey: bool,
) -> Result<()> {
    if without_survey && status == ConversationStatus::Resolved {
        actor.require(shared::Permission::ResolveWithoutSurvey)?;
    }
    let from = conversation.status;
    if !from.can_change_to(status) {
        return Err(Error::field("status", ErrorCode::OptionInvalid));
    }
    // The agent's status, not the bot's: the flow stops.
    crate::flows::runs::end_taken_over(tx, conversation).await?;
    if let Some(until) = snooze_until {
        if status != ConversationStatus::Waiting || until <= Utc::now() {
            return Err(Error::field("snooze_until", ErrorCode::DateInvalid));
        }
    }
    if from.is_closed() {
        // Closed tickets can only be reopened; who is assigned decides how.
        return resume(tx, conversation, Resume::ByAgent(actor)).await;
    }
    if status == ConversationStatus::Resolved
        && crate::categories::missing_required(tx, conversation).await?
    {
        return Err(Error::field("categories", ErrorCode::Required));
    }
    sqlx::query(
        "UPDATE conversations
            SET status = $3, snoozed_until = $4,
                -- A snoozed conversation keeps its place: it is out of the
                -- active list until it wakes, not on top of it.
                last_activity_at = CASE WHEN $4::timestamptz IS NULL THEN now() ELSE last_activity_at END,
                resolved_at = CASE WHEN $3 IN ('resolved', 'cancelled') THEN now() ELSE NULL END,
                waiting_since = CASE WHEN $3 IN ('resolved', 'cancelled') THEN NULL ELSE waiting_since END
          WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(status)
    .bind(snooze_until)
    .execute(&mut **tx)
    .await
    .context("changing status")?;
    let activity = match snooze_until {
        Some(until) => Activity::Snoozed {
            until,
            by: actor.name.clone(),
        },
        None => Activity::StatusChanged {
            from,
            to: status,
            by: actor.name.clone(),
        },
    };
    add_activity(tx, conversation, &activity).await?;
    audit::record(
        tx,
        actor,
        AuditAction::ConversationStatusChanged,
        Some(Target::new("conversation", conversation.number)),
        json!({ "from": from, "to": status, "snoozed_until": snooze_until }),
    )
    .await?;
    conversation.status = status;
    conversation.snoozed_until = snooze_until;
    if status == ConversationStatus::Resolved {
        productivity::record(
            tx,
            actor.account_id,
            conversation.id,
            actor.user_id,
            WorkEvent::ConversationResolved,
        )
        .await?;
        crate::satisfaction::ask(tx, conversation, without_survey).await?;
    }
    Ok(())
}

/// Wrap-up: the conversation's categories, then resolved — together, with
/// or without the satisfaction survey.
pub async fn wrap_up(
    db: &Db,
    actor: &Actor,
    number: i64,
    category_ids: &[i64],
    without_survey: bool,
) -> Result<ConversationSummary> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let mut conversation = lock_for_change(&mut tx, actor, number).await?;
    if conversation.status.is_closed() {
        return Err(Error::Conflict(ConflictReason::ConversationClosed));
    }
    crate::categories::choose_in(&mut tx, actor, &conversation, category_ids).await?;
    apply_status(
        &mut tx,
        actor,
        &mut conversation,
        ConversationStatus::Resolved,
        None,
        without_survey,
    )
    .await?;
    finish_change(db, tx, actor, &conversation).await
}
