//! The e-mail channel: customers' mail comes in by IMAP (a watcher per
//! mailbox, IDLE where the server has it) or by an inbound-parse webhook,
//! is stored raw like any webhook, then parsed and threaded into
//! conversations; agents' replies go out by SMTP with threading headers.

pub mod imap;
pub mod parse;
pub(crate) mod receive;
pub mod send;

use serde::{Deserialize, Serialize};
use shared::mail::SmtpSecurity;
use shared::ErrorCode;

use crate::channels::provider::SendError;
use crate::mail::smtp::SmtpServer;

/// A connection's settings as stored (shown in clear). Ports and security
/// are kept as typed in; [`Settings::imap`] and [`Settings::smtp`] read them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The address customers write to (and replies come from).
    pub address: String,
    #[serde(default)]
    pub from_name: String,
    #[serde(default)]
    pub imap_host: String,
    #[serde(default)]
    pub imap_port: String,
    #[serde(default)]
    pub imap_security: String,
    #[serde(default)]
    pub imap_username: String,
    #[serde(default)]
    pub imap_folder: String,
    #[serde(default)]
    pub smtp_host: String,
    #[serde(default)]
    pub smtp_port: String,
    #[serde(default)]
    pub smtp_security: String,
    #[serde(default)]
    pub smtp_username: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Secrets {
    #[serde(default)]
    pub imap_password: String,
    #[serde(default)]
    pub smtp_password: String,
    /// In the inbound-parse webhook's URL: whoever knows it may post mail.
    pub inbound_secret: String,
}

/// Where a mailbox is and how to sign in.
#[derive(Clone, PartialEq, Eq)]
pub struct ImapServer {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password: String,
    pub folder: String,
}

impl std::fmt::Debug for ImapServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

/// A security choice as typed: empty means TLS.
pub fn security_of(text: &str) -> Result<SmtpSecurity, ErrorCode> {
    if text.trim().is_empty() {
        return Ok(SmtpSecurity::Tls);
    }
    text.trim().parse().map_err(|_| ErrorCode::OptionInvalid)
}

