//! An SMTP server to send through, from a URL such as
//! `smtp://user:pass@mail.example.com:587?tls=starttls`,
//! `smtps://user:pass@mail.example.com:465` or `smtp://127.0.0.1:2525`.

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::fmt;
use std::time::Duration;

/// How long one conversation with the server may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// How the connection is protected: `None` (plain text, only to this
/// machine), `StartTls` (port 587), `Tls` (from the first byte, port 465).
pub use shared::mail::SmtpSecurity as Security;

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub security: Security,
    username: Option<String>,
    password: Option<String>,
}

impl fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "•••"))
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SmtpUrlError {
    #[error("not a URL: {0}")]
    NotAUrl(String),
    #[error("the scheme must be smtp:// or smtps://")]
    Scheme,
    #[error("the URL names no host")]
    NoHost,
    #[error("tls must be starttls, tls or none")]
    TlsMode,
    #[error("plain-text SMTP (tls=none) is only allowed to this machine")]
    PlainTextToRemote,
}

/// A send the server refused or that never reached it, in the server's words.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct SendFailure {
    pub reason: String,
    /// The server said no for good (a 5xx reply): trying again won't help.
    pub permanent: bool,
}

impl SendFailure {
    fn local(reason: String) -> Self {
        Self {
            reason,
            permanent: false,
        }
    }
}

