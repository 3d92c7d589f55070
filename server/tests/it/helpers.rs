//! Test harness: a fresh PostgreSQL database per test (cloned from a
//! migrated template), the real server on port 0, and an HTTP client that
//! behaves like a same-origin browser.

#![allow(dead_code)]

use domain::secrets::SecretKey;
use domain::Db;
use reqwest::header::{HeaderMap, HeaderValue, ORIGIN};
use serde::de::DeserializeOwned;
use serde_json::Value;
use server::config::Settings;
use server::Application;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};
use std::path::PathBuf;

/// The bearer token test servers accept on `/metrics`.
pub const METRICS_TOKEN: &str = "test-metrics-token";

/// No request in these tests should take long; a hang fails loudly instead.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Cloning a database or starting a server takes seconds even on a busy
/// machine (the first test migrates the template); a stall fails the test
/// with its name instead of holding the whole run until CI's deadline.
const SETUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

async fn within_setup_time<T>(what: &str, work: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(SETUP_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| panic!("{what} took over {SETUP_TIMEOUT:?}"))
}

/// Every test server uses this key, so they agree on the runtime role's
/// derived password.
pub fn test_secret() -> SecretKey {
    SecretKey::from_base64("cG9udGUtdGVzdC1rZXktcG9udGUtdGVzdC1rZXktMzI=").expect("valid test key")
}

fn owner_base_url() -> String {
    std::env::var("DATABASE_URL").expect("DATABASE_URL must point at a PostgreSQL the tests may create databases in (./ponte.sh test sets it)")
}

fn url_with_database(base: &str, database: &str) -> String {
    let mut url = url::Url::parse(base).expect("DATABASE_URL is a URL");
    url.set_path(&format!("/{database}"));
    url.to_string()
}

/// The template's name changes whenever a migration does.
fn template_name() -> String {
    let mut hasher = Sha256::new();
    for migration in domain::db::MIGRATOR.iter() {
        hasher.update(migration.version.to_le_bytes());
        hasher.update(&*migration.checksum);
    }
    let digest = hasher.finalize();
    format!(
        "ponte_tpl_{}",
        digest
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

async fn ensure_template(maintenance: &mut PgConnection) -> String {
    let template = template_name();
    sqlx::query("SELECT pg_advisory_lock(7342001)")
        .execute(&mut *maintenance)
        .await
        .expect("lock");
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&template)
            .fetch_one(&mut *maintenance)
            .await
            .expect("check template");
    if !exists {
        let building = format!("{template}_building");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(&mut *maintenance)
            .await
            .expect("drop");
        sqlx::query(&format!("CREATE DATABASE {building}"))
            .execute(&mut *maintenance)
            .await
            .expect("create template");
        // One explicit connection, closed explicitly before the rename.
        let mut owner = PgConnection::connect(&url_with_database(&owner_base_url(), &building))
            .await
            .expect("connect to template");
        domain::db::migrate(&mut owner)
            .await
            .expect("migrate template");
        let key = test_secret();
        domain::db::enable_runtime_login(
            &mut owner,
            &key.runtime_db_role(),
            &key.runtime_db_password(),
        )
        .await
        .expect("runtime login");
        owner.close().await.expect("close template connection");
        // A just-closed connection's backend may linger for a moment.
        let rename = format!("ALTER DATABASE {building} RENAME TO {template}");
        retry_while_in_use(&mut *maintenance, &rename).await;
    }
    sqlx::query("SELECT pg_advisory_unlock(7342001)")
        .execute(&mut *maintenance)
        .await
        .expect("unlock");
    template
}

/// Runs a statement that fails while another session uses the database
/// involved, retrying for up to a few seconds.
async fn retry_while_in_use(connection: &mut PgConnection, statement: &str) {
    for attempt in 1..=40u64 {
        match sqlx::query(statement).execute(&mut *connection).await {
            Ok(_) => return,
            Err(err)
                if attempt < 40 && err.to_string().contains("being accessed by other users") =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(25 * attempt)).await;
            }
            Err(err) => panic!("{statement}: {err}"),
        }
    }
}

/// A database of its own for one test, migrated, owned by the test role.
pub struct TestDb {
    pub name: String,
    pub owner_url: String,
    pub owner: PgPool,
    /// The runtime role's pool, as the server uses it.
    pub db: Db,
}

