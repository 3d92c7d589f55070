//! What people do to runs: start one by hand, take a conversation over
//! from the bot, and release the runs of a flow being removed.

use anyhow::Context;
use shared::inbox::ConversationStatus;
use uuid::Uuid;

use crate::actor::Actor;
use crate::conversations::{self, Locked};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use shared::ConflictReason;

use super::{active_run, effects, finish, live_flows, start, Outcome, Why};

/// An agent acts on the conversation (replies, assigns, changes its
/// status): the run stops, and a conversation the bot held is the
/// people's again (`by` says who in its timeline).
pub(crate) async fn take_over(tx: &mut Tx, conversation: &mut Locked, by: &str) -> Result<()> {
    end_taken_over(tx, conversation).await?;
    if conversation.status == ConversationStatus::Bot {
        let to = if conversation.assignee_id.is_some() {
            ConversationStatus::InProgress
        } else {
            ConversationStatus::Open
        };
        effects::set_status(tx, conversation, to, by).await?;
    }
    Ok(())
}

/// Stops the conversation's run, if one goes, for an agent who sets the
/// conversation's status themselves.
pub(crate) async fn end_taken_over(tx: &mut Tx, conversation: &Locked) -> Result<()> {
    if let Some(run) = active_run(tx, conversation).await? {
        finish(tx, run.id, &run.state, Outcome::TakenOver).await?;
    }
    Ok(())
}

/// An agent starts a flow with a manual start in a conversation they may
/// change (one already running stops).
pub async fn start_manually(db: &Db, actor: &Actor, number: i64, flow_id: i64) -> Result<()> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let (mut conversation, scope) = conversations::lock_in_scope(&mut tx, actor, number).await?;
    scope.require_write(conversation.channel_id)?;
    if conversation.status.is_closed() {
        return Err(Error::Conflict(ConflictReason::ConversationClosed));
    }
    let flow = live_flows(&mut tx, actor.account_id, Some(flow_id))
        .await?
        .pop()
        .filter(|f| Why::Manual.start_block(&f.definition).is_some())
        .ok_or_else(|| Error::field("flow_id", shared::ErrorCode::OptionInvalid))?;
    end_taken_over(&mut tx, &conversation).await?;
    start(&mut tx, &mut conversation, flow, Why::Manual, None).await?;
    conversations::touch(&mut tx, actor.account_id, conversation.id).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// The live flows an agent may start in a conversation (those with a manual
/// start), as (id, name), for the conversation screen.
pub async fn manual_flows(db: &Db, actor: &Actor) -> Result<Vec<(i64, String)>> {
    actor.require(shared::Permission::WorkConversations)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let flows = live_flows(&mut tx, actor.account_id, None).await?;
    tx.commit().await.context("commit")?;
    Ok(flows
        .into_iter()
        .filter(|flow| Why::Manual.start_block(&flow.definition).is_some())
        .map(|flow| (flow.id, flow.name))
        .collect())
}

/// Before a flow is removed: its running conversations go to people.
pub(crate) async fn release_runs_of(tx: &mut Tx, account_id: Uuid, flow_id: i64) -> Result<()> {
    let conversation_ids: Vec<i64> = sqlx::query_scalar(
        "SELECT conversation_id FROM flow_runs
          WHERE account_id = $1 AND flow_id = $2 AND ended_at IS NULL",
    )
    .bind(account_id)
    .bind(flow_id)
    .fetch_all(&mut **tx)
    .await
    .context("finding the flow's runs")?;
    for conversation_id in conversation_ids {
        let Some(mut conversation) =
            conversations::lock_by_id(tx, account_id, conversation_id, false).await?
        else {
            continue;
        };
        if let Some(run) = active_run(tx, &conversation).await? {
            finish(tx, run.id, &run.state, Outcome::Dropped).await?;
            effects::give_to_people(tx, &mut conversation, &run.label).await?;
        }
    }
    Ok(())
}
