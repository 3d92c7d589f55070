//! An agent's reply as an e-mail: `Re:` the conversation's subject, from
//! the agent's name at the connection's address, threaded under the
//! customer's latest mail (`In-Reply-To`, `References`), with the agent's
//! file attached; sent by the connection's SMTP server or the account's
//! default one.

use anyhow::Context;
use lettre::message::header::ContentType as MimeType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use std::path::PathBuf;
use uuid::Uuid;

use super::{Secrets, Settings};
use crate::channels::provider::SendError;
use crate::channels::vault::Vault;
use crate::db::Tx;
use crate::mail::smtp::SmtpServer;
use crate::secrets::{hex, sha256};

/// Threading ids a reply carries at most in `References`.
const MAX_REFERENCES: usize = 10;

/// What a reply needs besides its text, read with the rest of the send.
#[derive(Debug)]
pub struct EmailReply {
    pub subject: String,
    /// The customer's latest mail, which this reply answers.
    pub in_reply_to: Option<String>,
    /// Oldest first, ending with `in_reply_to`.
    pub references: Vec<String>,
    pub agent_name: Option<String>,
    /// Written by nobody (an out-of-hours reply): marked as an automatic
    /// reply (RFC 3834), so the customer's own autoresponder stays quiet.
    pub automatic: bool,
    /// The account's default SMTP server, when the connection has none.
    pub account_outlet: Option<SmtpServer>,
    /// The agent's file on disk.
    pub file_path: Option<PathBuf>,
}

