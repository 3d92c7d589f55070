//! The append-only, hash-chained audit log: recording, browsing, verifying.

use anyhow::Context;
use futures::TryStreamExt;
use serde_json::Value;
use shared::audit::{AuditAction, AuditEntry, AuditFilter, AuditPage};
use shared::Permission;
use sqlx::PgPool;
use uuid::Uuid;

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::secrets::{hex, sha256};

/// What an entry is about, e.g. `("user", id)`.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: String,
}

impl<'a> Target<'a> {
    pub fn new(kind: &'a str, id: impl ToString) -> Self {
        Self {
            kind,
            id: id.to_string(),
        }
    }
}

/// Records `action` by `actor` inside the caller's transaction, so the entry
/// exists exactly when the change it describes does.
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    action: AuditAction,
    target: Option<Target<'_>>,
    details: Value,
) -> anyhow::Result<()> {
    append(
        tx,
        Some(actor.account_id),
        Some(actor.user_id),
        &actor.label(),
        action,
        target,
        details,
        actor.ip.as_deref(),
    )
    .await
}

/// Records an entry whose actor is not a signed-in member (a failed sign-in,
/// say). `account_id` None writes to the platform chain.
#[allow(clippy::too_many_arguments)]
pub async fn append(
    tx: &mut Tx,
    account_id: Option<Uuid>,
    actor_user_id: Option<Uuid>,
    actor_label: &str,
    action: AuditAction,
    target: Option<Target<'_>>,
    details: Value,
    ip: Option<&str>,
) -> anyhow::Result<()> {
    let (target_type, target_id) = match target {
        Some(t) => (Some(t.kind.to_string()), Some(t.id)),
        None => (None, None),
    };
    sqlx::query("SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(account_id)
        .bind(actor_user_id)
        .bind(actor_label)
        .bind(action.as_str())
        .bind(target_type)
        .bind(target_id)
        .bind(details)
        .bind(ip)
        .execute(&mut **tx)
        .await
        .with_context(|| format!("appending audit entry {}", action.as_str()))?;
    Ok(())
}

const PAGE_SIZE: i64 = 50;

/// One page of the actor's account's audit log, newest first.
pub async fn list(db: &Db, actor: &Actor, filter: &AuditFilter) -> Result<AuditPage> {
    actor.require(Permission::ViewAuditLog)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<AuditEntry> = sqlx::query_as::<_, AuditRow>(
        "SELECT l.id, l.seq, l.created_at, l.actor_user_id, l.actor_label, l.action,
                l.target_type, l.target_id, l.details::text AS details, l.ip,
                COALESCE(CASE l.target_type
                    WHEN 'user' THEN (SELECT u.name FROM users u WHERE u.id = l.target_id::uuid)
                    WHEN 'channel' THEN (SELECT c.name FROM channels c
                                          WHERE c.account_id = $1 AND c.id = l.target_id::bigint)
                    WHEN 'department' THEN (SELECT d.name FROM departments d
                                             WHERE d.account_id = $1 AND d.id = l.target_id::bigint)
                    WHEN 'api_token' THEN (SELECT t.name FROM api_tokens t
                                            WHERE t.account_id = $1 AND t.id = l.target_id::bigint)
                    WHEN 'invitation' THEN (SELECT i.email FROM invitations i
                                             WHERE i.account_id = $1 AND i.id = l.target_id::bigint)
                    WHEN 'conversation' THEN (
                        SELECT '#' || v.number || COALESCE(' · ' || NULLIF(ct.name, ''), '')
                          FROM conversations v
                          JOIN contacts ct ON ct.account_id = v.account_id AND ct.id = v.contact_id
                         WHERE v.account_id = $1 AND v.number = l.target_id::bigint)
                    WHEN 'message' THEN '#' || (l.details->>'conversation')
                    WHEN 'account' THEN a.name
                 END, l.details->>'name', l.details->>'email') AS target_label
           FROM audit_log l, accounts a
          WHERE a.id = $1 AND l.account_id = $1
            AND ($2::uuid IS NULL OR l.actor_user_id = $2)
            AND ($3::text IS NULL OR l.action = $3)
            AND ($4::date IS NULL OR l.created_at >= ($4::date::timestamp AT TIME ZONE a.timezone))
            AND ($5::date IS NULL OR l.created_at < (($5::date + 1)::timestamp AT TIME ZONE a.timezone))
            AND ($6::bigint IS NULL OR l.seq < $6)
          ORDER BY l.seq DESC
          LIMIT $7",
    )
    .bind(actor.account_id)
    .bind(filter.actor_user_id)
    .bind(filter.action.as_deref().filter(|a| !a.is_empty()))
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.before_seq)
    .bind(PAGE_SIZE + 1)
    .fetch_all(&mut *tx)
    .await
    .context("listing audit entries")?
    .into_iter()
    .map(AuditEntry::from)
    .collect();
    tx.commit().await.context("commit")?;
    Ok(page_of(rows))
}

