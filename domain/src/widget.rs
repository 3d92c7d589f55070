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
use crate::channels::PublicChannel;
use crate::contacts;
use crate::conversations;
use crate::db::Db;
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

/// What the widget says about where it runs, plus the browser's user agent,
/// cut to sane sizes.
pub fn visitor_context(
    page: Option<&str>,
    language: Option<&str>,
    time_zone: Option<&str>,
    user_agent: Option<&str>,
) -> VisitorContext {
    let clean = |text: Option<&str>, max: usize| {
        text.map(|t| {
            t.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(max)
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
    };
    VisitorContext {
        page: clean(page, 500).filter(|p| p.starts_with("http://") || p.starts_with("https://")),
        browser: user_agent.and_then(describe_browser),
        language: clean(language, 20),
        time_zone: clean(time_zone, 64),
    }
}

/// "Chrome · Android", "Safari · iPhone", "Firefox · Windows" from a user
/// agent; `None` when neither part is recognised.
pub fn describe_browser(user_agent: &str) -> Option<String> {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        Some("Edge")
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        Some("Opera")
    } else if ua.contains("SamsungBrowser") {
        Some("Samsung Internet")
    } else if ua.contains("Firefox/") || ua.contains("FxiOS") {
        Some("Firefox")
    } else if ua.contains("Chrome/") || ua.contains("CriOS") {
        Some("Chrome")
    } else if ua.contains("Safari/") {
        Some("Safari")
    } else {
        None
    };
    let system = if ua.contains("iPhone") {
        Some("iPhone")
    } else if ua.contains("iPad") {
        Some("iPad")
    } else if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (browser, system) {
        (Some(b), Some(s)) => Some(format!("{b} · {s}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
        (None, None) => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_described_in_two_words() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
        assert_eq!(
            describe_browser(android).as_deref(),
            Some("Chrome · Android")
        );
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_browser(iphone).as_deref(), Some("Safari · iPhone"));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0";
        assert_eq!(describe_browser(edge).as_deref(), Some("Edge · Windows"));
        assert_eq!(describe_browser("curl/8.0"), None);
        let context = visitor_context(Some("javascript:alert(1)"), Some("pt-BR"), None, None);
        assert_eq!(context.page, None, "only web pages");
        assert_eq!(context.language.as_deref(), Some("pt-BR"));
    }

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
