//! Reports for automation and downloads: `GET /api/v1/reports/{kind}` with a
//! bearer token, and `GET /reports/{kind}/export` with the agent's session
//! (the page's CSV and PDF buttons). Both take the same query — `from`,
//! `to` (YYYY-MM-DD, account time zone), `preset`, `agents`, `departments`,
//! `channels`, `categories` (comma-separated or repeated), `format`
//! (`json`, `csv`, `pdf`) and `lang` (the PDF's language) — and return the
//! same figures as the screen. `GET /api/v1/dashboard?preset=` gives the
//! dashboard's KPIs and chart data.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use http::{header, HeaderValue};
use shared::report_words::{column_title, report_title, words};
use shared::reports::{DatePreset, ExportFormat, ReportFilter, ReportKind, ReportTable};
use shared::{AppError, ErrorCode, Locale};
use std::str::FromStr;
use std::sync::Arc;

use app::server::{AppState, CurrentSession};
use domain::reports::pdf::PdfText;
use domain::Actor;

use super::api_v1::{ApiActor, ApiError};
use super::limits::{too_many, Limits};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports/{kind}", get(by_token))
        .route("/reports/{kind}/export", get(by_session))
        .route("/api/v1/dashboard", get(dashboard))
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
        },
        ExportFormat::Csv => {
            let table = domain::reports::table(db, actor, kind, filter).await?;
            download(
                domain::reports::csv::render(&table).into_bytes(),
                "text/csv; charset=utf-8",
                &file_name(&table, "csv"),
            )
        }
        ExportFormat::Pdf => {
            let table = domain::reports::table(db, actor, kind, filter).await?;
            let text = pdf_text(&table, request.locale, filter);
            download(
                domain::reports::pdf::render(&table, &text),
                "application/pdf",
                &file_name(&table, "pdf"),
            )
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

fn pdf_text(table: &ReportTable, locale: Locale, filter: &ReportFilter) -> PdfText {
    let w = words(locale);
    let date = |d: chrono::NaiveDate| match locale {
        Locale::PtBr => d.format("%d/%m/%Y").to_string(),
        Locale::En => d.format("%Y-%m-%d").to_string(),
    };
    let mut subtitle = format!("{}: {} – {}", w.period, date(table.from), date(table.to));
    if filter.agents.is_empty() && filter.departments.is_empty() {
        subtitle.push_str(&format!(" · {}", w.all_agents));
    } else {
        subtitle.push_str(&format!(" · {}: {}", w.agents, table.rows.len()));
    }
    let chart_column = table
        .columns
        .get(table.chart_column)
        .map_or("", |c| column_title(locale, c));
    PdfText {
        title: report_title(locale, table.kind).to_string(),
        subtitle,
        generated: format!(
            "{} {} UTC",
            w.generated_at,
            table.generated_at.format("%Y-%m-%d %H:%M")
        ),
        chart_title: format!("{chart_column} · {}", w.chart_by_agent),
        agent_heading: w.agent.to_string(),
        totals_label: w.totals.to_string(),
        column_titles: table
            .columns
            .iter()
            .map(|c| column_title(locale, c).to_string())
            .collect(),
    }
}

fn file_name(table: &ReportTable, extension: &str) -> String {
    format!(
        "ponte-{}-{}-{}.{extension}",
        table.kind.as_str(),
        table.from,
        table.to
    )
}

fn download(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
