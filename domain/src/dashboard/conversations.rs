//! New conversations the viewer may count, by day, weekday × hour, channel
//! and department, in one grouped scan of the covering index
//! (`conversations_created_idx`); and the conversations open now.

use anyhow::Context;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use shared::dashboard::NamedCount;
use std::collections::HashMap;

use crate::db::Tx;
use crate::reports::{BeforeAndAfter, Scope};

/// Conversations the viewer may count: $1 account, $2 the supervisor's
/// departments (NULL: all), $3 their agents, $4..$5 the instants.
const CONVERSATIONS_IN_SCOPE: &str = "c.account_id = $1
    AND ($2::bigint[] IS NULL OR c.department_id = ANY($2) OR c.assignee_id = ANY($3))
    AND c.created_at >= $4 AND c.created_at < $5";

/// Charts list at most this many channels or departments.
const LARGEST_GROUPS: usize = 12;

pub(crate) struct ConversationScope {
    /// `None` for admins (every conversation); a supervisor's departments.
    pub departments: Option<Vec<i64>>,
    pub timezone: String,
}

/// New conversations in a period, grouped every way the dashboard shows them.
#[derive(Default)]
pub(super) struct NewConversations {
    pub total: i64,
    /// By day in the account's time zone.
    pub per_day: HashMap<NaiveDate, i64>,
    /// Monday first, 24 hours each, in the account's time zone.
    pub heatmap: Vec<Vec<i64>>,
    pub per_channel: Vec<NamedCount>,
    pub per_department: Vec<NamedCount>,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    group_kind: String,
    local_hour: Option<NaiveDateTime>,
    name: Option<String>,
    n: i64,
}

impl ConversationScope {
    fn query<'q, O>(
        &self,
        sql: &'q str,
        scope: &Scope,
    ) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        sqlx::query_as(sql)
            .bind(scope.account_id)
            .bind(self.departments.clone())
            .bind(scope.agent_ids())
            .bind(scope.start)
            .bind(scope.end)
    }

    /// How many conversations were created in `scope`'s period.
    pub(super) async fn count(&self, tx: &mut Tx, scope: &Scope) -> anyhow::Result<i64> {
        let sql = format!("SELECT count(*) FROM conversations c WHERE {CONVERSATIONS_IN_SCOPE}");
        let (n,): (i64,) = self
            .query(&sql, scope)
            .fetch_one(&mut **tx)
            .await
            .context("counting new conversations")?;
        Ok(n)
    }

    /// Every grouping of the period's new conversations, from one scan:
    /// each row is a local hour, a channel or a department.
    pub(super) async fn new_in(
        &self,
        tx: &mut Tx,
        scope: &Scope,
    ) -> anyhow::Result<NewConversations> {
        let sql = format!(
            "SELECT t.group_kind, t.local_hour, coalesce(ch.name, d.name, '') AS name, t.n
               FROM (SELECT CASE WHEN GROUPING(c.channel_id) = 0 THEN 'channel'
                                 WHEN GROUPING(c.department_id) = 0 THEN 'department'
                                 ELSE 'hour' END AS group_kind,
                            date_trunc('hour', c.created_at AT TIME ZONE $6) AS local_hour,
                            c.channel_id, c.department_id, count(*) AS n
                       FROM conversations c WHERE {CONVERSATIONS_IN_SCOPE}
                      GROUP BY GROUPING SETS ((2), (c.channel_id), (c.department_id))) t
               LEFT JOIN channels ch ON ch.id = t.channel_id
               LEFT JOIN departments d ON d.id = t.department_id"
        );
        let rows: Vec<GroupRow> = self
            .query(&sql, scope)
            .bind(&self.timezone)
            .fetch_all(&mut **tx)
            .await
            .context("counting new conversations by hour, channel and department")?;
        Ok(NewConversations::from_groups(rows))
    }

    /// The share of SLA clocks met, of those that ended in each period: a
    /// clock ends when it is met (the first response, the resolution) or
    /// breached (recorded by the sweeper within seconds of its due time).
    pub(super) async fn sla_compliance(
        &self,
        tx: &mut Tx,
        current: &Scope,
        previous: &Scope,
    ) -> anyhow::Result<BeforeAndAfter<Option<f64>>> {
        let (met_now, ended_now, met_before, ended_before): (i64, i64, i64, i64) = sqlx::query_as(
            // Each clock found by when it ended (the expressions of the
            // indexes of migration 0038).
            "WITH ended AS (
                SELECT COALESCE(c.sla_first_response_breached_at, c.first_response_at) AS at,
                       c.sla_first_response_breached_at IS NULL AS met
                  FROM conversations c
                 WHERE c.account_id = $1 AND c.sla_first_response_due_at IS NOT NULL
                   AND COALESCE(c.sla_first_response_breached_at, c.first_response_at) >= $4
                   AND COALESCE(c.sla_first_response_breached_at, c.first_response_at) < $6
                   AND ($2::bigint[] IS NULL OR c.department_id = ANY($2) OR c.assignee_id = ANY($3))
                UNION ALL
                SELECT COALESCE(c.sla_resolution_breached_at, c.resolved_at),
                       c.sla_resolution_breached_at IS NULL
                  FROM conversations c
                 WHERE c.account_id = $1 AND c.sla_resolution_due_at IS NOT NULL
                   AND COALESCE(c.sla_resolution_breached_at, c.resolved_at) >= $4
                   AND COALESCE(c.sla_resolution_breached_at, c.resolved_at) < $6
                   AND ($2::bigint[] IS NULL OR c.department_id = ANY($2) OR c.assignee_id = ANY($3)))
             SELECT count(*) FILTER (WHERE met AND at >= $5), count(*) FILTER (WHERE at >= $5),
                    count(*) FILTER (WHERE met AND at < $5), count(*) FILTER (WHERE at < $5)
               FROM ended",
        )
        .bind(current.account_id)
        .bind(self.departments.clone())
        .bind(current.agent_ids())
        .bind(previous.start)
        .bind(current.start)
        .bind(current.end)
        .fetch_one(&mut **tx)
        .await
        .context("measuring SLA compliance")?;
        Ok(BeforeAndAfter {
            after: shared::reports::share(met_now, ended_now),
            before: shared::reports::share(met_before, ended_before),
        })
    }

    /// Conversations open now and, of those, unassigned ones waiting in
    /// the queue.
    pub(super) async fn open_and_waiting(
        &self,
        tx: &mut Tx,
        scope: &Scope,
    ) -> anyhow::Result<(i64, i64)> {
        sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE c.status = 'open' AND c.assignee_id IS NULL)
               FROM conversations c
              WHERE c.account_id = $1 AND c.status IN ('open', 'in_progress', 'waiting')
                AND ($2::bigint[] IS NULL OR c.department_id = ANY($2) OR c.assignee_id = ANY($3))",
        )
        .bind(scope.account_id)
        .bind(self.departments.clone())
        .bind(scope.agent_ids())
        .fetch_one(&mut **tx)
        .await
        .context("counting open conversations")
    }
}

