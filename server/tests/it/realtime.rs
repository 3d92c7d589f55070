//! Real time over WebSockets: across server instances, filtered by account
//! and visibility, with Origin checks.

use crate::helpers::{spawn_app, TestApp};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const PASSWORD: &str = "ponte-demo-2026";
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, origin: &str, cookie: Option<&str>) -> Result<Socket, u16> {
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", origin.parse().unwrap());
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
    }
    let connected = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::connect_async(request),
    )
    .await
    .expect("the WebSocket handshake timed out");
    match connected {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("websocket error: {other}"),
    }
}

fn ws_url(base: &str, path: &str) -> String {
    format!("{}{path}", base.replacen("http", "ws", 1))
}

/// Reads frames until one satisfies `wanted`, or gives up after `within`.
pub(crate) async fn wait_for(
    socket: &mut Socket,
    within: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()??
            .ok()?;
        if let Message::Text(text) = frame {
            let value: Value = serde_json::from_str(&text).unwrap();
            if wanted(&value) {
                return Some(value);
            }
        }
    }
}

pub(crate) async fn agent_socket(app: &TestApp, base: &str, email: &str) -> Socket {
    let cookie = app.session_cookie(email, PASSWORD).await;
    let mut socket = connect(&ws_url(base, "/ws"), base, Some(&cookie))
        .await
        .expect("connect");
    let hello = wait_for(&mut socket, Duration::from_secs(5), |v| {
        v["type"] == "hello"
    })
    .await;
    assert!(hello.is_some(), "hello frame");
    socket
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_produced_on_instance_a_reaches_a_socket_on_instance_b() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let instance_b = app.another_instance().await;
    assert_ne!(instance_b, app.base_url);
    let mut socket = agent_socket(&app, &instance_b, "agent@demo.ponte.dev").await;

    // The visitor writes through instance A.
    let visitor = app.visitor(&channel).await;
    app.visitor_says(&channel, &visitor, "Olá, preciso de ajuda")
        .await;

    let created = wait_for(&mut socket, Duration::from_secs(5), |v| {
        v["type"] == "message_created"
    })
    .await
    .expect("message on B");
    assert_eq!(created["message"]["body"], "Olá, preciso de ajuda");
    assert_eq!(created["message"]["kind"], "incoming");
    let conversation = conversation_after(&mut socket, &created).await;
    assert_eq!(conversation["incoming_count"], 1);
    assert_eq!(
        conversation["last_message_preview"],
        "Olá, preciso de ajuda"
    );
}

