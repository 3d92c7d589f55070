//! The inbox list: filters, cursor paging, and search over message text and
//! contact details.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::{
    ConversationPage, ConversationStatus, InboxCounts, InboxFilter, InboxSort, InboxTab, ViewCount,
    ViewKind,
};

use super::visibility::visible_sql;
use super::{SummaryRow, SUMMARY_SELECT};
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

pub const PAGE_SIZE: u32 = 30;
pub const MAX_PAGE_SIZE: u32 = 100;

/// The page size asked for, or `Validation` when out of range: REST and
/// server functions refuse the same values the same way.
pub fn page_size(asked: Option<u32>) -> Result<u32> {
    match asked {
        None => Ok(PAGE_SIZE),
        Some(limit) if (1..=MAX_PAGE_SIZE).contains(&limit) => Ok(limit),
        Some(_) => Err(Error::field("limit", shared::ErrorCode::NumberInvalid)),
    }
}

/// Sorts conversations nobody waits on after all the others; the same
/// value in SQL (`NOT_WAITING`) and in cursors.
const NOT_WAITING_MICROS: i64 = 253_402_214_400_000_000; // 9999-12-31T00:00:00Z
const NOT_WAITING: &str = "'9999-12-31T00:00:00Z'::timestamptz";
/// When the next SLA clock runs out (`shared::sla::next_due` in SQL;
/// `LEAST` skips the clocks not running).
const NEXT_DUE: &str =
    "LEAST(CASE WHEN c.first_response_at IS NULL THEN c.sla_first_response_due_at END,
    c.sla_next_response_due_at, c.sla_resolution_due_at)";
const DUE_SOON_MINUTES: i64 = shared::sla::DUE_SOON_MINUTES;

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
    let limit = page_size(filter.limit)?;
    let cursor = filter
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(decode_cursor)
        .transpose()?;
    let (statuses, snoozed) = filter.status_rule();
    let patterns = filter.q.as_deref().and_then(SearchPatterns::of);
    let (order, cursor_clause) = match filter.sort {
        InboxSort::LastActivity => (
            "c.last_activity_at DESC, c.id DESC".to_string(),
            "($9::timestamptz IS NULL OR (c.last_activity_at, c.id) < ($9, $10))".to_string(),
        ),
        InboxSort::Waiting => (
            format!("COALESCE(c.waiting_since, {NOT_WAITING}) ASC, c.id ASC"),
            format!("($9::timestamptz IS NULL OR (COALESCE(c.waiting_since, {NOT_WAITING}), c.id) > ($9, $10))"),
        ),
        InboxSort::SlaDue => (
            format!("COALESCE({NEXT_DUE}, {NOT_WAITING}) ASC, c.id ASC"),
            format!("($9::timestamptz IS NULL OR (COALESCE({NEXT_DUE}, {NOT_WAITING}), c.id) > ($9, $10))"),
        ),
    };
    let tab_clause = match filter.tab {
        InboxTab::Mine => "c.assignee_id = $1",
        InboxTab::Unassigned => "c.assignee_id IS NULL",
        InboxTab::All => "true",
    };
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let search = match &patterns {
        Some(patterns) => Some(search_matches(&mut tx, patterns).await?),
        None => None,
    };
    let search_clause = search_clause(search.as_ref());
    let (few_conversations, few_contacts) = search
        .map(|s| (s.conversation_ids, s.contact_ids))
        .unwrap_or_default();
    let scope = crate::access::scope_in(&mut tx, actor).await?;
    let visible = visible_sql("$1", "$2", "$20");
    let sql = format!(
        "{SUMMARY_SELECT}
          WHERE c.account_id = $3 AND {visible} AND {tab_clause}
            AND c.status = ANY($4)
            AND ($17::bool IS NULL OR (c.status = 'waiting' AND c.snoozed_until IS NOT NULL) = $17)
            AND ($5::bigint IS NULL OR c.department_id = $5)
            AND ($6::bigint IS NULL OR c.channel_id = $6)
            AND ($7::text IS NULL OR c.tags @> ARRAY[$7])
            AND ($8::text IS NULL OR c.priority = $8)
            AND {cursor_clause}
            AND {search_clause}
            AND ($13::bigint IS NULL OR c.contact_id = $13)
            AND ($18::uuid IS NULL OR c.assignee_id = $18)
            AND ($19::text IS NULL
                 OR ($19 = 'breached' AND c.sla_breached)
                 OR ($19 = 'soon' AND NOT c.sla_breached AND c.sla_paused_at IS NULL
                     AND c.status NOT IN ('resolved', 'cancelled')
                     AND {NEXT_DUE} <= now() + make_interval(mins => {DUE_SOON_MINUTES})))
          ORDER BY {order}
          LIMIT $12"
    );
    let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
        .bind(scope.user_id)
        .bind(scope.departments.as_sql())
        .bind(actor.account_id)
        .bind(&statuses)
        .bind(filter.department_id)
        .bind(filter.channel_id)
        .bind(filter.tag.as_deref().filter(|t| !t.is_empty()))
        .bind(filter.priority)
        .bind(cursor.map(|(at, _)| at))
        .bind(cursor.map(|(_, id)| id).unwrap_or(0))
        .bind(patterns.as_ref().map(|p| p.text.as_str()))
        .bind(i64::from(limit) + 1)
        .bind(filter.contact_id)
        .bind(few_conversations)
        .bind(few_contacts)
        .bind(patterns.as_ref().map(|p| p.contact.as_str()))
        .bind(snoozed)
        .bind(filter.assignee_id)
        .bind(filter.sla.map(|f| f.as_str()))
        .bind(scope.channels.as_sql())
        .fetch_all(&mut *tx)
        .await
        .context("listing conversations")?;
    tx.commit().await.context("commit")?;

    let has_more = rows.len() > limit as usize;
    let mut conversations = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| row.into_summary(true))
        .collect::<Vec<_>>();
    let next_cursor = if has_more {
        conversations.last().map(|c| match filter.sort {
            InboxSort::LastActivity => encode_cursor(Some(c.last_activity_at), c.id),
            InboxSort::Waiting => encode_cursor(c.waiting_since, c.id),
            InboxSort::SlaDue => encode_cursor(shared::sla::next_due(c), c.id),
        })
    } else {
        None
    };
    if let Some(patterns) = &patterns {
        attach_search_hits(db, actor, &mut conversations, patterns).await?;
    }
    conversations.shrink_to_fit();
    Ok(ConversationPage {
        conversations,
        next_cursor,
    })
}

