//! Agent activity as the browser and the API see it: statuses, the account's
//! rules for idleness, and the active-time timer's facts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use crate::errors::ErrorCode;
use crate::inbox::string_enum;

/// How often an open browser tells the server it is still there.
pub const HEARTBEAT_SECONDS: u32 = 60;

string_enum!(
    /// Where an agent stands: the status badge and the manager's board.
    AgentStatus {
        Active => "active",
        Idle => "idle",
        Away => "away",
        Offline => "offline",
    }
);

string_enum!(
    /// What the agent's browser (all its tabs together) reports.
    BrowserActivity {
        Active => "active",
        Idle => "idle",
        Hidden => "hidden",
    }
);

string_enum!(
    /// Why time inside a work session is not active.
    InactivityReason {
        Idle => "idle",
        Hidden => "hidden",
        Away => "away",
        HeartbeatLost => "heartbeat_lost",
    }
);

string_enum!(
    /// How a work session ended.
    SessionEndReason {
        SignOut => "sign_out",
        AutoLogout => "auto_logout",
        HeartbeatLost => "heartbeat_lost",
        // An admin ended the person's sessions (deactivated them).
        Revoked => "revoked",
    }
);

string_enum!(
    /// What an agent did, recorded when it happens (the reports' raw data).
    WorkEvent {
        ConversationResolved => "conversation_resolved",
        FirstResponse => "first_response",
        MessageSent => "message_sent",
        ConversationTransferred => "conversation_transferred",
        NoteAdded => "note_added",
    }
);

impl InactivityReason {
    /// The status an agent has while a period of this kind is open.
    pub fn status(self) -> AgentStatus {
        match self {
            InactivityReason::Away => AgentStatus::Away,
            InactivityReason::Idle | InactivityReason::Hidden | InactivityReason::HeartbeatLost => {
                AgentStatus::Idle
            }
        }
    }
}

/// The account's rules for idleness (Settings → Productivity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivitySettings {
    /// No input for this long turns the agent idle (in the browser).
    pub idle_timeout_minutes: u32,
    /// Sign idle agents out after `auto_logout_extra_minutes` more.
    pub auto_logout: bool,
    pub auto_logout_extra_minutes: u32,
    /// A browser silent this long is offline (the server's sweeper).
    pub server_idle_threshold_minutes: u32,
}

impl Default for ActivitySettings {
    fn default() -> Self {
        ActivitySettings {
            idle_timeout_minutes: 10,
            auto_logout: false,
            auto_logout_extra_minutes: 15,
            server_idle_threshold_minutes: 20,
        }
    }
}

/// What the top bar needs: the status and the active-time timer, computed
/// from server-recorded facts so every tab and a reload agree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivitySnapshot {
    pub status: AgentStatus,
    /// Since when the agent has had this status.
    pub status_since: Option<DateTime<Utc>>,
    /// Active seconds of the current work session, as of `as_of`.
    pub active_seconds: i64,
    pub as_of: DateTime<Utc>,
    pub settings: ActivitySettings,
}

impl ActivitySnapshot {
    /// Whether the timer is running.
    pub fn counting(&self) -> bool {
        self.status == AgentStatus::Active
    }
}

/// One agent on the status board (and `GET /api/v1/agents/status`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentStatusView {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub status: AgentStatus,
    pub status_since: Option<DateTime<Utc>>,
    /// Active seconds today (in the account's time zone), as of `as_of`.
    pub active_seconds_today: i64,
    pub open_conversations: i64,
    pub as_of: DateTime<Utc>,
}

/// `HH:MM:SS` (hours grow past 24 rather than wrap).
pub fn clock_text(seconds: i64) -> String {
    let seconds = seconds.max(0);
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        (seconds / 60) % 60,
        seconds % 60
    )
}

/// Checks a settings form's numbers; the field names are the REST API's.
pub fn validate_settings(
    idle_timeout_minutes: Option<u32>,
    auto_logout_extra_minutes: Option<u32>,
    server_idle_threshold_minutes: Option<u32>,
) -> Vec<(&'static str, ErrorCode)> {
    let mut errors = Vec::new();
    let mut check = |field, value: Option<u32>, range: std::ops::RangeInclusive<u32>| {
        if !value.is_some_and(|v| range.contains(&v)) {
            errors.push((field, ErrorCode::NumberInvalid));
        }
    };
    check("idle_timeout_minutes", idle_timeout_minutes, 1..=240);
    check(
        "auto_logout_extra_minutes",
        auto_logout_extra_minutes,
        1..=480,
    );
    check(
        "server_idle_threshold_minutes",
        server_idle_threshold_minutes,
        2..=1440,
    );
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_shows_hours_minutes_and_seconds() {
        assert_eq!(clock_text(0), "00:00:00");
        assert_eq!(clock_text(3 * 3600 + 25 * 60 + 7), "03:25:07");
        assert_eq!(clock_text(30 * 3600), "30:00:00");
        assert_eq!(clock_text(-5), "00:00:00");
    }

    #[test]
    fn settings_outside_their_ranges_name_the_field() {
        assert!(validate_settings(Some(10), Some(15), Some(20)).is_empty());
        let errors = validate_settings(Some(0), None, Some(1));
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "idle_timeout_minutes",
                "auto_logout_extra_minutes",
                "server_idle_threshold_minutes"
            ]
        );
    }

    #[test]
    fn away_is_its_own_status_and_every_other_reason_is_idle() {
        assert_eq!(InactivityReason::Away.status(), AgentStatus::Away);
        assert_eq!(InactivityReason::Hidden.status(), AgentStatus::Idle);
        assert_eq!(InactivityReason::HeartbeatLost.status(), AgentStatus::Idle);
    }
}
