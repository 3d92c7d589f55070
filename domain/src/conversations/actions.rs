//! What agents, customers and the clock do to a conversation: status,
//! assignment and transfer, priority, critical flag, tags, reading — and the
//! one rule for a conversation coming back to work ([`resume`]).

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;
use shared::activity::WorkEvent;
use shared::audit::AuditAction;
use shared::departments::RoutingReason;
use shared::inbox::{
    Activity, ConversationStatus, ConversationSummary, NotificationKind, Priority,
};
use shared::{ConflictReason, ErrorCode};
use uuid::Uuid;

use super::{
    add_activity, create, finish_change, get, lock_by_id, lock_for_change, lock_in_scope,
    normalize_tag, remember_tags, touch, visible_summary, Locked,
};
use crate::access::Scope;
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::productivity;
use crate::realtime::{self, Signal};

/// A message on a conversation resolved less than this long ago reopens it;
/// later ones start a new conversation.
pub const REOPEN_WINDOW_HOURS: i64 = 24;
/// New conversations one channel may open per minute (a flood from one
/// widget, say, is refused with `RateLimited`).
pub const NEW_CONVERSATIONS_PER_CHANNEL_PER_MINUTE: i64 = 120;

/// Why a closed or waiting conversation goes back to work.
pub(crate) enum Resume<'a> {
    /// An agent reopened it or replied to it.
    ByAgent(&'a Actor),
    /// The customer wrote again.
    CustomerWrote,
    /// Its snooze ran out.
    SnoozeOver,
}

