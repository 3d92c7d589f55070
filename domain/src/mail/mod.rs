//! Outgoing e-mail: queued in the transaction that decides to write (so a
//! mail is never sent for something that rolled back, nor lost when the
//! server dies), sent by the workers through SMTP with retries, and kept as
//! the send log.
//!
//! The server-wide SMTP server (`PONTE_SMTP_URL`, `PONTE_MAIL_FROM`) sends
//! the system's own mail: confirmations, password resets, invitations.

pub mod accounts;
pub mod alerts;
pub mod smtp;
pub mod templates;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::Message;
use serde::{Deserialize, Serialize};
pub use shared::mail::MailKind;
use shared::values::EmailAddress;
use uuid::Uuid;

use crate::channels::vault::{Sealed, Vault};
use crate::db::{Db, Tx};
use crate::error::Result;
use smtp::SmtpServer;
pub use templates::{QualityAlert, SystemMail};

/// Sends are tried this many times (back-off from 30 s to 1 h) before the
/// mail counts as failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// Mail is sent one at a time, each send bounded by the SMTP timeout, so a
/// batch is done well within its lease (no other instance sends it twice).
const BATCH: i32 = 5;
const LEASE_SECONDS: i32 = 300;
/// The NOTIFY payload that wakes the workers for mail.
const WAKE_PAYLOAD: &str = "mail";

/// A mail's body: plain text and its HTML alternative, and any files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub text: String,
    pub html: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<MailAttachment>,
}

/// A file sent with a mail (a scheduled report).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAttachment {
    pub file_name: String,
    pub content_type: String,
    #[serde(with = "base64_bytes")]
    pub bytes: Vec<u8>,
}

/// Files travel in the sealed JSON as base64, not as arrays of numbers.
mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// The server-wide way out: an SMTP server and the sender's address, when
/// configured.
#[derive(Clone, Debug, Default)]
pub struct Mailer {
    outlet: Option<(SmtpServer, Mailbox)>,
}

impl Mailer {
    /// `from` is `PONTE_MAIL_FROM` ("Ponte <ponte@example.com>" or a bare
    /// address).
    pub fn new(server: SmtpServer, from: &str) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("PONTE_MAIL_FROM is not an address: {from}"))?;
        Ok(Self {
            outlet: Some((server, from)),
        })
    }

    /// A mailer that sends nothing (no SMTP server configured).
    pub fn disabled() -> Self {
        Self::default()
    }

    pub fn can_send(&self) -> bool {
        self.outlet.is_some()
    }
}

/// What queueing a system mail needs: the vault that seals it, and the
/// server's external base URL that its links start with.
#[derive(Clone, Copy)]
pub struct Outbox<'a> {
    pub vault: &'a Vault,
    pub base_url: &'a str,
    /// Whether an SMTP server will send what is queued (else it waits).
    pub sending: bool,
}

impl Outbox<'_> {
    /// `path` (starting with `/`) on this server.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim_end_matches('/'))
    }
}

/// Queues a mail to `to` in `tx`; the workers send it after the commit.
/// `account_id` is `None` for mail that belongs to no account.
pub async fn queue(
    tx: &mut Tx,
    vault: &Vault,
    account_id: Option<Uuid>,
    to: &EmailAddress,
    mail: &SystemMail<'_>,
    locale: shared::prefs::Locale,
) -> Result<()> {
    queue_with_attachments(tx, vault, account_id, to, mail, locale, &[]).await
}

/// [`queue`], with files attached.
pub async fn queue_with_attachments(
    tx: &mut Tx,
    vault: &Vault,
    account_id: Option<Uuid>,
    to: &EmailAddress,
    mail: &SystemMail<'_>,
    locale: shared::prefs::Locale,
    attachments: &[MailAttachment],
) -> Result<()> {
    let (subject, mut content) = mail.render(locale);
    content.attachments = attachments.to_vec();
    let sealed = vault.seal(
        "outgoing_mail",
        &serde_json::to_vec(&content).context("encoding mail content")?,
    )?;
    // An account's mail goes through its default SMTP server, if it has one.
    sqlx::query(
        "INSERT INTO outgoing_mail (account_id, smtp_account_id, kind, to_address, subject,
                                    content, content_key_id)
         VALUES ($1, (SELECT id FROM smtp_accounts WHERE account_id = $1 AND is_default),
                 $2, $3, $4, $5, $6)",
    )
    .bind(account_id)
    .bind(mail.kind().as_str())
    .bind(to.as_str())
    .bind(&subject)
    .bind(&sealed.bytes)
    .bind(&sealed.key_id)
    .execute(&mut **tx)
    .await
    .context("queueing mail")?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(crate::channels::webhooks::JOBS_CHANNEL)
        .bind(WAKE_PAYLOAD)
        .execute(&mut **tx)
        .await
        .context("waking the mail workers")?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    account_id: Option<Uuid>,
    smtp_account_id: Option<i64>,
    to_address: String,
    subject: String,
    content: Vec<u8>,
    content_key_id: String,
}

