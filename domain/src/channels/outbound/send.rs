//! Sending one reply: the pace each connection keeps, the signed link an
//! agent's file travels as, and the call to the connection's adapter.

use crate::attachments::links;
use crate::channels::adapter::{ChannelAdapter, Reply};
use crate::channels::connections::Connection;
use crate::channels::email;
use crate::channels::provider::{OutgoingFile, SendError};
use crate::channels::whatsapp_templates::TemplateSend;
use crate::db::Db;
use crate::error::Result;
use crate::secrets::SecretKey;
use anyhow::Context;

/// What sending needs besides the database: the shared HTTP client, the
/// public URL (Twilio's status callbacks, files' signed links) and the key
/// that signs those links, and whether the API channel may post to private
/// addresses (tests, on-premise installs).
pub struct Sender {
    pub client: reqwest::Client,
    pub public_url: String,
    pub link_key: SecretKey,
    pub allow_private_targets: bool,
    /// Where agents' files are, for e-mail (which carries them inline).
    pub storage: crate::attachments::Storage,
}

/// Waits for the connection's next send slot at `per_second` sends a
/// second. The slots are reserved in the database, so every instance's
/// workers together keep the connection's rate.
pub(super) async fn wait_for_send_slot(db: &Db, connection_id: i64, per_second: u32) -> Result<()> {
    let wait: Option<f64> = sqlx::query_scalar("SELECT reserve_send_slot($1, $2)")
        .bind(connection_id)
        .bind(i32::try_from(per_second).unwrap_or(i32::MAX))
        .fetch_one(db.pool())
        .await
        .context("reserving a send slot")?;
    if let Some(wait) = wait.filter(|seconds| *seconds > 0.0) {
        tokio::time::sleep(std::time::Duration::from_secs_f64(
            wait.min(MAX_SLOT_WAIT_SECONDS),
        ))
        .await;
    }
    Ok(())
}

/// A slot further away than this means a clock or configuration went wrong:
/// sending a little early beats a worker asleep for hours.
const MAX_SLOT_WAIT_SECONDS: f64 = 60.0;

/// Everything one send needs, read in a short transaction: no database
/// connection is held while the provider answers.
pub(super) struct Outgoing {
    pub(super) conversation_id: i64,
    pub(super) conversation_number: i64,
    pub(super) attempts: i32,
    pub(super) body: String,
    /// Set when the reply is a WhatsApp template.
    pub(super) template: Option<TemplateSend>,
    /// The agent's file: its name, type and id (for a signed link).
    pub(super) file: Option<(i64, String, String)>,
    /// The provider's id of the message the reply quotes.
    pub(super) quoted: Option<String>,
    /// A flow menu's options (its numbered text is `body`).
    pub(super) menu: Vec<String>,
    pub(super) created_at: chrono::DateTime<chrono::Utc>,
    pub(super) to: String,
    pub(super) connection: Connection,
    /// Subject, threading and sender of a reply by e-mail.
    pub(super) email: Option<email::send::EmailReply>,
}

/// The agent's file as providers fetch it: a signed link on our public URL.
fn outgoing_file(sender: &Sender, outgoing: &Outgoing) -> Option<OutgoingFile> {
    let (id, file_name, content_type) = outgoing.file.as_ref()?;
    let path = links::link_path(
        &sender.link_key,
        outgoing.connection.account_id,
        *id,
        file_name,
        chrono::Utc::now(),
    );
    Some(OutgoingFile {
        url: format!("{}{path}", sender.public_url),
        file_name: file_name.clone(),
        content_type: content_type.clone(),
    })
}

/// One reply, through its connection's adapter.
pub(super) async fn send(
    sender: &Sender,
    outgoing: &Outgoing,
    message_id: i64,
) -> std::result::Result<String, SendError> {
    let file = outgoing_file(sender, outgoing);
    let reply = Reply {
        account_id: outgoing.connection.account_id,
        connection_id: outgoing.connection.id,
        message_id,
        conversation_number: outgoing.conversation_number,
        created_at: outgoing.created_at,
        to: &outgoing.to,
        body: &outgoing.body,
        file: file.as_ref(),
        stored_file: outgoing.file.as_ref(),
        quoted: outgoing.quoted.as_deref(),
        menu: &outgoing.menu,
        template: outgoing.template.as_ref(),
        email: outgoing.email.as_ref(),
    };
    outgoing
        .connection
        .config
        .adapter()
        .send(sender, &reply)
        .await
}