impl TestDb {
    pub async fn new() -> Self {
        within_setup_time("creating the test database", Self::create()).await
    }

    async fn create() -> Self {
        let base = owner_base_url();
        let mut maintenance = PgConnection::connect(&url_with_database(&base, "postgres"))
            .await
            .expect("connect to postgres");
        let template = ensure_template(&mut maintenance).await;
        let name = format!("ponte_test_{}", uuid::Uuid::new_v4().simple());
        let mut attempts = 0;
        loop {
            match sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .execute(&mut maintenance)
                .await
            {
                Ok(_) => break,
                // Two clones of one template at the same instant can collide.
                Err(err)
                    if attempts < 20
                        && err.to_string().contains("being accessed by other users") =>
                {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50 * attempts)).await;
                }
                Err(err) => panic!("creating test database: {err}"),
            }
        }
        let owner_url = url_with_database(&base, &name);
        let owner = PgPoolOptions::new()
            .max_connections(3)
            .connect(&owner_url)
            .await
            .expect("owner pool");
        let key = test_secret();
        let runtime_url = domain::db::runtime_url_from_owner(
            &owner_url,
            &key.runtime_db_role(),
            &key.runtime_db_password(),
        )
        .expect("runtime url");
        let db = Db::connect(&runtime_url, 5).await.expect("runtime pool");
        Self {
            name,
            owner_url,
            owner,
            db,
        }
    }
}

/// The demo's data, seeded straight into a test database, whether or not a
/// server runs on it.
impl TestDb {
    pub async fn demo_account(&self) -> domain::seed::DemoAccount {
        domain::seed::demo(&self.owner, &self.db)
            .await
            .expect("seed demo")
    }

    /// The demo account with its sample inbox; returns the website channel's token.
    pub async fn demo_inbox(&self) -> (domain::seed::DemoAccount, String) {
        let demo = self.demo_account().await;
        domain::seed::demo_inbox(&self.db, &test_secret(), &demo)
            .await
            .expect("seed inbox");
        // The demo surveys its customers; here only the tests about the
        // survey turn it on ([`TestApp::survey_customers`]), so the others'
        // resolutions say nothing more to their customers.
        domain::satisfaction::set_survey(&self.db, &demo.actor(shared::Role::GlobalAdmin), false)
            .await
            .expect("survey off");
        let token = domain::seed::demo_channel_token(&self.db)
            .await
            .expect("token")
            .expect("demo channel");
        (demo, token)
    }
}

pub struct TestApp {
    pub base_url: String,
    pub database: TestDb,
    pub data_dir: PathBuf,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with_mailer(domain::mail::Mailer::disabled()).await
}

/// A server that sends its mail to `sink`.
pub async fn spawn_app_sending_to(sink: &MailSink) -> TestApp {
    spawn_app_sending_to_url(&sink.url).await
}

/// A server whose SMTP server is at `url`.
pub async fn spawn_app_sending_to_url(url: &str) -> TestApp {
    let server = domain::mail::smtp::SmtpServer::from_url(url).expect("SMTP URL");
    let mailer =
        domain::mail::Mailer::new(server, "Ponte Test <ponte@test.example>").expect("mailer");
    spawn_app_with_mailer(mailer).await
}

/// A server as production runs it: outbound calls to private, loopback or
/// link-local addresses refused, except a connection's configured base URL.
pub async fn spawn_app_refusing_private_targets() -> TestApp {
    let database = TestDb::new().await;
    let data_dir = std::env::temp_dir().join(&database.name);
    let base_url = start_instance(
        &database,
        &data_dir,
        domain::mail::Mailer::disabled(),
        false,
    )
    .await;
    TestApp {
        base_url,
        database,
        data_dir,
    }
}

async fn spawn_app_with_mailer(mailer: domain::mail::Mailer) -> TestApp {
    let database = TestDb::new().await;
    let data_dir = std::env::temp_dir().join(&database.name);
    let base_url = start_instance(&database, &data_dir, mailer, true).await;
    TestApp {
        base_url,
        database,
        data_dir,
    }
}

impl TestApp {
    /// Another server instance on the same database: its base URL.
    pub async fn another_instance(&self) -> String {
        start_instance(
            &self.database,
            &self.data_dir,
            domain::mail::Mailer::disabled(),
            true,
        )
        .await
    }
}

