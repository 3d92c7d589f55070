//! The rules engine end to end: rules written over REST fire on what
//! customers and agents do (queued by the database in the same
//! transaction), do their actions through the usual paths (timeline, bell,
//! e-mail to a real SMTP server, signed webhook), log each run, fire clock
//! rules once per episode with a moved clock, stop rule loops, switch off a
//! rule that keeps failing, and stay inside their account.

use serde_json::{json, Value};

use crate::channels::api as rest;
use crate::helpers::{eventually, spawn_app, spawn_app_sending_to, MailSink, TestApp};

async fn create_rule(app: &TestApp, token: &str, rule: Value) -> Value {
    let (status, body) = rest(app, token, reqwest::Method::POST, "/rules", Some(rule)).await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn conversation(app: &TestApp, token: &str, number: i64) -> Value {
    rest(
        app,
        token,
        reqwest::Method::GET,
        &format!("/conversations/{number}"),
        None,
    )
    .await
    .1
}

/// Waits until every queued rule event was worked.
async fn rules_settled(app: &TestApp) {
    eventually("the rule events are worked", || async {
        let pending: i64 =
            sqlx::query_scalar("SELECT count(*) FROM rule_events WHERE done_at IS NULL")
                .fetch_one(&app.database.owner)
                .await
                .unwrap();
        pending == 0
    })
    .await;
}

async fn runs(app: &TestApp, token: &str, rule_id: i64) -> Vec<Value> {
    let (status, body) = rest(
        app,
        token,
        reqwest::Method::GET,
        &format!("/rules/{rule_id}/runs"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyword_rule_acts_alerts_the_managers_and_logs_its_runs() {
    let sink = MailSink::start().await;
    let app = spawn_app_sending_to(&sink).await;
    let (_demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let saved = create_rule(
        &app,
        &token,
        json!({
            "name": "Ameaça de Procon",
            "event": "keyword_detected",
            "keywords": ["procon", "reclame aqui"],
            "conditions": {"match": "all", "groups": [
                {"match": "any", "conditions": [
                    {"kind": "status", "statuses": ["open", "in_progress"]},
                    {"kind": "priority", "priorities": ["urgent"]}
                ]}
            ]},
            "actions": [
                {"kind": "add_tag", "tag": "procon"},
                {"kind": "change_priority", "priority": "urgent"},
                {"kind": "mark_critical"},
                {"kind": "notify_managers", "note": "Cliente ameaça ir ao Procon"}
            ]
        }),
    )
    .await;
    let rule_id = saved["rule"]["id"].as_i64().unwrap();
    assert_eq!(
        saved["signing_secret"],
        Value::Null,
        "no webhook, no secret"
    );

    // Positive control for "nothing happens": a calm customer.
    let calm = app
        .customer_says(&channel, &["Qual o prazo de entrega?"])
        .await;
    // The keyword, in capitals and with punctuation around it.
    let angry = app
        .customer_says(&channel, &["Vou reclamar no PROCON!"])
        .await;
    rules_settled(&app).await;

    let acted = conversation(&app, &token, angry).await;
    assert_eq!(acted["tags"], json!(["procon"]), "{acted}");
    assert_eq!(acted["priority"], "urgent");
    assert_eq!(acted["critical"], true);
    let untouched = conversation(&app, &token, calm).await;
    assert_eq!(untouched["tags"], json!([]), "{untouched}");
    assert_eq!(untouched["critical"], false);

    // The timeline says the rule did it.
    let lines: Vec<String> = sqlx::query_scalar(
        "SELECT m.activity->>'by' FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.number = $1 AND m.kind = 'activity' AND m.activity->>'type' = 'critical_changed'",
    )
    .bind(angry)
    .fetch_all(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(lines, ["⚡ Ameaça de Procon"]);

    // The managers (admin and supervisor) hear of it in their bell and by
    // e-mail; the agent does not.
    let bells: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.email, n.detail FROM notifications n JOIN users u ON u.id = n.user_id
          WHERE n.kind = 'rule_alert' ORDER BY u.email",
    )
    .fetch_all(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(
        bells,
        [
            (
                "admin@demo.ponte.dev".to_string(),
                "Ameaça de Procon: Cliente ameaça ir ao Procon".to_string()
            ),
            (
                "supervisor@demo.ponte.dev".to_string(),
                "Ameaça de Procon: Cliente ameaça ir ao Procon".to_string()
            ),
        ]
    );
    let subject_mark = format!("conversa #{angry} (");
    let rule_mail = || {
        sink.received()
            .into_iter()
            .find(|m| m.to == "admin@demo.ponte.dev" && m.subject.contains(&subject_mark))
    };
    eventually("the admin is e-mailed", || async { rule_mail().is_some() }).await;
    let mail = rule_mail().expect("the rule's mail");
    assert!(
        mail.subject.contains("Ameaça de Procon"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains(&format!("#{angry}")), "{}", mail.text);
    assert!(mail.text.contains("Cliente ameaça ir ao Procon"));
    let admin_bell = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await
        .call("list_notifications", &[])
        .await;
    assert!(
        admin_bell.body.contains("rule_alert"),
        "the bell lists it: {}",
        admin_bell.body
    );

    // The log: one run done, with its conditions and actions; the calm
    // message had no keyword, so the rule did not even hear it.
    let log = runs(&app, &token, rule_id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["outcome"], "done");
    assert_eq!(log[0]["event"], "keyword_detected");
    assert_eq!(log[0]["conversation_number"], angry);
    assert_eq!(log[0]["conditions"][0]["held"], true);
    assert_eq!(log[0]["actions"].as_array().unwrap().len(), 4);

    // Switched off, the rule does nothing more.
    let (status, _) = rest(
        &app,
        &token,
        reqwest::Method::PATCH,
        &format!("/rules/{rule_id}"),
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(status, 200);
    let later = app.customer_says(&channel, &["Procon de novo"]).await;
    rules_settled(&app).await;
    assert_eq!(conversation(&app, &token, later).await["tags"], json!([]));
    assert_eq!(runs(&app, &token, rule_id).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditions_that_do_not_hold_are_logged_and_change_nothing() {
    let app = spawn_app().await;
    let (_demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let saved = create_rule(
        &app,
        &token,
        json!({
            "name": "VIP negativo",
            "event": "negative_sentiment",
            "conditions": {"groups": [{"conditions": [{"kind": "tag", "tag": "vip", "present": true}]}]},
            "actions": [{"kind": "change_priority", "priority": "high"}]
        }),
    )
    .await;
    let rule_id = saved["rule"]["id"].as_i64().unwrap();
    let visitor = app.visitor(&channel).await;
    app.visitor_says(&channel, &visitor, "Péssimo atendimento, estou furioso!")
        .await;
    let hostile = app.latest_customer_conversation().await;
    rules_settled(&app).await;
    assert_eq!(
        conversation(&app, &token, hostile).await["priority"],
        "normal"
    );
    let log = runs(&app, &token, rule_id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["outcome"], "not_matched");
    assert_eq!(log[0]["conditions"][0]["held"], false);

    // Tagged vip, the next hostile message raises the priority; a kind one
    // is not heard at all.
    sqlx::query("UPDATE conversations SET tags = '{vip}' WHERE number = $1")
        .bind(hostile)
        .execute(&app.database.owner)
        .await
        .unwrap();
    app.visitor_says(&channel, &visitor, "Muito obrigado, vocês são ótimos!")
        .await;
    rules_settled(&app).await;
    assert_eq!(runs(&app, &token, rule_id).await.len(), 1);
    app.visitor_says(&channel, &visitor, "Horrível, quero cancelar tudo!")
        .await;
    rules_settled(&app).await;
    assert_eq!(
        conversation(&app, &token, hostile).await["priority"],
        "high"
    );
    let log = runs(&app, &token, rule_id).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["outcome"], "done");
    assert_eq!(log[0]["conditions"][0]["held"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assignment_starts_the_rules_listening_for_it() {
    let app = spawn_app().await;
    let (_demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let saved = create_rule(
        &app,
        &token,
        json!({
            "name": "Marcar atribuídas",
            "event": "conversation_assigned",
            "actions": [{"kind": "add_tag", "tag": "atribuida"}]
        }),
    )
    .await;
    let rule_id = saved["rule"]["id"].as_i64().unwrap();
    let visitor = app.visitor(&channel).await;
    app.visitor_says(&channel, &visitor, "Olá, preciso de ajuda")
        .await;
    let number = app.latest_customer_conversation().await;
    rules_settled(&app).await;
    // Nobody has it yet: the rule has not run.
    assert!(runs(&app, &token, rule_id).await.is_empty());

    let assign = |email: Value| {
        let token = token.clone();
        let app = &app;
        async move {
            let path = format!("/conversations/{number}");
            let body = json!({ "assignee_email": email });
            let (status, body) = rest(app, &token, reqwest::Method::PATCH, &path, Some(body)).await;
            assert_eq!(status, 200, "{body}");
        }
    };
    assign(json!("agent@demo.ponte.dev")).await;
    rules_settled(&app).await;
    let tags = conversation(&app, &token, number).await["tags"].clone();
    assert!(
        tags.as_array().unwrap().contains(&json!("atribuida")),
        "{tags}"
    );
    assert_eq!(runs(&app, &token, rule_id).await.len(), 1);
    // Taking it away is not an assignment; giving it to someone else is.
    assign(Value::Null).await;
    rules_settled(&app).await;
    assert_eq!(runs(&app, &token, rule_id).await.len(), 1);
    assign(json!("supervisor@demo.ponte.dev")).await;
    rules_settled(&app).await;
    assert_eq!(runs(&app, &token, rule_id).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_rule_fires_once_per_episode() {
    let app = spawn_app().await;
    let (_demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    create_rule(
        &app,
        &token,
        json!({
            "name": "Sem resposta há 30 minutos",
            "event": "no_agent_reply",
            "after_minutes": 30,
            "actions": [{"kind": "add_tag", "tag": "sem-resposta"}]
        }),
    )
    .await;
    let db = &app.database.db;
    let now = chrono::Utc::now();
    let sweep =
        |minutes: i64| domain::rules::clock::sweep(db, now + chrono::Duration::minutes(minutes));
    // The demo's customers who have waited long already: fired once, now.
    sweep(0).await.unwrap();
    let visitor = app.visitor(&channel).await;
    app.visitor_says(&channel, &visitor, "Alguém aí?").await;
    let number = app.latest_customer_conversation().await;
    let owner = &app.database.owner;
    let fired = |number: i64| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM rule_episodes e JOIN conversations c ON c.id = e.conversation_id
              WHERE c.number = $1",
        )
        .bind(number)
        .fetch_one(owner)
        .await
        .unwrap()
    };

    sweep(10).await.unwrap();
    assert_eq!(fired(number).await, 0, "too early");
    sweep(31).await.unwrap();
    assert_eq!(fired(number).await, 1, "the customer waited 30 minutes");
    sweep(45).await.unwrap();
    let (a, b) = tokio::join!(sweep(60), sweep(60));
    a.unwrap();
    b.unwrap();
    assert_eq!(
        fired(number).await,
        1,
        "once per episode, however many sweep"
    );
    rules_settled(&app).await;
    assert_eq!(
        conversation(&app, &token, number).await["tags"],
        json!(["sem-resposta"])
    );

    // The agent answers: the episode ends, nothing fires however long the
    // customer takes. The customer writes again: a new episode.
    let (status, _) = rest(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": "Estou aqui!"})),
    )
    .await;
    assert_eq!(status, 201);
    sweep(120).await.unwrap();
    assert_eq!(fired(number).await, 1, "answered");
    app.visitor_says(&channel, &visitor, "Ainda preciso de ajuda")
        .await;
    sweep(24 * 60).await.unwrap();
    assert_eq!(fired(number).await, 2, "a new episode fires again");
    rules_settled(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_that_feeds_itself_stops_after_three_levels() {
    let app = spawn_app().await;
    let (_demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let saved = create_rule(
        &app,
        &token,
        json!({
            "name": "Eco",
            "event": "message_created",
            "actions": [{"kind": "send_message", "text": "eco"}]
        }),
    )
    .await;
    let rule_id = saved["rule"]["id"].as_i64().unwrap();
    let number = app.customer_says(&channel, &["oi"]).await;
    rules_settled(&app).await;
    // The customer's message, then the rule's answer to it and to its own
    // answers, two levels deep; the third level is stopped and logged.
    let echoes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.number = $1 AND m.kind = 'outgoing' AND m.body = 'eco'",
    )
    .bind(number)
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(echoes, 3);
    let log = runs(&app, &token, rule_id).await;
    let outcomes: Vec<&str> = log.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(
        outcomes,
        ["loop_stopped", "done", "done", "done"],
        "{log:?}"
    );
    assert_eq!(log[0]["depth"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_that_keeps_failing_is_switched_off_and_the_admins_are_told() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let agent = demo.users[2].1;
    let saved = create_rule(
        &app,
        &token,
        json!({
            "name": "Para a Alice",
            "event": "conversation_created",
            "actions": [{"kind": "add_tag", "tag": "alice"}, {"kind": "assign_agent", "user_id": agent}]
        }),
    )
    .await;
    let rule_id = saved["rule"]["id"].as_i64().unwrap();
    // Positive control: while Alice works here, the rule assigns to her.
    let first = app.customer_says(&channel, &["Bom dia"]).await;
    rules_settled(&app).await;
    let assigned = conversation(&app, &token, first).await;
    assert_eq!(
        assigned["assignee_id"],
        json!(agent.to_string()),
        "{assigned}"
    );

    // She leaves; each new conversation fails the rule (its tag undone too).
    sqlx::query("UPDATE memberships SET active = false WHERE user_id = $1")
        .bind(agent)
        .execute(&app.database.owner)
        .await
        .unwrap();
    for text in ["Olá", "Oi", "E aí"] {
        let number = app.customer_says(&channel, &[text]).await;
        rules_settled(&app).await;
        assert_eq!(conversation(&app, &token, number).await["tags"], json!([]));
    }
    let (_, rule) = rest(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/rules/{rule_id}"),
        None,
    )
    .await;
    assert_eq!(rule["enabled"], false, "{rule}");
    assert!(rule["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("assign_agent"));
    let log = runs(&app, &token, rule_id).await;
    assert_eq!(
        log.iter().filter(|r| r["outcome"] == "failed").count(),
        3,
        "{log:?}"
    );
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM notifications n JOIN users u ON u.id = n.user_id
          WHERE n.kind = 'rule_disabled' AND n.rule_id = $1",
    )
    .bind(rule_id)
    .fetch_all(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(told, ["admin@demo.ponte.dev"]);
    // Off, a fourth conversation is not even evaluated.
    app.customer_says(&channel, &["Alô"]).await;
    rules_settled(&app).await;
    assert_eq!(runs(&app, &token, rule_id).await.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_action_posts_the_event_signed_with_the_rules_secret() {
    use axum::body::Bytes;
    use axum::http::HeaderMap;
    use std::sync::{Arc, Mutex};

    let received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let keep = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let app = spawn_app().await;
    let (_demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    // Plain http to a private address: only for an allow-listed host.
    let hook = format!("http://127.0.0.1:{port}/hook");
    let (status, body) = rest(
        &app,
        &token,
        reqwest::Method::POST,
        "/rules",
        Some(json!({
            "name": "Avisar o ERP",
            "event": "conversation_resolved",
            "actions": [{"kind": "call_webhook", "url": hook}]
        })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"][0]["field"], "actions.0", "{body}");
    sqlx::query("UPDATE accounts SET flow_http_allowlist = '{127.0.0.1}'")
        .execute(&app.database.owner)
        .await
        .unwrap();
    let saved = create_rule(
        &app,
        &token,
        json!({
            "name": "Avisar o ERP",
            "event": "conversation_resolved",
            "actions": [{"kind": "call_webhook", "url": hook}]
        }),
    )
    .await;
    let secret = saved["signing_secret"].as_str().unwrap().to_string();
    let rule_id = saved["rule"]["id"].as_i64().unwrap();
    let (_, shown) = rest(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/rules/{rule_id}"),
        None,
    )
    .await;
    assert!(
        !shown.to_string().contains(&secret),
        "the secret is shown once"
    );

    let number = app
        .customer_says(&channel, &["Pode encerrar, obrigado"])
        .await;
    let (status, _) = rest(
        &app,
        &token,
        reqwest::Method::PATCH,
        &format!("/conversations/{number}"),
        Some(json!({"status": "resolved"})),
    )
    .await;
    assert_eq!(status, 200);
    eventually("the webhook is called", || async {
        !received.lock().unwrap().is_empty()
    })
    .await;
    let (headers, body) = received.lock().unwrap()[0].clone();
    let expected = domain::channels::api_channel::signature(&secret, &body);
    assert_eq!(headers["x-ponte-signature"], expected.as_str());
    assert_eq!(headers["x-ponte-rule"], rule_id.to_string().as_str());
    assert!(headers.contains_key("x-ponte-delivery"));
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(event["event"], "conversation_resolved");
    assert_eq!(event["conversation"]["number"], number);
    assert_eq!(event["conversation"]["status"], "resolved");
    assert_eq!(event["rule"]["name"], "Avisar o ERP");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_checked_kept_to_their_account_and_to_those_who_build_flows() {
    let app = spawn_app().await;
    let (_demo, _channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;

    // Bad input: each problem named by its field.
    for (rule, field) in [
        (
            json!({"name": "", "event": "message_created", "actions": [{"kind": "mark_critical"}]}),
            "name",
        ),
        (
            json!({"name": "x", "event": "message_created", "actions": []}),
            "actions",
        ),
        (
            json!({"name": "x", "event": "no_agent_reply", "actions": [{"kind": "mark_critical"}]}),
            "after_minutes",
        ),
        (
            json!({"name": "x", "event": "message_created",
                   "conditions": {"groups": [{"conditions": [{"kind": "message_text", "op": "matches", "value": "(unclosed"}]}]},
                   "actions": [{"kind": "mark_critical"}]}),
            "conditions.0.0",
        ),
        (
            json!({"name": "x", "event": "message_created",
                   "actions": [{"kind": "assign_department", "department_id": 999999}]}),
            "actions.0",
        ),
    ] {
        let (status, body) = rest(&app, &token, reqwest::Method::POST, "/rules", Some(rule)).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["fields"][0]["field"], field, "{body}");
    }
    let (status, body) = rest(
        &app,
        &token,
        reqwest::Method::POST,
        "/rules",
        Some(json!({"name": "x", "event": "nonsense", "actions": []})),
    )
    .await;
    assert_eq!(status, 422, "an unknown event: {body}");

    let saved = create_rule(
        &app,
        &token,
        json!({"name": "Crítica", "event": "conversation_reopened", "actions": [{"kind": "mark_critical"}]}),
    )
    .await;
    let rule_id = saved["rule"]["id"].as_i64().unwrap();

    // Agents may not read or write rules.
    let agent = app.demo_token("agent@demo.ponte.dev").await;
    let (status, _) = rest(&app, &agent, reqwest::Method::GET, "/rules", None).await;
    assert_eq!(status, 403);

    // Another account sees none of them, and cannot reach this one by id.
    let other = app
        .sign_up("Outra Loja", "outra-loja", "dono@outra.example")
        .await;
    let created: shared::accounts::NewApiToken = other
        .call("create_api_token", &[("name", "tests")])
        .await
        .json();
    let (status, list) = rest(&app, &created.token, reqwest::Method::GET, "/rules", None).await;
    assert_eq!(status, 200);
    assert_eq!(list, json!([]));
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let (status, _) = rest(
            &app,
            &created.token,
            method,
            &format!("/rules/{rule_id}"),
            None,
        )
        .await;
        assert_eq!(status, 404);
    }
    let (status, _) = rest(
        &app,
        &created.token,
        reqwest::Method::GET,
        &format!("/rules/{rule_id}/runs"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // The owner still has it, and may remove it.
    let (status, _) = rest(
        &app,
        &token,
        reqwest::Method::DELETE,
        &format!("/rules/{rule_id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_rules_have_run_once_the_server_works_its_queue() {
    let app = spawn_app().await;
    let (demo, _channel) = app.demo_inbox().await;
    let db = &app.database.db;
    let vault = crate::helpers::test_vault();
    let secret = crate::helpers::test_secret();
    assert!(domain::seed::demo_rules(db, &vault, &secret, &demo)
        .await
        .unwrap());
    assert!(
        !domain::seed::demo_rules(db, &vault, &secret, &demo)
            .await
            .unwrap(),
        "seeded once"
    );
    rules_settled(&app).await;
    let token = app.demo_admin_token().await;
    let roberto = app.latest_customer_conversation().await;
    let threatened = conversation(&app, &token, roberto).await;
    assert_eq!(threatened["contact_name"], "Roberto Nunes");
    assert_eq!(threatened["critical"], true, "{threatened}");
    assert_eq!(threatened["priority"], "urgent");
    assert_eq!(threatened["tags"], json!(["risco-juridico"]));
    let (_, rules) = rest(&app, &token, reqwest::Method::GET, "/rules", None).await;
    let enabled: Vec<bool> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["enabled"].as_bool().unwrap())
        .collect();
    assert_eq!(enabled, [true, true, false]);
    let procon = rules[0]["id"].as_i64().unwrap();
    assert_eq!(runs(&app, &token, procon).await[0]["outcome"], "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_ai_score_and_an_sla_breach_start_their_rules() {
    let app = spawn_app().await;
    let (_demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    for (event, tag) in [("low_ai_score", "nota-baixa"), ("sla_breached", "sla")] {
        create_rule(
            &app,
            &token,
            json!({"name": event, "event": event, "actions": [{"kind": "add_tag", "tag": tag}]}),
        )
        .await;
    }
    // A hostile customer left unanswered, resolved: the AI scores it low.
    let hostile = app
        .customer_says(
            &channel,
            &["Péssimo atendimento, estou furioso, vou cancelar tudo!"],
        )
        .await;
    // Positive control: a calm one answered at once scores above 7.
    let calm = app
        .customer_says(&channel, &["Qual o prazo de entrega para Recife?"])
        .await;
    let (status, _) = rest(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{calm}/messages"),
        Some(json!({ "content": "O prazo é de 5 dias úteis." })),
    )
    .await;
    assert_eq!(status, 201);
    for number in [hostile, calm] {
        let (status, body) = rest(
            &app,
            &token,
            reqwest::Method::PATCH,
            &format!("/conversations/{number}"),
            Some(json!({ "status": "resolved" })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    eventually("both are reviewed", || async {
        conversation(&app, &token, hostile).await["ai_score"].is_number()
            && conversation(&app, &token, calm).await["ai_score"].is_number()
    })
    .await;
    rules_settled(&app).await;
    assert_eq!(
        conversation(&app, &token, hostile).await["tags"],
        json!(["nota-baixa"])
    );
    assert_eq!(conversation(&app, &token, calm).await["tags"], json!([]));

    // An SLA clock runs out: the breach the sweeper records starts the rule.
    let late = app
        .customer_says(&channel, &["Preciso de ajuda com a nota fiscal"])
        .await;
    sqlx::query(
        "UPDATE conversations SET sla_first_response_due_at = now() - interval '1 minute'
          WHERE number = $1",
    )
    .bind(late)
    .execute(&app.database.owner)
    .await
    .unwrap();
    domain::service_desk::sla::sweep_breaches(&app.database.db)
        .await
        .unwrap();
    rules_settled(&app).await;
    assert_eq!(
        conversation(&app, &token, late).await["tags"],
        json!(["sla"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_to_a_silent_customer_is_sent_once_per_answer() {
    let app = spawn_app().await;
    let (_demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    create_rule(
        &app,
        &token,
        json!({
            "name": "Lembrete",
            "event": "waiting_on_customer",
            "after_minutes": 60,
            "actions": [{"kind": "send_message", "text": "Ainda está por aí?"}]
        }),
    )
    .await;
    let visitor = app.visitor(&channel).await;
    app.visitor_says(&channel, &visitor, "Quero trocar um produto")
        .await;
    let number = app.latest_customer_conversation().await;
    let answer = |text: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let (status, _) = rest(
                app,
                token,
                reqwest::Method::POST,
                &format!("/conversations/{number}/messages"),
                Some(json!({ "content": text })),
            )
            .await;
            assert_eq!(status, 201);
        }
    };
    let reminders = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
              WHERE c.number = $1 AND m.body = 'Ainda está por aí?'",
        )
        .bind(number)
        .fetch_one(&app.database.owner)
        .await
        .unwrap()
    };
    let db = &app.database.db;
    let now = chrono::Utc::now();
    let sweep =
        |minutes: i64| domain::rules::clock::sweep(db, now + chrono::Duration::minutes(minutes));

    // The customer is waiting on us: not this rule's episode.
    sweep(120).await.unwrap();
    rules_settled(&app).await;
    assert_eq!(reminders().await, 0);
    answer("Claro! Qual o número do pedido?").await;
    sweep(30).await.unwrap();
    rules_settled(&app).await;
    assert_eq!(reminders().await, 0, "too early");
    sweep(61).await.unwrap();
    rules_settled(&app).await;
    assert_eq!(reminders().await, 1);
    // The reminder itself does not start a new wait.
    sweep(200).await.unwrap();
    rules_settled(&app).await;
    assert_eq!(reminders().await, 1, "once per answer");
    // The customer writes, we answer again: a new episode.
    app.visitor_says(&channel, &visitor, "É o 4821").await;
    answer("Obrigado, já vejo.").await;
    sweep(24 * 60).await.unwrap();
    rules_settled(&app).await;
    assert_eq!(reminders().await, 2);
}
