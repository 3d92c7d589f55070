//! An e-mail address: mail forwarded to a URL that carries a secret (its
//! IMAP mailbox is watched apart, `email::imap`), replies by SMTP with the
//! agent's file inline.

use serde_json::{json, Value};

use super::{media_at_url, ChannelAdapter, MediaLocation, Refusal, Reply, RequestHead};
use crate::channels::email::{self, Secrets, Settings};
use crate::channels::outbound::Sender;
use crate::channels::provider::{MediaRef, SendError};
use crate::secrets::constant_time_eq;

pub struct Mailbox<'a> {
    pub settings: &'a Settings,
    pub secrets: &'a Secrets,
}

impl ChannelAdapter for Mailbox<'_> {
    /// Forwarding services sign nothing we could check: the URL's secret.
    fn admit(&self, head: &RequestHead<'_>) -> Result<(), Refusal> {
        let presented = head.url_secret.unwrap_or_default();
        if !constant_time_eq(presented.as_bytes(), self.secrets.inbound_secret.as_bytes()) {
            return Err(Refusal::forbidden("wrong inbound-parse URL secret"));
        }
        Ok(())
    }

    fn verify(&self, _head: &RequestHead<'_>, body: &[u8]) -> Result<Value, Refusal> {
        if !email::parse::looks_like_mail(body) {
            return Err(Refusal {
                status: 400,
                reason: "the body must be a raw RFC 822 message",
            });
        }
        Ok(json!({ "via": "inbound-parse" }))
    }

    async fn send(&self, sender: &Sender, reply: &Reply<'_>) -> Result<String, SendError> {
        let email = reply.email.ok_or_else(|| {
            SendError::Permanent("the reply's e-mail details were not read".into())
        })?;
        email::send::send(
            self.settings,
            self.secrets,
            email,
            &sender.storage,
            reply.stored_file,
            reply.to,
            reply.body,
            reply.account_id,
            reply.message_id,
            sender.allow_private_targets,
        )
        .await
    }

    /// A mail's files are cut from the stored mail (`media::download`);
    /// only a URL would come here.
    async fn locate_media(
        &self,
        sender: &Sender,
        media: &MediaRef,
    ) -> Result<MediaLocation, SendError> {
        media_at_url(sender, media, "").await
    }

    async fn test_connection(
        &self,
        _client: &reqwest::Client,
        allow_private_targets: bool,
    ) -> Result<String, SendError> {
        email::check(self.settings, self.secrets, allow_private_targets).await
    }
}
