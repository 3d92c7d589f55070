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
