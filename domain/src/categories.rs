//! Interaction categories: each account's tree, managed by admins and
//! supervisors; agents pick one or more when they wrap a conversation up,
//! and the account (or the channel's kind) can require it. Deactivated
//! categories stay on the conversations that used them.

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::categories::{check_parent, Category, CategorySetup};
use shared::values::DisplayName;
use shared::{ErrorCode, FieldErrors, Permission};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::conversations::Locked;
use crate::db::{Db, Tx};
use crate::error::{is_unique_violation, Error, Result};

const MAX_DESCRIPTION: usize = 500;

/// The tree and the requirement: every member reads it (agents pick from it).
pub async fn setup(db: &Db, actor: &Actor) -> Result<CategorySetup> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let setup = setup_in(&mut tx, actor.account_id).await?;
    tx.commit().await.context("commit")?;
    Ok(setup)
}

pub(crate) async fn list_in(tx: &mut Tx) -> anyhow::Result<Vec<Category>> {
    let rows: Vec<(i64, Option<i64>, String, String, bool)> = sqlx::query_as(
        "SELECT id, parent_id, name, description, active FROM categories ORDER BY lower(name)",
    )
    .fetch_all(&mut **tx)
    .await
    .context("listing categories")?;
    Ok(rows
        .into_iter()
        .map(|(id, parent_id, name, description, active)| Category {
            id,
            parent_id,
            name,
            description,
            active,
        })
        .collect())
}

pub(crate) async fn setup_in(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<CategorySetup> {
    let categories = list_in(tx).await?;
    let (required, required_channel_kinds): (bool, Vec<String>) = sqlx::query_as(
        "SELECT categories_required, categories_required_channel_kinds FROM accounts WHERE id = $1",
    )
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await
    .context("reading the category requirement")?;
    Ok(CategorySetup {
        categories,
        required,
        required_channel_kinds,
    })
}

/// A category as typed in the settings form.
#[derive(Clone, Debug, Default)]
pub struct CategoryForm {
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
}

struct Valid {
    name: DisplayName,
    description: String,
}

fn validate(form: &CategoryForm) -> Result<Valid> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", DisplayName::parse(&form.name));
    let description = form.description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION {
        errors.add("description", ErrorCode::TooLong);
    }
    errors.into_result()?;
    let name = name.context("validation passed without a name")?;
    Ok(Valid { name, description })
}

/// A taken name is the person's to fix; anything else is ours.
fn save_error(err: sqlx::Error, doing: &'static str) -> Error {
    if is_unique_violation(&err, "categories_name_idx") {
        Error::field("name", ErrorCode::NameTaken)
    } else {
        anyhow::Error::new(err).context(doing).into()
    }
}

