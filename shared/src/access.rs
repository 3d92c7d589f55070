//! Grants beyond a role: who else sees a department's conversations (and may
//! assign them), who may read, write through or manage a restricted
//! connection, and the per-person limits (a supervisor held to their
//! departments, an agent held to their default connection).

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use crate::inbox::string_enum;
use crate::{ErrorCode, Role};

string_enum!(
    /// What a department grant allows; `Assign` includes `View`.
    DepartmentAccess {
        View => "view",
        Assign => "assign",
    }
);

string_enum!(
    /// What a connection grant allows; each level includes the ones before.
    ChannelAccess {
        Read => "read",
        Write => "write",
        Manage => "manage",
    }
);

impl DepartmentAccess {
    pub fn allows(self, wanted: DepartmentAccess) -> bool {
        self == DepartmentAccess::Assign || wanted == DepartmentAccess::View
    }
}

impl ChannelAccess {
    fn rank(self) -> u8 {
        match self {
            ChannelAccess::Read => 0,
            ChannelAccess::Write => 1,
            ChannelAccess::Manage => 2,
        }
    }

    pub fn allows(self, wanted: ChannelAccess) -> bool {
        self.rank() >= wanted.rank()
    }
}

/// One grant: to a role (`role`) or to one person (`user_id`), never both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant<L> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    pub level: L,
}

pub type DepartmentGrant = Grant<DepartmentAccess>;
pub type ChannelGrant = Grant<ChannelAccess>;

/// Who a grant is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grantee {
    Role(Role),
    User(Uuid),
}

impl<L> Grant<L> {
    /// The grantee, or why the grant names none or both.
    pub fn grantee(&self) -> Result<Grantee, ErrorCode> {
        match (self.role, self.user_id) {
            (Some(role), None) => Ok(Grantee::Role(role)),
            (None, Some(user)) => Ok(Grantee::User(user)),
            (None, None) => Err(ErrorCode::Required),
            (Some(_), Some(_)) => Err(ErrorCode::OptionInvalid),
        }
    }
}

/// A person's limits in an account (Settings → Users).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberLimits {
    /// A role that sees every conversation sees only its departments'.
    #[serde(default)]
    pub limited_to_departments: bool,
    #[serde(default)]
    pub default_channel_id: Option<i64>,
    /// Sees and writes through only the default connection.
    #[serde(default)]
    pub only_default_channel: bool,
}

/// A connection's access (Settings → Connections).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAccessSettings {
    /// Only grantees (and whoever sees every conversation) see it.
    #[serde(default)]
    pub restricted: bool,
    #[serde(default)]
    pub grants: Vec<ChannelGrant>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_include_the_ones_below() {
        assert!(ChannelAccess::Manage.allows(ChannelAccess::Read));
        assert!(ChannelAccess::Write.allows(ChannelAccess::Read));
        assert!(!ChannelAccess::Read.allows(ChannelAccess::Write));
        assert!(!ChannelAccess::Write.allows(ChannelAccess::Manage));
        assert!(DepartmentAccess::Assign.allows(DepartmentAccess::View));
        assert!(!DepartmentAccess::View.allows(DepartmentAccess::Assign));
    }

    #[test]
    fn a_grant_names_exactly_one_grantee() {
        let user = Uuid::from_u128(7);
        let grant = |role, user_id| Grant {
            role,
            user_id,
            level: ChannelAccess::Read,
        };
        assert_eq!(
            grant(Some(Role::Agent), None).grantee(),
            Ok(Grantee::Role(Role::Agent))
        );
        assert_eq!(grant(None, Some(user)).grantee(), Ok(Grantee::User(user)));
        assert_eq!(grant(None, None).grantee(), Err(ErrorCode::Required));
        assert_eq!(
            grant(Some(Role::Agent), Some(user)).grantee(),
            Err(ErrorCode::OptionInvalid)
        );
    }
}
