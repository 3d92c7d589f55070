//! Watching mailboxes: any instance claims a mailbox whose lease ran out
//! (SKIP LOCKED, so one watcher per mailbox), signs in, stores every new
//! mail raw in the webhook queue — the same durable, idempotent path as a
//! provider's webhook — then waits with IDLE (or polls, where the server
//! has no IDLE) until its session ends and the lease is free again.

use anyhow::Context;
use futures::TryStreamExt;
use serde_json::json;
use shared::mail::SmtpSecurity;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use uuid::Uuid;

use super::ImapServer;
use crate::channels::connections::{self, Connection, ProviderConfig};
use crate::channels::provider::is_private;
use crate::channels::vault::Vault;
use crate::channels::webhooks;
use crate::db::Db;
use crate::error::Result;

/// A claimed mailbox is this watcher's for this long…
pub const LEASE_SECONDS: i32 = 120;
/// …and its session ends well before, so the lease never runs out mid-work.
const SESSION: Duration = Duration::from_secs(90);
/// One IDLE wait; servers drop idle clients after 30 minutes, proxies sooner.
const IDLE_SLICE: Duration = Duration::from_secs(25);
/// Without IDLE, how often the mailbox is asked for new mail.
const POLL_EVERY: Duration = Duration::from_secs(15);
const NETWORK_TIMEOUT: Duration = Duration::from_secs(20);
/// Mail larger than this is left in the mailbox (and logged).
const MAX_MAIL_BYTES: u32 = 30_000_000;
/// A new mailbox brings in the mail of its last days, not its whole history.
const FIRST_SYNC_DAYS: i64 = 2;
/// Mailboxes one instance claims at a time.
const CLAIM: i32 = 16;

pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Transport for T {}
pub type Session = async_imap::Session<Box<dyn Transport>>;

/// Why a mailbox could not be watched.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("IMAP: {0}")]
    Network(String),
    #[error("IMAP sign-in refused: {0}")]
    SignIn(String),
    #[error("IMAP: {0}")]
    Server(String),
}

fn server_error(err: async_imap::error::Error) -> ImapError {
    match err {
        async_imap::error::Error::Io(err) => ImapError::Network(err.to_string()),
        other => ImapError::Server(other.to_string()),
    }
}

