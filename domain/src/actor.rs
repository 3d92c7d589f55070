//! Who is acting: the signed-in person (or API token holder) in one account.

use shared::{Permission, Role};
use uuid::Uuid;

use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub role: Role,
    pub name: String,
    pub email: String,
    /// The client address, for the audit log.
    pub ip: Option<String>,
}

impl Actor {
    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }

    /// `Ok` when the actor holds `permission`, else `Forbidden`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// How the actor is named in the audit log.
    pub fn label(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }
}
