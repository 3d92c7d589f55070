//! Configuration from environment variables (see the README's table).

use anyhow::{bail, Context};
use domain::secrets::SecretKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Settings {
    /// The owner's connection (migrations, maintenance): `DATABASE_URL`.
    pub database_url: String,
    /// The runtime role's connection, when given explicitly.
    pub app_database_url: Option<String>,
    pub addr: SocketAddr,
    /// External base URL without trailing slash; `None` means "http:// plus
    /// the address actually bound" (handy with port 0 in tests).
    pub public_url: Option<String>,
    pub secret_key: SecretKey,
    /// Earlier secret keys, kept only to open credentials they sealed.
    pub old_secret_keys: Vec<SecretKey>,
    pub data_dir: PathBuf,
    pub site_root: PathBuf,
    pub migrate_on_start: bool,
    /// How many reverse proxies in front of us append to `X-Forwarded-For`
    /// (0: ignore the header).
    pub trusted_proxies: usize,
    /// `/metrics` for anyone (else a bearer token or a local connection).
    pub metrics_public: bool,
    /// The bearer token `/metrics` accepts.
    pub metrics_token: Option<String>,
    pub db_max_connections: u32,
    /// Lets the API channel post replies to private and local addresses
    /// (`PONTE_ALLOW_PRIVATE_WEBHOOKS=1`: tests, on-premise installs).
    pub allow_private_webhooks: bool,
    /// The server-wide SMTP server (`PONTE_SMTP_URL`) and sender
    /// (`PONTE_MAIL_FROM`); disabled when unset.
    pub mailer: domain::mail::Mailer,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        let database_url = var("DATABASE_URL").context(
            "DATABASE_URL is not set (./ponte.sh run starts a private PostgreSQL and sets it for you)",
        )?;
        let addr: SocketAddr = var("PONTE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .context("PONTE_ADDR must look like 127.0.0.1:3000")?;
        let public_url = var("PONTE_PUBLIC_URL").map(|url| url.trim_end_matches('/').to_string());
        if let Some(url) = &public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("PONTE_PUBLIC_URL must start with http:// or https://");
            }
        }
        let data_dir = PathBuf::from(var("PONTE_DATA_DIR").unwrap_or_else(|| ".data".into()));
        let secret_key = match var("PONTE_SECRET_KEY") {
            Some(encoded) => SecretKey::from_base64(&encoded)?,
            None => dev_secret_key(&data_dir)?,
        };
        let old_secret_keys = var("PONTE_OLD_SECRET_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(SecretKey::from_base64)
            .collect::<anyhow::Result<Vec<_>>>()
            .context("PONTE_OLD_SECRET_KEYS must be comma-separated base64 keys")?;
        Ok(Self {
            database_url,
            old_secret_keys,
            app_database_url: var("PONTE_APP_DATABASE_URL"),
            addr,
            public_url,
            secret_key,
            data_dir,
            site_root: var("LEPTOS_SITE_ROOT")
                .map(PathBuf::from)
                .unwrap_or_else(default_site_root),
            migrate_on_start: true,
            trusted_proxies: match var("PONTE_TRUST_PROXY").as_deref() {
                None | Some("0" | "false") => 0,
                Some("true") => 1,
                Some(n) => n
                    .parse()
                    .context("PONTE_TRUST_PROXY must be the number of proxies in front of Ponte")?,
            },
            metrics_public: var("PONTE_METRICS_PUBLIC").is_some_and(|v| v == "1" || v == "true"),
            metrics_token: var("PONTE_METRICS_TOKEN"),
            db_max_connections: var("PONTE_DB_MAX_CONNECTIONS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(20),
            allow_private_webhooks: var("PONTE_ALLOW_PRIVATE_WEBHOOKS")
                .is_some_and(|v| v == "1" || v == "true"),
            mailer: mailer_from_env()?,
        })
    }

    /// The external base URL, given the address the server is bound to.
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
    }
}

fn mailer_from_env() -> anyhow::Result<domain::mail::Mailer> {
    use domain::mail::{smtp::SmtpServer, Mailer};
    let Some(url) = var("PONTE_SMTP_URL") else {
        return Ok(Mailer::disabled());
    };
    let server = SmtpServer::from_url(&url).context("PONTE_SMTP_URL")?;
    let from = var("PONTE_MAIL_FROM").context(
        "PONTE_MAIL_FROM is not set (the sender of Ponte's mail, e.g. \"Ponte <ponte@example.com>\")",
    )?;
    Mailer::new(server, &from)
}

/// Without `PONTE_SECRET_KEY`, a key is generated once into the data folder
/// and reused, so sessions and signed tokens survive restarts in development.
fn dev_secret_key(data_dir: &Path) -> anyhow::Result<SecretKey> {
    let path = data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return SecretKey::from_base64(&existing)
            .with_context(|| format!("{} is corrupt", path.display()));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let key = SecretKey::generate();
    write_private(&path, &key.to_base64())?;
    tracing::warn!(path = %path.display(), "PONTE_SECRET_KEY is unset: generated a development key");
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// Where cargo-leptos put the site: `<target>/site`, next to
/// `<target>/<profile>/ponte`.
fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|target| target.join("site")))
        .filter(|site| site.join("pkg").exists())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}
