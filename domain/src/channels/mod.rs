//! Channels (connections): the website chat widget (here), and provider
//! connections — WhatsApp Cloud API first — with their credentials vault,
//! webhook ingest and outbound queue in the submodules.

pub mod adapter;
pub mod api_channel;
pub mod config;
pub mod connections;
pub mod email;
pub mod media;
pub(crate) mod menus;
pub mod meta;
pub mod outbound;
pub mod pairing;
pub mod provider;
pub mod templates;
pub mod twilio;
pub mod vault;
pub mod vault_rotation;
pub mod webhooks;
pub mod whatsapp_cloud;
pub mod whatsapp_templates;
pub mod zapi;

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::inbox::{ChannelKind, ChannelView, WebsiteSettings};
use shared::values::DisplayName;
use shared::{ErrorCode, FieldErrors, Locale, Permission};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::secrets::random_token;

#[derive(sqlx::FromRow)]
struct ChannelRow {
    id: i64,
    kind: String,
    name: String,
    public_token: String,
    settings: serde_json::Value,
    default_department_id: Option<i64>,
    language: Option<Locale>,
    active: bool,
}

impl ChannelRow {
    fn into_view(self) -> anyhow::Result<ChannelView> {
        Ok(ChannelView {
            id: self.id,
            kind: self
                .kind
                .parse()
                .map_err(|_| anyhow::anyhow!("unknown channel kind {}", self.kind))?,
            name: self.name,
            public_token: self.public_token,
            website: serde_json::from_value(self.settings).unwrap_or_default(),
            default_department_id: self.default_department_id,
            language: self.language,
            active: self.active,
        })
    }
}

const CHANNEL_COLUMNS: &str =
    "id, kind, name, public_token, settings, default_department_id, language, active";

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<ChannelView>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let channels = list_in(&mut tx).await?;
    tx.commit().await.context("commit")?;
    Ok(channels)
}

pub(crate) async fn list_in(tx: &mut Tx) -> anyhow::Result<Vec<ChannelView>> {
    let rows: Vec<ChannelRow> = sqlx::query_as(&format!(
        "SELECT {CHANNEL_COLUMNS} FROM channels WHERE removed_at IS NULL ORDER BY lower(name)"
    ))
    .fetch_all(&mut **tx)
    .await
    .context("listing channels")?;
    rows.into_iter().map(ChannelRow::into_view).collect()
}

/// `https://www.example.com` or `http://localhost:8080`: scheme, host,
/// optional port, nothing else.
/// A bare domain ("loja.exemplo.com.br") means its https site; a bare
/// word ("bad") is a typo, not a site.
pub fn parse_origin(input: &str) -> Option<String> {
    let input = input.trim().trim_end_matches('/');
    let with_scheme;
    let input = if input.contains("://") {
        input
    } else if !input.contains('.') {
        return None;
    } else {
        with_scheme = format!("https://{input}");
        &with_scheme
    };
    let url = url::Url::parse(input).ok()?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty();
    plain.then(|| url.origin().ascii_serialization())
}

/// The website channel form as typed.
#[derive(Clone, Debug, Default)]
pub struct WebsiteForm {
    pub name: String,
    /// One origin per line (or comma-separated).
    pub allowed_origins: String,
    pub greeting: String,
    pub color: String,
    pub prechat_form: bool,
    pub default_department_id: Option<i64>,
    pub language: Option<Locale>,
}

fn validate(form: &WebsiteForm) -> Result<(DisplayName, WebsiteSettings)> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", DisplayName::parse(&form.name));
    let mut origins = Vec::new();
    for raw in form
        .allowed_origins
        .split([',', '\n', ' '])
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        match parse_origin(raw) {
            Some(origin) if !origins.contains(&origin) => origins.push(origin),
            Some(_) => {}
            None => {
                errors.add("allowed_origins", ErrorCode::OriginInvalid);
                break;
            }
        }
    }
    let color = form.color.trim().to_lowercase();
    let color = if color.is_empty() {
        "#1d4ed8".to_string()
    } else {
        color
    };
    let color_ok = color.len() == 7
        && color.starts_with('#')
        && color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !color_ok {
        errors.add("color", ErrorCode::ColorInvalid);
    }
    let greeting = form.greeting.trim().to_string();
    if greeting.chars().count() > 500 {
        errors.add("greeting", ErrorCode::TooLong);
    }
    errors.into_result()?;
    let name = name.ok_or_else(|| anyhow::anyhow!("validation passed with a missing value"))?;
    Ok((
        name,
        WebsiteSettings {
            allowed_origins: origins,
            greeting,
            color,
            prechat_form: form.prechat_form,
        },
    ))
}

