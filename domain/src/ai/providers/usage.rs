//! What the account's AI calls cost: each call recorded without its
//! content, summed per provider for the settings page and the API.

use anyhow::Context;
use shared::ai::AiUsage;
use shared::Permission;
use uuid::Uuid;

use super::chat::Exchange;
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::Result;

/// Why the AI was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Test,
    Summary,
    QualityReview,
    /// An AI agent answering a customer (a flow's AI reply, "try it").
    AgentReply,
    /// An AI agent sorting a customer's message (a flow's AI classify).
    Classify,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Test => "test",
            Purpose::Summary => "summary",
            Purpose::QualityReview => "quality_review",
            Purpose::AgentReply => "agent_reply",
            Purpose::Classify => "classify",
        }
    }
}

/// Records one call: how it went, never what was said.
pub(super) async fn record(
    tx: &mut Tx,
    account_id: Uuid,
    provider_id: i64,
    purpose: Purpose,
    conversation_id: Option<i64>,
    exchange: &Exchange,
) -> anyhow::Result<()> {
    let (prompt_tokens, completion_tokens) = match &exchange.result {
        Ok(completion) => (completion.prompt_tokens, completion.completion_tokens),
        Err(_) => (None, None),
    };
    sqlx::query(
        "INSERT INTO ai_calls (account_id, provider_id, purpose, conversation_id, ok, attempts,
                               prompt_tokens, completion_tokens, latency_ms, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(account_id)
    .bind(provider_id)
    .bind(purpose.as_str())
    .bind(conversation_id)
    .bind(exchange.result.is_ok())
    .bind(i16::from(exchange.attempts))
    .bind(prompt_tokens)
    .bind(completion_tokens)
    .bind(i32::try_from(exchange.latency.as_millis()).unwrap_or(i32::MAX))
    .bind(exchange.result.as_ref().err())
    .execute(&mut **tx)
    .await
    .context("recording the AI call")?;
    Ok(())
}

/// Each provider's calls over the last `days` days, the busiest first.
pub async fn usage(db: &Db, actor: &Actor, days: u16) -> Result<Vec<AiUsage>> {
    actor.require(Permission::ManageAccountSettings)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<UsageRow> = sqlx::query_as(
        "SELECT c.provider_id, p.name AS provider_name, count(*) AS calls,
                count(*) FILTER (WHERE NOT c.ok) AS failures,
                COALESCE(sum(c.prompt_tokens), 0)::bigint AS prompt_tokens,
                COALESCE(sum(c.completion_tokens), 0)::bigint AS completion_tokens,
                COALESCE(avg(c.latency_ms), 0)::bigint AS average_latency_ms
           FROM ai_calls c LEFT JOIN ai_providers p ON p.id = c.provider_id
          WHERE c.account_id = $1 AND c.called_at > now() - make_interval(days => $2)
          GROUP BY c.provider_id, p.name
          ORDER BY count(*) DESC, p.name",
    )
    .bind(actor.account_id)
    .bind(i32::from(days))
    .fetch_all(&mut *tx)
    .await
    .context("summing AI calls")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(AiUsage::from).collect())
}

#[derive(sqlx::FromRow)]
struct UsageRow {
    provider_id: Option<i64>,
    provider_name: Option<String>,
    calls: i64,
    failures: i64,
    prompt_tokens: i64,
    completion_tokens: i64,
    average_latency_ms: i64,
}

impl From<UsageRow> for AiUsage {
    fn from(row: UsageRow) -> Self {
        AiUsage {
            provider_id: row.provider_id,
            provider_name: row.provider_name,
            calls: row.calls,
            failures: row.failures,
            prompt_tokens: row.prompt_tokens,
            completion_tokens: row.completion_tokens,
            average_latency_ms: row.average_latency_ms,
        }
    }
}