/// Our reply's Message-ID (without the angle brackets): the same for every
/// try of one message, so a send retried after a lost answer is one mail
/// to the customer's program.
pub fn message_id_for(account_id: Uuid, message_id: i64, domain: &str) -> String {
    let tag = hex(&sha256(format!("{account_id}:{message_id}").as_bytes()));
    format!("ponte.{message_id}.{}@{domain}", &tag[..16])
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn read_reply(
    tx: &mut Tx,
    vault: &Vault,
    account_id: Uuid,
    message_id: i64,
    conversation_id: i64,
    conversation_number: i64,
    settings: &Settings,
    file_id: Option<i64>,
) -> anyhow::Result<EmailReply> {
    let (subject, agent_name, automatic): (Option<String>, Option<String>, bool) = sqlx::query_as(
        "SELECT c.subject, u.name, m.sender_user_id IS NULL
           FROM messages m JOIN conversations c ON c.id = m.conversation_id
           LEFT JOIN users u ON u.id = m.sender_user_id
          WHERE m.account_id = $1 AND m.id = $2",
    )
    .bind(account_id)
    .bind(message_id)
    .fetch_one(&mut **tx)
    .await
    .context("reading the reply's subject")?;
    let latest: Option<(String, Option<sqlx::types::Json<Vec<String>>>)> = sqlx::query_as(
        "SELECT external_id, email -> 'references' FROM messages
          WHERE account_id = $1 AND conversation_id = $2 AND kind = 'incoming'
            AND external_id IS NOT NULL AND email IS NOT NULL
          ORDER BY id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(conversation_id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding the mail the reply answers")?;
    let (in_reply_to, references) = match latest {
        Some((id, earlier)) => {
            // Stored newest first; headers list them oldest first.
            let mut chain: Vec<String> = earlier.map(|e| e.0).unwrap_or_default();
            chain.truncate(MAX_REFERENCES - 1);
            chain.reverse();
            chain.retain(|r| r != &id);
            chain.push(id.clone());
            (Some(id), chain)
        }
        None => (None, vec![]),
    };
    let account_outlet = if settings.smtp_host.trim().is_empty() {
        let default: Option<i64> =
            sqlx::query_scalar("SELECT id FROM smtp_accounts WHERE account_id = $1 AND is_default")
                .bind(account_id)
                .fetch_optional(&mut **tx)
                .await
                .context("finding the account's SMTP server")?;
        match default {
            Some(id) => crate::mail::accounts::outlet(tx, vault, account_id, id)
                .await
                .map_err(|err| anyhow::anyhow!("{err}"))?
                .map(|(server, _)| server),
            None => None,
        }
    } else {
        None
    };
    let file_path = match file_id {
        Some(id) => {
            let key: String = sqlx::query_scalar(
                "SELECT storage_key FROM attachments WHERE account_id = $1 AND id = $2",
            )
            .bind(account_id)
            .bind(id)
            .fetch_one(&mut **tx)
            .await
            .context("finding the reply's file")?;
            Some(PathBuf::from(key))
        }
        None => None,
    };
    Ok(EmailReply {
        subject: shared::inbox::email_reply_subject(subject.as_deref(), conversation_number),
        in_reply_to,
        references,
        agent_name,
        automatic,
        account_outlet,
        file_path,
    })
}

/// The outgoing mail, composed.
pub(crate) struct Composed<'a> {
    pub to: &'a str,
    pub body: &'a str,
    pub message_id: &'a str,
    /// The agent's file: its bytes, name and type.
    pub file: Option<(Vec<u8>, &'a str, &'a str)>,
}

pub(crate) fn compose(
    settings: &Settings,
    reply: &EmailReply,
    mail: &Composed<'_>,
) -> Result<Message, SendError> {
    let bad =
        |what: &str, err: &dyn std::fmt::Display| SendError::Permanent(format!("{what}: {err}"));
    let display = match (reply.agent_name.as_deref(), settings.from_name.trim()) {
        (Some(agent), "") => agent.to_string(),
        (Some(agent), team) => format!("{agent} · {team}"),
        (None, "") => settings.address.clone(),
        (None, team) => team.to_string(),
    };
    let from = Mailbox::new(
        Some(display),
        settings
            .address
            .parse()
            .map_err(|err| bad("the connection's address", &err))?,
    );
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|err| bad("the customer's address", &err))?;
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(reply.subject.clone())
        .message_id(Some(format!("<{}>", mail.message_id)));
    if let Some(answered) = &reply.in_reply_to {
        builder = builder.in_reply_to(format!("<{answered}>"));
    }
    if !reply.references.is_empty() {
        let chain: Vec<String> = reply.references.iter().map(|r| format!("<{r}>")).collect();
        builder = builder.references(chain.join(" "));
    }
    let text = SinglePart::plain(mail.body.to_string());
    let built = match &mail.file {
        Some((bytes, name, content_type)) => {
            let mime = MimeType::parse(content_type)
                .or_else(|_| MimeType::parse("application/octet-stream"))
                .map_err(|err| bad("the file's type", &err))?;
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(text)
                    .singlepart(Attachment::new(name.to_string()).body(bytes.clone(), mime)),
            )
        }
        None => builder.singlepart(text),
    };
    let mut built = built.map_err(|err| bad("composing the mail", &err))?;
    if reply.automatic {
        use lettre::message::header::{HeaderName, HeaderValue};
        let headers = built.headers_mut();
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-replied".into(),
        ));
        // Exchange's equivalent: no out-of-office answers to this.
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
            "All".into(),
        ));
    }
    Ok(built)
}

