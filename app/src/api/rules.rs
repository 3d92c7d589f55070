//! Automation rules (Automação → Regras): the list, saving one (its
//! webhooks' signing secret comes back the first time), switching,
//! ordering, removing, and each rule's execution log.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::rules::{Rule, RuleForm, RuleRun, SavedRule};
use shared::AppError;

#[server(endpoint = "list_rules")]
pub async fn list_rules() -> Result<Vec<Rule>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::rules::list(&state.db, &actor).await)
}

#[server(endpoint = "save_rule", input = Json)]
pub async fn save_rule(id: Option<i64>, form: RuleForm) -> Result<SavedRule, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::rules::save(&state.db, &state.config.vault, &actor, id, &form).await)
}

#[server(endpoint = "set_rule_enabled")]
pub async fn set_rule_enabled(id: i64, enabled: bool) -> Result<Rule, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::rules::set_enabled(&state.db, &actor, id, enabled).await)
}

#[server(endpoint = "reorder_rules", input = Json)]
pub async fn reorder_rules(ids: Vec<i64>) -> Result<Vec<Rule>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::rules::reorder(&state.db, &actor, &ids).await)
}

#[server(endpoint = "remove_rule")]
pub async fn remove_rule(id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::rules::remove(&state.db, &actor, id).await)
}

#[server(endpoint = "rule_runs")]
pub async fn rule_runs(id: i64, before: Option<i64>) -> Result<Vec<RuleRun>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::rules::runs(&state.db, &actor, id, before).await)
}
