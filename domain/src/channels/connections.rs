//! Provider connections (a WhatsApp number, …): their typed configuration,
//! validated on the way in, with secrets sealed at rest and masked on the
//! way out.

use anyhow::Context;
use serde_json::{json, Value};
use shared::audit::AuditAction;
use shared::connections::{ConnectionHealth, ConnectionTest, ConnectionView};
use shared::inbox::ChannelKind;
use shared::values::DisplayName;
use shared::{FieldErrors, Permission};
use uuid::Uuid;

use super::adapter::ChannelAdapter;
pub use super::config::ProviderConfig;
use super::vault::{Sealed, Vault};
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::secrets::random_token;

/// A connection with its secrets open, for webhooks and workers.
#[derive(Clone, Debug)]
pub struct Connection {
    pub id: i64,
    pub account_id: Uuid,
    pub active: bool,
    pub config: ProviderConfig,
}

#[derive(sqlx::FromRow)]
struct ConnectionRow {
    id: i64,
    account_id: Uuid,
    kind: String,
    name: String,
    public_token: String,
    settings: Value,
    credentials: Option<Vec<u8>>,
    credentials_key_id: Option<String>,
    active: bool,
    health: String,
    health_detail: Option<String>,
    default_department_id: Option<i64>,
    language: Option<shared::Locale>,
    parked_events: i64,
}

const COLUMNS: &str = "id, account_id, kind, name, public_token, settings, credentials, \
                       credentials_key_id, active, health, health_detail, default_department_id, language, \
                       (SELECT count(*) FROM webhook_events e \
                         WHERE e.channel_id = channels.id AND e.state = 'parked') AS parked_events";

impl ConnectionRow {
    fn kind(&self) -> anyhow::Result<ChannelKind> {
        self.kind
            .parse()
            .map_err(|_| anyhow::anyhow!("unknown channel kind {}", self.kind))
    }

    fn open(&self, vault: &Vault) -> anyhow::Result<ProviderConfig> {
        let sealed = Sealed {
            key_id: self.credentials_key_id.clone().unwrap_or_default(),
            bytes: self.credentials.clone().unwrap_or_default(),
        };
        let secrets = vault.open(&self.public_token, &sealed)?;
        ProviderConfig::from_stored(self.kind()?, self.settings.clone(), &secrets)
    }

    fn into_view(self, vault: &Vault) -> anyhow::Result<ConnectionView> {
        let config = self.open(vault)?;
        Ok(ConnectionView {
            id: self.id,
            kind: self.kind()?,
            webhook_path: config.webhook_path(self.id),
            name: self.name,
            active: self.active,
            health: self.health.parse().unwrap_or(ConnectionHealth::Unknown),
            health_detail: self.health_detail,
            config: config.masked(),
            default_department_id: self.default_department_id,
            language: self.language,
            parked_events: self.parked_events,
            issued: None,
        })
    }
}

/// The connections the actor may configure: every one for those who manage
/// connections, else those they hold `manage` on.
pub async fn list(db: &Db, vault: &Vault, actor: &Actor) -> Result<Vec<ConnectionView>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let manageable = crate::access::scope_in(&mut tx, actor).await?.manageable;
    let rows: Vec<ConnectionRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channels
          WHERE account_id = $1 AND kind <> 'website' AND removed_at IS NULL
            AND ($2::bigint[] IS NULL OR id = ANY($2))
          ORDER BY lower(name), id"
    ))
    .bind(actor.account_id)
    .bind(manageable.as_sql())
    .fetch_all(&mut *tx)
    .await
    .context("listing connections")?;
    tx.commit().await.context("commit")?;
    Ok(rows
        .into_iter()
        .map(|row| row.into_view(vault))
        .collect::<anyhow::Result<_>>()?)
}

