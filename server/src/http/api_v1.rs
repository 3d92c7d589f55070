//! REST API v1 (`/api/v1/*`), authenticated with `Authorization: Bearer`.
//! Errors are JSON: `{"error": "<code>", "message": "…", "fields": [...]}`.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde::{Deserialize, Serialize};

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

/// JSON bodies whose problems come back as 422 with a field list.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(invalid(&rejection.body_text())),
        }
    }
}

/// A 422 naming the field serde complained about: the path to a bad value
/// ("distribution", "holidays[0]"), else the field it names (a missing or
/// unknown one), else "body".
fn invalid(message: &str) -> ApiError {
    let detail = ["target type: ", "query string: "]
        .iter()
        .find_map(|prefix| message.split_once(prefix).map(|(_, detail)| detail))
        .unwrap_or(message);
    let is_name = |name: &&str| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let path = detail
        .split_once(": ")
        .map(|(path, _)| path)
        .filter(|path| {
            !path.is_empty()
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
        });
    let field = path
        .or_else(|| detail.split('`').nth(1).filter(is_name))
        .unwrap_or("body");
    ApiError(AppError::field(field, shared::ErrorCode::InvalidValue))
}

/// Path parameters: a malformed id means no such object (404 JSON).
pub struct ApiPath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|_| ApiError(AppError::NotFound))
    }
}

/// Query strings, with the same 422 treatment as bodies.
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(invalid(&rejection.body_text())),
        }
    }
}

#[derive(Deserialize)]
struct ConversationsQuery {
    status: Option<shared::inbox::ConversationStatus>,
    assignee_id: Option<uuid::Uuid>,
    cursor: Option<String>,
    limit: Option<u32>,
}

async fn list_conversations(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<ConversationsQuery>,
) -> ApiResult<shared::inbox::ConversationPage> {
    let filter = shared::inbox::InboxFilter {
        status: query.status,
        all_statuses: query.status.is_none(),
        assignee_id: query.assignee_id,
        cursor: query.cursor,
        limit: query.limit,
        ..Default::default()
    };
    Ok(Json(
        domain::conversations::list(&state.db, &actor, &filter).await?,
    ))
}

async fn get_conversation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(number): ApiPath<i64>,
) -> ApiResult<shared::inbox::ConversationSummary> {
    Ok(Json(
        domain::conversations::get(&state.db, &actor, number).await?,
    ))
}

#[derive(Deserialize)]
struct MessagesQuery {
    cursor: Option<i64>,
}

async fn list_messages(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(number): ApiPath<i64>,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> ApiResult<shared::inbox::MessagePage> {
    Ok(Json(
        domain::messages::list(&state.db, &actor, number, query.cursor).await?,
    ))
}

#[derive(Deserialize)]
struct NewMessage {
    #[serde(default)]
    content: String,
    #[serde(default)]
    private: bool,
    /// A WhatsApp template instead of `content`.
    #[serde(default)]
    template: Option<TemplateRef>,
    /// The id of the conversation's message this one answers (quoted).
    #[serde(default)]
    reply_to: Option<i64>,
}

#[derive(Deserialize)]
struct TemplateRef {
    id: i64,
    #[serde(default)]
    variables: Vec<String>,
}

async fn post_message(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(number): ApiPath<i64>,
    ApiJson(body): ApiJson<NewMessage>,
) -> Result<(StatusCode, Json<shared::inbox::MessageView>), ApiError> {
    if body.template.is_none() && body.content.trim().is_empty() {
        return Err(ApiError(AppError::field(
            "content",
            shared::ErrorCode::Required,
        )));
    }
    let reply = domain::messages::Reply {
        body: body.content,
        note: body.private,
        template: body
            .template
            .map(|t| domain::channels::templates::TemplateChoice {
                template_id: t.id,
                values: t.variables,
            }),
        reply_to: body.reply_to,
        ..Default::default()
    };
    let message = domain::messages::send(&state.db, &actor, number, &reply).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversationPatch {
    status: Option<shared::inbox::ConversationStatus>,
    priority: Option<shared::inbox::Priority>,
    /// An e-mail assigns; `null` unassigns; absent leaves it alone.
    #[serde(default, deserialize_with = "explicit_null")]
    assignee_email: Option<Option<String>>,
    /// Resolving, don't send the customer the satisfaction survey (needs
    /// the permission to).
    #[serde(default)]
    without_survey: bool,
}

/// Tells "absent" (outer None) from "null" (Some(None)).
pub(super) fn explicit_null<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::<T>::deserialize(d)?))
}

async fn patch_conversation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(number): ApiPath<i64>,
    ApiJson(patch): ApiJson<ConversationPatch>,
) -> ApiResult<shared::inbox::ConversationSummary> {
    let db = &state.db;
    let assignee = match patch.assignee_email {
        Some(Some(email)) => Some(Some(
            domain::people::member_id_by_email(db, &actor, &email)
                .await?
                .ok_or(ApiError(AppError::field(
                    "assignee_email",
                    shared::ErrorCode::OptionInvalid,
                )))?,
        )),
        Some(None) => Some(None),
        None => None,
    };
    let change = domain::conversations::ConversationUpdate {
        status: patch.status,
        priority: patch.priority,
        assignee,
        without_survey: patch.without_survey,
    };
    // One transaction: all of it happens, or none of it.
    Ok(Json(
        domain::conversations::update(db, &actor, number, &change).await?,
    ))
}

#[derive(Deserialize)]
struct ContactsQuery {
    #[serde(default)]
    q: String,
    limit: Option<u32>,
}

async fn list_contacts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<ContactsQuery>,
) -> ApiResult<Vec<shared::inbox::ContactView>> {
    Ok(Json(
        domain::contacts::search(&state.db, &actor, &query.q, query.limit).await?,
    ))
}

async fn get_contact(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<shared::inbox::ContactView> {
    Ok(Json(domain::contacts::get(&state.db, &actor, id).await?))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/conversations", get(list_conversations))
        .route(
            "/api/v1/conversations/{number}",
            get(get_conversation).patch(patch_conversation),
        )
        .route(
            "/api/v1/conversations/{number}/messages",
            get(list_messages).post(post_message),
        )
        .route("/api/v1/contacts", get(list_contacts))
        .route("/api/v1/contacts/{id}", get(get_contact))
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
}
