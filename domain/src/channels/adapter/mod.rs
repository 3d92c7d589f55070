//! The channel-adapter interface. Every provider connection does the same
//! things for Ponte — admit an inbound request before its body is read,
//! verify it on the raw bytes, read the items it carries, send a reply, say
//! where a customer's file is, test its credentials. Each provider's
//! adapter is a file here, built on its wire format in `channels::<provider>`.
//! [`ProviderConfig::adapter`] is the one place that picks a
//! connection's adapter: webhook routes, workers and the settings page call
//! the interface, never a provider by name.
//!
//! A connection's health is what these calls find: `test_connection`, a
//! send refused for our credentials (`SendError::Unauthorized`), and a
//! gateway's own session reports (`InboundItem::Health`) all set it through
//! `connections::set_health`, so it needs no call of its own.

use serde_json::Value;
use shared::inbox::ChannelKind;
use uuid::Uuid;

use super::config::ProviderConfig;
use super::email::send::EmailReply;
use super::outbound::Sender;
use super::provider::{client_for_public_url, InboundItem, MediaRef, OutgoingFile, SendError};
use super::whatsapp_templates::TemplateSend;

mod api_channel;
mod email;
mod meta;
mod twilio;
mod whatsapp_cloud;
mod zapi;

/// An inbound request's head: what can be checked before its body is read.
pub struct RequestHead<'a> {
    /// The URL the provider called: our public URL, the path and the query.
    pub url: &'a str,
    /// The secret the URL carries, for providers that sign nothing.
    pub url_secret: Option<&'a str>,
    pub headers: &'a reqwest::header::HeaderMap,
}

impl RequestHead<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// Why an inbound request was refused: its HTTP status (401 or 403 for
/// authenticity, 400 for a body that is not the provider's format) and what
/// the log says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub reason: &'static str,
}

impl Refusal {
    pub const fn unauthorized(reason: &'static str) -> Self {
        Self {
            status: 401,
            reason,
        }
    }

    pub const fn forbidden(reason: &'static str) -> Self {
        Self {
            status: 403,
            reason,
        }
    }

    /// Whether the request failed to prove it is the provider's (counted
    /// and logged as a rejected webhook).
    pub fn is_authenticity(&self) -> bool {
        matches!(self.status, 401 | 403)
    }
}

/// A reply on its way out, with what every adapter may need of it.
pub struct Reply<'a> {
    pub account_id: Uuid,
    pub connection_id: i64,
    pub message_id: i64,
    pub conversation_number: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The customer's address on the channel.
    pub to: &'a str,
    pub body: &'a str,
    /// The agent's file as providers fetch it: a signed public link.
    pub file: Option<&'a OutgoingFile>,
    /// The agent's file as stored (id, name, type): e-mail carries it inline.
    pub stored_file: Option<&'a (i64, String, String)>,
    /// The provider's id of the message the reply quotes.
    pub quoted: Option<&'a str>,
    /// A flow menu's options (`body` is its numbered text).
    pub menu: &'a [String],
    pub template: Option<&'a TemplateSend>,
    /// Subject, threading and sender of a reply by e-mail.
    pub email: Option<&'a EmailReply>,
}

/// Where a customer's file is, and the request (with the provider's
/// credentials where it wants them) that fetches it.
pub struct MediaLocation {
    pub url: String,
    pub request: reqwest::RequestBuilder,
    /// The file's type, when the provider said it.
    pub mime_type: Option<String>,
}

/// What one provider does for Ponte.
// Called on concrete adapters only (`Adapter` below), so callers see each
// future's real type and whether it is `Send`.
#[allow(async_fn_in_trait)]
pub trait ChannelAdapter {
    /// Checks what needs no body: a URL secret or a token. Runs before the
    /// body is read, so a stranger's request costs no read.
    fn admit(&self, head: &RequestHead<'_>) -> Result<(), Refusal>;

    /// Checks the request is the provider's, on the raw bytes (signatures in
    /// constant time); the headers worth storing with the event.
    fn verify(&self, head: &RequestHead<'_>, body: &[u8]) -> Result<Value, Refusal>;

    /// A subscription handshake (Meta's): the challenge to answer.
    fn handshake<'q>(
        &self,
        _mode: Option<&str>,
        _verify_token: Option<&str>,
        _challenge: Option<&'q str>,
    ) -> Result<&'q str, Refusal> {
        Err(Refusal {
            status: 404,
            reason: "this connection has no handshake",
        })
    }

    /// Whether the provider takes WhatsApp templates.
    fn sends_templates(&self) -> bool {
        false
    }

