//! Agent activity: the browser's reports, the top bar's timer, the status
//! board, and the account's idleness rules.

use leptos::prelude::*;
use shared::activity::{ActivitySettings, ActivitySnapshot, AgentStatusView, BrowserActivity};
use shared::AppError;

/// The browser's state changed, or its heartbeat: returns the timer's facts.
#[server(endpoint = "report_activity")]
pub async fn report_activity(state: BrowserActivity) -> Result<ActivitySnapshot, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::activity::report(&app.db, &actor, state).await)
}

#[server(endpoint = "my_activity")]
pub async fn my_activity() -> Result<ActivitySnapshot, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::activity::snapshot(&app.db, &actor).await)
}

/// The browser stayed idle past the account's auto-logout grace (and
/// nobody answered the warning): signs out and ends the work session, if
/// the server's record agrees (`domain::activity::auto_sign_out`).
#[server(endpoint = "auto_sign_out")]
pub async fn auto_sign_out() -> Result<String, AppError> {
    use crate::server::{clear_session_cookie, finish, session, state};
    if let Some(current) = session() {
        let app = state()?;
        finish(domain::activity::auto_sign_out(&app.db, &current).await)?;
    }
    clear_session_cookie();
    Ok("/login?auto_logout=1".into())
}

#[server(endpoint = "agent_statuses")]
pub async fn agent_statuses() -> Result<Vec<AgentStatusView>, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::activity::agent_statuses(&app.db, &actor).await)
}

#[server(endpoint = "get_activity_settings")]
pub async fn get_activity_settings() -> Result<ActivitySettings, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::activity::settings(&app.db, &actor).await)
}

#[server(endpoint = "save_activity_settings")]
pub async fn save_activity_settings(
    idle_timeout_minutes: String,
    #[server(default)] auto_logout: Option<String>,
    auto_logout_extra_minutes: String,
    server_idle_threshold_minutes: String,
) -> Result<ActivitySettings, AppError> {
    use crate::server::{actor, finish, redirect_plain_form};
    use domain::activity::SettingsForm;
    let (app, actor) = actor()?;
    let form = SettingsForm {
        idle_timeout_minutes: Some(idle_timeout_minutes),
        // An unticked checkbox sends nothing.
        auto_logout: Some(auto_logout.is_some()),
        auto_logout_extra_minutes: Some(auto_logout_extra_minutes),
        server_idle_threshold_minutes: Some(server_idle_threshold_minutes),
    };
    let saved = finish(domain::activity::update_settings(&app.db, &actor, &form).await)?;
    redirect_plain_form("/settings/productivity?saved=1");
    Ok(saved)
}

/// The dashboard's KPI cards and charts for a period.
#[server(endpoint = "dashboard_figures")]
pub async fn dashboard_figures(
    period: shared::reports::DatePreset,
) -> Result<shared::dashboard::DashboardFigures, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::dashboard::figures(&app.db, &actor, period).await)
}

/// The AI quality score's threshold (managers).
#[server(endpoint = "quality_threshold")]
pub async fn get_quality_threshold() -> Result<f32, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::ai::quality::settings::threshold(&app.db, &actor).await)
}

#[server(endpoint = "save_quality_threshold")]
pub async fn save_quality_threshold(quality_threshold: String) -> Result<f32, AppError> {
    use crate::server::{actor, finish, redirect_plain_form};
    let (app, actor) = actor()?;
    let saved = finish(
        domain::ai::quality::settings::set_threshold(&app.db, &actor, &quality_threshold).await,
    )?;
    redirect_plain_form("/settings/productivity?quality_saved=1");
    Ok(saved)
}

/// Whether customers get the satisfaction survey on resolution (managers
/// read it).
#[server(endpoint = "satisfaction_survey")]
pub async fn get_satisfaction_survey() -> Result<bool, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::satisfaction::survey_enabled(&app.db, &actor).await)
}

/// Turns the survey on or off (admins); a plain form's checkbox sends
/// `satisfaction_survey=true` when ticked and nothing otherwise.
#[server(endpoint = "save_satisfaction_survey")]
pub async fn save_satisfaction_survey(
    satisfaction_survey: Option<String>,
) -> Result<bool, AppError> {
    use crate::server::{actor, finish, redirect_plain_form};
    let (app, actor) = actor()?;
    let on = satisfaction_survey.is_some();
    let saved = finish(domain::satisfaction::set_survey(&app.db, &actor, on).await)?;
    redirect_plain_form("/settings/productivity?survey_saved=1");
    Ok(saved)
}
