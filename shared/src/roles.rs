//! Built-in profiles and what each may do. The same table answers "show this
//! button?" in the browser and "allow this call?" on the server.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    GlobalAdmin,
    Supervisor,
    Agent,
    Auditor,
    Bot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    ManageAccountSettings,
    ManageUsers,
    ViewAuditLog,
    ManageChannels,
    ManageDepartments,
    ManageAccountQuickReplies,
    ManageContactAttributes,
    /// See every conversation, not only one's departments', own and unassigned.
    ViewAllConversations,
    /// Send messages, change status, assign: anything that changes a conversation.
    WorkConversations,
    DeleteMessages,
    SeeDeletedMessages,
    EditContacts,
    UseApi,
    /// The live status board, team figures and reports (supervisors: their
    /// departments' agents).
    ViewDashboard,
    /// The account's interaction categories.
    ManageCategories,
    /// Build, test and publish automation flows.
    ManageFlows,
    /// Resolve a conversation without sending the customer the
    /// satisfaction survey.
    ResolveWithoutSurvey,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::GlobalAdmin,
        Role::Supervisor,
        Role::Agent,
        Role::Auditor,
        Role::Bot,
    ];

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::GlobalAdmin => true,
            Role::Supervisor => !matches!(
                permission,
                ManageAccountSettings | ManageUsers | ManageChannels | ManageFlows
            ),
            Role::Agent => matches!(permission, WorkConversations | EditContacts | UseApi),
            Role::Auditor => matches!(
                permission,
                ViewAuditLog | ViewAllConversations | SeeDeletedMessages
            ),
            Role::Bot => matches!(
                permission,
                WorkConversations | ViewAllConversations | UseApi
            ),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "global_admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Auditor => "auditor",
            Role::Bot => "bot",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = crate::errors::ErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or(crate::errors::ErrorCode::OptionInvalid)
    }
}

crate::text_column!(Role);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_can_do_everything_and_auditors_only_read() {
        assert!(Role::GlobalAdmin.can(Permission::ManageUsers));
        assert!(Role::Auditor.can(Permission::ViewAuditLog));
        assert!(!Role::Auditor.can(Permission::WorkConversations));
        assert!(!Role::Agent.can(Permission::ViewAuditLog));
        assert!(!Role::Agent.can(Permission::ViewAllConversations));
        assert!(!Role::Supervisor.can(Permission::ManageUsers));
        assert!(Role::GlobalAdmin.can(Permission::ManageFlows));
        assert!(!Role::Supervisor.can(Permission::ManageFlows));
        assert!(Role::Supervisor.can(Permission::ViewAllConversations));
        assert!(Role::Supervisor.can(Permission::ResolveWithoutSurvey));
        assert!(!Role::Agent.can(Permission::ResolveWithoutSurvey));
        assert!(!Role::Bot.can(Permission::ResolveWithoutSurvey));
    }

    #[test]
    fn roles_round_trip_through_strings() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
