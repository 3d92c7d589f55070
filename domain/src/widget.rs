//! The website chat widget, seen from the visitor's side: a signed visitor
//! token kept in the browser, the visitor's conversation, sending, uploads,
//! delivery and read receipts, typing.

use anyhow::Context;
use shared::events::{Typist, WidgetAttachment, WidgetMessage};
use shared::inbox::{
    Activity, AttachmentView, ContentType, ConversationStatus, DeliveryStatus, MessageKind,
    MessageView,
};
use shared::values::{DisplayName, EmailAddress};
use shared::{ErrorCode, FieldErrors};
use uuid::Uuid;

use crate::attachments::{self, Storage, Uploader};
use crate::channels::PublicChannel;
use crate::contacts;
use crate::conversations::{self, Locked, REOPEN_WINDOW_HOURS};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::messages::{self, url_segment, Incoming};
use crate::realtime::{self, Signal};
use crate::secrets::{base64url, from_base64url, random_token, SecretKey};

const TOKEN_PURPOSE: &str = "widget visitor";

/// A visitor token: `<visitor id>.<signature over channel and id>`. It lets
/// a browser come back to its conversation; it cannot be forged or moved to
/// another channel.
pub fn issue_visitor_token(secret: &SecretKey, channel_token: &str) -> String {
    let visitor_id = random_token()[..22].to_string();
    sign_visitor(secret, channel_token, &visitor_id)
}

fn sign_visitor(secret: &SecretKey, channel_token: &str, visitor_id: &str) -> String {
    let signature = secret.sign(
        TOKEN_PURPOSE,
        format!("{channel_token}.{visitor_id}").as_bytes(),
    );
    format!("{visitor_id}.{}", base64url(&signature))
}

/// The visitor id inside a valid token for this channel.
pub fn verify_visitor_token(
    secret: &SecretKey,
    channel_token: &str,
    token: &str,
) -> Option<String> {
    let (visitor_id, signature) = token.split_once('.')?;
    let valid_id = !visitor_id.is_empty()
        && visitor_id.len() <= 64
        && visitor_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let signature = from_base64url(signature)?;
    (valid_id
        && secret.verify(
            TOKEN_PURPOSE,
            format!("{channel_token}.{visitor_id}").as_bytes(),
            &signature,
        ))
    .then(|| visitor_id.to_string())
}

/// A verified visitor of a website channel.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub channel: PublicChannel,
    pub visitor_id: String,
    pub token: String,
}

impl Visitor {
    pub fn account_id(&self) -> Uuid {
        self.channel.account_id
    }
}

/// How the widget shows a message; `None` for what visitors never see
/// (notes, activity lines, deleted messages).
pub fn widget_message(view: &MessageView, visitor: &Visitor) -> Option<WidgetMessage> {
    let direction = match view.kind {
        MessageKind::Incoming => "incoming",
        MessageKind::Outgoing => "outgoing",
        MessageKind::Note | MessageKind::Activity => return None,
    };
    if view.deleted {
        return None;
    }
    Some(WidgetMessage {
        id: view.id,
        direction: direction.to_string(),
        body: view.body.clone(),
        agent_name: (view.kind == MessageKind::Outgoing)
            .then(|| view.sender_name.clone())
            .flatten(),
        attachment: view
            .attachment
            .as_ref()
            .map(|a| widget_attachment(a, visitor)),
        delivery_status: view.delivery_status.map(|s| s.as_str().to_string()),
        created_at: view.created_at,
    })
}

fn widget_attachment(a: &AttachmentView, visitor: &Visitor) -> WidgetAttachment {
    WidgetAttachment {
        id: a.id,
        file_name: a.file_name.clone(),
        content_type: a.content_type.clone(),
        size_bytes: a.size_bytes,
        url: format!(
            "/widget/{}/attachments/{}/{}?visitor={}",
            visitor.channel.public_token,
            a.id,
            url_segment(&a.file_name),
            visitor.token
        ),
    }
}