/// The active conversations the actor may see (snoozed ones wait outside),
/// per inbox tab and per view (department, connection, status, tag), with
/// how many have messages the actor has not read — one query.
pub async fn counts(db: &Db, actor: &Actor) -> Result<InboxCounts> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let scope = crate::access::scope_in(&mut tx, actor).await?;
    let visible = visible_sql("$1", "$2", "$5");
    let sql = format!(
        "WITH v AS (
            SELECT c.assignee_id, c.department_id, c.channel_id, c.status, c.tags,
                   c.incoming_count > COALESCE(r.read_incoming_count, 0) AS unread
              FROM conversations c
              LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.user_id = $1
             WHERE c.account_id = $3 AND {visible} AND c.status = ANY($4) AND c.snoozed_until IS NULL)
         SELECT 'tab' AS kind,
                CASE WHEN assignee_id = $1 THEN 'mine' WHEN assignee_id IS NULL THEN 'unassigned'
                     ELSE 'others' END AS key,
                count(*) AS total, count(*) FILTER (WHERE unread) AS unread
           FROM v GROUP BY 2
         UNION ALL
         SELECT 'department', department_id::text, count(*), count(*) FILTER (WHERE unread)
           FROM v WHERE department_id IS NOT NULL GROUP BY department_id
         UNION ALL
         SELECT 'channel', channel_id::text, count(*), count(*) FILTER (WHERE unread)
           FROM v GROUP BY channel_id
         UNION ALL
         SELECT 'status', status, count(*), count(*) FILTER (WHERE unread) FROM v GROUP BY status
         UNION ALL
         (SELECT 'tag', tag, count(*), count(*) FILTER (WHERE unread)
            FROM v CROSS JOIN LATERAL unnest(v.tags) AS tag GROUP BY tag
           ORDER BY count(*) DESC, tag LIMIT 50)"
    );
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(&sql)
        .bind(scope.user_id)
        .bind(scope.departments.as_sql())
        .bind(actor.account_id)
        .bind(ConversationStatus::ACTIVE.to_vec())
        .bind(scope.channels.as_sql())
        .fetch_all(&mut *tx)
        .await
        .context("counting conversations")?;
    tx.commit().await.context("commit")?;
    Ok(fold_counts(rows))
}

