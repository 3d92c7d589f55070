//! Departments and the service desk's settings (calendar, wallet).

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::departments::{Department, DepartmentForm, ServiceDeskSettings};
use shared::sla::{SlaPolicy, SlaPolicyForm};
use shared::AppError;

#[server(endpoint = "list_departments")]
pub async fn list_departments() -> Result<Vec<Department>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::departments::list(&state.db, &actor).await)
}

#[server(endpoint = "create_department")]
pub async fn create_department(name: String) -> Result<Department, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::departments::create(&state.db, &actor, &name).await)
}

#[server(endpoint = "save_department", input = Json)]
pub async fn save_department(id: i64, form: DepartmentForm) -> Result<Department, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::departments::save(&state.db, &actor, Some(id), &form).await)
}

#[server(endpoint = "remove_department")]
pub async fn remove_department(id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::departments::remove(&state.db, &actor, id).await)
}

#[server(endpoint = "service_desk_settings")]
pub async fn load_service_desk_settings() -> Result<ServiceDeskSettings, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::service_desk::calendars::settings(&state.db, &actor).await)
}

#[server(endpoint = "save_service_desk_settings", input = Json)]
pub async fn save_service_desk_settings(
    settings: ServiceDeskSettings,
) -> Result<ServiceDeskSettings, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::service_desk::calendars::update_settings(&state.db, &actor, &settings).await)
}

#[server(endpoint = "list_sla_policies")]
pub async fn list_sla_policies() -> Result<Vec<SlaPolicy>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::service_desk::sla::list(&state.db, &actor).await)
}

/// Creates (no `id`) or changes an SLA policy.
#[server(endpoint = "save_sla_policy", input = Json)]
pub async fn save_sla_policy(id: Option<i64>, form: SlaPolicyForm) -> Result<SlaPolicy, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::service_desk::sla::save(&state.db, &actor, id, &form).await)
}

#[server(endpoint = "remove_sla_policy")]
pub async fn remove_sla_policy(id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::service_desk::sla::remove(&state.db, &actor, id).await)
}
