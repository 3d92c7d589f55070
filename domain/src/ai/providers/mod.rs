//! The account's AI providers: OpenAI-compatible chat-completions endpoints
//! managed by admins, keys sealed at rest and never shown again. The default
//! one is asked first by the AI features ([`ask`]); whenever there is none or
//! it fails, they use the offline engine instead — a fresh install, a
//! provider down, a key revoked all leave every feature working.

pub mod chat;
mod health;
mod usage;

use std::time::Duration;

use anyhow::Context;
use serde_json::json;
use shared::ai::{AiProvider, AiProviderForm, ProviderCheck};
use shared::audit::AuditAction;
use shared::{ErrorCode, Permission};
use uuid::Uuid;

pub use chat::{Prompt, Role};
pub use usage::{usage, Purpose};

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::channels::vault::{Sealed, Vault};
use crate::db::{Db, Tx};
use crate::error::{is_unique_violation, Error, Result};

/// How this server reaches providers.
#[derive(Clone, Copy, Debug)]
pub struct Reach<'a> {
    pub vault: &'a Vault,
    /// Private and local addresses allowed (`PONTE_ALLOW_PRIVATE_WEBHOOKS`).
    pub allow_private_targets: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    base_url: String,
    model: String,
    api_key: Option<Vec<u8>>,
    api_key_key_id: Option<String>,
    timeout_ms: i32,
    max_tokens: i32,
    is_default: bool,
}

const COLUMNS: &str =
    "id, name, base_url, model, api_key, api_key_key_id, timeout_ms, max_tokens, is_default";

impl Row {
    fn view(&self) -> AiProvider {
        AiProvider {
            id: self.id,
            name: self.name.clone(),
            base_url: self.base_url.clone(),
            model: self.model.clone(),
            has_api_key: self.api_key.is_some(),
            timeout_ms: u32::try_from(self.timeout_ms).unwrap_or_default(),
            max_tokens: u32::try_from(self.max_tokens).unwrap_or_default(),
            is_default: self.is_default,
        }
    }

    fn endpoint(&self, reach: Reach<'_>) -> anyhow::Result<chat::Endpoint> {
        let api_key = match (&self.api_key, &self.api_key_key_id) {
            (Some(bytes), Some(key_id)) => {
                let sealed = Sealed {
                    key_id: key_id.clone(),
                    bytes: bytes.clone(),
                };
                let plain = reach.vault.open(&seal_context(self.id), &sealed)?;
                Some(String::from_utf8(plain).context("the sealed key is not text")?)
            }
            _ => None,
        };
        Ok(chat::Endpoint {
            base_url: self.base_url.clone(),
            model: self.model.clone(),
            api_key,
            timeout: Duration::from_millis(u64::try_from(self.timeout_ms).unwrap_or(20_000)),
            max_tokens: u32::try_from(self.max_tokens).unwrap_or(512),
            allow_private: reach.allow_private_targets,
        })
    }
}

/// A sealed key opens only on its own row.
fn seal_context(id: i64) -> String {
    format!("ai-provider:{id}")
}

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<AiProvider>> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM ai_providers WHERE account_id = $1 ORDER BY lower(name)"
    ))
    .bind(actor.account_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing AI providers")?;
    tx.commit().await.context("commit")?;
    Ok(rows.iter().map(Row::view).collect())
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<AiProvider> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let row = row_in(&mut tx, actor.account_id, id).await?;
    tx.commit().await.context("commit")?;
    Ok(row.view())
}

async fn row_in(tx: &mut Tx, account_id: Uuid, id: i64) -> Result<Row> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM ai_providers WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the AI provider")?;
    row.ok_or(Error::NotFound)
}

/// Creates (`id` None) or changes a provider. The first one becomes the
/// default; making one the default takes it from the others.
pub async fn save(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    id: Option<i64>,
    form: &AiProviderForm,
) -> Result<AiProvider> {
    actor.require(Permission::ManageAccountSettings)?;
    Error::check(form.problems())?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    one_change_at_a_time(&mut tx, actor.account_id).await?;
    let has_default: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM ai_providers
                         WHERE account_id = $1 AND is_default AND id IS DISTINCT FROM $2)",
    )
    .bind(actor.account_id)
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .context("finding the default AI provider")?;
    let is_default = form.is_default || (id.is_none() && !has_default);
    if is_default && has_default {
        sqlx::query(
            "UPDATE ai_providers SET is_default = false WHERE account_id = $1 AND is_default",
        )
        .bind(actor.account_id)
        .execute(&mut *tx)
        .await
        .context("taking the default from the other provider")?;
    }
    if let Some(id) = id {
        row_in(&mut tx, actor.account_id, id).await?;
    }
    let id = write_row(&mut tx, actor.account_id, id, form, is_default).await?;
    if let Some(key) = &form.api_key {
        store_key(&mut tx, vault, actor.account_id, id, key.trim()).await?;
    }
    let row = row_in(&mut tx, actor.account_id, id).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        Some(Target::new("ai_provider", id)),
        json!({
            "section": "ai_providers",
            "name": row.name,
            "base_url": row.base_url,
            "model": row.model,
            "is_default": row.is_default,
            // Whether the key changed, never the key.
            "api_key_changed": form.api_key.is_some(),
        }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(row.view())
}