fn tls_connector() -> std::result::Result<tokio_rustls::TlsConnector, ImapError> {
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|err| ImapError::Network(format!("TLS setup: {err}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

async fn tls_over(
    host: &str,
    tcp: tokio::net::TcpStream,
) -> std::result::Result<Box<dyn Transport>, ImapError> {
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|err| ImapError::Network(format!("{host}: {err}")))?;
    let tls = tls_connector()?
        .connect(name, tcp)
        .await
        .map_err(|err| ImapError::Network(format!("TLS with {host}: {err}")))?;
    Ok(Box::new(tls))
}

/// Connects (to a public address only, unless `allow_private`), protects
/// the connection as configured and signs in.
pub async fn sign_in(
    server: &ImapServer,
    allow_private: bool,
) -> std::result::Result<Session, ImapError> {
    tokio::time::timeout(NETWORK_TIMEOUT, sign_in_now(server, allow_private))
        .await
        .map_err(|_| ImapError::Network(format!("{} did not answer in time", server.host)))?
}

async fn sign_in_now(
    server: &ImapServer,
    allow_private: bool,
) -> std::result::Result<Session, ImapError> {
    let addresses: Vec<std::net::SocketAddr> =
        tokio::net::lookup_host((server.host.as_str(), server.port))
            .await
            .map_err(|err| ImapError::Network(format!("{}: {err}", server.host)))?
            .collect();
    let Some(address) = addresses.first().copied() else {
        return Err(ImapError::Network(format!(
            "{} has no address",
            server.host
        )));
    };
    if !allow_private && addresses.iter().any(|a| is_private(a.ip())) {
        return Err(ImapError::Network(format!(
            "{} is a private or local address; only public mail servers are allowed",
            server.host
        )));
    }
    let tcp = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|err| ImapError::Network(format!("{}: {err}", server.host)))?;
    let mut client = match server.security {
        SmtpSecurity::Tls => async_imap::Client::new(tls_over(&server.host, tcp).await?),
        SmtpSecurity::None => async_imap::Client::new(Box::new(tcp) as Box<dyn Transport>),
        SmtpSecurity::StartTls => {
            let mut plain = async_imap::Client::new(tcp);
            plain
                .read_response()
                .await
                .map_err(|err| ImapError::Network(err.to_string()))?;
            plain
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(server_error)?;
            let tls = tls_over(&server.host, plain.into_inner()).await?;
            // No greeting follows STARTTLS.
            let client = async_imap::Client::new(tls);
            return login(client, server).await;
        }
    };
    client
        .read_response()
        .await
        .map_err(|err| ImapError::Network(err.to_string()))?
        .ok_or_else(|| ImapError::Network(format!("{} closed the connection", server.host)))?;
    login(client, server).await
}

async fn login(
    client: async_imap::Client<Box<dyn Transport>>,
    server: &ImapServer,
) -> std::result::Result<Session, ImapError> {
    client
        .login(&server.username, &server.password)
        .await
        .map_err(|(err, _)| match err {
            async_imap::error::Error::Io(err) => ImapError::Network(err.to_string()),
            other => ImapError::SignIn(other.to_string()),
        })
}

/// "Test connection": signs in and opens the folder.
pub async fn check(
    server: &ImapServer,
    allow_private: bool,
) -> std::result::Result<String, ImapError> {
    let mut session = sign_in(server, allow_private).await?;
    let mailbox = session.select(&server.folder).await.map_err(server_error)?;
    let _ = session.logout().await;
    Ok(format!("{}: {} messages", server.folder, mailbox.exists))
}

/// Claims the mailboxes due for a session and watches each in its own task;
/// returns how many were claimed.
pub async fn watch_due(db: &Db, vault: &Arc<Vault>, allow_private: bool) -> Result<usize> {
    let token = Uuid::new_v4();
    let claimed: Vec<(i64, Uuid)> =
        sqlx::query_as("SELECT channel_id, account_id FROM claim_email_mailboxes($1, $2, $3)")
            .bind(token)
            .bind(CLAIM)
            .bind(LEASE_SECONDS)
            .fetch_all(db.pool())
            .await
            .context("claiming mailboxes")?;
    for &(channel_id, account_id) in &claimed {
        let (db, vault) = (db.clone(), vault.clone());
        tokio::spawn(async move {
            let lease = Lease {
                db: &db,
                account_id,
                channel_id,
                token,
            };
            let outcome = watch(&lease, &vault, allow_private).await;
            if let Err(err) = lease.release(outcome).await {
                tracing::warn!(channel = channel_id, error = ?err, "releasing a mailbox failed");
            }
        });
    }
    Ok(claimed.len())
}

/// One watcher's hold on one mailbox.
struct Lease<'a> {
    db: &'a Db,
    account_id: Uuid,
    channel_id: i64,
    token: Uuid,
}

/// How a session ended.
enum Outcome {
    /// Worked until its time was up: the next session starts at once.
    Done,
    /// No IMAP to watch (webhook-only, disabled): look again later.
    Idle,
    Failed(ImapError),
}

