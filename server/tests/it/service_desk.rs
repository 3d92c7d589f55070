//! The service desk: distribution to agents with capacity (atomic across
//! instances), the queue, the customer wallet, out-of-hours replies and the
//! departments REST API.

use serde_json::{json, Value};
use shared::departments::{
    Calendar, DepartmentForm, DepartmentMember, Distribution, ServiceDeskSettings, WalletFallback,
    WeeklyHours,
};
use shared::Role;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{eventually, spawn_app, TestApp, REQUEST_TIMEOUT};

/// The demo's Suporte, made the website channel's default department with
/// these members and mode, open around the clock. Returns its id.
async fn staff_support(
    app: &TestApp,
    demo: &domain::seed::DemoAccount,
    channel_token: &str,
    mode: Distribution,
    members: &[(Uuid, u16)],
) -> i64 {
    let db = &app.database.db;
    let admin = demo.actor(Role::GlobalAdmin);
    let support = domain::departments::list(db, &admin)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "Suporte")
        .unwrap();
    let mut form = DepartmentForm::from_department(&support);
    form.distribution = mode;
    form.calendar = Some(Calendar::default());
    form.members = members
        .iter()
        .map(|&(user_id, max_conversations)| DepartmentMember {
            user_id,
            max_conversations,
        })
        .collect();
    domain::departments::save(db, &admin, Some(support.id), &form)
        .await
        .unwrap();
    let channel = channel_id(&app.database.owner, channel_token).await;
    domain::channels::set_default_department(db, &admin, channel, Some(support.id))
        .await
        .unwrap();
    support.id
}

async fn channel_id(owner: &PgPool, token: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM channels WHERE public_token = $1")
        .bind(token)
        .fetch_one(owner)
        .await
        .unwrap()
}

/// Open, in-progress and waiting conversations assigned to the user.
async fn load_of(owner: &PgPool, user: Uuid) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM conversations
          WHERE assignee_id = $1 AND status IN ('open', 'in_progress', 'waiting')",
    )
    .bind(user)
    .fetch_one(owner)
    .await
    .unwrap()
}

