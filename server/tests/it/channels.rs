//! Provider connections: the REST contract, verified and idempotent
//! webhook ingest, and the outbound queue, against a mock Graph API.

use serde_json::{json, Value};
use std::time::Duration;

pub(crate) use crate::helpers::eventually;
use crate::helpers::{spawn_app, TestApp, METRICS_TOKEN};
use crate::mock_providers::{meta_signature, whatsapp_messages, whatsapp_status, MockGraph};

pub(crate) const APP_SECRET: &str = "meta-app-secret";
const VERIFY_TOKEN: &str = "verify-me";

/// An admin's API token in a fresh account.
pub(crate) async fn admin_token(app: &TestApp) -> String {
    let browser = app
        .sign_up("Loja Zap", "loja-zap", "dono@lojazap.com")
        .await;
    let created: shared::accounts::NewApiToken = browser
        .call("create_api_token", &[("name", "channels")])
        .await
        .json();
    created.token
}

pub(crate) async fn api(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .plain_client()
        .request(method, format!("{}/api/v1{path}", app.base_url))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub(crate) async fn create_whatsapp(app: &TestApp, token: &str, api_base_url: &str) -> Value {
    let (status, body) = api(
        app,
        token,
        reqwest::Method::POST,
        "/channels",
        Some(json!({
            "type": "whatsapp_cloud",
            "name": "WhatsApp Vendas",
            "config": {
                "phone_number_id": "1234", "waba_id": "5678",
                "access_token": "graph-token", "app_secret": APP_SECRET,
                "verify_token": VERIFY_TOKEN, "api_base_url": api_base_url
            }
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

pub(crate) async fn post_webhook(
    app: &TestApp,
    channel_id: i64,
    body: &[u8],
    secret: Option<&str>,
) -> u16 {
    let mut request = app
        .plain_client()
        .post(format!("{}/webhooks/whatsapp/{channel_id}", app.base_url))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(secret) = secret {
        request = request.header("x-hub-signature-256", meta_signature(secret, body));
    }
    request.send().await.unwrap().status().as_u16()
}

pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.database.owner)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_connections_over_rest_never_echo_secrets() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;

    let (status, body) = api(
        &app,
        &token,
        reqwest::Method::POST,
        "/channels",
        Some(json!({"type": "whatsapp_cloud", "name": "Zap", "config": {
            "phone_number_id": "12ab", "api_base_url": "ftp://graph", "access_token": "x"
        }})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"phone_number_id") && fields.contains(&"api_base_url"));
    assert!(fields.contains(&"app_secret") && !fields.contains(&"access_token"));
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::POST,
        "/channels",
        Some(json!({"type": "carrier_pigeon", "name": "x"})),
    )
    .await;
    assert_eq!(status, 422);

    let created = create_whatsapp(&app, &token, "http://127.0.0.1:9").await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["type"], "whatsapp_cloud");
    assert_eq!(
        created["webhook_url"],
        format!("{}/webhooks/whatsapp/{id}", app.base_url)
    );
    assert_eq!(created["config"]["phone_number_id"], "1234");
    assert_eq!(created["config"]["access_token"], "••••••••");
    for secret in ["graph-token", APP_SECRET, VERIFY_TOKEN] {
        assert!(!created.to_string().contains(secret), "{secret} echoed");
    }
    // At rest: sealed, nowhere in clear.
    let (settings, sealed): (Value, Vec<u8>) =
        sqlx::query_as("SELECT settings, credentials FROM channels WHERE id = $1")
            .bind(id)
            .fetch_one(&app.database.owner)
            .await
            .unwrap();
    assert!(!settings.to_string().contains("graph-token"));
    assert!(!sealed.windows(11).any(|w| w == b"graph-token"));
    let audit = count(&app, "SELECT count(*) FROM audit_log WHERE action = 'channel_created' AND details::text LIKE '%graph-token%'").await;
    assert_eq!(audit, 0, "the audit log never holds secrets");

    // PATCH changes what it names; secrets left out keep working.
    let (status, patched) = api(
        &app,
        &token,
        reqwest::Method::PATCH,
        &format!("/channels/{id}"),
        Some(json!({"name": "Zap Suporte", "config": {"waba_id": "999"}})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["name"], "Zap Suporte");
    assert_eq!(patched["config"]["waba_id"], "999");
    assert_eq!(patched["config"]["app_secret"], "••••••••");
    assert_eq!(patched["default_department_id"], Value::Null);
    let (_, department) = api(
        &app,
        &token,
        reqwest::Method::POST,
        "/departments",
        Some(json!({"name": "Vendas"})),
    )
    .await;
    let support = department["id"].as_i64().unwrap();
    let (status, routed) = api(
        &app,
        &token,
        reqwest::Method::PATCH,
        &format!("/channels/{id}"),
        Some(json!({"default_department_id": support})),
    )
    .await;
    assert_eq!(status, 200, "{routed}");
    assert_eq!(
        routed["default_department_id"], support,
        "echoed like a website's"
    );
    let handshake = app
        .plain_client()
        .get(format!(
            "{}/webhooks/whatsapp/{id}?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=77",
            app.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        handshake.status(),
        200,
        "the verify token survived the patch"
    );

    let (_, listed) = api(&app, &token, reqwest::Method::GET, "/channels", None).await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Zap Suporte"), "{listed}");
    assert!(!listed.to_string().contains("graph-token"));

    // An agent's token may not manage channels.
    let (status, _) = api(&app, "not-a-token", reqwest::Method::GET, "/channels", None).await;
    assert_eq!(status, 401);

    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::DELETE,
        &format!("/channels/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/channels/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM audit_log WHERE action = 'channel_removed' AND target_id = '{id}'"
            )
        )
        .await,
        1,
        "the removal is audited"
    );
    // Every instance forgets the connection as the removal's signal arrives
    // (milliseconds): from then on its webhooks are unknown.
    let webhook = format!("{}/webhooks/whatsapp/{id}", app.base_url);
    eventually("the removal reached the webhooks", || async {
        let gone = app
            .plain_client()
            .post(&webhook)
            .body("{}")
            .send()
            .await
            .unwrap();
        gone.status() == 404
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_webhooks_are_verified_stored_and_processed_once() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, "http://127.0.0.1:9").await;
    let id = channel["id"].as_i64().unwrap();
    let handshake = |verify: &'static str| {
        app.plain_client()
            .get(format!(
                "{}/webhooks/whatsapp/{id}?hub.mode=subscribe&hub.verify_token={verify}&hub.challenge=1158201444",
                app.base_url
            ))
            .send()
    };
    let ok = handshake(VERIFY_TOKEN).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    assert_eq!(handshake("wrong").await.unwrap().status(), 403);

    // Meta escapes non-ASCII; the signature covers those exact bytes.
    let body = whatsapp_messages(
        &[("wamid.A1", "551187654321", "Olá, quero um orçamento")],
        "Júlia Cliente",
    );
    assert!(String::from_utf8_lossy(&body).contains("\\u00e1"));
    let reserialized =
        serde_json::to_vec(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    assert_eq!(post_webhook(&app, id, &body, None).await, 401, "unsigned");
    assert_eq!(
        post_webhook(&app, id, &body, Some("other-secret")).await,
        401,
        "wrong secret"
    );
    let forged = app
        .plain_client()
        .post(format!("{}/webhooks/whatsapp/{id}", app.base_url))
        .header("x-hub-signature-256", meta_signature(APP_SECRET, &body))
        .body(reserialized)
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        401,
        "re-serialized JSON is not what was signed"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM webhook_events").await,
        0,
        "rejections store nothing"
    );

    assert_eq!(post_webhook(&app, id, &body, Some(APP_SECRET)).await, 200);
    eventually("the message is stored", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.A1'",
        )
        .await
            == 1
    })
    .await;
    let (name, phone, body_text): (String, Option<String>, String) = sqlx::query_as(
        "SELECT c.name, c.phone, m.body FROM messages m
           JOIN conversations v ON v.id = m.conversation_id JOIN contacts c ON c.id = v.contact_id
          WHERE m.external_id = 'wamid.A1'",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(name, "Júlia Cliente");
    assert_eq!(
        phone.as_deref(),
        Some("+5511987654321"),
        "E.164 with the ninth digit"
    );
    assert_eq!(body_text, "Olá, quero um orçamento");

    // The same delivery again, and the same message in another envelope
    // (with the ninth digit this time): nothing new.
    assert_eq!(post_webhook(&app, id, &body, Some(APP_SECRET)).await, 200);
    let again = whatsapp_messages(
        &[("wamid.A1", "5511987654321", "Olá, quero um orçamento")],
        "Júlia",
    );
    assert_eq!(post_webhook(&app, id, &again, Some(APP_SECRET)).await, 200);
    // A batch of two, from the same person written with the ninth digit.
    let batch = whatsapp_messages(
        &[
            ("wamid.A2", "5511987654321", "Segunda"),
            ("wamid.A3", "5511987654321", "Terceira"),
        ],
        "Júlia Cliente",
    );
    assert_eq!(post_webhook(&app, id, &batch, Some(APP_SECRET)).await, 200);
    eventually("the batch is stored", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id IN ('wamid.A2', 'wamid.A3')",
        )
        .await
            == 2
    })
    .await;
    eventually("every event is processed", || async {
        count(
            &app,
            "SELECT count(*) FROM webhook_events WHERE state <> 'done'",
        )
        .await
            == 0
    })
    .await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM webhook_events").await,
        3,
        "the identical redelivery was dropped at the door"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE kind = 'incoming'"
        )
        .await,
        3
    );
    assert_eq!(count(&app, "SELECT count(*) FROM conversations").await, 1);
    assert_eq!(
        count(&app, "SELECT count(*) FROM contacts").await,
        1,
        "with and without the ninth digit: one contact"
    );

    let metrics = app
        .plain_client()
        .get(format!("{}/metrics", app.base_url))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("ponte_webhooks_rejected_total 4"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_go_out_through_the_graph_api_and_statuses_only_move_forward() {
    let app = spawn_app().await;
    let graph = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, &graph.base_url).await;
    let id = channel["id"].as_i64().unwrap();
    let inbound = whatsapp_messages(&[("wamid.IN1", "5511987654321", "Oi")], "Júlia");
    assert_eq!(
        post_webhook(&app, id, &inbound, Some(APP_SECRET)).await,
        200
    );
    eventually("the customer's message arrives", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.IN1'",
        )
        .await
            == 1
    })
    .await;
    let number = count(&app, "SELECT number FROM conversations").await;

    let (status, sent) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": "Olá Júlia! Como posso ajudar?"})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["delivery_status"], "pending");
    let received = graph.wait_for_sends(1).await;
    assert_eq!(received[0].path, "/v21.0/1234/messages");
    assert_eq!(
        received[0].authorization.as_deref(),
        Some("Bearer graph-token")
    );
    assert_eq!(
        received[0].body,
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual",
            "to": "5511987654321", "type": "text",
            "text": {"preview_url": false, "body": "Olá Júlia! Como posso ajudar?"}
        })
    );
    let message_id = sent["id"].as_i64().unwrap();
    let status_of = |id: i64| {
        let owner = app.database.owner.clone();
        async move {
            sqlx::query_as::<_, (Option<String>, Option<String>, Option<String>)>(
                "SELECT delivery_status, delivery_error, external_id FROM messages WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&owner)
            .await
            .unwrap()
        }
    };
    eventually("the reply is sent", || async {
        status_of(message_id).await.0.as_deref() == Some("sent")
    })
    .await;
    assert_eq!(
        status_of(message_id).await.2.as_deref(),
        Some("wamid.out.1")
    );

    // Read arrives before delivered: it stays read.
    assert_eq!(
        post_webhook(
            &app,
            id,
            &whatsapp_status("wamid.out.1", "read"),
            Some(APP_SECRET)
        )
        .await,
        200
    );
    eventually("read", || async {
        status_of(message_id).await.0.as_deref() == Some("read")
    })
    .await;
    assert_eq!(
        post_webhook(
            &app,
            id,
            &whatsapp_status("wamid.out.1", "delivered"),
            Some(APP_SECRET)
        )
        .await,
        200
    );
    eventually("the late report is processed", || async {
        count(
            &app,
            "SELECT count(*) FROM webhook_events WHERE state <> 'done'",
        )
        .await
            == 0
    })
    .await;
    assert_eq!(
        status_of(message_id).await.0.as_deref(),
        Some("read"),
        "never backwards"
    );

    // The provider refuses: failed, with its reason, over REST too.
    graph
        .state
        .refuse_sends
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let (_, refused) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": "Segunda tentativa"})),
    )
    .await;
    let refused_id = refused["id"].as_i64().unwrap();
    eventually("the refusal is recorded", || async {
        status_of(refused_id).await.0.as_deref() == Some("failed")
    })
    .await;
    let (_, page) = api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/conversations/{number}/messages"),
        None,
    )
    .await;
    let listed = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == refused_id)
        .unwrap()
        .clone();
    assert_eq!(listed["delivery_status"], "failed");
    assert_eq!(listed["delivery_error"], "131026: Message Undeliverable.");

    // Retry succeeds once the provider accepts again.
    graph
        .state
        .refuse_sends
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let browser = app
        .signed_in("dono@lojazap.com", "correct horse battery")
        .await;
    let retried = browser
        .call("retry_message", &[("message_id", &refused_id.to_string())])
        .await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    eventually("the retry is sent", || async {
        status_of(refused_id).await.0.as_deref() == Some("sent")
    })
    .await;
    assert_eq!(graph.received().len(), 3);

    // WhatsApp reports it undelivered after all: failed, with Meta's code
    // and words, shown over REST.
    assert_eq!(
        status_of(refused_id).await.2.as_deref(),
        Some("wamid.out.2")
    );
    assert_eq!(
        post_webhook(
            &app,
            id,
            &whatsapp_status("wamid.out.2", "failed"),
            Some(APP_SECRET)
        )
        .await,
        200
    );
    eventually("the failure is reported", || async {
        status_of(refused_id).await.0.as_deref() == Some("failed")
    })
    .await;
    let (_, page) = api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/conversations/{number}/messages"),
        None,
    )
    .await;
    let reported = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == refused_id)
        .unwrap()
        .clone();
    assert_eq!(reported["delivery_error"], "131047: Re-engagement message");

    // Outside the 24-hour window free text is refused, with a clear code.
    sqlx::query(
        "UPDATE messages SET created_at = now() - interval '25 hours' WHERE kind = 'incoming'",
    )
    .execute(&app.database.owner)
    .await
    .unwrap();
    let (status, body) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": "Ainda aí?"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"][0]["code"], "outside_service_window");
    // A note is not a message to the customer: always fine.
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": "cliente sumiu", "private": true})),
    )
    .await;
    assert_eq!(status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_marks_the_connection_disconnected() {
    let app = spawn_app().await;
    let graph = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, &graph.base_url).await;
    let id = channel["id"].as_i64().unwrap();
    let inbound = whatsapp_messages(&[("wamid.IN9", "14155550100", "hello")], "Sam");
    assert_eq!(
        post_webhook(&app, id, &inbound, Some(APP_SECRET)).await,
        200
    );
    eventually("the customer's message arrives", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.IN9'",
        )
        .await
            == 1
    })
    .await;
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::PATCH,
        &format!("/channels/{id}"),
        Some(json!({"config": {"access_token": "revoked"}})),
    )
    .await;
    assert_eq!(status, 200);
    let number = count(&app, "SELECT number FROM conversations").await;
    let (_, sent) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": "hi Sam"})),
    )
    .await;
    let message_id = sent["id"].as_i64().unwrap();
    eventually("the send fails", || async {
        count(&app, &format!("SELECT count(*) FROM messages WHERE id = {message_id} AND delivery_status = 'failed'")).await == 1
    })
    .await;
    let (_, shown) = api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/channels/{id}"),
        None,
    )
    .await;
    assert_eq!(shown["health"], "disconnected");
    assert!(shown["health_detail"].as_str().unwrap().starts_with("190:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashed_claims_come_back_and_poison_events_are_parked_then_replayed() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, "http://127.0.0.1:9").await;
    let id = channel["id"].as_i64().unwrap();
    let db = &app.database.db;

    // A worker claims an event and dies before committing: the lease runs
    // out, the event is processed again, and yields one message.
    let connection = domain::channels::connections::for_webhook(
        db,
        &domain::channels::vault::Vault::new(&crate::helpers::test_secret(), &[]).unwrap(),
        id,
    )
    .await
    .unwrap();
    sqlx::query("UPDATE webhook_events SET state = 'done'")
        .execute(&app.database.owner)
        .await
        .unwrap();
    let body = whatsapp_messages(&[("wamid.C1", "5511987654321", "Oi")], "Ana");
    // Stored, then claimed by a worker that died before committing: its
    // lease (an hour here) holds the event back from other workers.
    sqlx::query(
        "INSERT INTO webhook_events (account_id, channel_id, provider, body, dedupe_key, attempts, next_attempt_at)
         VALUES ($1, $2, 'whatsapp_cloud', $3, 'crashed-claim', 1, now() + interval '1 hour')",
    )
    .bind(connection.account_id)
    .bind(id)
    .bind(&body)
    .execute(&app.database.owner)
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.C1'"
        )
        .await,
        0,
        "leased: left alone"
    );
    sqlx::query("UPDATE webhook_events SET next_attempt_at = now()")
        .execute(&app.database.owner)
        .await
        .unwrap();
    eventually("the lease ran out and the event was processed", || async {
        count(
            &app,
            "SELECT count(*) FROM webhook_events WHERE state = 'done'",
        )
        .await
            == 1
    })
    .await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.C1'"
        )
        .await,
        1
    );

    // A signed body that can never be processed is retried, then parked.
    let poison = b"not json at all".to_vec();
    assert_eq!(post_webhook(&app, id, &poison, Some(APP_SECRET)).await, 200);
    eventually("the first attempt failed", || async {
        count(
            &app,
            "SELECT count(*) FROM webhook_events WHERE last_error LIKE '%not JSON%'",
        )
        .await
            == 1
    })
    .await;
    sqlx::query(
        "UPDATE webhook_events SET attempts = 7, next_attempt_at = now() WHERE state = 'pending'",
    )
    .execute(&app.database.owner)
    .await
    .unwrap();
    eventually("the poison event is parked", || async {
        count(
            &app,
            "SELECT count(*) FROM webhook_events WHERE state = 'parked'",
        )
        .await
            == 1
    })
    .await;
    let good = whatsapp_messages(&[("wamid.C2", "5511987654321", "Ainda aqui")], "Ana");
    assert_eq!(post_webhook(&app, id, &good, Some(APP_SECRET)).await, 200);
    eventually("later events are not blocked", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.C2'",
        )
        .await
            == 1
    })
    .await;

    let (_, shown) = api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/channels/{id}"),
        None,
    )
    .await;
    assert_eq!(shown["parked_events"], 1, "admins see what is parked");
    let (status, parked) = api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/channels/{id}/parked-events"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{parked}");
    assert_eq!(
        parked[0]["body"], "not json at all",
        "what the provider sent"
    );
    assert_eq!(parked[0]["attempts"], 8);
    assert!(
        parked[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("not JSON"),
        "{parked}"
    );
    let (status, replayed) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/channels/{id}/replay"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(replayed["replayed"], 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM webhook_events WHERE state = 'parked'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE action = 'webhook_events_replayed'
                AND details->>'replayed' = '1'"
        )
        .await,
        1,
        "replays are audited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_arriving_together_are_stored_together_once_each() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, "http://127.0.0.1:9").await;
    let id = channel["id"].as_i64().unwrap();
    let db = &app.database.db;
    let vault = domain::channels::vault::Vault::new(&crate::helpers::test_secret(), &[]).unwrap();
    let connection = domain::channels::connections::for_webhook(db, &vault, id)
        .await
        .unwrap();
    // A connection removed a moment ago: its request fails alone.
    let removed = domain::channels::connections::Connection {
        id: id + 1000,
        ..connection.clone()
    };
    let intake = domain::channels::webhooks::Intake::start(db.clone());
    let bodies: Vec<Vec<u8>> = (0..30)
        .map(|n| whatsapp_messages(&[(&format!("wamid.G{n}"), "5511987654321", "Oi")], "Ana"))
        .collect();
    // 30 distinct bodies, the first ten of them twice, all at once.
    let requests = bodies.iter().chain(&bodies[..10]).map(|body| {
        let intake = intake.clone();
        let connection = connection.clone();
        async move { intake.store(&connection, body, json!({})).await }
    });
    let bad = intake.store(&removed, &bodies[0], json!({}));
    let (stored, bad) = tokio::join!(futures::future::join_all(requests), bad);
    assert!(bad.is_err(), "the removed connection's request is refused");
    let ids: Vec<i64> = stored
        .iter()
        .map(|s| s.as_ref().expect("stored"))
        .filter_map(|id| *id)
        .collect();
    assert_eq!(ids.len(), 30, "each body once: {stored:?}");
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 30);
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM webhook_events WHERE channel_id = {id}")
        )
        .await,
        30
    );
    // A redelivery later is a redelivery too.
    let again = intake.store(&connection, &bodies[29], json!({})).await;
    assert_eq!(again.unwrap(), None);
    eventually("each stored request became one message", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id LIKE 'wamid.G%'",
        )
        .await
            == 30
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_item_of_a_thousand_message_batch_is_processed() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, "http://127.0.0.1:9").await;
    let id = channel["id"].as_i64().unwrap();
    // Meta's largest batch: a thousand messages from fifty customers.
    let messages: Vec<(String, String, String)> = (0..1000)
        .map(|n| {
            (
                format!("wamid.batch.{n}"),
                format!("55119870{:05}", n % 50),
                format!("Mensagem {n}"),
            )
        })
        .collect();
    let items: Vec<(&str, &str, &str)> = messages
        .iter()
        .map(|(id, from, text)| (id.as_str(), from.as_str(), text.as_str()))
        .collect();
    let body = whatsapp_messages(&items, "Cliente");
    assert_eq!(post_webhook(&app, id, &body, Some(APP_SECRET)).await, 200);
    assert_eq!(post_webhook(&app, id, &body, Some(APP_SECRET)).await, 200);
    for _ in 0..600 {
        if count(
            &app,
            "SELECT count(*) FROM webhook_events WHERE state = 'done'",
        )
        .await
            == 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE kind = 'incoming'"
        )
        .await,
        1000
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(DISTINCT external_id) FROM messages WHERE external_id LIKE 'wamid.batch.%'"
        )
        .await,
        1000
    );
    assert_eq!(count(&app, "SELECT count(*) FROM conversations").await, 50);
    assert_eq!(count(&app, "SELECT count(*) FROM contacts").await, 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_a_connection_of_each_type_waiting_for_credentials_without_alarms() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    for kind in [
        "whatsapp_cloud",
        "twilio_whatsapp",
        "zapi",
        "messenger",
        "instagram",
        "api",
    ] {
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT count(*) FROM channels WHERE kind = '{kind}' AND health = 'disconnected'
                        AND health_detail LIKE 'Demo:%'"
                )
            )
            .await,
            1,
            "{kind}"
        );
    }
    // The alert sweep runs every second: placeholders ring no bells.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let alerts = || async {
        let bell: Vec<shared::inbox::Notification> =
            admin.call("list_notifications", &[]).await.json();
        bell.iter()
            .filter(|n| n.kind == shared::inbox::NotificationKind::ConnectionDown)
            .count()
    };
    assert_eq!(alerts().await, 0);
    // Positive control: a real incident on one of them does ring.
    sqlx::query("UPDATE channels SET health_alerted_at = NULL WHERE kind = 'zapi'")
        .execute(&app.database.owner)
        .await
        .unwrap();
    eventually("the incident rings the bell", || async {
        alerts().await == 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_connection_takes_no_webhooks_and_sends_nothing_until_enabled() {
    let app = spawn_app().await;
    let graph = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, &graph.base_url).await;
    let id = channel["id"].as_i64().unwrap();
    let first = whatsapp_messages(&[("wamid.D1", "5511987654321", "Oi")], "Ana");
    assert_eq!(post_webhook(&app, id, &first, Some(APP_SECRET)).await, 200);
    eventually("stored", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.D1'",
        )
        .await
            == 1
    })
    .await;
    let number = count(&app, "SELECT number FROM conversations").await;

    let set_active = |active: bool| {
        let token = token.clone();
        let app = &app;
        async move {
            let (status, body) = api(
                app,
                &token,
                reqwest::Method::PATCH,
                &format!("/channels/{id}"),
                Some(json!({"active": active})),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["active"], active);
        }
    };
    set_active(false).await;
    let probe = whatsapp_messages(&[("wamid.PROBE", "5511900000000", "?")], "Probe");
    eventually("every instance knows it is disabled", || async {
        post_webhook(&app, id, &probe, Some(APP_SECRET)).await == 403
    })
    .await;
    let second = whatsapp_messages(&[("wamid.D2", "5511987654321", "Alô?")], "Ana");
    assert_eq!(post_webhook(&app, id, &second, Some(APP_SECRET)).await, 403);
    assert_eq!(
        count(&app, "SELECT count(*) FROM webhook_events WHERE convert_from(body, 'UTF8') LIKE '%wamid.D2%'").await,
        0,
        "refused, so the provider keeps it and retries"
    );
    let (status, sent) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": "Estamos aqui"})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let reply = sent["id"].as_i64().unwrap();
    eventually("the reply fails with the reason", || async {
        count(
            &app,
            &format!(
                "SELECT count(*) FROM messages WHERE id = {reply} AND delivery_status = 'failed'
                    AND delivery_error = 'the connection is disabled'"
            ),
        )
        .await
            == 1
    })
    .await;
    assert!(graph.received().is_empty(), "nothing reached the provider");

    set_active(true).await;
    eventually("the provider's retry is taken", || async {
        post_webhook(&app, id, &second, Some(APP_SECRET)).await == 200
    })
    .await;
    eventually("and stored", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.D2'",
        )
        .await
            == 1
    })
    .await;
}