impl SmtpServer {
    pub fn from_url(input: &str) -> Result<Self, SmtpUrlError> {
        let url =
            url::Url::parse(input.trim()).map_err(|err| SmtpUrlError::NotAUrl(err.to_string()))?;
        let implicit_tls = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            _ => return Err(SmtpUrlError::Scheme),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(SmtpUrlError::NoHost)?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let local = is_loopback(&host);
        let tls = url
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.to_lowercase());
        let security = match (implicit_tls, tls.as_deref()) {
            (true, None | Some("tls" | "implicit")) => Security::Tls,
            (true, Some(_)) => return Err(SmtpUrlError::TlsMode),
            (false, Some("starttls")) => Security::StartTls,
            (false, Some("tls" | "implicit")) => Security::Tls,
            (false, Some("none")) => Security::None,
            (false, Some(_)) => return Err(SmtpUrlError::TlsMode),
            // Secure unless the server is on this machine.
            (false, None) if local => Security::None,
            (false, None) => Security::StartTls,
        };
        if security == Security::None && !local {
            return Err(SmtpUrlError::PlainTextToRemote);
        }
        let port = url.port().unwrap_or(match security {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::None => 25,
        });
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let username = Some(url.username()).filter(|u| !u.is_empty()).map(decode);
        let password = url.password().map(decode);
        Ok(Self {
            host,
            port,
            security,
            username,
            password,
        })
    }

    /// A server typed into a form; plain text only to this machine.
    pub fn from_parts(
        host: &str,
        port: u16,
        security: Security,
        username: Option<String>,
        password: Option<String>,
    ) -> Result<Self, SmtpUrlError> {
        let host = host.trim().to_string();
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(SmtpUrlError::NoHost);
        }
        if security == Security::None && !is_loopback(&host) {
            return Err(SmtpUrlError::PlainTextToRemote);
        }
        Ok(Self {
            host,
            port,
            security,
            username: username.filter(|u| !u.is_empty()),
            password: password.filter(|p| !p.is_empty()),
        })
    }

    /// Where to connect: the host as given, or (for servers a tenant typed
    /// in) an address resolved now and checked to be public, then used for
    /// the connection so DNS cannot move it in between.
    async fn target(&self, allow_private: bool) -> Result<String, SendFailure> {
        if allow_private {
            return Ok(self.host.clone());
        }
        let addresses: Vec<std::net::SocketAddr> =
            tokio::net::lookup_host((self.host.as_str(), self.port))
                .await
                .map_err(|err| SendFailure::local(format!("{}: {err}", self.host)))?
                .collect();
        let all_public = addresses
            .iter()
            .all(|a| !crate::channels::provider::is_private(a.ip()));
        match addresses.first() {
            Some(address) if all_public => Ok(address.ip().to_string()),
            _ => Err(SendFailure {
                reason: format!(
                    "{} is a private or local address; only public SMTP servers are allowed",
                    self.host
                ),
                permanent: true,
            }),
        }
    }

    fn transport(
        &self,
        connect_to: &str,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendFailure> {
        let tls = match self.security {
            Security::None => Tls::None,
            Security::StartTls | Security::Tls => {
                let parameters = TlsParameters::new(self.host.clone())
                    .map_err(|err| SendFailure::local(format!("TLS setup: {err}")))?;
                if self.security == Security::Tls {
                    Tls::Wrapper(parameters)
                } else {
                    Tls::Required(parameters)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(connect_to)
            .port(self.port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let (Some(user), Some(password)) = (&self.username, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }

    /// Connects and signs in without sending anything: whether the server
    /// takes us, in its words.
    pub async fn check(&self, allow_private: bool) -> Result<String, SendFailure> {
        let target = self.target(allow_private).await?;
        let transport = self.transport(&target)?;
        match transport.test_connection().await {
            Ok(true) => Ok(format!("{}:{} accepted the sign-in", self.host, self.port)),
            Ok(false) => Err(SendFailure::local(format!(
                "{}:{} did not answer as an SMTP server",
                self.host, self.port
            ))),
            Err(err) => Err(SendFailure {
                reason: describe(&err),
                permanent: err.is_permanent(),
            }),
        }
    }

    /// Sends one message; returns the server's answer, or what the server
    /// (or the network) said instead. `allow_private`: the server may be on
    /// a private network (the operator's own; not one a tenant typed in).
    pub async fn send(&self, message: Message, allow_private: bool) -> Result<String, SendFailure> {
        let target = self.target(allow_private).await?;
        let transport = self.transport(&target)?;
        match transport.send(message).await {
            Ok(response) => Ok(format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            )),
            Err(err) => Err(SendFailure {
                reason: describe(&err),
                permanent: err.is_permanent(),
            }),
        }
    }
}

/// lettre's error with its causes (the server's reply is in them).
fn describe(err: &lettre::transport::smtp::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_documented_forms_parse() {
        let submission =
            SmtpServer::from_url("smtp://ana%40x.com:p%40ss@mail.example.com:587?tls=starttls")
                .unwrap();
        assert_eq!(
            (
                submission.host.as_str(),
                submission.port,
                submission.security
            ),
            ("mail.example.com", 587, Security::StartTls)
        );
        assert_eq!(submission.username.as_deref(), Some("ana@x.com"));
        assert_eq!(submission.password.as_deref(), Some("p@ss"));
        let implicit = SmtpServer::from_url("smtps://u:p@mail.example.com").unwrap();
        assert_eq!((implicit.port, implicit.security), (465, Security::Tls));
        let local = SmtpServer::from_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((local.port, local.security), (2525, Security::None));
        assert_eq!(local.username, None);
    }

    #[test]
    fn remote_servers_are_never_plain_text() {
        assert_eq!(
            SmtpServer::from_url("smtp://mail.example.com")
                .unwrap()
                .security,
            Security::StartTls
        );
        assert_eq!(
            SmtpServer::from_url("smtp://mail.example.com?tls=none"),
            Err(SmtpUrlError::PlainTextToRemote)
        );
        assert!(SmtpServer::from_url("smtp://localhost:25?tls=none").is_ok());
        assert_eq!(
            SmtpServer::from_url("http://mail.example.com"),
            Err(SmtpUrlError::Scheme)
        );
        assert_eq!(
            SmtpServer::from_url("smtp://mail.example.com?tls=maybe"),
            Err(SmtpUrlError::TlsMode)
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let server = SmtpServer::from_url("smtps://u:hunter2@mail.example.com").unwrap();
        assert!(!format!("{server:?}").contains("hunter2"));
    }
}
