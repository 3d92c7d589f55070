//! Conversations (tickets): who may see them, the inbox list, numbering, and
//! what agents, customers and the clock do to them. Every change writes an
//! activity line into the conversation's timeline and signals every server
//! instance.

mod actions;
mod list;
mod sync;
mod visibility;

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::{
    Activity, ChannelKind, ConversationStatus, ConversationSummary, MessageKind, Priority,
};
use shared::Permission;
use uuid::Uuid;

use crate::access::Scope;
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::realtime::{self, Signal};
pub use actions::takes_the_customer_back;
pub use actions::{
    assign, end_due_snoozes, mark_read, set_critical, set_priority, set_status, set_tags, update,
    wrap_up, ConversationUpdate, REOPEN_WINDOW_HOURS,
};
pub(crate) use actions::{
    change_priority, continue_or_start, for_incoming, latest_of, resume, route_to,
    start_for_customer, Resume,
};
pub use list::{counts, list, page_size, MAX_PAGE_SIZE, PAGE_SIZE};
pub(crate) use list::{SearchPatterns, FEW_CONTACT_MATCHES};
pub use sync::changes_since;
pub(crate) use visibility::visible_sql;
pub use visibility::{departments_by_member, visible_to, Assignee, Case, MATRIX};

/// The columns of a [`ConversationSummary`], joined once.
const SUMMARY_SELECT: &str = "
    SELECT c.id, c.number, c.status, c.priority, c.critical, c.tags, c.contact_id,
           ct.name AS contact_name, c.channel_id, ch.name AS channel_name, ch.kind AS channel_kind,
           c.department_id, d.name AS department_name, c.assignee_id, u.name AS assignee_name,
           c.last_message_preview, c.last_message_kind, c.last_activity_at, c.waiting_since,
           c.snoozed_until, c.created_at, c.first_response_at, c.resolved_at, c.updated_at,
           c.incoming_count, r.read_incoming_count AS read_count, c.subject,
           c.sla_first_response_due_at, c.sla_resolution_due_at, c.sla_next_response_due_at, c.sla_breached,
           c.sla_paused_at IS NOT NULL AS sla_paused, c.sentiment,
           c.ai_score, c.ai_justification, c.ai_summary, c.csat, c.csat_comment
      FROM conversations c
      JOIN contacts ct ON ct.id = c.contact_id
      JOIN channels ch ON ch.id = c.channel_id
      LEFT JOIN departments d ON d.id = c.department_id
      LEFT JOIN users u ON u.id = c.assignee_id
      LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.user_id = $1";

#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    id: i64,
    number: i64,
    status: ConversationStatus,
    priority: Priority,
    critical: bool,
    tags: Vec<String>,
    contact_id: i64,
    contact_name: String,
    channel_id: i64,
    channel_name: String,
    channel_kind: ChannelKind,
    department_id: Option<i64>,
    department_name: Option<String>,
    assignee_id: Option<Uuid>,
    assignee_name: Option<String>,
    last_message_preview: String,
    last_message_kind: Option<MessageKind>,
    last_activity_at: DateTime<Utc>,
    waiting_since: Option<DateTime<Utc>>,
    snoozed_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    first_response_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    incoming_count: i32,
    read_count: Option<i32>,
    subject: Option<String>,
    sla_first_response_due_at: Option<DateTime<Utc>>,
    sla_resolution_due_at: Option<DateTime<Utc>>,
    sla_next_response_due_at: Option<DateTime<Utc>>,
    sla_breached: bool,
    sla_paused: bool,
    sentiment: Option<f32>,
    ai_score: Option<f32>,
    ai_justification: Option<String>,
    ai_summary: Option<String>,
    csat: Option<i16>,
    csat_comment: Option<String>,
}

impl SummaryRow {
    pub(crate) fn into_summary(self, with_read_count: bool) -> ConversationSummary {
        ConversationSummary {
            id: self.id,
            number: self.number,
            status: self.status,
            priority: self.priority,
            critical: self.critical,
            tags: self.tags,
            contact_id: self.contact_id,
            contact_name: self.contact_name,
            channel_id: self.channel_id,
            channel_name: self.channel_name,
            channel_kind: self.channel_kind,
            department_id: self.department_id,
            department_name: self.department_name,
            assignee_id: self.assignee_id,
            assignee_name: self.assignee_name,
            last_message_preview: self.last_message_preview,
            last_message_kind: self.last_message_kind,
            last_activity_at: self.last_activity_at,
            waiting_since: self.waiting_since,
            snoozed_until: self.snoozed_until,
            created_at: self.created_at,
            first_response_at: self.first_response_at,
            resolved_at: self.resolved_at,
            updated_at: self.updated_at,
            incoming_count: self.incoming_count,
            read_count: with_read_count.then(|| self.read_count.unwrap_or(0)),
            search_hit: None,
            subject: self.subject,
            sla_first_response_due_at: self.sla_first_response_due_at,
            sla_resolution_due_at: self.sla_resolution_due_at,
            sla_next_response_due_at: self.sla_next_response_due_at,
            sla_breached: self.sla_breached,
            sla_paused: self.sla_paused,
            ai_sentiment: self.sentiment.map(crate::ai::sentiment::feeling_of),
            ai_score: self.ai_score,
            ai_justification: self.ai_justification,
            ai_summary: self.ai_summary,
            csat: self.csat.and_then(|score| u8::try_from(score).ok()),
            csat_comment: self.csat_comment,
        }
    }
}

