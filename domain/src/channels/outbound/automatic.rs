//! What Ponte says by itself — the out-of-hours reply, a flow's messages —
//! leaves like an agent's reply: stored, signalled, and queued for the
//! provider (so channel limits, retries and statuses apply).

use anyhow::Context;
use shared::inbox::DeliveryStatus;
use uuid::Uuid;

use super::Route;
use crate::conversations::Locked;
use crate::db::Tx;
use crate::error::Result;
use crate::realtime::{self, Signal};

/// Stores an outgoing message nobody in Ponte wrote and sends it like an
/// agent's reply (the widget reads it from its socket; providers get it from
/// the outbound queue). It is not an answer: the customer's wait and the
/// first-response time are untouched.
pub(crate) async fn send_automatic(
    tx: &mut Tx,
    account_id: Uuid,
    conversation: &Locked,
    body: &str,
) -> Result<i64> {
    let route = super::route_for_reply(
        tx,
        account_id,
        conversation.id,
        conversation.channel_id,
        false,
    )
    .await?;
    let delivery = match route {
        Route::OwnSocket => DeliveryStatus::Sent,
        Route::Provider(_) => DeliveryStatus::Pending,
    };
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, content_type, body, delivery_status)
         VALUES ($1, $2, $3, 'outgoing', 'text', $4, $5) RETURNING id",
    )
    .bind(account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .bind(body)
    .bind(delivery)
    .fetch_one(&mut **tx)
    .await
    .context("storing the automatic reply")?;
    if let Route::Provider(_) = route {
        super::enqueue(tx, account_id, conversation.channel_id, message_id).await?;
    }
    realtime::publish(
        tx,
        account_id,
        Signal::MessageCreated {
            conversation_id: conversation.id,
            message_id,
        },
    )
    .await?;
    Ok(message_id)
}
