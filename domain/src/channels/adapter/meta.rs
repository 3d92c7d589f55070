//! A Facebook Page (Messenger) or an Instagram account: `X-Hub-Signature-256`
//! and Meta's handshake (shared with WhatsApp Cloud), replies with
//! `messaging_type: RESPONSE`, files at the URLs Meta gives.

use serde_json::{json, Value};

use super::{media_at_url, ChannelAdapter, MediaLocation, Refusal, Reply, RequestHead};
use crate::channels::meta::{self, Secrets, Settings};
use crate::channels::outbound::Sender;
use crate::channels::provider::{MediaRef, SendError};

pub struct MetaPage<'a> {
    pub settings: &'a Settings,
    pub secrets: &'a Secrets,
}

/// Meta signs the raw body with the app secret.
pub(super) fn verify_hub_signature(
    app_secret: &str,
    head: &RequestHead<'_>,
    body: &[u8],
) -> Result<Value, Refusal> {
    let signature = head.header("x-hub-signature-256");
    if !meta::signature_is_valid(app_secret, body, signature) {
        return Err(Refusal::unauthorized("bad or missing X-Hub-Signature-256"));
    }
    Ok(json!({ "x-hub-signature-256": signature }))
}

/// Meta's subscription check: the challenge back, only for our token.
pub(super) fn answer_handshake<'q>(
    expected_token: &str,
    mode: Option<&str>,
    verify_token: Option<&str>,
    challenge: Option<&'q str>,
) -> Result<&'q str, Refusal> {
    meta::handshake(expected_token, mode, verify_token, challenge)
        .ok_or(Refusal::forbidden("handshake with a wrong verify token"))
}

impl ChannelAdapter for MetaPage<'_> {
    fn admit(&self, _head: &RequestHead<'_>) -> Result<(), Refusal> {
        Ok(())
    }

    fn verify(&self, head: &RequestHead<'_>, body: &[u8]) -> Result<Value, Refusal> {
        verify_hub_signature(&self.secrets.app_secret, head, body)
    }

    fn handshake<'q>(
        &self,
        mode: Option<&str>,
        verify_token: Option<&str>,
        challenge: Option<&'q str>,
    ) -> Result<&'q str, Refusal> {
        answer_handshake(&self.secrets.verify_token, mode, verify_token, challenge)
    }

    async fn send(&self, sender: &Sender, reply: &Reply<'_>) -> Result<String, SendError> {
        let (client, settings, secrets) = (&sender.client, self.settings, self.secrets);
        let (to, body) = (reply.to, reply.body);
        // Meta's pages cannot quote what they send: the text goes alone.
        match reply.file {
            Some(file) => meta::send_file(client, settings, secrets, to, body, file).await,
            None if !reply.menu.is_empty() => {
                meta::send_menu(client, settings, secrets, to, body, reply.menu).await
            }
            None => meta::send_text(client, settings, secrets, to, body).await,
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
        meta::test_connection(client, self.settings, self.secrets).await
    }
}
