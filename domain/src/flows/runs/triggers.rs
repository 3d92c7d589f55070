//! A customer's message and the flows: it moves on the run the
//! conversation follows, or starts the flow whose trigger it matches —
//! the hours closed, a keyword, a new conversation, in that order; among
//! flows with the same trigger, the oldest. Triggers only start flows in
//! conversations no agent has: an agent's conversation is theirs.

use chrono::{DateTime, Utc};
use shared::flows::Trigger;
use shared::inbox::ConversationStatus;

use super::{active_run, drive, live_flows, start, world, LiveFlow, Why};
use crate::conversations::Locked;
use crate::db::Tx;
use crate::error::Result;
use crate::flows::engine::Event;

/// What a message means for the triggers.
pub(crate) struct Message<'a> {
    pub text: &'a str,
    /// The conversation's first message from the customer.
    pub first: bool,
}

/// Moves on or starts a flow for the customer's message; whether the flow
/// answered it for good — it still has the conversation (`bot`) or closed
/// it — so people's side (the out-of-hours reply, the queue) stays out.
/// A handoff is `false`: from there the conversation is the people's.
pub(crate) async fn customer_wrote(
    tx: &mut Tx,
    conversation: &mut Locked,
    message: &Message<'_>,
) -> Result<bool> {
    if let Some(run) = active_run(tx, conversation).await? {
        let jump = drive(tx, conversation, run, Event::CustomerWrote(message.text)).await?;
        if let Some((flow, why)) = jump {
            start(tx, conversation, flow, why, Some(message.text)).await?;
        }
        return Ok(bot_answered(conversation));
    }
    if conversation.assignee_id.is_some() || conversation.status != ConversationStatus::Open {
        return Ok(false);
    }
    let flows = live_flows(tx, conversation.account_id, None).await?;
    if flows.is_empty() {
        return Ok(false);
    }
    let now = Utc::now();
    let closed = closed_hours(tx, conversation, &flows, now).await?;
    let Some((index, why)) = choose(&flows, conversation.channel_id, message, &closed) else {
        return Ok(false);
    };
    if why == Why::OutsideBusinessHours {
        // Once per closed period; never opening again still means once.
        let department = flows[index]
            .definition
            .starts()
            .find_map(|(_, trigger)| match trigger {
                Trigger::OutsideBusinessHours { department_id } => Some(*department_id),
                _ => None,
            });
        let until = closed
            .iter()
            .find(|(closed, _)| Some(*closed) == department)
            .and_then(|(_, until)| *until)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        remember_closed_period(tx, conversation, until).await?;
    }
    let flow = flows
        .into_iter()
        .nth(index)
        .ok_or_else(|| anyhow::anyhow!("a chosen flow vanished"))?;
    start(tx, conversation, flow, why, Some(message.text)).await?;
    Ok(bot_answered(conversation))
}

fn bot_answered(conversation: &Locked) -> bool {
    conversation.status == ConversationStatus::Bot || conversation.status.is_closed()
}

/// The departments (`None`: the account) outside-hours triggers ask about
/// that are closed now, each with when it opens again. A conversation that
/// already heard from a flow in this closed period is never closed again
/// until it opens.
async fn closed_hours(
    tx: &mut Tx,
    conversation: &Locked,
    flows: &[LiveFlow],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<(Option<i64>, Option<DateTime<Utc>>)>> {
    if conversation
        .out_of_hours_until
        .is_some_and(|until| until > now)
    {
        return Ok(vec![]);
    }
    let mut asked: Vec<Option<i64>> = flows
        .iter()
        .flat_map(|f| f.definition.starts())
        .filter_map(|(_, trigger)| match trigger {
            Trigger::OutsideBusinessHours { department_id } => Some(*department_id),
            _ => None,
        })
        .collect();
    asked.sort_unstable();
    asked.dedup();
    let mut closed = Vec::new();
    for department_id in asked {
        if let Some(calendar) =
            world::calendar_of(tx, conversation.account_id, department_id).await?
        {
            if !calendar.is_open(now) {
                closed.push((department_id, calendar.next_opening(now)));
            }
        }
    }
    Ok(closed)
}

async fn remember_closed_period(
    tx: &mut Tx,
    conversation: &mut Locked,
    until: DateTime<Utc>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    sqlx::query(
        "UPDATE conversations SET out_of_hours_until = $3 WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(until)
    .execute(&mut **tx)
    .await
    .context("remembering the closed period a flow answered")?;
    conversation.out_of_hours_until = Some(until);
    Ok(())
}

/// The flow the message starts, by its index in `flows`, and why.
pub(super) fn choose(
    flows: &[LiveFlow],
    channel_id: i64,
    message: &Message<'_>,
    closed: &[(Option<i64>, Option<DateTime<Utc>>)],
) -> Option<(usize, Why)> {
    let first_with = |wanted: &dyn Fn(&Trigger) -> bool| {
        flows
            .iter()
            .position(|flow| flow.definition.starts().any(|(_, trigger)| wanted(trigger)))
    };
    let outside_hours = first_with(&|trigger| match trigger {
        Trigger::OutsideBusinessHours { department_id } => {
            closed.iter().any(|(closed, _)| closed == department_id)
        }
        _ => false,
    });
    let keyword = first_with(&|trigger| match trigger {
        Trigger::Keyword { keywords } => keywords.iter().any(|k| mentions(message.text, k)),
        _ => false,
    });
    let new_conversation = first_with(&|trigger| match trigger {
        Trigger::NewConversation { channel_ids } => {
            message.first && (channel_ids.is_empty() || channel_ids.contains(&channel_id))
        }
        _ => false,
    });
    outside_hours
        .map(|i| (i, Why::OutsideBusinessHours))
        .or(keyword.map(|i| (i, Why::Keyword)))
        .or(new_conversation.map(|i| (i, Why::NewConversation)))
}

/// Whether `text` has `keyword` as a whole word (or words), ignoring case.
pub(crate) fn mentions(text: &str, keyword: &str) -> bool {
    let keyword = keyword.trim().to_lowercase();
    if keyword.is_empty() {
        return false;
    }
    let text = text.to_lowercase();
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    text.match_indices(&keyword).any(|(at, found)| {
        boundary(text[..at].chars().next_back())
            && boundary(text[at + found.len()..].chars().next())
    })
}
