//! `/api/v1/account/quality`: the AI quality score's threshold (a resolution
//! scored under it alerts the managers), read and changed by managers, and
//! whether customers get the satisfaction survey (changed by admins).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use app::server::AppState;

use super::api_v1::{ApiActor, ApiJson, ApiResult};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/account/quality", get(read).put(update))
}

#[derive(Serialize)]
struct QualitySettings {
    quality_threshold: f32,
    satisfaction_survey: bool,
}

/// Either setting, or both.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QualityChange {
    quality_threshold: Option<f32>,
    satisfaction_survey: Option<bool>,
}

async fn read(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<QualitySettings> {
    Ok(Json(QualitySettings {
        quality_threshold: domain::ai::quality::settings::threshold(&state.db, &actor).await?,
        satisfaction_survey: domain::satisfaction::survey_enabled(&state.db, &actor).await?,
    }))
}

async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<QualityChange>,
) -> ApiResult<QualitySettings> {
    if let Some(on) = body.satisfaction_survey {
        domain::satisfaction::set_survey(&state.db, &actor, on).await?;
    }
    if let Some(threshold) = body.quality_threshold {
        domain::ai::quality::settings::set_threshold(&state.db, &actor, &threshold.to_string())
            .await?;
    }
    read(State(state), ApiActor(actor)).await
}
