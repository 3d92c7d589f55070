//! What the browser learns about the signed-in person, their account and
//! the account's people.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::prefs::{Locale, Theme};
use crate::roles::Role;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub locale: Option<Locale>,
    pub theme: Theme,
    /// Whether the address was proven by a link sent to it.
    #[serde(default)]
    pub email_confirmed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountChoice {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub role: Role,
}

/// Everything the app shell needs to render for a signed-in user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: CurrentUser,
    pub account: AccountChoice,
    /// Every active membership, for the account switcher.
    pub accounts: Vec<AccountChoice>,
    /// The account time zone's current offset from UTC: every time on
    /// screen is shown in the account's time zone, the same on server and
    /// browser.
    pub utc_offset_minutes: i32,
    /// This server's external base URL (for snippets and links to copy).
    pub public_url: String,
    /// Connections this person configures by a `manage` grant (beyond
    /// their role: admins configure every one).
    #[serde(default)]
    pub managed_channels: Vec<i64>,
}

impl SessionInfo {
    pub fn role(&self) -> Role {
        self.account.role
    }

    pub fn can(&self, permission: crate::roles::Permission) -> bool {
        self.account.role.can(permission)
    }

    pub fn may_manage_channel(&self, channel_id: i64) -> bool {
        self.can(crate::roles::Permission::ManageChannels)
            || self.managed_channels.contains(&channel_id)
    }

    /// Whether the connection settings pages have anything for them.
    pub fn manages_channels(&self) -> bool {
        self.can(crate::roles::Permission::ManageChannels) || !self.managed_channels.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub name: String,
    pub slug: String,
    pub support_email: Option<String>,
    pub timezone: String,
    pub default_locale: Locale,
    pub default_theme: Theme,
    /// Largest attachment accepted, in megabytes.
    pub attachment_limit_mb: u32,
    /// Phone numbers typed without a country code are this country's.
    #[serde(default)]
    pub country: crate::phone::Country,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub joined_at: DateTime<Utc>,
    #[serde(default)]
    pub limits: crate::access::MemberLimits,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Returned once, when an invitation is created or its link renewed: the
/// token is stored hashed, so this is the only time the link exists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationLink {
    pub invitation_id: i64,
    pub email: String,
    pub url: String,
    /// Whether the link was also e-mailed (an SMTP server is configured).
    #[serde(default)]
    pub emailed: bool,
}

/// What the invitation page shows before the invitee accepts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub account_name: String,
    pub email: String,
    pub role: Role,
    /// The invitee already has a Ponte login: they accept by signing in
    /// with it (the normal, throttled sign-in) and joining.
    pub existing_user: bool,
    /// The e-mail of whoever is signed in in this browser, if anyone.
    pub signed_in_as: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// After this the token stops working; `None`: until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Returned once, at creation; only the hash is stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub info: ApiTokenInfo,
    pub token: String,
}