async fn start_instance(
    database: &TestDb,
    data_dir: &std::path::Path,
    mailer: domain::mail::Mailer,
    allow_private_targets: bool,
) -> String {
    within_setup_time(
        "starting the test server",
        build_instance(database, data_dir, mailer, allow_private_targets),
    )
    .await
}

async fn build_instance(
    database: &TestDb,
    data_dir: &std::path::Path,
    mailer: domain::mail::Mailer,
    allow_private_targets: bool,
) -> String {
    let settings = Settings {
        database_url: database.owner_url.clone(),
        app_database_url: None,
        addr: "127.0.0.1:0".parse().expect("addr"),
        public_url: None,
        secret_key: test_secret(),
        old_secret_keys: vec![],
        data_dir: data_dir.to_path_buf(),
        site_root: data_dir.join("site"),
        migrate_on_start: true,
        trusted_proxies: 1,
        metrics_public: false,
        metrics_token: Some(METRICS_TOKEN.to_string()),
        db_max_connections: 5,
        allow_private_webhooks: allow_private_targets,
        mailer,
    };
    let app = Application::build(settings).await.expect("build app");
    let base_url = app.public_url().to_string();
    tokio::spawn(app.run_until_stopped());
    base_url
}

/// A browser-like client: keeps cookies, sends our Origin on every request,
/// and presents a given client IP (the test server trusts X-Forwarded-For).
pub struct Browser {
    pub http: reqwest::Client,
    pub base_url: String,
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        self.browser_from("10.0.0.1")
    }

    pub fn browser_from(&self, ip: &str) -> Browser {
        let mut headers = HeaderMap::new();
        headers.insert(
            ORIGIN,
            HeaderValue::from_str(&self.base_url).expect("origin"),
        );
        headers.insert("x-forwarded-for", HeaderValue::from_str(ip).expect("ip"));
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("client");
        Browser {
            http,
            base_url: self.base_url.clone(),
        }
    }

    /// A client with no cookies and no Origin, like `curl`.
    pub fn plain_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("client")
    }

    pub async fn sign_up(&self, company: &str, slug: &str, email: &str) -> Browser {
        let browser = self.browser();
        let response = browser
            .call(
                "sign_up",
                &[
                    ("company_name", company),
                    ("slug", slug),
                    ("name", "Founder"),
                    ("email", email),
                    ("password", "correct horse battery"),
                ],
            )
            .await;
        assert_eq!(response.status, 200, "sign-up failed: {}", response.body);
        browser
    }

    pub async fn demo_account(&self) -> domain::seed::DemoAccount {
        self.database.demo_account().await
    }

    /// The demo account with its sample inbox; returns the website channel's token.
    pub async fn demo_inbox(&self) -> (domain::seed::DemoAccount, String) {
        self.database.demo_inbox().await
    }

    /// Turns the demo account's satisfaction survey on (after `demo_inbox`).
    pub async fn survey_customers(&self, demo: &domain::seed::DemoAccount) {
        domain::satisfaction::set_survey(
            &self.database.db,
            &demo.actor(shared::Role::GlobalAdmin),
            true,
        )
        .await
        .expect("survey on");
    }

    /// Signs in without a cookie jar and returns the `Cookie` header value.
    pub async fn session_cookie(&self, email: &str, password: &str) -> String {
        let response = self
            .plain_client()
            .post(format!("{}/api/sign_in", self.base_url))
            .header("origin", &self.base_url)
            .header("x-forwarded-for", "10.77.0.1")
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("sign in");
        let set_cookie = response
            .headers()
            .get("set-cookie")
            .expect("cookie")
            .to_str()
            .expect("ascii")
            .to_string();
        set_cookie.split(';').next().expect("pair").to_string()
    }

    /// A new website visitor's token.
    pub async fn visitor(&self, channel: &str) -> String {
        let reply: Value = self
            .plain_client()
            .post(format!("{}/widget/{channel}/session", self.base_url))
            .header("origin", &self.base_url)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("json");
        reply["visitor"]
            .as_str()
            .expect("visitor token")
            .to_string()
    }

    /// The visitor sends a message; returns the stored message as JSON.
    pub async fn visitor_says(&self, channel: &str, visitor: &str, body: &str) -> Value {
        let response = self
            .plain_client()
            .post(format!("{}/widget/{channel}/messages", self.base_url))
            .header("origin", &self.base_url)
            .json(&serde_json::json!({ "visitor": visitor, "body": body }))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 201, "visitor message refused");
        response.json().await.expect("json")
    }

    /// A new visitor writes each text in turn; returns their conversation's
    /// number.
    pub async fn customer_says(&self, channel: &str, texts: &[&str]) -> i64 {
        let visitor = self.visitor(channel).await;
        for text in texts {
            self.visitor_says(channel, &visitor, text).await;
        }
        self.latest_customer_conversation().await
    }

    /// The number of the conversation a customer wrote in last.
    pub async fn latest_customer_conversation(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id
              WHERE m.kind = 'incoming' ORDER BY m.id DESC LIMIT 1",
        )
        .fetch_one(&self.database.owner)
        .await
        .expect("a customer's conversation")
    }

    /// An API token of the demo's admin (after `demo_inbox`).
    pub async fn demo_admin_token(&self) -> String {
        self.demo_token("admin@demo.ponte.dev").await
    }

    /// An API token of the demo's member `email` (after `demo_inbox`).
    pub async fn demo_token(&self, email: &str) -> String {
        let browser = self.signed_in(email, "ponte-demo-2026").await;
        let created: shared::accounts::NewApiToken = browser
            .call("create_api_token", &[("name", "tests")])
            .await
            .json();
        created.token
    }

    pub async fn signed_in(&self, email: &str, password: &str) -> Browser {
        let browser = self.browser();
        let response = browser
            .call("sign_in", &[("email", email), ("password", password)])
            .await;
        assert_eq!(response.status, 200, "sign-in failed: {}", response.body);
        browser
    }
}

pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("bad JSON ({err}): {}", self.body))
    }

    pub fn error(&self) -> shared::AppError {
        self.json()
    }
}

impl Browser {
    /// Calls a server function the way the hydrated app does (form-encoded
    /// POST, JSON back).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Reply {
        let response = self
            .http
            .post(format!("{}/api/{endpoint}", self.base_url))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request");
        reply(response).await
    }

    /// Calls a server function that takes JSON input.
    pub async fn call_json(&self, endpoint: &str, body: &Value) -> Reply {
        let response = self
            .http
            .post(format!("{}/api/{endpoint}", self.base_url))
            .header("accept", "application/json")
            .json(body)
            .send()
            .await
            .expect("request");
        reply(response).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .header("accept", "text/html")
            .send()
            .await
            .expect("request");
        reply(response).await
    }

    pub async fn session(&self) -> Option<shared::accounts::SessionInfo> {
        let reply = self.call("get_session_info", &[]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }
}

/// Percent-encodes a query parameter value.
pub fn percent(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.expect("body");
    Reply {
        status,
        body,
        headers,
    }
}

// A real SMTP server ----------------------------------------------------------

/// aiosmtpd (Debian's `python3-aiosmtpd`) on a free loopback port, storing
/// every mail it accepts in a Maildir; stopped when dropped.
pub struct MailSink {
    pub url: String,
    maildir: PathBuf,
    _server: tokio::process::Child,
}

/// A mail as it arrived at the SMTP server.
#[derive(Debug)]
pub struct ReceivedMail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The whole mail as received (headers included).
    pub raw: String,
    /// Attached files: name and decoded bytes.
    pub attachments: Vec<(String, Vec<u8>)>,
}

impl ReceivedMail {
    /// The first link in the text that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        let start = self
            .text
            .find(prefix)
            .unwrap_or_else(|| panic!("no link starting {prefix} in: {}", self.text));
        self.text[start..]
            .split_whitespace()
            .next()
            .expect("a link")
            .to_string()
    }
}

impl MailSink {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let maildir = std::env::temp_dir().join(format!("ponte-mail-{}", uuid::Uuid::new_v4()));
        let server = tokio::process::Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("aiosmtpd (apt install python3-aiosmtpd; ./ponte.sh test does)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Self {
                    url: format!("smtp://127.0.0.1:{port}"),
                    maildir,
                    _server: server,
                };
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    /// Removes the mailbox, so the server answers every mail with a
    /// permanent error (500).
    pub fn break_storage(&self) {
        std::fs::remove_dir_all(&self.maildir).expect("remove maildir");
    }

    pub fn url_for_port(port: &str) -> String {
        format!("smtp://127.0.0.1:{port}")
    }