/// Tab rows become the tab counts; the others, views.
fn fold_counts(rows: Vec<(String, String, i64, i64)>) -> InboxCounts {
    let mut counts = InboxCounts::default();
    for (kind, key, total, unread) in rows {
        if kind == "tab" {
            counts.all += total;
            counts.unread += unread;
            match key.as_str() {
                "mine" => (counts.mine, counts.unread_mine) = (total, unread),
                "unassigned" => (counts.unassigned, counts.unread_unassigned) = (total, unread),
                _ => {}
            }
        } else if let Ok(kind) = kind.parse::<ViewKind>() {
            counts.views.push(ViewCount {
                kind,
                key,
                total,
                unread,
            });
        }
    }
    counts
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

/// What a search term is looked for as: LIKE patterns over folded text
/// (case and accents ignored), and over contact details — where a term
/// that looks like a phone number is looked for by its digits, as numbers
/// are stored ("(11) 98765-4321" finds `+5511987654321`).
pub(crate) struct SearchPatterns {
    pub term: String,
    pub text: String,
    pub contact: String,
}

impl SearchPatterns {
    pub(crate) fn of(term: &str) -> Option<Self> {
        let term = term.trim();
        if term.is_empty() {
            return None;
        }
        let text = format!("%{}%", escape_like(&shared::text::fold(term)));
        let contact = match shared::phone::phone_search_digits(term) {
            Some(digits) => format!("%{digits}%"),
            None => text.clone(),
        };
        Some(Self {
            term: term.to_string(),
            text,
            contact,
        })
    }
}

/// Probes message text and contact details for the patterns, stopping at
/// the bounds above.
async fn search_matches(tx: &mut Tx, patterns: &SearchPatterns) -> Result<SearchMatches> {
    let few = |mut ids: Vec<i64>, bound: i32| {
        (ids.len() < bound as usize).then(|| {
            ids.sort_unstable();
            ids.dedup();
            ids
        })
    };
    let conversation_ids: Vec<i64> =
        sqlx::query_scalar("SELECT * FROM search_message_conversations($1, $2)")
            .bind(&patterns.text)
            .bind(FEW_MESSAGE_MATCHES)
            .fetch_all(&mut **tx)
            .await
            .context("searching message text")?;
    let contact_ids: Vec<i64> = sqlx::query_scalar("SELECT * FROM search_contact_ids($1, $2)")
        .bind(&patterns.contact)
        .bind(FEW_CONTACT_MATCHES)
        .fetch_all(&mut **tx)
        .await
        .context("searching contacts")?;
    Ok(SearchMatches {
        conversation_ids: few(conversation_ids, FEW_MESSAGE_MATCHES),
        contact_ids: few(contact_ids, FEW_CONTACT_MATCHES),
    })
}

/// The list query's search condition; `$11` and `$16` are the text and
/// contact patterns, `$14` and `$15` the conversations and contacts matched
/// through the rare sources.
fn search_clause(search: Option<&SearchMatches>) -> String {
    let Some(search) = search else {
        return "$11::text IS NULL AND $14::bigint[] IS NULL AND $15::bigint[] IS NULL AND $16::text IS NULL"
            .to_string();
    };
    let messages = if search.conversation_ids.is_some() {
        "c.id = ANY($14::bigint[])"
    } else {
        // A scalar subquery rather than EXISTS: the planner may turn an
        // EXISTS under OR into "collect every match, then hash", which is
        // exactly what a common term must avoid.
        "($14::bigint[] IS NULL AND COALESCE((SELECT true FROM messages m
             WHERE m.conversation_id = c.id AND m.deleted_at IS NULL
               AND m.kind IN ('incoming', 'outgoing', 'note') AND search_fold(m.body) LIKE $11
             LIMIT 1), false))"
    };
    let contacts = if search.contact_ids.is_some() {
        "c.contact_id = ANY($15::bigint[])"
    } else {
        "($15::bigint[] IS NULL AND ct.search_text LIKE $16)"
    };
    format!("$11::text IS NOT NULL AND ({messages} OR {contacts})")
}

