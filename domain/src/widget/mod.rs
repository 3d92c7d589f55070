//! The website chat widget, seen from the visitor's side: a signed visitor
//! token kept in the browser, the visitor's conversation, sending, uploads,
//! delivery and read receipts, typing.

use anyhow::Context;
use shared::events::{Direction, Typist, WidgetAttachment, WidgetMessage};
use shared::inbox::{
    AttachmentView, ContentType, DeliveryStatus, MessageKind, MessageView, VisitorContext,
};
use shared::values::{DisplayName, EmailAddress};
use shared::{ErrorCode, FieldErrors};
use uuid::Uuid;

use crate::attachments::{self, IncomingFile, Storage, Uploader};
use crate::contacts;
use crate::conversations;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::messages::{self, url_segment, Incoming};
use crate::realtime::{self, Signal};

mod visitor;
pub use visitor::{
    describe_browser, issue_visitor_token, verify_visitor_token, visitor_context, Visitor,
};

/// How the widget shows a message; `None` for what visitors never see
/// (notes, activity lines, deleted messages) or have not received yet (a
/// flow's file still being fetched, or one that could not be).
pub fn widget_message(view: &MessageView, visitor: &Visitor) -> Option<WidgetMessage> {
    let direction = match view.kind {
        MessageKind::Incoming => Direction::Incoming,
        MessageKind::Outgoing => Direction::Outgoing,
        MessageKind::Note | MessageKind::Activity => return None,
    };
    let undelivered = matches!(
        view.delivery_status,
        Some(DeliveryStatus::Pending | DeliveryStatus::Failed)
    );
    if view.deleted || (direction == Direction::Outgoing && undelivered) {
        return None;
    }
    Some(WidgetMessage {
        id: view.id,
        direction,
        body: view.body.clone(),
        agent_name: (view.kind == MessageKind::Outgoing)
            .then(|| view.sender_name.clone())
            .flatten(),
        attachment: view
            .attachment
            .as_ref()
            .map(|a| widget_attachment(a, visitor)),
        delivery_status: view.delivery_status,
        created_at: view.created_at,
        options: view.menu_options.clone(),
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
        "SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $2 AND channel_id = $3
          ORDER BY id DESC LIMIT 1",
    )
    .bind(visitor.account_id())
    .bind(contact_id)
    .bind(visitor.channel.id)
    .fetch_optional(&mut *tx)
    .await
    .context("finding conversation")?;
    tx.commit().await.context("commit")?;
    Ok(Some((contact_id, conversation_id)))
}

/// The visitor's latest conversation, oldest message first (at most 200),
/// in one query.
pub async fn history(db: &Db, visitor: &Visitor) -> Result<Vec<WidgetMessage>> {
    let Some((_, Some(conversation_id))) = whereabouts(db, visitor).await? else {
        return Ok(vec![]);
    };
    let mut tx = db.tenant(visitor.account_id(), None).await?;
    let mut views =
        messages::customer_visible_recent(&mut tx, visitor.account_id(), conversation_id, 200)
            .await?;
    // What an agent has opened, the visitor sees as read.
    let read_until: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
        "SELECT max(read_at) FROM conversation_reads WHERE account_id = $1 AND conversation_id = $2",
    )
    .bind(visitor.account_id())
    .bind(conversation_id)
    .fetch_one(&mut *tx)
    .await
    .context("reading read marks")?;
    tx.commit().await.context("commit")?;
    for view in views.iter_mut().filter(|v| v.kind == MessageKind::Incoming) {
        view.delivery_status = Some(match read_until {
            Some(at) if view.created_at <= at => DeliveryStatus::Read,
            _ => DeliveryStatus::Sent,
        });
    }
    Ok(views
        .iter()
        .filter_map(|view| widget_message(view, visitor))
        .collect())
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
    /// Where the visitor writes from.
    pub context: Option<VisitorContext>,
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
    // The widget's client id, under the visitor's own id, is the message's
    // external id: a retried send returns what the first attempt stored, and
    // one visitor can never collide with (or fetch) another's message.
    let external_id = message
        .client_id
        .map(|id| format!("widget:{}:{id}", visitor.visitor_id));
    if let Some(earlier) = stored_copy(db, visitor, external_id.as_deref()).await? {
        return Ok(earlier);
    }
    let mut tx = db.tenant_on_message_path(account_id).await?;
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
            "UPDATE contacts SET name = CASE WHEN name = '' THEN COALESCE($3, name) ELSE name END,
                                 email = COALESCE(email, $4), updated_at = now()
              WHERE account_id = $1 AND id = $2",
        )
        .bind(account_id)
        .bind(contact_id)
        .bind(&name)
        .bind(&email)
        .execute(&mut *tx)
        .await
        .context("updating contact from the pre-chat form")?;
    }
    if let Some(context) = message.context.as_ref().filter(|c| !c.is_empty()) {
        contacts::record_visitor_context(
            &mut tx,
            account_id,
            visitor.channel.id,
            &visitor.visitor_id,
            context,
        )
        .await?;
    }
    let conversation =
        conversations::for_incoming(&mut tx, account_id, visitor.channel.id, contact_id).await?;
    let (content_type, file_name) = match message.attachment_id {
        Some(id) => {
            messages::attach(&mut tx, id, &conversation, Uploader::Contact(contact_id)).await?
        }
        None => (ContentType::Text, None),
    };
    let incoming = Incoming {
        body,
        content_type,
        attachment_id: message.attachment_id,
        file_name: file_name.as_deref(),
        external_id: external_id.as_deref(),
        quoted_external_id: None,
        email: None,
    };
    let message_id =
        match messages::insert_incoming(&mut tx, account_id, &conversation, &incoming).await? {
            Some(id) => {
                tx.commit().await.context("commit")?;
                id
            }
            None => {
                // A parallel retry stored it first; this attempt changes nothing.
                tx.rollback().await.context("rollback")?;
                return stored_copy(db, visitor, external_id.as_deref())
                    .await?
                    .ok_or(Error::NotFound);
            }
        };
    let view = messages::by_id(db, account_id, message_id)
        .await?
        .ok_or(Error::NotFound)?;
    widget_message(&view, visitor).ok_or(Error::NotFound)
}

/// The message already stored under this external id, if any.
async fn stored_copy(
    db: &Db,
    visitor: &Visitor,
    external_id: Option<&str>,
) -> Result<Option<WidgetMessage>> {
    let Some(external_id) = external_id else {
        return Ok(None);
    };
    let mut tx = db.tenant(visitor.account_id(), None).await?;
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM messages WHERE account_id = $1 AND channel_id = $2 AND external_id = $3",
    )
    .bind(visitor.account_id())
    .bind(visitor.channel.id)
    .bind(external_id)
    .fetch_optional(&mut *tx)
    .await
    .context("finding the earlier copy")?;
    tx.commit().await.context("commit")?;
    let Some(id) = id else { return Ok(None) };
    Ok(messages::by_id(db, visitor.account_id(), id)
        .await?
        .and_then(|view| widget_message(&view, visitor)))
}

/// Stores a visitor's upload (creating the contact if this comes first).
pub async fn upload(
    db: &Db,
    storage: &Storage,
    visitor: &Visitor,
    file_name: &str,
    incoming: IncomingFile,
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
        file_name,
        incoming,
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
