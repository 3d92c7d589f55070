//! What a run does to its conversation: messages through the outbound path,
//! tags, the contact's attributes, the priority, and the ways it leaves the
//! bot — handed off, resolved, or given back to people.

use anyhow::Context;
use shared::inbox::{Activity, ConversationStatus, NotificationKind};
use uuid::Uuid;

use super::status_line;
use crate::channels::outbound;
use crate::conversations::{self, Locked};
use crate::db::Tx;
use crate::error::Result;
use crate::flows::engine::Action;

/// Carries out one action of the run named `by` (HTTP requests, AI asks
/// and jumps are the run's own business, see [`super::drive`]).
pub(super) async fn apply(
    tx: &mut Tx,
    conversation: &mut Locked,
    by: &str,
    action: Action,
) -> Result<()> {
    match action {
        Action::Send { text } => send(tx, conversation, &text).await,
        Action::SendMenu { text, options } => {
            if !text.trim().is_empty() {
                outbound::send_menu(tx, conversation, &text, &options).await?;
            }
            Ok(())
        }
        Action::SendMedia { url, caption } => {
            outbound::send_file_from_url(tx, conversation, &url, &caption).await?;
            Ok(())
        }
        Action::SetContactAttribute { name, value } => {
            sqlx::query(
                "UPDATE contacts SET attributes = attributes || jsonb_build_object($3::text, $4::text),
                                     updated_at = now()
                  WHERE account_id = $1 AND id = $2",
            )
            .bind(conversation.account_id)
            .bind(conversation.contact_id)
            .bind(&name)
            .bind(&value)
            .execute(&mut **tx)
            .await
            .context("setting a contact attribute from a flow")?;
            Ok(())
        }
        Action::AddTag(tag) => add_tag(tx, conversation, &tag, by).await,
        Action::SetPriority(priority) => {
            if priority != conversation.priority {
                conversations::change_priority(tx, conversation, priority, by).await?;
            }
            Ok(())
        }
        Action::Transfer {
            department_id,
            agent_id,
        } => hand_off(tx, conversation, department_id, agent_id, by).await,
        Action::Http { .. } | Action::Jump { .. } | Action::Ai { .. } => Ok(()),
    }
}

async fn send(tx: &mut Tx, conversation: &Locked, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Ok(());
    }
    outbound::send_automatic(tx, conversation.account_id, conversation, text).await?;
    Ok(())
}

pub(crate) async fn add_tag(
    tx: &mut Tx,
    conversation: &mut Locked,
    tag: &str,
    by: &str,
) -> Result<()> {
    let Some(tag) = conversations::normalize_tag(tag) else {
        return Ok(());
    };
    if conversation.tags.contains(&tag) || conversation.tags.len() >= 20 {
        return Ok(());
    }
    conversation.tags.push(tag.clone());
    sqlx::query("UPDATE conversations SET tags = $3 WHERE account_id = $1 AND id = $2")
        .bind(conversation.account_id)
        .bind(conversation.id)
        .bind(&conversation.tags)
        .execute(&mut **tx)
        .await
        .context("tagging from a flow")?;
    conversations::remember_tags(tx, conversation.account_id, std::slice::from_ref(&tag)).await?;
    conversations::add_activity(
        tx,
        conversation,
        &Activity::TagsChanged {
            added: vec![tag],
            removed: vec![],
            by: by.to_string(),
        },
    )
    .await?;
    Ok(())
}

