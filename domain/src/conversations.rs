//! Conversations (tickets): who may see them, the inbox list, numbering, and
//! what agents do to them. Every change writes an activity line into the
//! conversation's timeline and signals every server instance.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;
use shared::audit::AuditAction;
use shared::inbox::{
    Activity, Changes, ChannelKind, ConversationPage, ConversationStatus, ConversationSummary,
    InboxFilter, InboxSort, InboxTab, MessageKind, Priority,
};
use shared::Permission;
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::realtime::{self, Signal};

pub const PAGE_SIZE: u32 = 30;
pub const MAX_PAGE_SIZE: u32 = 100;
/// A message on a conversation resolved less than this long ago reopens it;
/// later ones start a new conversation.
pub const REOPEN_WINDOW_HOURS: i64 = 24;

/// The columns of a [`ConversationSummary`], joined once.
const SUMMARY_SELECT: &str = "
    SELECT c.id, c.number, c.status, c.priority, c.critical, c.tags, c.contact_id,
           ct.name AS contact_name, c.channel_id, ch.name AS channel_name, ch.kind AS channel_kind,
           c.department_id, d.name AS department_name, c.assignee_id, u.name AS assignee_name,
           c.last_message_preview, c.last_message_kind, c.last_activity_at, c.waiting_since,
           c.snoozed_until, c.created_at, c.first_response_at, c.resolved_at, c.updated_at,
           c.incoming_count, r.read_incoming_count AS read_count
      FROM conversations c
      JOIN contacts ct ON ct.id = c.contact_id
      JOIN channels ch ON ch.id = c.channel_id
      LEFT JOIN departments d ON d.id = c.department_id
      LEFT JOIN users u ON u.id = c.assignee_id
      LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.user_id = $1";

/// Who may see a conversation: everyone with `ViewAllConversations`; else
/// its assignee, members of its department, and anyone for unassigned
/// conversations outside any department. `$1` is the viewer, `$2` whether
/// they see everything.
const VISIBLE: &str = "($2 OR c.assignee_id = $1
      OR (c.assignee_id IS NULL AND c.department_id IS NULL)
      OR c.department_id IN (SELECT dm.department_id FROM department_members dm WHERE dm.user_id = $1))";

#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    id: i64,
    number: i64,
    status: String,
    priority: String,
    critical: bool,
    tags: Vec<String>,
    contact_id: i64,
    contact_name: String,
    channel_id: i64,
    channel_name: String,
    channel_kind: String,
    department_id: Option<i64>,
    department_name: Option<String>,
    assignee_id: Option<Uuid>,
    assignee_name: Option<String>,
    last_message_preview: String,
    last_message_kind: Option<String>,
    last_activity_at: DateTime<Utc>,
    waiting_since: Option<DateTime<Utc>>,
    snoozed_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    first_response_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    incoming_count: i32,
    read_count: Option<i32>,
}

impl SummaryRow {
    pub(crate) fn into_summary(self, with_read_count: bool) -> anyhow::Result<ConversationSummary> {
        let parse_err =
            |what: &str, value: &str| anyhow::anyhow!("unknown {what} {value:?} in database");
        Ok(ConversationSummary {
            id: self.id,
            number: self.number,
            status: self
                .status
                .parse()
                .map_err(|_| parse_err("status", &self.status))?,
            priority: self
                .priority
                .parse()
                .map_err(|_| parse_err("priority", &self.priority))?,
            critical: self.critical,
            tags: self.tags,
            contact_id: self.contact_id,
            contact_name: self.contact_name,
            channel_id: self.channel_id,
            channel_name: self.channel_name,
            channel_kind: self
                .channel_kind
                .parse::<ChannelKind>()
                .map_err(|_| parse_err("channel kind", &self.channel_kind))?,
            department_id: self.department_id,
            department_name: self.department_name,
            assignee_id: self.assignee_id,
            assignee_name: self.assignee_name,
            last_message_preview: self.last_message_preview,
            last_message_kind: self
                .last_message_kind
                .and_then(|k| k.parse::<MessageKind>().ok()),
            last_activity_at: self.last_activity_at,
            waiting_since: self.waiting_since,
            snoozed_until: self.snoozed_until,
            created_at: self.created_at,
            first_response_at: self.first_response_at,
            resolved_at: self.resolved_at,
            updated_at: self.updated_at,
            incoming_count: self.incoming_count,
            read_count: with_read_count.then(|| self.read_count.unwrap_or(0)),
        })
    }
}

