//! Reads what a rule's conditions look at, for a locked conversation.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::{ChannelKind, MessageKind};

use super::conditions::{Facts, MessageFacts};
use crate::conversations::Locked;
use crate::db::Tx;
use crate::service_desk::calendars;

/// The conversation's facts now; the message is `message_id`'s (the one
/// that started the rule), else the customer's latest.
pub(super) async fn read(
    tx: &mut Tx,
    conversation: &Locked,
    message_id: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<Facts> {
    let (channel_kind, attributes): (ChannelKind, serde_json::Value) = sqlx::query_as(
        "SELECT ch.kind, ct.attributes FROM channels ch, contacts ct
          WHERE ch.account_id = $1 AND ch.id = $2 AND ct.account_id = $1 AND ct.id = $3",
    )
    .bind(conversation.account_id)
    .bind(conversation.channel_id)
    .bind(conversation.contact_id)
    .fetch_one(&mut **tx)
    .await
    .context("reading the conversation's channel and contact")?;
    Ok(Facts {
        channel_kind,
        department_id: conversation.department_id,
        tags: conversation.tags.clone(),
        priority: conversation.priority,
        status: conversation.status,
        in_business_hours: in_business_hours(tx, conversation, now).await?,
        contact_attributes: as_text(attributes),
        message: message(tx, conversation, message_id).await?,
    })
}

async fn message(
    tx: &mut Tx,
    conversation: &Locked,
    message_id: Option<i64>,
) -> anyhow::Result<Option<MessageFacts>> {
    let row: Option<(String, MessageKind, Option<f32>)> = match message_id {
        Some(id) => sqlx::query_as(
            "SELECT body, kind, sentiment FROM messages
              WHERE account_id = $1 AND conversation_id = $2 AND id = $3",
        )
        .bind(conversation.account_id)
        .bind(conversation.id)
        .bind(id),
        None => sqlx::query_as(
            "SELECT body, kind, sentiment FROM messages
              WHERE account_id = $1 AND conversation_id = $2 AND kind = 'incoming'
                AND deleted_at IS NULL
              ORDER BY id DESC LIMIT 1",
        )
        .bind(conversation.account_id)
        .bind(conversation.id),
    }
    .fetch_optional(&mut **tx)
    .await
    .context("reading the rule's message")?;
    Ok(row.map(|(text, kind, sentiment)| MessageFacts {
        text,
        from_customer: kind == MessageKind::Incoming,
        sentiment,
    }))
}

/// The department's calendar, else the account's.
async fn in_business_hours(
    tx: &mut Tx,
    conversation: &Locked,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if let Some(department_id) = conversation.department_id {
        if let Some(hours) =
            calendars::department_hours(tx, conversation.account_id, department_id).await?
        {
            return Ok(hours.calendar.is_open(now));
        }
    }
    Ok(calendars::account_calendar(tx, conversation.account_id)
        .await?
        .is_open(now))
}

/// Contact attributes as the comparisons read them: text as it is, other
/// values as JSON writes them (`true`, `42`).
fn as_text(attributes: serde_json::Value) -> HashMap<String, String> {
    let serde_json::Value::Object(map) = attributes else {
        return HashMap::new();
    };
    map.into_iter()
        .filter_map(|(name, value)| match value {
            serde_json::Value::Null => None,
            serde_json::Value::String(text) => Some((name, text)),
            other => Some((name, other.to_string())),
        })
        .collect()
}
