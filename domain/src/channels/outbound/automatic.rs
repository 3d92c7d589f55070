//! What Ponte says by itself — the out-of-hours reply, a flow's messages,
//! menus and files, a rule's messages and templates — leaves like an
//! agent's reply: stored, signalled, and queued for the provider (so
//! channel limits, retries and statuses apply).

use anyhow::Context;
use shared::inbox::DeliveryStatus;
use uuid::Uuid;

use super::Route;
use crate::channels::templates::{self, TemplateChoice};
use crate::channels::whatsapp_templates::TemplateSend;
use crate::channels::{media, menus};
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
    store_and_send(tx, account_id, conversation, body, &[], None).await
}

/// An approved WhatsApp template, filled (a rule's reminder once the
/// customer's 24-hour window has closed): stored with the text the customer
/// reads, sent by the worker as the template.
pub(crate) async fn send_template(
    tx: &mut Tx,
    conversation: &Locked,
    choice: &TemplateChoice,
) -> Result<i64> {
    let account_id = conversation.account_id;
    let (text, send) = templates::prepare(tx, account_id, conversation.channel_id, choice).await?;
    store_and_send(tx, account_id, conversation, &text, &[], Some(&send)).await
}

/// A flow's menu: stored as numbered text (what agents read, and what
/// channels without buttons send), with its options for the channels that
/// show buttons (see [`crate::channels::menus`]).
pub(crate) async fn send_menu(
    tx: &mut Tx,
    conversation: &Locked,
    question: &str,
    options: &[String],
) -> Result<i64> {
    let body = menus::numbered(question, options);
    store_and_send(
        tx,
        conversation.account_id,
        conversation,
        &body,
        options,
        None,
    )
    .await
}

/// A question in its own words with answers the channels that show buttons
/// offer as buttons (the satisfaction survey's ratings); elsewhere the text
/// goes as it is.
pub(crate) async fn send_question(
    tx: &mut Tx,
    conversation: &Locked,
    question: &str,
    options: &[String],
) -> Result<i64> {
    store_and_send(
        tx,
        conversation.account_id,
        conversation,
        question,
        options,
        None,
    )
    .await
}

/// A flow's file: stored now with its caption, waiting (pending) while the
/// media workers fetch the file at `url`; they attach it and send it (see
/// [`crate::channels::media`]). Replies said after it wait for it.
pub(crate) async fn send_file_from_url(
    tx: &mut Tx,
    conversation: &Locked,
    url: &str,
    caption: &str,
) -> Result<i64> {
    let account_id = conversation.account_id;
    // Refuses what the provider would (WhatsApp's 24-hour window) now, as
    // for any reply.
    super::route_for_reply(
        tx,
        account_id,
        conversation.id,
        conversation.channel_id,
        false,
    )
    .await?;
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, content_type, body, delivery_status)
         VALUES ($1, $2, $3, 'outgoing', 'file', $4, $5) RETURNING id",
    )
    .bind(account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .bind(caption)
    .bind(DeliveryStatus::Pending)
    .fetch_one(&mut **tx)
    .await
    .context("storing the flow's file")?;
    media::enqueue_outgoing(tx, conversation, message_id, url).await?;
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

async fn store_and_send(
    tx: &mut Tx,
    account_id: Uuid,
    conversation: &Locked,
    body: &str,
    menu_options: &[String],
    template: Option<&TemplateSend>,
) -> Result<i64> {
    let route = super::route_for_reply(
        tx,
        account_id,
        conversation.id,
        conversation.channel_id,
        template.is_some(),
    )
    .await?;
    let delivery = match route {
        Route::OwnSocket => DeliveryStatus::Sent,
        Route::Provider(_) => DeliveryStatus::Pending,
    };
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, content_type, body, delivery_status, menu_options, template)
         VALUES ($1, $2, $3, 'outgoing', 'text', $4, $5, $6, $7) RETURNING id",
    )
    .bind(account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .bind(body)
    .bind(delivery)
    .bind(menu_options)
    .bind(template.map(sqlx::types::Json))
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
