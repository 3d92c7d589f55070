//! What the offline AI suggests for a conversation, for anyone who may see
//! it: `/api/v1/conversations/{number}/suggestions`, replies for the
//! customer's latest messages (the composer's chips; nothing is sent), and
//! `…/category-suggestions`, the categories expected at wrap-up.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use app::server::AppState;
use shared::categories::CategorySuggestion;
use shared::inbox::ReplySuggestion;

use super::api_v1::{ApiActor, ApiPath, ApiResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/conversations/{number}/suggestions",
            get(suggestions),
        )
        .route(
            "/api/v1/conversations/{number}/category-suggestions",
            get(category_suggestions),
        )
}

#[derive(Serialize)]
struct Suggestions {
    suggestions: Vec<ReplySuggestion>,
}

async fn suggestions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(number): ApiPath<i64>,
) -> ApiResult<Suggestions> {
    Ok(Json(Suggestions {
        suggestions: domain::ai::replies::suggest(&state.db, &actor, number).await?,
    }))
}

#[derive(Serialize)]
struct CategorySuggestions {
    categories: Vec<CategorySuggestion>,
}

async fn category_suggestions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(number): ApiPath<i64>,
) -> ApiResult<CategorySuggestions> {
    Ok(Json(CategorySuggestions {
        categories: domain::ai::categories::suggest(&state.db, &actor, number).await?,
    }))
}
