//! SLA policies — the first-response and resolution times a department
//! promises, in business hours or around the clock — and where a
//! conversation stands against them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::errors::ErrorCode;
use crate::inbox::{string_enum, ConversationStatus, ConversationSummary};

/// A year, in minutes: the longest target.
pub const MAX_SLA_MINUTES: u32 = 525_600;
/// A clock with less than this left is "breaching soon".
pub const DUE_SOON_MINUTES: i64 = 15;

string_enum!(
    /// The clock an SLA runs.
    SlaTarget {
        FirstResponse => "first_response",
        Resolution => "resolution",
    }
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub id: i64,
    pub name: String,
    pub first_response_minutes: Option<u32>,
    pub resolution_minutes: Option<u32>,
    /// Counted in the department's business hours (else around the clock).
    pub business_hours_only: bool,
    /// The clocks stop while the conversation waits on the customer.
    pub pause_while_waiting: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicyForm {
    pub name: String,
    #[serde(default)]
    pub first_response_minutes: Option<u32>,
    #[serde(default)]
    pub resolution_minutes: Option<u32>,
    #[serde(default = "yes")]
    pub business_hours_only: bool,
    #[serde(default = "yes")]
    pub pause_while_waiting: bool,
}

impl SlaPolicyForm {
    /// Each target, when set, is 1 minute to a year; a policy has at least one.
    pub fn validate(&self) -> Result<(), (&'static str, ErrorCode)> {
        for (field, minutes) in [
            ("first_response_minutes", self.first_response_minutes),
            ("resolution_minutes", self.resolution_minutes),
        ] {
            if minutes.is_some_and(|m| m == 0 || m > MAX_SLA_MINUTES) {
                return Err((field, ErrorCode::NumberInvalid));
            }
        }
        if self.first_response_minutes.is_none() && self.resolution_minutes.is_none() {
            return Err(("first_response_minutes", ErrorCode::Required));
        }
        Ok(())
    }
}

string_enum!(
    /// The inbox's SLA filter.
    SlaFilter {
        Breached => "breached",
        Soon => "soon",
    }
);

/// When the next of the conversation's clocks runs out: the first response
/// until an agent answers, then the resolution.
pub fn next_due(c: &ConversationSummary) -> Option<DateTime<Utc>> {
    match (c.first_response_at, c.sla_first_response_due_at) {
        (None, Some(at)) => Some(at),
        _ => c.sla_resolution_due_at,
    }
}

/// Whether the conversation passes the SLA filter at `now` (the same rule
/// as the list's SQL: `domain::conversations::list`).
pub fn passes(filter: SlaFilter, c: &ConversationSummary, now: DateTime<Utc>) -> bool {
    match filter {
        SlaFilter::Breached => c.sla_breached,
        SlaFilter::Soon => standing(c).is_some_and(|s| s.soon(now)),
    }
}

/// Where a conversation stands against its SLA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlaStanding {
    Breached,
    /// The next clock to run out, and when.
    Due {
        target: SlaTarget,
        at: DateTime<Utc>,
    },
    /// Waiting on the customer: the clocks are stopped.
    Paused,
}

impl SlaStanding {
    /// Due within [`DUE_SOON_MINUTES`] (or already past, before the sweeper
    /// marks it).
    pub fn soon(self, now: DateTime<Utc>) -> bool {
        matches!(self, SlaStanding::Due { at, .. } if at - now <= chrono::Duration::minutes(DUE_SOON_MINUTES))
    }
}

/// `None` when no SLA applies (no policy, or the conversation is closed and
/// was not breached).
pub fn standing(c: &ConversationSummary) -> Option<SlaStanding> {
    if c.sla_breached {
        return Some(SlaStanding::Breached);
    }
    if c.status.is_closed() {
        return None;
    }
    let target = match (c.first_response_at, c.sla_first_response_due_at) {
        (None, Some(_)) => SlaTarget::FirstResponse,
        _ => SlaTarget::Resolution,
    };
    let at = next_due(c)?;
    if c.status == ConversationStatus::Waiting && c.sla_paused {
        return Some(SlaStanding::Paused);
    }
    Some(SlaStanding::Due { target, at })
}
