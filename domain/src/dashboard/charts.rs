//! The dashboard charts' data: new conversations by day, channel,
//! department, weekday and hour; resolutions by day, time taken and
//! category; agents' replies per hour.

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use shared::dashboard::{resolution_bucket, DayCount, NamedCount, RESOLUTION_BUCKETS};
use std::collections::HashMap;

use super::{ConversationScope, CONVERSATIONS_IN_SCOPE};
use crate::db::Tx;
use crate::reports::{Scope, EVENTS_IN_SCOPE};

impl ConversationScope {
    fn bind<'q>(
        &'q self,
        sql: &'q str,
        scope: &Scope,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        sqlx::query(sql)
            .bind(scope.account_id)
            .bind(self.departments.clone())
            .bind(scope.agent_ids())
            .bind(start)
            .bind(end)
    }

    pub(super) async fn count(&self, tx: &mut Tx, scope: &Scope) -> anyhow::Result<i64> {
        let sql = format!("SELECT count(*) FROM conversations c WHERE {CONVERSATIONS_IN_SCOPE}");
        let row = self
            .bind(&sql, scope, scope.start, scope.end)
            .fetch_one(&mut **tx)
            .await?;
        Ok(sqlx::Row::get(&row, 0))
    }

    pub(super) async fn per_named(
        &self,
        tx: &mut Tx,
        scope: &Scope,
        name: &str,
        join: &str,
    ) -> anyhow::Result<Vec<NamedCount>> {
        let sql = format!(
            "SELECT {name} AS name, count(*) AS n FROM conversations c {join}
              WHERE {CONVERSATIONS_IN_SCOPE} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 12"
        );
        let rows = self
            .bind(&sql, scope, scope.start, scope.end)
            .fetch_all(&mut **tx)
            .await
            .context("counting conversations by group")?;
        Ok(rows
            .iter()
            .map(|row| NamedCount {
                name: sqlx::Row::get(row, 0),
                count: sqlx::Row::get(row, 1),
            })
            .collect())
    }

    pub(super) async fn heatmap(
        &self,
        tx: &mut Tx,
        scope: &Scope,
    ) -> anyhow::Result<Vec<Vec<i64>>> {
        let sql = format!(
            "SELECT extract(isodow FROM c.created_at AT TIME ZONE $6)::int,
                    extract(hour FROM c.created_at AT TIME ZONE $6)::int, count(*)
               FROM conversations c WHERE {CONVERSATIONS_IN_SCOPE} GROUP BY 1, 2"
        );
        let rows = self
            .bind(&sql, scope, scope.start, scope.end)
            .bind(&self.timezone)
            .fetch_all(&mut **tx)
            .await
            .context("counting conversations by weekday and hour")?;
        let mut grid = vec![vec![0; 24]; 7];
        for row in rows {
            let (weekday, hour, n): (i32, i32, i64) = (
                sqlx::Row::get(&row, 0),
                sqlx::Row::get(&row, 1),
                sqlx::Row::get(&row, 2),
            );
            if let Some(cell) = grid
                .get_mut((weekday - 1) as usize)
                .and_then(|day| day.get_mut(hour as usize))
            {
                *cell = n;
            }
        }
        Ok(grid)
    }
}

pub(super) async fn per_day(
    tx: &mut Tx,
    scope: &Scope,
    conversations: &ConversationScope,
) -> anyhow::Result<Vec<DayCount>> {
    let sql = format!(
        "SELECT (c.created_at AT TIME ZONE $6)::date, count(*) FROM conversations c
          WHERE {CONVERSATIONS_IN_SCOPE} GROUP BY 1"
    );
    let created: HashMap<NaiveDate, i64> = conversations
        .bind(&sql, scope, scope.start, scope.end)
        .bind(&conversations.timezone)
        .fetch_all(&mut **tx)
        .await
        .context("counting new conversations per day")?
        .iter()
        .map(|row| (sqlx::Row::get(row, 0), sqlx::Row::get(row, 1)))
        .collect();
    let resolved: HashMap<NaiveDate, i64> = sqlx::query_as(&format!(
        "SELECT (e.occurred_at AT TIME ZONE $7)::date, count(*) FROM productivity_events e
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE} GROUP BY 1"
    ))
    .bind(scope.account_id)
    .bind(scope.agent_ids())
    .bind(scope.start)
    .bind(scope.end)
    .bind(&scope.channels)
    .bind(&scope.categories)
    .bind(&conversations.timezone)
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
/// are recorded (migration 0010).
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
    let seconds: Vec<Option<i32>> = sqlx::query_scalar(&format!(
        "SELECT e.seconds FROM productivity_events e
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE}"
    ))
    .bind(scope.account_id)
    .bind(scope.agent_ids())
    .bind(scope.start)
    .bind(scope.end)
    .bind(&scope.channels)
    .bind(&scope.categories)
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
    let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT c.name, count(*) FROM productivity_events e
           JOIN conversation_categories cc ON cc.conversation_id = e.conversation_id
           JOIN categories c ON c.id = cc.category_id
          WHERE e.kind = 'conversation_resolved' AND {EVENTS_IN_SCOPE}
          GROUP BY c.name ORDER BY 2 DESC, 1 LIMIT 12"
    ))
    .bind(scope.account_id)
    .bind(scope.agent_ids())
    .bind(scope.start)
    .bind(scope.end)
    .bind(&scope.channels)
    .bind(&scope.categories)
    .fetch_all(&mut **tx)
    .await
    .context("counting resolutions per category")?;
    Ok(rows
        .into_iter()
        .map(|(name, count)| NamedCount { name, count })
        .collect())
}
