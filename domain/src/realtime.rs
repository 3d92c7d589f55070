//! Real-time signals between server instances.
//!
//! A change publishes a small [`Signal`] with `pg_notify` inside the same
//! transaction, so it is delivered exactly when (and only if) the change
//! commits. Every instance LISTENs, turns signals into browser events (one
//! database read per signal per instance, however many sockets), and sends
//! them to its own sockets after checking who may see what.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use shared::events::Typist;
use uuid::Uuid;

use crate::db::{Db, Tx};

pub const CHANNEL: &str = "ponte_events";

/// What happened, by id only: NOTIFY payloads must stay small (< 8 kB).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    MembershipChanged {
        user_id: Uuid,
        active: bool,
    },
    /// A member's role changed: their open sockets must see with it at once.
    RoleChanged {
        user_id: Uuid,
        role: shared::Role,
    },
    /// Someone known on a channel by `external_id` (a website visitor's id)
    /// became a contact, so their live sockets can be matched to it.
    ContactIdentified {
        channel_id: i64,
        external_id: String,
        contact_id: i64,
    },
    /// Departments, their members or grants, connection grants or a
    /// member's limits changed: who sees which conversation may too.
    AccessChanged,
    ConversationChanged {
        conversation_id: i64,
    },
    MessageCreated {
        conversation_id: i64,
        message_id: i64,
    },
    MessageUpdated {
        conversation_id: i64,
        message_id: i64,
    },
    /// Several messages of one conversation changed together (delivery
    /// receipts): one signal instead of one per row.
    MessagesUpdated {
        conversation_id: i64,
        message_ids: Vec<i64>,
    },
    ConversationRead {
        conversation_id: i64,
        user_id: Uuid,
        read_count: i32,
    },
    Typing {
        conversation_id: i64,
        typist: Typist,
        typing: bool,
        note: bool,
    },
    Presence {
        user_id: Uuid,
        online: bool,
    },
    AvailabilityChanged {
        user_id: Uuid,
        availability: shared::inbox::Availability,
    },
    /// An agent turned active, idle, away or offline.
    ActivityChanged {
        user_id: Uuid,
        status: shared::activity::AgentStatus,
    },
    /// The account's idleness rules changed: open browsers apply them.
    ActivitySettingsChanged {
        settings: shared::activity::ActivitySettings,
    },
    Notification {
        user_id: Uuid,
        notification_id: i64,
    },
    /// A connection went down (its provider refused our credentials, its
    /// gateway session ended) or came back: admins are told at once.
    ConnectionHealthChanged {
        channel_id: i64,
        name: String,
        connected: bool,
        detail: Option<String>,
    },
    /// A connection's settings, secrets or state changed: every instance
    /// forgets what it cached for its webhooks.
    ConnectionChanged {
        channel_id: i64,
    },
    /// A report schedule was created, removed or run (for managers).
    ReportSchedulesChanged,
    /// A background report export moved on (for its requester only).
    ReportExportChanged {
        user_id: Uuid,
        export: shared::reports::ReportExport,
    },
}

impl Signal {
    /// The conversation this signal is about, if it is about one.
    pub fn conversation_id(&self) -> Option<i64> {
        match self {
            Signal::ConversationChanged { conversation_id }
            | Signal::MessageCreated {
                conversation_id, ..
            }
            | Signal::MessageUpdated {
                conversation_id, ..
            }
            | Signal::MessagesUpdated {
                conversation_id, ..
            }
            | Signal::ConversationRead {
                conversation_id, ..
            }
            | Signal::Typing {
                conversation_id, ..
            } => Some(*conversation_id),
            _ => None,
        }
    }
}

/// Message ids per `MessagesUpdated` signal: keeps each NOTIFY payload far
/// below PostgreSQL's 8,000-byte limit.
pub const MESSAGE_IDS_PER_SIGNAL: usize = 200;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub account_id: Uuid,
    #[serde(flatten)]
    pub signal: Signal,
}

fn encode(account_id: Uuid, signal: Signal) -> anyhow::Result<String> {
    serde_json::to_string(&Envelope { account_id, signal }).context("encoding signal")
}

/// Queues `signal` for delivery when `tx` commits.
pub async fn publish(tx: &mut Tx, account_id: Uuid, signal: Signal) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(encode(account_id, signal)?)
        .execute(&mut **tx)
        .await
        .context("publishing signal")?;
    Ok(())
}

/// Publishes at once, outside any transaction (typing, presence).
pub async fn publish_now(db: &Db, account_id: Uuid, signal: Signal) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(encode(account_id, signal)?)
        .execute(db.pool())
        .await
        .context("publishing signal")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_are_flat_and_match_what_sql_functions_emit() {
        let account_id = Uuid::nil();
        let json = encode(
            account_id,
            Signal::ConversationChanged { conversation_id: 7 },
        )
        .unwrap();
        assert_eq!(
            json,
            r#"{"account_id":"00000000-0000-0000-0000-000000000000","kind":"conversation_changed","conversation_id":7}"#
        );
        // wake_snoozed_conversations() builds this shape in SQL.
        let from_sql = r#"{"account_id" : "00000000-0000-0000-0000-000000000000", "kind" : "conversation_changed", "conversation_id" : 7}"#;
        let parsed: Envelope = serde_json::from_str(from_sql).unwrap();
        assert_eq!(
            parsed.signal,
            Signal::ConversationChanged { conversation_id: 7 }
        );
    }
}