/// The one rule for a conversation coming back: a closed (resolved,
/// cancelled) or waiting conversation becomes open when nobody is assigned,
/// else in progress, with its snooze cleared; the timeline gets "reopened"
/// or "wait ended" (signalled live), and reopening a closed ticket is
/// audited whoever caused it. Anything else is left alone.
pub(crate) async fn resume(
    tx: &mut Tx,
    conversation: &mut Locked,
    cause: Resume<'_>,
) -> Result<()> {
    let from = conversation.status;
    if !(from.is_closed() || from == ConversationStatus::Waiting) {
        return Ok(());
    }
    if from.is_closed()
        && matches!(cause, Resume::CustomerWrote)
        && conversation.department_id.is_some()
        && reroutes_reopened(tx, conversation.account_id).await?
    {
        // Back to the department's queue: distribution picks who is free.
        conversation.assignee_id = None;
    }
    let to = if conversation.assignee_id.is_some() {
        ConversationStatus::InProgress
    } else {
        ConversationStatus::Open
    };
    sqlx::query(
        "UPDATE conversations
            SET status = $3, assignee_id = $4, resolved_at = NULL, snoozed_until = NULL,
                last_activity_at = now()
          WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(to)
    .bind(conversation.assignee_id)
    .execute(&mut **tx)
    .await
    .context("resuming conversation")?;
    let by = match &cause {
        Resume::ByAgent(actor) => Some(actor.name.clone()),
        Resume::CustomerWrote | Resume::SnoozeOver => None,
    };
    let activity = if from.is_closed() {
        Activity::Reopened { by }
    } else {
        Activity::SnoozeEnded { to }
    };
    add_activity(tx, conversation, &activity).await?;
    if from.is_closed() {
        let target = Some(Target::new("conversation", conversation.number));
        let details = json!({ "from": from, "to": to, "reopened": true });
        match cause {
            Resume::ByAgent(actor) => {
                audit::record(
                    tx,
                    actor,
                    AuditAction::ConversationStatusChanged,
                    target,
                    details,
                )
                .await?
            }
            Resume::CustomerWrote | Resume::SnoozeOver => {
                audit::append(
                    tx,
                    Some(conversation.account_id),
                    None,
                    "customer",
                    AuditAction::ConversationStatusChanged,
                    target,
                    details,
                    None,
                )
                .await?
            }
        }
    }
    conversation.status = to;
    conversation.snoozed_until = None;
    conversation.resolved_at = None;
    if from.is_closed() {
        crate::service_desk::sla::reopened(tx, conversation).await?;
    }
    crate::service_desk::sla::follow_status(tx, conversation).await?;
    Ok(())
}

/// Whether the account sends conversations its customers reopen back
/// through distribution.
async fn reroutes_reopened(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<bool> {
    sqlx::query_scalar("SELECT reroute_reopened FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await
        .context("reading whether reopened conversations are distributed again")
}

/// The conversation a customer's new message belongs to: their latest on
/// this channel, resumed if [`takes_the_customer_back`]; otherwise a new one
/// in the channel's default department.
pub(crate) async fn for_incoming(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    contact_id: i64,
) -> Result<Locked> {
    let existing = latest_of(tx, account_id, channel_id, contact_id).await?;
    match existing {
        Some(conversation) => continue_or_start(tx, conversation, contact_id).await,
        None => start_for_customer(tx, account_id, channel_id, contact_id).await,
    }
}

/// The one rule for a customer writing into an earlier conversation (the
/// latest one on a chat, the thread an e-mail answers): it takes them back
/// unless it was closed more than [`REOPEN_WINDOW_HOURS`] ago.
pub fn takes_the_customer_back(
    status: ConversationStatus,
    resolved_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    !status.is_closed()
        || resolved_at.is_some_and(|at| now - at < chrono::Duration::hours(REOPEN_WINDOW_HOURS))
}

/// Resumes `conversation` for the customer's new message, or starts a new
/// one on its channel when it is too long closed.
pub(crate) async fn continue_or_start(
    tx: &mut Tx,
    mut conversation: Locked,
    contact_id: i64,
) -> Result<Locked> {
    if takes_the_customer_back(conversation.status, conversation.resolved_at, Utc::now()) {
        // An answer to its satisfaction survey leaves it resolved; whether
        // the message is one is for the survey to say (see
        // [`crate::service_desk::after_customer_message`]).
        if !crate::satisfaction::awaits_answer(tx, &conversation).await? {
            resume(tx, &mut conversation, Resume::CustomerWrote).await?;
        }
        return Ok(conversation);
    }
    start_for_customer(
        tx,
        conversation.account_id,
        conversation.channel_id,
        contact_id,
    )
    .await
}

/// A new conversation for a customer who wrote, in the channel's default
/// department (at most [`NEW_CONVERSATIONS_PER_CHANNEL_PER_MINUTE`]).
pub(crate) async fn start_for_customer(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    contact_id: i64,
) -> Result<Locked> {
    let recent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM conversations
          WHERE account_id = $1 AND channel_id = $2 AND created_at > now() - interval '1 minute'",
    )
    .bind(account_id)
    .bind(channel_id)
    .fetch_one(&mut **tx)
    .await
    .context("counting new conversations")?;
    if recent >= NEW_CONVERSATIONS_PER_CHANNEL_PER_MINUTE {
        return Err(Error::RateLimited {
            retry_after_secs: 60,
        });
    }
    let department: Option<i64> = sqlx::query_scalar(
        "SELECT default_department_id FROM channels WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(channel_id)
    .fetch_one(&mut **tx)
    .await
    .context("reading channel")?;
    let (id, _) = create(tx, account_id, contact_id, channel_id, department).await?;
    let mut conversation = lock_by_id(tx, account_id, id, false)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a conversation created just now vanished"))?;
    crate::service_desk::sla::start_clocks(tx, &mut conversation).await?;
    Ok(conversation)
}

/// The customer's latest conversation on the channel, locked.
pub(crate) async fn latest_of(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    contact_id: i64,
) -> Result<Option<Locked>> {
    let latest: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $2 AND channel_id = $3
          ORDER BY id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(contact_id)
    .bind(channel_id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding the customer's conversation")?;
    match latest {
        Some(id) => lock_by_id(tx, account_id, id, false).await,
        None => Ok(None),
    }
}

/// Ends the snoozes whose time has come (every account; safe on many
/// instances: a conversation someone holds is skipped and found next time).
pub async fn end_due_snoozes(db: &Db) -> Result<usize> {
    let due: Vec<(Uuid, i64)> = sqlx::query_as("SELECT * FROM due_snoozes(200)")
        .fetch_all(db.pool())
        .await
        .context("finding due snoozes")?;
    let mut ended = 0;
    for (account_id, conversation_id) in due {
        let mut tx = db.tenant(account_id, None).await?;
        let Some(mut conversation) = lock_by_id(&mut tx, account_id, conversation_id, true).await?
        else {
            continue;
        };
        let due = conversation.status == ConversationStatus::Waiting
            && conversation
                .snoozed_until
                .is_some_and(|until| until <= Utc::now());
        if due {
            resume(&mut tx, &mut conversation, Resume::SnoozeOver).await?;
            touch(&mut tx, account_id, conversation_id).await?;
            ended += 1;
        }
        tx.commit().await.context("commit")?;
    }
    Ok(ended)
}

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
async fn apply_status(
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

async fn apply_assignment(
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

/// Marks everything in the conversation read by the actor; returns the
/// read count (also sent to the actor's other tabs).
pub async fn mark_read(db: &Db, actor: &Actor, number: i64) -> Result<i32> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let summary = visible_summary(&mut tx, actor, number).await?;
    let read_count: i32 = sqlx::query_scalar(
        "INSERT INTO conversation_reads (account_id, conversation_id, user_id, read_incoming_count)
         SELECT account_id, id, $3, incoming_count FROM conversations WHERE account_id = $1 AND id = $2
         ON CONFLICT (conversation_id, user_id)
         DO UPDATE SET read_incoming_count = EXCLUDED.read_incoming_count, read_at = now()
         RETURNING read_incoming_count",
    )
    .bind(actor.account_id)
    .bind(summary.id)
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await
    .context("marking read")?;
    if summary.read_count != Some(read_count) {
        realtime::publish(
            &mut tx,
            actor.account_id,
            Signal::ConversationRead {
                conversation_id: summary.id,
                user_id: actor.user_id,
                read_count,
            },
        )
        .await?;
    }
    tx.commit().await.context("commit")?;
    Ok(read_count)
}
