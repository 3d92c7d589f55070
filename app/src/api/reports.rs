//! Reports for the reports page: the same tables the CSV and PDF exports
//! render (`/reports/{kind}/export`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::reports::{ReportFilter, ReportKind, ReportTable};
use shared::AppError;

#[server(endpoint = "report_table", input = Json)]
pub async fn fetch_report(kind: ReportKind, filter: ReportFilter) -> Result<ReportTable, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::reports::table(&app.db, &actor, kind, &filter).await)
}