/// Adds to each found conversation its newest message matching the term
/// (one query for the page), so the list can show and jump to it.
async fn attach_search_hits(
    db: &Db,
    actor: &Actor,
    conversations: &mut [shared::inbox::ConversationSummary],
    patterns: &SearchPatterns,
) -> Result<()> {
    if conversations.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = conversations.iter().map(|c| c.id).collect();
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let hits: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT DISTINCT ON (conversation_id) conversation_id, id, body FROM messages
          WHERE account_id = $1 AND conversation_id = ANY($2) AND deleted_at IS NULL
            AND kind IN ('incoming', 'outgoing', 'note') AND search_fold(body) LIKE $3
          ORDER BY conversation_id, id DESC",
    )
    .bind(actor.account_id)
    .bind(&ids)
    .bind(&patterns.text)
    .fetch_all(&mut *tx)
    .await
    .context("finding the matching messages")?;
    tx.commit().await.context("commit")?;
    for (conversation_id, message_id, body) in hits {
        if let Some(c) = conversations.iter_mut().find(|c| c.id == conversation_id) {
            c.search_hit = Some(shared::inbox::SearchHit {
                message_id,
                excerpt: excerpt_around(&body, &patterns.term),
            });
        }
    }
    Ok(())
}

/// About 140 characters of `body` around the first place `term` occurs
/// (compared folded), on one line.
pub fn excerpt_around(body: &str, term: &str) -> String {
    let line: Vec<char> = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let folded: Vec<char> = line
        .iter()
        .map(|c| {
            shared::text::fold(&c.to_string())
                .chars()
                .next()
                .unwrap_or(*c)
        })
        .collect();
    let wanted: Vec<char> = shared::text::fold(term.trim()).chars().collect();
    let at = (0..folded.len().saturating_sub(wanted.len().saturating_sub(1)))
        .find(|&i| folded[i..].starts_with(&wanted))
        .unwrap_or(0);
    let start = at.saturating_sub(50);
    let end = (start + 140).min(line.len());
    let mut out: String = line[start..end].iter().collect();
    if start > 0 {
        out.insert(0, '…');
    }
    if end < line.len() {
        out.push('…');
    }
    out
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub(crate) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
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
    fn like_patterns_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }

    #[test]
    fn excerpts_centre_on_the_match_ignoring_accents() {
        let body = format!(
            "{} Vocês emitem nota fiscal? {}",
            "a".repeat(100),
            "b".repeat(100)
        );
        let excerpt = excerpt_around(&body, "voces emitem");
        assert!(
            excerpt.starts_with('…') && excerpt.ends_with('…'),
            "{excerpt}"
        );
        assert!(excerpt.contains("Vocês emitem nota fiscal?"), "{excerpt}");
        assert_eq!(excerpt_around("curto", "x"), "curto");
    }

    #[test]
    fn page_sizes_out_of_range_are_refused_not_clamped() {
        assert_eq!(page_size(None).unwrap(), PAGE_SIZE);
        assert_eq!(page_size(Some(100)).unwrap(), 100);
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(101)).is_err());
    }

    #[test]
    fn tab_rows_make_the_tabs_and_the_rest_views() {
        let row = |kind: &str, key: &str, total, unread| {
            (kind.to_string(), key.to_string(), total, unread)
        };
        let counts = fold_counts(vec![
            row("tab", "mine", 3, 1),
            row("tab", "unassigned", 4, 2),
            row("tab", "others", 5, 0),
            row("department", "7", 6, 2),
            row("tag", "vip", 2, 1),
        ]);
        assert_eq!(
            (counts.mine, counts.unassigned, counts.all, counts.unread),
            (3, 4, 12, 3)
        );
        assert_eq!((counts.unread_mine, counts.unread_unassigned), (1, 2));
        assert_eq!(counts.views.len(), 2);
        assert_eq!(
            counts.view(ViewKind::Department, "7").map(|v| v.unread),
            Some(2)
        );
        assert_eq!(counts.view(ViewKind::Tag, "vip").map(|v| v.total), Some(2));
    }
}