/// Sorts conversations nobody waits on after all the others; the same
/// value in SQL (`NOT_WAITING`) and in cursors.
const NOT_WAITING_MICROS: i64 = 253_402_214_400_000_000; // 9999-12-31T00:00:00Z
const NOT_WAITING: &str = "'9999-12-31T00:00:00Z'::timestamptz";

/// The cursor of a list page: the sort value and id of its last row.
fn encode_cursor(sort_value: Option<DateTime<Utc>>, id: i64) -> String {
    format!(
        "{}_{id}",
        sort_value
            .map(|t| t.timestamp_micros())
            .unwrap_or(NOT_WAITING_MICROS)
    )
}

fn decode_cursor(cursor: &str) -> Result<(DateTime<Utc>, i64)> {
    let invalid = || Error::field("cursor", shared::ErrorCode::InvalidValue);
    let (micros, id) = cursor.split_once('_').ok_or_else(invalid)?;
    let micros: i64 = micros.parse().map_err(|_| invalid())?;
    let id: i64 = id.parse().map_err(|_| invalid())?;
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?;
    Ok((at, id))
}

/// A page of the inbox, newest activity (or longest wait) first.
pub async fn list(db: &Db, actor: &Actor, filter: &InboxFilter) -> Result<ConversationPage> {
    let limit = filter.limit.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let cursor = filter
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(decode_cursor)
        .transpose()?;
    let statuses: Vec<String> = match (filter.status, filter.all_statuses) {
        (Some(status), _) => vec![status.as_str().to_string()],
        (None, true) => ConversationStatus::ALL
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        (None, false) => ConversationStatus::ACTIVE
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    };
    let q = filter
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| format!("%{}%", escape_like(&q.to_lowercase())));
    let (order, cursor_clause) = match filter.sort {
        InboxSort::LastActivity => (
            "c.last_activity_at DESC, c.id DESC".to_string(),
            "($9::timestamptz IS NULL OR (c.last_activity_at, c.id) < ($9, $10))".to_string(),
        ),
        InboxSort::Waiting => (
            format!("COALESCE(c.waiting_since, {NOT_WAITING}) ASC, c.id ASC"),
            format!("($9::timestamptz IS NULL OR (COALESCE(c.waiting_since, {NOT_WAITING}), c.id) > ($9, $10))"),
        ),
    };
    let tab_clause = match filter.tab {
        InboxTab::Mine => "c.assignee_id = $1",
        InboxTab::Unassigned => "c.assignee_id IS NULL",
        InboxTab::All => "true",
    };
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let search = match &q {
        Some(pattern) => Some(search_matches(&mut tx, pattern).await?),
        None => None,
    };
    let search_clause = search_clause(search.as_ref());
    let (few_conversations, few_contacts) = search
        .map(|s| (s.conversation_ids, s.contact_ids))
        .unwrap_or_default();
    let sql = format!(
        "{SUMMARY_SELECT}
          WHERE c.account_id = $3 AND {VISIBLE} AND {tab_clause}
            AND c.status = ANY($4)
            AND ($5::bigint IS NULL OR c.department_id = $5)
            AND ($6::bigint IS NULL OR c.channel_id = $6)
            AND ($7::text IS NULL OR c.tags @> ARRAY[$7])
            AND ($8::text IS NULL OR c.priority = $8)
            AND {cursor_clause}
            AND {search_clause}
            AND ($13::bigint IS NULL OR c.contact_id = $13)
          ORDER BY {order}
          LIMIT $12"
    );
    let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
        .bind(actor.user_id)
        .bind(actor.can(Permission::ViewAllConversations))
        .bind(actor.account_id)
        .bind(&statuses)
        .bind(filter.department_id)
        .bind(filter.channel_id)
        .bind(filter.tag.as_deref().filter(|t| !t.is_empty()))
        .bind(filter.priority.map(Priority::as_str))
        .bind(cursor.map(|(at, _)| at))
        .bind(cursor.map(|(_, id)| id).unwrap_or(0))
        .bind(q)
        .bind(i64::from(limit) + 1)
        .bind(filter.contact_id)
        .bind(few_conversations)
        .bind(few_contacts)
        .fetch_all(&mut *tx)
        .await
        .context("listing conversations")?;
    tx.commit().await.context("commit")?;

    let has_more = rows.len() > limit as usize;
    let mut conversations = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| row.into_summary(true))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let next_cursor = if has_more {
        conversations.last().map(|c| match filter.sort {
            InboxSort::LastActivity => encode_cursor(Some(c.last_activity_at), c.id),
            InboxSort::Waiting => encode_cursor(c.waiting_since, c.id),
        })
    } else {
        None
    };
    conversations.shrink_to_fit();
    Ok(ConversationPage {
        conversations,
        next_cursor,
    })
}

