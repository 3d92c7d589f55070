//! The quality score workflow: every resolution is reviewed once by the AI
//! (the account's default provider, else the offline engine) — a summary,
//! the customer's sentiment, a score 0–10 and its justification
//! ([`verdict`]) — and a score under the account's threshold
//! e-mails the conversation's managers, rings their bell and marks the
//! conversation critical. Driven by the AI's score, not the customer's.
//!
//! A database trigger queues the review in the transaction that resolves
//! (agents, flows, the API alike); the workers here claim due reviews with
//! `SKIP LOCKED`, and the review row, marked done in the same transaction as
//! its effects, is what makes a retried review alert only once.

pub mod prompts;
mod score;
pub mod settings;
mod summary;
mod transcript;
mod verdict;

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::inbox::{Activity, NotificationKind, QualityReview};
use shared::prefs::Locale;
use shared::values::EmailAddress;
use shared::{Permission, Role};
use uuid::Uuid;

pub use score::{score, Score, Signals};
pub use summary::summarize;
pub use transcript::{read as read_transcript, Line, Speaker, Transcript};
use verdict::{judge, read_material, Material};

use crate::actor::Actor;
use crate::ai::providers::Reach;
use crate::conversations::{self, Locked};
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::mail::{self, Outbox, QualityAlert, SystemMail};

/// Reviews claimed together and judged concurrently, so one account's slow
/// provider (two timeouts, up to 2 × 120 s, within the lease) holds up one
/// of them, not everyone's.
const BATCH: i32 = 4;
/// A claimed review not done by then (a crashed worker) is tried again.
const LEASE_SECONDS: i32 = 300;

