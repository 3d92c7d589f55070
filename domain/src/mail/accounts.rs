//! An account's own SMTP servers: typed in by an admin (the password sealed
//! like connection credentials), tried with a test e-mail, one of them the
//! default that sends the account's mail. And the account's send log.

use anyhow::Context;
use lettre::message::Mailbox;
use serde_json::json;
use shared::audit::AuditAction;
use shared::mail::{SentMail, SmtpAccountForm, SmtpAccountView, SmtpSecurity, SmtpTestResult};
use shared::values::EmailAddress;
use shared::{ErrorCode, FieldErrors, Permission};
use uuid::Uuid;

use super::smtp::{SmtpServer, SmtpUrlError};
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::channels::vault::{Sealed, Vault};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

const SEAL_CONTEXT: &str = "smtp_account_password";
const SEND_LOG_SIZE: i64 = 50;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    host: String,
    port: i32,
    security: SmtpSecurity,
    username: String,
    password: Option<Vec<u8>>,
    password_key_id: Option<String>,
    from_name: String,
    from_address: String,
    is_default: bool,
}

const COLUMNS: &str = "id, name, host, port, security, username, password, password_key_id, \
                       from_name, from_address, is_default";

impl Row {
    fn view(self) -> SmtpAccountView {
        SmtpAccountView {
            id: self.id,
            name: self.name,
            host: self.host,
            port: u16::try_from(self.port).unwrap_or_default(),
            security: self.security,
            username: self.username,
            has_password: self.password.is_some(),
            from_name: self.from_name,
            from_address: self.from_address,
            is_default: self.is_default,
        }
    }

    /// The server and sender this row describes, its password opened.
    fn outlet(&self, vault: &Vault) -> anyhow::Result<(SmtpServer, Mailbox)> {
        let password = match (&self.password, &self.password_key_id) {
            (Some(bytes), Some(key_id)) => {
                let plain = vault.open(
                    SEAL_CONTEXT,
                    &Sealed {
                        key_id: key_id.clone(),
                        bytes: bytes.clone(),
                    },
                )?;
                Some(String::from_utf8(plain).context("a stored SMTP password is not text")?)
            }
            _ => None,
        };
        let server = SmtpServer::from_parts(
            &self.host,
            u16::try_from(self.port).context("stored port")?,
            self.security,
            Some(self.username.clone()),
            password,
        )?;
        let address = self.from_address.parse().context("stored from address")?;
        let name = Some(self.from_name.clone()).filter(|n| !n.is_empty());
        Ok((server, Mailbox::new(name, address)))
    }
}

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<SmtpAccountView>> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM smtp_accounts WHERE account_id = $1 ORDER BY is_default DESC, name"
    ))
    .bind(actor.account_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing SMTP accounts")?;
    Ok(rows.into_iter().map(Row::view).collect())
}

struct Valid {
    name: String,
    server: SmtpServer,
    password: Option<String>,
    from_name: String,
    from_address: EmailAddress,
}

fn validate(form: &SmtpAccountForm) -> Result<Valid> {
    let mut errors = FieldErrors::new();
    let name = form.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", ErrorCode::Required);
    } else if name.chars().count() > 80 {
        errors.add("name", ErrorCode::TooLong);
    }
    let security = errors.check("security", form.security.parse::<SmtpSecurity>());
    let port = match form.port.trim() {
        "" => security.map(|s| match s {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::None => 25,
        }),
        typed => errors.check(
            "port",
            typed
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or(ErrorCode::NumberInvalid),
        ),
    };
    let from_address = errors.check("from_address", EmailAddress::parse(&form.from_address));
    let from_name = form.from_name.trim().to_string();
    if from_name.chars().count() > 80 {
        errors.add("from_name", ErrorCode::TooLong);
    }
    let server = match (security, port) {
        (Some(security), Some(port)) => {
            let built = SmtpServer::from_parts(
                &form.host,
                port,
                security,
                Some(form.username.trim().to_string()),
                None,
            );
            match built {
                Ok(server) => Some(server),
                Err(SmtpUrlError::PlainTextToRemote) => {
                    errors.add("security", ErrorCode::SmtpNeedsTls);
                    None
                }
                Err(_) if form.host.trim().is_empty() => {
                    errors.add("host", ErrorCode::Required);
                    None
                }
                Err(_) => {
                    errors.add("host", ErrorCode::InvalidCharacters);
                    None
                }
            }
        }
        _ => None,
    };
    errors.into_result()?;
    match (server, from_address) {
        (Some(server), Some(from_address)) => Ok(Valid {
            name,
            server,
            password: Some(form.password.clone()).filter(|p| !p.is_empty()),
            from_name,
            from_address,
        }),
        _ => Err(anyhow::anyhow!("validation passed with a missing value").into()),
    }
}

