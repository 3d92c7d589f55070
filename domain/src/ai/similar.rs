//! "A similar customer message", as the offline engine's suggestions find
//! it: PostgreSQL `pg_trgm` similarity of the accent-folded texts (the `%`
//! operator, which `messages_search_idx` serves) at one threshold.

use anyhow::Context;

use crate::db::Tx;

/// The similarity (0–1) two customer messages need to count as the same
/// question.
pub(crate) const MIN_SIMILARITY: f32 = 0.3;

/// Holds this transaction's `%` to [`MIN_SIMILARITY`].
pub(crate) async fn set_threshold(tx: &mut Tx) -> anyhow::Result<()> {
    sqlx::query("SELECT set_config('pg_trgm.similarity_threshold', $1, true)")
        .bind(MIN_SIMILARITY.to_string())
        .execute(&mut **tx)
        .await
        .context("setting the similarity threshold")?;
    Ok(())
}
