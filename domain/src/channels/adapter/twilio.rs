//! WhatsApp through Twilio: `X-Twilio-Signature` over the URL it called and
//! the form, replies as forms with a status callback, files fetched with
//! the account's credentials.

use serde_json::{json, Value};

use super::{client_for_provider_url, ChannelAdapter, MediaLocation, Refusal, Reply, RequestHead};
use crate::channels::outbound::Sender;
use crate::channels::provider::{MediaRef, SendError};
use crate::channels::twilio::{self, Secrets, Settings};

pub struct Twilio<'a> {
    pub settings: &'a Settings,
    pub secrets: &'a Secrets,
}

impl ChannelAdapter for Twilio<'_> {
    fn admit(&self, _head: &RequestHead<'_>) -> Result<(), Refusal> {
        Ok(())
    }

    fn verify(&self, head: &RequestHead<'_>, body: &[u8]) -> Result<Value, Refusal> {
        let signature = head.header("x-twilio-signature");
        if !twilio::signature_is_valid(&self.secrets.auth_token, head.url, body, signature) {
            return Err(Refusal::forbidden("bad or missing X-Twilio-Signature"));
        }
        Ok(json!({ "x-twilio-signature": signature, "url": head.url }))
    }

    async fn send(&self, sender: &Sender, reply: &Reply<'_>) -> Result<String, SendError> {
        let callback = format!(
            "{}/webhooks/twilio/{}/status",
            sender.public_url, reply.connection_id
        );
        // Twilio cannot quote what it sends: the text goes alone.
        twilio::send(
            &sender.client,
            self.settings,
            self.secrets,
            reply.to,
            reply.body,
            reply.file,
            &callback,
        )
        .await
    }

    async fn locate_media(
        &self,
        sender: &Sender,
        media: &MediaRef,
    ) -> Result<MediaLocation, SendError> {
        let url = media
            .url
            .clone()
            .ok_or_else(|| SendError::Permanent("no media URL".into()))?;
        let client = client_for_provider_url(sender, &url, &self.settings.api_base_url).await?;
        let request = client
            .get(&url)
            .basic_auth(&self.settings.account_sid, Some(&self.secrets.auth_token));
        Ok(MediaLocation {
            url,
            request,
            mime_type: None,
        })
    }

    async fn test_connection(
        &self,
        client: &reqwest::Client,
        _allow_private_targets: bool,
    ) -> Result<String, SendError> {
        twilio::test_connection(client, self.settings, self.secrets).await
    }
}
