//! What a review concludes about a resolution: the resolution read in a
//! transaction of its own, then judged by the account's default provider
//! (with the offline engine's measured signals as facts) or, when there is
//! none, it fails or its answer is not a review, by the offline engine.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::prefs::Locale;
use uuid::Uuid;

use super::transcript::{self, Transcript};
use super::{prompts, score, settings, summarize};
use crate::ai::providers::{self, Purpose, Reach};
use crate::db::Db;
use crate::error::Result;

/// What a due review judges.
pub(super) enum Material {
    /// Reopened (or resolved again) since: nothing to judge.
    Superseded,
    Resolution {
        transcript: Transcript,
        locale: Locale,
    },
}

/// `None` when the review was done meanwhile.
pub(super) async fn read_material(
    db: &Db,
    account_id: Uuid,
    conversation_id: i64,
    resolved_at: DateTime<Utc>,
) -> Result<Option<Material>> {
    let mut tx = db.tenant(account_id, None).await?;
    let current: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
        "SELECT c.resolved_at FROM conversations c
          WHERE c.account_id = $1 AND c.id = $2
            AND EXISTS (SELECT 1 FROM quality_reviews r
                         WHERE r.conversation_id = c.id AND r.resolved_at = $3
                           AND r.reviewed_at IS NULL)",
    )
    .bind(account_id)
    .bind(conversation_id)
    .bind(resolved_at)
    .fetch_optional(&mut *tx)
    .await
    .context("reading the resolution")?;
    let material = match current {
        None => None,
        Some(current) if current != Some(resolved_at) => Some(Material::Superseded),
        Some(_) => {
            let (_, locale) = settings::threshold_and_locale(&mut tx, account_id).await?;
            let transcript =
                transcript::read(&mut tx, account_id, conversation_id, Some(resolved_at)).await?;
            Some(Material::Resolution { transcript, locale })
        }
    };
    tx.commit().await.context("commit")?;
    Ok(material)
}

/// A review's conclusions, by the account's provider or the offline engine.
pub(super) struct Verdict {
    pub(super) score: f32,
    pub(super) justification: String,
    pub(super) summary: Option<String>,
    /// The customer's sentiment, always the offline engine's measure.
    pub(super) sentiment: f32,
    pub(super) provider_id: Option<i64>,
}

/// The offline engine's verdict, or the default provider's when it gives a
/// readable one.
pub(super) async fn judge(
    db: &Db,
    reach: Reach<'_>,
    account_id: Uuid,
    conversation_id: i64,
    transcript: &Transcript,
    locale: Locale,
) -> Result<Verdict> {
    let scored = score(transcript);
    let offline = Verdict {
        score: scored.value,
        justification: scored.justification(locale),
        summary: summarize(transcript, locale),
        sentiment: scored.signals.customer_sentiment,
        provider_id: None,
    };
    if transcript.customer_lines().next().is_none() {
        return Ok(offline);
    }
    let asked = prompts::review(transcript, &scored.signals, locale);
    let answer = providers::ask(
        db,
        reach,
        account_id,
        Purpose::QualityReview,
        Some(conversation_id),
        &asked,
    )
    .await?;
    let Some(answer) = answer else {
        return Ok(offline);
    };
    let Some(read) = prompts::read_review(&answer.text) else {
        tracing::warn!(
            provider = answer.provider_id,
            "the AI provider's review is unreadable; the offline engine's stands"
        );
        return Ok(offline);
    };
    Ok(Verdict {
        score: read.score,
        justification: read.justification,
        summary: read.summary.or(offline.summary),
        sentiment: offline.sentiment,
        provider_id: Some(answer.provider_id),
    })
}