fn port_or(text: &str, default: u16) -> Result<u16, ErrorCode> {
    match text.trim() {
        "" => Ok(default),
        digits => digits
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or(ErrorCode::NumberInvalid),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Settings {
    /// The mailbox to watch; `None` when the connection has no IMAP (mail
    /// arrives by the inbound-parse webhook only). Errors name the field.
    pub fn imap(&self, secrets: &Secrets) -> Option<Result<ImapServer, (&'static str, ErrorCode)>> {
        let host = self.imap_host.trim();
        if host.is_empty() {
            return None;
        }
        Some((|| {
            let security = security_of(&self.imap_security).map_err(|c| ("imap_security", c))?;
            if security == SmtpSecurity::None && !is_loopback(host) {
                return Err(("imap_security", ErrorCode::SmtpNeedsTls));
            }
            let default_port = if security == SmtpSecurity::Tls {
                993
            } else {
                143
            };
            let port = port_or(&self.imap_port, default_port).map_err(|c| ("imap_port", c))?;
            if secrets.imap_password.is_empty() {
                return Err(("imap_password", ErrorCode::Required));
            }
            let username = match self.imap_username.trim() {
                "" => self.address.trim(),
                name => name,
            };
            let folder = match self.imap_folder.trim() {
                "" => "INBOX",
                folder => folder,
            };
            Ok(ImapServer {
                host: host.to_string(),
                port,
                security,
                username: username.to_string(),
                password: secrets.imap_password.clone(),
                folder: folder.to_string(),
            })
        })())
    }

    /// The connection's own SMTP server; `None` when replies go through
    /// the account's default SMTP server.
    pub fn smtp(&self, secrets: &Secrets) -> Option<Result<SmtpServer, (&'static str, ErrorCode)>> {
        let host = self.smtp_host.trim();
        if host.is_empty() {
            return None;
        }
        Some((|| {
            let security = security_of(&self.smtp_security).map_err(|c| ("smtp_security", c))?;
            let default_port = match security {
                SmtpSecurity::Tls => 465,
                SmtpSecurity::StartTls => 587,
                SmtpSecurity::None => 25,
            };
            let port = port_or(&self.smtp_port, default_port).map_err(|c| ("smtp_port", c))?;
            let username = Some(self.smtp_username.trim().to_string()).filter(|u| !u.is_empty());
            if username.is_some() && secrets.smtp_password.is_empty() {
                return Err(("smtp_password", ErrorCode::Required));
            }
            let password = Some(secrets.smtp_password.clone()).filter(|p| !p.is_empty());
            SmtpServer::from_parts(host, port, security, username, password).map_err(
                |err| match err {
                    crate::mail::smtp::SmtpUrlError::PlainTextToRemote => {
                        ("smtp_security", ErrorCode::SmtpNeedsTls)
                    }
                    _ => ("smtp_host", ErrorCode::InvalidValue),
                },
            )
        })())
    }

    /// The domain our Message-IDs carry: the channel address's.
    pub fn domain(&self) -> &str {
        self.address
            .rsplit_once('@')
            .map(|(_, domain)| domain)
            .filter(|d| !d.is_empty())
            .unwrap_or("ponte.invalid")
    }
}

/// "Test connection": signs in to the mailbox and to the SMTP server (the
/// connection's own; the account's default is tested in Settings → E-mail).
pub async fn check(
    settings: &Settings,
    secrets: &Secrets,
    allow_private: bool,
) -> Result<String, SendError> {
    let invalid = |field: &str| SendError::Permanent(format!("{field} is invalid"));
    let mut answers = vec![];
    match settings.imap(secrets) {
        Some(Ok(server)) => {
            let answer = imap::check(&server, allow_private)
                .await
                .map_err(|err| SendError::Unauthorized(err.to_string()))?;
            answers.push(format!("IMAP {answer}"));
        }
        Some(Err((field, _))) => return Err(invalid(field)),
        None => answers.push("IMAP: none (inbound-parse webhook only)".into()),
    }
    match settings.smtp(secrets) {
        Some(Ok(server)) => {
            let answer = server
                .check(allow_private)
                .await
                .map_err(|err| SendError::Unauthorized(format!("SMTP: {err}")))?;
            answers.push(format!("SMTP {answer}"));
        }
        Some(Err((field, _))) => return Err(invalid(field)),
        None => answers.push("SMTP: the account's default server".into()),
    }
    Ok(answers.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            address: "suporte@loja.com.br".into(),
            imap_host: "imap.loja.com.br".into(),
            smtp_host: "smtp.loja.com.br".into(),
            smtp_username: "suporte@loja.com.br".into(),
            ..Default::default()
        }
    }

    fn secrets() -> Secrets {
        Secrets {
            imap_password: "i".into(),
            smtp_password: "s".into(),
            inbound_secret: "x".into(),
        }
    }

    #[test]
    fn defaults_are_tls_on_the_usual_ports_and_the_address_signs_in() {
        let imap = settings().imap(&secrets()).unwrap().unwrap();
        assert_eq!(
            (
                imap.port,
                imap.security,
                imap.username.as_str(),
                imap.folder.as_str()
            ),
            (993, SmtpSecurity::Tls, "suporte@loja.com.br", "INBOX")
        );
        let smtp = settings().smtp(&secrets()).unwrap().unwrap();
        assert_eq!((smtp.port, smtp.security), (465, SmtpSecurity::Tls));
        assert_eq!(settings().domain(), "loja.com.br");
    }

    #[test]
    fn plain_text_only_to_this_machine_and_problems_name_their_field() {
        let mut remote = settings();
        remote.imap_security = "none".into();
        remote.smtp_security = "none".into();
        assert_eq!(
            remote.imap(&secrets()).unwrap().unwrap_err(),
            ("imap_security", ErrorCode::SmtpNeedsTls)
        );
        assert_eq!(
            remote.smtp(&secrets()).unwrap().unwrap_err(),
            ("smtp_security", ErrorCode::SmtpNeedsTls)
        );
        let mut local = remote.clone();
        local.imap_host = "127.0.0.1".into();
        local.imap_port = "3143".into();
        let imap = local.imap(&secrets()).unwrap().unwrap();
        assert_eq!((imap.port, imap.security), (3143, SmtpSecurity::None));
        let mut bad = settings();
        bad.imap_port = "99999".into();
        bad.smtp_security = "ssl".into();
        assert_eq!(
            bad.imap(&secrets()).unwrap().unwrap_err(),
            ("imap_port", ErrorCode::NumberInvalid)
        );
        assert_eq!(
            bad.smtp(&secrets()).unwrap().unwrap_err(),
            ("smtp_security", ErrorCode::OptionInvalid)
        );
        let no_password = Secrets {
            inbound_secret: "x".into(),
            ..Default::default()
        };
        assert_eq!(
            settings().imap(&no_password).unwrap().unwrap_err(),
            ("imap_password", ErrorCode::Required)
        );
        let webhook_only = Settings {
            address: "a@b.com".into(),
            ..Default::default()
        };
        assert!(webhook_only.imap(&no_password).is_none());
        assert!(webhook_only.smtp(&no_password).is_none());
    }
}
