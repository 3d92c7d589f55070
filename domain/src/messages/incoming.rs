//! Customers' messages as providers and the widget deliver them, the
//! business's own messages echoed back by a gateway, and the delivery
//! receipts that move outgoing ones forward.

use anyhow::Context;
use shared::inbox::{ContentType, DeliveryStatus};
use uuid::Uuid;

use super::preview;
use crate::conversations::Locked;
use crate::db::Tx;
use crate::realtime::{self, Signal};

/// A customer's message, already matched to its conversation.
pub(crate) struct Incoming<'a> {
    pub body: &'a str,
    pub content_type: ContentType,
    pub attachment_id: Option<i64>,
    pub file_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
    /// The provider's id of the message it quotes, if we have that message.
    pub quoted_external_id: Option<&'a str>,
    /// An e-mail's subject, HTML, quoted history and threading ids.
    pub email: Option<serde_json::Value>,
}

/// Stores an incoming message; `None` when its external id was seen before
/// (a redelivery). Counts it as unread, starts the customer's wait, and
/// signals both the message and the conversation.
pub(crate) async fn insert_incoming(
    tx: &mut Tx,
    account_id: Uuid,
    conversation: &Locked,
    incoming: &Incoming<'_>,
) -> anyhow::Result<Option<i64>> {
    let sentiment = (!incoming.body.trim().is_empty())
        .then(|| crate::ai::sentiment::of_text(incoming.body).score);
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, content_type, body, attachment_id, external_id,
                               reply_to_id, email, sentiment)
         VALUES ($1, $2, $3, 'incoming', $4, $5, $6, $7,
                 (SELECT q.id FROM messages q WHERE q.channel_id = $3 AND q.external_id = $8 AND q.account_id = $1
                                                AND q.conversation_id = $2), $9, $10)
         ON CONFLICT (channel_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
         RETURNING id",
    )
    .bind(account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .bind(incoming.content_type)
    .bind(incoming.body)
    .bind(incoming.attachment_id)
    .bind(incoming.external_id)
    .bind(incoming.quoted_external_id)
    .bind(&incoming.email)
    .bind(sentiment)
    .fetch_optional(&mut **tx)
    .await
    .context("storing incoming message")?;
    let Some(message_id) = inserted else {
        return Ok(None);
    };
    let incoming_count: i32 = sqlx::query_scalar(
        "UPDATE conversations
            SET incoming_count = incoming_count + 1, last_message_preview = $2, last_message_kind = 'incoming',
                last_activity_at = now(), waiting_since = COALESCE(waiting_since, now()),
                sentiment = $4, updated_at = now()
          WHERE account_id = $3 AND id = $1
          RETURNING incoming_count",
    )
    .bind(conversation.id)
    .bind(preview(incoming.body, incoming.content_type, incoming.file_name))
    .bind(account_id)
    .bind(
        sentiment
            .map(|latest| crate::ai::sentiment::follow(conversation.sentiment, latest))
            .or(conversation.sentiment),
    )
    .fetch_one(&mut **tx)
    .await
    .context("updating conversation")?;
    realtime::publish(
        tx,
        account_id,
        Signal::MessageCreated {
            conversation_id: conversation.id,
            message_id,
        },
    )
    .await?;
    // The conversation changed too (one update above, not a second "touch").
    realtime::publish(
        tx,
        account_id,
        Signal::ConversationChanged {
            conversation_id: conversation.id,
        },
    )
    .await?;
    let message = crate::flows::runs::triggers::Message {
        text: incoming.body,
        first: incoming_count == 1,
    };
    crate::service_desk::after_customer_message(tx, account_id, conversation, &message).await?;
    Ok(Some(message_id))
}

/// Stores a message the business sent from outside Ponte (its own phone,
/// through a gateway that echoes it) as ours: outgoing, already sent, by
/// nobody in Ponte. `None` when its external id was seen before.
pub(crate) async fn insert_echo(
    tx: &mut Tx,
    account_id: Uuid,
    conversation: &Locked,
    incoming: &Incoming<'_>,
) -> anyhow::Result<Option<i64>> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, content_type, body, external_id, delivery_status,
                               reply_to_id)
         VALUES ($1, $2, $3, 'outgoing', $4, $5, $6, 'sent',
                 (SELECT q.id FROM messages q WHERE q.channel_id = $3 AND q.external_id = $7 AND q.account_id = $1
                                                AND q.conversation_id = $2))
         ON CONFLICT (channel_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
         RETURNING id",
    )
    .bind(account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .bind(incoming.content_type)
    .bind(incoming.body)
    .bind(incoming.external_id)
    .bind(incoming.quoted_external_id)
    .fetch_optional(&mut **tx)
    .await
    .context("storing a message sent from the phone")?;
    let Some(message_id) = inserted else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE conversations
            SET last_message_preview = $2, last_message_kind = 'outgoing', last_activity_at = now()
          WHERE account_id = $3 AND id = $1",
    )
    .bind(conversation.id)
    .bind(preview(
        incoming.body,
        incoming.content_type,
        incoming.file_name,
    ))
    .bind(account_id)
    .execute(&mut **tx)
    .await
    .context("updating conversation")?;
    realtime::publish(
        tx,
        account_id,
        Signal::MessageCreated {
            conversation_id: conversation.id,
            message_id,
        },
    )
    .await?;
    Ok(Some(message_id))
}

/// Moves outgoing messages up to `up_to` forward to `status` (delivered,
/// read); never backwards. Returns the ids that changed.
pub(crate) async fn advance_delivery(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
    up_to: i64,
    status: DeliveryStatus,
) -> anyhow::Result<Vec<i64>> {
    use DeliveryStatus::*;
    let earlier: &[DeliveryStatus] = match status {
        Delivered => &[Pending, Sent],
        Read => &[Pending, Sent, Delivered],
        _ => &[],
    };
    let mut changed: Vec<i64> = sqlx::query_scalar(
        "UPDATE messages SET delivery_status = $4, updated_at = now()
          WHERE account_id = $1 AND conversation_id = $2 AND id <= $3 AND kind = 'outgoing'
            AND delivery_status = ANY($5)
      RETURNING id",
    )
    .bind(account_id)
    .bind(conversation_id)
    .bind(up_to)
    .bind(status)
    .bind(earlier)
    .fetch_all(&mut **tx)
    .await
    .context("updating delivery status")?;
    changed.sort_unstable();
    for message_ids in changed.chunks(realtime::MESSAGE_IDS_PER_SIGNAL) {
        realtime::publish(
            tx,
            account_id,
            Signal::MessagesUpdated {
                conversation_id,
                message_ids: message_ids.to_vec(),
            },
        )
        .await?;
    }
    Ok(changed)
}