    /// Every mail received so far, oldest first.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return vec![];
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| {
                let raw = std::fs::read(&path).expect("read mail");
                let mail = mail_parser::MessageParser::default()
                    .parse(&raw)
                    .expect("a parsable mail");
                let first = |a: Option<&mail_parser::Address>| {
                    a.and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_string()
                };
                ReceivedMail {
                    from: first(mail.from()),
                    to: first(mail.to()),
                    subject: mail.subject().unwrap_or_default().to_string(),
                    text: mail.body_text(0).unwrap_or_default().to_string(),
                    html: mail.body_html(0).unwrap_or_default().to_string(),
                    raw: String::from_utf8_lossy(&raw).into_owned(),
                    attachments: mail
                        .attachments()
                        .map(|part| {
                            use mail_parser::MimeHeaders;
                            let name = part.attachment_name().unwrap_or_default().to_string();
                            (name, part.contents().to_vec())
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// Waits (up to 15 s) until `count` mails to `to` have arrived.
    pub async fn wait_for(&self, to: &str, count: usize) -> Vec<ReceivedMail> {
        for _ in 0..300 {
            let mails: Vec<ReceivedMail> =
                self.received().into_iter().filter(|m| m.to == to).collect();
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "{count} mail(s) to {to} never arrived; got {:?}",
            self.received()
        );
    }
}

/// A real IMAP server (Dovecot, from Debian) of its own: one mailbox,
/// plain text on loopback, stopped when dropped. Started by the same shell
/// function the browser tests use (`scripts/setup.sh`).
pub struct ImapServer {
    pub port: u16,
    pub user: String,
    pub password: String,
    /// The mailbox's Maildir: a file moved into its `new/` is delivered mail.
    maildir: PathBuf,
    pid: i32,
}

impl ImapServer {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir = std::env::temp_dir().join(format!("ponte-imap-{}", uuid::Uuid::new_v4()));
        let (user, password) = (
            "suporte@loja.example".to_string(),
            "imap-secret".to_string(),
        );
        let setup = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/setup.sh");
        let output = tokio::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "set -e; source '{setup}'; start_imap_server {port} '{}' '{user}' '{password}'",
                dir.display()
            ))
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .await
            .expect("bash");
        let pid: i32 = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| {
                panic!("Dovecot did not start (apt install dovecot-imapd; ./ponte.sh test does)")
            });
        Self {
            port,
            maildir: dir.join("mail").join(&user),
            user,
            password,
            pid,
        }
    }

    /// Delivers a mail into the mailbox, as a mail server does: written
    /// aside, then moved into `new/`.
    pub fn deliver(&self, raw: &str) {
        let name = format!(
            "{}.{}.ponte",
            chrono::Utc::now().timestamp_micros(),
            uuid::Uuid::new_v4()
        );
        let aside = self.maildir.join("tmp").join(&name);
        std::fs::write(&aside, raw).expect("write mail");
        std::fs::rename(&aside, self.maildir.join("new").join(&name)).expect("deliver mail");
    }
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        // The whole instance: its master leads a process group.
        let _ = std::process::Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.pid)])
            .status();
    }
}

/// The vault test servers seal with.
pub fn test_vault() -> domain::channels::vault::Vault {
    domain::channels::vault::Vault::new(&test_secret(), &[]).expect("vault")
}

/// Where domain calls in tests queue mail (nothing sends it).
pub fn test_outbox(vault: &domain::channels::vault::Vault) -> domain::mail::Outbox<'_> {
    domain::mail::Outbox {
        vault,
        base_url: "http://x",
        sending: false,
    }
}

/// A PDF's pages' drawing commands (their streams inflated), to look for
/// the text on them.
pub fn pdf_page_text(pdf: &[u8]) -> String {
    use std::io::Read as _;
    let find = |needle: &[u8], from: usize| {
        pdf[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut text = String::new();
    let mut at = 0;
    while let Some(start) = find(b">>\nstream\n", at) {
        let from = start + b">>\nstream\n".len();
        let end = find(b"\nendstream", from).expect("a stream ends");
        let mut page = Vec::new();
        flate2::read::ZlibDecoder::new(&pdf[from..end])
            .read_to_end(&mut page)
            .expect("a deflated page");
        text.push_str(&String::from_utf8_lossy(&page));
        at = end;
    }
    text
}

/// Polls until `check` holds, for up to ten seconds (workers, sweepers and
/// distribution run in the background).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}