pub async fn get(db: &Db, vault: &Vault, actor: &Actor, id: i64) -> Result<ConnectionView> {
    crate::access::require_manage(db, actor, id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let row = row_in(&mut tx, actor.account_id, id).await?;
    tx.commit().await.context("commit")?;
    Ok(row.into_view(vault)?)
}

async fn row_in(tx: &mut Tx, account_id: Uuid, id: i64) -> Result<ConnectionRow> {
    let row: Option<ConnectionRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channels
          WHERE account_id = $1 AND id = $2 AND kind <> 'website' AND removed_at IS NULL"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding connection")?;
    row.ok_or(Error::NotFound)
}

/// What the API's POST carries.
#[derive(Clone, Debug)]
pub struct NewConnection {
    pub kind: ChannelKind,
    pub name: String,
    pub config: Value,
}

pub async fn create(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    input: &NewConnection,
) -> Result<ConnectionView> {
    actor.require(Permission::ManageChannels)?;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", DisplayName::parse(&input.name));
    let config = ProviderConfig::from_input(input.kind, &input.config, None);
    errors.into_result()?;
    let config = config?;
    let name = name.ok_or_else(|| anyhow::anyhow!("validation passed with a missing value"))?;
    let public_token = format!("ch_{}", &random_token()[..24]);
    let sealed = vault.seal(&public_token, &config.secrets_json()?)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let row: ConnectionRow = sqlx::query_as(&format!(
        "INSERT INTO channels (account_id, kind, name, public_token, settings, credentials, credentials_key_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(actor.account_id)
    .bind(config.kind().as_str())
    .bind(name.as_str())
    .bind(&public_token)
    .bind(config.settings_json()?)
    .bind(&sealed.bytes)
    .bind(&sealed.key_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(super::refused_by_the_database)?;
    if config.kind() == ChannelKind::Email {
        // Its mailbox, for the watchers to claim (see `email::imap`).
        sqlx::query("INSERT INTO email_mailboxes (channel_id, account_id) VALUES ($1, $2)")
            .bind(row.id)
            .bind(actor.account_id)
            .execute(&mut *tx)
            .await
            .context("recording the mailbox")?;
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::ChannelCreated,
        Some(Target::new("channel", row.id)),
        json!({ "kind": config.kind(), "name": name.as_str(), "config": config.masked() }),
    )
    .await?;
    // An id probed before it existed may be remembered as unknown.
    publish_changed(&mut tx, actor.account_id, row.id).await?;
    tx.commit().await.context("commit")?;
    let mut view = row.into_view(vault)?;
    if let ProviderConfig::Api { secrets, .. } = &config {
        view.issued =
            Some(json!({ "token": secrets.token, "signing_secret": secrets.signing_secret }));
    }
    Ok(view)
}

/// What the API's PATCH may change; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct ConnectionChanges {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub config: Option<Value>,
}

pub async fn update(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    id: i64,
    changes: &ConnectionChanges,
) -> Result<ConnectionView> {
    crate::access::require_manage(db, actor, id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let row = row_in(&mut tx, actor.account_id, id).await?;
    let current = row.open(vault)?;
    let mut errors = FieldErrors::new();
    let name = match &changes.name {
        Some(name) => errors
            .check("name", DisplayName::parse(name))
            .map(|n| n.to_string()),
        None => Some(row.name.clone()),
    };
    let config = match &changes.config {
        Some(input) => ProviderConfig::from_input(row.kind()?, input, Some(&current)),
        None => Ok(current),
    };
    errors.into_result()?;
    let config = config?;
    let name = name.ok_or_else(|| anyhow::anyhow!("validation passed with a missing value"))?;
    let active = changes.active.unwrap_or(row.active);
    let sealed = vault.seal(&row.public_token, &config.secrets_json()?)?;
    let updated: ConnectionRow = sqlx::query_as(&format!(
        "UPDATE channels SET name = $3, settings = $4, credentials = $5, credentials_key_id = $6,
                active = $7, updated_at = now()
          WHERE account_id = $1 AND id = $2 RETURNING {COLUMNS}"
    ))
    .bind(actor.account_id)
    .bind(id)
    .bind(&name)
    .bind(config.settings_json()?)
    .bind(&sealed.bytes)
    .bind(&sealed.key_id)
    .bind(active)
    .fetch_one(&mut *tx)
    .await
    .map_err(super::refused_by_the_database)?;
    // The mailbox is watched with the new settings at once: a watcher still
    // on the old ones loses its lease (it stops at its next step, and cannot
    // push the next session back), and back-off starts over.
    sqlx::query(
        "UPDATE email_mailboxes
            SET next_session_at = now(), failures = 0, lease_token = NULL, lease_until = '-infinity'
          WHERE account_id = $1 AND channel_id = $2",
    )
    .bind(actor.account_id)
    .bind(id)
    .execute(&mut *tx)
    .await
    .context("waking the mailbox watcher")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ChannelUpdated,
        Some(Target::new("channel", id)),
        json!({ "name": name, "active": active, "config": config.masked() }),
    )
    .await?;
    publish_changed(&mut tx, actor.account_id, id).await?;
    tx.commit().await.context("commit")?;
    Ok(updated.into_view(vault)?)
}

/// Removes a connection: it stops receiving and sending; its conversations
/// and messages stay.
pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageChannels)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let name: Option<String> = sqlx::query_scalar(
        "UPDATE channels SET removed_at = now(), active = false, updated_at = now()
          WHERE account_id = $1 AND id = $2 AND kind <> 'website' AND removed_at IS NULL
      RETURNING name",
    )
    .bind(actor.account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("removing connection")?;
    let name = name.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ChannelRemoved,
        Some(Target::new("channel", id)),
        json!({ "name": name }),
    )
    .await?;
    publish_changed(&mut tx, actor.account_id, id).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

async fn publish_changed(tx: &mut Tx, account_id: Uuid, channel_id: i64) -> anyhow::Result<()> {
    crate::realtime::publish(
        tx,
        account_id,
        crate::realtime::Signal::ConnectionChanged { channel_id },
    )
    .await
}

/// The connection a webhook names, secrets open; no tenant is known yet.
pub async fn for_webhook(db: &Db, vault: &Vault, id: i64) -> Result<Connection> {
    type Found = (
        Uuid,
        String,
        String,
        Value,
        Option<Vec<u8>>,
        Option<String>,
        bool,
    );
    let found: Option<Found> = sqlx::query_as(
        "SELECT account_id, kind, public_token, settings, credentials, credentials_key_id, active
           FROM channel_for_webhook($1)",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await
    .context("finding the webhook's connection")?;
    let (account_id, kind, public_token, settings, credentials, key_id, active) =
        found.ok_or(Error::NotFound)?;
    let kind: ChannelKind = kind
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown channel kind {kind}"))?;
    if kind == ChannelKind::Website {
        return Err(Error::NotFound);
    }
    let sealed = Sealed {
        key_id: key_id.unwrap_or_default(),
        bytes: credentials.unwrap_or_default(),
    };
    let secrets = vault.open(&public_token, &sealed)?;
    Ok(Connection {
        id,
        account_id,
        active,
        config: ProviderConfig::from_stored(kind, settings, &secrets)?,
    })
}

/// Webhooks look their connection up on every request; the lookups (a
/// query and a decryption) are kept: a change is forgotten at once on
/// every instance (`ConnectionChanged`), and anything else after
/// [`WEBHOOK_CACHE`].
#[derive(Default)]
pub struct WebhookConnections {
    entries:
        std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, Option<Connection>)>>,
}

pub const WEBHOOK_CACHE: std::time::Duration = std::time::Duration::from_secs(5);
/// Entries kept at most (ids are scanned by strangers too).
const WEBHOOK_CACHE_ENTRIES: usize = 10_000;

impl WebhookConnections {
    /// After `ConnectionChanged`: the next webhook reads it afresh.
    pub fn forget(&self, id: i64) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }

    /// When signals may have been missed (the listener reconnected).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub async fn get(&self, db: &Db, vault: &Vault, id: i64) -> Result<Connection> {
        let cached = self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .filter(|(at, _)| at.elapsed() < WEBHOOK_CACHE)
            .map(|(_, found)| found.clone());
        let found = match cached {
            Some(found) => found,
            None => {
                let found = match for_webhook(db, vault, id).await {
                    Ok(connection) => Some(connection),
                    Err(Error::NotFound) => None,
                    Err(err) => return Err(err),
                };
                let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
                if entries.len() >= WEBHOOK_CACHE_ENTRIES {
                    entries.clear();
                }
                entries.insert(id, (std::time::Instant::now(), found.clone()));
                found
            }
        };
        found.ok_or(Error::NotFound)
    }
}

