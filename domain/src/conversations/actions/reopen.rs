//! A conversation coming back to work: the one rule for reopening or
//! starting anew ([`resume`]), finding or starting a customer's conversation,
//! and snoozes ending.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;
use shared::audit::AuditAction;
use shared::inbox::{Activity, ConversationStatus};
use uuid::Uuid;

use super::super::{add_activity, create, lock_by_id, touch, Locked};
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

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
