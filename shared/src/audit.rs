//! The audit log as the viewer sees it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use crate::errors::ErrorCode;

/// Everything that is recorded. Stored by its `as_str` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignUp,
    SignIn,
    SignOut,
    SignInFailed,
    PasswordReset,
    EmailConfirmed,
    PasswordChanged,
    ProfileChanged,
    UserInvited,
    InvitationAccepted,
    InvitationRevoked,
    InvitationRenewed,
    RoleChanged,
    UserDeactivated,
    UserReactivated,
    AccountSettingsChanged,
    ApiTokenCreated,
    ApiTokenRevoked,
    ChannelCreated,
    ChannelUpdated,
    ChannelRemoved,
    DepartmentCreated,
    DepartmentUpdated,
    DepartmentRemoved,
    SlaPolicySaved,
    SlaPolicyRemoved,
    FlowCreated,
    FlowPublished,
    FlowRemoved,
    CategoryCreated,
    CategoryUpdated,
    ReportScheduled,
    ReportScheduleRemoved,
    ConversationStatusChanged,
    ConversationTransferred,
    MessageDeleted,
    ContactsMerged,
    SmtpAccountSaved,
    SmtpAccountRemoved,
    WebhookEventsReplayed,
    AccessChanged,
    RuleSaved,
    RuleRemoved,
}

impl AuditAction {
    pub const ALL: [AuditAction; 43] = [
        Self::SignUp,
        Self::SignIn,
        Self::SignOut,
        Self::SignInFailed,
        Self::PasswordReset,
        Self::EmailConfirmed,
        Self::PasswordChanged,
        Self::ProfileChanged,
        Self::UserInvited,
        Self::InvitationAccepted,
        Self::InvitationRevoked,
        Self::InvitationRenewed,
        Self::RoleChanged,
        Self::UserDeactivated,
        Self::UserReactivated,
        Self::AccountSettingsChanged,
        Self::ApiTokenCreated,
        Self::ApiTokenRevoked,
        Self::ChannelCreated,
        Self::ChannelUpdated,
        Self::ChannelRemoved,
        Self::DepartmentCreated,
        Self::DepartmentUpdated,
        Self::DepartmentRemoved,
        Self::SlaPolicySaved,
        Self::SlaPolicyRemoved,
        Self::FlowCreated,
        Self::FlowPublished,
        Self::FlowRemoved,
        Self::CategoryCreated,
        Self::CategoryUpdated,
        Self::ReportScheduled,
        Self::ReportScheduleRemoved,
        Self::ConversationStatusChanged,
        Self::ConversationTransferred,
        Self::MessageDeleted,
        Self::ContactsMerged,
        Self::SmtpAccountSaved,
        Self::SmtpAccountRemoved,
        Self::WebhookEventsReplayed,
        Self::AccessChanged,
        Self::RuleSaved,
        Self::RuleRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "sign_up",
            Self::SignIn => "sign_in",
            Self::SignOut => "sign_out",
            Self::SignInFailed => "sign_in_failed",
            Self::PasswordReset => "password_reset",
            Self::EmailConfirmed => "email_confirmed",
            Self::PasswordChanged => "password_changed",
            Self::ProfileChanged => "profile_changed",
            Self::UserInvited => "user_invited",
            Self::InvitationAccepted => "invitation_accepted",
            Self::InvitationRevoked => "invitation_revoked",
            Self::InvitationRenewed => "invitation_renewed",
            Self::RoleChanged => "role_changed",
            Self::UserDeactivated => "user_deactivated",
            Self::UserReactivated => "user_reactivated",
            Self::AccountSettingsChanged => "account_settings_changed",
            Self::ApiTokenCreated => "api_token_created",
            Self::ApiTokenRevoked => "api_token_revoked",
            Self::ChannelCreated => "channel_created",
            Self::ChannelUpdated => "channel_updated",
            Self::ChannelRemoved => "channel_removed",
            Self::DepartmentCreated => "department_created",
            Self::DepartmentUpdated => "department_updated",
            Self::DepartmentRemoved => "department_removed",
            Self::SlaPolicySaved => "sla_policy_saved",
            Self::SlaPolicyRemoved => "sla_policy_removed",
            Self::FlowCreated => "flow_created",
            Self::FlowPublished => "flow_published",
            Self::FlowRemoved => "flow_removed",
            Self::RuleSaved => "rule_saved",
            Self::RuleRemoved => "rule_removed",
            Self::AccessChanged => "access_changed",
            Self::CategoryCreated => "category_created",
            Self::CategoryUpdated => "category_updated",
            Self::ReportScheduled => "report_scheduled",
            Self::ReportScheduleRemoved => "report_schedule_removed",
            Self::ConversationStatusChanged => "conversation_status_changed",
            Self::ConversationTransferred => "conversation_transferred",
            Self::MessageDeleted => "message_deleted",
            Self::ContactsMerged => "contacts_merged",
            Self::SmtpAccountSaved => "smtp_account_saved",
            Self::SmtpAccountRemoved => "smtp_account_removed",
            Self::WebhookEventsReplayed => "webhook_events_replayed",
        }
    }
}

impl FromStr for AuditAction {
    type Err = ErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or(ErrorCode::OptionInvalid)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub seq: i64,
    pub created_at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_label: String,
    /// The stored action name; unknown names (from newer versions) still show.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub details: String,
    pub ip: Option<String>,
    /// The target's current name ("Site", "maria@…", "#12 · Maria"), or its
    /// name when recorded if it is gone.
    #[serde(default)]
    pub target_label: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub actor_user_id: Option<Uuid>,
    pub action: Option<String>,
    /// Inclusive, in the account's time zone.
    pub from: Option<NaiveDate>,
    /// Inclusive, in the account's time zone.
    pub to: Option<NaiveDate>,
    /// Cursor: return entries older than this sequence number.
    pub before_seq: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_cursor: Option<i64>,
}
