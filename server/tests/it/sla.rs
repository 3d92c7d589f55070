//! SLA clocks: due times from the department's policy (or its policy for
//! the conversation's priority), a breach recorded once when a clock runs
//! out (fake clock: due times moved into the past), next-response turns,
//! clocks stopped while waiting on the customer, and the policies' REST API.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use shared::Role;
use sqlx::PgPool;

use crate::helpers::{spawn_app, TestApp};

struct Desk {
    token: String,
    policy: i64,
    channel: String,
}

/// A policy (10 min to answer, 60 to resolve, around the clock) on
/// Suporte, which takes the website's conversations.
async fn desk_with_policy(app: &TestApp) -> (domain::seed::DemoAccount, Desk) {
    let (demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let client = app.plain_client();
    let url = |path: &str| format!("{}/api/v1/{path}", app.base_url);
    let created = client
        .post(url("sla-policies"))
        .bearer_auth(&token)
        .json(
            &json!({ "name": "Rápido", "first_response_minutes": 10, "resolution_minutes": 60,
                       "business_hours_only": false }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let policy: Value = created.json().await.unwrap();
    let policy = policy["id"].as_i64().unwrap();
    let departments: Value = client
        .get(url("departments"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let support = departments
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Suporte")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let patched = client
        .patch(url(&format!("departments/{support}")))
        .bearer_auth(&token)
        .json(&json!({ "sla_policy_id": policy }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let channel_id: i64 = sqlx::query_scalar("SELECT id FROM channels WHERE public_token = $1")
        .bind(&channel)
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    let moved = client
        .patch(url(&format!("channels/{channel_id}")))
        .bearer_auth(&token)
        .json(&json!({ "default_department_id": support }))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
    (
        demo,
        Desk {
            token,
            policy,
            channel,
        },
    )
}

/// A new customer writes; returns the conversation's number.
async fn customer_writes(app: &TestApp, desk: &Desk) -> i64 {
    let visitor = app.visitor(&desk.channel).await;
    app.visitor_says(&desk.channel, &visitor, "preciso de ajuda")
        .await;
    sqlx::query_scalar(
        "SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.kind = 'incoming' ORDER BY m.id DESC LIMIT 1",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap()
}

async fn conversation_json(app: &TestApp, desk: &Desk, number: i64) -> Value {
    app.plain_client()
        .get(format!("{}/api/v1/conversations/{number}", app.base_url))
        .bearer_auth(&desk.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

async fn breach_lines(owner: &PgPool, number: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT m.activity->>'target' FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.number = $1 AND m.activity->>'type' = 'sla_breached' ORDER BY m.id",
    )
    .bind(number)
    .fetch_all(owner)
    .await
    .unwrap()
}

/// Moves a clock's due time into the past: the fake clock.
async fn run_out(owner: &PgPool, number: i64, column: &str) {
    sqlx::query(&format!(
        "UPDATE conversations SET {column} = now() - interval '1 second' WHERE number = $1"
    ))
    .bind(number)
    .execute(owner)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breach_is_recorded_once_when_its_clock_runs_out() {
    let app = spawn_app().await;
    let (demo, desk) = desk_with_policy(&app).await;
    let db = &app.database.db;
    let owner = &app.database.owner;
    let started = Utc::now();
    let number = customer_writes(&app, &desk).await;
    let fresh = conversation_json(&app, &desk, number).await;
    let first_due = at(&fresh["sla_first_response_due_at"]);
    let resolution_due = at(&fresh["sla_resolution_due_at"]);
    assert!(
        (first_due - started - Duration::minutes(10))
            .num_seconds()
            .abs()
            < 10,
        "{fresh}"
    );
    assert!(
        (resolution_due - started - Duration::minutes(60))
            .num_seconds()
            .abs()
            < 10
    );
    assert_eq!(fresh["sla_breached"], false);

    // A fake clock: nothing a second before the due time (nor now), the
    // first response's breach at it, stamped with it, and only once.
    let sweep_at = |now| domain::service_desk::sla::sweep_breaches_at(db, now);
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        0
    );
    assert_eq!(sweep_at(first_due - Duration::seconds(1)).await.unwrap(), 0);
    assert_eq!(sweep_at(first_due).await.unwrap(), 1);
    assert_eq!(
        sweep_at(first_due + Duration::minutes(1)).await.unwrap(),
        0,
        "once"
    );
    let breached_at: DateTime<Utc> = sqlx::query_scalar(
        "SELECT sla_first_response_breached_at FROM conversations WHERE number = $1",
    )
    .bind(number)
    .fetch_one(owner)
    .await
    .unwrap();
    assert_eq!(breached_at, first_due);
    // The real clock catches up: the due time is behind us.
    run_out(owner, number, "sla_first_response_due_at").await;
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        0,
        "once"
    );
    assert_eq!(breach_lines(owner, number).await, ["first_response"]);
    assert_eq!(
        conversation_json(&app, &desk, number).await["sla_breached"],
        true
    );
    // Suporte's supervisor hears of it; its agent does not.
    let notified: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'sla_breach'",
    )
    .fetch_all(owner)
    .await
    .unwrap();
    assert_eq!(notified, ["supervisor@demo.ponte.dev"]);

    // The inbox filters by SLA: breached; breaching soon (due within 15
    // minutes) — a fresh conversation is neither until its clock nears.
    let supervisor = demo.actor(Role::Supervisor);
    let numbers = |sla| {
        let supervisor = supervisor.clone();
        async move {
            let filter = shared::inbox::InboxFilter {
                sla: Some(sla),
                ..Default::default()
            };
            domain::conversations::list(db, &supervisor, &filter)
                .await
                .unwrap()
                .conversations
                .iter()
                .map(|c| c.number)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(numbers(shared::sla::SlaFilter::Breached).await, [number]);
    let nearing = customer_writes(&app, &desk).await;
    let due_in = |minutes: i32| async move {
        sqlx::query(
            "UPDATE conversations SET sla_first_response_due_at = now() + make_interval(mins => $2)
              WHERE number = $1",
        )
        .bind(nearing)
        .bind(minutes)
        .execute(owner)
        .await
        .unwrap();
    };
    due_in(60).await;
    assert!(numbers(shared::sla::SlaFilter::Soon).await.is_empty());
    due_in(5).await;
    assert_eq!(numbers(shared::sla::SlaFilter::Soon).await, [nearing]);
    let by_due = shared::inbox::InboxFilter {
        sort: shared::inbox::InboxSort::SlaDue,
        ..Default::default()
    };
    let sorted: Vec<i64> = domain::conversations::list(db, &supervisor, &by_due)
        .await
        .unwrap()
        .conversations
        .iter()
        .map(|c| c.number)
        .take(2)
        .collect();
    assert_eq!(sorted, [number, nearing], "overdue first, then due soonest");

    // An answered conversation does not breach its first response.
    let answered = customer_writes(&app, &desk).await;
    let agent = demo.actor(Role::Agent);
    domain::messages::send(
        db,
        &agent,
        answered,
        &domain::messages::Reply {
            body: "Olá! Já vejo.".into(),
            note: false,
            client_id: None,
            attachment_id: None,
            mentions: vec![],
            template: None,
            reply_to: None,
        },
    )
    .await
    .unwrap();
    run_out(owner, answered, "sla_first_response_due_at").await;
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        0
    );
    // Its resolution clock still runs, and breaches.
    run_out(owner, answered, "sla_resolution_due_at").await;
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        1
    );
    assert_eq!(breach_lines(owner, answered).await, ["resolution"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_on_the_customer_stops_the_clocks() {
    let app = spawn_app().await;
    let (demo, desk) = desk_with_policy(&app).await;
    let db = &app.database.db;
    let owner = &app.database.owner;
    let number = customer_writes(&app, &desk).await;
    let before = at(&conversation_json(&app, &desk, number).await["sla_resolution_due_at"]);
    let agent = demo.actor(Role::Agent);
    domain::conversations::assign(db, &agent, number, Some(demo.users[2].1), None, None)
        .await
        .unwrap();
    domain::conversations::set_status(
        db,
        &agent,
        number,
        shared::inbox::ConversationStatus::Waiting,
        None,
    )
    .await
    .unwrap();
    let paused = conversation_json(&app, &desk, number).await;
    assert_eq!(paused["sla_paused"], true, "{paused}");
    // Stopped clocks never breach, however late.
    run_out(owner, number, "sla_resolution_due_at").await;
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        0
    );
    sqlx::query(
        "UPDATE conversations SET sla_resolution_due_at = $2, sla_paused_at = now() - interval '30 minutes'
          WHERE number = $1",
    )
    .bind(number)
    .bind(before)
    .execute(owner)
    .await
    .unwrap();
    // Back to work: the clocks go on, 30 minutes later.
    let resumed = domain::conversations::set_status(
        db,
        &agent,
        number,
        shared::inbox::ConversationStatus::InProgress,
        None,
    )
    .await
    .unwrap();
    assert!(!resumed.sla_paused);
    let after = resumed.sla_resolution_due_at.unwrap();
    assert!(
        ((after - before) - Duration::minutes(30))
            .num_seconds()
            .abs()
            < 5,
        "moved by the stop: {before} → {after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replying_to_an_unassigned_waiting_conversation_restarts_its_clocks() {
    let app = spawn_app().await;
    let (demo, desk) = desk_with_policy(&app).await;
    let db = &app.database.db;
    let number = customer_writes(&app, &desk).await;
    let admin = demo.actor(Role::GlobalAdmin);
    domain::conversations::set_status(
        db,
        &admin,
        number,
        shared::inbox::ConversationStatus::Waiting,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        conversation_json(&app, &desk, number).await["sla_paused"],
        true
    );
    // The reply takes it (in progress): its clocks run again, so they can
    // breach — a stopped clock on an active conversation never would.
    let agent = demo.actor(Role::Agent);
    let reply = domain::messages::Reply {
        body: "Olá! Vou verificar.".into(),
        ..Default::default()
    };
    domain::messages::send(db, &agent, number, &reply)
        .await
        .unwrap();
    let answered = conversation_json(&app, &desk, number).await;
    assert_eq!(answered["status"], "in_progress", "{answered}");
    assert_eq!(answered["sla_paused"], false, "{answered}");
    run_out(&app.database.owner, number, "sla_resolution_due_at").await;
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_policies_over_rest_validate_and_detach_when_removed() {
    let app = spawn_app().await;
    let (_demo, desk) = desk_with_policy(&app).await;
    let client = app.plain_client();
    let url = |path: &str| format!("{}/api/v1/{path}", app.base_url);
    for (bad, field) in [
        (json!({ "name": "Nada" }), "first_response_minutes"),
        (
            json!({ "name": "Zero", "resolution_minutes": 0 }),
            "resolution_minutes",
        ),
        (
            json!({ "name": "Rápido", "first_response_minutes": 5 }),
            "name",
        ),
        (
            json!({ "name": "X", "first_response_minutes": 5, "color": "red" }),
            "color",
        ),
    ] {
        let refused = client
            .post(url("sla-policies"))
            .bearer_auth(&desk.token)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422, "{bad}");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["fields"][0]["field"], field, "{bad}: {error}");
    }
    let patched: Value = client
        .patch(url(&format!("sla-policies/{}", desk.policy)))
        .bearer_auth(&desk.token)
        .json(&json!({ "name": "Rápido 24h", "first_response_minutes": null }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(patched["name"], "Rápido 24h");
    assert_eq!(patched["first_response_minutes"], Value::Null);
    assert_eq!(patched["resolution_minutes"], 60);
    let removed = client
        .delete(url(&format!("sla-policies/{}", desk.policy)))
        .bearer_auth(&desk.token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let departments: Value = client
        .get(url("departments"))
        .bearer_auth(&desk.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(departments
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["sla_policy_id"].is_null() || d["name"] == "Cobrança"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_counts_clocks_met_and_breached() {
    use shared::dashboard::KpiKey;
    use shared::reports::DatePreset;
    let app = spawn_app().await;
    let (demo, desk) = desk_with_policy(&app).await;
    let db = &app.database.db;
    let admin = demo.actor(Role::GlobalAdmin);
    let compliance = || async {
        domain::dashboard::figures(db, &admin, DatePreset::Today)
            .await
            .unwrap()
            .kpis
            .into_iter()
            .find(|k| k.key == KpiKey::SlaCompliance)
            .unwrap()
            .current
    };
    let late = customer_writes(&app, &desk).await;
    let answered = customer_writes(&app, &desk).await;
    assert_eq!(
        compliance().await,
        None,
        "no clock has ended yet: no figure"
    );

    run_out(&app.database.owner, late, "sla_first_response_due_at").await;
    domain::service_desk::sla::sweep_breaches(db).await.unwrap();
    let reply = domain::messages::Reply {
        body: "Já vou ver".into(),
        ..Default::default()
    };
    domain::messages::send(db, &admin, answered, &reply)
        .await
        .unwrap();
    assert_eq!(compliance().await, Some(0.5), "one met, one breached");
}

/// Seconds between a due time and `minutes` after `from`.
fn off_by(due: &Value, from: DateTime<Utc>, minutes: i64) -> i64 {
    (at(due) - from - Duration::minutes(minutes))
        .num_seconds()
        .abs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_unanswered_customer_turn_runs_a_next_response_clock() {
    let app = spawn_app().await;
    let (demo, desk) = desk_with_policy(&app).await;
    let db = &app.database.db;
    let owner = &app.database.owner;
    let client = app.plain_client();
    let patched: Value = client
        .patch(format!(
            "{}/api/v1/sla-policies/{}",
            app.base_url, desk.policy
        ))
        .bearer_auth(&desk.token)
        .json(&json!({ "next_response_minutes": 20 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(patched["next_response_minutes"], 20, "{patched}");
    assert_eq!(patched["first_response_minutes"], 10, "kept");

    let visitor = app.visitor(&desk.channel).await;
    let says = |text: &'static str| {
        let visitor = visitor.clone();
        let channel = desk.channel.clone();
        let app = &app;
        async move { app.visitor_says(&channel, &visitor, text).await }
    };
    says("oi, preciso de ajuda").await;
    let number: i64 = sqlx::query_scalar("SELECT max(number) FROM conversations")
        .fetch_one(owner)
        .await
        .unwrap();
    // Before the first answer only the first-response clock runs.
    says("alguém aí?").await;
    let fresh = conversation_json(&app, &desk, number).await;
    assert_eq!(fresh["sla_next_response_due_at"], Value::Null, "{fresh}");

    let agent = demo.actor(Role::Agent);
    let answer = || async {
        let reply = domain::messages::Reply {
            body: "Olá! Já vejo.".into(),
            ..Default::default()
        };
        domain::messages::send(db, &agent, number, &reply)
            .await
            .unwrap();
    };
    answer().await;
    assert_eq!(
        conversation_json(&app, &desk, number).await["sla_next_response_due_at"],
        Value::Null,
        "answered: no turn runs"
    );
    let wrote = Utc::now();
    says("e o meu pedido?").await;
    let turn = conversation_json(&app, &desk, number).await;
    assert!(
        off_by(&turn["sla_next_response_due_at"], wrote, 20) < 10,
        "{turn}"
    );
    // A second message in the same turn does not move the clock.
    says("??").await;
    assert_eq!(
        conversation_json(&app, &desk, number).await["sla_next_response_due_at"],
        turn["sla_next_response_due_at"]
    );
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        0,
        "positive control: not due yet"
    );
    run_out(owner, number, "sla_next_response_due_at").await;
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        1
    );
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        0,
        "once per turn"
    );
    // Answered, then a new turn: it can breach again.
    answer().await;
    assert_eq!(
        conversation_json(&app, &desk, number).await["sla_next_response_due_at"],
        Value::Null
    );
    says("ainda não chegou").await;
    // The fake clock: the first turn's breach was an hour ago.
    sqlx::query(
        "UPDATE conversations SET sla_next_response_breached_at = now() - interval '1 hour'
          WHERE number = $1",
    )
    .bind(number)
    .execute(owner)
    .await
    .unwrap();
    run_out(owner, number, "sla_next_response_due_at").await;
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        1
    );
    assert_eq!(
        breach_lines(owner, number).await,
        ["next_response", "next_response"]
    );
    let breached = conversation_json(&app, &desk, number).await;
    assert_eq!(breached["sla_breached"], true);

    // Resolved in time, reopened by the customer: a fresh resolution
    // clock, not a breach for the time it was closed.
    answer().await;
    domain::conversations::assign(db, &agent, number, Some(demo.users[2].1), None, None)
        .await
        .unwrap();
    domain::conversations::set_status(
        db,
        &agent,
        number,
        shared::inbox::ConversationStatus::Resolved,
        None,
    )
    .await
    .unwrap();
    run_out(owner, number, "sla_resolution_due_at").await;
    let reopened_at = Utc::now();
    says("voltei").await;
    let reopened = conversation_json(&app, &desk, number).await;
    assert!(
        off_by(&reopened["sla_resolution_due_at"], reopened_at, 60) < 10,
        "{reopened}"
    );
    assert!(off_by(&reopened["sla_next_response_due_at"], reopened_at, 20) < 10);
    assert_eq!(
        domain::service_desk::sla::sweep_breaches(db).await.unwrap(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_priority_with_its_own_policy_recomputes_the_due_times() {
    let app = spawn_app().await;
    let (demo, desk) = desk_with_policy(&app).await;
    let db = &app.database.db;
    let client = app.plain_client();
    let url = |path: &str| format!("{}/api/v1/{path}", app.base_url);
    let urgent: Value = client
        .post(url("sla-policies"))
        .bearer_auth(&desk.token)
        .json(
            &json!({ "name": "Imediato", "first_response_minutes": 2, "next_response_minutes": 5,
                       "resolution_minutes": 15, "business_hours_only": false }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let urgent = urgent["id"].as_i64().unwrap();
    let support: i64 = sqlx::query_scalar("SELECT id FROM departments WHERE name = 'Suporte'")
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    let department = |body: Value| {
        let request = client
            .patch(url(&format!("departments/{support}")))
            .bearer_auth(&desk.token)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let refused = department(json!({ "sla_by_priority": { "urgent": 999_999 } })).await;
    assert_eq!(refused.status(), 422);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["fields"][0]["field"], "sla_by_priority", "{error}");
    assert_eq!(
        department(json!({ "sla_by_priority": { "immediate": urgent } }))
            .await
            .status(),
        422,
        "unknown priority"
    );
    let saved: Value = department(json!({ "sla_by_priority": { "urgent": urgent } }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        saved["sla_by_priority"],
        json!({ "urgent": urgent }),
        "{saved}"
    );
    assert_eq!(saved["sla_policy_id"], desk.policy);

    let number = customer_writes(&app, &desk).await;
    let started = at(&conversation_json(&app, &desk, number).await["created_at"]);
    let agent = demo.actor(Role::Agent);
    let set = |priority| domain::conversations::set_priority(db, &agent, number, priority);
    let raised = set(shared::inbox::Priority::Urgent).await.unwrap();
    let due = |c: &shared::inbox::ConversationSummary| {
        (
            c.sla_first_response_due_at.unwrap() - started,
            c.sla_resolution_due_at.unwrap() - started,
        )
    };
    let close = |(a, b): (Duration, Duration), (x, y): (i64, i64)| {
        (a - Duration::minutes(x)).num_seconds().abs() < 10
            && (b - Duration::minutes(y)).num_seconds().abs() < 10
    };
    assert!(close(due(&raised), (2, 15)), "{raised:?}");
    // High has no policy of its own: the department's applies again, from
    // the same start.
    let lowered = set(shared::inbox::Priority::High).await.unwrap();
    assert!(close(due(&lowered), (10, 60)), "{lowered:?}");

    // A department with a policy only for urgent conversations: the others
    // have no clocks, and raising one starts them.
    department(json!({ "sla_policy_id": null })).await;
    let plain = customer_writes(&app, &desk).await;
    let unpromised = conversation_json(&app, &desk, plain).await;
    assert_eq!(
        unpromised["sla_first_response_due_at"],
        Value::Null,
        "{unpromised}"
    );
    let raised =
        domain::conversations::set_priority(db, &agent, plain, shared::inbox::Priority::Urgent)
            .await
            .unwrap();
    assert!(raised.sla_first_response_due_at.is_some(), "{raised:?}");
    let normal =
        domain::conversations::set_priority(db, &agent, plain, shared::inbox::Priority::Normal)
            .await
            .unwrap();
    assert_eq!(normal.sla_first_response_due_at, None, "stopped again");
}
