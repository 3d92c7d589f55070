//! Reports for automation and downloads: `GET /api/v1/reports/{kind}` with a
//! bearer token, and `GET /reports/{kind}/export` with the agent's session
//! (the page's CSV and PDF buttons). Both take the same query — `from`,
//! `to` (YYYY-MM-DD, account time zone), `preset`, `agents`, `departments`,
//! `channels`, `categories` (comma-separated or repeated), `format`
//! (`json`, `csv`, `pdf`) and `lang` (the PDF's language) — and return the
//! same figures as the screen. `GET /api/v1/dashboard?preset=` gives the
//! dashboard's KPIs and chart data; `/api/v1/report-schedules` lists,
//! creates and removes reports e-mailed on a schedule.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use http::{header, HeaderValue, StatusCode};
use shared::reports::{
    DatePreset, ExportFormat, FileFormat, ReportFilter, ReportKind, ReportSchedule, ScheduleForm,
};
use shared::{AppError, ErrorCode, Locale};
use std::str::FromStr;
use std::sync::Arc;

use app::server::{AppState, CurrentSession};
use domain::reports::ExportFile;
use domain::Actor;

use super::api_v1::{ApiActor, ApiError, ApiJson, ApiPath};
use super::limits::{too_many, Limits};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports/{kind}", get(by_token))
        .route("/reports/{kind}/export", get(by_session))
        .route("/api/v1/dashboard", get(dashboard))
        .route(
            "/api/v1/report-schedules",
            get(list_schedules).post(create_schedule),
        )
        .route("/api/v1/report-schedules/{id}", delete(remove_schedule))
}

/// The schedules the token's owner manages (admins: the account's).
async fn list_schedules(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<ReportSchedule>>, ApiError> {
    Ok(Json(
        domain::reports::schedules::list(&state.db, &actor).await?,
    ))
}

/// `{"report", "frequency", "format", "recipients", "agents"?,
/// "departments"?, "locale"?}`; recipients as a comma-separated string.
async fn create_schedule(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(form): ApiJson<ScheduleForm>,
) -> Result<(StatusCode, Json<ReportSchedule>), ApiError> {
    let schedule = domain::reports::schedules::create(&state.db, &actor, &form).await?;
    Ok((StatusCode::CREATED, Json(schedule)))
}

async fn remove_schedule(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    domain::reports::schedules::remove(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The dashboard's KPIs and chart data for `?preset=` (default today).
async fn dashboard(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    ApiActor(actor): ApiActor,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    if let Err(wait) = limits.reports_per_user.check(&actor.user_id.to_string()) {
        return Ok(too_many(wait));
    }
    let mut preset = DatePreset::Today;
    for (key, value) in &query {
        match key.as_str() {
            "preset" => {
                preset = value
                    .parse()
                    .ok()
                    .filter(|p| *p != DatePreset::Custom)
                    .ok_or_else(|| AppError::field("preset", ErrorCode::InvalidValue))?
            }
            _ => return Err(AppError::field(key, ErrorCode::OptionInvalid).into()),
        }
    }
    Ok(Json(domain::dashboard::figures(&state.db, &actor, preset).await?).into_response())
}

async fn by_token(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    ApiActor(actor): ApiActor,
    Path(kind): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    deliver(&state, &limits, &actor, &kind, &query).await
}

async fn by_session(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    session: Option<Extension<CurrentSession>>,
    Path(kind): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let actor = session
        .and_then(|Extension(s)| s.0)
        .map(|s| s.actor.clone())
        .ok_or(ApiError(AppError::Unauthorized))?;
    deliver(&state, &limits, &actor, &kind, &query).await
}

async fn deliver(
    state: &AppState,
    limits: &Limits,
    actor: &Actor,
    kind: &str,
    query: &[(String, String)],
) -> Result<Response, ApiError> {
    if let Err(wait) = limits.reports_per_user.check(&actor.user_id.to_string()) {
        return Ok(too_many(wait));
    }
    let kind = ReportKind::from_str(kind).map_err(|_| AppError::NotFound)?;
    let request = ReportRequest::parse(query)?;
    let db = &state.db;
    let filter = &request.filter;
    let response = match request.format {
        ExportFormat::Json => match kind {
            ReportKind::WorkLog => {
                Json(domain::reports::work_log(db, actor, filter).await?).into_response()
            }
            ReportKind::Productivity => {
                Json(domain::reports::productivity(db, actor, filter).await?).into_response()
            }
            ReportKind::Categorization => {
                Json(domain::reports::categorization(db, actor, filter).await?).into_response()
            }
            ReportKind::Idle => {
                Json(domain::reports::idle(db, actor, filter).await?).into_response()
            }
            ReportKind::Quality => {
                Json(domain::reports::quality(db, actor, filter).await?).into_response()
            }
        },
        ExportFormat::Csv | ExportFormat::Pdf => {
            let format = match request.format {
                ExportFormat::Pdf => FileFormat::Pdf,
                _ => FileFormat::Csv,
            };
            let file =
                domain::reports::export(db, actor, kind, filter, format, request.locale).await?;
            download(file)
        }
    };
    Ok(response)
}

/// The query, parsed: unknown keys are refused so a typo is not silently
/// ignored.
struct ReportRequest {
    filter: ReportFilter,
    format: ExportFormat,
    locale: Locale,
}

impl ReportRequest {
    fn parse(query: &[(String, String)]) -> Result<Self, AppError> {
        let mut request = ReportRequest {
            filter: ReportFilter::default(),
            format: ExportFormat::Json,
            locale: Locale::default(),
        };
        for (key, value) in query {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let invalid = || AppError::field(key, ErrorCode::InvalidValue);
            let filter = &mut request.filter;
            match key.as_str() {
                "from" => filter.from = Some(value.parse().map_err(|_| invalid())?),
                "to" => filter.to = Some(value.parse().map_err(|_| invalid())?),
                "preset" => {
                    filter.preset = Some(DatePreset::from_str(value).map_err(|_| invalid())?)
                }
                "agents" => filter
                    .agents
                    .extend(list::<uuid::Uuid>(value).map_err(|_| invalid())?),
                "departments" => filter
                    .departments
                    .extend(list::<i64>(value).map_err(|_| invalid())?),
                "channels" => filter
                    .channels
                    .extend(list::<i64>(value).map_err(|_| invalid())?),
                "categories" => filter
                    .categories
                    .extend(list::<i64>(value).map_err(|_| invalid())?),
                "format" => {
                    request.format = ExportFormat::from_str(value).map_err(|_| invalid())?
                }
                "lang" => {
                    request.locale = match value {
                        "pt-BR" | "pt" => Locale::PtBr,
                        "en" => Locale::En,
                        _ => return Err(invalid()),
                    }
                }
                _ => return Err(AppError::field(key, ErrorCode::OptionInvalid)),
            }
        }
        Ok(request)
    }
}

fn list<T: FromStr>(value: &str) -> Result<Vec<T>, T::Err> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::parse)
        .collect()
}

pub(super) fn download(file: ExportFile) -> Response {
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    let disposition = format!("attachment; filename=\"{}\"", file.name);
    if let Ok(disposition) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