/// Where a search term matches. A rare term's matches are collected through
/// the trigram indexes, and the list query only sorts and filters them; a
/// common term is checked row by row while walking the list in order, which
/// finds a page of matches sooner than collecting them all.
struct SearchMatches {
    /// Conversations whose messages match, when they are few.
    conversation_ids: Option<Vec<i64>>,
    /// Contacts that match, when they are few.
    contact_ids: Option<Vec<i64>>,
}

/// Matching rows beyond which a source counts as common. Small enough that
/// the probe of a common term (a sequential scan that stops early) is cheap;
/// contacts are fewer and their walk costlier, hence the higher bound.
const FEW_MESSAGE_MATCHES: i32 = 2000;
pub(crate) const FEW_CONTACT_MATCHES: i32 = 20_000;

/// Probes message text and contact details for a LIKE pattern (already
/// lower-cased and escaped), stopping at the bounds above.
async fn search_matches(tx: &mut Tx, pattern: &str) -> Result<SearchMatches> {
    let few = |mut ids: Vec<i64>, bound: i32| {
        (ids.len() < bound as usize).then(|| {
            ids.sort_unstable();
            ids.dedup();
            ids
        })
    };
    let conversation_ids: Vec<i64> =
        sqlx::query_scalar("SELECT * FROM search_message_conversations($1, $2)")
            .bind(pattern)
            .bind(FEW_MESSAGE_MATCHES)
            .fetch_all(&mut **tx)
            .await
            .context("searching message text")?;
    let contact_ids: Vec<i64> = sqlx::query_scalar("SELECT * FROM search_contact_ids($1, $2)")
        .bind(pattern)
        .bind(FEW_CONTACT_MATCHES)
        .fetch_all(&mut **tx)
        .await
        .context("searching contacts")?;
    Ok(SearchMatches {
        conversation_ids: few(conversation_ids, FEW_MESSAGE_MATCHES),
        contact_ids: few(contact_ids, FEW_CONTACT_MATCHES),
    })
}

/// The list query's search condition; `$11` is the LIKE pattern, `$14` and
/// `$15` the conversations and contacts matched through the rare sources.
fn search_clause(search: Option<&SearchMatches>) -> String {
    let Some(search) = search else {
        return "$11::text IS NULL AND $14::bigint[] IS NULL AND $15::bigint[] IS NULL".to_string();
    };
    let messages = if search.conversation_ids.is_some() {
        "c.id = ANY($14::bigint[])"
    } else {
        // A scalar subquery rather than EXISTS: the planner may turn an
        // EXISTS under OR into "collect every match, then hash", which is
        // exactly what a common term must avoid.
        "($14::bigint[] IS NULL AND COALESCE((SELECT true FROM messages m
             WHERE m.conversation_id = c.id AND m.deleted_at IS NULL
               AND m.kind IN ('incoming', 'outgoing', 'note') AND m.body ILIKE $11
             LIMIT 1), false))"
    };
    let contacts = if search.contact_ids.is_some() {
        "c.contact_id = ANY($15::bigint[])"
    } else {
        "($15::bigint[] IS NULL AND ct.search_text LIKE $11)"
    };
    format!("$11::text IS NOT NULL AND ({messages} OR {contacts})")
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub(crate) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
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
    let sql = format!("{SUMMARY_SELECT} WHERE c.account_id = $3 AND c.number = $4 AND {VISIBLE}");
    let row: Option<SummaryRow> = sqlx::query_as(&sql)
        .bind(actor.user_id)
        .bind(actor.can(Permission::ViewAllConversations))
        .bind(actor.account_id)
        .bind(number)
        .fetch_optional(&mut **tx)
        .await
        .context("reading conversation")?;
    Ok(row.ok_or(Error::NotFound)?.into_summary(true)?)
}