pub async fn create(db: &Db, actor: &Actor, form: &CategoryForm) -> Result<Category> {
    actor.require(Permission::ManageCategories)?;
    let valid = validate(form)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let all = list_in(&mut tx).await?;
    check_parent(&all, None, form.parent_id).map_err(|code| Error::field("parent_id", code))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO categories (account_id, parent_id, name, description) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(actor.account_id)
    .bind(form.parent_id)
    .bind(valid.name.as_str())
    .bind(&valid.description)
    .fetch_one(&mut *tx)
    .await
    .map_err(|err| save_error(err, "creating a category"))?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::CategoryCreated,
        Some(Target::new("category", id)),
        json!({ "name": valid.name.as_str(), "parent_id": form.parent_id }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(Category {
        id,
        parent_id: form.parent_id,
        name: valid.name.to_string(),
        description: valid.description,
        active: true,
    })
}

/// Renames, re-describes, moves, and (de)activates a category.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    form: &CategoryForm,
    active: bool,
) -> Result<Category> {
    actor.require(Permission::ManageCategories)?;
    let valid = validate(form)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let all = list_in(&mut tx).await?;
    let before = all
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or(Error::NotFound)?;
    if form.parent_id != before.parent_id {
        check_parent(&all, Some(id), form.parent_id)
            .map_err(|code| Error::field("parent_id", code))?;
    }
    sqlx::query(
        "UPDATE categories SET name = $3, description = $4, parent_id = $5, active = $6, updated_at = now()
          WHERE account_id = $1 AND id = $2",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(valid.name.as_str())
    .bind(&valid.description)
    .bind(form.parent_id)
    .bind(active)
    .execute(&mut *tx)
    .await
    .map_err(|err| save_error(err, "updating a category"))?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::CategoryUpdated,
        Some(Target::new("category", id)),
        json!({
            "name": [before.name, valid.name.as_str()],
            "parent_id": [before.parent_id, form.parent_id],
            "active": [before.active, active],
        }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(Category {
        id,
        parent_id: form.parent_id,
        name: valid.name.to_string(),
        description: valid.description,
        active,
    })
}

/// Whether resolving needs a category: always, or on these channel kinds.
pub async fn set_requirement(
    db: &Db,
    actor: &Actor,
    required: bool,
    channel_kinds: &[String],
) -> Result<CategorySetup> {
    actor.require(Permission::ManageCategories)?;
    let known = shared::inbox::ChannelKind::ALL;
    if channel_kinds
        .iter()
        .any(|k| !known.iter().any(|c| c.as_str() == k))
    {
        return Err(Error::field(
            "required_channel_kinds",
            ErrorCode::OptionInvalid,
        ));
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let before = setup_in(&mut tx, actor.account_id).await?;
    sqlx::query(
        "UPDATE accounts SET categories_required = $2, categories_required_channel_kinds = $3, updated_at = now()
          WHERE id = $1",
    )
    .bind(actor.account_id)
    .bind(required)
    .bind(channel_kinds)
    .execute(&mut *tx)
    .await
    .context("saving the category requirement")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        Some(Target::new("account", actor.account_id)),
        json!({ "section": "categories", "changes": {
            "required": [before.required, required],
            "required_channel_kinds": [before.required_channel_kinds, channel_kinds],
        }}),
    )
    .await?;
    let setup = setup_in(&mut tx, actor.account_id).await?;
    tx.commit().await.context("commit")?;
    Ok(setup)
}

/// Sets a conversation's categories (at wrap-up): active ones only.
pub(crate) async fn choose_in(
    tx: &mut Tx,
    actor: &Actor,
    conversation: &Locked,
    category_ids: &[i64],
) -> Result<()> {
    let active: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM categories WHERE account_id = $1 AND active AND id = ANY($2)",
    )
    .bind(actor.account_id)
    .bind(category_ids)
    .fetch_all(&mut **tx)
    .await
    .context("checking categories")?;
    let mut wanted = category_ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    if active.len() != wanted.len() {
        return Err(Error::field("categories", ErrorCode::OptionInvalid));
    }
    sqlx::query(
        "DELETE FROM conversation_categories WHERE account_id = $1 AND conversation_id = $2",
    )
    .bind(actor.account_id)
    .bind(conversation.id)
    .execute(&mut **tx)
    .await
    .context("clearing categories")?;
    sqlx::query(
        "INSERT INTO conversation_categories (account_id, conversation_id, category_id, chosen_by)
         SELECT $1, $2, unnest($3::bigint[]), $4",
    )
    .bind(actor.account_id)
    .bind(conversation.id)
    .bind(&wanted)
    .bind(actor.user_id)
    .execute(&mut **tx)
    .await
    .context("saving categories")?;
    Ok(())
}

/// Whether this conversation needs a category before it can be resolved
/// and has none: the one rule every resolve path checks.
pub(crate) async fn missing_required(tx: &mut Tx, conversation: &Locked) -> anyhow::Result<bool> {
    sqlx::query_scalar(
        "SELECT (a.categories_required OR ch.kind = ANY(a.categories_required_channel_kinds))
                AND NOT EXISTS (SELECT 1 FROM conversation_categories cc WHERE cc.conversation_id = $2)
           FROM accounts a, channels ch
          WHERE a.id = $1 AND ch.account_id = $1 AND ch.id = $3",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(conversation.channel_id)
    .fetch_one(&mut **tx)
    .await
    .context("checking the category requirement")
}
