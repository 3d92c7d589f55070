//! In-app notifications: mentions, transfers, SLA breaches, low scores —
//! each only to someone who may see its conversation — and, to the
//! account's admins, connections that went down and AI providers that keep
//! failing.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::{Notification, NotificationKind};
use uuid::Uuid;

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::realtime::{self, Signal};

/// Tells `user_id` about something `actor` did in a conversation (a mention,
/// a conversation handed to them), in their bell and live.
pub(crate) async fn notify(
    tx: &mut Tx,
    actor: &Actor,
    user_id: Uuid,
    kind: NotificationKind,
    conversation_id: i64,
    message_id: i64,
) -> anyhow::Result<()> {
    insert(
        tx,
        actor.account_id,
        Some(actor.user_id),
        user_id,
        kind,
        conversation_id,
        message_id,
    )
    .await
}

/// A notification nobody caused (the clock: an SLA breach).
pub(crate) async fn notify_from_system(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
    kind: NotificationKind,
    conversation_id: i64,
    message_id: i64,
) -> anyhow::Result<()> {
    insert(
        tx,
        account_id,
        None,
        user_id,
        kind,
        conversation_id,
        message_id,
    )
    .await
}

/// Something wrong with the account's setup, for its admins to fix.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AdminAlert {
    /// A connection went down (they are e-mailed too, once per incident).
    ConnectionDown { channel_id: i64 },
    /// The AI provider keeps failing (the offline engine answers meanwhile).
    AiProviderFailing { provider_id: i64 },
    /// A rule kept failing and was switched off.
    RuleDisabled { rule_id: i64 },
}

/// Rings every active admin's bell about `alert`, live.
pub(crate) async fn alert_admins(
    tx: &mut Tx,
    account_id: Uuid,
    alert: AdminAlert,
) -> anyhow::Result<()> {
    let (kind, channel_id, provider_id, rule_id) = match alert {
        AdminAlert::ConnectionDown { channel_id } => (
            NotificationKind::ConnectionDown,
            Some(channel_id),
            None,
            None,
        ),
        AdminAlert::AiProviderFailing { provider_id } => (
            NotificationKind::AiProviderFailing,
            None,
            Some(provider_id),
            None,
        ),
        AdminAlert::RuleDisabled { rule_id } => {
            (NotificationKind::RuleDisabled, None, None, Some(rule_id))
        }
    };
    let created: Vec<(Uuid, i64)> = sqlx::query_as(
        "INSERT INTO notifications (account_id, user_id, kind, channel_id, ai_provider_id, rule_id)
         SELECT m.account_id, m.user_id, $2, $3, $4, $5 FROM memberships m
          WHERE m.account_id = $1 AND m.active AND m.role = 'global_admin'
         RETURNING user_id, id",
    )
    .bind(account_id)
    .bind(kind)
    .bind(channel_id)
    .bind(provider_id)
    .bind(rule_id)
    .fetch_all(&mut **tx)
    .await
    .context("alerting the admins")?;
    for (user_id, notification_id) in created {
        signal(tx, account_id, user_id, notification_id).await?;
    }
    Ok(())
}

/// A rule's alert about a conversation, with its text, to one of the
/// conversation's managers (who may see it: see `managers_of`).
pub(crate) async fn rule_alert(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
    conversation_id: i64,
    rule_id: i64,
    detail: &str,
) -> anyhow::Result<()> {
    let notification_id: i64 = sqlx::query_scalar(
        "INSERT INTO notifications (account_id, user_id, kind, conversation_id, rule_id, detail)
         VALUES ($1, $2, 'rule_alert', $3, $4, $5) RETURNING id",
    )
    .bind(account_id)
    .bind(user_id)
    .bind(conversation_id)
    .bind(rule_id)
    .bind(detail)
    .fetch_one(&mut **tx)
    .await
    .context("ringing the bell for a rule")?;
    signal(tx, account_id, user_id, notification_id).await
}