/// One conversation the actor may see, by its number.
pub async fn get(db: &Db, actor: &Actor, number: i64) -> Result<ConversationSummary> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let summary = visible_summary(&mut tx, actor, number).await?;
    tx.commit().await.context("commit")?;
    Ok(summary)
}

pub(crate) async fn visible_summary(
    tx: &mut Tx,
    actor: &Actor,
    number: i64,
) -> Result<ConversationSummary> {
    let scope = crate::access::scope_in(tx, actor).await?;
    let sql = format!(
        "{SUMMARY_SELECT} WHERE c.account_id = $3 AND c.number = $4 AND {}",
        visible_sql("$1", "$2", "$5")
    );
    let row: Option<SummaryRow> = sqlx::query_as(&sql)
        .bind(scope.user_id)
        .bind(scope.departments.as_sql())
        .bind(actor.account_id)
        .bind(number)
        .bind(scope.channels.as_sql())
        .fetch_optional(&mut **tx)
        .await
        .context("reading conversation")?;
    Ok(row.ok_or(Error::NotFound)?.into_summary(true))
}

/// A conversation's summary for broadcasting (no per-viewer read count).
pub async fn summary_by_id(
    db: &Db,
    account_id: Uuid,
    conversation_id: i64,
) -> Result<Option<ConversationSummary>> {
    let mut tx = db.tenant(account_id, None).await?;
    let summary = summary_in(&mut tx, account_id, conversation_id).await?;
    tx.commit().await.context("commit")?;
    Ok(summary)
}

/// [`summary_by_id`] inside a transaction.
pub(crate) async fn summary_in(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
) -> anyhow::Result<Option<ConversationSummary>> {
    let sql = format!("{SUMMARY_SELECT} WHERE c.account_id = $2 AND c.id = $3");
    let row: Option<SummaryRow> = sqlx::query_as(&sql)
        .bind(Uuid::nil())
        .bind(account_id)
        .bind(conversation_id)
        .fetch_optional(&mut **tx)
        .await
        .context("reading conversation")?;
    Ok(row.map(|r| r.into_summary(false)))
}

// Creating ----------------------------------------------------------------------

/// Takes the account's next ticket number inside `tx` (see `account_counters`).
async fn next_number(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO account_counters (account_id, conversation_number) VALUES ($1, 1)
         ON CONFLICT (account_id) DO UPDATE SET conversation_number = account_counters.conversation_number + 1
         RETURNING conversation_number",
    )
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await
    .context("taking the next conversation number")
}

