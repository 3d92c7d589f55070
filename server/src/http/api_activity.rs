//! `/api/v1/account/settings` (the account's idleness rules) and
//! `/api/v1/agents/status` (the live status board), for automation.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use shared::activity::{ActivitySettings, AgentStatusView};

use app::server::AppState;
use domain::activity::SettingsForm;

use super::api_v1::{ApiActor, ApiJson, ApiResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/account/settings", get(settings).patch(update))
        .route("/api/v1/agents/status", get(statuses))
}

async fn settings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<ActivitySettings> {
    Ok(Json(domain::activity::settings(&state.db, &actor).await?))
}

/// Absent fields keep their value.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsPatch {
    idle_timeout_minutes: Option<u32>,
    auto_logout: Option<bool>,
    auto_logout_extra_minutes: Option<u32>,
    server_idle_threshold_minutes: Option<u32>,
}

async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(patch): ApiJson<SettingsPatch>,
) -> ApiResult<ActivitySettings> {
    let form = SettingsForm {
        idle_timeout_minutes: patch.idle_timeout_minutes.map(|v| v.to_string()),
        auto_logout: patch.auto_logout,
        auto_logout_extra_minutes: patch.auto_logout_extra_minutes.map(|v| v.to_string()),
        server_idle_threshold_minutes: patch.server_idle_threshold_minutes.map(|v| v.to_string()),
    };
    Ok(Json(
        domain::activity::update_settings(&state.db, &actor, &form).await?,
    ))
}

async fn statuses(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Vec<AgentStatusView>> {
    Ok(Json(
        domain::activity::agent_statuses(&state.db, &actor).await?,
    ))
}
