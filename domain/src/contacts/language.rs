//! The language a customer speaks, when their channel tells us.

use anyhow::Context;
use shared::Locale;

use crate::conversations::Locked;
use crate::db::Tx;

/// The language the customer's browser asked for (the widget says it), for
/// what Ponte says to them on its own: out-of-hours replies, surveys.
pub(crate) async fn customer_locale(
    tx: &mut Tx,
    conversation: &Locked,
) -> anyhow::Result<Option<Locale>> {
    let language: Option<String> = sqlx::query_scalar(
        "SELECT context->>'language' FROM contact_identities
          WHERE account_id = $1 AND contact_id = $2 AND channel_id = $3 AND context ? 'language'
          LIMIT 1",
    )
    .bind(conversation.account_id)
    .bind(conversation.contact_id)
    .bind(conversation.channel_id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the customer's language")?
    .flatten();
    Ok(language.and_then(|l| {
        let l = l.to_ascii_lowercase();
        if l.starts_with("pt") {
            Some(Locale::PtBr)
        } else if l.starts_with("en") {
            Some(Locale::En)
        } else {
            None
        }
    }))
}
