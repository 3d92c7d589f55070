//! A parsed customer mail into the inbox: the conversation its threading
//! ids point at (or a new one: a mail outside any thread is a new subject),
//! the subject kept on the conversation, and each attached file fetched
//! from the stored raw mail by the media workers.

use anyhow::Context;
use serde_json::json;
use shared::inbox::ContentType;
use uuid::Uuid;

use super::parse::EmailDetails;
use crate::channels::media;
use crate::channels::provider::{EmailPart, MediaRef};
use crate::contacts;
use crate::conversations::{self, Locked};
use crate::db::Tx;
use crate::error::Result;
use crate::messages::{self, Incoming};

/// The contact who wrote from `address`: the one this mailbox knows, else
/// the account's contact with that e-mail (from the widget, an import),
/// else a new one.
pub(crate) async fn contact_for(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    address: &str,
    name: &str,
) -> Result<i64> {
    if let Some(id) = contacts::contact_by_identity(tx, channel_id, address).await? {
        return Ok(id);
    }
    let known: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM contacts WHERE account_id = $1 AND email = $2 AND merged_into IS NULL
          ORDER BY id LIMIT 1",
    )
    .bind(account_id)
    .bind(address)
    .fetch_optional(&mut **tx)
    .await
    .context("finding the contact by e-mail")?;
    if let Some(contact_id) = known {
        sqlx::query(
            "INSERT INTO contact_identities (account_id, contact_id, channel_id, external_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(account_id)
        .bind(contact_id)
        .bind(channel_id)
        .bind(address)
        .execute(&mut **tx)
        .await
        .context("recording the mailbox identity")?;
    }
    // Whoever recorded the identity first (this call or a concurrent one) wins.
    Ok(contacts::find_or_create_by_identity(
        tx,
        account_id,
        channel_id,
        address,
        name,
        Some(address),
    )
    .await?)
}

/// The conversation of a mail: the one holding a message it answers (ours
/// or the customer's earlier mail), else a new one.
pub(crate) async fn conversation_for(
    tx: &mut Tx,
    account_id: Uuid,
    channel_id: i64,
    contact_id: i64,
    details: &EmailDetails,
) -> Result<Locked> {
    let thread: Option<i64> = sqlx::query_scalar(
        "SELECT conversation_id FROM messages
          WHERE account_id = $1 AND channel_id = $2 AND external_id = ANY($3)
          ORDER BY id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(channel_id)
    .bind(&details.references)
    .fetch_optional(&mut **tx)
    .await
    .context("finding the mail's thread")?;
    let threaded = match thread {
        Some(id) => conversations::lock_by_id(tx, account_id, id, false).await?,
        None => None,
    };
    let conversation = match threaded {
        Some(conversation) => {
            conversations::continue_or_start(tx, conversation, contact_id).await?
        }
        None => conversations::start_for_customer(tx, account_id, channel_id, contact_id).await?,
    };
    if !details.subject.is_empty() {
        sqlx::query(
            "UPDATE conversations SET subject = left($3, 300)
              WHERE account_id = $1 AND id = $2 AND subject IS NULL",
        )
        .bind(account_id)
        .bind(conversation.id)
        .bind(&details.subject)
        .execute(&mut **tx)
        .await
        .context("keeping the subject")?;
    }
    Ok(conversation)
}

/// What the message row keeps of the mail (shown as the message's e-mail
/// content; the threading ids let replies thread on the customer's side).
pub(crate) fn stored(details: &EmailDetails) -> serde_json::Value {
    json!({
        "subject": details.subject,
        "html": details.html,
        "quoted": details.quoted,
        "references": details.references,
    })
}

/// Queues the mail's files: the first on the message itself, each further
/// one as a file message of its own (a message holds one file).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn queue_files(
    tx: &mut Tx,
    account_id: Uuid,
    conversation: &Locked,
    contact_id: i64,
    event_id: i64,
    message_id: i64,
    external_id: &str,
    details: &EmailDetails,
) -> Result<()> {
    for (n, file) in details.attachments.iter().enumerate() {
        let target = if n == 0 {
            Some(message_id)
        } else {
            let file_external_id = format!("{external_id}#{}", file.part);
            let incoming = Incoming {
                body: "",
                content_type: ContentType::File,
                attachment_id: None,
                file_name: Some(&file.file_name),
                external_id: Some(&file_external_id),
                quoted_external_id: None,
                email: None,
            };
            messages::insert_incoming(tx, account_id, conversation, &incoming).await?
        };
        let Some(target) = target else { continue };
        let source = MediaRef {
            file_name: Some(file.file_name.clone()),
            mime_type: Some(file.mime_type.clone()),
            email_part: Some(EmailPart {
                event_id,
                part: file.part,
            }),
            ..Default::default()
        };
        media::enqueue(
            tx,
            account_id,
            conversation.channel_id,
            contact_id,
            target,
            &source,
        )
        .await?;
    }
    Ok(())
}