/// The visitor's contact and latest conversation on this channel, if any.
pub async fn whereabouts(db: &Db, visitor: &Visitor) -> Result<Option<(i64, Option<i64>)>> {
    let mut tx = db.tenant(visitor.account_id(), None).await?;
    let Some(contact_id) =
        contacts::contact_by_identity(&mut tx, visitor.channel.id, &visitor.visitor_id).await?
    else {
        tx.commit().await.context("commit")?;
        return Ok(None);
    };
    let conversation_id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE contact_id = $1 AND channel_id = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(contact_id)
    .bind(visitor.channel.id)
    .fetch_optional(&mut *tx)
    .await
    .context("finding conversation")?;
    tx.commit().await.context("commit")?;
    Ok(Some((contact_id, conversation_id)))
}

/// The visitor's latest conversation, oldest message first (at most 200).
pub async fn history(db: &Db, visitor: &Visitor) -> Result<Vec<WidgetMessage>> {
    let Some((_, Some(conversation_id))) = whereabouts(db, visitor).await? else {
        return Ok(vec![]);
    };
    let ids: Vec<i64> = {
        let mut tx = db.tenant(visitor.account_id(), None).await?;
        let ids = sqlx::query_scalar(
            "SELECT id FROM (SELECT id FROM messages WHERE conversation_id = $1 AND kind IN ('incoming', 'outgoing')
                                AND deleted_at IS NULL ORDER BY id DESC LIMIT 200) recent ORDER BY id",
        )
        .bind(conversation_id)
        .fetch_all(&mut *tx)
        .await
        .context("listing visitor messages")?;
        tx.commit().await.context("commit")?;
        ids
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(view) = messages::by_id(db, visitor.account_id(), id).await? {
            out.extend(widget_message(&view, visitor));
        }
    }
    Ok(out)
}

/// What a visitor sends; name and e-mail come from the pre-chat form.
#[derive(Clone, Debug, Default)]
pub struct VisitorMessage {
    pub body: String,
    pub attachment_id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// The widget's id for this message, so a retried send is stored once.
    pub client_id: Option<Uuid>,
}

/// Stores a visitor's message: creates the contact (a lead) on first
/// contact, reopens a recently resolved conversation or opens a new one.
pub async fn send(db: &Db, visitor: &Visitor, message: &VisitorMessage) -> Result<WidgetMessage> {
    if !visitor.channel.active {
        return Err(Error::Forbidden);
    }
    let body = message.body.trim();
    if body.is_empty() && message.attachment_id.is_none() {
        return Err(Error::field("body", ErrorCode::Required));
    }
    if body.chars().count() > 5000 {
        return Err(Error::field("body", ErrorCode::TooLong));
    }
    let mut errors = FieldErrors::new();
    let name = match message
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(name) => errors.check(
            "name",
            DisplayName::parse(name).map(|n| Some(n.to_string())),
        ),
        None => Some(None),
    };
    let email = match message
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(email) => errors.check(
            "email",
            EmailAddress::parse(email).map(|e| Some(e.to_string())),
        ),
        None => Some(None),
    };
    errors.into_result()?;
    let (Some(name), Some(email)) = (name, email) else {
        return Err(anyhow::anyhow!("validation passed with a missing value").into());
    };

    let account_id = visitor.account_id();
    let mut tx = db.tenant(account_id, None).await?;
    let contact_id = contacts::find_or_create_by_identity(
        &mut tx,
        account_id,
        visitor.channel.id,
        &visitor.visitor_id,
        name.as_deref().unwrap_or_default(),
        email.as_deref(),
    )
    .await?;
    if name.is_some() || email.is_some() {
        sqlx::query(
            "UPDATE contacts SET name = CASE WHEN name = '' THEN COALESCE($2, name) ELSE name END,
                                 email = COALESCE(email, $3), updated_at = now()
              WHERE id = $1",
        )
        .bind(contact_id)
        .bind(&name)
        .bind(&email)
        .execute(&mut *tx)
        .await
        .context("updating contact from the pre-chat form")?;
    }
    let conversation = conversation_for_incoming(&mut tx, visitor, contact_id).await?;
    let (content_type, file_name) = match message.attachment_id {
        Some(id) => attach_visitor_upload(&mut tx, id, contact_id, conversation.id).await?,
        None => (ContentType::Text, None),
    };
    // The widget's client id doubles as the message's external id.
    let external_id = message.client_id.map(|id| format!("widget:{id}"));
    let incoming = Incoming {
        body,
        content_type,
        attachment_id: message.attachment_id,
        file_name: file_name.as_deref(),
        external_id: external_id.as_deref(),
    };
    let message_id =
        match messages::insert_incoming(&mut tx, account_id, &conversation, &incoming).await? {
            Some(id) => {
                conversations::touch(&mut tx, account_id, conversation.id).await?;
                id
            }
            None => sqlx::query_scalar(
                "SELECT id FROM messages WHERE channel_id = $1 AND external_id = $2",
            )
            .bind(visitor.channel.id)
            .bind(&external_id)
            .fetch_one(&mut *tx)
            .await
            .context("finding the earlier copy")?,
        };
    tx.commit().await.context("commit")?;
    let view = messages::by_id(db, account_id, message_id)
        .await?
        .ok_or(Error::NotFound)?;
    widget_message(&view, visitor).ok_or(Error::NotFound)
}

