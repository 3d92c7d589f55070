//! The audit log viewer.

use leptos::prelude::*;
use shared::audit::{AuditFilter, AuditPage};
use shared::AppError;

#[server(endpoint = "list_audit_entries")]
pub async fn list_audit_entries(
    #[server(default)] filter: AuditFilter,
) -> Result<AuditPage, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::audit::list(&state.db, &actor, &filter).await)
}