/// The review of the latest resolution of a conversation the actor sees.
pub async fn review_of(db: &Db, actor: &Actor, number: i64) -> Result<Option<QualityReview>> {
    let conversation = conversations::get(db, actor, number).await?;
    let (Some(score), Some(justification)) = (conversation.ai_score, conversation.ai_justification)
    else {
        return Ok(None);
    };
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    // The threshold the score was held to, not today's.
    let threshold: Option<f32> = sqlx::query_scalar(
        "SELECT threshold FROM quality_reviews
          WHERE account_id = $1 AND conversation_id = $2 AND score IS NOT NULL
          ORDER BY resolved_at DESC LIMIT 1",
    )
    .bind(actor.account_id)
    .bind(conversation.id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading the review")?
    .flatten();
    let threshold = match threshold {
        Some(threshold) => threshold,
        None => {
            settings::threshold_and_locale(&mut tx, actor.account_id)
                .await?
                .0
        }
    };
    tx.commit().await.context("commit")?;
    Ok(Some(QualityReview {
        score,
        threshold,
        justification,
        summary: conversation.ai_summary,
    }))
}

/// Reviews the resolutions waiting for it; returns how many were claimed.
pub async fn review_due(db: &Db, outbox: Outbox<'_>, allow_private_targets: bool) -> Result<usize> {
    let due: Vec<(Uuid, i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT account_id, conversation_id, resolved_at FROM claim_quality_reviews($1, $2)",
    )
    .bind(BATCH)
    .bind(LEASE_SECONDS)
    .fetch_all(db.pool())
    .await
    .context("claiming quality reviews")?;
    let reach = Reach {
        vault: outbox.vault,
        allow_private_targets,
    };
    // A failed review comes back after its lease (five tries in all); the
    // others go on.
    let reviews = due
        .iter()
        .map(|&(account_id, conversation_id, resolved_at)| async move {
            let reviewed = review(db, outbox, reach, account_id, conversation_id, resolved_at);
            if let Err(err) = reviewed.await {
                tracing::warn!(error = ?err, %account_id, conversation_id, "quality review failed");
            }
        });
    futures::future::join_all(reviews).await;
    Ok(due.len())
}

/// Reviews one resolution, unless it was reviewed already or the
/// conversation was reopened since (the next resolution gets its own).
/// The judging happens between two transactions, so that no lock waits on
/// a provider; the second one checks again that the review is still due.
async fn review(
    db: &Db,
    outbox: Outbox<'_>,
    reach: Reach<'_>,
    account_id: Uuid,
    conversation_id: i64,
    resolved_at: DateTime<Utc>,
) -> Result<()> {
    let Some(material) = read_material(db, account_id, conversation_id, resolved_at).await? else {
        return Ok(());
    };
    let verdict = match material {
        Material::Superseded => None,
        Material::Resolution { transcript, locale } => {
            Some(judge(db, reach, account_id, conversation_id, &transcript, locale).await?)
        }
    };
    let mut tx = db.tenant(account_id, None).await?;
    // Someone else holds it: the lease brings the review back later.
    let Some(conversation) =
        conversations::lock_by_id(&mut tx, account_id, conversation_id, true).await?
    else {
        return Ok(());
    };
    let pending: Option<i64> = sqlx::query_scalar(
        "SELECT conversation_id FROM quality_reviews
          WHERE conversation_id = $1 AND resolved_at = $2 AND reviewed_at IS NULL FOR UPDATE",
    )
    .bind(conversation_id)
    .bind(resolved_at)
    .fetch_optional(&mut *tx)
    .await
    .context("locking the review")?;
    if pending.is_none() {
        return Ok(());
    }
    let verdict = match verdict {
        Some(verdict) if conversation.resolved_at == Some(resolved_at) => verdict,
        _ => {
            finish(&mut tx, conversation_id, resolved_at, None).await?;
            tx.commit().await.context("commit")?;
            return Ok(());
        }
    };
    let (threshold, _) = settings::threshold_and_locale(&mut tx, account_id).await?;
    sqlx::query(
        "UPDATE conversations SET ai_score = $3, ai_justification = $4, ai_summary = $5
          WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(conversation_id)
    .bind(verdict.score)
    .bind(&verdict.justification)
    .bind(&verdict.summary)
    .execute(&mut *tx)
    .await
    .context("storing the review")?;
    let below = verdict.score < threshold;
    let outcome = Outcome {
        score: verdict.score,
        threshold,
        sentiment: verdict.sentiment,
        alerted: below,
        provider_id: verdict.provider_id,
    };
    finish(&mut tx, conversation_id, resolved_at, Some(&outcome)).await?;
    if below {
        let review = Review {
            score: verdict.score,
            threshold,
            justification: &verdict.justification,
            summary: verdict.summary.as_deref(),
        };
        alert(&mut tx, outbox, &conversation, &review).await?;
    }
    conversations::touch(&mut tx, account_id, conversation_id).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// What a review concluded, kept with it.
struct Outcome {
    score: f32,
    threshold: f32,
    sentiment: f32,
    alerted: bool,
    provider_id: Option<i64>,
}

/// Marks the review done: with its outcome, or without one (superseded).
async fn finish(
    tx: &mut Tx,
    conversation_id: i64,
    resolved_at: DateTime<Utc>,
    outcome: Option<&Outcome>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE quality_reviews
            SET reviewed_at = now(), score = $3, threshold = $4, sentiment = $5, alerted = $6,
                -- A provider removed while it reviewed is no longer named.
                provider_id = (SELECT p.id FROM ai_providers p
                                WHERE p.account_id = quality_reviews.account_id AND p.id = $7)
          WHERE conversation_id = $1 AND resolved_at = $2",
    )
    .bind(conversation_id)
    .bind(resolved_at)
    .bind(outcome.map(|o| o.score))
    .bind(outcome.map(|o| o.threshold))
    .bind(outcome.map(|o| o.sentiment))
    .bind(outcome.is_some_and(|o| o.alerted))
    .bind(outcome.and_then(|o| o.provider_id))
    .execute(&mut **tx)
    .await
    .context("finishing the review")?;
    Ok(())
}

/// What the alert says.
struct Review<'a> {
    score: f32,
    threshold: f32,
    justification: &'a str,
    summary: Option<&'a str>,
}

/// Marks the conversation critical, rings its managers' bells and e-mails
/// them: the managers are the members who watch the team (admins and
/// supervisors) and may see this conversation.
async fn alert(
    tx: &mut Tx,
    outbox: Outbox<'_>,
    conversation: &Locked,
    review: &Review<'_>,
) -> Result<()> {
    let account_id = conversation.account_id;
    sqlx::query("UPDATE conversations SET critical = true WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(conversation.id)
        .execute(&mut **tx)
        .await
        .context("marking critical")?;
    let line = conversations::add_activity(
        tx,
        conversation,
        &Activity::LowQualityScore {
            score: review.score,
            threshold: review.threshold,
        },
    )
    .await?;
    let contact: String = sqlx::query_scalar("SELECT name FROM contacts WHERE id = $1")
        .bind(conversation.contact_id)
        .fetch_optional(&mut **tx)
        .await
        .context("naming the contact")?
        .unwrap_or_default();
    let link = outbox.link(&format!("/inbox/{}", conversation.number));
    for manager in managers_of(tx, conversation).await? {
        crate::notifications::notify_from_system(
            tx,
            account_id,
            manager.user_id,
            NotificationKind::LowScore,
            conversation.id,
            line,
        )
        .await?;
        let Ok(to) = EmailAddress::parse(&manager.email) else {
            continue;
        };
        let mail = SystemMail::LowQualityScore(QualityAlert {
            name: &manager.name,
            number: conversation.number,
            contact: &contact,
            score: &decimal(review.score, manager.locale),
            threshold: &decimal(review.threshold, manager.locale),
            justification: review.justification,
            summary: review.summary,
            link: &link,
        });
        mail::queue(
            tx,
            outbox.vault,
            Some(account_id),
            &to,
            &mail,
            manager.locale,
        )
        .await?;
    }
    Ok(())
}

/// "4,5" in Portuguese, "4.5" in English.
fn decimal(value: f32, locale: Locale) -> String {
    let text = format!("{value:.1}");
    match locale {
        Locale::PtBr => text.replace('.', ","),
        Locale::En => text,
    }
}

/// A member who watches the team (admins and supervisors) and may see the
/// conversation: who hears of its low scores and its rules' alerts.
pub(crate) struct Manager {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub locale: Locale,
}

pub(crate) async fn managers_of(
    tx: &mut Tx,
    conversation: &Locked,
) -> anyhow::Result<Vec<Manager>> {
    let members: Vec<(Uuid, String, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT u.id, m.role, u.email, u.name, u.locale, a.default_locale
           FROM memberships m JOIN users u ON u.id = m.user_id JOIN accounts a ON a.id = m.account_id
          WHERE m.account_id = $1 AND m.active
          ORDER BY u.name",
    )
    .bind(conversation.account_id)
    .fetch_all(&mut **tx)
    .await
    .context("finding the managers")?;
    let mut managers = Vec::new();
    for (user_id, role, email, name, locale, account_locale) in members {
        let watches_the_team = role
            .parse::<Role>()
            .is_ok_and(|role| role.can(Permission::ViewDashboard));
        if !watches_the_team {
            continue;
        }
        let Some(scope) = crate::access::member_scope(tx, conversation.account_id, user_id).await?
        else {
            continue;
        };
        if scope.sees(
            conversation.assignee_id,
            conversation.department_id,
            conversation.channel_id,
        ) {
            managers.push(Manager {
                user_id,
                email,
                name,
                locale: locale.unwrap_or(account_locale).parse().unwrap_or_default(),
            });
        }
    }
    Ok(managers)
}