/// What the database refuses, said per field: a second channel of the same
/// name (a double click on "save"), or a default department that is not
/// this account's.
fn refused_by_the_database(err: sqlx::Error) -> Error {
    let constraint = match &err {
        sqlx::Error::Database(db) => db.constraint().map(str::to_string),
        _ => None,
    };
    match constraint.as_deref() {
        Some("channels_name_idx") => Error::field("name", ErrorCode::NameTaken),
        Some("channels_department_same_account") => {
            Error::field("default_department_id", ErrorCode::OptionInvalid)
        }
        _ => anyhow::Error::new(err).context("saving channel").into(),
    }
}

pub async fn create_website(db: &Db, actor: &Actor, form: &WebsiteForm) -> Result<ChannelView> {
    actor.require(Permission::ManageChannels)?;
    let (name, settings) = validate(form)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let row: ChannelRow = sqlx::query_as(&format!(
        "INSERT INTO channels (account_id, kind, name, public_token, settings, default_department_id,
                               language)
         VALUES ($1, 'website', $2, $3, $4, $5, $6) RETURNING {CHANNEL_COLUMNS}"
    ))
    .bind(actor.account_id)
    .bind(name.as_str())
    .bind(format!("wc_{}", &random_token()[..24]))
    .bind(serde_json::to_value(&settings).context("encoding settings")?)
    .bind(form.default_department_id)
    .bind(form.language)
    .fetch_one(&mut *tx)
    .await
    .map_err(refused_by_the_database)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ChannelCreated,
        Some(Target::new("channel", row.id)),
        json!({ "kind": ChannelKind::Website, "name": name.as_str(), "allowed_origins": settings.allowed_origins }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(row.into_view()?)
}

