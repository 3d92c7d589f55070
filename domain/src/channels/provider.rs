//! What every provider adapter speaks: the items a webhook carries, the
//! outcome of a send, and the HTTP client adapters share. Each provider
//! module (`whatsapp_cloud`, …) turns its wire format into these.

use shared::inbox::{ContentType, DeliveryStatus};
use std::time::Duration;

/// One thing a webhook told us.
#[derive(Clone, Debug, PartialEq)]
pub enum InboundItem {
    Message(InboundMessage),
    Status(StatusUpdate),
    /// Messenger's read receipt: everything we sent this customer before
    /// the watermark (milliseconds since the epoch) has been read.
    ReadUpTo {
        from: String,
        watermark_ms: i64,
    },
    /// A gateway's session came up or went down (Z-API).
    Health {
        connected: bool,
        detail: Option<String>,
    },
    /// Meta approved, rejected or paused one of the number's templates.
    TemplateStatus(TemplateStatusUpdate),
}

impl InboundItem {
    /// What orders this item against others: the customer it is about.
    pub fn order_key(&self) -> &str {
        match self {
            Self::Message(message) => &message.from,
            Self::ReadUpTo { from, .. } => from,
            Self::Status(status) => &status.external_id,
            Self::Health { .. } => "session",
            Self::TemplateStatus(_) => "templates",
        }
    }
}

/// A message from (or, for gateways that echo the phone, to) a customer.
#[derive(Clone, Debug, PartialEq)]
pub struct InboundMessage {
    /// The provider's message id: the idempotency key.
    pub external_id: String,
    /// The customer's address on this channel (canonical phone digits,
    /// PSID…): the contact identity.
    pub from: String,
    /// The customer's phone in E.164, when the channel is a phone.
    pub phone: Option<String>,
    /// The name the customer's profile shows.
    pub profile_name: Option<String>,
    pub body: String,
    pub content_type: ContentType,
    /// Sent from the business's own phone (a gateway echoes those): stored
    /// as our outgoing message, never as the customer's.
    pub from_me: bool,
    /// A file that came with it, fetched after the message is stored.
    pub media: Option<MediaRef>,
    /// The provider's id of the message this one quotes.
    pub quoted_id: Option<String>,
    /// Subject, threading ids, HTML and files of an e-mail.
    pub email: Option<Box<super::email::parse::EmailDetails>>,
}

impl InboundMessage {
    /// A message with several files becomes one message per file, as
    /// WhatsApp shows them: the text rides with the first, and the others
    /// get ids of their own (`<id>/1`, `<id>/2`, …) so redeliveries stay
    /// single. Without files, the message itself.
    pub fn one_per_file(self, files: Vec<(ContentType, MediaRef)>) -> Vec<InboundMessage> {
        if files.is_empty() {
            return vec![self];
        }
        files
            .into_iter()
            .enumerate()
            .map(|(index, (content_type, media))| {
                let mut item = self.clone();
                if index > 0 {
                    item.external_id = format!("{}/{index}", self.external_id);
                    item.body.clear();
                }
                item.content_type = content_type;
                item.media = Some(media);
                item
            })
            .collect()
    }
}

/// Where a customer's file is: a WhatsApp Cloud media id (resolved with the
/// token), or a URL.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MediaRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// A file inside a stored raw e-mail: the webhook event and MIME part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_part: Option<EmailPart>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmailPart {
    pub event_id: i64,
    pub part: u32,
}

/// A delivery report for a message we sent.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusUpdate {
    pub external_id: String,
    pub status: DeliveryStatus,
    /// The provider's code and text when it failed.
    pub error: Option<String>,
}

/// A file an agent sends, as providers fetch it: a signed public link.
#[derive(Clone, Debug, PartialEq)]
pub struct OutgoingFile {
    pub url: String,
    pub file_name: String,
    pub content_type: String,
}

/// How WhatsApp and Meta carry a file: each kind has its own message type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
}

impl OutgoingFile {
    /// Only the formats WhatsApp plays as such; anything else goes as a
    /// document (which every provider takes).
    pub fn kind(&self) -> MediaKind {
        let mime = self.content_type.to_ascii_lowercase();
        match mime.as_str() {
            "image/jpeg" | "image/png" => MediaKind::Image,
            "video/mp4" | "video/3gpp" => MediaKind::Video,
            "audio/aac" | "audio/mp4" | "audio/mpeg" | "audio/amr" | "audio/ogg" => {
                MediaKind::Audio
            }
            _ => MediaKind::Document,
        }
    }
}

/// The second half of a reply sent in two parts (a text after an audio or
/// a Messenger attachment): the first half is out, so retrying the whole
/// reply would send it twice; a failure here is logged, not retried.
pub fn follow_with_text(sent: Result<String, SendError>) {
    if let Err(err) = sent {
        tracing::warn!(error = %err, "the text sent after a file failed");
    }
}

