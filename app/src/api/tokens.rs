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

#[server(endpoint = "create_api_token")]
pub async fn create_api_token(name: String) -> Result<NewApiToken, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::api_tokens::create(&state.db, &actor, &name).await)
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(token_id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::api_tokens::revoke(&state.db, &actor, token_id).await)
}
