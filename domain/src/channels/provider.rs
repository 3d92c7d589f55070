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
}

/// A delivery report for a message we sent.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusUpdate {
    pub external_id: String,
    pub status: DeliveryStatus,
    /// The provider's code and text when it failed.
    pub error: Option<String>,
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

/// Network trouble is always worth a retry; what the provider answered is
/// judged by the adapter.
pub fn network_error(err: &reqwest::Error) -> SendError {
    SendError::Retry(format!("network error: {err}"))
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
    fn statuses_only_move_forward() {
        assert_eq!(replaceable_by(Read), vec![Pending, Sent, Delivered, Failed]);
        assert_eq!(replaceable_by(Delivered), vec![Pending, Sent, Failed]);
        assert_eq!(replaceable_by(Failed), vec![Pending, Sent]);
        assert_eq!(replaceable_by(Sent), vec![Pending]);
        assert!(replaceable_by(Pending).is_empty());
    }
}
