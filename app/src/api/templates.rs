//! WhatsApp message templates: managed per connection by admins, chosen by
//! agents when the customer's 24-hour window has closed.

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::connections::{MessageTemplate, TemplateCategory, TemplateSync};
use shared::inbox::MessageView;
use shared::AppError;
use uuid::Uuid;

#[server(endpoint = "list_templates")]
pub async fn list_templates(channel_id: i64) -> Result<Vec<MessageTemplate>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::channels::templates::list(&state.db, &actor, channel_id).await)
}

/// Reads the number's templates from Meta.
#[server(endpoint = "sync_templates")]
pub async fn sync_templates(channel_id: i64) -> Result<TemplateSync, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(
        domain::channels::templates::sync(&state.db, &state.config.vault, &actor, channel_id).await,
    )
}

/// Adds a template by hand (or changes one with the same name and language).
#[server(endpoint = "save_template", input = Json)]
pub async fn save_template(
    channel_id: i64,
    name: String,
    language: String,
    category: TemplateCategory,
    body: String,
) -> Result<MessageTemplate, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let form = domain::channels::templates::TemplateForm {
        name,
        language,
        category,
        body,
    };
    finish(domain::channels::templates::save(&state.db, &actor, channel_id, &form).await)
}

#[server(endpoint = "remove_template")]
pub async fn remove_template(channel_id: i64, template_id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::channels::templates::remove(&state.db, &actor, channel_id, template_id).await)
}

/// The approved templates of a conversation's number.
#[server(endpoint = "conversation_templates")]
pub async fn conversation_templates(number: i64) -> Result<Vec<MessageTemplate>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::channels::templates::for_conversation(&state.db, &actor, number).await)
}

/// Replies with a template, its placeholders filled in order.
#[server(endpoint = "send_template", input = Json)]
pub async fn send_template(
    number: i64,
    template_id: i64,
    values: Vec<String>,
    client_id: Option<Uuid>,
) -> Result<MessageView, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let reply = domain::messages::Reply {
        client_id,
        template: Some(domain::channels::templates::TemplateChoice {
            template_id,
            values,
        }),
        ..Default::default()
    };
    finish(domain::messages::send(&state.db, &actor, number, &reply).await)
}
