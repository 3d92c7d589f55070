//! Personal API tokens.

use leptos::prelude::*;
use shared::accounts::{ApiTokenInfo, NewApiToken};
use shared::AppError;

#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenInfo>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::api_tokens::list_mine(&state.db, &actor).await)
}

/// `expires_in_days`: empty for "until revoked".
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    #[server(default)] expires_in_days: String,
) -> Result<NewApiToken, AppError> {
    use crate::server::{actor, fail, finish};
    let (state, actor) = actor()?;
    let days = match expires_in_days.trim() {
        "" => None,
        days => Some(days.parse::<u32>().map_err(|_| {
            fail(AppError::field(
                "expires_in_days",
                shared::ErrorCode::NumberInvalid,
            ))
        })?),
    };
    finish(domain::api_tokens::create(&state.db, &actor, &name, days).await)
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(token_id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::api_tokens::revoke(&state.db, &actor, token_id).await)
}

/// The REST API's reference (`docs/API.md`, the same file the repository
/// ships) as HTML, for anyone signed in.
#[server(endpoint = "api_docs")]
pub async fn api_docs() -> Result<String, AppError> {
    use crate::server::actor;
    static HTML: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    actor()?;
    Ok(HTML
        .get_or_init(|| {
            let markdown = include_str!("../../../docs/API.md");
            let parser =
                pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, parser);
            // Code blocks and tables scroll sideways on phones: keyboard
            // users need to reach them too.
            html.replace("<pre>", "<pre tabindex=\"0\">")
                .replace("<table>", "<table tabindex=\"0\">")
        })
        .clone())
}
