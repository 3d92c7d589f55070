//! The satisfaction survey (CSAT): when a conversation is resolved, the
//! customer is asked on their channel for a rating from 0 to 10 (buttons on
//! the widget, Messenger and Instagram; a question to answer with a number
//! elsewhere), then for an optional comment. The answers stay with the
//! resolved conversation — they do not reopen it — and reports count them.
//!
//! An answer that is not a rating is asked about once more; a second one
//! means the customer moved on: the survey is dropped and the message
//! handled as any other (it reopens the conversation). A rating later than
//! [`ANSWER_HOURS`] is an ordinary message too.

mod answer;
mod settings;
mod texts;

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::SurveyState;
use uuid::Uuid;

pub use answer::parse_rating;
pub(crate) use answer::{take_answer, Answer};
pub use settings::{set_survey, survey_enabled};

use crate::channels::outbound;
use crate::conversations::Locked;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::Actor;

/// How long a customer has to rate after the question.
pub const ANSWER_HOURS: i64 = 24;
/// How long after the rating a message is taken for its comment.
pub const COMMENT_MINUTES: i64 = 30;

/// After `conversation` was resolved: the account's survey goes to the
/// customer, unless the agent chose (and may choose) to resolve without it.
/// A channel that refuses it now (Meta's closed 24-hour window) leaves it
/// unsent; the resolution stands either way.
pub(crate) async fn ask(tx: &mut Tx, conversation: &Locked, without_survey: bool) -> Result<()> {
    if without_survey || !settings::enabled(tx, conversation.account_id).await? {
        return Ok(());
    }
    let Some((resolved_at, agent_id)) = resolution_of(tx, conversation).await? else {
        return Ok(());
    };
    let locale = match crate::contacts::customer_locale(tx, conversation).await? {
        Some(locale) => locale,
        None => settings::account_locale(tx, conversation.account_id).await?,
    };
    let question = texts::question(locale);
    let sent = outbound::send_question(tx, conversation, question, &texts::rating_options()).await;
    let (state, question_id) = match sent {
        Ok(message_id) => (SurveyState::Asked, Some(message_id)),
        Err(Error::Conflict(_) | Error::Validation(_)) => (SurveyState::Unsent, None),
        Err(other) => return Err(other),
    };
    sqlx::query(
        "INSERT INTO satisfaction_surveys (account_id, conversation_id, resolved_at, state, locale, agent_id, question_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(resolved_at)
    .bind(state)
    .bind(locale.as_str())
    .bind(agent_id)
    .bind(question_id)
    .execute(&mut **tx)
    .await
    .context("recording the survey")?;
    Ok(())
}

/// When the conversation was resolved (as stored, to the microsecond) and
/// by whose hands, when it is resolved.
async fn resolution_of(
    tx: &mut Tx,
    conversation: &Locked,
) -> anyhow::Result<Option<(DateTime<Utc>, Option<Uuid>)>> {
    let row: Option<(Option<DateTime<Utc>>, Option<Uuid>)> = sqlx::query_as(
        "SELECT resolved_at, assignee_id FROM conversations
          WHERE account_id = $1 AND id = $2 AND status = 'resolved'",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the resolution")?;
    Ok(row.and_then(|(at, agent)| at.map(|at| (at, agent))))
}

/// Whether the customer's next message on this closed conversation is an
/// answer to its survey (so it must not reopen it).
pub(crate) async fn awaits_answer(tx: &mut Tx, conversation: &Locked) -> anyhow::Result<bool> {
    Ok(answer::open_survey(tx, conversation).await?.is_some())
}

/// The customer's rating (and comment) of the conversation's latest
/// rated resolution, for the people who may see the conversation.
pub async fn of_conversation(
    db: &Db,
    actor: &Actor,
    number: i64,
) -> Result<Option<shared::inbox::CustomerRating>> {
    let conversation = crate::conversations::get(db, actor, number).await?;
    Ok(conversation
        .csat
        .map(|score| shared::inbox::CustomerRating {
            score,
            comment: conversation.csat_comment,
        }))
}