/// Sends one reply; its Message-ID is the message's provider id.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn send(
    settings: &Settings,
    secrets: &Secrets,
    reply: &EmailReply,
    storage: &crate::attachments::Storage,
    file: Option<&(i64, String, String)>,
    to: &str,
    body: &str,
    account_id: Uuid,
    message_id: i64,
    allow_private: bool,
) -> Result<String, SendError> {
    let server = match settings.smtp(secrets) {
        Some(Ok(server)) => server,
        Some(Err((field, _))) => {
            return Err(SendError::Permanent(format!(
                "the connection's SMTP settings are invalid ({field})"
            )))
        }
        None => reply.account_outlet.clone().ok_or_else(|| {
            SendError::Permanent(
                "no SMTP server: give the connection one, or make one the account's default in Settings → E-mail"
                    .into(),
            )
        })?,
    };
    let file = match (file, &reply.file_path) {
        (Some((_, name, content_type)), Some(key)) => {
            let path = storage.path_of(&key.to_string_lossy());
            let bytes = tokio::fs::read(&path)
                .await
                .map_err(|err| SendError::Retry(format!("reading the file: {err}")))?;
            Some((bytes, name.as_str(), content_type.as_str()))
        }
        _ => None,
    };
    let id = message_id_for(account_id, message_id, settings.domain());
    let mail = compose(
        settings,
        reply,
        &Composed {
            to,
            body,
            message_id: &id,
            file,
        },
    )?;
    match server.send(mail, allow_private).await {
        Ok(_) => Ok(id),
        Err(failure) if failure.permanent => Err(SendError::Permanent(failure.reason)),
        Err(failure) => Err(SendError::Retry(failure.reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            address: "suporte@loja.com.br".into(),
            from_name: "Loja".into(),
            ..Default::default()
        }
    }

    #[test]
    fn subjects_become_replies_once() {
        use shared::inbox::email_reply_subject;
        assert_eq!(email_reply_subject(Some("Pedido 12"), 4), "Re: Pedido 12");
        assert_eq!(
            email_reply_subject(Some("RE: Pedido 12"), 4),
            "RE: Pedido 12"
        );
        assert_eq!(email_reply_subject(None, 4), "#4");
    }

    #[test]
    fn a_reply_is_threaded_and_signed_by_the_agent() {
        let reply = EmailReply {
            subject: "Re: Pedido".into(),
            in_reply_to: Some("b@cliente.com".into()),
            references: vec!["a@cliente.com".into(), "b@cliente.com".into()],
            agent_name: Some("Ana".into()),
            automatic: false,
            account_outlet: None,
            file_path: None,
        };
        let id = message_id_for(Uuid::nil(), 7, "loja.com.br");
        assert_eq!(
            id,
            message_id_for(Uuid::nil(), 7, "loja.com.br"),
            "stable across tries"
        );
        assert_ne!(id, message_id_for(Uuid::nil(), 8, "loja.com.br"));
        let mail = compose(
            &settings(),
            &reply,
            &Composed {
                to: "cliente@cliente.com",
                body: "Olá!",
                message_id: &id,
                file: Some((b"%PDF".to_vec(), "nota.pdf", "application/pdf")),
            },
        )
        .unwrap();
        let raw = String::from_utf8(mail.formatted()).unwrap();
        assert!(
            raw.contains("From: =?utf-8?b?") || raw.contains("From: \"Ana · Loja\""),
            "{raw}"
        );
        assert!(raw.contains("<suporte@loja.com.br>"));
        assert!(raw.contains("In-Reply-To: <b@cliente.com>"), "{raw}");
        assert!(
            raw.contains("References: <a@cliente.com> <b@cliente.com>"),
            "{raw}"
        );
        assert!(raw.contains(&format!("Message-ID: <{id}>")), "{raw}");
        assert!(raw.contains("Subject: Re: Pedido"));
        assert!(raw.contains("filename=\"nota.pdf\""), "{raw}");
        assert!(
            !raw.contains("Auto-Submitted"),
            "an agent's reply is a person's"
        );
    }

    #[test]
    fn an_automatic_reply_says_so() {
        let reply = EmailReply {
            subject: "Re: Pedido".into(),
            in_reply_to: None,
            references: vec![],
            agent_name: None,
            automatic: true,
            account_outlet: None,
            file_path: None,
        };
        let mail = compose(
            &settings(),
            &reply,
            &Composed {
                to: "cliente@cliente.com",
                body: "Voltamos às 9h.",
                message_id: "x@loja.com.br",
                file: None,
            },
        )
        .unwrap();
        let raw = String::from_utf8(mail.formatted()).unwrap();
        assert!(raw.contains("Auto-Submitted: auto-replied\r\n"), "{raw}");
        assert!(raw.contains("X-Auto-Response-Suppress: All\r\n"), "{raw}");
    }
}
