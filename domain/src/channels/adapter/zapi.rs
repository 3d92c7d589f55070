//! WhatsApp through Z-API: it signs nothing, so the webhook URL carries a
//! per-connection secret and the body must name this instance.

use serde_json::{json, Value};

use super::{media_at_url, ChannelAdapter, MediaLocation, Refusal, Reply, RequestHead};
use crate::channels::outbound::Sender;
use crate::channels::provider::{MediaRef, SendError};
use crate::channels::zapi::{self, Secrets, Settings};
use crate::secrets::constant_time_eq;

pub struct Zapi<'a> {
    pub settings: &'a Settings,
    pub secrets: &'a Secrets,
}

impl ChannelAdapter for Zapi<'_> {
    fn admit(&self, head: &RequestHead<'_>) -> Result<(), Refusal> {
        let presented = head.url_secret.unwrap_or_default();
        if !constant_time_eq(presented.as_bytes(), self.secrets.webhook_secret.as_bytes()) {
            return Err(Refusal::forbidden("wrong Z-API URL secret"));
        }
        Ok(())
    }

    fn verify(&self, _head: &RequestHead<'_>, body: &[u8]) -> Result<Value, Refusal> {
        if !zapi::belongs_to(self.settings, body) {
            return Err(Refusal::forbidden("instanceId is not this connection's"));
        }
        Ok(json!({}))
    }

    async fn send(&self, sender: &Sender, reply: &Reply<'_>) -> Result<String, SendError> {
        let (client, settings, secrets) = (&sender.client, self.settings, self.secrets);
        let (to, body, quoted) = (reply.to, reply.body, reply.quoted);
        match reply.file {
            Some(file) => zapi::send_file(client, settings, secrets, to, body, file, quoted).await,
            None => zapi::send_text(client, settings, secrets, to, body, quoted).await,
        }
    }

    async fn locate_media(
        &self,
        sender: &Sender,
        media: &MediaRef,
    ) -> Result<MediaLocation, SendError> {
        media_at_url(sender, media, &self.settings.api_base_url).await
    }

    async fn test_connection(
        &self,
        client: &reqwest::Client,
        _allow_private_targets: bool,
    ) -> Result<String, SendError> {
        zapi::test_connection(client, self.settings, self.secrets).await
    }
}
