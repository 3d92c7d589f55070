//! Drafts: what an agent was typing in a conversation survives switching
//! conversations and reloading, kept in this browser per account and
//! conversation (never sent anywhere until it is sent).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Draft {
    pub text: String,
    pub note: bool,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn key(account: Uuid, number: i64) -> String {
    format!("ponte:draft:{account}:{number}")
}

/// The draft left in this conversation, if any.
pub(super) fn load(account: Uuid, number: i64) -> Option<Draft> {
    #[cfg(feature = "hydrate")]
    {
        let storage = leptos::prelude::window().local_storage().ok().flatten()?;
        let saved = storage.get_item(&key(account, number)).ok().flatten()?;
        crate::json::decode(&saved).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (account, number);
        None
    }
}

/// Keeps the draft (an empty one is forgotten).
pub(super) fn save(account: Uuid, number: i64, draft: &Draft) {
    #[cfg(feature = "hydrate")]
    {
        let Some(storage) = leptos::prelude::window().local_storage().ok().flatten() else {
            return;
        };
        let key = key(account, number);
        if draft.text.trim().is_empty() {
            let _ = storage.remove_item(&key);
        } else if let Ok(json) = serde_json::to_string(draft) {
            let _ = storage.set_item(&key, &json);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (account, number, draft);
}