/// Meta's `message_template_status_update`.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateStatusUpdate {
    pub name: String,
    pub language: String,
    pub status: shared::connections::TemplateStatus,
    /// Why it was rejected or paused (`NONE` is dropped).
    pub reason: Option<String>,
}

/// Why a send did not go out.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth another try later: network errors, 5xx, rate limiting.
    #[error("{0}")]
    Retry(String),
    /// The provider refused this message; retrying will not help.
    #[error("{0}")]
    Permanent(String),
    /// The provider refused our credentials: the connection is down.
    #[error("{0}")]
    Unauthorized(String),
}

/// The client every adapter sends with: short timeouts, no redirects (a
/// provider never needs one, and following them is how SSRF starts).
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Ponte/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| anyhow::anyhow!("building the HTTP client: {err}"))
}

/// Whether an address is one an outside party must never make us call:
/// loopback, private, link-local (cloud metadata), carrier-grade NAT,
/// unique-local, multicast or unspecified.
pub fn is_private(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(v4.into()))
        }
    }
}

/// A client pinned to the public addresses `url` resolves to, so the name
/// cannot resolve elsewhere between the check and the call (DNS
/// rebinding). Private targets are refused unless `allow_private` (tests
/// and on-premise installs that say so).
pub async fn client_for_public_url(
    url: &str,
    allow_private: bool,
) -> Result<reqwest::Client, SendError> {
    let parsed =
        url::Url::parse(url).map_err(|_| SendError::Permanent(format!("invalid URL {url}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(SendError::Permanent("only http and https URLs".into()));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| SendError::Permanent("URL without a host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|err| SendError::Retry(format!("could not resolve {host}: {err}")))?
        .collect();
    if addresses.is_empty() {
        return Err(SendError::Retry(format!("{host} has no address")));
    }
    if !allow_private && addresses.iter().any(|a| is_private(a.ip())) {
        return Err(SendError::Permanent(format!(
            "{host} is a private or local address: refused"
        )));
    }
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Ponte/", env!("CARGO_PKG_VERSION")))
        .resolve_to_addrs(&host, &addresses)
        .build()
        .map_err(|err| SendError::Retry(format!("building the HTTP client: {err}")))
}

/// Network trouble is always worth a retry; what the provider answered is
/// judged by the adapter.
/// A call that failed on the way: retried. Without its URL, which for
/// some providers carries a credential (Z-API's instance token) and would
/// otherwise reach the message's error, the connection's health and logs.
pub fn network_error(err: reqwest::Error) -> SendError {
    SendError::Retry(format!("network error: {}", err.without_url()))
}

/// The items of a JSON array member (none when it is missing).
pub(crate) fn array<'a>(
    value: &'a serde_json::Value,
    key: &str,
) -> impl Iterator<Item = &'a serde_json::Value> {
    value
        .get(key)
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
}

/// The string at a JSON pointer.
pub(crate) fn text_at<'a>(value: &'a serde_json::Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(serde_json::Value::as_str)
}

/// Where statuses may go: never backwards (read never becomes delivered),
/// and a failure only replaces a status that had not reached the phone.
pub fn status_rank(status: DeliveryStatus) -> u8 {
    match status {
        DeliveryStatus::Pending => 0,
        DeliveryStatus::Sent => 1,
        DeliveryStatus::Failed => 2,
        DeliveryStatus::Delivered => 3,
        DeliveryStatus::Read => 4,
    }
}

/// The statuses `next` may replace.
pub fn replaceable_by(next: DeliveryStatus) -> Vec<DeliveryStatus> {
    DeliveryStatus::ALL
        .iter()
        .copied()
        .filter(|current| status_rank(*current) < status_rank(next))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeliveryStatus::*;

    #[test]
    fn private_and_local_addresses_are_recognised() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "200.147.67.142", "2804:14c::1"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn private_targets_are_refused_unless_allowed() {
        assert!(matches!(
            client_for_public_url("http://127.0.0.1:9/hook", false).await,
            Err(SendError::Permanent(_))
        ));
        assert!(matches!(
            client_for_public_url("http://169.254.169.254/latest/meta-data", false).await,
            Err(SendError::Permanent(_))
        ));
        assert!(client_for_public_url("http://127.0.0.1:9/hook", true)
            .await
            .is_ok());
        assert!(client_for_public_url("file:///etc/passwd", true)
            .await
            .is_err());
    }

    #[test]
    fn statuses_only_move_forward() {
        assert_eq!(replaceable_by(Read), vec![Pending, Sent, Delivered, Failed]);
        assert_eq!(replaceable_by(Delivered), vec![Pending, Sent, Failed]);
        assert_eq!(replaceable_by(Failed), vec![Pending, Sent]);
        assert_eq!(replaceable_by(Sent), vec![Pending]);
        assert!(replaceable_by(Pending).is_empty());
    }
}
