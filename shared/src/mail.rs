//! Outgoing e-mail as the settings page sees it: an account's SMTP servers
//! (password never sent back) and the send log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::errors::ErrorCode;
use crate::inbox::string_enum;

string_enum!(
    /// How the connection to an SMTP server is protected.
    SmtpSecurity {
        StartTls => "starttls",
        Tls => "tls",
        None => "none",
    }
);

string_enum!(
    MailState {
        Pending => "pending",
        Sent => "sent",
        Failed => "failed",
    }
);

string_enum!(
    MailKind {
        EmailConfirmation => "email_confirmation",
        PasswordReset => "password_reset",
        Invitation => "invitation",
        ConnectionAlert => "connection_alert",
        // "Send test e-mail" in Settings → E-mail (sent at once, logged).
        SmtpTest => "smtp_test",
        ScheduledReport => "scheduled_report",
        // The AI scored a resolved conversation under the threshold.
        QualityAlert => "quality_alert",
        RuleAlert => "rule_alert",
    }
);

/// An SMTP server of the account, as shown (the password only as "set").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpAccountView {
    pub id: i64,
    pub name: String,
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub has_password: bool,
    pub from_name: String,
    pub from_address: String,
    pub is_default: bool,
}

/// The form that creates or edits one; an empty password keeps the stored one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SmtpAccountForm {
    pub name: String,
    pub host: String,
    pub port: String,
    pub security: String,
    pub username: String,
    pub password: String,
    pub from_name: String,
    pub from_address: String,
    pub is_default: bool,
}

/// One line of the send log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SentMail {
    pub id: i64,
    pub kind: MailKind,
    pub to_address: String,
    pub subject: String,
    pub state: MailState,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The SMTP account that sends it; `None`: the server's own.
    pub smtp_account: Option<String>,
}

/// What a "send test e-mail" got back from the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpTestResult {
    pub ok: bool,
    /// The server's answer (or why no answer came).
    pub answer: String,
}
