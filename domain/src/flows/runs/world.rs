//! What a run knows of the world: the conversation's built-in variables
//! and the calendars its business-hours blocks ask about, read before the
//! run moves (the interpreter itself never touches the database).

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::flows::{BlockKind, FlowDefinition};
use uuid::Uuid;

use crate::business_time::Calendar;
use crate::conversations::Locked;
use crate::db::Tx;
use crate::flows::engine::World;
use crate::service_desk::calendars;

pub(crate) struct ConversationWorld {
    now: DateTime<Utc>,
    builtins: HashMap<&'static str, String>,
    /// By department (`None`: the account's).
    calendars: HashMap<Option<i64>, Calendar>,
    /// The account's departments by name, when a block offers them.
    departments: Vec<(i64, String)>,
}

impl World for ConversationWorld {
    fn now(&self) -> DateTime<Utc> {
        self.now
    }

    fn is_open(&self, department_id: Option<i64>) -> bool {
        self.calendars
            .get(&department_id)
            .or_else(|| self.calendars.get(&None))
            .is_none_or(|calendar| calendar.is_open(self.now))
    }

    fn builtin(&self, name: &str) -> Option<String> {
        self.builtins.get(name).cloned().filter(|v| !v.is_empty())
    }

    fn departments(&self, chosen: &[i64]) -> Vec<(i64, String)> {
        if chosen.is_empty() {
            return self.departments.clone();
        }
        chosen
            .iter()
            .filter_map(|id| self.departments.iter().find(|(d, _)| d == id).cloned())
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct Facts {
    contact_name: String,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    channel_name: String,
    number: i64,
}

pub(super) async fn load(
    tx: &mut Tx,
    conversation: &Locked,
    flow: &FlowDefinition,
) -> anyhow::Result<ConversationWorld> {
    let facts: Facts = sqlx::query_as(
        "SELECT k.name AS contact_name, k.email AS contact_email, k.phone AS contact_phone,
                ch.name AS channel_name, c.number
           FROM conversations c
           JOIN contacts k ON k.id = c.contact_id
           JOIN channels ch ON ch.id = c.channel_id
          WHERE c.account_id = $1 AND c.id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .fetch_one(&mut **tx)
    .await
    .context("reading what a flow knows of the conversation")?;
    let builtins = HashMap::from([
        ("contact.name", facts.contact_name),
        ("contact.email", facts.contact_email.unwrap_or_default()),
        ("contact.phone", facts.contact_phone.unwrap_or_default()),
        ("channel.name", facts.channel_name),
        ("conversation.number", facts.number.to_string()),
    ]);
    Ok(ConversationWorld {
        now: Utc::now(),
        builtins,
        calendars: calendars_for(tx, conversation.account_id, flow).await?,
        departments: departments_for(tx, conversation.account_id, flow).await?,
    })
}

/// The world of the builder's test chat: a made-up customer on the
/// account's real calendars.
pub(crate) async fn for_test(
    tx: &mut Tx,
    account_id: Uuid,
    flow: &FlowDefinition,
    customer: &str,
) -> anyhow::Result<ConversationWorld> {
    let builtins = HashMap::from([
        ("contact.name", customer.to_string()),
        ("contact.email", "cliente@example.com".to_string()),
        ("contact.phone", "+5511999990000".to_string()),
        ("channel.name", "Teste".to_string()),
        ("conversation.number", "0".to_string()),
    ]);
    Ok(ConversationWorld {
        now: Utc::now(),
        builtins,
        calendars: calendars_for(tx, account_id, flow).await?,
        departments: departments_for(tx, account_id, flow).await?,
    })
}

impl ConversationWorld {
    /// The test chat skips a delay by moving its clock.
    pub(crate) fn move_clock_to(&mut self, at: DateTime<Utc>) {
        self.now = at;
    }
}

/// The account's departments, when one of the flow's blocks offers them
/// (none read otherwise).
async fn departments_for(
    tx: &mut Tx,
    account_id: Uuid,
    flow: &FlowDefinition,
) -> anyhow::Result<Vec<(i64, String)>> {
    let offers = flow
        .blocks
        .iter()
        .any(|block| matches!(block.kind, BlockKind::ChooseDepartment { .. }));
    if !offers {
        return Ok(Vec::new());
    }
    sqlx::query_as("SELECT id, name FROM departments WHERE account_id = $1 ORDER BY lower(name)")
        .bind(account_id)
        .fetch_all(&mut **tx)
        .await
        .context("listing the departments a flow offers")
}

/// The calendars the flow's business-hours blocks ask about.
async fn calendars_for(
    tx: &mut Tx,
    account_id: Uuid,
    flow: &FlowDefinition,
) -> anyhow::Result<HashMap<Option<i64>, Calendar>> {
    let mut wanted: Vec<Option<i64>> = flow
        .blocks
        .iter()
        .filter_map(|block| match &block.kind {
            BlockKind::BusinessHours { department_id } => Some(*department_id),
            _ => None,
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut calendars = HashMap::new();
    for department_id in wanted {
        if let Some(calendar) = calendar_of(tx, account_id, department_id).await? {
            calendars.insert(department_id, calendar);
        }
    }
    Ok(calendars)
}

/// A department's calendar (its own or the account's); `None` asks for
/// the account's. A department removed since publishing has none.
pub(super) async fn calendar_of(
    tx: &mut Tx,
    account_id: Uuid,
    department_id: Option<i64>,
) -> anyhow::Result<Option<Calendar>> {
    Ok(match department_id {
        Some(id) => calendars::department_hours(tx, account_id, id)
            .await?
            .map(|hours| hours.calendar),
        None => Some(calendars::account_calendar(tx, account_id).await?),
    })
}
