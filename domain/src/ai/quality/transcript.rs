//! A resolved conversation as the reviewer reads it: who said what, when.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::Tx;

/// The most messages read (the latest ones).
const MAX_LINES: i64 = 2000;

/// Who wrote a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speaker {
    Customer,
    /// A person of the account.
    Agent,
    /// A flow, an automatic reply.
    Automatic,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub speaker: Speaker,
    pub at: DateTime<Utc>,
    pub text: String,
}

/// The conversation's customer and agent lines (no notes, no activity),
/// oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transcript {
    pub lines: Vec<Line>,
}

impl Transcript {
    pub fn customer_lines(&self) -> impl Iterator<Item = &Line> {
        self.lines
            .iter()
            .filter(|line| line.speaker == Speaker::Customer)
    }

    /// The replies that count for the service's speed: people's when there
    /// are any (a bot's instant greeting must not hide a slow agent), else
    /// the automatic ones.
    pub fn replies_speaker(&self) -> Speaker {
        if self.lines.iter().any(|line| line.speaker == Speaker::Agent) {
            Speaker::Agent
        } else {
            Speaker::Automatic
        }
    }
}

/// The conversation's latest lines (at most [`MAX_LINES`]), oldest first;
/// for a resolution (`resolved_at`), without the satisfaction survey asked
/// after it — not part of the service.
pub async fn read(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
    resolved_at: Option<DateTime<Utc>>,
) -> anyhow::Result<Transcript> {
    let rows: Vec<(bool, bool, DateTime<Utc>, String)> = sqlx::query_as(
        "SELECT * FROM (
            SELECT m.kind = 'incoming', m.sender_user_id IS NOT NULL AND COALESCE(mb.role <> 'bot', false),
                   m.created_at, m.body, m.id
              FROM messages m
              LEFT JOIN memberships mb ON mb.account_id = m.account_id AND mb.user_id = m.sender_user_id
             WHERE m.account_id = $1 AND m.conversation_id = $2
               AND m.kind IN ('incoming', 'outgoing') AND m.deleted_at IS NULL
               AND m.id < COALESCE((SELECT s.question_id FROM satisfaction_surveys s
                                     WHERE s.account_id = $1 AND s.conversation_id = $2
                                       AND s.resolved_at = $4), 9223372036854775807)
             ORDER BY m.id DESC LIMIT $3) latest
          ORDER BY id",
    )
    .bind(account_id)
    .bind(conversation_id)
    .bind(MAX_LINES)
    .bind(resolved_at)
    .fetch_all(&mut **tx)
    .await
    .context("reading the conversation")?;
    let lines = rows
        .into_iter()
        .map(|(incoming, by_person, at, text)| Line {
            speaker: match (incoming, by_person) {
                (true, _) => Speaker::Customer,
                (false, true) => Speaker::Agent,
                (false, false) => Speaker::Automatic,
            },
            at,
            text,
        })
        .collect();
    Ok(Transcript { lines })
}
