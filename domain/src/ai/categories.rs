//! The interaction category an agent is likely to choose at wrap-up, from
//! how the account's similar conversations were categorized: their
//! customers wrote messages like this one's (`pg_trgm` similarity), and
//! each such conversation votes for its categories by how similar it is.
//! Offline, a hint beside the wrap-up's checkboxes — never chosen for them —
//! and the way a flow's "AI classify" block routes by category.
//!
//! Only category ids leave here (no text of other conversations), so the
//! whole account's history votes, whoever may see it.

use anyhow::Context;
use shared::categories::CategorySuggestion;
use uuid::Uuid;

use crate::actor::Actor;
use crate::conversations;
use crate::db::{Db, Tx};
use crate::error::Result;

/// Suggestions shown at most.
const SHOWN: usize = 2;
/// A category needs this share of the similar conversations' votes
/// (one in three, rounded down).
const MIN_SHARE: f32 = 0.3;
/// How many similar conversations vote.
const VOTERS: i64 = 50;
/// The customer's messages read (the latest), and how much of each.
const READ_MESSAGES: i64 = 5;
const READ_CHARS: i32 = 500;

/// Up to two active categories for conversation `number`, likeliest first.
pub async fn suggest(db: &Db, actor: &Actor, number: i64) -> Result<Vec<CategorySuggestion>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = conversations::visible_summary(&mut tx, actor, number).await?;
    let asked: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM messages
          WHERE account_id = $1 AND conversation_id = $2 AND kind = 'incoming'
            AND deleted_at IS NULL AND body <> ''
          ORDER BY id DESC LIMIT $3",
    )
    .bind(actor.account_id)
    .bind(conversation.id)
    .bind(READ_MESSAGES)
    .fetch_all(&mut *tx)
    .await
    .context("reading the customer's latest messages")?;
    let mut suggested =
        likeliest_for(&mut tx, actor.account_id, Some(conversation.id), &asked).await?;
    tx.commit().await.context("commit")?;
    suggested.truncate(SHOWN);
    Ok(suggested)
}

/// The active categories of the account's conversations (but `other_than`)
/// whose customers wrote like `asked`, each with enough of the votes,
/// likeliest first. Also how a flow's "AI classify" block routes by
/// category offline.
pub(crate) async fn likeliest_for(
    tx: &mut Tx,
    account_id: Uuid,
    other_than: Option<i64>,
    asked: &[String],
) -> anyhow::Result<Vec<CategorySuggestion>> {
    super::similar::set_threshold(tx).await?;
    // Each category's votes, and (repeated on every row) all the votes of
    // the similar conversations that were categorized.
    let votes: Vec<(i64, String, f32, f32)> = sqlx::query_as(
        "WITH asked AS (
             SELECT search_fold(left(said, $3)) AS text FROM unnest($2::text[]) AS said),
           alike AS (
             SELECT m.conversation_id, max(similarity(search_fold(m.body), asked.text)) AS similarity
               FROM asked JOIN messages m ON search_fold(m.body) % asked.text
              WHERE m.account_id = $1 AND m.kind = 'incoming' AND m.deleted_at IS NULL
                AND m.conversation_id IS DISTINCT FROM $4
                AND EXISTS (SELECT 1 FROM conversation_categories cc
                             WHERE cc.account_id = $1 AND cc.conversation_id = m.conversation_id)
              GROUP BY m.conversation_id
              ORDER BY 2 DESC LIMIT $5)
         SELECT cc.category_id, k.name, sum(s.similarity)::real, (SELECT sum(similarity) FROM alike)::real
           FROM alike s
           JOIN conversation_categories cc ON cc.account_id = $1 AND cc.conversation_id = s.conversation_id
           JOIN categories k ON k.account_id = $1 AND k.id = cc.category_id AND k.active
          GROUP BY cc.category_id, k.name
          ORDER BY 3 DESC, 1",
    )
    .bind(account_id)
    .bind(asked)
    .bind(READ_CHARS)
    .bind(other_than)
    .bind(VOTERS)
    .fetch_all(&mut **tx)
    .await
    .context("counting the similar conversations' categories")?;
    Ok(likeliest(&votes))
}

/// The categories with enough of the votes, most first.
fn likeliest(votes: &[(i64, String, f32, f32)]) -> Vec<CategorySuggestion> {
    votes
        .iter()
        .filter(|(_, _, _, all)| *all > 0.0)
        .map(|(category_id, name, votes, all)| CategorySuggestion {
            category_id: *category_id,
            name: name.clone(),
            share: (votes / all).min(1.0),
        })
        .filter(|s| s.share >= MIN_SHARE)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_need_nearly_a_third_of_the_votes() {
        let vote = |id: i64, votes: f32| (id, format!("#{id}"), votes, 3.0);
        let votes = [vote(7, 1.5), vote(8, 1.0), vote(9, 0.95), vote(10, 0.5)];
        let chosen = likeliest(&votes);
        let ids: Vec<i64> = chosen.iter().map(|s| s.category_id).collect();
        assert_eq!(ids, [7, 8, 9]);
        assert!((chosen[0].share - 0.5).abs() < 1e-6);
        assert_eq!(chosen[0].name, "#7");
        assert_eq!(likeliest(&[vote(7, 0.5)]), vec![]);
        assert_eq!(likeliest(&[]), vec![]);
    }
}
