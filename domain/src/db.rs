//! Connections, migrations and the tenant-scoped transaction.
//!
//! Two roles touch the database. The *owner* (from `DATABASE_URL`) runs
//! migrations and maintenance such as `ponte audit verify`. The *runtime*
//! role serves requests: a login role in the `ponte_app` group, which owns
//! nothing and is subject to row-level security, so every transaction states
//! which account it acts for.

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

pub type Tx = Transaction<'static, Postgres>;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The runtime connection pool, as the `ponte_app` role.
#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .context("the runtime database URL is invalid")?
            .application_name("ponte")
            // Request queries are short; compiling a plan with LLVM costs
            // hundreds of milliseconds whenever an estimate runs high.
            .options([("jit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .context("could not connect to PostgreSQL as the runtime role")?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A transaction acting for `account_id` (and, when known, `user_id`):
    /// row-level security shows and accepts only that account's rows.
    pub async fn tenant(&self, account_id: Uuid, user_id: Option<Uuid>) -> anyhow::Result<Tx> {
        self.begin_tenant(account_id, user_id, "").await
    }

    /// [`Db::tenant`] for the path every customer message takes (stored,
    /// read back for its sender, read for the broadcast), whose statements
    /// are all key lookups: each pooled connection plans them once (a
    /// generic plan) instead of on every execution, as PostgreSQL otherwise
    /// does for a statement's first five runs on each connection (and for
    /// good when it misjudges the generic plan's cost). Planning the message
    /// and conversation reads costs 0.3–1.3 ms each; a message's whole path
    /// 3–4 ms (docs/BENCHMARKS.md, fan-out).
    pub async fn tenant_on_message_path(&self, account_id: Uuid) -> anyhow::Result<Tx> {
        self.begin_tenant(
            account_id,
            None,
            ", set_config('plan_cache_mode', 'force_generic_plan', true)",
        )
        .await
    }

    async fn begin_tenant(
        &self,
        account_id: Uuid,
        user_id: Option<Uuid>,
        more_settings: &'static str,
    ) -> anyhow::Result<Tx> {
        // One round trip, not two: the tenant is set in the same simple
        // query as BEGIN (every request and every job pays it). The ids are
        // typed UUIDs, so their text is only hex digits and dashes.
        let user = user_id.map(|id| id.to_string()).unwrap_or_default();
        self.pool
            .begin_with(format!(
                "BEGIN; SELECT set_config('app.account_id', '{account_id}', true), \
                 set_config('app.user_id', '{user}', true){more_settings}"
            ))
            .await
            .context("begin tenant transaction")
    }

    /// A transaction for one user with no account chosen yet (sign-in,
    /// listing one's own accounts): tenant tables show nothing.
    pub async fn as_user(&self, user_id: Uuid) -> anyhow::Result<Tx> {
        self.pool
            .begin_with(format!(
                "BEGIN; SELECT set_config('app.user_id', '{user_id}', true)"
            ))
            .await
            .context("begin user transaction")
    }

    /// A transaction with no tenant at all: only identity tables are usable.
    pub async fn anonymous(&self) -> anyhow::Result<Tx> {
        self.pool
            .begin()
            .await
            .context("begin anonymous transaction")
    }
}

/// Connects as the owner, for migrations and maintenance.
pub async fn connect_owner(url: &str) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(url)
        .context("DATABASE_URL is invalid")?
        .application_name("ponte-admin");
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .context("could not connect to PostgreSQL with DATABASE_URL")
}

pub async fn migrate<'a>(owner: impl sqlx::Acquire<'a, Database = Postgres>) -> anyhow::Result<()> {
    MIGRATOR
        .run(owner)
        .await
        .context("running database migrations")
}

/// Creates (or re-keys) the login role `role`, a member of the `ponte_app`
/// group role that holds the runtime privileges.
pub async fn enable_runtime_login(
    owner: impl sqlx::PgExecutor<'_>,
    role: &str,
    password: &str,
) -> anyhow::Result<()> {
    let valid_name = role.starts_with("ponte_app_")
        && role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    anyhow::ensure!(valid_name, "invalid runtime role name {role}");
    // Role statements take no bind parameters; both values are our own hex
    // strings, but quote the password properly anyway. (New roles are
    // NOSUPERUSER NOBYPASSRLS by default; saying so would need a superuser.)
    let quoted = password.replace('\'', "''");
    sqlx::query(&format!(
        "DO $$ BEGIN
           IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
             ALTER ROLE {role} WITH LOGIN PASSWORD '{quoted}';
           ELSE
             CREATE ROLE {role} WITH LOGIN PASSWORD '{quoted}' IN ROLE ponte_app;
           END IF;
         END $$"
    ))
    .execute(owner)
    .await
    .context("creating the runtime login role (the DATABASE_URL user needs CREATEROLE, or set PONTE_APP_DATABASE_URL)")?;
    Ok(())
}

