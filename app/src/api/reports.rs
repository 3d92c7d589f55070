//! Reports for the reports page: the same tables the CSV and PDF exports
//! render (`/reports/{kind}/export`), files built in the background, and
//! the reports e-mailed on a schedule.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::reports::{
    ExportRequest, ReportExport, ReportFilter, ReportKind, ReportSchedule, ReportTable,
    ScheduleForm,
};
use shared::AppError;

#[server(endpoint = "report_table", input = Json)]
pub async fn fetch_report(kind: ReportKind, filter: ReportFilter) -> Result<ReportTable, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::reports::table(&app.db, &actor, kind, &filter).await)
}

#[server(endpoint = "start_report_export", input = Json)]
pub async fn start_report_export(request: ExportRequest) -> Result<ReportExport, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::reports::export_jobs::start(&app.db, &actor, &request).await)
}

#[server(endpoint = "export_progress")]
pub async fn export_progress(id: uuid::Uuid) -> Result<ReportExport, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::reports::export_jobs::find(&app.db, &actor, id).await)
}

#[server(endpoint = "report_schedules")]
pub async fn list_report_schedules() -> Result<Vec<ReportSchedule>, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::reports::schedules::list(&app.db, &actor).await)
}

#[server(endpoint = "schedule_report", input = Json)]
pub async fn schedule_report(form: ScheduleForm) -> Result<ReportSchedule, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::reports::schedules::create(&app.db, &actor, &form).await)
}

#[server(endpoint = "remove_report_schedule")]
pub async fn remove_report_schedule(id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::reports::schedules::remove(&app.db, &actor, id).await)
}
