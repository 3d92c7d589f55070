//! SLA policies — the first-response, next-response and resolution times a
//! department promises, in business hours or around the clock — and where a
//! conversation stands against them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::errors::ErrorCode;
use crate::inbox::{string_enum, ConversationSummary};

/// A year, in minutes: the longest target.
pub const MAX_SLA_MINUTES: u32 = 525_600;
/// A clock with less than this left is "breaching soon".
pub const DUE_SOON_MINUTES: i64 = 15;

string_enum!(
    /// The clock an SLA runs (next response: an answer each time the
    /// customer writes after the first one).
    SlaTarget {
        FirstResponse => "first_response",
        NextResponse => "next_response",
        Resolution => "resolution",
    }
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub id: i64,
    pub name: String,
    pub first_response_minutes: Option<u32>,
    #[serde(default)]
    pub next_response_minutes: Option<u32>,
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
    pub next_response_minutes: Option<u32>,
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
            ("next_response_minutes", self.next_response_minutes),
            ("resolution_minutes", self.resolution_minutes),
        ] {
            if minutes.is_some_and(|m| m == 0 || m > MAX_SLA_MINUTES) {
                return Err((field, ErrorCode::NumberInvalid));
            }
        }
        if self.first_response_minutes.is_none()
            && self.next_response_minutes.is_none()
            && self.resolution_minutes.is_none()
        {
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

/// The clock of the conversation that runs out first, and when: of the
/// first response (until an agent answers), the next response (while a
/// customer's message waits for an answer) and the resolution.
pub fn next_clock(c: &ConversationSummary) -> Option<(SlaTarget, DateTime<Utc>)> {
    let first_response = match c.first_response_at {
        None => c.sla_first_response_due_at,
        Some(_) => None,
    };
    [
        (SlaTarget::FirstResponse, first_response),
        (SlaTarget::NextResponse, c.sla_next_response_due_at),
        (SlaTarget::Resolution, c.sla_resolution_due_at),
    ]
    .into_iter()
    .filter_map(|(target, at)| Some((target, at?)))
    .min_by_key(|(_, at)| *at)
}

/// When the next of the conversation's clocks runs out ([`next_clock`]).
pub fn next_due(c: &ConversationSummary) -> Option<DateTime<Utc>> {
    next_clock(c).map(|(_, at)| at)
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
    /// The clocks are stopped: waiting on the customer (by policy) or
    /// held by a flow's bot.
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
    let (target, at) = next_clock(c)?;
    if c.sla_paused {
        return Some(SlaStanding::Paused);
    }
    Some(SlaStanding::Due { target, at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
    }

    fn conversation(clocks: serde_json::Value) -> ConversationSummary {
        let mut row = serde_json::json!({
            "id": 1, "number": 1, "status": "in_progress", "priority": "normal", "critical": false, "tags": [],
            "contact_id": 1, "contact_name": "Ana", "channel_id": 1, "channel_name": "Site", "channel_kind": "website",
            "department_id": null, "department_name": null, "assignee_id": null, "assignee_name": null,
            "last_message_preview": "", "last_message_kind": null, "last_activity_at": "2026-03-02T08:00:00Z",
            "waiting_since": null, "snoozed_until": null, "created_at": "2026-03-02T08:00:00Z",
            "first_response_at": null, "resolved_at": null, "updated_at": "2026-03-02T08:00:00Z",
            "incoming_count": 1, "read_count": null
        });
        for (key, value) in clocks.as_object().unwrap() {
            row[key] = value.clone();
        }
        serde_json::from_value(row).unwrap()
    }

    #[test]
    fn the_first_response_clock_runs_until_an_agent_answers() {
        let waiting = conversation(serde_json::json!({
            "sla_first_response_due_at": at(9), "sla_resolution_due_at": at(12)
        }));
        assert_eq!(
            next_clock(&waiting),
            Some((SlaTarget::FirstResponse, at(9)))
        );
        let answered = conversation(serde_json::json!({
            "first_response_at": at(8), "sla_first_response_due_at": at(9), "sla_resolution_due_at": at(12)
        }));
        assert_eq!(next_clock(&answered), Some((SlaTarget::Resolution, at(12))));
    }

    #[test]
    fn a_customer_waiting_for_the_next_answer_is_the_clock_that_runs_out_first() {
        let turn = conversation(serde_json::json!({
            "first_response_at": at(8), "sla_first_response_due_at": at(9),
            "sla_next_response_due_at": at(10), "sla_resolution_due_at": at(12)
        }));
        assert_eq!(
            standing(&turn),
            Some(SlaStanding::Due {
                target: SlaTarget::NextResponse,
                at: at(10)
            })
        );
        // The resolution's due time comes first: it is the one shown.
        let late_turn = conversation(serde_json::json!({
            "first_response_at": at(8), "sla_next_response_due_at": at(13), "sla_resolution_due_at": at(12)
        }));
        assert_eq!(next_due(&late_turn), Some(at(12)));
        assert!(standing(&late_turn).unwrap().soon(at(12)));
        assert!(!standing(&late_turn).unwrap().soon(at(8)));
    }

    #[test]
    fn stopped_clocks_show_paused_whoever_holds_them_and_are_never_due_soon() {
        for status in ["waiting", "bot"] {
            let held = conversation(serde_json::json!({
                "status": status, "sla_paused": true,
                "sla_first_response_due_at": at(9), "sla_resolution_due_at": at(12)
            }));
            assert_eq!(standing(&held), Some(SlaStanding::Paused), "{status}");
            assert!(!passes(SlaFilter::Soon, &held, at(9)), "{status}");
        }
        // Positive control: the same clocks running are due, and soon at 9.
        let running = conversation(serde_json::json!({
            "status": "bot", "sla_paused": false,
            "sla_first_response_due_at": at(9), "sla_resolution_due_at": at(12)
        }));
        assert!(passes(SlaFilter::Soon, &running, at(9)));
    }

    #[test]
    fn a_policy_needs_one_target_and_each_is_at_most_a_year() {
        let form = |first, next, resolution| SlaPolicyForm {
            name: "Padrão".into(),
            first_response_minutes: first,
            next_response_minutes: next,
            resolution_minutes: resolution,
            business_hours_only: true,
            pause_while_waiting: true,
        };
        assert!(form(None, Some(30), None).validate().is_ok());
        assert_eq!(
            form(None, None, None).validate(),
            Err(("first_response_minutes", ErrorCode::Required))
        );
        assert_eq!(
            form(Some(10), Some(MAX_SLA_MINUTES + 1), None).validate(),
            Err(("next_response_minutes", ErrorCode::NumberInvalid))
        );
    }
}