/// A new visitor writes: a new conversation. Returns its id.
async fn new_customer_writes(app: &TestApp, channel: &str, body: &str) -> (String, i64) {
    let visitor = app.visitor(channel).await;
    let message = app.visitor_says(channel, &visitor, body).await;
    let id: i64 = sqlx::query_scalar(
        "SELECT conversation_id FROM messages WHERE kind = 'incoming' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert!(message["id"].is_number(), "{message}");
    (visitor, id)
}

async fn assignee_of(owner: &PgPool, conversation: i64) -> Option<Uuid> {
    sqlx::query_scalar("SELECT assignee_id FROM conversations WHERE id = $1")
        .bind(conversation)
        .fetch_one(owner)
        .await
        .unwrap()
}

async fn online(app: &TestApp, demo: &domain::seed::DemoAccount, users: &[Uuid]) {
    domain::inbox::touch_presence(&app.database.db, demo.account_id, users)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_distribution_never_exceeds_capacity_nor_assigns_twice() {
    let app = spawn_app().await;
    let _second = app.another_instance().await;
    let (demo, channel) = app.demo_inbox().await;
    let owner = &app.database.owner;
    let (supervisor, agent) = (demo.users[1].1, demo.users[2].1);
    // Two free seats for one, three for the other, over what they hold.
    let seats = [
        (supervisor, (load_of(owner, supervisor).await + 2) as u16),
        (agent, (load_of(owner, agent).await + 3) as u16),
    ];
    staff_support(&app, &demo, &channel, Distribution::LeastBusy, &seats).await;
    online(&app, &demo, &[supervisor, agent]).await;

    let mut customers = tokio::task::JoinSet::new();
    for n in 0..10 {
        let base_url = app.base_url.clone();
        let channel = channel.clone();
        let db = app.database.db.clone();
        customers.spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()
                .unwrap();
            let visitor: Value = client
                .post(format!("{base_url}/widget/{channel}/session"))
                .header("origin", &base_url)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let sent = client
                .post(format!("{base_url}/widget/{channel}/messages"))
                .header("origin", &base_url)
                .json(&json!({ "visitor": visitor["visitor"], "body": format!("cliente {n}") }))
                .send()
                .await
                .unwrap();
            assert_eq!(sent.status(), 201);
            // Extra distributors racing the two instances' own.
            domain::service_desk::distribute_queued(&db).await.unwrap();
        });
    }
    while let Some(done) = customers.join_next().await {
        done.unwrap();
    }
    let routed = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM messages WHERE kind = 'activity' AND activity->>'type' = 'routed'",
        )
        .fetch_one(owner)
        .await
        .unwrap()
    };
    eventually("five conversations are routed", || async {
        routed().await == 5
    })
    .await;
    // Another few passes change nothing: everyone is full.
    for _ in 0..3 {
        domain::service_desk::distribute_queued(&app.database.db)
            .await
            .unwrap();
    }
    assert_eq!(routed().await, 5);
    for (user, capacity) in seats {
        assert_eq!(
            load_of(owner, user).await,
            i64::from(capacity),
            "filled exactly"
        );
    }
    let twice: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT conversation_id FROM messages
                                WHERE kind = 'activity' AND activity->>'type' = 'routed'
                                GROUP BY conversation_id HAVING count(*) > 1) t",
    )
    .fetch_one(owner)
    .await
    .unwrap();
    assert_eq!(twice, 0, "no conversation is given twice");
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM conversations WHERE queued_at IS NOT NULL AND assignee_id IS NULL",
    )
    .fetch_one(owner)
    .await
    .unwrap();
    assert_eq!(waiting, 5, "the rest wait in the queue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_conversation_goes_to_the_agent_who_frees_up() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let owner = &app.database.owner;
    let agent = demo.users[2].1;
    let capacity = (load_of(owner, agent).await + 1) as u16;
    staff_support(
        &app,
        &demo,
        &channel,
        Distribution::RoundRobin,
        &[(agent, capacity)],
    )
    .await;
    // Offline first: nobody gets anything, the queue keeps the order.
    let (_, first) = new_customer_writes(&app, &channel, "primeiro").await;
    let (_, second) = new_customer_writes(&app, &channel, "segundo").await;
    domain::service_desk::distribute_queued(&app.database.db)
        .await
        .unwrap();
    assert_eq!(
        assignee_of(owner, first).await,
        None,
        "offline agents get nothing"
    );

    online(&app, &demo, &[agent]).await;
    eventually("the first in line is routed", || async {
        assignee_of(owner, first).await == Some(agent)
    })
    .await;
    assert_eq!(assignee_of(owner, second).await, None, "at capacity");
    let line: Value = sqlx::query_scalar(
        "SELECT activity FROM messages WHERE conversation_id = $1 AND activity->>'type' = 'routed'",
    )
    .bind(first)
    .fetch_one(owner)
    .await
    .unwrap();
    assert_eq!(
        line,
        json!({ "type": "routed", "to": "Alice Atendente", "reason": "round_robin" })
    );

    // Resolving frees a seat: the next in line follows at once.
    let number: i64 = sqlx::query_scalar("SELECT number FROM conversations WHERE id = $1")
        .bind(first)
        .fetch_one(owner)
        .await
        .unwrap();
    domain::conversations::set_status(
        &app.database.db,
        &demo.actor(Role::Agent),
        number,
        shared::inbox::ConversationStatus::Resolved,
        None,
    )
    .await
    .unwrap();
    eventually("the second is routed once a seat is free", || async {
        assignee_of(owner, second).await == Some(agent)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallet_sends_customers_to_their_owner() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let db = &app.database.db;
    let owner_pool = &app.database.owner;
    let admin = demo.actor(Role::GlobalAdmin);
    let (supervisor, agent) = (demo.users[1].1, demo.users[2].1);
    // Suporte distributes to the supervisor only; Alice owns the customer.
    let capacity = (load_of(owner_pool, supervisor).await + 5) as u16;
    staff_support(
        &app,
        &demo,
        &channel,
        Distribution::RoundRobin,
        &[(supervisor, capacity)],
    )
    .await;
    let mut settings = domain::service_desk::calendars::settings(db, &admin)
        .await
        .unwrap();
    settings.wallet_routing = true;
    settings.wallet_owner_offline = WalletFallback::Wait;
    domain::service_desk::calendars::update_settings(db, &admin, &settings)
        .await
        .unwrap();

    let (visitor, first) = new_customer_writes(&app, &channel, "oi").await;
    let contact: i64 = sqlx::query_scalar("SELECT contact_id FROM conversations WHERE id = $1")
        .bind(first)
        .fetch_one(owner_pool)
        .await
        .unwrap();
    // Positive control: without an owner, the department's mode applies.
    online(&app, &demo, &[supervisor]).await;
    eventually("an unowned customer goes by round-robin", || async {
        assignee_of(owner_pool, first).await == Some(supervisor)
    })
    .await;

    let agent_actor = demo.actor(Role::Agent);
    assert!(
        domain::contacts::set_owner(db, &agent_actor, contact, Some(agent))
            .await
            .is_err(),
        "agents do not hand out customers"
    );
    let owned = domain::contacts::set_owner(db, &admin, contact, Some(agent))
        .await
        .unwrap();
    assert_eq!(owned.owner_id, Some(agent));
    // The customer comes back a day after their conversation closed: a new
    // conversation, which the wallet gives to the owner.
    let number: i64 = sqlx::query_scalar("SELECT number FROM conversations WHERE id = $1")
        .bind(first)
        .fetch_one(owner_pool)
        .await
        .unwrap();
    domain::conversations::set_status(
        db,
        &demo.actor(Role::Supervisor),
        number,
        shared::inbox::ConversationStatus::Resolved,
        None,
    )
    .await
    .unwrap();
    sqlx::query("UPDATE conversations SET resolved_at = now() - interval '25 hours' WHERE id = $1")
        .bind(first)
        .execute(owner_pool)
        .await
        .unwrap();
    app.visitor_says(&channel, &visitor, "voltei").await;
    let second: i64 = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE contact_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(contact)
    .fetch_one(owner_pool)
    .await
    .unwrap();
    assert_ne!(second, first);
    domain::service_desk::distribute_queued(db).await.unwrap();
    assert_eq!(
        assignee_of(owner_pool, second).await,
        None,
        "the owner is offline: it waits for her"
    );
    online(&app, &demo, &[agent]).await;
    eventually("the owner gets her customer", || async {
        assignee_of(owner_pool, second).await == Some(agent)
    })
    .await;
    let reason: String = sqlx::query_scalar(
        "SELECT activity->>'reason' FROM messages WHERE conversation_id = $1
            AND activity->>'type' = 'routed' ORDER BY id DESC LIMIT 1",
    )
    .bind(second)
    .fetch_one(owner_pool)
    .await
    .unwrap();
    assert_eq!(reason, "wallet");
}

async fn outgoing_bodies(owner: &PgPool, conversation: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT body FROM messages WHERE conversation_id = $1 AND kind = 'outgoing' ORDER BY id",
    )
    .bind(conversation)
    .fetch_all(owner)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_out_of_hours_reply_goes_once_per_closed_period() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let db = &app.database.db;
    let owner = &app.database.owner;
    let admin = demo.actor(Role::GlobalAdmin);
    let support = staff_support(&app, &demo, &channel, Distribution::Manual, &[]).await;
    let set_hours = |hours: Option<WeeklyHours>| {
        let admin = admin.clone();
        async move {
            let department = domain::departments::get(db, &admin, support).await.unwrap();
            let mut form = DepartmentForm::from_department(&department);
            form.calendar = Some(Calendar {
                business_hours: hours,
                holidays: vec![],
            });
            form.out_of_hours_messages = [
                (
                    "pt-BR".to_string(),
                    "Estamos fechados; voltamos amanhã.".to_string(),
                ),
                (
                    "en".to_string(),
                    "We are closed; back tomorrow.".to_string(),
                ),
            ]
            .into_iter()
            .collect();
            domain::departments::save(db, &admin, Some(support), &form)
                .await
                .unwrap();
        }
    };
    // Positive control: open around the clock, nothing is sent.
    set_hours(None).await;
    let (visitor, conversation) = new_customer_writes(&app, &channel, "bom dia").await;
    assert!(outgoing_bodies(owner, conversation).await.is_empty());

    // Closed every day: one reply, however many messages.
    set_hours(Some(WeeklyHours::default())).await;
    app.visitor_says(&channel, &visitor, "alguém aí?").await;
    app.visitor_says(&channel, &visitor, "olá?").await;
    assert_eq!(
        outgoing_bodies(owner, conversation).await,
        ["Estamos fechados; voltamos amanhã."]
    );
    let (waiting, answered): (bool, bool) = sqlx::query_as(
        "SELECT waiting_since IS NOT NULL, first_response_at IS NOT NULL FROM conversations WHERE id = $1",
    )
    .bind(conversation)
    .fetch_one(owner)
    .await
    .unwrap();
    assert!(waiting && !answered, "an automatic reply is not an answer");
    let history: Value = app
        .plain_client()
        .post(format!("{}/widget/{channel}/session", app.base_url))
        .header("origin", &app.base_url)
        .json(&json!({ "visitor": visitor }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        history.to_string().contains("Estamos fechados"),
        "the visitor sees it: {history}"
    );

    // A new closed period (the last one ended): one more.
    sqlx::query(
        "UPDATE conversations SET out_of_hours_until = now() - interval '1 minute' WHERE id = $1",
    )
    .bind(conversation)
    .execute(owner)
    .await
    .unwrap();
    app.visitor_says(&channel, &visitor, "e agora?").await;
    assert_eq!(outgoing_bodies(owner, conversation).await.len(), 2);

    // A customer whose own language is unknown gets the connection's
    // (set over REST), not the account's Portuguese.
    let token = app.demo_admin_token().await;
    let channel_number = channel_id(owner, &channel).await;
    let patched: Value = app
        .plain_client()
        .patch(format!("{}/api/v1/channels/{channel_number}", app.base_url))
        .bearer_auth(&token)
        .json(&json!({ "language": "en" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(patched["language"], "en", "{patched}");
    let (_, english) = new_customer_writes(&app, &channel, "hello?").await;
    assert_eq!(
        outgoing_bodies(owner, english).await,
        ["We are closed; back tomorrow."]
    );
    let refused = app
        .plain_client()
        .patch(format!("{}/api/v1/channels/{channel_number}", app.base_url))
        .bearer_auth(&token)
        .json(&json!({ "language": "fr" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments_rest_api_round_trips_hours_members_and_distribution() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let client = app.plain_client();
    let url = |path: &str| format!("{}/api/v1/{path}", app.base_url);
    let agent = demo.users[2].1;
    let body = json!({
        "name": "Vendas",
        "description": "Orçamentos e pedidos",
        "business_hours": {
            "mon": [{ "open": "09:00", "close": "12:00" }, { "open": "13:00", "close": "18:00" }],
            "sat": [{ "open": "09:00", "close": "13:00" }]
        },
        "holidays": ["2026-12-25", "--01-01"],
        "out_of_hours_message": "Voltamos às 9h.",
        "distribution": "least_busy",
        "members": [{ "user_id": agent, "max_conversations": 4 }]
    });
    let created = client
        .post(url("departments"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["business_hours"], body["business_hours"]);
    assert_eq!(created["holidays"], body["holidays"]);
    assert_eq!(created["uses_account_calendar"], false);
    assert_eq!(created["out_of_hours_message"], "Voltamos às 9h.");
    assert_eq!(created["distribution"], "least_busy");
    assert_eq!(created["members"], body["members"]);

    // Bad hours are refused with the day named; nothing changes.
    for (bad, field) in [
        (
            json!({ "business_hours": { "tue": [{ "open": "18:00", "close": "09:00" }] } }),
            "business_hours.tue",
        ),
        (
            json!({ "business_hours": { "wed": [{ "open": "09:00", "close": "12:00" }, { "open": "11:00", "close": "13:00" }] } }),
            "business_hours.wed",
        ),
        (json!({ "distribution": "random" }), "distribution"),
        (json!({ "holidays": ["2026-13-01"] }), "holidays"),
        (
            json!({ "members": [{ "user_id": Uuid::new_v4(), "max_conversations": 2 }] }),
            "\"members\"",
        ),
    ] {
        let refused = client
            .patch(url(&format!("departments/{id}")))
            .bearer_auth(&token)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422, "{bad}");
        let error: Value = refused.json().await.unwrap();
        assert!(error.to_string().contains(field), "{bad}: {error}");
    }

    // Back to the account's calendar: its hours show.
    let patched: Value = client
        .patch(url(&format!("departments/{id}")))
        .bearer_auth(&token)
        .json(&json!({ "uses_account_calendar": true, "distribution": "round_robin" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(patched["uses_account_calendar"], true);
    assert_eq!(patched["distribution"], "round_robin");
    assert_eq!(patched["members"], body["members"], "untouched fields stay");
    let account =
        domain::service_desk::calendars::settings(&app.database.db, &demo.actor(Role::GlobalAdmin))
            .await
            .unwrap();
    assert_eq!(
        patched["business_hours"],
        json!(account.calendar.business_hours)
    );

    // Holidays of its own, on the account's hours: the hours stay.
    let own_holidays: Value = client
        .patch(url(&format!("departments/{id}")))
        .bearer_auth(&token)
        .json(&json!({ "holidays": ["2026-11-20"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(own_holidays["uses_account_calendar"], false);
    assert_eq!(own_holidays["holidays"], json!(["2026-11-20"]));
    assert_ne!(own_holidays["business_hours"], Value::Null);
    assert_eq!(
        own_holidays["business_hours"],
        json!(account.calendar.business_hours)
    );

    // Open around the clock: null.
    let always: Value = client
        .patch(url(&format!("departments/{id}")))
        .bearer_auth(&token)
        .json(&json!({ "business_hours": null }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(always["business_hours"], Value::Null);
    assert_eq!(always["uses_account_calendar"], false);

    // A channel's default department.
    let channel = channel_id(&app.database.owner, &channel).await;
    let moved: Value = client
        .patch(url(&format!("channels/{channel}")))
        .bearer_auth(&token)
        .json(&json!({ "default_department_id": id }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved["default_department_id"], id);

    let listed: Value = client
        .get(url("departments"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed.as_array().unwrap().iter().any(|d| d["id"] == id));
    let removed = client
        .delete(url(&format!("departments/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let gone = client
        .get(url(&format!("departments/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_calendar_is_validated_and_kept() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let db = &app.database.db;
    let admin = demo.actor(Role::GlobalAdmin);
    let mut hours = WeeklyHours::default();
    hours.fri.push(shared::departments::Opening {
        open: shared::departments::ClockTime::at(18, 0),
        close: shared::departments::ClockTime::at(9, 0),
    });
    let settings = ServiceDeskSettings {
        calendar: Calendar {
            business_hours: Some(hours),
            holidays: vec![],
        },
        ..ServiceDeskSettings::default()
    };
    let refused = domain::service_desk::calendars::update_settings(db, &admin, &settings).await;
    assert!(
        matches!(&refused, Err(domain::Error::Validation(fields)) if fields[0].field == "business_hours.fri"),
        "{refused:?}"
    );
    let agent = demo.actor(Role::Agent);
    assert!(
        domain::service_desk::calendars::settings(db, &agent)
            .await
            .is_ok(),
        "everyone may read when the desk is open"
    );
    let mut by_agent = domain::service_desk::calendars::settings(db, &admin)
        .await
        .unwrap();
    by_agent.wallet_routing = true;
    assert!(matches!(
        domain::service_desk::calendars::update_settings(db, &agent, &by_agent).await,
        Err(domain::Error::Forbidden)
    ));
    let fine = ServiceDeskSettings {
        calendar: Calendar {
            business_hours: Some(WeeklyHours::weekdays(
                shared::departments::ClockTime::at(8, 0),
                shared::departments::ClockTime::at(24, 0),
            )),
            holidays: vec![shared::departments::Holiday::parse("--12-25").unwrap()],
        },
        wallet_routing: true,
        ..ServiceDeskSettings::default()
    };
    let saved = domain::service_desk::calendars::update_settings(db, &admin, &fine)
        .await
        .unwrap();
    assert_eq!(saved.calendar, fine.calendar);
    assert!(saved.wallet_routing);
    assert_eq!(saved.time_zone, "America/Sao_Paulo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopened_conversation_is_distributed_again_when_the_account_says_so() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let (db, owner) = (&app.database.db, &app.database.owner);
    let admin = demo.actor(Role::GlobalAdmin);
    let (alice, sergio) = (demo.users[2].1, demo.users[1].1);
    staff_support(
        &app,
        &demo,
        &channel,
        Distribution::RoundRobin,
        &[(alice, 50), (sergio, 50)],
    )
    .await;
    let (visitor, conversation) = new_customer_writes(&app, &channel, "primeira vez").await;
    let resolved_by_alice = || async {
        sqlx::query(
            "UPDATE conversations SET assignee_id = $2, status = 'resolved', resolved_at = now()
              WHERE id = $1",
        )
        .bind(conversation)
        .bind(alice)
        .execute(owner)
        .await
        .unwrap();
    };
    // Only Sérgio is online; Alice had the conversation.
    online(&app, &demo, &[sergio]).await;

    // By default the customer's reopened conversation stays with Alice.
    resolved_by_alice().await;
    app.visitor_says(&channel, &visitor, "voltei").await;
    domain::service_desk::distribute_queued(db).await.unwrap();
    assert_eq!(assignee_of(owner, conversation).await, Some(alice));

    // With the setting on, it goes back through distribution: to Sérgio.
    let mut settings = domain::service_desk::calendars::settings(db, &admin)
        .await
        .unwrap();
    settings.reroute_reopened = true;
    domain::service_desk::calendars::update_settings(db, &admin, &settings)
        .await
        .unwrap();
    resolved_by_alice().await;
    app.visitor_says(&channel, &visitor, "voltei de novo").await;
    eventually("the reopened conversation is distributed again", || async {
        assignee_of(owner, conversation).await == Some(sergio)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_agents_receive_nothing_until_they_are_back() {
    use shared::activity::BrowserActivity;
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let (db, owner) = (&app.database.db, &app.database.owner);
    let sergio = demo.actor(Role::Supervisor);
    staff_support(
        &app,
        &demo,
        &channel,
        Distribution::RoundRobin,
        &[(sergio.user_id, 50)],
    )
    .await;
    online(&app, &demo, &[sergio.user_id]).await;
    domain::activity::report(db, &sergio, BrowserActivity::Idle)
        .await
        .unwrap();
    let (_, waiting) = new_customer_writes(&app, &channel, "alguém?").await;
    domain::service_desk::distribute_queued(db).await.unwrap();
    assert_eq!(assignee_of(owner, waiting).await, None, "idle: not given");

    // Positive control: back at the keyboard, the queue reaches him.
    domain::activity::report(db, &sergio, BrowserActivity::Active)
        .await
        .unwrap();
    online(&app, &demo, &[sergio.user_id]).await;
    eventually(
        "the waiting conversation reaches the active agent",
        || async { assignee_of(owner, waiting).await == Some(sergio.user_id) },
    )
    .await;
}
