//! The dashboard charts' data beyond new conversations (conversations.rs):
//! resolutions by day, time taken and category; agents' replies per hour.

use anyhow::Context;
use chrono::{Duration, NaiveDate};
use shared::dashboard::{resolution_bucket, DayCount, NamedCount, RESOLUTION_BUCKETS};
use std::collections::HashMap;

use crate::db::Tx;
use crate::reports::{Scope, EVENTS_IN_SCOPE};

/// New conversations (counted with the others in one scan) and
/// resolutions on each day of the period.
pub(super) async fn per_day(
    tx: &mut Tx,
    scope: &Scope,
    timezone: &str,
    created: &HashMap<NaiveDate, i64>,
) -> anyhow::Result<Vec<DayCount>> {
    let resolved: HashMap<NaiveDate, i64> = sqlx::query_as_with(
        &format!(
            "SELECT (e.occurred_at AT TIME ZONE $7)::date, count(*) FROM productivity_events e
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE} GROUP BY 1"
        ),
        scope.event_arguments()?,
    )
    .bind(timezone)
    .fetch_all(&mut **tx)
    .await
    .context("counting resolutions per day")?
    .into_iter()
    .collect();
    let days = (scope.to - scope.from).num_days();
    Ok((0..=days)
        .map(|n| {
            let date = scope.from + Duration::days(n);
            DayCount {
                date,
                created: created.get(&date).copied().unwrap_or(0),
                resolved: resolved.get(&date).copied().unwrap_or(0),
            }
        })
        .collect())
}

/// Agents' replies per hour of the day, from the hourly tally kept as they
/// are recorded (migration 0010; read from its covering index, 0011).
pub(super) async fn per_hour(
    tx: &mut Tx,
    scope: &Scope,
    timezone: &str,
) -> anyhow::Result<Vec<i64>> {
    let rows: Vec<(i32, i64)> = sqlx::query_as(
        "SELECT extract(hour FROM h.hour AT TIME ZONE $5)::int, sum(h.messages)::bigint
           FROM agent_hourly_messages h
          WHERE h.account_id = $1 AND h.user_id = ANY($2) AND h.hour >= $3 AND h.hour < $4
          GROUP BY 1",
    )
    .bind(scope.account_id)
    .bind(scope.agent_ids())
    .bind(scope.start)
    .bind(scope.end)
    .bind(timezone)
    .fetch_all(&mut **tx)
    .await
    .context("counting messages per hour")?;
    let mut hours = vec![0; 24];
    for (hour, n) in rows {
        if let Some(slot) = hours.get_mut(hour as usize) {
            *slot = n;
        }
    }
    Ok(hours)
}

pub(super) async fn resolution_times(tx: &mut Tx, scope: &Scope) -> anyhow::Result<Vec<i64>> {
    let seconds: Vec<Option<i32>> = sqlx::query_scalar_with(
        &format!(
            "SELECT e.seconds FROM productivity_events e
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE}"
        ),
        scope.event_arguments()?,
    )
    .fetch_all(&mut **tx)
    .await
    .context("reading resolution times")?;
    let mut buckets = vec![0; RESOLUTION_BUCKETS.len()];
    for s in seconds.into_iter().flatten() {
        buckets[resolution_bucket(i64::from(s))] += 1;
    }
    Ok(buckets)
}

pub(super) async fn per_category(tx: &mut Tx, scope: &Scope) -> anyhow::Result<Vec<NamedCount>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as_with(
        &format!(
            "SELECT cc.category_id, count(*) FROM productivity_events e
           JOIN conversation_categories cc ON cc.conversation_id = e.conversation_id
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE}
          GROUP BY cc.category_id ORDER BY 2 DESC, 1 LIMIT 12"
        ),
        scope.event_arguments()?,
    )
    .fetch_all(&mut **tx)
    .await
    .context("counting resolutions per category")?;
    let tree = crate::categories::list_in(tx).await?;
    Ok(rows
        .into_iter()
        .map(|(id, count)| NamedCount {
            name: shared::categories::path(&tree, id),
            count,
        })
        .collect())
}
