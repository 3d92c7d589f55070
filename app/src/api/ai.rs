//! The account's AI providers (Settings → Productivity, admins): listed,
//! saved from a plain form, tested, removed, and what their calls cost.

// A plain form's fields are a server function's arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use shared::ai::{AiProvider, AiUsage, ProviderCheck};
use shared::AppError;

#[server(endpoint = "ai_providers")]
pub async fn list_ai_providers() -> Result<Vec<AiProvider>, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::ai::providers::list(&app.db, &actor).await)
}

/// Adds (`id` absent) or changes a provider, as the form typed it. A blank
/// key keeps the saved one; `remove_api_key` (a ticked box) removes it.
#[server(endpoint = "save_ai_provider")]
pub async fn save_ai_provider(
    id: Option<i64>,
    name: String,
    base_url: String,
    model: String,
    api_key: String,
    remove_api_key: Option<String>,
    timeout_ms: String,
    max_tokens: String,
    is_default: Option<String>,
) -> Result<AiProvider, AppError> {
    use crate::server::{actor, finish};
    use shared::ai::AiProviderForm;
    use shared::ErrorCode;
    let number = |typed: &str, field: &str| {
        typed
            .trim()
            .parse::<u32>()
            .map_err(|_| AppError::field(field, ErrorCode::NumberInvalid))
    };
    let api_key = match (remove_api_key.is_some(), api_key.trim()) {
        (true, _) => Some(String::new()),
        (false, "") => None,
        (false, typed) => Some(typed.to_string()),
    };
    let form = AiProviderForm {
        name,
        base_url,
        model,
        api_key,
        timeout_ms: number(&timeout_ms, "timeout_ms")?,
        max_tokens: number(&max_tokens, "max_tokens")?,
        is_default: is_default.is_some(),
    };
    let (app, actor) = actor()?;
    finish(domain::ai::providers::save(&app.db, &app.config.vault, &actor, id, &form).await)
}

#[server(endpoint = "remove_ai_provider")]
pub async fn remove_ai_provider(id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::ai::providers::remove(&app.db, &actor, id).await)
}

/// "Test connection".
#[server(endpoint = "test_ai_provider")]
pub async fn test_ai_provider(id: i64) -> Result<ProviderCheck, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    let reach = app.config.ai_reach();
    finish(domain::ai::providers::check(&app.db, reach, &actor, id).await)
}

/// The last 30 days' calls, per provider.
#[server(endpoint = "ai_usage")]
pub async fn list_ai_usage() -> Result<Vec<AiUsage>, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::ai::providers::usage(&app.db, &actor, 30).await)
}
