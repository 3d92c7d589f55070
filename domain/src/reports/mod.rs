//! Reports on agents' work: the work log, productivity, categorization,
//! idle analysis and AI quality. Each is one row per agent the viewer may see (admins:
//! everyone; supervisors: their departments' agents; agents: themselves),
//! over whole days in the account's time zone. The page, the REST API, the
//! CSV and the PDF all come from the same functions (docs/METRICS.md).

mod categorization;
pub mod csv;
mod export;
pub mod export_jobs;
mod filter_names;
mod idle;
pub mod pdf;
mod productivity;
mod quality;
pub mod schedules;
mod work_log;

pub use categorization::{categorization, CategorizationReport};
pub use export::{export, ExportFile};
pub use idle::{idle, IdleReport};
pub use productivity::{productivity, ProductivityReport};
pub use quality::{quality, QualityReport};
pub use work_log::{work_log, WorkLogReport};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use shared::reports::{Cell, ReportAgent, ReportFilter, ReportKind, ReportTable, TableRow};
use sqlx::postgres::PgArguments;
use sqlx::{Arguments, Encode, Postgres, Type};
use uuid::Uuid;

use crate::activity::visible_agents;
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

pub(crate) use productivity::{outcomes_by_agent, BeforeAndAfter};

/// What a report covers, resolved: the days and their instants, and the
/// agents (already cut to what the viewer may see).
#[derive(Clone)]
pub(crate) struct Scope {
    pub account_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The start of `from` and the end of `to`, in the account's time zone.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub agents: Vec<ReportAgent>,
    pub channels: Vec<i64>,
    pub categories: Vec<i64>,
}

impl Scope {
    pub fn agent_ids(&self) -> Vec<Uuid> {
        self.agents.iter().map(|a| a.id).collect()
    }

    /// [`EVENTS_IN_SCOPE`]'s parameters, $1 to $6 (a query binds its own
    /// from $7 on).
    pub fn event_arguments(&self) -> anyhow::Result<PgArguments> {
        let mut arguments = PgArguments::default();
        push(&mut arguments, self.account_id)?;
        push(&mut arguments, self.agent_ids())?;
        push(&mut arguments, self.start)?;
        push(&mut arguments, self.end)?;
        push(&mut arguments, &self.channels)?;
        push(&mut arguments, &self.categories)?;
        Ok(arguments)
    }
}

/// Appends `value` as the query's next parameter.
fn push<'q, T>(arguments: &mut PgArguments, value: T) -> anyhow::Result<()>
where
    T: 'q + Encode<'q, Postgres> + Type<Postgres>,
{
    arguments
        .add(value)
        .map_err(sqlx::Error::Encode)
        .context("binding a report parameter")
}

/// Opens the viewer's transaction and resolves `filter` for it.
pub(crate) async fn scope(db: &Db, viewer: &Actor, filter: &ReportFilter) -> Result<(Tx, Scope)> {
    let mut tx = db.tenant(viewer.account_id, Some(viewer.user_id)).await?;
    // Compiling these short aggregates costs more than running them; and
    // a plan cached for one period and filter (a generic plan after five
    // runs) can be twice as slow for the next, while planning takes well
    // under a millisecond.
    sqlx::query(
        "SELECT set_config('jit', 'off', true),
                set_config('plan_cache_mode', 'force_custom_plan', true)",
    )
    .execute(&mut *tx)
    .await
    .context("turning JIT off")?;
    let today: NaiveDate = sqlx::query_scalar(
        "SELECT (now() AT TIME ZONE timezone)::date FROM accounts WHERE id = $1",
    )
    .bind(viewer.account_id)
    .fetch_one(&mut *tx)
    .await
    .context("reading today's date")?;
    let (from, to) = filter
        .days(today)
        .map_err(|code| Error::field("from", code))?;
    let (start, end, now): (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) = sqlx::query_as(
        "SELECT $2::date::timestamp AT TIME ZONE timezone, ($3::date + 1)::timestamp AT TIME ZONE timezone, now()
           FROM accounts WHERE id = $1",
    )
    .bind(viewer.account_id)
    .bind(from)
    .bind(to)
    .fetch_one(&mut *tx)
    .await
    .context("finding the range's instants")?;
    let visible = visible_agents(&mut tx, viewer).await?;
    let agents: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT u.id, u.name, u.email
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1 AND m.role NOT IN ('auditor', 'bot')
            AND ($2::uuid[] IS NULL OR m.user_id = ANY($2))
            AND (cardinality($3::uuid[]) = 0 OR m.user_id = ANY($3))
            AND (cardinality($4::bigint[]) = 0 OR EXISTS (
                  SELECT 1 FROM department_members d
                   WHERE d.user_id = m.user_id AND d.department_id = ANY($4)))
          ORDER BY lower(u.name), u.email",
    )
    .bind(viewer.account_id)
    .bind(visible.as_deref())
    .bind(&filter.agents)
    .bind(&filter.departments)
    .fetch_all(&mut *tx)
    .await
    .context("reading the report's agents")?;
    let scope = Scope {
        account_id: viewer.account_id,
        from,
        to,
        start,
        end,
        now,
        agents: agents
            .into_iter()
            .map(|(id, name, email)| ReportAgent { id, name, email })
            .collect(),
        channels: filter.channels.clone(),
        categories: filter.categories.clone(),
    };
    Ok((tx, scope))
}

/// Any report, laid out as the table the page and the exports render.
pub async fn table(
    db: &Db,
    viewer: &Actor,
    kind: ReportKind,
    filter: &ReportFilter,
) -> Result<ReportTable> {
    let mut table = match kind {
        ReportKind::WorkLog => work_log::table(work_log(db, viewer, filter).await?),
        ReportKind::Productivity => productivity::table(productivity(db, viewer, filter).await?),
        ReportKind::Categorization => {
            categorization::table(categorization(db, viewer, filter).await?)
        }
        ReportKind::Idle => idle::table(idle(db, viewer, filter).await?),
        ReportKind::Quality => quality::table(quality(db, viewer, filter).await?),
    };
    table.filtered_by = filter_names::names(db, viewer, filter, &table).await?;
    Ok(table)
}

/// The conditions every event-based report puts on `productivity_events e`:
/// $1 account, $2 agents, $3..$4 the instants, $5 channels, $6 categories.
pub(crate) const EVENTS_IN_SCOPE: &str = "e.account_id = $1 AND e.user_id = ANY($2)
    AND e.occurred_at >= $3 AND e.occurred_at < $4
    AND (cardinality($5::bigint[]) = 0 OR e.channel_id = ANY($5))
    AND (cardinality($6::bigint[]) = 0 OR EXISTS (
          SELECT 1 FROM conversation_categories f
           WHERE f.conversation_id = e.conversation_id AND f.category_id = ANY($6)))";

/// Lays a report out as a table: its columns, one row per agent, totals.
fn layout(
    kind: ReportKind,
    (from, to): (NaiveDate, NaiveDate),
    columns: &[&str],
    chart_column: usize,
    totals: Vec<Cell>,
    rows: impl IntoIterator<Item = TableRow>,
) -> ReportTable {
    ReportTable {
        kind,
        from,
        to,
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows: rows.into_iter().collect(),
        totals,
        chart_column,
        generated_at: Utc::now(),
        categories: Vec::new(),
        filtered_by: Default::default(),
    }
}
