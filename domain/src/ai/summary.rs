//! "Summarize" on demand: any conversation the agent may see, open or not,
//! summarized as the quality review summarizes a resolution — the
//! customer's request, the answer, the outcome — by the account's default
//! AI provider, or the offline engine when there is none or it fails.

use anyhow::Context;
use shared::ai::AiText;
use shared::prefs::Locale;

use super::providers::{self, Purpose, Reach};
use super::quality::{self, prompts};
use crate::actor::Actor;
use crate::conversations;
use crate::db::Db;
use crate::error::Result;

/// `None` when nobody has said anything worth repeating yet.
pub async fn summarize(
    db: &Db,
    reach: Reach<'_>,
    actor: &Actor,
    number: i64,
    locale: Locale,
) -> Result<Option<AiText>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = conversations::visible_summary(&mut tx, actor, number).await?;
    let transcript = quality::read_transcript(
        &mut tx,
        actor.account_id,
        conversation.id,
        conversation.resolved_at,
    )
    .await?;
    tx.commit().await.context("commit")?;
    let Some(offline) = quality::summarize(&transcript, locale) else {
        return Ok(None);
    };
    let answer = providers::ask(
        db,
        reach,
        actor.account_id,
        Purpose::Summary,
        Some(conversation.id),
        &prompts::summary(&transcript, locale),
    )
    .await?;
    Ok(Some(match answer {
        Some(answer) => AiText {
            text: answer.text,
            provider: Some(answer.provider_name),
        },
        None => AiText {
            text: offline,
            provider: None,
        },
    }))
}