/// Inserts (`id` None) or updates the provider's row; its id.
async fn write_row(
    tx: &mut Tx,
    account_id: Uuid,
    id: Option<i64>,
    form: &AiProviderForm,
    is_default: bool,
) -> Result<i64> {
    let sql = match id {
        Some(_) => {
            "UPDATE ai_providers
                SET name = $3, base_url = $4, model = $5, timeout_ms = $6, max_tokens = $7,
                    is_default = $8, updated_at = now()
              WHERE account_id = $1 AND id = $2
             RETURNING id"
        }
        // `$2` (no id) is only there so that both take the same binds.
        None => {
            "INSERT INTO ai_providers
                    (account_id, name, base_url, model, timeout_ms, max_tokens, is_default)
             SELECT $1, $3, $4, $5, $6, $7, $8 WHERE $2::bigint IS NULL
             RETURNING id"
        }
    };
    sqlx::query_scalar(sql)
        .bind(account_id)
        .bind(id)
        .bind(form.name.trim())
        .bind(form.base_url.trim().trim_end_matches('/'))
        .bind(form.model.trim())
        .bind(i32::try_from(form.timeout_ms).unwrap_or(i32::MAX))
        .bind(i32::try_from(form.max_tokens).unwrap_or(i32::MAX))
        .bind(is_default)
        .fetch_one(&mut **tx)
        .await
        .map_err(|err| {
            if is_unique_violation(&err, "ai_providers_name_idx") {
                Error::field("name", ErrorCode::NameTaken)
            } else {
                Error::Unexpected(anyhow::Error::new(err).context("saving the AI provider"))
            }
        })
}

/// Seals `key` for row `id`; an empty key removes the saved one.
async fn store_key(
    tx: &mut Tx,
    vault: &Vault,
    account_id: Uuid,
    id: i64,
    key: &str,
) -> anyhow::Result<()> {
    let sealed = if key.is_empty() {
        None
    } else {
        Some(vault.seal(&seal_context(id), key.as_bytes())?)
    };
    sqlx::query(
        "UPDATE ai_providers SET api_key = $3, api_key_key_id = $4 WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(id)
    .bind(sealed.as_ref().map(|s| s.bytes.clone()))
    .bind(sealed.as_ref().map(|s| s.key_id.clone()))
    .execute(&mut **tx)
    .await
    .context("sealing the AI provider's key")?;
    Ok(())
}

/// Serializes changes to one account's providers, so two saved at once
/// cannot both become its first default.
async fn one_change_at_a_time(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('ai_providers:' || $1::text, 0))")
        .bind(account_id)
        .execute(&mut **tx)
        .await
        .context("waiting for the account's other provider changes")?;
    Ok(())
}

