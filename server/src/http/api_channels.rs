//! `/api/v1/channels`: every connection of the account, created, changed
//! and removed by admins' tokens. Secrets are never echoed; each provider
//! connection says where its webhooks go.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use shared::access::ChannelAccessSettings;
use shared::inbox::{ChannelKind, ChannelView};
use shared::{AppError, ErrorCode, Locale};

use app::server::AppState;
use domain::channels::connections::{self, ConnectionChanges, NewConnection};
use domain::channels::{RoutingChange, WebsiteForm};
use domain::Actor;
use shared::connections::ConnectionView;

use super::api_v1::{ApiActor, ApiError, ApiJson, ApiPath};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/channels", get(list).post(create))
        .route(
            "/api/v1/channels/{id}",
            patch(update).delete(remove).get(show),
        )
        .route("/api/v1/channels/{id}/replay", axum::routing::post(replay))
        .route("/api/v1/channels/{id}/parked-events", get(parked_events))
        .route(
            "/api/v1/channels/{id}/access",
            get(show_access).put(replace_access),
        )
}

fn website_json(channel: &ChannelView) -> Value {
    json!({
        "id": channel.id,
        "type": channel.kind,
        "name": channel.name,
        "active": channel.active,
        "widget_token": channel.public_token,
        "default_department_id": channel.default_department_id,
        "language": channel.language,
        "config": {
            "allowed_origins": channel.website.allowed_origins,
            "greeting": channel.website.greeting,
            "color": channel.website.color,
            "prechat_form": channel.website.prechat_form,
        },
    })
}

fn connection_json(state: &AppState, connection: &ConnectionView) -> Value {
    let mut value = json!(connection);
    value["webhook_url"] = json!(format!(
        "{}{}",
        state.config.public_url, connection.webhook_path
    ));
    value
}

async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let websites = websites(&state, &actor).await?;
    let providers = connections::list(&state.db, &state.config.vault, &actor).await?;
    let mut all: Vec<Value> = websites.iter().map(website_json).collect();
    all.extend(providers.iter().map(|c| connection_json(&state, c)));
    Ok(Json(Value::Array(all)))
}

/// The website channels the actor configures: every one for admins, else
/// those they hold `manage` on (none at all: `403`).
async fn websites(state: &AppState, actor: &Actor) -> Result<Vec<ChannelView>, ApiError> {
    let everything = actor.can(shared::Permission::ManageChannels);
    let managed = domain::access::managed_channels(&state.db, actor).await?;
    if !everything && managed.is_empty() {
        return Err(ApiError(AppError::Forbidden));
    }
    Ok(domain::channels::list(&state.db, actor)
        .await?
        .into_iter()
        .filter(|c| c.kind == ChannelKind::Website)
        .filter(|c| everything || managed.contains(&c.id))
        .collect())
}

async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    if let Some(website) = websites(&state, &actor).await?.iter().find(|c| c.id == id) {
        return Ok(Json(website_json(website)));
    }
    let connection = connections::get(&state.db, &state.config.vault, &actor, id).await?;
    Ok(Json(connection_json(&state, &connection)))
}

#[derive(Deserialize)]
struct NewChannel {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    config: Value,
}

async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewChannel>,
) -> Result<impl IntoResponse, ApiError> {
    let kind: ChannelKind = input
        .kind
        .parse()
        .map_err(|code| ApiError(AppError::field("type", code)))?;
    let created = match kind {
        ChannelKind::Website => {
            let form = website_form(&input.name, &input.config, None)?;
            website_json(&domain::channels::create_website(&state.db, &actor, &form).await?)
        }
        _ => {
            let new = NewConnection {
                kind,
                name: input.name,
                config: input.config,
            };
            let view = connections::create(&state.db, &state.config.vault, &actor, &new).await?;
            let mut shown = connection_json(&state, &view);
            // The API channel's generated secrets, this once, at the top.
            if let (Some(issued), Some(object)) = (&view.issued, shown.as_object_mut()) {
                object.remove("issued");
                if let Some(issued) = issued.as_object() {
                    object.extend(issued.clone());
                }
            }
            shown
        }
    };
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize)]
struct ChannelPatch {
    name: Option<String>,
    active: Option<bool>,
    config: Option<Value>,
    /// A department id; `null` for none; absent leaves it alone.
    #[serde(default, deserialize_with = "super::api_v1::explicit_null")]
    default_department_id: Option<Option<i64>>,
    /// `pt-BR` or `en`; `null` for the account's; absent leaves it alone.
    #[serde(default, deserialize_with = "super::api_v1::explicit_null")]
    language: Option<Option<Locale>>,
}

