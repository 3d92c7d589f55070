//! The language a customer speaks: their browser's, else their connection's.

use anyhow::Context;
use shared::Locale;

use crate::conversations::Locked;
use crate::db::Tx;

/// The language to speak to the customer in, for what Ponte says to them
/// on its own (out-of-hours replies, surveys): their browser's (the widget
/// says it), else their connection's; `None`: the account's.
pub(crate) async fn customer_locale(
    tx: &mut Tx,
    conversation: &Locked,
) -> anyhow::Result<Option<Locale>> {
    let (browser, channel): (Option<String>, Option<Locale>) = sqlx::query_as(
        "SELECT (SELECT context->>'language' FROM contact_identities
                  WHERE account_id = $1 AND contact_id = $2 AND channel_id = $3
                    AND context ? 'language' LIMIT 1),
                (SELECT language FROM channels WHERE account_id = $1 AND id = $3)",
    )
    .bind(conversation.account_id)
    .bind(conversation.contact_id)
    .bind(conversation.channel_id)
    .fetch_one(&mut **tx)
    .await
    .context("reading the customer's language")?;
    Ok(browser.as_deref().and_then(spoken).or(channel))
}

/// `pt-BR`, `pt`, `en-US`…: a language Ponte speaks.
fn spoken(language: &str) -> Option<Locale> {
    let language = language.to_ascii_lowercase();
    if language.starts_with("pt") {
        Some(Locale::PtBr)
    } else if language.starts_with("en") {
        Some(Locale::En)
    } else {
        None
    }
}
