//! The API channel: a company's system posts its customers' messages with
//! the channel's token and receives agents' replies, signed, at its
//! `webhook_url`.

use serde_json::{json, Value};

use super::{media_at_url, ChannelAdapter, MediaLocation, Refusal, Reply, RequestHead};
use crate::channels::api_channel::{self, Secrets, Settings};
use crate::channels::outbound::Sender;
use crate::channels::provider::{MediaRef, SendError};
use crate::secrets::constant_time_eq;

pub struct ApiChannel<'a> {
    pub settings: &'a Settings,
    pub secrets: &'a Secrets,
}

impl ChannelAdapter for ApiChannel<'_> {
    fn admit(&self, head: &RequestHead<'_>) -> Result<(), Refusal> {
        let presented = head
            .header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        let token = self.secrets.token.as_bytes();
        if token.is_empty() || !constant_time_eq(presented.as_bytes(), token) {
            return Err(Refusal::unauthorized("wrong or missing channel token"));
        }
        Ok(())
    }

    fn verify(&self, _head: &RequestHead<'_>, _body: &[u8]) -> Result<Value, Refusal> {
        // The token was the proof; what the body says is validated apart.
        Ok(json!({}))
    }

    async fn send(&self, sender: &Sender, reply: &Reply<'_>) -> Result<String, SendError> {
        let company_reply = api_channel::Reply {
            message_id: reply.message_id,
            conversation_number: reply.conversation_number,
            contact_id: reply.to,
            text: reply.body,
            file: reply.file,
            created_at: reply.created_at,
        };
        api_channel::deliver(
            self.settings,
            self.secrets,
            &company_reply,
            sender.allow_private_targets,
        )
        .await
    }

    async fn locate_media(
        &self,
        sender: &Sender,
        media: &MediaRef,
    ) -> Result<MediaLocation, SendError> {
        media_at_url(sender, media, "").await
    }

    /// Ours: the company's webhook is tried by the first reply.
    async fn test_connection(
        &self,
        _client: &reqwest::Client,
        _allow_private_targets: bool,
    ) -> Result<String, SendError> {
        Ok(self.settings.webhook_url.clone())
    }
}
