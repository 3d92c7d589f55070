//! The outbound queue under a provider's passing trouble: 5xx answers and
//! WhatsApp's rate limit (130429) are retried until the reply goes out,
//! once; and a connection's send rate holds across instances.

use axum::http::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

use crate::channels::{admin_token, api, create_whatsapp, post_webhook, APP_SECRET};
use crate::helpers::{spawn_app, TestApp};
use crate::mock_providers::{whatsapp_messages, MockGraph};
use crate::providers::{eventually, reply};

/// Makes the retry the queue scheduled due now, instead of in seconds.
async fn bring_retries_forward(app: &TestApp) {
    sqlx::query("UPDATE outbound_messages SET next_attempt_at = now() WHERE state = 'pending'")
        .execute(&app.database.owner)
        .await
        .unwrap();
}

/// A WhatsApp Cloud connection with a customer who just wrote.
async fn whatsapp_with_a_customer(app: &TestApp, mock: &MockGraph) -> (String, i64) {
    let token = admin_token(app).await;
    let channel = create_whatsapp(app, &token, &mock.base_url).await;
    let id = channel["id"].as_i64().unwrap();
    let inbound = whatsapp_messages(&[("wamid.in.1", "5511987654321", "Oi")], "Júlia");
    assert_eq!(post_webhook(app, id, &inbound, Some(APP_SECRET)).await, 200);
    eventually(
        app,
        "the customer's message is stored",
        "SELECT count(*) FROM messages WHERE external_id = 'wamid.in.1'",
        1,
    )
    .await;
    (token, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passing_provider_trouble_is_retried_until_the_reply_goes_out_once() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let (token, _) = whatsapp_with_a_customer(&app, &mock).await;
    mock.state.answer_next([
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": {"message": "Service temporarily unavailable", "code": 2}}),
        ),
        (
            StatusCode::BAD_REQUEST,
            json!({"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429}}),
        ),
    ]);
    let message_id = reply(&app, &token, "Já verifico!").await;
    let pending_with = |error: &str| {
        format!(
            "SELECT count(*) FROM outbound_messages o JOIN messages m ON m.id = o.message_id
              WHERE o.message_id = {message_id} AND o.state = 'pending'
                AND m.delivery_status = 'pending' AND o.last_error LIKE '%{error}%'"
        )
    };
    mock.wait_for_sends(1).await;
    eventually(
        &app,
        "a 503 is retried later",
        &pending_with("temporarily"),
        1,
    )
    .await;
    bring_retries_forward(&app).await;
    mock.wait_for_sends(2).await;
    eventually(
        &app,
        "a rate limit is retried later",
        &pending_with("130429"),
        1,
    )
    .await;
    bring_retries_forward(&app).await;
    let sent = mock.wait_for_sends(3).await;
    eventually(
        &app,
        "the third attempt goes out",
        &format!(
            "SELECT count(*) FROM messages m JOIN outbound_messages o ON o.message_id = m.id
              WHERE m.id = {message_id} AND m.delivery_status = 'sent' AND m.delivery_error IS NULL
                AND m.external_id = 'wamid.out.1' AND o.state = 'done' AND o.attempts = 3"
        ),
        1,
    )
    .await;
    assert!(
        sent.iter().all(|request| request.body == sent[0].body),
        "the same request each time: {sent:?}"
    );
    assert_eq!(sent[0].body["text"]["body"], "Já verifico!");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        mock.received().len(),
        3,
        "sent once it succeeded, never again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_channels_replies_are_retried_when_the_company_endpoint_fails() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    let (status, channel) = api(
        &app,
        &token,
        reqwest::Method::POST,
        "/channels",
        Some(json!({"type": "api", "name": "Loja virtual",
                    "config": {"webhook_url": format!("{}/hooks/api", mock.base_url)}})),
    )
    .await;
    assert_eq!(status, 201, "{channel}");
    let posted = app
        .plain_client()
        .post(format!(
            "{}/api/v1/channels/{}/messages",
            app.base_url, channel["id"]
        ))
        .bearer_auth(channel["token"].as_str().unwrap())
        .json(&json!({"contact": {"id": "c-9", "name": "Rafael"}, "message": {"id": "m-9", "text": "Oi"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 202);
    eventually(
        &app,
        "stored",
        "SELECT count(*) FROM messages WHERE external_id = 'api:m-9'",
        1,
    )
    .await;
    mock.state
        .answer_next([(StatusCode::BAD_GATEWAY, Value::Null)]);
    let message_id = reply(&app, &token, "Olá, Rafael").await;
    mock.wait_for_sends(1).await;
    eventually(
        &app,
        "a 502 is retried later",
        &format!(
            "SELECT count(*) FROM outbound_messages WHERE message_id = {message_id}
                AND state = 'pending' AND last_error LIKE '%502%'"
        ),
        1,
    )
    .await;
    bring_retries_forward(&app).await;
    let received = mock.wait_for_sends(2).await;
    eventually(
        &app,
        "the retry is delivered",
        &format!(
            "SELECT count(*) FROM messages WHERE id = {message_id} AND delivery_status = 'sent'"
        ),
        1,
    )
    .await;
    let secret = channel["signing_secret"].as_str().unwrap();
    for request in &received {
        let raw = request.body["raw"].as_str().unwrap();
        assert_eq!(
            request.body["signature"],
            domain::channels::api_channel::signature(secret, raw.as_bytes())
        );
    }
    assert_eq!(
        received[0].body["raw"], received[1].body["raw"],
        "the same reply"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connections_send_rate_is_shared_by_every_instance() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let (token, channel_id) = whatsapp_with_a_customer(&app, &mock).await;
    // Slots are reserved in the database: two instances' workers (two
    // pools here) asking for the same connection's slots queue behind each
    // other, while another connection's are free.
    let reserve = |pool: sqlx::PgPool, channel: i64| async move {
        sqlx::query_scalar::<_, f64>("SELECT reserve_send_slot($1, 10)")
            .bind(channel)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let other_instance = app.database.db.pool().clone();
    let mut waits = Vec::new();
    for n in 0..6 {
        let pool = if n % 2 == 0 {
            app.database.owner.clone()
        } else {
            other_instance.clone()
        };
        waits.push(reserve(pool, channel_id).await);
    }
    assert!(waits[0] < 0.01, "the first slot is free now: {waits:?}");
    for pair in waits.windows(2) {
        assert!(
            (0.05..0.11).contains(&(pair[1] - pair[0])),
            "each slot a tenth of a second after the last: {waits:?}"
        );
    }
    let other = create_second_connection(&app, &token, &mock).await;
    assert!(
        reserve(other_instance, other).await < 0.01,
        "another connection's own pace"
    );

    // End to end: at two sends a second, three replies take a second.
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::PATCH,
        &format!("/channels/{channel_id}"),
        Some(json!({"config": {"messages_per_second": "2"}})),
    )
    .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(700)).await; // the reserved test slots pass
    for text in ["um", "dois", "três"] {
        reply(&app, &token, text).await;
    }
    let sent = mock.wait_for_sends(3).await;
    for pair in sent.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(450),
            "{gap:?} between sends at 2/s"
        );
    }
    let texts: Vec<&Value> = sent.iter().map(|r| &r.body["text"]["body"]).collect();
    assert_eq!(texts, ["um", "dois", "três"], "in the order they were said");
}

async fn create_second_connection(app: &TestApp, token: &str, mock: &MockGraph) -> i64 {
    let (status, body) = api(
        app,
        token,
        reqwest::Method::POST,
        "/channels",
        Some(
            json!({"type": "whatsapp_cloud", "name": "WhatsApp Suporte", "config": {
            "phone_number_id": "4321", "access_token": "graph-token", "app_secret": "s2",
            "verify_token": "v2", "api_base_url": mock.base_url}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}