async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<ChannelPatch>,
) -> Result<Json<Value>, ApiError> {
    if patch.default_department_id.is_some() || patch.language.is_some() {
        let change = RoutingChange {
            default_department_id: patch.default_department_id,
            language: patch.language,
        };
        domain::channels::set_routing(&state.db, &actor, id, &change).await?;
        if patch.name.is_none() && patch.active.is_none() && patch.config.is_none() {
            return show(State(state), ApiActor(actor), ApiPath(id)).await;
        }
    }
    if let Some(website) = websites(&state, &actor)
        .await?
        .into_iter()
        .find(|c| c.id == id)
    {
        let name = patch.name.clone().unwrap_or_else(|| website.name.clone());
        let config = patch.config.clone().unwrap_or(Value::Null);
        let form = website_form(&name, &config, Some(&website))?;
        let active = patch.active.unwrap_or(website.active);
        let updated =
            domain::channels::update_website(&state.db, &actor, id, &form, active).await?;
        return Ok(Json(website_json(&updated)));
    }
    let changes = ConnectionChanges {
        name: patch.name,
        active: patch.active,
        config: patch.config,
    };
    let view = connections::update(&state.db, &state.config.vault, &actor, id, &changes).await?;
    Ok(Json(connection_json(&state, &view)))
}

async fn remove(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    if let Some(website) = websites(&state, &actor)
        .await?
        .into_iter()
        .find(|c| c.id == id)
    {
        let form = website_form(&website.name, &Value::Null, Some(&website))?;
        domain::channels::update_website(&state.db, &actor, id, &form, false).await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    connections::remove(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The connection's parked webhook events, newest first: what the
/// provider sent and why it failed.
async fn parked_events(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<shared::connections::ParkedEvent>>, ApiError> {
    let parked = domain::channels::webhooks::parked(&state.db, &actor, id).await?;
    Ok(Json(parked))
}

/// Puts the connection's parked webhook events back in the queue.
async fn replay(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let replayed = domain::channels::webhooks::replay_parked(&state.db, &actor, id).await?;
    Ok(Json(json!({ "replayed": replayed })))
}

/// The website config as the API sends it (origins as a list or one
/// string), over the channel's current values.
fn website_form(
    name: &str,
    config: &Value,
    current: Option<&ChannelView>,
) -> Result<WebsiteForm, ApiError> {
    let text = |key: &str, fallback: String| -> Result<String, ApiError> {
        match config.get(key) {
            None | Some(Value::Null) => Ok(fallback),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(ApiError(AppError::field(key, ErrorCode::InvalidValue))),
        }
    };
    let settings = current.map(|c| c.website.clone()).unwrap_or_default();
    let allowed_origins = match config.get("allowed_origins") {
        None | Some(Value::Null) => settings.allowed_origins.join("\n"),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or(ApiError(AppError::field(
                "allowed_origins",
                ErrorCode::OriginInvalid,
            )))?
            .join("\n"),
        Some(_) => {
            return Err(ApiError(AppError::field(
                "allowed_origins",
                ErrorCode::OriginInvalid,
            )))
        }
    };
    let prechat_form = match config.get("prechat_form") {
        None | Some(Value::Null) => settings.prechat_form,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError(AppError::field(
                "prechat_form",
                ErrorCode::InvalidValue,
            )))
        }
    };
    Ok(WebsiteForm {
        name: name.to_string(),
        allowed_origins,
        greeting: text("greeting", settings.greeting)?,
        color: text("color", settings.color)?,
        prechat_form,
        default_department_id: current.and_then(|c| c.default_department_id),
        language: current.and_then(|c| c.language),
    })
}

/// Whether the connection is restricted, and its grants.
async fn show_access(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ChannelAccessSettings>, ApiError> {
    Ok(Json(
        domain::access::channel_access(&state.db, &actor, id).await?,
    ))
}

/// Replaces the connection's restriction and grants.
async fn replace_access(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(access): ApiJson<ChannelAccessSettings>,
) -> Result<Json<ChannelAccessSettings>, ApiError> {
    Ok(Json(
        domain::access::save_channel_access(&state.db, &actor, id, &access).await?,
    ))
}