/// Removes a provider (the oldest left becomes the default if it was);
/// its calls stay counted, without its name.
pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    one_change_at_a_time(&mut tx, actor.account_id).await?;
    let row = row_in(&mut tx, actor.account_id, id).await?;
    sqlx::query("DELETE FROM ai_providers WHERE account_id = $1 AND id = $2")
        .bind(actor.account_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("removing the AI provider")?;
    // The AI keeps a provider while the account has one: the oldest left.
    if row.is_default {
        sqlx::query(
            "UPDATE ai_providers SET is_default = true
              WHERE account_id = $1
                AND id = (SELECT min(id) FROM ai_providers WHERE account_id = $1)",
        )
        .bind(actor.account_id)
        .execute(&mut *tx)
        .await
        .context("handing the default to another provider")?;
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        Some(Target::new("ai_provider", id)),
        json!({ "section": "ai_providers", "removed": row.name }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// "Test connection": a one-word question, answered or not, and how fast.
pub async fn check(db: &Db, reach: Reach<'_>, actor: &Actor, id: i64) -> Result<ProviderCheck> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let row = row_in(&mut tx, actor.account_id, id).await?;
    tx.commit().await.context("commit")?;
    let mut endpoint = match row.endpoint(reach) {
        Ok(endpoint) => endpoint,
        Err(err) => {
            tracing::warn!(provider = id, error = ?err, "AI provider's key does not open");
            return Ok(ProviderCheck {
                ok: false,
                latency_ms: 0,
                model: None,
                error: Some("the saved key cannot be opened: save it again".into()),
            });
        }
    };
    endpoint.max_tokens = 16;
    let prompts = [Prompt {
        role: Role::User,
        content: "Reply with the single word OK.".into(),
    }];
    let exchange = chat::complete(&endpoint, &prompts).await;
    record_call(db, actor.account_id, id, Purpose::Test, None, &exchange).await;
    let latency_ms = u32::try_from(exchange.latency.as_millis()).unwrap_or(u32::MAX);
    Ok(match exchange.result {
        Ok(completion) => ProviderCheck {
            ok: true,
            latency_ms,
            model: completion.model,
            error: None,
        },
        Err(reason) => ProviderCheck {
            ok: false,
            latency_ms,
            model: None,
            error: Some(reason),
        },
    })
}

/// What the account's default provider answered.
#[derive(Clone, Debug)]
pub struct Answer {
    pub text: String,
    pub provider_id: i64,
    pub provider_name: String,
}

/// Asks the account's default provider; `None` when there is none or it
/// failed (recorded, and logged without content) — the caller then uses the
/// offline engine. No transaction is held while the provider thinks.
pub async fn ask(
    db: &Db,
    reach: Reach<'_>,
    account_id: Uuid,
    purpose: Purpose,
    conversation_id: Option<i64>,
    prompts: &[Prompt],
) -> anyhow::Result<Option<Answer>> {
    ask_one(
        db,
        reach,
        account_id,
        None,
        purpose,
        conversation_id,
        prompts,
    )
    .await
}

/// [`ask`] of one provider of the account (an AI agent's own).
pub async fn ask_provider(
    db: &Db,
    reach: Reach<'_>,
    account_id: Uuid,
    provider_id: i64,
    purpose: Purpose,
    conversation_id: Option<i64>,
    prompts: &[Prompt],
) -> anyhow::Result<Option<Answer>> {
    let provider = Some(provider_id);
    ask_one(
        db,
        reach,
        account_id,
        provider,
        purpose,
        conversation_id,
        prompts,
    )
    .await
}

/// Asks provider `provider_id` (none: the default one).
async fn ask_one(
    db: &Db,
    reach: Reach<'_>,
    account_id: Uuid,
    provider_id: Option<i64>,
    purpose: Purpose,
    conversation_id: Option<i64>,
    prompts: &[Prompt],
) -> anyhow::Result<Option<Answer>> {
    let mut tx = db.tenant(account_id, None).await?;
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM ai_providers
          WHERE account_id = $1 AND CASE WHEN $2::bigint IS NULL THEN is_default ELSE id = $2 END"
    ))
    .bind(account_id)
    .bind(provider_id)
    .fetch_optional(&mut *tx)
    .await
    .context("finding the AI provider")?;
    tx.commit().await.context("commit")?;
    let Some(row) = row else {
        return Ok(None);
    };
    let endpoint = match row.endpoint(reach) {
        Ok(endpoint) => endpoint,
        Err(err) => {
            tracing::warn!(provider = row.id, error = ?err, "AI provider's key does not open");
            return Ok(None);
        }
    };
    let exchange = chat::complete(&endpoint, prompts).await;
    record_call(db, account_id, row.id, purpose, conversation_id, &exchange).await;
    match exchange.result {
        Ok(completion) => Ok(Some(Answer {
            text: completion.text,
            provider_id: row.id,
            provider_name: row.name,
        })),
        Err(reason) => {
            tracing::warn!(provider = row.id, ?purpose, %reason, "AI provider failed; offline engine used");
            Ok(None)
        }
    }
}

/// Counts a call in the usage log and follows the provider's failures
/// (admins are alerted when it keeps failing); a failure to count is
/// logged, and never costs the caller the answer it paid for.
async fn record_call(
    db: &Db,
    account_id: Uuid,
    provider_id: i64,
    purpose: Purpose,
    conversation_id: Option<i64>,
    exchange: &chat::Exchange,
) {
    let recorded = async {
        let mut tx = db.tenant(account_id, None).await?;
        usage::record(
            &mut tx,
            account_id,
            provider_id,
            purpose,
            conversation_id,
            exchange,
        )
        .await?;
        let ok = exchange.result.is_ok();
        health::follow(&mut tx, account_id, provider_id, purpose, ok).await?;
        tx.commit().await.context("commit")?;
        anyhow::Ok(())
    };
    if let Err(err) = recorded.await {
        tracing::warn!(provider = provider_id, error = ?err, "AI call not counted");
    }
}