impl Lease<'_> {
    async fn state(&self) -> Result<(Option<i64>, i64)> {
        let mut tx = self.db.tenant(self.account_id, None).await?;
        let state = sqlx::query_as(
            "SELECT uid_validity, last_uid FROM email_mailboxes WHERE account_id = $1 AND channel_id = $2",
        )
        .bind(self.account_id)
        .bind(self.channel_id)
        .fetch_one(&mut *tx)
        .await
        .context("reading the mailbox's position")?;
        tx.commit().await.context("commit")?;
        Ok(state)
    }

    /// Records how far the mailbox is read; `false` when the lease is no
    /// longer ours (this watcher must stop).
    async fn advance(&self, uid_validity: i64, last_uid: i64) -> Result<bool> {
        let mut tx = self.db.tenant(self.account_id, None).await?;
        let kept = sqlx::query(
            "UPDATE email_mailboxes SET uid_validity = $4, last_uid = $5
              WHERE account_id = $1 AND channel_id = $2 AND lease_token = $3 AND lease_until > now()",
        )
        .bind(self.account_id)
        .bind(self.channel_id)
        .bind(self.token)
        .bind(uid_validity)
        .bind(last_uid)
        .execute(&mut *tx)
        .await
        .context("recording the mailbox's position")?
        .rows_affected()
            == 1;
        tx.commit().await.context("commit")?;
        Ok(kept)
    }

    async fn release(&self, outcome: Result<Outcome>) -> Result<()> {
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(err) => Outcome::Failed(ImapError::Server(err.to_string())),
        };
        let mut tx = self.db.tenant(self.account_id, None).await?;
        let (delay_sql, error) = match &outcome {
            Outcome::Done => ("interval '0'", None),
            Outcome::Idle => ("interval '5 minutes'", None),
            // 30 s, doubling, at most 30 minutes.
            Outcome::Failed(err) => (
                "least(interval '30 minutes', interval '30 seconds' * power(2, failures))",
                Some(err.to_string()),
            ),
        };
        sqlx::query(&format!(
            "UPDATE email_mailboxes
                SET lease_token = NULL, lease_until = '-infinity', last_error = left($4, 500),
                    next_session_at = now() + {delay_sql},
                    failures = CASE WHEN $4::text IS NULL THEN 0 ELSE failures + 1 END
              WHERE account_id = $1 AND channel_id = $2 AND lease_token = $3"
        ))
        .bind(self.account_id)
        .bind(self.channel_id)
        .bind(self.token)
        .bind(&error)
        .execute(&mut *tx)
        .await
        .context("releasing the mailbox")?;
        if let Outcome::Failed(err) = &outcome {
            tracing::warn!(channel = self.channel_id, error = %err, "watching a mailbox failed");
            let detail = err.to_string();
            connections::set_health(
                &mut tx,
                self.account_id,
                self.channel_id,
                false,
                Some(&detail),
            )
            .await?;
        }
        tx.commit().await.context("commit")?;
        Ok(())
    }

    async fn connection(&self, vault: &Vault) -> Result<Connection> {
        let mut tx = self.db.tenant(self.account_id, None).await?;
        let connection =
            connections::open_in(&mut tx, vault, self.account_id, self.channel_id).await?;
        tx.commit().await.context("commit")?;
        Ok(connection)
    }

    async fn connected(&self) -> Result<()> {
        let mut tx = self.db.tenant(self.account_id, None).await?;
        connections::set_health(&mut tx, self.account_id, self.channel_id, true, None).await?;
        tx.commit().await.context("commit")?;
        Ok(())
    }
}

async fn watch(lease: &Lease<'_>, vault: &Vault, allow_private: bool) -> Result<Outcome> {
    let started = tokio::time::Instant::now();
    let connection = lease.connection(vault).await?;
    let server = match &connection.config {
        ProviderConfig::Email { settings, secrets } if connection.active => {
            match settings.imap(secrets) {
                Some(Ok(server)) => server,
                Some(Err((field, _))) => {
                    return Ok(Outcome::Failed(ImapError::Server(format!(
                        "the connection's {field} is invalid"
                    ))))
                }
                None => return Ok(Outcome::Idle),
            }
        }
        _ => return Ok(Outcome::Idle),
    };
    let session = match sign_in(&server, allow_private).await {
        Ok(session) => session,
        Err(err) => return Ok(Outcome::Failed(err)),
    };
    lease.connected().await?;
    let (outcome, session) =
        read_until_session_ends(lease, &connection, &server, session, started).await;
    if let Some(mut session) = session {
        let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    }
    outcome
}

