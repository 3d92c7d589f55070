//! WhatsApp message templates: what a business may send once a customer's
//! 24-hour window has closed. Synced from Meta or typed in by an admin,
//! kept current by Meta's status webhook, and chosen with their values when
//! an agent replies (the reply path, [`crate::messages::send`], calls
//! [`prepare`]).

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::connections::{
    render_template, template_variables, MessageTemplate, TemplateCategory, TemplateStatus,
    TemplateSync,
};
use shared::inbox::ChannelKind;
use shared::{ErrorCode, FieldErrors, Permission};
use uuid::Uuid;

use super::connections::{self, ProviderConfig};
use super::provider::{SendError, TemplateStatusUpdate};
use super::vault::Vault;
use super::whatsapp_templates::{self, TemplateParameter, TemplateSend};
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

/// Longest body Meta accepts.
const MAX_BODY_CHARS: usize = 1024;
/// Longest value of one placeholder.
const MAX_VALUE_CHARS: usize = 1024;

#[derive(sqlx::FromRow)]
struct TemplateRow {
    id: i64,
    channel_id: i64,
    name: String,
    language: String,
    category: TemplateCategory,
    status: TemplateStatus,
    body: String,
    reason: Option<String>,
    synced: bool,
}

impl From<TemplateRow> for MessageTemplate {
    fn from(row: TemplateRow) -> Self {
        MessageTemplate {
            id: row.id,
            channel_id: row.channel_id,
            name: row.name,
            language: row.language,
            category: row.category,
            status: row.status,
            body: row.body,
            reason: row.reason,
            synced: row.synced,
        }
    }
}

const COLUMNS: &str = "id, channel_id, name, language, category, status, body, reason, \
                       external_id IS NOT NULL AS synced";