fn page_of(mut entries: Vec<AuditEntry>) -> AuditPage {
    let has_more = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    let next_cursor = if has_more {
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    AuditPage {
        entries,
        next_cursor,
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    seq: i64,
    created_at: chrono::DateTime<chrono::Utc>,
    actor_user_id: Option<Uuid>,
    actor_label: String,
    action: String,
    target_type: Option<String>,
    target_id: Option<String>,
    details: String,
    ip: Option<String>,
    target_label: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            seq: r.seq,
            created_at: r.created_at,
            actor_user_id: r.actor_user_id,
            actor_label: r.actor_label,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            details: r.details,
            ip: r.ip,
            target_label: r.target_label,
        }
    }
}

// Verification ------------------------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
pub struct ChainProblem {
    pub account_id: Option<Uuid>,
    pub seq: i64,
    pub reason: &'static str,
}

#[derive(Debug, Default)]
pub struct VerifyReport {
    pub chains: usize,
    pub entries: u64,
    pub problems: Vec<ChainProblem>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(sqlx::FromRow)]
struct StoredEntry {
    account_id: Option<Uuid>,
    seq: i64,
    created_ms: i64,
    actor_user_id: Option<Uuid>,
    actor_label: String,
    action: String,
    target_type: Option<String>,
    target_id: Option<String>,
    details: String,
    ip: Option<String>,
    prev_hash: Option<Vec<u8>>,
    hash: Vec<u8>,
}

impl StoredEntry {
    /// The same text `audit_entry_material()` hashes, built independently.
    fn material(&self) -> String {
        [
            self.account_id.map(|id| id.to_string()).unwrap_or_default(),
            self.seq.to_string(),
            self.created_ms.to_string(),
            self.actor_user_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            self.actor_label.clone(),
            self.action.clone(),
            self.target_type.clone().unwrap_or_default(),
            self.target_id.clone().unwrap_or_default(),
            self.details.clone(),
            self.ip.clone().unwrap_or_default(),
            self.prev_hash.as_deref().map(hex).unwrap_or_default(),
        ]
        .join("\u{1f}")
    }
}

/// Walks every chain (as the owner, across accounts) and recomputes each
/// hash: an edited, inserted or deleted entry breaks the chain where it is.
pub async fn verify(owner: &PgPool) -> anyhow::Result<VerifyReport> {
    let mut rows = sqlx::query_as::<_, StoredEntry>(
        "SELECT account_id, seq, (extract(epoch FROM created_at) * 1000)::bigint AS created_ms,
                actor_user_id, actor_label, action, target_type, target_id,
                details::text AS details, ip, prev_hash, hash
           FROM audit_log
          ORDER BY COALESCE(account_id, '00000000-0000-0000-0000-000000000000'::uuid), seq",
    )
    .fetch(owner);

    let mut report = VerifyReport::default();
    let mut current_chain: Option<Option<Uuid>> = None;
    let mut previous: Option<(i64, Vec<u8>)> = None;
    while let Some(entry) = rows.try_next().await.context("reading the audit log")? {
        if current_chain != Some(entry.account_id) {
            current_chain = Some(entry.account_id);
            previous = None;
            report.chains += 1;
        }
        report.entries += 1;
        let problem = |reason| ChainProblem {
            account_id: entry.account_id,
            seq: entry.seq,
            reason,
        };
        let expected_seq = previous.as_ref().map_or(1, |(seq, _)| seq + 1);
        if entry.seq != expected_seq {
            report
                .problems
                .push(problem("sequence gap: an entry is missing"));
        }
        let expected_prev = previous.as_ref().map(|(_, hash)| hash.as_slice());
        if entry.prev_hash.as_deref() != expected_prev {
            report
                .problems
                .push(problem("link broken: previous hash does not match"));
        }
        if sha256(entry.material().as_bytes()).as_slice() != entry.hash.as_slice() {
            report
                .problems
                .push(problem("content altered: hash does not match"));
        }
        previous = Some((entry.seq, entry.hash));
    }
    Ok(report)
}
