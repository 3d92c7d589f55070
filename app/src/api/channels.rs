//! Channel settings and quick replies.

use leptos::prelude::*;
use shared::inbox::{ChannelView, QuickReply};
use shared::AppError;

#[server(endpoint = "list_channels")]
pub async fn list_channels() -> Result<Vec<ChannelView>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::channels::list(&state.db, &actor).await)
}

/// The website channel form, as posted (field names are the form's).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct WebsiteChannelForm {
    pub id: Option<i64>,
    pub name: String,
    pub allowed_origins: String,
    pub greeting: String,
    pub color: String,
    #[serde(default)]
    pub prechat_form: bool,
    pub default_department_id: Option<String>,
    /// `pt-BR`, `en`, or empty for the account's.
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub inactive: bool,
}

/// Creates (no `id`) or updates a website channel.
#[server(endpoint = "save_website_channel")]
pub async fn save_website_channel(channel: WebsiteChannelForm) -> Result<ChannelView, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let form = domain::channels::WebsiteForm {
        name: channel.name,
        allowed_origins: channel.allowed_origins,
        greeting: channel.greeting,
        color: channel.color,
        prechat_form: channel.prechat_form,
        default_department_id: channel.default_department_id.and_then(|d| d.parse().ok()),
        language: channel.language.and_then(|l| l.parse().ok()),
    };
    finish(match channel.id {
        Some(id) => {
            domain::channels::update_website(&state.db, &actor, id, &form, !channel.inactive).await
        }
        None => domain::channels::create_website(&state.db, &actor, &form).await,
    })
}

#[server(endpoint = "list_quick_replies")]
pub async fn list_quick_replies() -> Result<Vec<QuickReply>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::quick_replies::list(&state.db, &actor).await)
}

/// Creates (no `id`) or updates a quick reply.
#[server(endpoint = "save_quick_reply")]
pub async fn save_quick_reply(
    id: Option<i64>,
    shortcut: String,
    content: String,
    #[server(default)] shared: bool,
) -> Result<QuickReply, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(match id {
        Some(id) => domain::quick_replies::update(&state.db, &actor, id, &shortcut, &content).await,
        None => domain::quick_replies::create(&state.db, &actor, &shortcut, &content, shared).await,
    })
}

#[server(endpoint = "remove_quick_reply")]
pub async fn remove_quick_reply(id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::quick_replies::remove(&state.db, &actor, id).await)
}

/// Where a channel's new conversations start and what its customers are
/// spoken to in when theirs is unknown (any kind of channel; empty values:
/// no department, the account's language).
#[server(endpoint = "save_channel_routing")]
pub async fn save_channel_routing(
    id: i64,
    #[server(default)] default_department_id: Option<String>,
    #[server(default)] language: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let change = domain::channels::RoutingChange {
        default_department_id: Some(default_department_id.and_then(|d| d.parse().ok())),
        language: Some(language.and_then(|l| l.parse().ok())),
    };
    finish(domain::channels::set_routing(&state.db, &actor, id, &change).await)
}
