//! `/api/v1/rules`: the account's automation rules ("when / if / then"),
//! for tokens of those who may build flows, with each rule's execution log
//! (`/api/v1/rules/{id}/runs`) and their order (`/api/v1/rules/order`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use app::server::AppState;
use domain::rules;
use shared::rules::{Conditions, Rule, RuleAction, RuleEvent, RuleForm, RuleRun, SavedRule};

use super::api_v1::{ApiActor, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rules", get(list).post(create))
        .route("/api/v1/rules/order", post(reorder))
        .route("/api/v1/rules/{id}", get(show).patch(update).delete(remove))
        .route("/api/v1/rules/{id}/runs", get(runs))
}

async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Vec<Rule>> {
    Ok(Json(rules::list(&state.db, &actor).await?))
}

async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Rule> {
    Ok(Json(rules::get(&state.db, &actor, id).await?))
}

/// 201 with the rule, and its webhooks' signing secret when it calls one
/// (shown this once).
async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(form): ApiJson<RuleForm>,
) -> Result<(StatusCode, Json<SavedRule>), ApiError> {
    let saved = rules::save(&state.db, &state.config.vault, &actor, None, &form).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Any of a rule's fields; the others stay.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulePatch {
    name: Option<String>,
    enabled: Option<bool>,
    event: Option<RuleEvent>,
    after_minutes: Option<u32>,
    keywords: Option<Vec<String>>,
    conditions: Option<Conditions>,
    actions: Option<Vec<RuleAction>>,
}

async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<RulePatch>,
) -> ApiResult<SavedRule> {
    let current = rules::get(&state.db, &actor, id).await?;
    let form = RuleForm {
        name: patch.name.unwrap_or(current.name),
        enabled: patch.enabled.unwrap_or(current.enabled),
        event: patch.event.unwrap_or(current.event),
        after_minutes: patch.after_minutes.or(current.after_minutes),
        keywords: patch.keywords.unwrap_or(current.keywords),
        conditions: patch.conditions.unwrap_or(current.conditions),
        actions: patch.actions.unwrap_or(current.actions),
    };
    let saved = rules::save(&state.db, &state.config.vault, &actor, Some(id), &form).await?;
    Ok(Json(saved))
}

async fn remove(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    rules::remove(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Order {
    ids: Vec<i64>,
}

async fn reorder(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(order): ApiJson<Order>,
) -> ApiResult<Vec<Rule>> {
    Ok(Json(rules::reorder(&state.db, &actor, &order.ids).await?))
}

#[derive(Deserialize)]
struct RunsQuery {
    before: Option<i64>,
}

/// Newest first, 50 a page; `?before=` the last id seen.
async fn runs(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<RunsQuery>,
) -> ApiResult<Vec<RuleRun>> {
    Ok(Json(
        rules::runs(&state.db, &actor, id, query.before).await?,
    ))
}
