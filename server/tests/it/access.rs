//! Teams that isolate: department grants, restricted connections and
//! per-person limits decide what each person reaches — alike in the list,
//! search, counts, REST, live sockets and notifications — and what they may
//! do there (assign, answer through a connection).

use crate::helpers::TestApp;
use crate::realtime::{agent_socket, wait_for, Socket};
use domain::Actor;
use serde_json::Value;
use shared::access::{ChannelAccess, ChannelAccessSettings, DepartmentAccess, Grant, MemberLimits};
use shared::inbox::{InboxFilter, InboxTab, ViewKind};
use shared::Role;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use uuid::Uuid;

/// A new member of the demo account who can sign in with the demo password.
async fn person(app: &TestApp, account_id: Uuid, local: &str, role: Role) -> Actor {
    let owner = &app.database.owner;
    let id = Uuid::now_v7();
    let email = format!("{local}@demo.ponte.dev");
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash)
         SELECT $1, $2, $3, password_hash FROM users WHERE email = 'agent@demo.ponte.dev'",
    )
    .bind(id)
    .bind(&email)
    .bind(local)
    .execute(owner)
    .await
    .unwrap();
    sqlx::query("INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, $3)")
        .bind(account_id)
        .bind(id)
        .bind(role)
        .execute(owner)
        .await
        .unwrap();
    Actor {
        user_id: id,
        account_id,
        role,
        name: local.into(),
        email,
        ip: None,
    }
}

/// A conversation started by a visitor on `channel`, placed in
/// `department`: its number and the visitor.
async fn conversation(
    app: &TestApp,
    channel: &str,
    department: Option<i64>,
    text: &str,
) -> (i64, String) {
    let visitor = app.visitor(channel).await;
    let message = app.visitor_says(channel, &visitor, text).await;
    let number: i64 = sqlx::query_scalar(
        "UPDATE conversations c SET department_id = $2 FROM messages m
          WHERE m.id = $1 AND c.id = m.conversation_id RETURNING c.number",
    )
    .bind(message["id"].as_i64().unwrap())
    .bind(department)
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    (number, visitor)
}

async fn listed(app: &TestApp, viewer: &Actor, q: Option<&str>) -> BTreeSet<i64> {
    let filter = InboxFilter {
        tab: InboxTab::All,
        q: q.map(str::to_string),
        all_statuses: true,
        limit: Some(100),
        ..Default::default()
    };
    domain::conversations::list(&app.database.db, viewer, &filter)
        .await
        .unwrap()
        .conversations
        .iter()
        .map(|c| c.number)
        .collect()
}