/// The conversation a new incoming message belongs to.
async fn conversation_for_incoming(
    tx: &mut Tx,
    visitor: &Visitor,
    contact_id: i64,
) -> Result<Locked> {
    let account_id = visitor.account_id();
    let latest: Option<(i64, String, Option<chrono::DateTime<chrono::Utc>>)> = sqlx::query_as(
        "SELECT id, status, resolved_at FROM conversations WHERE contact_id = $1 AND channel_id = $2
          ORDER BY id DESC LIMIT 1 FOR UPDATE",
    )
    .bind(contact_id)
    .bind(visitor.channel.id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding the visitor's conversation")?;
    let recent = |resolved_at: Option<chrono::DateTime<chrono::Utc>>| {
        resolved_at.is_some_and(|at| {
            chrono::Utc::now() - at < chrono::Duration::hours(REOPEN_WINDOW_HOURS)
        })
    };
    let id = match latest {
        Some((id, status, resolved_at)) => {
            let status: ConversationStatus =
                status.parse().map_err(|_| anyhow::anyhow!("bad status"))?;
            if !status.is_closed() || recent(resolved_at) {
                Some((id, status))
            } else {
                None
            }
        }
        None => None,
    };
    let (id, previous) = match id {
        Some((id, status)) => (id, Some(status)),
        None => {
            let department = sqlx::query_scalar::<_, Option<i64>>(
                "SELECT default_department_id FROM channels WHERE id = $1",
            )
            .bind(visitor.channel.id)
            .fetch_one(&mut **tx)
            .await
            .context("reading channel")?;
            let (id, _) =
                conversations::create(tx, account_id, contact_id, visitor.channel.id, department)
                    .await?;
            (id, None)
        }
    };
    let locked: Locked = sqlx::query_as(
        "SELECT id, channel_id, status, assignee_id, department_id, priority, critical, tags
           FROM conversations WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await
    .context("locking conversation")?;
    // A customer writing again ends a wait or reopens a closed ticket.
    if let Some(status) = previous.filter(|s| s.is_closed() || *s == ConversationStatus::Waiting) {
        let to = if locked.assignee_id.is_some() {
            ConversationStatus::InProgress
        } else {
            ConversationStatus::Open
        };
        sqlx::query("UPDATE conversations SET status = $2, resolved_at = NULL, snoozed_until = NULL WHERE id = $1")
            .bind(id)
            .bind(to.as_str())
            .execute(&mut **tx)
            .await
            .context("reopening conversation")?;
        let activity = if status.is_closed() {
            Activity::Reopened { by: None }
        } else {
            Activity::SnoozeEnded { to }
        };
        conversations::add_activity(tx, account_id, &locked, &activity).await?;
    }
    Ok(locked)
}

async fn attach_visitor_upload(
    tx: &mut Tx,
    attachment_id: i64,
    contact_id: i64,
    conversation_id: i64,
) -> Result<(ContentType, Option<String>)> {
    let row: Option<(String, String)> = sqlx::query_as(
        "UPDATE attachments SET conversation_id = $3
          WHERE id = $1 AND uploaded_by_contact = $2 AND (conversation_id IS NULL OR conversation_id = $3)
      RETURNING content_type, file_name",
    )
    .bind(attachment_id)
    .bind(contact_id)
    .bind(conversation_id)
    .fetch_optional(&mut **tx)
    .await
    .context("attaching visitor upload")?;
    let (mime, name) = row.ok_or_else(|| Error::field("attachment_id", ErrorCode::InvalidValue))?;
    Ok((attachments::content_type_of(&mime), Some(name)))
}

/// Stores a visitor's upload (creating the contact if this comes first).
pub async fn upload(
    db: &Db,
    storage: &Storage,
    visitor: &Visitor,
    file_name: &str,
    bytes: &[u8],
) -> Result<WidgetAttachment> {
    if !visitor.channel.active {
        return Err(Error::Forbidden);
    }
    let account_id = visitor.account_id();
    let mut tx = db.tenant(account_id, None).await?;
    let contact_id = contacts::find_or_create_by_identity(
        &mut tx,
        account_id,
        visitor.channel.id,
        &visitor.visitor_id,
        "",
        None,
    )
    .await?;
    tx.commit().await.context("commit")?;
    let stored = attachments::store(
        db,
        storage,
        account_id,
        Uploader::Contact(contact_id),
        None,
        file_name,
        bytes,
    )
    .await?;
    Ok(widget_attachment(&stored, visitor))
}

/// Delivery or read receipts from the widget, for agents' ticks.
pub async fn acknowledge(
    db: &Db,
    visitor: &Visitor,
    up_to: i64,
    status: DeliveryStatus,
) -> Result<()> {
    let Some((_, Some(conversation_id))) = whereabouts(db, visitor).await? else {
        return Ok(());
    };
    let mut tx = db.tenant(visitor.account_id(), None).await?;
    messages::advance_delivery(
        &mut tx,
        visitor.account_id(),
        conversation_id,
        up_to,
        status,
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// The visitor is (or stopped) typing: shown to agents in real time.
pub async fn typing(db: &Db, visitor: &Visitor, typing: bool) -> Result<()> {
    let Some((_, Some(conversation_id))) = whereabouts(db, visitor).await? else {
        return Ok(());
    };
    realtime::publish_now(
        db,
        visitor.account_id(),
        Signal::Typing {
            conversation_id,
            typist: Typist::Contact,
            typing,
            note: false,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitor_tokens_verify_only_on_their_channel() {
        let secret = SecretKey::generate();
        let token = issue_visitor_token(&secret, "wc_a");
        let id = verify_visitor_token(&secret, "wc_a", &token).expect("valid");
        assert_eq!(token.split('.').next(), Some(id.as_str()));
        assert_eq!(
            verify_visitor_token(&secret, "wc_b", &token),
            None,
            "another channel"
        );
        assert_eq!(
            verify_visitor_token(&SecretKey::generate(), "wc_a", &token),
            None,
            "another key"
        );
        let forged = format!("someone-else.{}", token.split('.').nth(1).unwrap());
        assert_eq!(verify_visitor_token(&secret, "wc_a", &forged), None);
        assert_eq!(verify_visitor_token(&secret, "wc_a", "garbage"), None);
    }
}