/// Opens a new conversation for a contact on a channel.
pub(crate) async fn create(
    tx: &mut Tx,
    account_id: Uuid,
    contact_id: i64,
    channel_id: i64,
    department_id: Option<i64>,
) -> anyhow::Result<(i64, i64)> {
    let number = next_number(tx, account_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO conversations (account_id, number, contact_id, channel_id, department_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(account_id)
    .bind(number)
    .bind(contact_id)
    .bind(channel_id)
    .bind(department_id)
    .fetch_one(&mut **tx)
    .await
    .context("creating conversation")?;
    Ok((id, number))
}

// Changing ----------------------------------------------------------------------

/// The fields actions need, locked for the rest of the transaction.
#[derive(sqlx::FromRow, Clone, Debug)]
pub(crate) struct Locked {
    pub id: i64,
    pub account_id: Uuid,
    pub number: i64,
    pub channel_id: i64,
    pub status: ConversationStatus,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub assignee_id: Option<Uuid>,
    pub department_id: Option<i64>,
    pub priority: Priority,
    pub critical: bool,
    pub tags: Vec<String>,
    pub contact_id: i64,
    /// The out-of-hours reply went out for the closed period ending here.
    pub out_of_hours_until: Option<DateTime<Utc>>,
    /// The SLA policy its clocks follow, and since when they are stopped.
    pub sla_policy_id: Option<i64>,
    pub sla_paused_at: Option<DateTime<Utc>>,
    /// How the customer feels lately (see [`crate::ai::sentiment::follow`]).
    pub sentiment: Option<f32>,
}

const LOCKED_COLUMNS: &str = "c.id, c.account_id, c.number, c.channel_id, c.status,
    c.snoozed_until, c.resolved_at, c.assignee_id, c.department_id, c.priority, c.critical, c.tags,
    c.contact_id, c.out_of_hours_until, c.sla_policy_id, c.sla_paused_at, c.sentiment";

/// Locks a conversation the actor may see and change.
pub(crate) async fn lock_for_change(tx: &mut Tx, actor: &Actor, number: i64) -> Result<Locked> {
    Ok(lock_in_scope(tx, actor, number).await?.0)
}

/// [`lock_for_change`], with the actor's scope for the checks that follow
/// (may they assign it, answer through its connection).
pub(crate) async fn lock_in_scope(
    tx: &mut Tx,
    actor: &Actor,
    number: i64,
) -> Result<(Locked, Scope)> {
    actor.require(Permission::WorkConversations)?;
    let scope = crate::access::scope_in(tx, actor).await?;
    let sql = format!(
        "SELECT {LOCKED_COLUMNS} FROM conversations c
          WHERE c.account_id = $3 AND c.number = $4 AND {}
          FOR UPDATE",
        visible_sql("$1", "$2", "$5")
    );
    let row: Option<Locked> = sqlx::query_as(&sql)
        .bind(scope.user_id)
        .bind(scope.departments.as_sql())
        .bind(actor.account_id)
        .bind(number)
        .bind(scope.channels.as_sql())
        .fetch_optional(&mut **tx)
        .await
        .context("locking conversation")?;
    Ok((row.ok_or(Error::NotFound)?, scope))
}

/// Locks a conversation by id, for changes no member makes (a customer
/// writing, the clock); `skip_locked` passes over one someone else holds.
pub(crate) async fn lock_by_id(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
    skip_locked: bool,
) -> Result<Option<Locked>> {
    let sql = format!(
        "SELECT {LOCKED_COLUMNS} FROM conversations c WHERE c.account_id = $1 AND c.id = $2
          FOR UPDATE{}",
        if skip_locked { " SKIP LOCKED" } else { "" }
    );
    Ok(sqlx::query_as(&sql)
        .bind(account_id)
        .bind(conversation_id)
        .fetch_optional(&mut **tx)
        .await
        .context("locking conversation")?)
}

/// Appends an activity line and signals it.
pub(crate) async fn add_activity(
    tx: &mut Tx,
    conversation: &Locked,
    activity: &Activity,
) -> anyhow::Result<i64> {
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, activity)
         VALUES ($1, $2, $3, 'activity', $4) RETURNING id",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .bind(serde_json::to_value(activity).context("encoding activity")?)
    .fetch_one(&mut **tx)
    .await
    .context("recording activity")?;
    realtime::publish(
        tx,
        conversation.account_id,
        Signal::MessageCreated {
            conversation_id: conversation.id,
            message_id,
        },
    )
    .await?;
    Ok(message_id)
}

/// Marks the conversation changed and tells everyone.
pub(crate) async fn touch(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE conversations SET updated_at = now() WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(conversation_id)
        .execute(&mut **tx)
        .await
        .context("touching conversation")?;
    realtime::publish(
        tx,
        account_id,
        Signal::ConversationChanged { conversation_id },
    )
    .await
}

/// Signals the change, commits, and returns what the actor now sees.
async fn finish_change(
    db: &Db,
    mut tx: Tx,
    actor: &Actor,
    conversation: &Locked,
) -> Result<ConversationSummary> {
    touch(&mut tx, actor.account_id, conversation.id).await?;
    crate::service_desk::after_agent_change(&mut tx, conversation).await?;
    let summary = visible_summary(&mut tx, actor, conversation.number).await;
    tx.commit().await.context("commit")?;
    match summary {
        Ok(summary) => Ok(summary),
        // Transferred out of the actor's sight: the change happened, and
        // they may see what they just did.
        Err(Error::NotFound) => summary_by_id(db, actor.account_id, conversation.id)
            .await?
            .ok_or(Error::NotFound),
        Err(err) => Err(err),
    }
}

/// A tag: trimmed, lower-case, 1–40 characters without commas.
pub fn normalize_tag(tag: &str) -> Option<String> {
    let tag = tag.trim().trim_start_matches('#').to_lowercase();
    (!tag.is_empty() && tag.chars().count() <= 40 && !tag.contains(',')).then_some(tag)
}

pub(crate) async fn remember_tags(
    tx: &mut Tx,
    account_id: Uuid,
    tags: &[String],
) -> anyhow::Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO tags (account_id, name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(account_id)
    .bind(tags)
    .execute(&mut **tx)
    .await
    .context("remembering tags")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised() {
        assert_eq!(normalize_tag("  #VIP ").as_deref(), Some("vip"));
        assert_eq!(normalize_tag(""), None);
        assert_eq!(normalize_tag("a,b"), None);
        assert_eq!(normalize_tag(&"x".repeat(41)), None);
    }
}
