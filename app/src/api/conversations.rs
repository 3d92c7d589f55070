//! The inbox: conversations, their messages, and what agents do to them.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use server_fn::codec::Json;
use shared::inbox::{
    Changes, ConversationPage, ConversationStatus, ConversationSummary, InboxContext, InboxFilter,
    MessagePage, MessageView, Notification, OpenedConversation, Priority,
};
use shared::AppError;
use uuid::Uuid;

#[server(endpoint = "inbox_context")]
pub async fn get_inbox_context() -> Result<InboxContext, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::inbox::context(&state.db, &actor).await)
}

/// Per-tab counts and the unread total, for the tabs and the page title.
#[server(endpoint = "inbox_counts")]
pub async fn inbox_counts() -> Result<shared::inbox::InboxCounts, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::conversations::counts(&state.db, &actor).await)
}

#[server(endpoint = "list_conversations", input = Json)]
pub async fn list_conversations(filter: InboxFilter) -> Result<ConversationPage, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::conversations::list(&state.db, &actor, &filter).await)
}

/// The conversation, its latest messages and its contact panel.
#[server(endpoint = "open_conversation")]
pub async fn open_conversation(number: i64) -> Result<OpenedConversation, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let summary = finish(domain::conversations::get(&state.db, &actor, number).await)?;
    let messages = finish(domain::messages::list(&state.db, &actor, number, None).await)?;
    let contact = finish(domain::contacts::details(&state.db, &actor, summary.contact_id).await)?;
    Ok(OpenedConversation {
        summary,
        messages,
        contact,
    })
}

/// How the customer of conversation `number` feels lately (the AI's
/// reading), for the side panel — asked for there, in its lazy chunk, so
/// the first download does not carry it.
#[server(endpoint = "customer_feeling")]
pub async fn customer_feeling(number: i64) -> Result<Option<shared::inbox::Feeling>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let summary = finish(domain::conversations::get(&state.db, &actor, number).await)?;
    Ok(summary.ai_sentiment)
}

/// The AI's review of conversation `number`'s latest resolution, if it has
/// one — for the side panel's lazy chunk, like the feeling above.
#[server(endpoint = "quality_review")]
pub async fn quality_review(number: i64) -> Result<Option<shared::inbox::QualityReview>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::ai::quality::review_of(&state.db, &actor, number).await)
}

/// The customer's answer to the satisfaction survey of conversation
/// `number`'s latest rated resolution, for the side panel's lazy chunk.
#[server(endpoint = "customer_rating")]
pub async fn customer_rating(
    number: i64,
) -> Result<Option<shared::inbox::CustomerRating>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::satisfaction::of_conversation(&state.db, &actor, number).await)
}

/// The replies the AI suggests for conversation `number`'s latest customer
/// messages — for the composer's lazy chunk.
#[server(endpoint = "reply_suggestions")]
pub async fn reply_suggestions(
    number: i64,
) -> Result<Vec<shared::inbox::ReplySuggestion>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::ai::replies::suggest(&state.db, &actor, number).await)
}

/// The categories the AI expects for conversation `number` at wrap-up —
/// for the wrap-up dialog's lazy chunk.
#[server(endpoint = "category_suggestions")]
pub async fn category_suggestions(
    number: i64,
) -> Result<Vec<shared::categories::CategorySuggestion>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::ai::categories::suggest(&state.db, &actor, number).await)
}

/// The AI's summary of conversation `number` so far, in `locale` — asked
/// for from the side panel's lazy chunk.
#[server(endpoint = "summarize_conversation")]
pub async fn summarize_conversation(
    number: i64,
    locale: shared::Locale,
) -> Result<Option<shared::ai::AiText>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let reach = state.config.ai_reach();
    finish(domain::ai::summary::summarize(&state.db, reach, &actor, number, locale).await)
}

#[server(endpoint = "list_messages")]
pub async fn list_messages(number: i64, before: Option<i64>) -> Result<MessagePage, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::messages::list(&state.db, &actor, number, before).await)
}

#[server(endpoint = "send_message", input = Json)]
pub async fn send_message(
    number: i64,
    body: String,
    note: bool,
    client_id: Option<Uuid>,
    attachment_id: Option<i64>,
    mentions: Vec<Uuid>,
    /// The message this one answers (quoted).
    reply_to: Option<i64>,
) -> Result<MessageView, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let reply = domain::messages::Reply {
        body,
        note,
        client_id,
        attachment_id,
        mentions,
        template: None,
        reply_to,
    };
    finish(domain::messages::send(&state.db, &actor, number, &reply).await)
}

/// Sends a reply the provider refused once more.
#[server(endpoint = "retry_message")]
pub async fn retry_message(message_id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::channels::outbound::retry(&state.db, &actor, message_id).await)
}

#[server(endpoint = "delete_message")]
pub async fn delete_message(message_id: i64) -> Result<MessageView, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::messages::delete(&state.db, &actor, message_id).await)
}

#[server(endpoint = "set_conversation_status", input = Json)]
pub async fn set_conversation_status(
    number: i64,
    status: ConversationStatus,
    snooze_until: Option<DateTime<Utc>>,
) -> Result<ConversationSummary, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::conversations::set_status(&state.db, &actor, number, status, snooze_until).await)
}

/// Assign (to someone or nobody) and/or move to a department, with a note.
/// `change_department` false keeps the department as it is.
#[server(endpoint = "assign_conversation", input = Json)]
pub async fn assign_conversation(
    number: i64,
    assignee: Option<Uuid>,
    change_department: bool,
    department_id: Option<i64>,
    note: Option<String>,
) -> Result<ConversationSummary, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let department = change_department.then_some(department_id);
    finish(
        domain::conversations::assign(&state.db, &actor, number, assignee, department, note).await,
    )
}

#[server(endpoint = "set_conversation_priority", input = Json)]
pub async fn set_conversation_priority(
    number: i64,
    priority: Priority,
) -> Result<ConversationSummary, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::conversations::set_priority(&state.db, &actor, number, priority).await)
}

#[server(endpoint = "set_conversation_critical", input = Json)]
pub async fn set_conversation_critical(
    number: i64,
    critical: bool,
) -> Result<ConversationSummary, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::conversations::set_critical(&state.db, &actor, number, critical).await)
}

#[server(endpoint = "set_conversation_tags", input = Json)]
pub async fn set_conversation_tags(
    number: i64,
    tags: Vec<String>,
) -> Result<ConversationSummary, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::conversations::set_tags(&state.db, &actor, number, &tags).await)
}

#[server(endpoint = "mark_conversation_read")]
pub async fn mark_conversation_read(number: i64) -> Result<i32, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::conversations::mark_read(&state.db, &actor, number).await)
}

/// What changed since the last event a browser saw (after reconnecting).
#[server(endpoint = "sync_changes", input = Json)]
pub async fn sync_changes(
    since: DateTime<Utc>,
    #[server(default)] after: Option<i64>,
    open_conversation: Option<i64>,
) -> Result<Changes, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(
        domain::conversations::changes_since(&state.db, &actor, since, after, open_conversation)
            .await,
    )
}

#[server(endpoint = "list_notifications")]
pub async fn list_notifications() -> Result<Vec<Notification>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::notifications::list(&state.db, &actor).await)
}

/// Marks the signed-in person's notifications read: `only` one (opened
/// from the bell), or all of them.
#[server(endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read(only: Option<i64>) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(match only {
        Some(id) => domain::notifications::mark_read(&state.db, &actor, id).await,
        None => domain::notifications::mark_all_read(&state.db, &actor).await,
    })
}
