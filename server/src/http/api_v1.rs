//! REST API v1 (`/api/v1/*`), authenticated with `Authorization: Bearer`.
//! Errors are JSON: `{"error": "<code>", "message": "…", "fields": [...]}`.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde::Serialize;
use serde_json::json;
use shared::AppError;

use app::server::{AppState, ClientIp};
use domain::Actor;

/// A REST API error, rendered as JSON with the matching status.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<domain::Error> for ApiError {
    fn from(err: domain::Error) -> Self {
        Self(err.into())
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        Self(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = match &self.0 {
            AppError::Unauthorized => "missing, invalid or revoked API token".to_string(),
            AppError::NotFound => "not found".to_string(),
            other => other.to_string(),
        };
        let fields = match &self.0 {
            AppError::Validation { fields } => json!(fields),
            _ => json!([]),
        };
        (
            status,
            Json(json!({ "error": self.0.code(), "message": message, "fields": fields })),
        )
            .into_response()
    }
}

pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// The actor behind a valid bearer token.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or(ApiError(AppError::Unauthorized))?;
        let ip = parts
            .extensions
            .get::<ClientIp>()
            .and_then(|ip| ip.0.clone());
        let actor = domain::api_tokens::authenticate(&state.db, token, ip)
            .await?
            .ok_or(ApiError(AppError::Unauthorized))?;
        Ok(Self(actor))
    }
}

#[derive(Serialize)]
struct MeResponse {
    user: serde_json::Value,
    account: serde_json::Value,
}

async fn me(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<MeResponse> {
    let account = domain::accounts::settings(&state.db, &actor).await?;
    Ok(Json(MeResponse {
        user: json!({ "id": actor.user_id, "name": actor.name, "email": actor.email, "role": actor.role }),
        account: json!({
            "id": actor.account_id,
            "name": account.name,
            "slug": account.slug,
            "timezone": account.timezone,
        }),
    }))
}

async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
}
