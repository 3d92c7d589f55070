//! Interaction categories: the account's tree (Settings → Categories) and
//! the wrap-up that resolves a conversation with its categories.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::categories::{Category, CategorySetup};
use shared::inbox::ConversationSummary;
use shared::AppError;

#[server(endpoint = "category_setup")]
pub async fn get_category_setup() -> Result<CategorySetup, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::categories::setup(&state.db, &actor).await)
}

/// Creates a category (no `id`) or edits one.
#[server(endpoint = "save_category")]
pub async fn save_category(
    #[server(default)] id: Option<i64>,
    name: String,
    #[server(default)] description: String,
    #[server(default)] parent_id: String,
    #[server(default)] inactive: Option<String>,
) -> Result<Category, AppError> {
    use crate::server::{actor, fail, finish};
    use domain::categories::CategoryForm;
    let (state, actor) = actor()?;
    let parent_id = match parent_id.trim() {
        "" => None,
        text => Some(text.parse::<i64>().map_err(|_| {
            fail(AppError::field(
                "parent_id",
                shared::ErrorCode::OptionInvalid,
            ))
        })?),
    };
    let form = CategoryForm {
        name,
        description,
        parent_id,
    };
    finish(match id {
        Some(id) => {
            domain::categories::update(&state.db, &actor, id, &form, inactive.is_none()).await
        }
        None => domain::categories::create(&state.db, &actor, &form).await,
    })
}

#[server(endpoint = "set_category_requirement", input = Json)]
pub async fn set_category_requirement(
    required: bool,
    channel_kinds: Vec<String>,
) -> Result<CategorySetup, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::categories::set_requirement(&state.db, &actor, required, &channel_kinds).await)
}

/// Resolves a conversation with the categories the agent picked, and
/// without the satisfaction survey when they chose so (and may).
#[server(endpoint = "wrap_up_conversation", input = Json)]
pub async fn wrap_up_conversation(
    number: i64,
    category_ids: Vec<i64>,
    without_survey: bool,
) -> Result<ConversationSummary, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(
        domain::conversations::wrap_up(&state.db, &actor, number, &category_ids, without_survey)
            .await,
    )
}
