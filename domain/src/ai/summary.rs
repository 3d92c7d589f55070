//! "Summarize" on demand: any conversation the agent may see, open or not,
//! summarized as the quality review summarizes a resolution — the
//! customer's request, the answer, the outcome — by the offline engine.

use anyhow::Context;
use shared::prefs::Locale;

use super::quality;
use crate::actor::Actor;
use crate::conversations;
use crate::db::Db;
use crate::error::Result;

/// `None` when nobody has said anything worth repeating yet.
pub async fn summarize(
    db: &Db,
    actor: &Actor,
    number: i64,
    locale: Locale,
) -> Result<Option<String>> {
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
    Ok(quality::summarize(&transcript, locale))
}
