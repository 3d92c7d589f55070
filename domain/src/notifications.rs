//! In-app notifications (for now: being @mentioned in an internal note).

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::Notification;
use uuid::Uuid;

use crate::actor::Actor;
use crate::db::Db;
use crate::error::Result;

const NOTIFICATION_SELECT: &str = "
    SELECT n.id, c.number, u.name AS actor_name, left(COALESCE(m.body, ''), 160) AS excerpt, n.created_at, n.read_at IS NOT NULL AS read
      FROM notifications n
      LEFT JOIN conversations c ON c.id = n.conversation_id
      LEFT JOIN users u ON u.id = n.actor_id
      LEFT JOIN messages m ON m.id = n.message_id";

type Row = (
    i64,
    Option<i64>,
    Option<String>,
    String,
    DateTime<Utc>,
    bool,
);

fn from_row((id, conversation_number, actor_name, excerpt, created_at, read): Row) -> Notification {
    Notification {
        id,
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