/// A conversation's summary for broadcasting (no per-viewer read count).
pub async fn summary_by_id(
    db: &Db,
    account_id: Uuid,
    conversation_id: i64,
) -> Result<Option<ConversationSummary>> {
    let mut tx = db.tenant(account_id, None).await?;
    let sql = format!("{SUMMARY_SELECT} WHERE c.account_id = $2 AND c.id = $3");
    let row: Option<SummaryRow> = sqlx::query_as(&sql)
        .bind(Uuid::nil())
        .bind(account_id)
        .bind(conversation_id)
        .fetch_optional(&mut *tx)
        .await
        .context("reading conversation")?;
    tx.commit().await.context("commit")?;
    Ok(row.map(|r| r.into_summary(false)).transpose()?)
}

/// Whether `viewer` may see a conversation with this assignee and department.
pub fn visible_to(
    can_view_all: bool,
    viewer: Uuid,
    viewer_departments: &[i64],
    assignee: Option<Uuid>,
    department: Option<i64>,
) -> bool {
    can_view_all
        || assignee == Some(viewer)
        || (assignee.is_none() && department.is_none())
        || department.is_some_and(|d| viewer_departments.contains(&d))
}

/// The departments a user belongs to in the current account.
pub async fn departments_of(db: &Db, account_id: Uuid, user_id: Uuid) -> Result<Vec<i64>> {
    let mut tx = db.tenant(account_id, None).await?;
    let ids = sqlx::query_scalar("SELECT department_id FROM department_members WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await
        .context("reading departments")?;
    tx.commit().await.context("commit")?;
    Ok(ids)
}

// Creating ----------------------------------------------------------------------

/// Takes the account's next ticket number inside `tx` (see `account_counters`).
pub(crate) async fn next_number(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<i64> {
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
    pub channel_id: i64,
    pub status: String,
    pub assignee_id: Option<Uuid>,
    pub department_id: Option<i64>,
    pub priority: String,
    pub critical: bool,
    pub tags: Vec<String>,
}

impl Locked {
    pub(crate) fn status(&self) -> anyhow::Result<ConversationStatus> {
        self.status
            .parse()
            .map_err(|_| anyhow::anyhow!("unknown status {}", self.status))
    }
}

/// Locks a conversation the actor may see and change.
pub(crate) async fn lock_for_change(tx: &mut Tx, actor: &Actor, number: i64) -> Result<Locked> {
    actor.require(Permission::WorkConversations)?;
    let sql = format!(
        "SELECT c.id, c.channel_id, c.status, c.assignee_id, c.department_id,
                c.priority, c.critical, c.tags
           FROM conversations c
          WHERE c.account_id = $3 AND c.number = $4 AND {VISIBLE}
          FOR UPDATE"
    );
    let row: Option<Locked> = sqlx::query_as(&sql)
        .bind(actor.user_id)
        .bind(actor.can(Permission::ViewAllConversations))
        .bind(actor.account_id)
        .bind(number)
        .fetch_optional(&mut **tx)
        .await
        .context("locking conversation")?;
    row.ok_or(Error::NotFound)
}

/// Appends an activity line and signals it.
pub(crate) async fn add_activity(
    tx: &mut Tx,
    account_id: Uuid,
    conversation: &Locked,
    activity: &Activity,
) -> anyhow::Result<i64> {
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, activity)
         VALUES ($1, $2, $3, 'activity', $4) RETURNING id",
    )
    .bind(account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .bind(serde_json::to_value(activity).context("encoding activity")?)
    .fetch_one(&mut **tx)
    .await
    .context("recording activity")?;
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

/// Marks the conversation changed and tells everyone.
pub(crate) async fn touch(
    tx: &mut Tx,
    account_id: Uuid,
    conversation_id: i64,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE conversations SET updated_at = now() WHERE id = $1")
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

async fn finish_change(
    db: &Db,
    mut tx: Tx,
    actor: &Actor,
    number: i64,
    conversation_id: i64,
) -> Result<ConversationSummary> {
    touch(&mut tx, actor.account_id, conversation_id).await?;
    let summary = visible_summary(&mut tx, actor, number).await;
    tx.commit().await.context("commit")?;
    match summary {
        Ok(summary) => Ok(summary),
        // Transferred out of the actor's sight: the change happened, and
        // they may see what they just did.
        Err(Error::NotFound) => summary_by_id(db, actor.account_id, conversation_id)
            .await?
            .ok_or(Error::NotFound),
        Err(err) => Err(err),
    }
}

/// Changes the status. `snooze_until` (required for `waiting`, optional
/// otherwise) snoozes the conversation until then.
pub async fn set_status(
    db: &Db,
    actor: &Actor,
    number: i64,
    status: ConversationStatus,
    snooze_until: Option<DateTime<Utc>>,
) -> Result<ConversationSummary> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = lock_for_change(&mut tx, actor, number).await?;
    let from = conversation.status()?;
    if !from.can_change_to(status) {
        return Err(Error::field("status", shared::ErrorCode::OptionInvalid));
    }
    if let Some(until) = snooze_until {
        if status != ConversationStatus::Waiting || until <= Utc::now() {
            return Err(Error::field("snooze_until", shared::ErrorCode::DateInvalid));
        }
    }
    // Reopening without an assignee puts it back in the queue.
    let status = match status {
        ConversationStatus::InProgress | ConversationStatus::Open if from.is_closed() => {
            if conversation.assignee_id.is_some() {
                ConversationStatus::InProgress
            } else {
                ConversationStatus::Open
            }
        }
        other => other,
    };
    sqlx::query(
        "UPDATE conversations
            SET status = $2, snoozed_until = $3, last_activity_at = now(),
                resolved_at = CASE WHEN $2 IN ('resolved', 'cancelled') THEN now() ELSE NULL END,
                waiting_since = CASE WHEN $2 IN ('resolved', 'cancelled') THEN NULL ELSE waiting_since END
          WHERE id = $1",
    )
    .bind(conversation.id)
    .bind(status.as_str())
    .bind(snooze_until)
    .execute(&mut *tx)
    .await
    .context("changing status")?;
    let activity = match (snooze_until, from.is_closed()) {
        (Some(until), _) => Activity::Snoozed {
            until,
            by: actor.name.clone(),
        },
        (None, true) => Activity::Reopened {
            by: Some(actor.name.clone()),
        },
        (None, false) => Activity::StatusChanged {
            from,
            to: status,
            by: actor.name.clone(),
        },
    };
    add_activity(&mut tx, actor.account_id, &conversation, &activity).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ConversationStatusChanged,
        Some(Target::new("conversation", number)),
        json!({ "from": from, "to": status, "snoozed_until": snooze_until }),
    )
    .await?;
    finish_change(db, tx, actor, number, conversation.id).await
}

/// Assigns to an agent (or nobody) and/or moves to a department (or none),
/// with an optional note: "assign to me", "assign", and "transfer".
pub async fn assign(
    db: &Db,
    actor: &Actor,
    number: i64,
    assignee: Option<Uuid>,
    department: Option<Option<i64>>,
    note: Option<String>,
) -> Result<ConversationSummary> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(Error::field("note", shared::ErrorCode::TooLong));
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = lock_for_change(&mut tx, actor, number).await?;
    if conversation.status()?.is_closed() {
        return Err(Error::Conflict("conversation_closed".into()));
    }
    let assignee_name = match assignee {
        Some(user_id) => Some(
            agent_name(&mut tx, actor.account_id, user_id)
                .await?
                .ok_or_else(|| Error::field("assignee", shared::ErrorCode::OptionInvalid))?,
        ),
        None => None,
    };
    let new_department = department.unwrap_or(conversation.department_id);
    let department_name = match (department, new_department) {
        (Some(_), Some(id)) => Some(
            sqlx::query_scalar::<_, String>("SELECT name FROM departments WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .context("reading department")?
                .ok_or_else(|| Error::field("department", shared::ErrorCode::OptionInvalid))?,
        ),
        _ => None,
    };
    let status = match (conversation.status()?, assignee) {
        (ConversationStatus::Open, Some(_)) => ConversationStatus::InProgress,
        (ConversationStatus::InProgress, None) => ConversationStatus::Open,
        (current, _) => current,
    };
    sqlx::query(
        "UPDATE conversations SET assignee_id = $2, department_id = $3, status = $4, last_activity_at = now()
          WHERE id = $1",
    )
    .bind(conversation.id)
    .bind(assignee)
    .bind(new_department)
    .bind(status.as_str())
    .execute(&mut *tx)
    .await
    .context("assigning conversation")?;

    let transferred =
        department.is_some() || note.is_some() || assignee.is_some_and(|a| a != actor.user_id);
    let activity = if transferred {
        Activity::Transferred {
            to_agent: assignee_name.clone(),
            to_department: department_name.clone(),
            note: note.clone(),
            by: actor.name.clone(),
        }
    } else {
        Activity::Assigned {
            to: assignee_name.clone(),
            by: actor.name.clone(),
        }
    };
    add_activity(&mut tx, actor.account_id, &conversation, &activity).await?;
    if transferred {
        audit::record(
            &mut tx,
            actor,
            AuditAction::ConversationTransferred,
            Some(Target::new("conversation", number)),
            json!({ "to_agent": assignee_name, "to_department": department_name, "note": note }),
        )
        .await?;
    }
    finish_change(db, tx, actor, number, conversation.id).await
}

async fn agent_name(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT u.name FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1 AND m.user_id = $2 AND m.active AND m.role <> 'auditor'",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading agent")
}