    /// Sends a reply; the provider's id for it.
    async fn send(&self, sender: &Sender, reply: &Reply<'_>) -> Result<String, SendError>;

    /// Where a customer's file is and how to ask for it.
    async fn locate_media(
        &self,
        sender: &Sender,
        media: &MediaRef,
    ) -> Result<MediaLocation, SendError>;

    /// Proves the credentials work: what the provider says about them.
    async fn test_connection(
        &self,
        client: &reqwest::Client,
        allow_private_targets: bool,
    ) -> Result<String, SendError>;
}

/// Every item of a stored webhook body. Reading needs no credentials, so
/// the workers pick the reader by the connection's kind alone.
pub fn parse(kind: ChannelKind, body: &[u8]) -> anyhow::Result<Vec<InboundItem>> {
    match kind {
        ChannelKind::WhatsappCloud => super::whatsapp_cloud::parse(body),
        ChannelKind::TwilioWhatsapp => super::twilio::parse(body),
        ChannelKind::Zapi => super::zapi::parse(body),
        ChannelKind::Messenger | ChannelKind::Instagram => super::meta::parse(body),
        ChannelKind::Api => super::api_channel::parse(body),
        ChannelKind::Email => super::email::parse::parse(body),
        ChannelKind::Website => anyhow::bail!("the website widget has no webhooks"),
    }
}

/// A connection's adapter, borrowed from its configuration.
pub enum Adapter<'a> {
    WhatsappCloud(whatsapp_cloud::CloudApi<'a>),
    Twilio(twilio::Twilio<'a>),
    Zapi(zapi::Zapi<'a>),
    Meta(meta::MetaPage<'a>),
    Api(api_channel::ApiChannel<'a>),
    Email(email::Mailbox<'a>),
}

impl ProviderConfig {
    pub fn adapter(&self) -> Adapter<'_> {
        match self {
            Self::WhatsappCloud { settings, secrets } => {
                Adapter::WhatsappCloud(whatsapp_cloud::CloudApi { settings, secrets })
            }
            Self::Twilio { settings, secrets } => {
                Adapter::Twilio(twilio::Twilio { settings, secrets })
            }
            Self::Zapi { settings, secrets } => Adapter::Zapi(zapi::Zapi { settings, secrets }),
            Self::Meta {
                settings, secrets, ..
            } => Adapter::Meta(meta::MetaPage { settings, secrets }),
            Self::Api { settings, secrets } => {
                Adapter::Api(api_channel::ApiChannel { settings, secrets })
            }
            Self::Email { settings, secrets } => {
                Adapter::Email(email::Mailbox { settings, secrets })
            }
        }
    }
}

/// Runs `$call` on whichever provider's adapter `$adapter` is.
macro_rules! on_provider {
    ($adapter:expr, $each:ident => $call:expr) => {
        match $adapter {
            Adapter::WhatsappCloud($each) => $call,
            Adapter::Twilio($each) => $call,
            Adapter::Zapi($each) => $call,
            Adapter::Meta($each) => $call,
            Adapter::Api($each) => $call,
            Adapter::Email($each) => $call,
        }
    };
}

impl ChannelAdapter for Adapter<'_> {
    fn admit(&self, head: &RequestHead<'_>) -> Result<(), Refusal> {
        on_provider!(self, adapter => adapter.admit(head))
    }

    fn verify(&self, head: &RequestHead<'_>, body: &[u8]) -> Result<Value, Refusal> {
        on_provider!(self, adapter => adapter.verify(head, body))
    }

    fn handshake<'q>(
        &self,
        mode: Option<&str>,
        verify_token: Option<&str>,
        challenge: Option<&'q str>,
    ) -> Result<&'q str, Refusal> {
        on_provider!(self, adapter => adapter.handshake(mode, verify_token, challenge))
    }

    fn sends_templates(&self) -> bool {
        on_provider!(self, adapter => adapter.sends_templates())
    }

    async fn send(&self, sender: &Sender, reply: &Reply<'_>) -> Result<String, SendError> {
        if reply.template.is_some() && !self.sends_templates() {
            return Err(SendError::Permanent(
                "templates go out through WhatsApp Cloud API connections only".into(),
            ));
        }
        on_provider!(self, adapter => adapter.send(sender, reply).await)
    }

    async fn locate_media(
        &self,
        sender: &Sender,
        media: &MediaRef,
    ) -> Result<MediaLocation, SendError> {
        on_provider!(self, adapter => adapter.locate_media(sender, media).await)
    }

    async fn test_connection(
        &self,
        client: &reqwest::Client,
        allow_private_targets: bool,
    ) -> Result<String, SendError> {
        on_provider!(self, adapter => adapter.test_connection(client, allow_private_targets).await)
    }
}

/// A file at a URL the provider gave, fetched without credentials: only
/// the connection's configured base URL may be a private address.
pub(crate) async fn media_at_url(
    sender: &Sender,
    media: &MediaRef,
    configured_base: &str,
) -> Result<MediaLocation, SendError> {
    let url = media
        .url
        .as_deref()
        .ok_or_else(|| SendError::Permanent("no media id nor URL".into()))?;
    let client = client_for_provider_url(sender, url, configured_base).await?;
    Ok(MediaLocation {
        url: url.to_string(),
        request: client.get(url),
        mime_type: None,
    })
}

/// The configured provider base URL may be anywhere (a local gateway);
/// anything else must be a public address.
pub(crate) async fn client_for_provider_url(
    sender: &Sender,
    url: &str,
    configured_base: &str,
) -> Result<reqwest::Client, SendError> {
    let origin = |u: &str| {
        url::Url::parse(u)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    };
    let configured = !configured_base.is_empty() && origin(url) == origin(configured_base);
    client_for_public_url(url, configured || sender.allow_private_targets).await
}
