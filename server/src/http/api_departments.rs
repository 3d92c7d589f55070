//! `/api/v1/departments`: departments with their calendar, out-of-hours
//! reply, distribution and members, for admins' tokens (docs/API.md).
//! `business_hours` and `holidays` show the calendar that applies —
//! the department's own, or the account's when `uses_account_calendar`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use shared::access::DepartmentGrant;
use shared::departments::{
    Calendar, Department, DepartmentForm, DepartmentMember, Distribution, Holiday, LocalizedText,
    SlaByPriority, WeeklyHours,
};
use shared::{AppError, ErrorCode, Locale, Permission};

use app::server::AppState;
use domain::Actor;

use super::api_v1::{explicit_null, ApiActor, ApiError, ApiJson, ApiPath};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/departments", get(list).post(create))
        .route(
            "/api/v1/departments/{id}",
            get(show).patch(update).delete(remove),
        )
}

/// The account's calendar and language, which departments fall back on.
struct AccountDefaults {
    calendar: Calendar,
    locale: Locale,
}

async fn account_defaults(state: &AppState, actor: &Actor) -> Result<AccountDefaults, ApiError> {
    let settings = domain::service_desk::calendars::settings(&state.db, actor).await?;
    Ok(AccountDefaults {
        calendar: settings.calendar,
        locale: settings.locale,
    })
}

fn department_json(department: &Department, defaults: &AccountDefaults) -> Value {
    let calendar = department.calendar.as_ref().unwrap_or(&defaults.calendar);
    json!({
        "id": department.id,
        "name": department.name,
        "description": department.description,
        "channel_id": department.channel_id,
        "business_hours": calendar.business_hours,
        "holidays": calendar.holidays,
        "uses_account_calendar": department.calendar.is_none(),
        "out_of_hours_message": shared::departments::text_for(&department.out_of_hours_messages, defaults.locale),
        "out_of_hours_messages": department.out_of_hours_messages,
        "distribution": department.distribution,
        "members": department.members,
        "sla_policy_id": department.sla_policy_id,
        "sla_by_priority": department.sla_by_priority,
        "grants": department.grants,
    })
}

async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let defaults = account_defaults(&state, &actor).await?;
    let departments = domain::departments::list(&state.db, &actor).await?;
    Ok(Json(Value::Array(
        departments
            .iter()
            .map(|d| department_json(d, &defaults))
            .collect(),
    )))
}

async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let defaults = account_defaults(&state, &actor).await?;
    let department = domain::departments::get(&state.db, &actor, id).await?;
    Ok(Json(department_json(&department, &defaults)))
}

/// A department as posted or patched: absent fields are left as they are
/// (on creation: empty, manual, the account's calendar).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DepartmentBody {
    name: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "explicit_null")]
    channel_id: Option<Option<i64>>,
    /// `null`: open around the clock. Either calendar field gives the
    /// department its own calendar.
    #[serde(default, deserialize_with = "explicit_null")]
    business_hours: Option<Option<WeeklyHours>>,
    holidays: Option<Vec<Holiday>>,
    /// `true`: back to the account's calendar.
    uses_account_calendar: Option<bool>,
    /// The reply in the account's language; `null` or "" removes every
    /// language's.
    #[serde(default, deserialize_with = "explicit_null")]
    out_of_hours_message: Option<Option<String>>,
    out_of_hours_messages: Option<LocalizedText>,
    distribution: Option<Distribution>,
    members: Option<Vec<DepartmentMember>>,
    #[serde(default, deserialize_with = "explicit_null")]
    sla_policy_id: Option<Option<i64>>,
    /// Replaces the policies for some priorities (`{"urgent": 3}`).
    sla_by_priority: Option<SlaByPriority>,
    /// Replaces who else sees (`view`) or also assigns (`assign`) the
    /// department's conversations.
    grants: Option<Vec<DepartmentGrant>>,
}