/// Stores new mail, then waits for more (IDLE, or a pause between polls),
/// until the session's time is up. Gives the session back when it is still
/// usable, to sign out.
async fn read_until_session_ends(
    lease: &Lease<'_>,
    connection: &Connection,
    server: &ImapServer,
    mut session: Session,
    started: tokio::time::Instant,
) -> (Result<Outcome>, Option<Session>) {
    let failed = |err| Ok(Outcome::Failed(server_error(err)));
    let mailbox = match session.select(&server.folder).await {
        Ok(mailbox) => mailbox,
        Err(err) => return (failed(err), Some(session)),
    };
    let uid_validity = i64::from(mailbox.uid_validity.unwrap_or(0));
    let mut last_uid = match lease.state().await {
        Ok((known, last_uid)) if known == Some(uid_validity) => last_uid,
        Ok(_) => {
            // A new mailbox (or one the server rebuilt, which renumbers
            // everything): start from its last days; Message-IDs keep mail
            // seen before from doubling.
            let since = (chrono::Utc::now() - chrono::Duration::days(FIRST_SYNC_DAYS))
                .format("%d-%b-%Y")
                .to_string();
            match session.uid_search(format!("SINCE {since}")).await {
                Ok(recent) => recent
                    .iter()
                    .min()
                    .map(|first| i64::from(*first) - 1)
                    .unwrap_or_else(|| i64::from(mailbox.uid_next.unwrap_or(1)) - 1),
                Err(err) => return (failed(err), Some(session)),
            }
        }
        Err(err) => return (Err(err), Some(session)),
    };
    let idle = match session.capabilities().await {
        Ok(capabilities) => capabilities.has_str("IDLE"),
        Err(err) => return (failed(err), Some(session)),
    };
    loop {
        match store_new_mail(lease, connection, &mut session, uid_validity, last_uid).await {
            Ok(Some(newest)) => last_uid = newest,
            // The lease is gone: another watcher has the mailbox.
            Ok(None) => return (Ok(Outcome::Done), Some(session)),
            Err(StoreError::Imap(err)) => return (failed(err), Some(session)),
            Err(StoreError::Other(err)) => return (Err(err), Some(session)),
        }
        let left = SESSION.saturating_sub(started.elapsed());
        if left.is_zero() {
            return (Ok(Outcome::Done), Some(session));
        }
        if !idle {
            tokio::time::sleep(POLL_EVERY.min(left)).await;
            continue;
        }
        let mut handle = session.idle();
        if let Err(err) = handle.init().await {
            return (failed(err), None);
        }
        let (wait, _stop) = handle.wait_with_timeout(IDLE_SLICE.min(left));
        if let Err(err) = wait.await {
            return (failed(err), None);
        }
        session = match handle.done().await {
            Ok(session) => session,
            Err(err) => return (failed(err), None),
        };
    }
}

enum StoreError {
    Imap(async_imap::error::Error),
    Other(crate::Error),
}

/// Stores every mail after `last_uid`, oldest first, recording the
/// position after each; the newest UID stored, or `None` when the lease
/// was lost.
async fn store_new_mail(
    lease: &Lease<'_>,
    connection: &Connection,
    session: &mut Session,
    uid_validity: i64,
    last_uid: i64,
) -> std::result::Result<Option<i64>, StoreError> {
    let sizes: Vec<(u32, u32)> = session
        .uid_fetch(format!("{}:*", last_uid + 1), "(UID RFC822.SIZE)")
        .await
        .map_err(StoreError::Imap)?
        .try_collect::<Vec<_>>()
        .await
        .map_err(StoreError::Imap)?
        .iter()
        .filter_map(|fetch| Some((fetch.uid?, fetch.size.unwrap_or(0))))
        // "n:*" names the newest mail even when it is older than n.
        .filter(|(uid, _)| i64::from(*uid) > last_uid)
        .collect();
    let mut sizes = sizes;
    sizes.sort_unstable();
    let mut newest = last_uid;
    for (uid, size) in sizes {
        if size > MAX_MAIL_BYTES {
            tracing::warn!(
                channel = lease.channel_id,
                uid,
                size,
                "a mail too large to bring in was left in the mailbox"
            );
        } else {
            let fetched = session
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .await
                .map_err(StoreError::Imap)?
                .try_collect::<Vec<_>>()
                .await
                .map_err(StoreError::Imap)?;
            if let Some(raw) = fetched.iter().find_map(|f| f.body()) {
                webhooks::store(lease.db, connection, raw, json!({ "imap_uid": uid }))
                    .await
                    .map_err(StoreError::Other)?;
            }
        }
        newest = i64::from(uid);
        if !lease
            .advance(uid_validity, newest)
            .await
            .map_err(StoreError::Other)?
        {
            return Ok(None);
        }
    }
    if newest == last_uid
        && !lease
            .advance(uid_validity, newest)
            .await
            .map_err(StoreError::Other)?
    {
        return Ok(None);
    }
    Ok(Some(newest))
}
