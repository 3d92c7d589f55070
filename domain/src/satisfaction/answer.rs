//! What the customer writes while their survey is open: a rating, then a
//! comment — or something else, which is asked about once and then let go.

use anyhow::Context;
use shared::inbox::SurveyState;
use shared::Locale;

use super::{texts, ANSWER_HOURS, COMMENT_MINUTES};
use crate::channels::outbound;
use crate::conversations::Locked;
use crate::db::Tx;
use crate::error::Result;

/// The longest comment kept (the rest is cut).
const COMMENT_CHARS: usize = 2000;
/// A rating is a short answer: "9", "nota 9", "10/10", "dou 8!".
const RATING_WORDS: usize = 3;

/// What became of a customer's message on a conversation with a survey.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The survey took it (a rating, a comment, or a first wrong answer
    /// asked about again): the conversation stays resolved.
    Taken,
    /// Not for the survey: handle it as any customer message.
    NotAnAnswer,
}

pub(super) struct OpenSurvey {
    state: SurveyState,
    asked_again: bool,
    locale: Locale,
}

/// The survey of the conversation's latest resolution while it still takes
/// answers, locked.
pub(super) async fn open_survey(
    tx: &mut Tx,
    conversation: &Locked,
) -> anyhow::Result<Option<OpenSurvey>> {
    let Some(resolved_at) = conversation
        .resolved_at
        .filter(|_| conversation.status == shared::inbox::ConversationStatus::Resolved)
    else {
        return Ok(None);
    };
    let row: Option<(SurveyState, bool, String)> = sqlx::query_as(
        "SELECT state, asked_again, locale FROM satisfaction_surveys
          WHERE account_id = $1 AND conversation_id = $2 AND resolved_at = $3
            AND ((state = 'asked' AND asked_at > now() - make_interval(hours => $4))
              OR (state = 'commenting' AND rated_at > now() - make_interval(mins => $5)))
            FOR UPDATE",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(resolved_at)
    .bind(ANSWER_HOURS as i32)
    .bind(COMMENT_MINUTES as i32)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the open survey")?;
    Ok(row.map(|(state, asked_again, locale)| OpenSurvey {
        state,
        asked_again,
        locale: locale.parse().unwrap_or_default(),
    }))
}

/// Takes the customer's message `text` as their answer to the open survey
/// of `conversation`, when it is one.
pub(crate) async fn take_answer(tx: &mut Tx, conversation: &Locked, text: &str) -> Result<Answer> {
    let Some(survey) = open_survey(tx, conversation).await? else {
        return Ok(Answer::NotAnAnswer);
    };
    let text = text.trim();
    match survey.state {
        SurveyState::Asked => match parse_rating(text) {
            Some(score) => {
                rate(tx, conversation, score).await?;
                let question = texts::comment_question(survey.locale);
                outbound::send_automatic(tx, conversation.account_id, conversation, question)
                    .await?;
                Ok(Answer::Taken)
            }
            None if !survey.asked_again => {
                set_state(tx, conversation, SurveyState::Asked, true).await?;
                let again = texts::ask_again(survey.locale);
                outbound::send_question(tx, conversation, again, &texts::rating_options()).await?;
                Ok(Answer::Taken)
            }
            None => {
                set_state(tx, conversation, SurveyState::Ignored, true).await?;
                Ok(Answer::NotAnAnswer)
            }
        },
        SurveyState::Commenting if !text.is_empty() => {
            comment(tx, conversation, text).await?;
            let thanks = texts::thanks(survey.locale);
            outbound::send_automatic(tx, conversation.account_id, conversation, thanks).await?;
            Ok(Answer::Taken)
        }
        // A file instead of a comment: the survey is over, the file is news.
        _ => {
            set_state(tx, conversation, SurveyState::Answered, survey.asked_again).await?;
            Ok(Answer::NotAnAnswer)
        }
    }
}

async fn rate(tx: &mut Tx, conversation: &Locked, score: u8) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE satisfaction_surveys SET state = 'commenting', score = $4, rated_at = now()
          WHERE account_id = $1 AND conversation_id = $2 AND resolved_at = $3",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(conversation.resolved_at)
    .bind(i16::from(score))
    .execute(&mut **tx)
    .await
    .context("storing the rating")?;
    sqlx::query(
        "UPDATE conversations SET csat = $3, csat_comment = NULL, waiting_since = NULL, updated_at = now()
          WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(i16::from(score))
    .execute(&mut **tx)
    .await
    .context("storing the rating on the conversation")?;
    Ok(())
}

async fn comment(tx: &mut Tx, conversation: &Locked, text: &str) -> anyhow::Result<()> {
    let comment: String = text.chars().take(COMMENT_CHARS).collect();
    sqlx::query(
        "UPDATE satisfaction_surveys SET state = 'answered', comment = $4
          WHERE account_id = $1 AND conversation_id = $2 AND resolved_at = $3",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(conversation.resolved_at)
    .bind(&comment)
    .execute(&mut **tx)
    .await
    .context("storing the comment")?;
    sqlx::query(
        "UPDATE conversations SET csat_comment = $3, waiting_since = NULL, updated_at = now()
          WHERE account_id = $1 AND id = $2",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(&comment)
    .execute(&mut **tx)
    .await
    .context("storing the comment on the conversation")?;
    Ok(())
}

async fn set_state(
    tx: &mut Tx,
    conversation: &Locked,
    state: SurveyState,
    asked_again: bool,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE satisfaction_surveys SET state = $4, asked_again = $5
          WHERE account_id = $1 AND conversation_id = $2 AND resolved_at = $3",
    )
    .bind(conversation.account_id)
    .bind(conversation.id)
    .bind(conversation.resolved_at)
    .bind(state)
    .bind(asked_again)
    .execute(&mut **tx)
    .await
    .context("updating the survey")?;
    if state != SurveyState::Asked {
        // The answer the survey took kept the customer "waiting" on a
        // resolved conversation; it is over now.
        sqlx::query(
            "UPDATE conversations SET waiting_since = NULL WHERE account_id = $1 AND id = $2 AND status = 'resolved'",
        )
        .bind(conversation.account_id)
        .bind(conversation.id)
        .execute(&mut **tx)
        .await
        .context("ending the survey's wait")?;
    }
    Ok(())
}

/// A rating from 0 to 10 in a short answer ("9", "nota 9", "10/10",
/// "dou 8!"); `None` for anything else — a longer message, no number or
/// several, a number out of the scale.
pub fn parse_rating(text: &str) -> Option<u8> {
    let text = text.trim();
    if text.split_whitespace().count() > RATING_WORDS {
        return None;
    }
    // "9/10" rates 9: the scale is not a second number.
    let text = text.replace("/10", " ");
    let mut numbers = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty());
    let number = numbers.next()?;
    if numbers.next().is_some() || number.len() > 2 {
        return None;
    }
    number.parse::<u8>().ok().filter(|n| *n <= 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_read_from_short_answers() {
        for (text, rating) in [
            ("9", Some(9)),
            (" 10 ", Some(10)),
            ("0", Some(0)),
            ("nota 8", Some(8)),
            ("10/10", Some(10)),
            ("dou 7!", Some(7)),
            ("9/10 obrigado", Some(9)),
        ] {
            assert_eq!(parse_rating(text), rating, "{text}");
        }
    }

    #[test]
    fn anything_else_is_not_a_rating() {
        for text in [
            "",
            "obrigado",
            "11",
            "100",
            "1 2",
            "meu pedido 5 ainda não chegou",
            "ligue 11 99999",
            "-",
        ] {
            assert_eq!(parse_rating(text), None, "{text}");
        }
    }
}
