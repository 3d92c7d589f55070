//! Catching up: what changed since a moment, for browsers resyncing after a
//! dropped connection.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::Changes;

use super::visibility::visible_sql;
use super::{visible_summary, SummaryRow, SUMMARY_SELECT};
use crate::actor::Actor;
use crate::db::Db;
use crate::error::Result;

/// Conversations returned per call; `has_more` asks the browser for the next
/// batch (from the returned `server_time` cursor onwards).
pub const CHANGES_PAGE: usize = 200;

/// What changed since `since` (minus a safety margin for transactions that
/// committed late), oldest change first, at most [`CHANGES_PAGE`]
/// conversations. With `has_more`, call again with `since = server_time`
/// and `after = next_after`: the next page continues exactly after the last
/// row (by change time, then id), so paging never skips or repeats, even
/// when many rows changed in the same instant.
pub async fn changes_since(
    db: &Db,
    actor: &Actor,
    since: DateTime<Utc>,
    after: Option<i64>,
    open_conversation: Option<i64>,
) -> Result<Changes> {
    let (from, position) = match after {
        None => (
            since - chrono::Duration::seconds(5),
            "c.updated_at >= $4 AND $6::bigint IS NULL",
        ),
        Some(_) => (since, "(c.updated_at, c.id) > ($4, $6)"),
    };
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let server_time: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *tx)
        .await
        .context("clock")?;
    let scope = crate::access::scope_in(&mut tx, actor).await?;
    let visible = visible_sql("$1", "$2", "$7");
    let sql = format!(
        "{SUMMARY_SELECT} WHERE c.account_id = $3 AND {position} AND {visible}
          ORDER BY c.updated_at, c.id LIMIT $5"
    );
    let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
        .bind(scope.user_id)
        .bind(scope.departments.as_sql())
        .bind(actor.account_id)
        .bind(from)
        .bind(CHANGES_PAGE as i64 + 1)
        .bind(after)
        .bind(scope.channels.as_sql())
        .fetch_all(&mut *tx)
        .await
        .context("listing changed conversations")?;
    let has_more = rows.len() > CHANGES_PAGE;
    let conversations: Vec<_> = rows
        .into_iter()
        .take(CHANGES_PAGE)
        .map(|r| r.into_summary(true))
        .collect();
    let (next_since, next_after) = match conversations.last() {
        Some(last) if has_more => (last.updated_at, Some(last.id)),
        _ => (server_time, None),
    };
    // Messages of the open conversation come with the first page.
    let messages = match (open_conversation, after) {
        (Some(number), None) => {
            let summary = visible_summary(&mut tx, actor, number).await?;
            crate::messages::changed_since(&mut tx, actor, summary.id, from).await?
        }
        _ => vec![],
    };
    tx.commit().await.context("commit")?;
    Ok(Changes {
        conversations,
        messages,
        server_time: next_since,
        has_more,
        next_after,
    })
}