/// Sends the mail that is due; returns how many were claimed. Mail for the
/// server-wide SMTP server is claimed only when there is one (else it
/// waits); an account's own servers must be public unless `allow_private`.
pub async fn process_due(
    db: &Db,
    vault: &Vault,
    mailer: &Mailer,
    allow_private: bool,
) -> Result<usize> {
    let claimed: Vec<Claimed> = sqlx::query_as(
        "SELECT id, account_id, smtp_account_id, to_address, subject, content, content_key_id
           FROM claim_outgoing_mail($1, $2, $3)",
    )
    .bind(BATCH)
    .bind(LEASE_SECONDS)
    .bind(mailer.can_send())
    .fetch_all(db.pool())
    .await
    .context("claiming outgoing mail")?;
    let count = claimed.len();
    for mail in claimed {
        let outcome = send_one(db, vault, mailer, &mail, allow_private).await;
        if let Err(failure) = &outcome {
            tracing::warn!(mail = mail.id, error = %failure.reason, "mail not sent");
        }
        // A permanent refusal is final at once; anything else is retried.
        let attempts_allowed = match &outcome {
            Err(failure) if failure.permanent => 0,
            _ => MAX_ATTEMPTS,
        };
        sqlx::query("SELECT finish_outgoing_mail($1, $2, $3)")
            .bind(mail.id)
            .bind(outcome.err().map(|failure| failure.reason))
            .bind(attempts_allowed)
            .execute(db.pool())
            .await
            .context("recording a send")?;
    }
    Ok(count)
}

/// Sends one claimed mail through its account's SMTP server or the
/// server-wide one.
async fn send_one(
    db: &Db,
    vault: &Vault,
    mailer: &Mailer,
    mail: &Claimed,
    allow_private: bool,
) -> Result<String, smtp::SendFailure> {
    let final_failure = |err: &dyn std::fmt::Display| smtp::SendFailure {
        reason: err.to_string(),
        permanent: true,
    };
    let (server, from, trusted) = match (mail.account_id, mail.smtp_account_id) {
        (Some(account_id), Some(smtp_account_id)) => {
            let loaded = async {
                let mut tx = db.tenant(account_id, None).await?;
                accounts::outlet(&mut tx, vault, account_id, smtp_account_id).await
            }
            .await
            .map_err(|err| smtp::SendFailure {
                reason: format!("{err:#}"),
                permanent: false,
            })?;
            let (server, from) =
                loaded.ok_or_else(|| final_failure(&"the SMTP account is gone"))?;
            (server, from, allow_private)
        }
        _ => match &mailer.outlet {
            // The operator's own server may be on a private network.
            Some((server, from)) => (server.clone(), from.clone(), true),
            None => return Err(final_failure(&"no SMTP server is configured")),
        },
    };
    let message = compose(vault, &from, mail).map_err(|err| final_failure(&format!("{err:#}")))?;
    server.send(message, trusted).await
}

fn compose(vault: &Vault, from: &Mailbox, mail: &Claimed) -> anyhow::Result<Message> {
    let plain = vault.open(
        "outgoing_mail",
        &Sealed {
            key_id: mail.content_key_id.clone(),
            bytes: mail.content.clone(),
        },
    )?;
    let content: Content = serde_json::from_slice(&plain).context("decoding mail content")?;
    let to: Mailbox = mail
        .to_address
        .parse()
        .with_context(|| format!("not an address: {}", mail.to_address))?;
    let body = MultiPart::alternative_plain_html(content.text, content.html);
    let body = if content.attachments.is_empty() {
        body
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for file in content.attachments {
            let content_type = ContentType::parse(&file.content_type)
                .with_context(|| format!("not a content type: {}", file.content_type))?;
            mixed =
                mixed.singlepart(Attachment::new(file.file_name).body(file.bytes, content_type));
        }
        mixed
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .multipart(body)
        .context("composing the mail")
}
