//! A WhatsApp Cloud API number: Meta's signature and handshake, replies as
//! text, menus, files or templates, and media ids resolved with the token.

use serde_json::Value;

use super::{
    client_for_provider_url, media_at_url, meta, ChannelAdapter, MediaLocation, Refusal, Reply,
    RequestHead,
};
use crate::channels::meta as graph;
use crate::channels::outbound::Sender;
use crate::channels::provider::{network_error, MediaRef, SendError};
use crate::channels::whatsapp_cloud::{self, Secrets, Settings};
use crate::channels::whatsapp_templates;

pub struct CloudApi<'a> {
    pub settings: &'a Settings,
    pub secrets: &'a Secrets,
}

impl ChannelAdapter for CloudApi<'_> {
    fn admit(&self, _head: &RequestHead<'_>) -> Result<(), Refusal> {
        Ok(())
    }

    fn verify(&self, head: &RequestHead<'_>, body: &[u8]) -> Result<Value, Refusal> {
        meta::verify_hub_signature(&self.secrets.app_secret, head, body)
    }

    fn handshake<'q>(
        &self,
        mode: Option<&str>,
        verify_token: Option<&str>,
        challenge: Option<&'q str>,
    ) -> Result<&'q str, Refusal> {
        meta::answer_handshake(&self.secrets.verify_token, mode, verify_token, challenge)
    }

    fn sends_templates(&self) -> bool {
        true
    }

    async fn send(&self, sender: &Sender, reply: &Reply<'_>) -> Result<String, SendError> {
        let (client, settings, secrets) = (&sender.client, self.settings, self.secrets);
        let (to, body, quoted) = (reply.to, reply.body, reply.quoted);
        match (reply.template, reply.file) {
            (Some(template), _) => {
                whatsapp_templates::send(client, settings, secrets, to, template, quoted).await
            }
            (None, Some(file)) => {
                whatsapp_cloud::send_file(client, settings, secrets, to, body, file, quoted).await
            }
            (None, None) if !reply.menu.is_empty() => {
                whatsapp_cloud::send_menu(client, settings, secrets, to, body, reply.menu).await
            }
            (None, None) => {
                whatsapp_cloud::send_text(client, settings, secrets, to, body, quoted).await
            }
        }
    }

    /// A media id resolves (with the token) to a short-lived URL, fetched
    /// with the token too.
    async fn locate_media(
        &self,
        sender: &Sender,
        media: &MediaRef,
    ) -> Result<MediaLocation, SendError> {
        let Some(id) = &media.media_id else {
            return media_at_url(sender, media, &self.settings.api_base_url).await;
        };
        let base = graph::base_url(&self.settings.api_base_url);
        let info: Value = sender
            .client
            .get(format!("{base}/{}/{id}", graph::GRAPH_VERSION))
            .bearer_auth(&self.secrets.access_token)
            .send()
            .await
            .map_err(network_error)?
            .json()
            .await
            .map_err(|err| SendError::Retry(format!("media lookup: {}", err.without_url())))?;
        let url = info["url"]
            .as_str()
            .ok_or_else(|| SendError::Permanent("the media id resolved to no URL".into()))?
            .to_string();
        let client = client_for_provider_url(sender, &url, &self.settings.api_base_url).await?;
        let request = client.get(&url).bearer_auth(&self.secrets.access_token);
        Ok(MediaLocation {
            url,
            request,
            mime_type: info["mime_type"].as_str().map(str::to_string),
        })
    }

    async fn test_connection(
        &self,
        client: &reqwest::Client,
        _allow_private_targets: bool,
    ) -> Result<String, SendError> {
        whatsapp_cloud::test_connection(client, self.settings, self.secrets).await
    }
}
