//! Contacts: the customers who write in. Created as leads on their first
//! message, keyed by their identity on each channel; edited by agents with
//! typed custom attributes, tags and notes.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use shared::inbox::{ContactDetails, ContactNote, ContactView, VisitorContext};
use shared::phone::PhoneNumber;
use shared::values::{DisplayName, EmailAddress};
use shared::{ErrorCode, FieldErrors, Permission};
use uuid::Uuid;

mod attributes;
mod language;
mod merge;
mod owner;
pub(crate) use attributes::definitions_in;
pub use attributes::{attribute_value, define_attribute, definitions, remove_attribute};
pub(crate) use language::customer_locale;
pub use merge::merge;
pub use owner::set_owner;

use crate::actor::Actor;
use crate::conversations::{self, normalize_tag, remember_tags, visible_sql};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::realtime::{self, Signal};

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: i64,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    avatar_url: Option<String>,
    attributes: Value,
    tags: Vec<String>,
    is_lead: bool,
    created_at: DateTime<Utc>,
    owner_id: Option<Uuid>,
}

impl From<ContactRow> for ContactView {
    fn from(r: ContactRow) -> Self {
        ContactView {
            id: r.id,
            name: r.name,
            phone: r.phone,
            email: r.email,
            avatar_url: r.avatar_url,
            attributes: match r.attributes {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            tags: r.tags,
            is_lead: r.is_lead,
            created_at: r.created_at,
            owner_id: r.owner_id,
        }
    }
}

const CONTACT_COLUMNS: &str =
    "id, name, phone, email, avatar_url, attributes, tags, is_lead, created_at, owner_id";

/// The contact behind an identity on a channel, created (as a lead) on first
/// contact. Safe under concurrency: two first messages yield one contact.
pub(crate) async fn find_or_create_by_identity(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    external_id: &str,
    name: &str,
    email: Option<&str>,
) -> anyhow::Result<i64> {
    if let Some(id) = contact_by_identity(tx, channel_id, external_id).await? {
        return Ok(id);
    }
    // Serialise creators of the same identity; the loser finds the winner's row.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("identity:{channel_id}:{external_id}"))
        .execute(&mut **tx)
        .await
        .context("locking identity")?;
    if let Some(id) = contact_by_identity(tx, channel_id, external_id).await? {
        return Ok(id);
    }
    let contact_id: i64 = sqlx::query_scalar(
        "INSERT INTO contacts (account_id, name, email) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(account_id)
    .bind(name)
    .bind(email)
    .fetch_one(&mut **tx)
    .await
    .context("creating contact")?;
    sqlx::query("INSERT INTO contact_identities (account_id, contact_id, channel_id, external_id) VALUES ($1, $2, $3, $4)")
        .bind(account_id)
        .bind(contact_id)
        .bind(channel_id)
        .bind(external_id)
        .execute(&mut **tx)
        .await
        .context("recording identity")?;
    realtime::publish(
        tx,
        account_id,
        Signal::ContactIdentified {
            channel_id,
            external_id: external_id.to_string(),
            contact_id,
        },
    )
    .await?;
    Ok(contact_id)
}

pub(crate) async fn contact_by_identity(
    tx: &mut Tx,
    channel_id: i64,
    external_id: &str,
) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT contact_id FROM contact_identities WHERE channel_id = $1 AND external_id = $2",
    )
    .bind(channel_id)
    .bind(external_id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding identity")
}

/// Whether the actor may see the contact: whoever sees every department and
/// connection always; others when they can see one of its conversations.
async fn ensure_visible(tx: &mut Tx, actor: &Actor, contact_id: i64) -> Result<()> {
    let scope = crate::access::scope_in(tx, actor).await?;
    let visible: bool = sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM contacts ct WHERE ct.account_id = $4 AND ct.id = $3
            AND (($2::bigint[] IS NULL AND $5::bigint[] IS NULL) OR EXISTS (
                 SELECT 1 FROM conversations c WHERE c.contact_id = ct.id AND {})))",
        visible_sql("$1", "$2", "$5")
    ))
    .bind(scope.user_id)
    .bind(scope.departments.as_sql())
    .bind(contact_id)
    .bind(actor.account_id)
    .bind(scope.channels.as_sql())
    .fetch_one(&mut **tx)
    .await
    .context("checking contact visibility")?;
    if visible {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

pub async fn get(db: &Db, actor: &Actor, contact_id: i64) -> Result<ContactView> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    ensure_visible(&mut tx, actor, contact_id).await?;
    let row: ContactRow = sqlx::query_as(&format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1"
    ))
    .bind(contact_id)
    .fetch_one(&mut *tx)
    .await
    .context("reading contact")?;
    tx.commit().await.context("commit")?;
    Ok(row.into())
}