pub async fn update_website(
    db: &Db,
    actor: &Actor,
    id: i64,
    form: &WebsiteForm,
    active: bool,
) -> Result<ChannelView> {
    crate::access::require_manage(db, actor, id).await?;
    let (name, settings) = validate(form)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let row: Option<ChannelRow> = sqlx::query_as(&format!(
        "UPDATE channels SET name = $2, settings = $3, default_department_id = $4, active = $5,
                language = $7, updated_at = now()
          WHERE account_id = $6 AND id = $1 AND kind = 'website' RETURNING {CHANNEL_COLUMNS}"
    ))
    .bind(id)
    .bind(name.as_str())
    .bind(serde_json::to_value(&settings).context("encoding settings")?)
    .bind(form.default_department_id)
    .bind(active)
    .bind(actor.account_id)
    .bind(form.language)
    .fetch_optional(&mut *tx)
    .await
    .map_err(refused_by_the_database)?;
    let row = row.ok_or(Error::NotFound)?;
    let action = if active {
        AuditAction::ChannelUpdated
    } else {
        AuditAction::ChannelRemoved
    };
    audit::record(
        &mut tx,
        actor,
        action,
        Some(Target::new("channel", id)),
        json!({ "name": name.as_str(), "allowed_origins": settings.allowed_origins, "active": active }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(row.into_view()?)
}

/// A change to where a channel's conversations go and what its customers
/// are spoken to in; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct RoutingChange {
    /// A department (`Some(None)`: none).
    pub default_department_id: Option<Option<i64>>,
    /// A language (`Some(None)`: the account's).
    pub language: Option<Option<Locale>>,
}

/// Sets the department a channel's new conversations start in and the
/// language its customers get when theirs is unknown (any kind of channel).
pub async fn set_routing(db: &Db, actor: &Actor, id: i64, change: &RoutingChange) -> Result<()> {
    crate::access::require_manage(db, actor, id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let saved: Option<(String, Option<i64>, Option<Locale>)> = sqlx::query_as(
        "UPDATE channels
            SET default_department_id = CASE WHEN $3 THEN $4 ELSE default_department_id END,
                language = CASE WHEN $5 THEN $6 ELSE language END, updated_at = now()
          WHERE account_id = $1 AND id = $2 RETURNING name, default_department_id, language",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(change.default_department_id.is_some())
    .bind(change.default_department_id.flatten())
    .bind(change.language.is_some())
    .bind(change.language.flatten())
    .fetch_optional(&mut *tx)
    .await
    .map_err(refused_by_the_database)?;
    let (name, department_id, language) = saved.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ChannelUpdated,
        Some(Target::new("channel", id)),
        json!({ "name": name, "default_department_id": department_id, "language": language }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// [`set_routing`] of the department alone.
pub async fn set_default_department(
    db: &Db,
    actor: &Actor,
    id: i64,
    department_id: Option<i64>,
) -> Result<()> {
    let change = RoutingChange {
        default_department_id: Some(department_id),
        ..RoutingChange::default()
    };
    set_routing(db, actor, id, &change).await
}

/// What the public widget endpoints know about their channel.
#[derive(Clone, Debug)]
pub struct PublicChannel {
    pub id: i64,
    pub account_id: Uuid,
    pub name: String,
    pub settings: WebsiteSettings,
    pub active: bool,
    pub public_token: String,
}

impl PublicChannel {
    /// Whether a page at `origin` may use this widget.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.settings
            .allowed_origins
            .iter()
            .any(|allowed| allowed == origin)
    }
}

/// Finds a website channel by its public token (no tenant known yet).
pub async fn by_public_token(db: &Db, token: &str) -> Result<PublicChannel> {
    let row: Option<(i64, Uuid, String, String, serde_json::Value, bool)> = sqlx::query_as(
        "SELECT id, account_id, kind, name, settings, active FROM channel_by_public_token($1)",
    )
    .bind(token)
    .fetch_optional(db.pool())
    .await
    .context("finding channel")?;
    let (id, account_id, kind, name, settings, active) = row.ok_or(Error::NotFound)?;
    if kind != ChannelKind::Website.as_str() {
        return Err(Error::NotFound);
    }
    Ok(PublicChannel {
        id,
        account_id,
        name,
        settings: serde_json::from_value(settings).unwrap_or_default(),
        active,
        public_token: token.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            parse_origin("https://www.loja.com.br/").as_deref(),
            Some("https://www.loja.com.br")
        );
        assert_eq!(
            parse_origin("http://localhost:8080").as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(
            parse_origin("https://loja.com:443").as_deref(),
            Some("https://loja.com")
        );
        assert_eq!(parse_origin("https://loja.com/pagina"), None);
        assert_eq!(parse_origin("javascript:alert(1)"), None);
        assert_eq!(
            parse_origin("loja.exemplo.com.br").as_deref(),
            Some("https://loja.exemplo.com.br"),
            "a bare host is its https site"
        );
        assert_eq!(parse_origin("loja.com/pagina"), None);
    }

    #[test]
    fn website_forms_are_validated() {
        let form = WebsiteForm {
            name: "Site".into(),
            allowed_origins: "https://a.com, bad".into(),
            color: "blue".into(),
            ..Default::default()
        };
        let Err(Error::Validation(fields)) = validate(&form) else {
            panic!("expected errors")
        };
        let codes: Vec<_> = fields.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert!(codes.contains(&("allowed_origins", ErrorCode::OriginInvalid)));
        assert!(codes.contains(&("color", ErrorCode::ColorInvalid)));
        let ok = WebsiteForm {
            name: "Site".into(),
            allowed_origins: "https://a.com\nhttps://a.com/".into(),
            ..Default::default()
        };
        let (_, settings) = validate(&ok).unwrap();
        assert_eq!(settings.allowed_origins, vec!["https://a.com"]);
        assert_eq!(settings.color, "#1d4ed8");
    }
}