/// Stores and signals a notification — only for someone who may see the
/// conversation (the visibility rule, with the recipient's scope).
async fn insert(
    tx: &mut Tx,
    account_id: Uuid,
    actor_id: Option<Uuid>,
    user_id: Uuid,
    kind: NotificationKind,
    conversation_id: i64,
    message_id: i64,
) -> anyhow::Result<()> {
    let placed: Option<(Option<Uuid>, Option<i64>, i64)> = sqlx::query_as(
        "SELECT assignee_id, department_id, channel_id FROM conversations
          WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(conversation_id)
    .fetch_optional(&mut **tx)
    .await
    .context("placing the conversation")?;
    let recipient = crate::access::member_scope(tx, account_id, user_id).await?;
    let sees = match (placed, recipient) {
        (Some((assignee, department, channel)), Some(scope)) => {
            scope.sees(assignee, department, channel)
        }
        _ => false,
    };
    if !sees {
        return Ok(());
    }
    let notification_id: i64 = sqlx::query_scalar(
        "INSERT INTO notifications (account_id, user_id, kind, conversation_id, message_id, actor_id)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(account_id)
    .bind(user_id)
    .bind(kind)
    .bind(conversation_id)
    .bind(message_id)
    .bind(actor_id)
    .fetch_one(&mut **tx)
    .await
    .context("creating notification")?;
    signal(tx, account_id, user_id, notification_id).await
}

/// Delivers the notification to its owner's open tabs after the commit.
async fn signal(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
    notification_id: i64,
) -> anyhow::Result<()> {
    realtime::publish(
        tx,
        account_id,
        Signal::Notification {
            user_id,
            notification_id,
        },
    )
    .await
}

/// A mention quotes the note; a transfer its note, or else what the
/// customer last said; a connection alert names the connection and what its
/// provider said, an AI provider's its latest failure.
const NOTIFICATION_SELECT: &str = "
    SELECT n.id, n.kind, c.number, u.name AS actor_name,
           left(COALESCE(n.detail, NULLIF(m.body, ''), m.activity->>'note',
                         CASE WHEN n.kind = 'rule_disabled' THEN rl.name || COALESCE(': ' || rl.disabled_reason, '') END,
                         c.last_message_preview,
                         ch.name || COALESCE(': ' || ch.health_detail, ''),
                         ap.name || COALESCE(': ' || (SELECT f.error FROM ai_calls f
                                                       WHERE f.provider_id = ap.id AND NOT f.ok
                                                       ORDER BY f.id DESC LIMIT 1), ''),
                         ''), 160) AS excerpt,
           n.created_at, n.read_at IS NOT NULL AS read
      FROM notifications n
      LEFT JOIN conversations c ON c.id = n.conversation_id
      LEFT JOIN channels ch ON ch.id = n.channel_id
      LEFT JOIN ai_providers ap ON ap.id = n.ai_provider_id
      LEFT JOIN rules rl ON rl.id = n.rule_id
      LEFT JOIN users u ON u.id = n.actor_id
      LEFT JOIN messages m ON m.id = n.message_id";

type Row = (
    i64,
    NotificationKind,
    Option<i64>,
    Option<String>,
    String,
    DateTime<Utc>,
    bool,
);

fn from_row(
    (id, kind, conversation_number, actor_name, excerpt, created_at, read): Row,
) -> Notification {
    Notification {
        id,
        kind,
        conversation_number,
        actor_name,
        excerpt,
        created_at,
        read,
    }
}

/// The actor's latest notifications, unread first.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Notification>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{NOTIFICATION_SELECT} WHERE n.user_id = $1 ORDER BY (n.read_at IS NULL) DESC, n.id DESC LIMIT 30"
    ))
    .bind(actor.user_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing notifications")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// One notification, for delivering it in real time to its owner.
pub async fn by_id(db: &Db, account_id: Uuid, id: i64) -> Result<Option<Notification>> {
    let mut tx = db.tenant(account_id, None).await?;
    let row: Option<Row> = sqlx::query_as(&format!("{NOTIFICATION_SELECT} WHERE n.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .context("reading notification")?;
    tx.commit().await.context("commit")?;
    Ok(row.map(from_row))
}

/// Marks one of the actor's notifications read (opening it from the bell).
pub async fn mark_read(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    sqlx::query(
        "UPDATE notifications SET read_at = now()
          WHERE account_id = $1 AND user_id = $2 AND id = $3 AND read_at IS NULL",
    )
    .bind(actor.account_id)
    .bind(actor.user_id)
    .bind(id)
    .execute(&mut *tx)
    .await
    .context("marking the notification read")?;
    tx.commit().await.context("commit")?;
    Ok(())
}

pub async fn mark_all_read(db: &Db, actor: &Actor) -> Result<()> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    sqlx::query(
        "UPDATE notifications SET read_at = now()
          WHERE account_id = $1 AND user_id = $2 AND read_at IS NULL",
    )
    .bind(actor.account_id)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await
    .context("marking notifications read")?;
    tx.commit().await.context("commit")?;
    Ok(())
}