/// Everything the contact panel shows.
pub async fn details(db: &Db, actor: &Actor, contact_id: i64) -> Result<ContactDetails> {
    let contact = get(db, actor, contact_id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let notes: Vec<(i64, Option<String>, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT n.id, u.name, n.body, n.created_at FROM contact_notes n LEFT JOIN users u ON u.id = n.author_id
          WHERE n.contact_id = $1 ORDER BY n.id DESC LIMIT 50",
    )
    .bind(contact_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing notes")?;
    let attributes = definitions_in(&mut tx).await?;
    let visitor: Option<sqlx::types::Json<VisitorContext>> = sqlx::query_scalar(
        "SELECT context FROM contact_identities
          WHERE account_id = $1 AND contact_id = $2 AND context <> '{}'
          ORDER BY id DESC LIMIT 1",
    )
    .bind(actor.account_id)
    .bind(contact_id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading visitor context")?;
    tx.commit().await.context("commit")?;
    let history = conversations::list(
        db,
        actor,
        &shared::inbox::InboxFilter {
            all_statuses: true,
            limit: Some(20),
            ..Default::default()
        }
        .for_contact(contact_id),
    )
    .await?;
    Ok(ContactDetails {
        contact,
        notes: notes
            .into_iter()
            .map(|(id, author_name, body, created_at)| ContactNote {
                id,
                author_name,
                body,
                created_at,
            })
            .collect(),
        attributes,
        conversations: history.conversations,
        visitor: visitor.map(|context| context.0),
    })
}

/// Remembers where a visitor on a channel last wrote from.
pub(crate) async fn record_visitor_context(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    external_id: &str,
    context: &VisitorContext,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE contact_identities SET context = $4
          WHERE account_id = $1 AND channel_id = $2 AND external_id = $3 AND context IS DISTINCT FROM $4",
    )
    .bind(account_id)
    .bind(channel_id)
    .bind(external_id)
    .bind(sqlx::types::Json(context))
    .execute(&mut **tx)
    .await
    .context("recording visitor context")?;
    Ok(())
}

/// The contact form as typed; attributes by key, as text.
#[derive(Clone, Debug, Default)]
pub struct ContactForm {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub tags: Vec<String>,
    pub attributes: Vec<(String, String)>,
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    contact_id: i64,
    form: &ContactForm,
) -> Result<ContactView> {
    actor.require(Permission::EditContacts)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    ensure_visible(&mut tx, actor, contact_id).await?;
    let definitions = definitions_in(&mut tx).await?;
    let country = crate::accounts::country_in(&mut tx, actor.account_id).await?;

    let mut errors = FieldErrors::new();
    let name = if form.name.trim().is_empty() {
        Some(String::new())
    } else {
        errors.check(
            "name",
            DisplayName::parse(&form.name).map(|n| n.to_string()),
        )
    };
    let phone = if form.phone.trim().is_empty() {
        Some(None)
    } else {
        errors.check(
            "phone",
            PhoneNumber::parse(&form.phone, country).map(|p| Some(p.as_str().to_string())),
        )
    };
    let email = if form.email.trim().is_empty() {
        Some(None)
    } else {
        errors.check(
            "email",
            EmailAddress::parse(&form.email).map(|e| Some(e.to_string())),
        )
    };
    let mut tags = Vec::new();
    for tag in &form.tags {
        match normalize_tag(tag) {
            Some(tag) if !tags.contains(&tag) => tags.push(tag),
            Some(_) => {}
            None => errors.add("tags", ErrorCode::InvalidValue),
        }
    }
    let mut attributes = Map::new();
    for (key, raw) in &form.attributes {
        let field = format!("attributes.{key}");
        match definitions.iter().find(|d| &d.key == key) {
            Some(definition) => {
                if let Some(Some(value)) = errors.check(&field, attribute_value(definition, raw)) {
                    attributes.insert(key.clone(), value);
                }
            }
            None => errors.add(&field, ErrorCode::OptionInvalid),
        }
    }
    errors.into_result()?;
    let (Some(name), Some(phone), Some(email)) = (name, phone, email) else {
        return Err(anyhow::anyhow!("validation passed with a missing value").into());
    };
    let row: ContactRow = sqlx::query_as(&format!(
        "UPDATE contacts SET name = $2, phone = $3, email = $4, tags = $5, attributes = $6, updated_at = now()
          WHERE account_id = $7 AND id = $1 RETURNING {CONTACT_COLUMNS}"
    ))
    .bind(contact_id)
    .bind(&name)
    .bind(&phone)
    .bind(&email)
    .bind(&tags)
    .bind(Value::Object(attributes))
    .bind(actor.account_id)
    .fetch_one(&mut *tx)
    .await
    .context("updating contact")?;
    remember_tags(&mut tx, actor.account_id, &tags).await?;
    // The name shows in the conversation list: tell the open inboxes.
    let conversation_ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE contact_id = $1 ORDER BY id DESC LIMIT 20",
    )
    .bind(contact_id)
    .fetch_all(&mut *tx)
    .await
    .context("finding conversations")?;
    for id in conversation_ids {
        conversations::touch(&mut tx, actor.account_id, id).await?;
    }
    tx.commit().await.context("commit")?;
    Ok(row.into())
}

pub async fn add_note(db: &Db, actor: &Actor, contact_id: i64, body: &str) -> Result<ContactNote> {
    actor.require(Permission::EditContacts)?;
    let body = body.trim();
    if body.is_empty() {
        return Err(Error::field("body", ErrorCode::Required));
    }
    if body.chars().count() > 5000 {
        return Err(Error::field("body", ErrorCode::TooLong));
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    ensure_visible(&mut tx, actor, contact_id).await?;
    let (id, created_at): (i64, DateTime<Utc>) = sqlx::query_as(
        "INSERT INTO contact_notes (account_id, contact_id, author_id, body) VALUES ($1, $2, $3, $4) RETURNING id, created_at",
    )
    .bind(actor.account_id)
    .bind(contact_id)
    .bind(actor.user_id)
    .bind(body)
    .fetch_one(&mut *tx)
    .await
    .context("adding note")?;
    tx.commit().await.context("commit")?;
    Ok(ContactNote {
        id,
        author_name: Some(actor.name.clone()),
        body: body.to_string(),
        created_at,
    })
}

/// Contacts the actor may see whose name, phone or e-mail contains `q`
/// (trigram index), or the newest ones when `q` is empty; `limit` 1–100
/// (default 25).
pub async fn search(
    db: &Db,
    actor: &Actor,
    q: &str,
    limit: Option<u32>,
) -> Result<Vec<ContactView>> {
    let limit = match limit {
        None => 25,
        Some(limit) if (1..=100).contains(&limit) => limit,
        Some(_) => return Err(Error::field("limit", ErrorCode::NumberInvalid)),
    };
    let q = q.trim();
    let pattern = conversations::SearchPatterns::of(q)
        .map(|p| p.contact)
        .unwrap_or_default();
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let scope = crate::access::scope_in(&mut tx, actor).await?;
    // A rare term is looked up through the trigram index (see
    // migrations/0003_search.sql); a common one filters the newest-first walk.
    let matching: Option<Vec<i64>> = if q.is_empty() {
        None
    } else {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT * FROM search_contact_ids($1, $2)")
            .bind(&pattern)
            .bind(conversations::FEW_CONTACT_MATCHES)
            .fetch_all(&mut *tx)
            .await
            .context("probing contacts")?;
        (ids.len() < conversations::FEW_CONTACT_MATCHES as usize).then_some(ids)
    };
    let match_clause = match (&matching, q.is_empty()) {
        // Every variant names $1 so that its type is known.
        (Some(_), _) => "$1::text IS NOT NULL AND ct.id = ANY($5::bigint[])",
        (None, true) => "$1::text IS NOT NULL AND $5::bigint[] IS NULL",
        (None, false) => "$5::bigint[] IS NULL AND ct.search_text LIKE $1",
    };
    let rows: Vec<ContactRow> = sqlx::query_as(&format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts ct
          WHERE {match_clause}
            AND ct.merged_into IS NULL
            AND (($3::bigint[] IS NULL AND $6::bigint[] IS NULL)
                 OR EXISTS (SELECT 1 FROM conversations c WHERE c.contact_id = ct.id AND {visible}))
          ORDER BY ct.id DESC LIMIT $4",
        visible = visible_sql("$2", "$3", "$6")
    ))
    .bind(&pattern)
    .bind(scope.user_id)
    .bind(scope.departments.as_sql())
    .bind(i64::from(limit))
    .bind(matching)
    .bind(scope.channels.as_sql())
    .fetch_all(&mut *tx)
    .await
    .context("searching contacts")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(Into::into).collect())
}