/// The conversation's new state after a new message: inside the message's
/// frame when the hub had both signals at hand, else the frame after it.
async fn conversation_after(socket: &mut Socket, created: &Value) -> Value {
    if created["conversation"].is_object() {
        return created["conversation"].clone();
    }
    let id = created["message"]["conversation_id"].clone();
    wait_for(socket, Duration::from_secs(5), |v| {
        v["type"] == "conversation_changed" && v["conversation"]["id"] == id
    })
    .await
    .expect("the conversation's new state")["conversation"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_need_a_session_and_our_origin() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let cookie = app.session_cookie("agent@demo.ponte.dev", PASSWORD).await;
    let url = ws_url(&app.base_url, "/ws");
    assert_eq!(connect(&url, &app.base_url, None).await.err(), Some(401));
    assert_eq!(
        connect(&url, "https://evil.example", Some(&cookie))
            .await
            .err(),
        Some(403)
    );
    assert!(connect(&url, &app.base_url, Some(&cookie)).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_only_hear_their_own_accounts_and_what_their_role_may_see() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    app.sign_up("Outra", "outra", "dona@outra.com").await;
    let outsider_cookie = app
        .session_cookie("dona@outra.com", "correct horse battery")
        .await;
    let mut outsider = connect(
        &ws_url(&app.base_url, "/ws"),
        &app.base_url,
        Some(&outsider_cookie),
    )
    .await
    .unwrap();
    let mut agent = agent_socket(&app, &app.base_url, "agent@demo.ponte.dev").await;
    let mut supervisor = agent_socket(&app, &app.base_url, "supervisor@demo.ponte.dev").await;

    // A conversation in a department the agent is not in, for the supervisor.
    let admin = app.signed_in("admin@demo.ponte.dev", PASSWORD).await;
    let sales: shared::inbox::Department = admin
        .call("create_department", &[("name", "Vendas")])
        .await
        .json();
    let visitor = app.visitor(&channel).await;
    let message = app.visitor_says(&channel, &visitor, "primeira").await;
    let number: i64 = sqlx::query_scalar("SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1")
        .bind(message["id"].as_i64().unwrap())
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    admin
        .call_json("assign_conversation", &json!({ "number": number, "assignee": demo.users[1].1, "change_department": true, "department_id": sales.id }))
        .await;
    let hidden = wait_for(&mut agent, Duration::from_secs(5), |v| {
        v["type"] == "conversation_hidden"
    })
    .await;
    assert!(hidden.is_some(), "the agent is told it left their view");
    app.visitor_says(&channel, &visitor, "segredo de vendas")
        .await;
    // Positive control: the pipeline delivers it to whoever may see it…
    let delivered = wait_for(&mut supervisor, Duration::from_secs(5), |v| {
        v["type"] == "message_created" && v["message"]["body"] == "segredo de vendas"
    })
    .await;
    assert!(delivered.is_some(), "the supervisor receives it");
    // …and not to the agent, who may not.
    let leaked = wait_for(&mut agent, Duration::from_secs(1), |v| {
        v["type"] == "message_created" && v["message"]["body"] == "segredo de vendas"
    })
    .await;
    assert!(
        leaked.is_none(),
        "agents do not receive messages of conversations they cannot see"
    );
    let about_conversations = |v: &Value| {
        v["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("message") || t.starts_with("conversation"))
    };
    let other_account = wait_for(
        &mut outsider,
        Duration::from_millis(500),
        about_conversations,
    )
    .await;
    assert!(
        other_account.is_none(),
        "another account hears nothing of these conversations"
    );
    // Positive control: the outsider's socket does hear its own account.
    let outsider_admin = app
        .signed_in("dona@outra.com", "correct horse battery")
        .await;
    let created = outsider_admin
        .call("create_department", &[("name", "Financeiro")])
        .await;
    assert_eq!(created.status, 200);
    let department: shared::inbox::Department = created.json();
    let members = json!({ "id": department.id, "form": { "name": "Financeiro", "members": [] } });
    outsider_admin.call_json("save_department", &members).await;
    let own = wait_for(&mut outsider, Duration::from_secs(5), |v| {
        v["type"] == "access_changed"
    })
    .await;
    assert!(own.is_some(), "its own account's changes reach it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_reaches_other_agents_and_the_visitor_but_note_typing_stays_inside() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let message = app.visitor_says(&channel, &visitor, "oi").await;
    let conversation_id: i64 =
        sqlx::query_scalar("SELECT conversation_id FROM messages WHERE id = $1")
            .bind(message["id"].as_i64().unwrap())
            .fetch_one(&app.database.owner)
            .await
            .unwrap();
    let widget_url = ws_url(
        &app.base_url,
        &format!("/widget/ws?channel={channel}&visitor={visitor}"),
    );
    let mut widget = connect(&widget_url, "http://localhost:3000", None)
        .await
        .expect("widget socket");
    let mut supervisor = agent_socket(&app, &app.base_url, "supervisor@demo.ponte.dev").await;
    let mut agent = agent_socket(&app, &app.base_url, "agent@demo.ponte.dev").await;

    let typing = |note: bool| {
        json!({ "type": "typing", "conversation_id": conversation_id, "typing": true, "note": note }).to_string()
    };
    agent
        .send(Message::Text(typing(true).into()))
        .await
        .unwrap();
    let seen = wait_for(&mut supervisor, Duration::from_secs(5), |v| {
        v["type"] == "typing"
    })
    .await
    .expect("supervisor sees typing");
    assert_eq!(seen["typist"]["name"], "Alice Atendente");
    let leaked = wait_for(&mut widget, Duration::from_secs(1), |v| {
        v["type"] == "typing"
    })
    .await;
    assert!(
        leaked.is_none(),
        "typing a note is not shown to the customer"
    );
    agent
        .send(Message::Text(typing(false).into()))
        .await
        .unwrap();
    let shown = wait_for(&mut widget, Duration::from_secs(5), |v| {
        v["type"] == "typing"
    })
    .await
    .expect("visitor sees reply typing");
    assert_eq!(shown["agent_name"], "Alice Atendente");

    // And the visitor typing shows to agents.
    widget
        .send(Message::Text(
            json!({ "type": "typing", "typing": true })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let customer = wait_for(&mut agent, Duration::from_secs(5), |v| {
        v["type"] == "typing"
    })
    .await
    .expect("agent sees customer typing");
    assert_eq!(customer["typist"]["who"], "contact");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_socket_obeys_allowed_origins_and_gets_replies_with_receipts() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let message = app.visitor_says(&channel, &visitor, "alô").await;
    let url = ws_url(
        &app.base_url,
        &format!("/widget/ws?channel={channel}&visitor={visitor}"),
    );
    assert_eq!(
        connect(&url, "https://evil.example", None).await.err(),
        Some(403)
    );
    let bad_token = ws_url(
        &app.base_url,
        &format!("/widget/ws?channel={channel}&visitor=x.y"),
    );
    assert_eq!(
        connect(&bad_token, "http://localhost:3000", None)
            .await
            .err(),
        Some(401)
    );
    let mut widget = connect(&url, "http://localhost:3000", None)
        .await
        .expect("allowed origin");
    let number: i64 = sqlx::query_scalar("SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1")
        .bind(message["id"].as_i64().unwrap())
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    let agent = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    for (body, note) in [
        ("só para a equipe", true),
        ("Oi! Em que posso ajudar?", false),
    ] {
        agent.call_json("send_message", &json!({ "number": number, "body": body, "note": note, "client_id": null, "attachment_id": null, "mentions": [] })).await;
    }
    let reply = wait_for(&mut widget, Duration::from_secs(5), |v| {
        v["type"] == "message"
    })
    .await
    .expect("reply");
    assert_eq!(
        reply["message"]["body"], "Oi! Em que posso ajudar?",
        "the note never reached the widget"
    );
    let reply_id = reply["message"]["id"].as_i64().unwrap();
    widget
        .send(Message::Text(
            json!({ "type": "read", "up_to": reply_id })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let mut status = String::new();
    for _ in 0..50 {
        status = sqlx::query_scalar("SELECT delivery_status FROM messages WHERE id = $1")
            .bind(reply_id)
            .fetch_one(&app.database.owner)
            .await
            .unwrap();
        if status == "read" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "read", "read receipts move the ticks forward");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_an_agent_closes_their_socket() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let mut agent = agent_socket(&app, &app.base_url, "agent@demo.ponte.dev").await;
    let admin = app.signed_in("admin@demo.ponte.dev", PASSWORD).await;
    admin
        .call(
            "set_member_active",
            &[
                ("user_id", &demo.users[2].1.to_string()),
                ("active", "false"),
            ],
        )
        .await;
    let ended = wait_for(&mut agent, Duration::from_secs(5), |v| {
        v["type"] == "session_ended"
    })
    .await;
    assert!(ended.is_some());
    assert!(closes_soon(&mut agent).await, "and the socket is closed");
}

/// True when the server closes the socket within a few seconds.
async fn closes_soon(socket: &mut Socket) -> bool {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demoted_supervisor_stops_receiving_at_once() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let admin = app.signed_in("admin@demo.ponte.dev", PASSWORD).await;
    let sales: shared::inbox::Department = admin
        .call("create_department", &[("name", "Vendas")])
        .await
        .json();
    let visitor = app.visitor(&channel).await;
    let first = app.visitor_says(&channel, &visitor, "primeira").await;
    let number: i64 = sqlx::query_scalar("SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1")
        .bind(first["id"].as_i64().unwrap())
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    admin
        .call_json("assign_conversation", &json!({ "number": number, "assignee": demo.users[0].1, "change_department": true, "department_id": sales.id }))
        .await;
    let mut supervisor = agent_socket(&app, &app.base_url, "supervisor@demo.ponte.dev").await;
    // Positive control: as a supervisor, the message arrives.
    app.visitor_says(&channel, &visitor, "antes da mudança")
        .await;
    assert!(wait_for(&mut supervisor, Duration::from_secs(5), |v| {
        v["type"] == "message_created" && v["message"]["body"] == "antes da mudança"
    })
    .await
    .is_some());
    let demoted = admin
        .call(
            "change_member_role",
            &[("user_id", &demo.users[1].1.to_string()), ("role", "agent")],
        )
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.body);
    let told = wait_for(&mut supervisor, Duration::from_secs(5), |v| {
        v["type"] == "session_changed"
    })
    .await;
    assert!(
        told.is_some(),
        "the browser is told to refetch what it may do"
    );
    app.visitor_says(&channel, &visitor, "depois da mudança")
        .await;
    let leaked = wait_for(&mut supervisor, Duration::from_secs(2), |v| {
        v["type"] == "message_created" && v["message"]["body"] == "depois da mudança"
    })
    .await;
    assert!(
        leaked.is_none(),
        "the open socket sees with the new role, without reconnecting"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snooze_running_out_reaches_open_browsers() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let mut supervisor = agent_socket(&app, &app.base_url, "supervisor@demo.ponte.dev").await;
    let agent = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    let until = chrono::Utc::now() + chrono::Duration::hours(1);
    let snoozed = agent
        .call_json(
            "set_conversation_status",
            &json!({ "number": 1, "status": "waiting", "snooze_until": until }),
        )
        .await;
    assert_eq!(snoozed.status, 200, "{}", snoozed.body);
    sqlx::query(
        "UPDATE conversations SET snoozed_until = now() - interval '1 second' WHERE number = 1",
    )
    .execute(&app.database.owner)
    .await
    .unwrap();
    let ended = domain::conversations::end_due_snoozes(&app.database.db)
        .await
        .unwrap();
    assert_eq!(ended, 1);
    let line = wait_for(&mut supervisor, Duration::from_secs(5), |v| {
        v["type"] == "message_created" && v["message"]["activity"]["type"] == "snooze_ended"
    })
    .await
    .expect("the activity line arrives live");
    let conversation = conversation_after(&mut supervisor, &line).await;
    assert_eq!(conversation["status"], "in_progress");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_for_many_messages_travel_as_one_signal_and_reach_every_agent() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let first = app.visitor_says(&channel, &visitor, "alô").await;
    let number: i64 = sqlx::query_scalar("SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1")
        .bind(first["id"].as_i64().unwrap())
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    let agent = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    let mut replies = Vec::new();
    for body in ["Bom dia!", "Já verifico.", "Pronto, resolvido."] {
        let sent = agent.call_json("send_message", &json!({ "number": number, "body": body, "note": false, "client_id": null, "attachment_id": null, "mentions": [] })).await;
        replies.push(sent.json::<Value>()["id"].as_i64().expect("message id"));
    }
    let mut supervisor = agent_socket(&app, &app.base_url, "supervisor@demo.ponte.dev").await;
    let mut signals = sqlx::postgres::PgListener::connect(&app.database.owner_url)
        .await
        .unwrap();
    signals.listen(domain::realtime::CHANNEL).await.unwrap();

    let url = ws_url(
        &app.base_url,
        &format!("/widget/ws?channel={channel}&visitor={visitor}"),
    );
    let mut widget = connect(&url, "http://localhost:3000", None).await.unwrap();
    let last = *replies.last().unwrap();
    widget
        .send(Message::Text(
            json!({ "type": "read", "up_to": last }).to_string().into(),
        ))
        .await
        .unwrap();

    let mut receipts = Vec::new();
    while let Ok(Ok(notification)) =
        tokio::time::timeout(Duration::from_secs(5), signals.recv()).await
    {
        let signal: Value = serde_json::from_str(notification.payload()).unwrap();
        if signal["kind"] == "messages_updated" {
            receipts.push(signal);
            break;
        }
        assert_ne!(signal["kind"], "message_updated", "no signal per row");
    }
    assert_eq!(receipts.len(), 1, "one signal for the three receipts");
    assert_eq!(receipts[0]["message_ids"], json!(replies));

    for id in &replies {
        let updated = wait_for(&mut supervisor, Duration::from_secs(5), |v| {
            v["type"] == "message_updated" && v["message"]["id"] == *id
        })
        .await
        .expect("every reply's receipt reaches other agents");
        assert_eq!(updated["message"]["delivery_status"], "read");
    }
}

/// A new agent of the demo account, alone in a department of their own.
async fn agent_in_another_department(
    app: &TestApp,
    account_id: uuid::Uuid,
) -> (domain::Actor, i64) {
    let owner = &app.database.owner;
    let id = uuid::Uuid::new_v4();
    sqlx::query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, 'otto@demo.ponte.dev', 'Otto', 'x')")
        .bind(id)
        .execute(owner)
        .await
        .unwrap();
    sqlx::query("INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, 'agent')")
        .bind(account_id)
        .bind(id)
        .execute(owner)
        .await
        .unwrap();
    let department: i64 = sqlx::query_scalar(
        "WITH d AS (INSERT INTO departments (account_id, name) VALUES ($1, 'Financeiro') RETURNING id)
         INSERT INTO department_members (account_id, department_id, user_id) SELECT $1, d.id, $2 FROM d
         RETURNING department_id",
    )
    .bind(account_id)
    .bind(id)
    .fetch_one(owner)
    .await
    .unwrap();
    let otto = domain::Actor {
        user_id: id,
        account_id,
        role: shared::Role::Agent,
        name: "Otto".into(),
        email: "otto@demo.ponte.dev".into(),
        ip: None,
    };
    (otto, department)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_hear_status_changes_of_their_teams_only() {
    use shared::activity::BrowserActivity;
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let db = &app.database.db;
    let (otto, finance) = agent_in_another_department(&app, demo.account_id).await;
    let alice = demo.actor(shared::Role::Agent);
    let mut supervisor = agent_socket(&app, &app.base_url, "supervisor@demo.ponte.dev").await;
    let status_of = |v: &Value, who: uuid::Uuid| {
        v["type"] == "agent_activity" && v["user_id"] == who.to_string()
    };

    // Otto first, then Alice (a teammate: the positive control); frames of
    // one account arrive in order, so Otto's would come before hers.
    domain::activity::report(db, &otto, BrowserActivity::Active)
        .await
        .unwrap();
    domain::activity::report(db, &alice, BrowserActivity::Active)
        .await
        .unwrap();
    let first = wait_for(&mut supervisor, Duration::from_secs(5), |v| {
        status_of(v, otto.user_id) || status_of(v, alice.user_id)
    })
    .await
    .expect("the teammate's change arrives");
    assert_eq!(
        first["user_id"],
        alice.user_id.to_string(),
        "not Otto's: {first}"
    );

    // Otto joins the supervisor's department: from then on, his changes arrive.
    let supervisors_department: i64 = sqlx::query_scalar(
        "SELECT department_id FROM department_members WHERE user_id = $1 AND department_id <> $2 LIMIT 1",
    )
    .bind(demo.users[1].1)
    .bind(finance)
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    let admin = demo.actor(shared::Role::GlobalAdmin);
    let department = domain::departments::list(db, &admin)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.id == supervisors_department)
        .unwrap();
    let mut form = shared::departments::DepartmentForm::from_department(&department);
    form.members.push(shared::departments::DepartmentMember {
        user_id: otto.user_id,
        max_conversations: 5,
    });
    domain::departments::save(db, &admin, Some(department.id), &form)
        .await
        .unwrap();
    domain::activity::report(db, &otto, BrowserActivity::Idle)
        .await
        .unwrap();
    assert!(
        wait_for(&mut supervisor, Duration::from_secs(5), |v| status_of(
            v,
            otto.user_id
        ))
        .await
        .is_some(),
        "a new teammate's change arrives"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_providers_delivery_reports_reach_every_agents_screen() {
    use crate::channels::{api, post_webhook};
    use crate::mock_providers::{meta_signature, whatsapp_messages, whatsapp_status, MockGraph};
    let app = spawn_app().await;
    app.demo_inbox().await;
    let graph = MockGraph::start().await;
    let token = app.demo_admin_token().await;
    let (status, channel) = api(
        &app,
        &token,
        reqwest::Method::POST,
        "/channels",
        Some(json!({
        "type": "whatsapp_cloud", "name": "WhatsApp Entregas", "config": {
            "phone_number_id": "1234", "access_token": "graph-token", "app_secret": "live-secret",
            "verify_token": "v", "api_base_url": graph.base_url}})),
    )
    .await;
    assert_eq!(status, 201, "{channel}");
    let id = channel["id"].as_i64().unwrap();
    let inbound = whatsapp_messages(&[("wamid.live.1", "5511955554444", "Chegou?")], "Lia");
    assert_eq!(
        post_webhook(&app, id, &inbound, Some("live-secret")).await,
        200
    );
    let number = loop {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id
              WHERE m.external_id = 'wamid.live.1'",
        )
        .fetch_optional(&app.database.owner)
        .await
        .unwrap();
        if let Some(number) = found {
            break number;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (status, sent) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": "Chegou sim!"})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let reply = sent["id"].as_i64().unwrap();
    graph.wait_for_sends(1).await;
    // Reports come after the send is recorded, with the provider's id.
    while sqlx::query_scalar::<_, Option<String>>("SELECT external_id FROM messages WHERE id = $1")
        .bind(reply)
        .fetch_one(&app.database.owner)
        .await
        .unwrap()
        .is_none()
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut watcher = agent_socket(&app, &app.base_url, "admin@demo.ponte.dev").await;
    for (report, expected) in [("delivered", "delivered"), ("read", "read")] {
        let body = whatsapp_status("wamid.out.1", report);
        let posted = app
            .plain_client()
            .post(format!("{}/webhooks/whatsapp/{id}", app.base_url))
            .header("x-hub-signature-256", meta_signature("live-secret", &body))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 200);
        let updated = wait_for(&mut watcher, Duration::from_secs(5), |v| {
            v["type"] == "message_updated"
                && v["message"]["id"] == reply
                && v["message"]["delivery_status"] == expected
        })
        .await;
        assert!(updated.is_some(), "'{expected}' arrives without a reload");
    }
}