/// The runtime role's URL derived from the owner's: same host and database,
/// the runtime login role instead of the owner.
pub fn runtime_url_from_owner(
    owner_url: &str,
    role: &str,
    password: &str,
) -> anyhow::Result<String> {
    let mut url = url::Url::parse(owner_url).context("DATABASE_URL is not a URL")?;
    url.set_username(role)
        .map_err(|()| anyhow::anyhow!("DATABASE_URL cannot carry a user name"))?;
    url.set_password(Some(password))
        .map_err(|()| anyhow::anyhow!("DATABASE_URL cannot carry a password"))?;
    Ok(url.to_string())
}

/// True when every migration this binary knows has been applied successfully.
pub async fn migrations_current(pool: &PgPool) -> anyhow::Result<bool> {
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await
            .context("reading applied migrations")?;
    Ok(MIGRATOR.iter().all(|m| applied.contains(&m.version)))
}

/// Points an open transaction at an account (and user) — for flows that only
/// learn the account part-way through, like sign-up and sign-in.
pub async fn set_tenant(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Option<Uuid>,
) -> anyhow::Result<()> {
    sqlx::query(
        "SELECT set_config('app.account_id', $1, true), set_config('app.user_id', $2, true)",
    )
    .bind(account_id.to_string())
    .bind(user_id.map(|id| id.to_string()).unwrap_or_default())
    .execute(&mut **tx)
    .await
    .context("set tenant context")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_url_swaps_only_the_credentials() {
        let url = runtime_url_from_owner(
            "postgres://ponte:secret@127.0.0.1:5433/ponte?sslmode=disable",
            "ponte_app_1a",
            "p4ss",
        )
        .unwrap();
        assert_eq!(
            url,
            "postgres://ponte_app_1a:p4ss@127.0.0.1:5433/ponte?sslmode=disable"
        );
    }
}

/// Every UPDATE and DELETE on a tenant table in the domain names the
/// account too: the first wall holds even where row-level security is the
/// second. (The seed and bulk loader run as the owner and are exempt.)
#[cfg(test)]
mod statements {
    const TENANT_TABLES: &[&str] = &[
        "accounts",
        "memberships",
        "invitations",
        "api_tokens",
        "departments",
        "department_members",
        "channels",
        "contacts",
        "contact_identities",
        "contact_notes",
        "attribute_definitions",
        "tags",
        "account_counters",
        "conversations",
        "conversation_reads",
        "attachments",
        "messages",
        "quick_replies",
        "notifications",
        "webhook_events",
        "outbound_messages",
        "media_downloads",
        "message_templates",
    ];

    fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path.display().to_string();
                if !name.ends_with("seed.rs") && !name.ends_with("load.rs") {
                    out.push((name, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
    }

    /// The statements in `text` that change a tenant table, up to the end of
    /// their string literal.
    fn changes(text: &str) -> Vec<(String, String)> {
        let mut found = vec![];
        for keyword in ["UPDATE ", "DELETE FROM "] {
            for (at, _) in text.match_indices(keyword) {
                let rest = &text[at + keyword.len()..];
                let table: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if TENANT_TABLES.contains(&table.as_str()) {
                    let statement = rest.split('"').next().unwrap_or_default();
                    found.push((table, statement.to_string()));
                }
            }
        }
        found
    }

    #[test]
    fn every_change_to_a_tenant_table_names_the_account() {
        let mut files = vec![];
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut checked = 0;
        for (file, text) in files {
            for (table, statement) in changes(&text) {
                checked += 1;
                let scoped = statement.contains("account_id")
                    || (table == "accounts" && statement.contains("WHERE id = $1"));
                assert!(
                    scoped,
                    "{file}: UPDATE/DELETE on {table} without account_id: {statement}"
                );
            }
        }
        assert!(checked > 30, "the scan found the statements ({checked})");
    }

    #[test]
    fn the_scan_catches_an_unscoped_statement() {
        // Spelled in pieces so that the scan of this file does not find it.
        let source = format!(
            r#"query("{} conversations SET x = 1 WHERE id = $1")"#,
            "UPDATE"
        );
        let unscoped = changes(&source);
        assert_eq!(unscoped.len(), 1);
        assert!(!unscoped[0].1.contains("account_id"));
    }
}
