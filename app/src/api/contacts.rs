//! The contact panel and contact attributes.

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::inbox::{AttributeDefinition, ContactNote, ContactView};
use shared::AppError;

#[server(endpoint = "update_contact", input = Json)]
pub async fn update_contact(
    contact_id: i64,
    name: String,
    phone: String,
    email: String,
    tags: Vec<String>,
    attributes: Vec<(String, String)>,
) -> Result<ContactView, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let form = domain::contacts::ContactForm {
        name,
        phone,
        email,
        tags,
        attributes,
    };
    finish(domain::contacts::update(&state.db, &actor, contact_id, &form).await)
}

/// Gives the contact to an agent (the customer wallet), or to nobody.
#[server(endpoint = "set_contact_owner", input = Json)]
pub async fn set_contact_owner(
    contact_id: i64,
    owner_id: Option<uuid::Uuid>,
) -> Result<ContactView, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::contacts::set_owner(&state.db, &actor, contact_id, owner_id).await)
}

#[server(endpoint = "add_contact_note")]
pub async fn add_contact_note(contact_id: i64, body: String) -> Result<ContactNote, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::contacts::add_note(&state.db, &actor, contact_id, &body).await)
}

#[server(endpoint = "list_attribute_definitions")]
pub async fn list_attribute_definitions() -> Result<Vec<AttributeDefinition>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::contacts::definitions(&state.db, &actor).await)
}

#[server(endpoint = "define_attribute")]
pub async fn define_attribute(
    label: String,
    key: String,
    kind: String,
    options: String,
) -> Result<AttributeDefinition, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(
        domain::contacts::define_attribute(&state.db, &actor, &label, &key, &kind, &options).await,
    )
}

#[server(endpoint = "remove_attribute")]
pub async fn remove_attribute(id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::contacts::remove_attribute(&state.db, &actor, id).await)
}

/// Contacts matching a name, phone or e-mail (those the caller may see).
#[server(endpoint = "search_contacts")]
pub async fn search_contacts(q: String) -> Result<Vec<shared::inbox::ContactView>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::contacts::search(&state.db, &actor, &q, Some(8)).await)
}

/// Merges `other_id` into `keep_id` (one person on several channels).
#[server(endpoint = "merge_contacts")]
pub async fn merge_contacts(
    keep_id: i64,
    other_id: i64,
) -> Result<shared::inbox::ContactView, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::contacts::merge(&state.db, &actor, keep_id, other_id).await)
}