/// Creates (`id` None) or edits an SMTP server; an empty password keeps the
/// stored one. Marking it the default takes that from the previous one.
pub async fn save(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    id: Option<i64>,
    form: &SmtpAccountForm,
) -> Result<SmtpAccountView> {
    actor.require(Permission::ManageAccountSettings)?;
    let valid = validate(form)?;
    let sealed = valid
        .password
        .as_deref()
        .map(|p| vault.seal(SEAL_CONTEXT, p.as_bytes()))
        .transpose()?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    if form.is_default {
        sqlx::query("UPDATE smtp_accounts SET is_default = false WHERE account_id = $1 AND is_default AND id IS DISTINCT FROM $2")
            .bind(actor.account_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .context("moving the default SMTP account")?;
    }
    let sql = match id {
        None => format!(
            "INSERT INTO smtp_accounts (account_id, name, host, port, security, username, password,
                                        password_key_id, from_name, from_address, is_default)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
        ),
        Some(_) => format!(
            "UPDATE smtp_accounts SET name = $2, host = $3, port = $4, security = $5, username = $6,
                    password = COALESCE($7, password), password_key_id = COALESCE($8, password_key_id),
                    from_name = $9, from_address = $10, is_default = $11, updated_at = now()
              WHERE account_id = $1 AND id = $12 RETURNING {COLUMNS}"
        ),
    };
    let mut query = sqlx::query_as::<_, Row>(&sql)
        .bind(actor.account_id)
        .bind(&valid.name)
        .bind(&valid.server.host)
        .bind(i32::from(valid.server.port))
        .bind(valid.server.security)
        .bind(form.username.trim())
        .bind(sealed.as_ref().map(|s| s.bytes.clone()))
        .bind(sealed.as_ref().map(|s| s.key_id.clone()))
        .bind(&valid.from_name)
        .bind(valid.from_address.as_str())
        .bind(form.is_default);
    if let Some(id) = id {
        query = query.bind(id);
    }
    let row = query
        .fetch_optional(&mut *tx)
        .await
        .context("saving an SMTP account")?;
    let row = row.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::SmtpAccountSaved,
        Some(Target::new("smtp_account", row.id)),
        json!({ "name": row.name, "host": row.host, "port": row.port, "default": row.is_default,
                "password_changed": valid.password.is_some() }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(row.view())
}

pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let name: Option<String> = sqlx::query_scalar(
        "DELETE FROM smtp_accounts WHERE account_id = $1 AND id = $2 RETURNING name",
    )
    .bind(actor.account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("removing an SMTP account")?;
    let name = name.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::SmtpAccountRemoved,
        Some(Target::new("smtp_account", id)),
        json!({ "name": name }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Sends a short test e-mail to the admin at once and reports what the
/// server answered.
const TEST_SUBJECT: &str = "Ponte: SMTP test / teste de SMTP";

pub async fn send_test(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    id: i64,
    allow_private: bool,
) -> Result<SmtpTestResult> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let (server, from) = outlet(&mut tx, vault, actor.account_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await.context("commit")?;
    let to: Mailbox = actor.email.parse().context("the admin's address")?;
    let message = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(TEST_SUBJECT)
        .body(format!(
            "This is a test e-mail from Ponte: the SMTP server works.\n\
             Este é um e-mail de teste do Ponte: o servidor SMTP funciona.\n\n— {}\n",
            actor.name
        ))
        .context("composing the test e-mail")?;
    let result = match server.send(message, allow_private).await {
        Ok(answer) => SmtpTestResult { ok: true, answer },
        Err(failure) => SmtpTestResult {
            ok: false,
            answer: failure.reason,
        },
    };
    // Logged as sent or failed at once (nothing is queued: the content is
    // not kept).
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    sqlx::query(
        "INSERT INTO outgoing_mail (account_id, smtp_account_id, kind, to_address, subject, content,
                                    content_key_id, state, attempts, last_error, sent_at)
         VALUES ($1, $2, 'smtp_test', $3, $4, '\\x', '', $5, 1, $6, CASE WHEN $7 THEN now() END)",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(&actor.email)
    .bind(TEST_SUBJECT)
    .bind(if result.ok { "sent" } else { "failed" })
    .bind((!result.ok).then_some(result.answer.as_str()))
    .bind(result.ok)
    .execute(&mut *tx)
    .await
    .context("logging the test e-mail")?;
    tx.commit().await.context("commit")?;
    Ok(result)
}

/// The server and sender of one of the account's SMTP accounts.
pub(crate) async fn outlet(
    tx: &mut Tx,
    vault: &Vault,
    account_id: Uuid,
    id: i64,
) -> Result<Option<(SmtpServer, Mailbox)>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM smtp_accounts WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading an SMTP account")?;
    Ok(row.map(|r| r.outlet(vault)).transpose()?)
}

/// The latest mail of the account, newest first.
pub async fn send_log(db: &Db, actor: &Actor) -> Result<Vec<SentMail>> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows = sqlx::query_as::<_, SentMailRow>(
        "SELECT m.id, m.kind, m.to_address, m.subject, m.state, m.attempts, m.last_error,
                m.created_at, m.sent_at, s.name AS smtp_account
           FROM outgoing_mail m
           LEFT JOIN smtp_accounts s ON s.account_id = m.account_id AND s.id = m.smtp_account_id
          WHERE m.account_id = $1 ORDER BY m.id DESC LIMIT $2",
    )
    .bind(actor.account_id)
    .bind(SEND_LOG_SIZE)
    .fetch_all(&mut *tx)
    .await
    .context("reading the send log")?;
    Ok(rows.into_iter().map(SentMailRow::view).collect())
}

#[derive(sqlx::FromRow)]
struct SentMailRow {
    id: i64,
    kind: shared::mail::MailKind,
    to_address: String,
    subject: String,
    state: shared::mail::MailState,
    attempts: i32,
    last_error: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
    smtp_account: Option<String>,
}

impl SentMailRow {
    fn view(self) -> SentMail {
        SentMail {
            id: self.id,
            kind: self.kind,
            to_address: self.to_address,
            subject: self.subject,
            state: self.state,
            attempts: self.attempts,
            last_error: self.last_error,
            created_at: self.created_at,
            sent_at: self.sent_at,
            smtp_account: self.smtp_account,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(form: &SmtpAccountForm) -> Vec<(String, ErrorCode)> {
        match validate(form) {
            Err(Error::Validation(fields)) => {
                fields.into_iter().map(|f| (f.field, f.code)).collect()
            }
            Err(other) => panic!("{other:?}"),
            Ok(_) => vec![],
        }
    }

    #[test]
    fn each_problem_is_reported_on_its_own_field() {
        let valid = SmtpAccountForm {
            name: "Loja".into(),
            host: "smtp.example.com".into(),
            security: "starttls".into(),
            from_address: "a@loja.example".into(),
            ..Default::default()
        };
        assert!(codes(&valid).is_empty(), "positive control");
        let no_host = SmtpAccountForm {
            host: " ".into(),
            ..valid.clone()
        };
        assert_eq!(codes(&no_host), vec![("host".into(), ErrorCode::Required)]);
        let bad_host = SmtpAccountForm {
            host: "smtp example.com".into(),
            ..valid.clone()
        };
        assert_eq!(
            codes(&bad_host),
            vec![("host".into(), ErrorCode::InvalidCharacters)]
        );
        let plain = SmtpAccountForm {
            security: "none".into(),
            ..valid.clone()
        };
        assert_eq!(
            codes(&plain),
            vec![("security".into(), ErrorCode::SmtpNeedsTls)]
        );
        let port = SmtpAccountForm {
            port: "0".into(),
            ..valid
        };
        assert_eq!(
            codes(&port),
            vec![("port".into(), ErrorCode::NumberInvalid)]
        );
    }
}