/// Moves the conversation to `to` with a line in its timeline (nothing when
/// it is there already), and returns that line. Entering `bot` leaves the
/// distribution queue.
pub(super) async fn set_status(
    tx: &mut Tx,
    conversation: &mut Locked,
    to: ConversationStatus,
    by: &str,
) -> Result<Option<i64>> {
    let from = conversation.status;
    if from == to {
        return Ok(None);
    }
    sqlx::query(
        "UPDATE conversations
            SET status = $3, last_activity_at = now(), updated_at = now(),
                queued_at = CASE WHEN $3 = 'bot' THEN NULL ELSE queued_at END,
                resolved_at = CASE WHEN $3 IN ('resolved', 'cancelled') THEN now() ELSE NULL END,
                waiting_since = CASE WHEN $3 IN ('resolved', 'cancelled') THEN NULL ELSE waiting_since END
          WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(to)
    .execute(&mut **tx)
    .await
    .context("changing status from a flow")?;
    let line = conversations::add_activity(tx, conversation, &status_line(from, to, by)).await?;
    conversation.status = to;
    if to.is_closed() {
        conversation.resolved_at = Some(chrono::Utc::now());
    }
    crate::service_desk::sla::follow_status(tx, conversation).await?;
    conversations::touch(tx, conversation.account_id, conversation.id).await?;
    Ok(Some(line))
}

/// The flow's `end` block: the bot resolved the customer's matter.
pub(super) async fn resolve(tx: &mut Tx, conversation: &mut Locked, by: &str) -> Result<()> {
    set_status(tx, conversation, ConversationStatus::Resolved, by).await?;
    crate::satisfaction::ask(tx, conversation, false).await?;
    crate::service_desk::after_agent_change(tx, conversation).await
}

/// A run that stopped without handing off: the conversation is the
/// people's again (open in its department, in the queue).
pub(super) async fn give_to_people(tx: &mut Tx, conversation: &mut Locked, by: &str) -> Result<()> {
    if conversation.status == ConversationStatus::Bot {
        let to = if conversation.assignee_id.is_some() {
            ConversationStatus::InProgress
        } else {
            ConversationStatus::Open
        };
        if let Some(line) = set_status(tx, conversation, to, by).await? {
            tell_people(tx, conversation, line).await?;
        }
    }
    crate::service_desk::after_agent_change(tx, conversation).await
}

/// Those who take over a conversation the bot let go hear of it, in their
/// bell and live: its agent, or else its department's members (each only if
/// they may see it, see [`crate::notifications`]). `line` is the timeline
/// line that says so.
async fn tell_people(tx: &mut Tx, conversation: &Locked, line: i64) -> Result<()> {
    let people: Vec<Uuid> = sqlx::query_scalar(
        "SELECT m.user_id FROM memberships m
          WHERE m.account_id = $1 AND m.active AND m.role <> 'auditor'
            AND CASE WHEN $3::uuid IS NOT NULL THEN m.user_id = $3
                     ELSE EXISTS (SELECT 1 FROM department_members dm
                                   WHERE dm.department_id = $2 AND dm.user_id = m.user_id) END",
    )
    .bind(conversation.account_id)
    .bind(conversation.department_id)
    .bind(conversation.assignee_id)
    .fetch_all(&mut **tx)
    .await
    .context("finding who takes the conversation from the flow")?;
    for person in people {
        crate::notifications::notify_from_system(
            tx,
            conversation.account_id,
            person,
            NotificationKind::FlowHandoff,
            conversation.id,
            line,
        )
        .await?;
    }
    Ok(())
}

/// The handoff: open in the target department (or with the target agent),
/// a "transferred by the flow" line, and distribution takes it from there.
/// A target removed since the flow was published leaves the department as
/// it was.
pub(crate) async fn hand_off(
    tx: &mut Tx,
    conversation: &mut Locked,
    department_id: Option<i64>,
    agent_id: Option<Uuid>,
    by: &str,
) -> Result<()> {
    let department: Option<(i64, String)> = match department_id {
        Some(id) => {
            sqlx::query_as("SELECT id, name FROM departments WHERE account_id = $1 AND id = $2")
                .bind(conversation.account_id)
                .bind(id)
                .fetch_optional(&mut **tx)
                .await
                .context("reading the flow's target department")?
        }
        None => None,
    };
    let agent: Option<(Uuid, String)> = match agent_id {
        Some(id) => sqlx::query_as(
            "SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE m.account_id = $1 AND m.user_id = $2 AND m.active AND m.role <> 'auditor'",
        )
        .bind(conversation.account_id)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .context("reading the flow's target agent")?,
        None => None,
    };
    let status = if agent.is_some() {
        ConversationStatus::InProgress
    } else {
        ConversationStatus::Open
    };
    let department_id = department
        .as_ref()
        .map(|(id, _)| *id)
        .or(conversation.department_id);
    let assignee_id = agent.as_ref().map(|(id, _)| *id);
    sqlx::query(
        "UPDATE conversations
            SET status = $3, department_id = $4, assignee_id = $5, last_activity_at = now(), updated_at = now()
          WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(status)
    .bind(department_id)
    .bind(assignee_id)
    .execute(&mut **tx)
    .await
    .context("handing the conversation off")?;
    let line = conversations::add_activity(
        tx,
        conversation,
        &Activity::Transferred {
            to_agent: agent.map(|(_, name)| name),
            to_department: department.map(|(_, name)| name),
            note: None,
            by: by.to_string(),
        },
    )
    .await?;
    conversation.status = status;
    conversation.department_id = department_id;
    conversation.assignee_id = assignee_id;
    tell_people(tx, conversation, line).await?;
    conversations::touch(tx, conversation.account_id, conversation.id).await?;
    crate::service_desk::after_agent_change(tx, conversation).await
}