impl NewConversations {
    fn from_groups(rows: Vec<GroupRow>) -> Self {
        let mut new = NewConversations {
            heatmap: vec![vec![0; 24]; 7],
            ..Self::default()
        };
        for row in rows {
            match (row.group_kind.as_str(), row.local_hour) {
                ("hour", Some(hour)) => {
                    new.total += row.n;
                    *new.per_day.entry(hour.date()).or_default() += row.n;
                    let weekday = hour.date().weekday().num_days_from_monday() as usize;
                    if let Some(cell) = new
                        .heatmap
                        .get_mut(weekday)
                        .and_then(|day| day.get_mut(hour.hour() as usize))
                    {
                        *cell += row.n;
                    }
                }
                ("channel", _) => new.per_channel.push(named(row)),
                ("department", _) => new.per_department.push(named(row)),
                _ => {}
            }
        }
        largest_first(&mut new.per_channel);
        largest_first(&mut new.per_department);
        new
    }
}

fn named(row: GroupRow) -> NamedCount {
    NamedCount {
        name: row.name.unwrap_or_default(),
        count: row.n,
    }
}

/// Largest first (ties by name), cut to what a chart can show.
fn largest_first(groups: &mut Vec<NamedCount>) {
    groups.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    groups.truncate(LARGEST_GROUPS);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, hour: Option<&str>, name: Option<&str>, n: i64) -> GroupRow {
        GroupRow {
            group_kind: kind.into(),
            local_hour: hour.map(|h| NaiveDateTime::parse_from_str(h, "%Y-%m-%d %H:%M").unwrap()),
            name: name.map(Into::into),
            n,
        }
    }

    #[test]
    fn groups_fill_days_the_weekday_grid_and_ranked_names() {
        let new = NewConversations::from_groups(vec![
            // 2026-11-30 is a Monday.
            row("hour", Some("2026-11-30 09:00"), None, 3),
            row("hour", Some("2026-11-30 17:00"), None, 2),
            row("hour", Some("2026-12-06 23:00"), None, 1),
            row("channel", None, Some("Site"), 2),
            row("channel", None, Some("WhatsApp"), 4),
            row("department", None, None, 6),
        ]);
        assert_eq!(new.total, 6);
        let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(new.per_day.get(&monday), Some(&5));
        assert_eq!(new.heatmap[0][9], 3);
        assert_eq!(new.heatmap[0][17], 2);
        assert_eq!(new.heatmap[6][23], 1);
        assert_eq!(new.heatmap.iter().flatten().sum::<i64>(), 6);
        let channels: Vec<_> = new
            .per_channel
            .iter()
            .map(|c| (c.name.as_str(), c.count))
            .collect();
        assert_eq!(channels, [("WhatsApp", 4), ("Site", 2)]);
        assert_eq!(new.per_department[0].name, "");
    }

    #[test]
    fn charts_keep_the_largest_groups() {
        let rows = (0..20)
            .map(|n| row("channel", None, Some(&format!("c{n:02}")), n))
            .collect();
        let new = NewConversations::from_groups(rows);
        assert_eq!(new.per_channel.len(), LARGEST_GROUPS);
        assert_eq!(new.per_channel[0].count, 19);
    }
}
