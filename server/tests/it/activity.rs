//! Agent activity: work sessions, the sweeper's idle → offline, auto-logout,
//! the idleness settings, and who sees whose status.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use shared::activity::{ActivitySnapshot, AgentStatus, AgentStatusView, BrowserActivity};
use shared::Role;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::spawn_app;

const PASSWORD: &str = "ponte-demo-2026";

#[derive(Debug, sqlx::FromRow)]
struct SessionRow {
    started_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    end_reason: Option<String>,
}

async fn work_sessions(owner: &PgPool, user_id: Uuid) -> Vec<SessionRow> {
    sqlx::query_as(
        "SELECT started_at, last_seen_at, ended_at, end_reason FROM work_sessions
          WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(owner)
    .await
    .unwrap()
}

async fn periods(
    owner: &PgPool,
    user_id: Uuid,
) -> Vec<(DateTime<Utc>, Option<DateTime<Utc>>, String)> {
    sqlx::query_as(
        "SELECT started_at, ended_at, reason FROM inactivity_periods WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(owner)
    .await
    .unwrap()
}

/// Moves an agent's open work session (and its periods) `minutes` back in
/// time, as if the browser had gone silent that long ago.
async fn silence(owner: &PgPool, user_id: Uuid, minutes: i32) {
    sqlx::query(
        "UPDATE work_sessions SET started_at = started_at - make_interval(mins => $2),
                last_seen_at = last_seen_at - make_interval(mins => $2)
          WHERE user_id = $1 AND ended_at IS NULL",
    )
    .bind(user_id)
    .bind(minutes)
    .execute(owner)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE inactivity_periods SET started_at = started_at - make_interval(mins => $2),
                ended_at = ended_at - make_interval(mins => $2)
          WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(minutes)
    .execute(owner)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_browser_turns_idle_then_offline_at_its_last_sign_of_life() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let (db, owner) = (&app.database.db, &app.database.owner);
    let agent = demo.actor(Role::Agent);
    let supervisor = demo.actor(Role::Supervisor);
    let reported = domain::activity::report(db, &agent, BrowserActivity::Active)
        .await
        .unwrap();
    assert_eq!(reported.status, AgentStatus::Active);
    domain::activity::report(db, &supervisor, BrowserActivity::Active)
        .await
        .unwrap();

    // Silent for 5 minutes: idle from the last heartbeat, not from now.
    silence(owner, agent.user_id, 5).await;
    let outcome = domain::activity::sweep_silent(db).await.unwrap();
    assert_eq!((outcome.idle, outcome.offline), (1, 0));
    let session = &work_sessions(owner, agent.user_id).await[0];
    let gaps = periods(owner, agent.user_id).await;
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].0, session.last_seen_at);
    assert_eq!(gaps[0].1, None);
    assert_eq!(gaps[0].2, "heartbeat_lost");
    let snapshot = domain::activity::snapshot(db, &agent).await.unwrap();
    assert_eq!(snapshot.status, AgentStatus::Idle);
    assert!(!snapshot.counting());
    // The supervisor's browser spoke just now: untouched (positive control).
    let supervisor_now = domain::activity::snapshot(db, &supervisor).await.unwrap();
    assert_eq!(supervisor_now.status, AgentStatus::Active);
    // A second sweep does nothing new.
    assert_eq!(
        domain::activity::sweep_silent(db).await.unwrap(),
        Default::default()
    );

    // Silent past the account's threshold (20 minutes): offline, the work
    // session ending at the last heartbeat, the open period with it.
    silence(owner, agent.user_id, 20).await;
    let outcome = domain::activity::sweep_silent(db).await.unwrap();
    assert_eq!((outcome.idle, outcome.offline), (0, 1));
    let session = &work_sessions(owner, agent.user_id).await[0];
    assert_eq!(session.ended_at, Some(session.last_seen_at));
    assert_eq!(session.end_reason.as_deref(), Some("heartbeat_lost"));
    // The active part was the time before the browser went silent.
    let active = (session.last_seen_at - session.started_at).num_seconds();
    assert!((0..5).contains(&active), "active {active} s");
    let gaps = periods(owner, agent.user_id).await;
    assert_eq!(gaps[0].1, Some(session.last_seen_at));
    assert_eq!(
        domain::activity::snapshot(db, &agent).await.unwrap().status,
        AgentStatus::Offline
    );

    // The next sign of life starts a new work session.
    let back = domain::activity::report(db, &agent, BrowserActivity::Active)
        .await
        .unwrap();
    assert_eq!(back.status, AgentStatus::Active);
    assert_eq!(work_sessions(owner, agent.user_id).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_hidden_and_away_pause_the_timer_and_activity_resumes_it() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let (db, owner) = (&app.database.db, &app.database.owner);
    let agent = demo.actor(Role::Agent);
    domain::activity::report(db, &agent, BrowserActivity::Active)
        .await
        .unwrap();
    // Ten active minutes, then the browser says idle.
    silence(owner, agent.user_id, 10).await;
    let idle = domain::activity::report(db, &agent, BrowserActivity::Idle)
        .await
        .unwrap();
    assert_eq!(idle.status, AgentStatus::Idle);
    assert!((600..605).contains(&idle.active_seconds), "{idle:?}");
    // Five idle minutes later the timer still says ten.
    silence(owner, agent.user_id, 5).await;
    let still = domain::activity::snapshot(db, &agent).await.unwrap();
    assert_eq!(still.active_seconds, idle.active_seconds);
    // Active again: the timer resumes from there.
    let resumed = domain::activity::report(db, &agent, BrowserActivity::Active)
        .await
        .unwrap();
    assert_eq!(resumed.status, AgentStatus::Active);
    assert!(
        resumed.active_seconds >= idle.active_seconds
            && resumed.active_seconds < idle.active_seconds + 5
    );
    // Hidden is idle too; "away" (the agent's word) wins over the browser.
    let hidden = domain::activity::report(db, &agent, BrowserActivity::Hidden)
        .await
        .unwrap();
    assert_eq!(hidden.status, AgentStatus::Idle);
    domain::inbox::set_availability(db, &agent, shared::inbox::Availability::Away)
        .await
        .unwrap();
    let away = domain::activity::report(db, &agent, BrowserActivity::Active)
        .await
        .unwrap();
    assert_eq!(away.status, AgentStatus::Away);
    let reasons: Vec<String> = periods(owner, agent.user_id)
        .await
        .into_iter()
        .map(|(_, _, reason)| reason)
        .collect();
    assert_eq!(reasons, ["idle", "hidden", "away"]);
    domain::inbox::set_availability(db, &agent, shared::inbox::Availability::Online)
        .await
        .unwrap();
    assert_eq!(
        domain::activity::snapshot(db, &agent).await.unwrap().status,
        AgentStatus::Active
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_logout_ends_the_work_session_only_when_the_account_allows_it_and_the_agent_is_idle() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let owner = &app.database.owner;
    let agent_id = demo.actor(Role::Agent).user_id;
    let browser = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    // Signing in started the work session.
    assert_eq!(work_sessions(owner, agent_id).await.len(), 1);
    let reply = browser
        .call("report_activity", &[("state", "active")])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let snapshot: ActivitySnapshot = reply.json();
    assert_eq!(snapshot.status, AgentStatus::Active);
    assert!(!snapshot.settings.auto_logout);

    // Off by default: the call is refused and the agent stays signed in.
    let refused = browser.call("auto_sign_out", &[]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(browser.session().await.is_some());

    let token = app.demo_admin_token().await;
    let patched = app
        .plain_client()
        .patch(format!("{}/api/v1/account/settings", app.base_url))
        .bearer_auth(&token)
        .json(&json!({ "auto_logout": true, "auto_logout_extra_minutes": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);

    // The browser's word is not enough: the server's record says active,
    // then idle for less than the 5 minutes' grace.
    let early = browser.call("auto_sign_out", &[]).await;
    assert_eq!(early.status, 403, "{}", early.body);
    let idle = browser.call("report_activity", &[("state", "idle")]).await;
    assert_eq!(idle.status, 200, "{}", idle.body);
    let early = browser.call("auto_sign_out", &[]).await;
    assert_eq!(early.status, 403, "{}", early.body);
    assert!(browser.session().await.is_some());
    assert!(work_sessions(owner, agent_id).await[0].ended_at.is_none());

    // Idle for the grace: signed out.
    sqlx::query(
        "UPDATE inactivity_periods SET started_at = started_at - interval '5 minutes'
          WHERE user_id = $1 AND ended_at IS NULL",
    )
    .bind(agent_id)
    .execute(owner)
    .await
    .unwrap();
    let signed_out = browser.call("auto_sign_out", &[]).await;
    assert_eq!(signed_out.status, 200, "{}", signed_out.body);
    assert!(browser.session().await.is_none());
    let sessions = work_sessions(owner, agent_id).await;
    assert_eq!(sessions[0].end_reason.as_deref(), Some("auto_logout"));
    assert!(sessions[0].ended_at.is_some());
    let audited: Value = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'sign_out' AND actor_user_id = $1",
    )
    .bind(agent_id)
    .fetch_one(owner)
    .await
    .unwrap();
    assert_eq!(audited["reason"], "auto_logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_sign_out_ends_the_work_session() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let agent_id = demo.actor(Role::Agent).user_id;
    let browser = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    assert_eq!(browser.call("sign_out", &[]).await.status, 200);
    let sessions = work_sessions(&app.database.owner, agent_id).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].end_reason.as_deref(), Some("sign_out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idleness_settings_are_validated_audited_and_admin_only() {
    let app = spawn_app().await;
    app.demo_account().await;
    let token = app.demo_admin_token().await;
    let client = app.plain_client();
    let patch = |body: Value, token: String| {
        client
            .patch(format!("{}/api/v1/account/settings", app.base_url))
            .bearer_auth(token)
            .json(&body)
            .send()
    };

    let zero = patch(json!({ "idle_timeout_minutes": 0 }), token.clone())
        .await
        .unwrap();
    assert_eq!(zero.status(), 422);
    let body: Value = zero.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "idle_timeout_minutes");
    // The server's fallback must come after the browser's timeout.
    let inverted = patch(
        json!({ "idle_timeout_minutes": 30, "server_idle_threshold_minutes": 20 }),
        token.clone(),
    )
    .await
    .unwrap();
    assert_eq!(inverted.status(), 422);
    let body: Value = inverted.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "server_idle_threshold_minutes");
    assert_eq!(body["fields"][0]["code"], "threshold_below_idle_timeout");

    let saved = patch(json!({ "idle_timeout_minutes": 5 }), token.clone())
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let current: Value = client
        .get(format!("{}/api/v1/account/settings", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        current,
        json!({
            "idle_timeout_minutes": 5,
            "auto_logout": false,
            "auto_logout_extra_minutes": 15,
            "server_idle_threshold_minutes": 20
        })
    );
    let audited: Vec<Value> = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'account_settings_changed' ORDER BY id",
    )
    .fetch_all(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(audited.len(), 1, "refused changes are not audited");
    assert_eq!(audited[0]["section"], "productivity");
    assert_eq!(
        audited[0]["changes"]["idle_timeout_minutes"],
        json!([10, 5])
    );

    // Supervisors read the rules (their browsers apply them) but may not change them.
    let supervisor = app.signed_in("supervisor@demo.ponte.dev", PASSWORD).await;
    let supervisor_token: shared::accounts::NewApiToken = supervisor
        .call("create_api_token", &[("name", "tests")])
        .await
        .json();
    let refused = patch(json!({ "idle_timeout_minutes": 7 }), supervisor_token.token)
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_see_their_departments_agents_and_agents_only_themselves() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let (db, owner) = (&app.database.db, &app.database.owner);
    // An agent outside the supervisor's department.
    let outsider = Uuid::new_v4();
    sqlx::query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, 'out@demo.ponte.dev', 'Otto Outsider', 'x')")
        .bind(outsider)
        .execute(owner)
        .await
        .unwrap();
    sqlx::query("INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, 'agent')")
        .bind(demo.account_id)
        .bind(outsider)
        .execute(owner)
        .await
        .unwrap();
    let agent = demo.actor(Role::Agent);
    domain::activity::report(db, &agent, BrowserActivity::Active)
        .await
        .unwrap();

    let seen = |list: &[AgentStatusView]| -> Vec<Uuid> { list.iter().map(|a| a.user_id).collect() };
    let admin_view = domain::activity::agent_statuses(db, &demo.actor(Role::GlobalAdmin))
        .await
        .unwrap();
    assert_eq!(admin_view.len(), 4);
    assert!(seen(&admin_view).contains(&outsider));
    let alice = admin_view
        .iter()
        .find(|a| a.user_id == agent.user_id)
        .unwrap();
    assert_eq!(alice.status, AgentStatus::Active);
    let otto = admin_view.iter().find(|a| a.user_id == outsider).unwrap();
    assert_eq!(otto.status, AgentStatus::Offline);

    let supervisor = demo.actor(Role::Supervisor);
    let supervisor_view = domain::activity::agent_statuses(db, &supervisor)
        .await
        .unwrap();
    let mut ids = seen(&supervisor_view);
    ids.sort();
    let mut expected = vec![supervisor.user_id, agent.user_id];
    expected.sort();
    assert_eq!(ids, expected);

    let agent_view = domain::activity::agent_statuses(db, &agent).await.unwrap();
    assert_eq!(seen(&agent_view), [agent.user_id]);

    // The hub's rule for status changes says what the SQL says, for every
    // viewer and agent (Otto gets a department of his own first).
    sqlx::query(
        "WITH d AS (INSERT INTO departments (account_id, name) VALUES ($1, 'Financeiro') RETURNING id)
         INSERT INTO department_members (account_id, department_id, user_id) SELECT $1, d.id, $2 FROM d",
    )
    .bind(demo.account_id)
    .bind(outsider)
    .execute(owner)
    .await
    .unwrap();
    let teams = domain::conversations::departments_by_member(db, demo.account_id)
        .await
        .unwrap();
    let departments = |id: &Uuid| teams.get(id).cloned().unwrap_or_default();
    let everyone: Vec<Uuid> = seen(&admin_view);
    for viewer in [Role::GlobalAdmin, Role::Supervisor, Role::Agent].map(|r| demo.actor(r)) {
        let listed = seen(&domain::activity::agent_statuses(db, &viewer).await.unwrap());
        for subject in &everyone {
            let rule = domain::activity::may_watch(
                (viewer.user_id, viewer.role),
                &departments(&viewer.user_id),
                *subject,
                &departments(subject),
            );
            assert_eq!(
                rule,
                listed.contains(subject),
                "{:?} watching {subject}",
                viewer.role
            );
        }
    }

    // The REST API answers with the same scoping.
    let token = app.demo_admin_token().await;
    let listed: Vec<AgentStatusView> = app
        .plain_client()
        .get(format!("{}/api/v1/agents/status", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 4);
}
