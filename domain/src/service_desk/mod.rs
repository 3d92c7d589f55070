//! The service desk around departments: when they are open
//! ([`calendars`]), what a customer hears when they are not
//! ([`out_of_hours`]), and how waiting conversations reach agents
//! ([`distribution`]).

pub mod calendars;
pub mod distribution;
mod out_of_hours;
pub mod sla;

use anyhow::Context;
use uuid::Uuid;

use crate::conversations::Locked;
use crate::db::Tx;
use crate::error::Result;

pub use distribution::distribute_queued;

/// What the service desk does when a customer writes: an answer to the
/// satisfaction survey of a resolved conversation stays there; otherwise a
/// flow answers it (one running, or one the message starts), or the
/// out-of-hours reply if the department is closed and a place in the queue
/// for a conversation nobody has yet. The next-response clock starts either
/// way.
pub(crate) async fn after_customer_message(
    tx: &mut Tx,
    account_id: Uuid,
    conversation: &Locked,
    message: &crate::flows::runs::triggers::Message<'_>,
) -> Result<()> {
    let mut conversation = conversation.clone();
    if conversation.status.is_closed() {
        match crate::satisfaction::take_answer(tx, &conversation, message.text).await? {
            crate::satisfaction::Answer::Taken => return Ok(()),
            crate::satisfaction::Answer::NotAnAnswer => {
                crate::conversations::resume(
                    tx,
                    &mut conversation,
                    crate::conversations::Resume::CustomerWrote,
                )
                .await?
            }
        }
    }
    let bot_answers =
        crate::flows::runs::triggers::customer_wrote(tx, &mut conversation, message).await?;
    sla::customer_wrote(tx, &conversation).await?;
    if bot_answers {
        return Ok(());
    }
    out_of_hours::reply_if_closed(tx, account_id, &conversation).await?;
    distribution::enqueue(tx, account_id, &conversation).await?;
    Ok(())
}

/// After an agent changed a conversation: its SLA clocks start (moved into a
/// department with a policy) or stop and restart (waiting on the customer);
/// one left without an agent (a transfer to a department) takes its place
/// in the queue, and whoever the change freed (a resolve, a transfer away)
/// may take the next one.
pub(crate) async fn after_agent_change(tx: &mut Tx, conversation: &Locked) -> Result<()> {
    let mut conversation = conversation.clone();
    sla::start_clocks(tx, &mut conversation).await?;
    sla::follow_status(tx, &mut conversation).await?;
    distribution::enqueue(tx, conversation.account_id, &conversation).await?;
    wake_distribution(tx).await?;
    Ok(())
}

/// Wakes the distribution workers when this transaction commits (a
/// conversation queued, an agent freed, members or capacity changed).
pub(crate) async fn wake_distribution(tx: &mut Tx) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_notify($1, 'distribution')")
        .bind(crate::channels::webhooks::JOBS_CHANNEL)
        .execute(&mut **tx)
        .await
        .context("waking distribution")?;
    Ok(())
}