pub async fn set_priority(
    db: &Db,
    actor: &Actor,
    number: i64,
    priority: Priority,
) -> Result<ConversationSummary> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = lock_for_change(&mut tx, actor, number).await?;
    let from: Priority = conversation
        .priority
        .parse()
        .map_err(|_| anyhow::anyhow!("bad priority"))?;
    if from == priority {
        tx.commit().await.context("commit")?;
        return get(db, actor, number).await;
    }
    sqlx::query("UPDATE conversations SET priority = $2 WHERE id = $1")
        .bind(conversation.id)
        .bind(priority.as_str())
        .execute(&mut *tx)
        .await
        .context("changing priority")?;
    add_activity(
        &mut tx,
        actor.account_id,
        &conversation,
        &Activity::PriorityChanged {
            from,
            to: priority,
            by: actor.name.clone(),
        },
    )
    .await?;
    finish_change(db, tx, actor, number, conversation.id).await
}

pub async fn set_critical(
    db: &Db,
    actor: &Actor,
    number: i64,
    critical: bool,
) -> Result<ConversationSummary> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = lock_for_change(&mut tx, actor, number).await?;
    if conversation.critical == critical {
        tx.commit().await.context("commit")?;
        return get(db, actor, number).await;
    }
    sqlx::query("UPDATE conversations SET critical = $2 WHERE id = $1")
        .bind(conversation.id)
        .bind(critical)
        .execute(&mut *tx)
        .await
        .context("changing critical flag")?;
    add_activity(
        &mut tx,
        actor.account_id,
        &conversation,
        &Activity::CriticalChanged {
            critical,
            by: actor.name.clone(),
        },
    )
    .await?;
    finish_change(db, tx, actor, number, conversation.id).await
}