/// A connection's templates (admins: every status).
pub async fn list(db: &Db, actor: &Actor, channel_id: i64) -> Result<Vec<MessageTemplate>> {
    crate::access::require_manage(db, actor, channel_id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<TemplateRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM message_templates WHERE account_id = $1 AND channel_id = $2
          ORDER BY name, language"
    ))
    .bind(actor.account_id)
    .bind(channel_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing templates")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The approved templates an agent may send in a conversation they see.
pub async fn for_conversation(db: &Db, actor: &Actor, number: i64) -> Result<Vec<MessageTemplate>> {
    actor.require(Permission::WorkConversations)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = crate::conversations::visible_summary(&mut tx, actor, number).await?;
    let rows: Vec<TemplateRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM message_templates
          WHERE account_id = $1 AND channel_id = $2 AND status = 'approved' ORDER BY name, language"
    ))
    .bind(actor.account_id)
    .bind(conversation.channel_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing templates")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A template an admin types in (one Meta approved elsewhere, say).
#[derive(Clone, Debug, Default)]
pub struct TemplateForm {
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    pub body: String,
}

fn validate(form: &TemplateForm) -> Result<TemplateForm> {
    let mut errors = FieldErrors::new();
    let name = form.name.trim().to_string();
    let name_ok = !name.is_empty()
        && name.len() <= 512
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if name.is_empty() {
        errors.add("name", ErrorCode::Required);
    } else if !name_ok {
        errors.add("name", ErrorCode::InvalidCharacters);
    }
    let language = form.language.trim().to_string();
    if !valid_language(&language) {
        errors.add("language", ErrorCode::OptionInvalid);
    }
    let body = form.body.trim().to_string();
    if body.is_empty() {
        errors.add("body", ErrorCode::Required);
    } else if body.chars().count() > MAX_BODY_CHARS {
        errors.add("body", ErrorCode::TooLong);
    }
    errors.into_result()?;
    Ok(TemplateForm {
        name,
        language,
        category: form.category,
        body,
    })
}

/// Meta's codes: `pt_BR`, `en_US`, `es`, `fil`.
fn valid_language(code: &str) -> bool {
    let base_ok =
        |base: &str| (2..=3).contains(&base.len()) && base.chars().all(|c| c.is_ascii_lowercase());
    match code.split_once('_') {
        None => base_ok(code),
        Some((base, region)) => {
            base_ok(base) && region.len() == 2 && region.chars().all(|c| c.is_ascii_uppercase())
        }
    }
}

/// Adds (or replaces) a template by hand; it counts as approved.
pub async fn save(
    db: &Db,
    actor: &Actor,
    channel_id: i64,
    form: &TemplateForm,
) -> Result<MessageTemplate> {
    crate::access::require_manage(db, actor, channel_id).await?;
    let form = validate(form)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    ensure_whatsapp_cloud(&mut tx, actor.account_id, channel_id).await?;
    let row: TemplateRow = sqlx::query_as(&format!(
        "INSERT INTO message_templates (account_id, channel_id, name, language, category, status, body)
         VALUES ($1, $2, $3, $4, $5, 'approved', $6)
         ON CONFLICT (channel_id, name, language) DO UPDATE
            SET category = EXCLUDED.category, body = EXCLUDED.body, status = 'approved',
                reason = NULL, updated_at = now()
         RETURNING {COLUMNS}"
    ))
    .bind(actor.account_id)
    .bind(channel_id)
    .bind(&form.name)
    .bind(&form.language)
    .bind(form.category)
    .bind(&form.body)
    .fetch_one(&mut *tx)
    .await
    .context("saving template")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ChannelUpdated,
        Some(Target::new("channel", channel_id)),
        json!({ "template_saved": form.name, "language": form.language }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(row.into())
}

pub async fn remove(db: &Db, actor: &Actor, channel_id: i64, template_id: i64) -> Result<()> {
    crate::access::require_manage(db, actor, channel_id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let removed: Option<(String, String)> = sqlx::query_as(
        "DELETE FROM message_templates WHERE account_id = $1 AND channel_id = $2 AND id = $3
         RETURNING name, language",
    )
    .bind(actor.account_id)
    .bind(channel_id)
    .bind(template_id)
    .fetch_optional(&mut *tx)
    .await
    .context("removing template")?;
    let (name, language) = removed.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ChannelUpdated,
        Some(Target::new("channel", channel_id)),
        json!({ "template_removed": name, "language": language }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Reads every template of the number's business account from Meta and
/// stores them; templates Meta deleted go, hand-typed ones stay.
/// Meta's refusal comes back as the outcome's `detail`, not as an error.
pub async fn sync(db: &Db, vault: &Vault, actor: &Actor, channel_id: i64) -> Result<TemplateSync> {
    crate::access::require_manage(db, actor, channel_id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let connection = connections::open_in(&mut tx, vault, actor.account_id, channel_id).await?;
    tx.commit().await.context("commit")?;
    let ProviderConfig::WhatsappCloud { settings, secrets } = &connection.config else {
        return Err(Error::field("type", ErrorCode::OptionInvalid));
    };
    if settings.waba_id.trim().is_empty() {
        return Err(Error::field("waba_id", ErrorCode::Required));
    }
    let client = super::provider::http_client()?;
    let remote = match whatsapp_templates::fetch_all(&client, settings, secrets).await {
        Ok(remote) => remote,
        Err(
            SendError::Retry(reason)
            | SendError::Permanent(reason)
            | SendError::Unauthorized(reason),
        ) => {
            return Ok(TemplateSync {
                ok: false,
                detail: reason,
                synced: 0,
                removed: 0,
            })
        }
    };
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let mut kept = Vec::with_capacity(remote.len());
    for template in &remote {
        if !valid_language(&template.language) || template_name_invalid(&template.name) {
            continue;
        }
        sqlx::query(
            "INSERT INTO message_templates
                    (account_id, channel_id, external_id, name, language, category, status, body, reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (channel_id, name, language) DO UPDATE
                SET external_id = EXCLUDED.external_id, category = EXCLUDED.category,
                    status = EXCLUDED.status, body = EXCLUDED.body, reason = EXCLUDED.reason,
                    updated_at = now()",
        )
        .bind(actor.account_id)
        .bind(channel_id)
        .bind(&template.external_id)
        .bind(&template.name)
        .bind(&template.language)
        .bind(template.category)
        .bind(template.status)
        .bind(&template.body)
        .bind(&template.reason)
        .execute(&mut *tx)
        .await
        .context("storing a synced template")?;
        kept.push(template.external_id.clone());
    }
    let removed = sqlx::query(
        "DELETE FROM message_templates
          WHERE account_id = $1 AND channel_id = $2 AND external_id IS NOT NULL
            AND NOT (external_id = ANY($3))",
    )
    .bind(actor.account_id)
    .bind(channel_id)
    .bind(&kept)
    .execute(&mut *tx)
    .await
    .context("removing templates Meta deleted")?
    .rows_affected();
    audit::record(
        &mut tx,
        actor,
        AuditAction::ChannelUpdated,
        Some(Target::new("channel", channel_id)),
        json!({ "templates_synced": kept.len(), "templates_removed": removed }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(TemplateSync {
        ok: true,
        detail: String::new(),
        synced: kept.len(),
        removed,
    })
}

fn template_name_invalid(name: &str) -> bool {
    name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Meta's status webhook: the template's new status (and reason).
pub(crate) async fn apply_status(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    update: &TemplateStatusUpdate,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE message_templates SET status = $5, reason = $6, updated_at = now()
          WHERE account_id = $1 AND channel_id = $2 AND name = $3 AND language = $4",
    )
    .bind(account_id)
    .bind(channel_id)
    .bind(&update.name)
    .bind(&update.language)
    .bind(update.status)
    .bind(&update.reason)
    .execute(&mut **tx)
    .await
    .context("updating a template's status")?;
    Ok(())
}

/// An agent's choice: which template, and a value per placeholder.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TemplateChoice {
    pub template_id: i64,
    pub values: Vec<String>,
}

/// Checks a chosen template against the conversation's channel and fills
/// it: the text the customer reads, and what the worker sends.
pub(crate) async fn prepare(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    choice: &TemplateChoice,
) -> Result<(String, TemplateSend)> {
    let row: Option<TemplateRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM message_templates WHERE account_id = $1 AND channel_id = $2 AND id = $3"
    ))
    .bind(account_id)
    .bind(channel_id)
    .bind(choice.template_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the template")?;
    let template = row.ok_or(Error::field("template_id", ErrorCode::OptionInvalid))?;
    if template.status != TemplateStatus::Approved {
        return Err(Error::field("template_id", ErrorCode::TemplateNotApproved));
    }
    let names = template_variables(&template.body);
    let values: Vec<String> = choice.values.iter().map(|v| v.trim().to_string()).collect();
    if values.len() != names.len() || values.iter().any(String::is_empty) {
        return Err(Error::field("variables", ErrorCode::Required));
    }
    if values.iter().any(|v| v.chars().count() > MAX_VALUE_CHARS) {
        return Err(Error::field("variables", ErrorCode::TooLong));
    }
    let text = render_template(&template.body, &values);
    let send = TemplateSend {
        name: template.name,
        language: template.language,
        parameters: names
            .into_iter()
            .zip(values)
            .map(|(name, text)| TemplateParameter { name, text })
            .collect(),
    };
    Ok((text, send))
}

async fn ensure_whatsapp_cloud(tx: &mut Tx, account_id: Uuid, channel_id: i64) -> Result<()> {
    let kind: Option<String> = sqlx::query_scalar(
        "SELECT kind FROM channels WHERE account_id = $1 AND id = $2 AND removed_at IS NULL",
    )
    .bind(account_id)
    .bind(channel_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the channel")?;
    match kind {
        None => Err(Error::NotFound),
        Some(kind) if kind == ChannelKind::WhatsappCloud.as_str() => Ok(()),
        Some(_) => Err(Error::field("type", ErrorCode::OptionInvalid)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_are_metas() {
        for ok in ["pt_BR", "en_US", "es", "fil"] {
            assert!(valid_language(ok), "{ok}");
        }
        for bad in ["pt-BR", "PT_BR", "pt_br", "p", "english", "pt_", ""] {
            assert!(!valid_language(bad), "{bad}");
        }
    }

    #[test]
    fn template_forms_are_validated() {
        let form = TemplateForm {
            name: "Pedido Enviado".into(),
            language: "pt-BR".into(),
            body: String::new(),
            ..Default::default()
        };
        let Err(Error::Validation(fields)) = validate(&form) else {
            panic!("expected errors")
        };
        let codes: Vec<_> = fields.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert!(codes.contains(&("name", ErrorCode::InvalidCharacters)));
        assert!(codes.contains(&("language", ErrorCode::OptionInvalid)));
        assert!(codes.contains(&("body", ErrorCode::Required)));
        let ok = TemplateForm {
            name: "pedido_enviado".into(),
            language: "pt_BR".into(),
            body: "Olá {{1}}".into(),
            ..Default::default()
        };
        assert!(validate(&ok).is_ok());
    }
}