async fn by_rest(app: &TestApp, viewer: &Actor) -> BTreeSet<i64> {
    let token = domain::api_tokens::create(&app.database.db, viewer, "matriz", None)
        .await
        .unwrap()
        .token;
    let page: Value = app
        .plain_client()
        .get(format!("{}/api/v1/conversations?limit=100", app.base_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_i64().unwrap())
        .collect()
}

/// The conversations whose new message reached this socket (frames are
/// read until none has come for a second).
async fn heard(socket: &mut Socket, numbers: &BTreeMap<i64, i64>) -> BTreeSet<i64> {
    let mut heard = BTreeSet::new();
    while let Some(frame) = wait_for(socket, Duration::from_secs(1), |v| {
        v["type"] == "message_created"
            && v["message"]["body"]
                .as_str()
                .is_some_and(|b| b.ends_with("segunda"))
    })
    .await
    {
        let conversation_id = frame["message"]["conversation_id"].as_i64().unwrap();
        heard.extend(numbers.get(&conversation_id));
    }
    heard
}

/// The demo account with a department "Vendas" (one member, one watcher),
/// a restricted second widget (one reader) and a supervisor held to their
/// (no) departments.
struct World {
    app: TestApp,
    account: Uuid,
    admin: Actor,
    supervisor: Actor,
    member: Actor,
    watcher: Actor,
    reader: Actor,
    outsider: Actor,
    limited: Actor,
    sales: shared::departments::Department,
    open: String,
    restricted: String,
    restricted_id: i64,
}

async fn world() -> World {
    let app = crate::helpers::spawn_app().await;
    let (demo, open) = app.demo_inbox().await;
    let db = &app.database.db;
    let account = demo.account_id;
    let admin = demo.actor(Role::GlobalAdmin);
    let member = person(&app, account, "vendas", Role::Agent).await;
    let watcher = person(&app, account, "olheiro", Role::Agent).await;
    let reader = person(&app, account, "leitor", Role::Agent).await;
    let outsider = person(&app, account, "fora", Role::Agent).await;
    let limited = person(&app, account, "chefe", Role::Supervisor).await;
    domain::access::save_member_limits(
        db,
        &admin,
        limited.user_id,
        &MemberLimits {
            limited_to_departments: true,
            ..MemberLimits::default()
        },
    )
    .await
    .unwrap();

    let created = domain::departments::create(db, &admin, "Vendas")
        .await
        .unwrap();
    let mut form = shared::departments::DepartmentForm::from_department(&created);
    form.members = vec![shared::departments::DepartmentMember {
        user_id: member.user_id,
        max_conversations: 10,
    }];
    form.grants = vec![Grant {
        role: None,
        user_id: Some(watcher.user_id),
        level: DepartmentAccess::View,
    }];
    let sales = domain::departments::save(db, &admin, Some(created.id), &form)
        .await
        .unwrap();
    assert_eq!(sales.grants, form.grants, "the grant is stored");

    let (restricted_id, restricted): (i64, String) = sqlx::query_as(
        "INSERT INTO channels (account_id, kind, name, public_token, settings)
         SELECT account_id, kind, 'Restrita', 'wc_restrita_matriz', settings FROM channels
          WHERE public_token = $1 RETURNING id, public_token",
    )
    .bind(&open)
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    domain::access::save_channel_access(
        db,
        &admin,
        restricted_id,
        &reader_may(reader.user_id, ChannelAccess::Read),
    )
    .await
    .unwrap();
    World {
        account,
        supervisor: demo.actor(Role::Supervisor),
        admin,
        member,
        watcher,
        reader,
        outsider,
        limited,
        sales,
        open,
        restricted,
        restricted_id,
        app,
    }
}

fn reader_may(reader: Uuid, level: ChannelAccess) -> ChannelAccessSettings {
    ChannelAccessSettings {
        restricted: true,
        grants: vec![Grant {
            role: None,
            user_id: Some(reader),
            level,
        }],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_reaches_exactly_their_departments_and_connections_everywhere() {
    let w = world().await;
    let (app, db, owner) = (&w.app, &w.app.database.db, &w.app.database.owner);
    let (open, restricted, sales) = (&w.open, &w.restricted, &w.sales);
    let (in_sales_open, v1) = conversation(app, open, Some(sales.id), "isolamento um").await;
    let (in_sales_restricted, v2) =
        conversation(app, restricted, Some(sales.id), "isolamento dois").await;
    let (nowhere_restricted, v3) = conversation(app, restricted, None, "isolamento tres").await;
    let (nowhere_open, v4) = conversation(app, open, None, "isolamento quatro").await;
    let ours = BTreeSet::from([
        in_sales_open,
        in_sales_restricted,
        nowhere_restricted,
        nowhere_open,
    ]);
    let every = vec![
        in_sales_open,
        in_sales_restricted,
        nowhere_restricted,
        nowhere_open,
    ];
    let expected = [
        (&w.supervisor, every),
        (&w.member, vec![in_sales_open, nowhere_open]),
        (&w.watcher, vec![in_sales_open, nowhere_open]),
        (&w.reader, vec![nowhere_restricted, nowhere_open]),
        (&w.outsider, vec![nowhere_open]),
        (&w.limited, vec![nowhere_open]),
    ];

    let mut sockets = Vec::new();
    for (viewer, want) in &expected {
        let want: BTreeSet<i64> = want.iter().copied().collect();
        let list = listed(app, viewer, None).await;
        assert_eq!(
            list.intersection(&ours).copied().collect::<BTreeSet<_>>(),
            want,
            "list of {}",
            viewer.name
        );
        let search = listed(app, viewer, Some("isolamento")).await;
        assert_eq!(search, want, "search of {}", viewer.name);
        let rest = by_rest(app, viewer).await;
        assert_eq!(
            rest.intersection(&ours).copied().collect::<BTreeSet<_>>(),
            want,
            "REST of {}",
            viewer.name
        );
        // The tab counts count what the inbox lists.
        let active = domain::conversations::list(
            db,
            viewer,
            &InboxFilter {
                tab: InboxTab::All,
                limit: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .conversations
        .len();
        let counts = domain::conversations::counts(db, viewer).await.unwrap();
        assert_eq!(counts.all as usize, active, "counts of {}", viewer.name);
        // Views count what the view's list shows, unread included.
        let in_sales = want
            .iter()
            .filter(|n| [in_sales_open, in_sales_restricted].contains(n))
            .count() as i64;
        let sales_view = counts.view(ViewKind::Department, &sales.id.to_string());
        assert_eq!(
            sales_view.map(|v| (v.total, v.unread)),
            (in_sales > 0).then_some((in_sales, in_sales)),
            "Vendas view of {}",
            viewer.name
        );
        // The inbox's connection filter offers only connections they see.
        let offered = domain::inbox::context(db, viewer).await.unwrap().channels;
        assert_eq!(
            offered.iter().any(|c| c.id == w.restricted_id),
            want.contains(&nowhere_restricted),
            "connections offered to {}",
            viewer.name
        );
        sockets.push(agent_socket(app, &app.base_url, &viewer.email).await);
    }

    // Live: a new customer message in each reaches exactly the same people.
    let ids: BTreeMap<i64, i64> = sqlx::query_as(
        "SELECT id, number FROM conversations WHERE account_id = $1 AND number = ANY($2)",
    )
    .bind(w.account)
    .bind(ours.iter().copied().collect::<Vec<_>>())
    .fetch_all(owner)
    .await
    .unwrap()
    .into_iter()
    .collect();
    for (token, visitor) in [
        (open, &v1),
        (restricted, &v2),
        (restricted, &v3),
        (open, &v4),
    ] {
        app.visitor_says(token, visitor, "isolamento segunda").await;
    }
    for ((viewer, want), socket) in expected.iter().zip(sockets.iter_mut()) {
        let want: BTreeSet<i64> = want.iter().copied().collect();
        assert_eq!(heard(socket, &ids).await, want, "socket of {}", viewer.name);
    }
}

fn note_to(people: &[&Actor], body: &str) -> domain::messages::Reply {
    domain::messages::Reply {
        body: body.into(),
        note: true,
        mentions: people.iter().map(|p| p.user_id).collect(),
        ..Default::default()
    }
}

fn reply(body: &str) -> domain::messages::Reply {
    domain::messages::Reply {
        body: body.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_decide_who_assigns_answers_and_is_told() {
    let w = world().await;
    let (app, db, owner) = (&w.app, &w.app.database.db, &w.app.database.owner);
    let (in_sales, _) = conversation(app, &w.open, Some(w.sales.id), "atribuir").await;
    let (restricted, _) = conversation(app, &w.restricted, None, "responder").await;

    // Viewing is not assigning: the watcher may not take it; the member may.
    let taken = domain::conversations::assign(
        db,
        &w.watcher,
        in_sales,
        Some(w.watcher.user_id),
        None,
        None,
    )
    .await;
    assert!(matches!(taken, Err(domain::Error::Forbidden)), "{taken:?}");
    domain::conversations::assign(db, &w.member, in_sales, Some(w.member.user_id), None, None)
        .await
        .expect("a member takes their department's conversation");

    // Reading a connection is not answering through it; notes stay inside.
    let answered = domain::messages::send(db, &w.reader, restricted, &reply("olá")).await;
    assert!(
        matches!(answered, Err(domain::Error::Forbidden)),
        "{answered:?}"
    );
    domain::messages::send(db, &w.reader, restricted, &note_to(&[], "anotado"))
        .await
        .expect("a reader writes notes");
    domain::access::save_channel_access(
        db,
        &w.admin,
        w.restricted_id,
        &reader_may(w.reader.user_id, ChannelAccess::Write),
    )
    .await
    .unwrap();
    domain::messages::send(db, &w.reader, restricted, &reply("olá"))
        .await
        .expect("with write, the reader answers");

    // Mentions reach only people who may see the conversation.
    domain::messages::send(
        db,
        &w.supervisor,
        in_sales,
        &note_to(&[&w.watcher, &w.outsider], "vejam"),
    )
    .await
    .unwrap();
    let told: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM notifications WHERE account_id = $1 AND kind = 'mention'",
    )
    .bind(w.account)
    .fetch_all(owner)
    .await
    .unwrap();
    assert_eq!(
        told,
        vec![w.watcher.user_id],
        "the watcher is told, the outsider not"
    );

    // A grant given while the outsider's inbox is open applies at once.
    let mut socket = agent_socket(app, &app.base_url, &w.outsider.email).await;
    let mut form = shared::departments::DepartmentForm::from_department(&w.sales);
    form.grants.push(Grant {
        role: None,
        user_id: Some(w.outsider.user_id),
        level: DepartmentAccess::View,
    });
    domain::departments::save(db, &w.admin, Some(w.sales.id), &form)
        .await
        .unwrap();
    let resync = wait_for(&mut socket, Duration::from_secs(5), |v| {
        v["type"] == "access_changed"
    })
    .await;
    assert!(
        resync.is_some(),
        "the browser is told to fetch its list again"
    );
    domain::messages::send(db, &w.member, in_sales, &reply("agora você vê"))
        .await
        .unwrap();
    let live = wait_for(&mut socket, Duration::from_secs(5), |v| {
        v["type"] == "message_created" && v["message"]["body"] == "agora você vê"
    })
    .await;
    assert!(live.is_some(), "the new grant reaches the open socket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connections_access_is_set_and_read_over_rest() {
    let w = world().await;
    let app = &w.app;
    let token = app.demo_admin_token().await;
    let url = format!(
        "{}/api/v1/channels/{}/access",
        app.base_url, w.restricted_id
    );
    let put = |body: Value| {
        app.plain_client()
            .put(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let saved = put(serde_json::json!({
        "restricted": true,
        "grants": [{ "role": "agent", "level": "write" }, { "user_id": w.reader.user_id, "level": "manage" }],
    }))
    .await
    .unwrap();
    assert_eq!(saved.status(), 200);
    let shown: Value = app
        .plain_client()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["restricted"], true);
    assert_eq!(shown["grants"].as_array().unwrap().len(), 2, "{shown}");
    // Every agent now reads the restricted widget's conversations.
    let (number, _) = conversation(app, &w.restricted, None, "para todos").await;
    assert!(
        domain::conversations::get(&app.database.db, &w.outsider, number)
            .await
            .is_ok()
    );

    // A grant naming both a role and a person says which field is wrong.
    let bad = put(serde_json::json!({
        "restricted": true,
        "grants": [{ "role": "agent", "user_id": w.reader.user_id, "level": "read" }],
    }))
    .await
    .unwrap();
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert!(body.to_string().contains("grants"), "{body}");
    // An agent's token may not change who sees what.
    let agent_token = domain::api_tokens::create(&app.database.db, &w.outsider, "x", None)
        .await
        .unwrap()
        .token;
    let refused = app
        .plain_client()
        .put(&url)
        .bearer_auth(agent_token)
        .json(&serde_json::json!({ "restricted": false, "grants": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manage_grant_configures_that_connection_and_no_other() {
    let w = world().await;
    let (app, db) = (&w.app, &w.app.database.db);
    // The demo grants supervisors `manage` on its website channel.
    let demo_channel: i64 = sqlx::query_scalar("SELECT id FROM channels WHERE public_token = $1")
        .bind(&w.open)
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    domain::channels::set_default_department(db, &w.supervisor, demo_channel, Some(w.sales.id))
        .await
        .expect("the granted connection is theirs to configure");
    let other =
        domain::channels::set_default_department(db, &w.supervisor, w.restricted_id, None).await;
    assert!(matches!(other, Err(domain::Error::Forbidden)), "{other:?}");
    let regrant = domain::access::save_channel_access(
        db,
        &w.supervisor,
        demo_channel,
        &ChannelAccessSettings::default(),
    )
    .await;
    assert!(
        matches!(regrant, Err(domain::Error::Forbidden)),
        "who sees a connection stays the admins' call"
    );

    // REST lists what they configure, and only that.
    let token = domain::api_tokens::create(db, &w.supervisor, "sup", None)
        .await
        .unwrap()
        .token;
    let listed: Value = app
        .plain_client()
        .get(format!("{}/api/v1/channels", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![demo_channel], "{listed}");
    assert_eq!(listed[0]["default_department_id"], w.sales.id);
    // An agent with no grant configures nothing.
    let agent_token = domain::api_tokens::create(db, &w.outsider, "ag", None)
        .await
        .unwrap()
        .token;
    let refused = app
        .plain_client()
        .get(format!("{}/api/v1/channels", app.base_url))
        .bearer_auth(agent_token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}