/// A tag: trimmed, lower-case, 1–40 characters without commas.
pub fn normalize_tag(tag: &str) -> Option<String> {
    let tag = tag.trim().trim_start_matches('#').to_lowercase();
    (!tag.is_empty() && tag.chars().count() <= 40 && !tag.contains(',')).then_some(tag)
}

/// Replaces the conversation's tags.
pub async fn set_tags(
    db: &Db,
    actor: &Actor,
    number: i64,
    tags: &[String],
) -> Result<ConversationSummary> {
    let mut wanted: Vec<String> = Vec::new();
    for tag in tags {
        let tag = normalize_tag(tag)
            .ok_or_else(|| Error::field("tags", shared::ErrorCode::InvalidValue))?;
        if !wanted.contains(&tag) {
            wanted.push(tag);
        }
    }
    if wanted.len() > 20 {
        return Err(Error::field("tags", shared::ErrorCode::TooLong));
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = lock_for_change(&mut tx, actor, number).await?;
    let added: Vec<String> = wanted
        .iter()
        .filter(|t| !conversation.tags.contains(t))
        .cloned()
        .collect();
    let removed: Vec<String> = conversation
        .tags
        .iter()
        .filter(|t| !wanted.contains(t))
        .cloned()
        .collect();
    if added.is_empty() && removed.is_empty() {
        tx.commit().await.context("commit")?;
        return get(db, actor, number).await;
    }
    sqlx::query("UPDATE conversations SET tags = $2 WHERE id = $1")
        .bind(conversation.id)
        .bind(&wanted)
        .execute(&mut *tx)
        .await
        .context("changing tags")?;
    remember_tags(&mut tx, actor.account_id, &added).await?;
    add_activity(
        &mut tx,
        actor.account_id,
        &conversation,
        &Activity::TagsChanged {
            added,
            removed,
            by: actor.name.clone(),
        },
    )
    .await?;
    finish_change(db, tx, actor, number, conversation.id).await
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

/// Marks everything in the conversation read by the actor; returns the
/// read count (also sent to the actor's other tabs).
pub async fn mark_read(db: &Db, actor: &Actor, number: i64) -> Result<i32> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let summary = visible_summary(&mut tx, actor, number).await?;
    let read_count: i32 = sqlx::query_scalar(
        "INSERT INTO conversation_reads (account_id, conversation_id, user_id, read_incoming_count)
         SELECT account_id, id, $2, incoming_count FROM conversations WHERE id = $1
         ON CONFLICT (conversation_id, user_id)
         DO UPDATE SET read_incoming_count = EXCLUDED.read_incoming_count, read_at = now()
         RETURNING read_incoming_count",
    )
    .bind(summary.id)
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await
    .context("marking read")?;
    if summary.read_count != Some(read_count) {
        realtime::publish(
            &mut tx,
            actor.account_id,
            Signal::ConversationRead {
                conversation_id: summary.id,
                user_id: actor.user_id,
                read_count,
            },
        )
        .await?;
    }
    tx.commit().await.context("commit")?;
    Ok(read_count)
}

/// What changed since `since` (minus a safety margin for transactions that
/// committed late): for browsers resyncing after a dropped connection.
pub async fn changes_since(
    db: &Db,
    actor: &Actor,
    since: DateTime<Utc>,
    open_conversation: Option<i64>,
) -> Result<Changes> {
    let margin_since = since - chrono::Duration::seconds(5);
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let server_time: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *tx)
        .await
        .context("clock")?;
    let sql = format!(
        "{SUMMARY_SELECT} WHERE c.account_id = $3 AND c.updated_at >= $4 AND {VISIBLE}
          ORDER BY c.updated_at DESC LIMIT 200"
    );
    let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
        .bind(actor.user_id)
        .bind(actor.can(Permission::ViewAllConversations))
        .bind(actor.account_id)
        .bind(margin_since)
        .fetch_all(&mut *tx)
        .await
        .context("listing changed conversations")?;
    let conversations = rows
        .into_iter()
        .map(|r| r.into_summary(true))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let messages = match open_conversation {
        Some(number) => {
            let summary = visible_summary(&mut tx, actor, number).await?;
            crate::messages::changed_since(&mut tx, actor, summary.id, margin_since).await?
        }
        None => vec![],
    };
    tx.commit().await.context("commit")?;
    Ok(Changes {
        conversations,
        messages,
        server_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let at = DateTime::from_timestamp_micros(1_763_000_000_123_456).unwrap();
        let (back, id) = decode_cursor(&encode_cursor(Some(at), 42)).unwrap();
        assert_eq!((back, id), (at, 42));
        let (not_waiting, _) = decode_cursor(&encode_cursor(None, 1)).unwrap();
        assert_eq!(not_waiting.to_rfc3339(), "9999-12-31T00:00:00+00:00");
        assert!(decode_cursor("garbage").is_err());
        assert!(decode_cursor("1_x").is_err());
    }

    #[test]
    fn visibility_rules() {
        let me = Uuid::from_u128(1);
        let other = Uuid::from_u128(2);
        assert!(
            visible_to(true, me, &[], Some(other), Some(9)),
            "supervisors see everything"
        );
        assert!(
            visible_to(false, me, &[], Some(me), Some(9)),
            "own conversations"
        );
        assert!(
            visible_to(false, me, &[], None, None),
            "unassigned, no department"
        );
        assert!(
            visible_to(false, me, &[9], Some(other), Some(9)),
            "my department's"
        );
        assert!(
            !visible_to(false, me, &[], Some(other), None),
            "someone else's"
        );
        assert!(
            !visible_to(false, me, &[3], None, Some(9)),
            "another department's queue"
        );
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(normalize_tag("  #VIP ").as_deref(), Some("vip"));
        assert_eq!(normalize_tag(""), None);
        assert_eq!(normalize_tag("a,b"), None);
        assert_eq!(normalize_tag(&"x".repeat(41)), None);
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }
}