impl DepartmentBody {
    /// Writes the body's fields over `form`. A department that starts a
    /// calendar of its own starts from the account's, so a body with only
    /// `holidays` keeps the account's hours (and the reverse).
    fn apply(self, form: &mut DepartmentForm, defaults: &AccountDefaults) -> Result<(), ApiError> {
        let DepartmentBody {
            name,
            description,
            channel_id,
            business_hours,
            holidays,
            uses_account_calendar,
            out_of_hours_message,
            out_of_hours_messages,
            distribution,
            members,
            sla_policy_id,
            sla_by_priority,
            grants,
        } = self;
        let own_calendar_fields = business_hours.is_some() || holidays.is_some();
        match uses_account_calendar {
            Some(true) if own_calendar_fields => {
                return Err(ApiError(AppError::field(
                    "uses_account_calendar",
                    ErrorCode::InvalidValue,
                )))
            }
            Some(true) => form.calendar = None,
            Some(false) | None if own_calendar_fields => {
                let mut calendar = form
                    .calendar
                    .take()
                    .unwrap_or_else(|| defaults.calendar.clone());
                if let Some(hours) = business_hours {
                    calendar.business_hours = hours;
                }
                if let Some(holidays) = holidays {
                    calendar.holidays = holidays;
                }
                form.calendar = Some(calendar);
            }
            Some(false) => {
                form.calendar
                    .get_or_insert_with(|| defaults.calendar.clone());
            }
            None => {}
        }
        if let Some(text) = out_of_hours_message {
            match text.filter(|t| !t.trim().is_empty()) {
                Some(text) => {
                    form.out_of_hours_messages
                        .insert(defaults.locale.as_str().to_string(), text);
                }
                None => form.out_of_hours_messages.clear(),
            }
        }
        if let Some(texts) = out_of_hours_messages {
            form.out_of_hours_messages = texts;
        }
        if let Some(name) = name {
            form.name = name;
        }
        if let Some(description) = description {
            form.description = description;
        }
        if let Some(channel_id) = channel_id {
            form.channel_id = channel_id;
        }
        if let Some(distribution) = distribution {
            form.distribution = distribution;
        }
        if let Some(members) = members {
            form.members = members;
        }
        if let Some(policy) = sla_policy_id {
            form.sla_policy_id = policy;
        }
        if let Some(by_priority) = sla_by_priority {
            form.sla_by_priority = by_priority;
        }
        if let Some(grants) = grants {
            form.grants = grants;
        }
        Ok(())
    }
}

async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<DepartmentBody>,
) -> Result<impl IntoResponse, ApiError> {
    actor.require(Permission::ManageDepartments)?;
    let defaults = account_defaults(&state, &actor).await?;
    if body.name.is_none() {
        return Err(ApiError(AppError::field("name", ErrorCode::Required)));
    }
    let mut form = DepartmentForm {
        name: String::new(),
        description: String::new(),
        channel_id: None,
        members: vec![],
        distribution: Distribution::Manual,
        calendar: None,
        out_of_hours_messages: LocalizedText::new(),
        sla_policy_id: None,
        sla_by_priority: SlaByPriority::new(),
        grants: vec![],
    };
    body.apply(&mut form, &defaults)?;
    let created = domain::departments::save(&state.db, &actor, None, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(department_json(&created, &defaults)),
    ))
}

async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DepartmentBody>,
) -> Result<Json<Value>, ApiError> {
    actor.require(Permission::ManageDepartments)?;
    let defaults = account_defaults(&state, &actor).await?;
    let current = domain::departments::get(&state.db, &actor, id).await?;
    let mut form = DepartmentForm::from_department(&current);
    body.apply(&mut form, &defaults)?;
    let saved = domain::departments::save(&state.db, &actor, Some(id), &form).await?;
    Ok(Json(department_json(&saved, &defaults)))
}

async fn remove(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    domain::departments::remove(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