/// The connection with its secrets open, inside a tenant transaction.
pub(crate) async fn open_in(
    tx: &mut Tx,
    vault: &Vault,
    account_id: Uuid,
    id: i64,
) -> Result<Connection> {
    let row: Option<ConnectionRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channels WHERE account_id = $1 AND id = $2 AND kind <> 'website'"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding connection")?;
    let row = row.ok_or(Error::NotFound)?;
    Ok(Connection {
        id: row.id,
        account_id: row.account_id,
        active: row.active && row.credentials.is_some(),
        config: row.open(vault)?,
    })
}

/// Asks the provider whether the credentials work, and records the answer
/// as the connection's health.
pub async fn test(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    id: i64,
    allow_private: bool,
) -> Result<ConnectionTest> {
    crate::access::require_manage(db, actor, id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let connection = open_in(&mut tx, vault, actor.account_id, id).await?;
    tx.commit().await.context("commit")?;
    let client = super::provider::http_client()?;
    let answer = connection
        .config
        .adapter()
        .test_connection(&client, allow_private)
        .await;
    let result = match answer {
        Ok(detail) => ConnectionTest { ok: true, detail },
        Err(err) => ConnectionTest {
            ok: false,
            detail: err.to_string(),
        },
    };
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let detail = (!result.ok).then_some(result.detail.as_str());
    set_health(&mut tx, actor.account_id, id, result.ok, detail).await?;
    tx.commit().await.context("commit")?;
    Ok(result)
}

/// Records what the provider last said about our credentials. When the
/// health changes (an incident starts or ends), admins hear it live, once.
pub(crate) async fn set_health(
    tx: &mut Tx,
    account_id: Uuid,
    id: i64,
    connected: bool,
    detail: Option<&str>,
) -> anyhow::Result<()> {
    let health = if connected {
        ConnectionHealth::Connected
    } else {
        ConnectionHealth::Disconnected
    };
    let before: Option<(String, String)> = sqlx::query_as(
        "SELECT c.health, c.name FROM channels c WHERE c.account_id = $1 AND c.id = $2 FOR UPDATE",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading connection health")?;
    let Some((before, name)) = before else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE channels SET health = $3, health_detail = $4, updated_at = now(),
                health_alerted_at = CASE WHEN $3 = 'connected' THEN NULL ELSE health_alerted_at END
          WHERE account_id = $1 AND id = $2 AND (health, health_detail) IS DISTINCT FROM ($3, $4)",
    )
    .bind(account_id)
    .bind(id)
    .bind(health.as_str())
    .bind(detail)
    .execute(&mut **tx)
    .await
    .context("recording connection health")?;
    if before != health.as_str() {
        crate::realtime::publish(
            tx,
            account_id,
            crate::realtime::Signal::ConnectionHealthChanged {
                channel_id: id,
                name,
                connected,
                detail: detail.map(str::to_string),
            },
        )
        .await?;
    }
    Ok(())
}
