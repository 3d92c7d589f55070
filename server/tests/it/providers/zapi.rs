//! WhatsApp through Z-API: webhook URLs that carry a secret, echoes of the
//! phone stored as ours, groups kept apart, redeliveries and late statuses
//! changing nothing, and a session that disconnects.

use serde_json::{json, Value};

use super::{admin_token, create, eventually, reply};
use crate::channels::{api, count};
use crate::helpers::spawn_app;
use crate::mock_providers::{MockGraph, ZAPI_QR_CODES};
use shared::connections::{Pairing, SessionState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zapi_urls_carry_a_secret_and_phone_echoes_are_ours() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create(&app, &token, "zapi", json!({
        "instance_id": "I1", "token": "zapi-token", "client_token": "zapi-client", "api_base_url": mock.base_url
    })).await;
    let id = channel["id"].as_i64().unwrap();
    let url = channel["webhook_url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/webhooks/zapi/{id}/", app.base_url)) && url.len() > 60,
        "{url}"
    );
    let post = |url: String, body: Value| app.plain_client().post(url).json(&body).send();
    let customer = json!({"type": "ReceivedCallback", "instanceId": "I1", "messageId": "3EB0A1", "phone": "551187654321",
        "fromMe": false, "isGroup": false, "senderName": "Júlia", "momment": 1764633600000_i64, "text": {"message": "Oi, tudo bem?"}});
    let wrong_secret = format!("{}/webhooks/zapi/{id}/not-the-secret", app.base_url);
    assert_eq!(
        post(wrong_secret, customer.clone()).await.unwrap().status(),
        403
    );
    let mut other_instance = customer.clone();
    other_instance["instanceId"] = json!("I2");
    assert_eq!(
        post(url.clone(), other_instance).await.unwrap().status(),
        403
    );
    assert_eq!(count(&app, "SELECT count(*) FROM webhook_events").await, 0);
    assert_eq!(post(url.clone(), customer).await.unwrap().status(), 200);
    let echo = json!({"type": "ReceivedCallback", "instanceId": "I1", "messageId": "3EB0A2", "phone": "5511987654321",
        "fromMe": true, "isGroup": false, "senderName": "Loja", "text": {"message": "Respondi pelo celular"}});
    assert_eq!(post(url.clone(), echo).await.unwrap().status(), 200);
    let group = json!({"type": "ReceivedCallback", "instanceId": "I1", "messageId": "3EB0A3", "phone": "120363-group",
        "fromMe": false, "isGroup": true, "senderName": "Júlia", "text": {"message": "no grupo"}});
    assert_eq!(post(url.clone(), group).await.unwrap().status(), 200);
    eventually(
        &app,
        "all three processed",
        "SELECT count(*) FROM webhook_events WHERE state = 'done'",
        3,
    )
    .await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = '3EB0A1' AND kind = 'incoming'"
        )
        .await,
        1
    );
    assert_eq!(count(&app, "SELECT count(*) FROM messages WHERE external_id = '3EB0A2' AND kind = 'outgoing' AND sender_user_id IS NULL").await, 1, "sent from the phone: ours");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = '3EB0A3'"
        )
        .await,
        0,
        "group messages stay apart"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM contacts WHERE name = 'Júlia'").await,
        1,
        "the echo never renamed the customer"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM conversations").await, 1);

    let message_id = reply(&app, &token, "Tudo ótimo!").await;
    let sent = mock.wait_for_sends(1).await;
    assert_eq!(sent[0].path, "/instances/I1/send-text");
    assert_eq!(
        sent[0].body["json"],
        json!({"phone": "5511987654321", "message": "Tudo ótimo!"})
    );
    assert_eq!(sent[0].body["client_token"], "zapi-client");
    eventually(
        &app,
        "sent",
        &format!("SELECT count(*) FROM messages WHERE id = {message_id} AND external_id = 'ZOUT1'"),
        1,
    )
    .await;
    let read = json!({"type": "MessageStatusCallback", "instanceId": "I1", "status": "READ", "ids": ["ZOUT1"], "phone": "5511987654321"});
    assert_eq!(post(url.clone(), read).await.unwrap().status(), 200);
    eventually(
        &app,
        "read",
        &format!(
            "SELECT count(*) FROM messages WHERE id = {message_id} AND delivery_status = 'read'"
        ),
        1,
    )
    .await;

    // A reply Z-API refused, then echoed as sent from the phone after all:
    // one message, sent, never a second copy.
    mock.state
        .refuse_sends
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let doubtful = reply(&app, &token, "Chegou?").await;
    eventually(
        &app,
        "refused",
        &format!(
            "SELECT count(*) FROM messages WHERE id = {doubtful} AND delivery_status = 'failed'"
        ),
        1,
    )
    .await;
    let echo = json!({"type": "ReceivedCallback", "instanceId": "I1", "messageId": "3EB0ECHO", "phone": "5511987654321",
        "fromMe": true, "isGroup": false, "text": {"message": "Chegou?"}});
    assert_eq!(post(url.clone(), echo).await.unwrap().status(), 200);
    eventually(&app, "the echo is our reply", &format!("SELECT count(*) FROM messages WHERE id = {doubtful} AND external_id = '3EB0ECHO' AND delivery_status = 'sent'"), 1).await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM messages WHERE body = 'Chegou?'").await,
        1
    );
    mock.state
        .refuse_sends
        .store(false, std::sync::atomic::Ordering::SeqCst);

    let down = json!({"type": "DisconnectedCallback", "instanceId": "I1", "disconnected": true, "error": "Device has been disconnected"});
    assert_eq!(post(url, down).await.unwrap().status(), 200);
    eventually(
        &app,
        "disconnected",
        &format!("SELECT count(*) FROM channels WHERE id = {id} AND health = 'disconnected'"),
        1,
    )
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
    assert_eq!(shown["health_detail"], "Device has been disconnected");
    assert_eq!(shown["config"]["token"], "••••••••");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zapi_redeliveries_and_late_statuses_change_nothing() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create(&app, &token, "zapi", json!({
        "instance_id": "I1", "token": "zapi-token", "client_token": "zapi-client", "api_base_url": mock.base_url
    })).await;
    let url = channel["webhook_url"].as_str().unwrap().to_string();
    let post = |body: Value| app.plain_client().post(&url).json(&body).send();
    let message = |id: &str, text: &str| {
        json!({"type": "ReceivedCallback", "instanceId": "I1", "messageId": id, "phone": "5511987654321",
               "fromMe": false, "isGroup": false, "senderName": "Júlia", "text": {"message": text}})
    };
    for body in [
        message("3EB0B1", "Primeira"),
        message("3EB0B2", "Segunda"),
        message("3EB0B1", "Primeira"),
    ] {
        assert_eq!(post(body).await.unwrap().status(), 200);
    }
    eventually(
        &app,
        "all three processed",
        "SELECT count(*) FROM webhook_events WHERE state = 'done'",
        2,
    )
    .await;
    eventually(
        &app,
        "two messages, the redelivery ignored",
        "SELECT count(*) FROM messages WHERE kind = 'incoming'",
        2,
    )
    .await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = '3EB0B1'"
        )
        .await,
        1
    );

    let message_id = reply(&app, &token, "Oi, Júlia!").await;
    mock.wait_for_sends(1).await;
    eventually(
        &app,
        "sent",
        &format!("SELECT count(*) FROM messages WHERE id = {message_id} AND external_id = 'ZOUT1'"),
        1,
    )
    .await;
    let status = |status: &str| {
        json!({"type": "MessageStatusCallback", "instanceId": "I1", "status": status, "ids": ["ZOUT1"],
               "phone": "5511987654321", "momment": 1764633600000_i64})
    };
    // Read first, then the late "received" and "sent": read stays.
    for body in [status("READ"), status("RECEIVED"), status("SENT")] {
        assert_eq!(post(body).await.unwrap().status(), 200);
    }
    eventually(
        &app,
        "the statuses processed",
        "SELECT count(*) FROM webhook_events WHERE state = 'done'",
        5,
    )
    .await;
    assert_eq!(
        count(&app, &format!("SELECT count(*) FROM messages WHERE id = {message_id} AND delivery_status = 'read'")).await,
        1,
        "late statuses never undo 'read'"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_offers_fresh_qr_codes_then_says_expired_until_a_restart() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let browser = app.sign_up("Loja QR", "loja-qr", "dono@lojaqr.com").await;
    let created: shared::accounts::NewApiToken = browser
        .call("create_api_token", &[("name", "pairing")])
        .await
        .json();
    let channel = create(&app, &created.token, "zapi", json!({
        "instance_id": "I1", "token": "zapi-token", "client_token": "zapi-client", "api_base_url": mock.base_url
    })).await;
    let id = channel["id"].as_i64().unwrap();
    let pair = |action: &'static str| {
        let browser = &browser;
        async move {
            let reply = browser
                .call_json(
                    "zapi_pairing",
                    &json!({"id": id, "action": action, "phone": "+55 11 98765-4321"}),
                )
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.json::<Pairing>()
        }
    };
    let connected_sql =
        format!("SELECT count(*) FROM channels WHERE id = {id} AND health = 'connected'");
    let health = || count(&app, &connected_sql);

    let mut codes = Vec::new();
    for _ in 0..ZAPI_QR_CODES {
        let pairing = pair("status").await;
        assert_eq!(pairing.state, SessionState::AwaitingScan);
        assert_eq!(pairing.detail.as_deref(), Some("You are not connected."));
        codes.push(pairing.qr_code.expect("a QR code to scan"));
    }
    codes.dedup();
    assert_eq!(codes.len(), ZAPI_QR_CODES, "a fresh code each time");
    let expired = pair("status").await;
    assert_eq!(
        (expired.state, expired.qr_code),
        (SessionState::QrExpired, None)
    );
    let restarted = pair("restart").await;
    assert_eq!(
        restarted.state,
        SessionState::AwaitingScan,
        "a restart brings new codes"
    );
    assert!(restarted.qr_code.is_some());
    let by_phone = pair("phone_code").await;
    assert_eq!(
        (
            by_phone.state,
            by_phone.phone_code.as_deref(),
            by_phone.qr_code
        ),
        (SessionState::AwaitingScan, Some("ABCD-EFGH"), None)
    );
    assert_eq!(health().await, 0);

    // The phone scanned: connected, and the connection's health follows.
    mock.state
        .zapi_paired
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let connected = pair("status").await;
    assert_eq!(
        (connected.state, connected.qr_code),
        (SessionState::Connected, None)
    );
    assert_eq!(health().await, 1);
    let disconnected = pair("disconnect").await;
    assert_eq!(disconnected.state, SessionState::AwaitingScan);
    assert_eq!(health().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_gateway_never_shows_the_token_in_its_url() {
    let app = spawn_app().await;
    let browser = app
        .sign_up("Loja Fora", "loja-fora", "dono@lojafora.com")
        .await;
    let created: shared::accounts::NewApiToken = browser
        .call("create_api_token", &[("name", "down")])
        .await
        .json();
    // Z-API puts the instance token in the path of every call.
    let secret_token = "zapi-instance-token-do-not-show";
    let channel = create(
        &app,
        &created.token,
        "zapi",
        json!({
            "instance_id": "I404", "token": secret_token, "client_token": "zapi-client",
            "api_base_url": "http://127.0.0.1:9"
        }),
    )
    .await;
    let id = channel["id"].as_i64().unwrap();
    let tested: Value = browser
        .call("test_connection", &[("id", &id.to_string())])
        .await
        .json();
    assert_eq!(tested["ok"], false, "{tested}");
    let detail = tested["detail"].as_str().unwrap();
    assert!(
        detail.contains("network error"),
        "the failure is told: {detail}"
    );
    assert!(!detail.contains(secret_token), "{detail}");
    let pairing = browser
        .call_json(
            "zapi_pairing",
            &json!({"id": id, "action": "status", "phone": ""}),
        )
        .await;
    assert!(pairing.body.contains("network error"), "{}", pairing.body);
    assert!(!pairing.body.contains(secret_token), "{}", pairing.body);
    let (_, shown) = api(
        &app,
        &created.token,
        reqwest::Method::GET,
        &format!("/channels/{id}"),
        None,
    )
    .await;
    assert_eq!(shown["health"], "disconnected");
    assert!(!shown.to_string().contains(secret_token), "{shown}");
}
