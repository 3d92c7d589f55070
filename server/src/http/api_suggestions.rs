//! `/api/v1/conversations/{number}/suggestions`: the replies the offline AI
//! suggests for the customer's latest messages (the composer's chips), for
//! anyone who may see the conversation. Nothing is sent.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use app::server::AppState;
use shared::inbox::ReplySuggestion;

use super::api_v1::{ApiActor, ApiPath, ApiResult};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/conversations/{number}/suggestions",
        get(suggestions),
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
