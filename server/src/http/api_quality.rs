//! `/api/v1/account/quality`: the AI quality score's threshold (a resolution
//! scored under it alerts the managers), read and changed by managers.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use app::server::AppState;

use super::api_v1::{ApiActor, ApiJson, ApiResult};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/account/quality", get(read).put(update))
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct QualitySettings {
    quality_threshold: f32,
}

async fn read(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<QualitySettings> {
    let quality_threshold = domain::ai::quality::settings::threshold(&state.db, &actor).await?;
    Ok(Json(QualitySettings { quality_threshold }))
}

async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<QualitySettings>,
) -> ApiResult<QualitySettings> {
    let typed = body.quality_threshold.to_string();
    let quality_threshold =
        domain::ai::quality::settings::set_threshold(&state.db, &actor, &typed).await?;
    Ok(Json(QualitySettings { quality_threshold }))
}
