//! Messenger and Instagram Direct: Meta's handshake and signatures on the
//! raw bytes, batches and redeliveries, customers' files, replies with
//! `messaging_type`, and statuses that never go backwards.

use serde_json::{json, Value};

use super::{admin_token, create, eventually, reply};
use crate::channels::count;
use crate::helpers::{spawn_app, TestApp};
use crate::mock_providers::{escape_non_ascii, meta_signature, MockGraph};

/// Posts a page webhook body, signed with `secret` when given.
async fn post_signed(app: &TestApp, id: i64, body: &[u8], secret: Option<&str>) -> u16 {
    let mut request = app
        .plain_client()
        .post(format!("{}/webhooks/meta/{id}", app.base_url))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(secret) = secret {
        request = request.header("x-hub-signature-256", meta_signature(secret, body));
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messenger_replies_carry_messaging_type_and_reads_follow_the_watermark() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create(
        &app,
        &token,
        "messenger",
        json!({
            "page_id": "999", "page_access_token": "graph-token", "app_secret": "page-secret",
            "verify_token": "page-verify", "api_base_url": mock.base_url
        }),
    )
    .await;
    let id = channel["id"].as_i64().unwrap();
    assert_eq!(
        channel["webhook_url"],
        format!("{}/webhooks/meta/{id}", app.base_url)
    );
    let handshake = app.plain_client()
        .get(format!("{}/webhooks/meta/{id}?hub.mode=subscribe&hub.verify_token=page-verify&hub.challenge=abc", app.base_url))
        .send().await.unwrap();
    assert_eq!(handshake.text().await.unwrap(), "abc");
    let wrong_route = app.plain_client()
        .get(format!("{}/webhooks/whatsapp/{id}?hub.mode=subscribe&hub.verify_token=page-verify&hub.challenge=abc", app.base_url))
        .send().await.unwrap();
    assert_eq!(
        wrong_route.status(),
        404,
        "a Messenger page is not a WhatsApp number"
    );
    let post = |body: Value| {
        let raw = body.to_string().into_bytes();
        app.plain_client()
            .post(format!("{}/webhooks/meta/{id}", app.base_url))
            .header("x-hub-signature-256", meta_signature("page-secret", &raw))
            .body(raw)
            .send()
    };
    let inbound = json!({"object": "page", "entry": [{"id": "999", "time": 1, "messaging": [
        {"sender": {"id": "PSID7"}, "recipient": {"id": "999"}, "timestamp": 1, "message": {"mid": "m_in1", "text": "Oi pelo Messenger"}},
        {"sender": {"id": "PSID7"}, "recipient": {"id": "999"}, "timestamp": 2, "postback": {"mid": "m_in2", "title": "Falar com atendente", "payload": "HUMAN"}}
    ]}]});
    assert_eq!(post(inbound).await.unwrap().status(), 200);
    eventually(
        &app,
        "both stored",
        "SELECT count(*) FROM messages WHERE external_id IN ('m_in1', 'm_in2')",
        2,
    )
    .await;

    let message_id = reply(&app, &token, "Olá! Em que posso ajudar?").await;
    let sent = mock.wait_for_sends(1).await;
    assert_eq!(sent[0].path, "/v21.0/999/messages");
    assert_eq!(sent[0].authorization.as_deref(), Some("Bearer graph-token"));
    assert_eq!(
        sent[0].body,
        json!({"recipient": {"id": "PSID7"}, "messaging_type": "RESPONSE", "message": {"text": "Olá! Em que posso ajudar?"}})
    );
    eventually(
        &app,
        "sent",
        &format!(
            "SELECT count(*) FROM messages WHERE id = {message_id} AND external_id = 'm_out.1'"
        ),
        1,
    )
    .await;
    let far_future = 4_102_444_800_000_i64; // 2100-01-01: every reply so far
    let read = json!({"object": "page", "entry": [{"id": "999", "time": 3, "messaging": [
        {"sender": {"id": "PSID7"}, "recipient": {"id": "999"}, "timestamp": 3, "read": {"watermark": far_future}}
    ]}]});
    assert_eq!(post(read).await.unwrap().status(), 200);
    eventually(
        &app,
        "read",
        &format!(
            "SELECT count(*) FROM messages WHERE id = {message_id} AND delivery_status = 'read'"
        ),
        1,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messenger_and_instagram_webhooks_are_verified_on_their_raw_bytes() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    for (kind, object, page, sender) in [
        ("messenger", "page", "999", "PSID1"),
        ("instagram", "instagram", "1789", "IGSID1"),
    ] {
        let secret = format!("{kind}-secret");
        let channel = create(
            &app,
            &token,
            kind,
            json!({
                "page_id": page, "page_access_token": "graph-token", "app_secret": secret,
                "verify_token": "page-verify", "api_base_url": mock.base_url
            }),
        )
        .await;
        let id = channel["id"].as_i64().unwrap();
        let handshake = |mode: &str, verify: &str| {
            app.plain_client()
                .get(format!(
                    "{}/webhooks/meta/{id}?hub.mode={mode}&hub.verify_token={verify}&hub.challenge=4242",
                    app.base_url
                ))
                .send()
        };
        let ok = handshake("subscribe", "page-verify").await.unwrap();
        assert_eq!(
            (ok.status().as_u16(), ok.text().await.unwrap().as_str()),
            (200, "4242")
        );
        assert_eq!(
            handshake("subscribe", "wrong").await.unwrap().status(),
            403,
            "{kind}"
        );
        assert_eq!(
            handshake("unsubscribe", "page-verify")
                .await
                .unwrap()
                .status(),
            403,
            "{kind}"
        );

        // Two messages in one delivery, serialized as Meta does (escaped).
        let body = json!({"object": object, "entry": [{"id": page, "time": 1, "messaging": [
            {"sender": {"id": sender}, "recipient": {"id": page}, "timestamp": 1, "message": {"mid": format!("{kind}.m1"), "text": "Olá, bom dia"}},
            {"sender": {"id": sender}, "recipient": {"id": page}, "timestamp": 2, "message": {"mid": format!("{kind}.m2"), "text": "Vocês entregam no sábado?"}}
        ]}]});
        let raw = escape_non_ascii(&body.to_string()).into_bytes();
        assert!(String::from_utf8_lossy(&raw).contains("\\u00e1"));
        let reserialized = body.to_string().into_bytes();
        let before = count(&app, "SELECT count(*) FROM webhook_events").await;
        assert_eq!(
            post_signed(&app, id, &raw, None).await,
            401,
            "{kind}: unsigned"
        );
        assert_eq!(
            post_signed(&app, id, &raw, Some("other")).await,
            401,
            "{kind}: wrong secret"
        );
        let forged = app
            .plain_client()
            .post(format!("{}/webhooks/meta/{id}", app.base_url))
            .header("x-hub-signature-256", meta_signature(&secret, &raw))
            .body(reserialized)
            .send()
            .await
            .unwrap();
        assert_eq!(
            forged.status(),
            401,
            "{kind}: re-serialized JSON is not what was signed"
        );
        assert_eq!(
            count(&app, "SELECT count(*) FROM webhook_events").await,
            before,
            "rejections store nothing"
        );

        assert_eq!(
            post_signed(&app, id, &raw, Some(&secret)).await,
            200,
            "{kind}"
        );
        assert_eq!(
            post_signed(&app, id, &raw, Some(&secret)).await,
            200,
            "{kind}: a redelivery"
        );
        eventually(
            &app,
            "both messages stored once",
            &format!(
                "SELECT CASE WHEN count(DISTINCT c.id) = 1 THEN count(*) ELSE -1 END
                   FROM messages m JOIN conversations c ON c.id = m.conversation_id
                  WHERE m.channel_id = {id} AND m.kind = 'incoming'
                    AND m.body IN ('Olá, bom dia', 'Vocês entregam no sábado?')"
            ),
            2,
        )
        .await;

        let message_id = reply(&app, &token, "Entregamos, sim!").await;
        let sent = mock
            .wait_for_sends(if kind == "messenger" { 1 } else { 2 })
            .await;
        let request = sent.last().unwrap();
        assert_eq!(request.path, format!("/v21.0/{page}/messages"));
        assert_eq!(request.authorization.as_deref(), Some("Bearer graph-token"));
        assert_eq!(
            request.body,
            json!({"recipient": {"id": sender}, "messaging_type": "RESPONSE", "message": {"text": "Entregamos, sim!"}})
        );
        eventually(
            &app,
            "sent",
            &format!("SELECT count(*) FROM messages WHERE id = {message_id} AND delivery_status = 'sent'"),
            1,
        )
        .await;

        // Meta's 24-hour rule: a day after the customer's last message, free
        // text is refused before it is queued.
        sqlx::query(&format!(
            "UPDATE messages SET created_at = now() - interval '25 hours'
              WHERE channel_id = {id} AND kind = 'incoming'"
        ))
        .execute(&app.database.owner)
        .await
        .unwrap();
        let number = count(&app, "SELECT max(number) FROM conversations").await;
        let (status, refused) = crate::channels::api(
            &app,
            &token,
            reqwest::Method::POST,
            &format!("/conversations/{number}/messages"),
            Some(json!({"content": "Ainda aí?"})),
        )
        .await;
        assert_eq!(status, 422, "{kind}: {refused}");
        assert_eq!(refused["fields"][0]["code"], "outside_service_window");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messenger_files_arrive_and_statuses_never_go_backwards() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create(
        &app,
        &token,
        "messenger",
        json!({
            "page_id": "999", "page_access_token": "graph-token", "app_secret": "page-secret",
            "verify_token": "page-verify", "api_base_url": mock.base_url
        }),
    )
    .await;
    let id = channel["id"].as_i64().unwrap();
    let event = |item: Value| {
        let mut event =
            json!({"sender": {"id": "PSID7"}, "recipient": {"id": "999"}, "timestamp": 5});
        event
            .as_object_mut()
            .unwrap()
            .extend(item.as_object().unwrap().clone());
        json!({"object": "page", "entry": [{"id": "999", "time": 5, "messaging": [event]}]})
            .to_string()
            .into_bytes()
    };
    let photo = event(json!({"message": {"mid": "m_photo", "attachments": [
        {"type": "image", "payload": {"url": format!("{}/media/m-foto.png", mock.base_url)}}]}}));
    assert_eq!(
        post_signed(&app, id, &photo, Some("page-secret")).await,
        200
    );
    eventually(
        &app,
        "the photo is attached",
        "SELECT count(*) FROM messages m JOIN attachments a ON a.id = m.attachment_id
          WHERE m.external_id = 'm_photo' AND m.content_type = 'image' AND a.file_name = 'm-foto.png'",
        1,
    )
    .await;

    let first = reply(&app, &token, "Recebi a foto").await;
    mock.wait_for_sends(1).await;
    eventually(
        &app,
        "sent",
        &format!("SELECT count(*) FROM messages WHERE id = {first} AND external_id = 'm_out.1'"),
        1,
    )
    .await;
    let far_future = 4_102_444_800_000_i64;
    let read = event(json!({"read": {"watermark": far_future}}));
    let delivered = event(json!({"delivery": {"mids": ["m_out.1"], "watermark": far_future}}));
    assert_eq!(post_signed(&app, id, &read, Some("page-secret")).await, 200);
    assert_eq!(
        post_signed(&app, id, &delivered, Some("page-secret")).await,
        200,
        "late"
    );
    eventually(
        &app,
        "both statuses processed",
        "SELECT count(*) FROM webhook_events WHERE state = 'done'",
        3,
    )
    .await;
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM messages WHERE id = {first} AND delivery_status = 'read'"
            )
        )
        .await,
        1,
        "a late delivery never undoes 'read'"
    );

    let second = reply(&app, &token, "Mais alguma coisa?").await;
    mock.wait_for_sends(2).await;
    eventually(
        &app,
        "sent",
        &format!("SELECT count(*) FROM messages WHERE id = {second} AND external_id = 'm_out.2'"),
        1,
    )
    .await;
    let delivered = event(json!({"delivery": {"mids": ["m_out.2"], "watermark": 6}}));
    assert_eq!(
        post_signed(&app, id, &delivered, Some("page-secret")).await,
        200
    );
    eventually(
        &app,
        "delivered",
        &format!(
            "SELECT count(*) FROM messages WHERE id = {second} AND delivery_status = 'delivered'"
        ),
        1,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instagram_photos_arrive_and_reads_name_the_message() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create(
        &app,
        &token,
        "instagram",
        json!({
            "page_id": "1789", "page_access_token": "graph-token", "app_secret": "ig-secret",
            "verify_token": "ig-verify", "api_base_url": mock.base_url
        }),
    )
    .await;
    let id = channel["id"].as_i64().unwrap();
    let event = |item: Value| {
        let mut event =
            json!({"sender": {"id": "IGSID3"}, "recipient": {"id": "1789"}, "timestamp": 5});
        event
            .as_object_mut()
            .unwrap()
            .extend(item.as_object().unwrap().clone());
        json!({"object": "instagram", "entry": [{"id": "1789", "time": 5, "messaging": [event]}]})
            .to_string()
            .into_bytes()
    };
    let photo = event(json!({"message": {"mid": "ig_photo", "attachments": [
        {"type": "image", "payload": {"url": format!("{}/media/ig-story.png", mock.base_url)}}]}}));
    assert_eq!(post_signed(&app, id, &photo, Some("ig-secret")).await, 200);
    eventually(
        &app,
        "the photo is attached",
        "SELECT count(*) FROM messages m JOIN attachments a ON a.id = m.attachment_id
          WHERE m.external_id = 'ig_photo' AND m.content_type = 'image' AND a.file_name = 'ig-story.png'",
        1,
    )
    .await;
    let reply_id = reply(&app, &token, "Que foto linda!").await;
    mock.wait_for_sends(1).await;
    eventually(
        &app,
        "sent",
        &format!("SELECT count(*) FROM messages WHERE id = {reply_id} AND external_id = 'm_out.1'"),
        1,
    )
    .await;
    // Instagram names the message it read.
    let read = event(json!({"read": {"mid": "m_out.1"}}));
    assert_eq!(post_signed(&app, id, &read, Some("ig-secret")).await, 200);
    eventually(
        &app,
        "read",
        &format!(
            "SELECT count(*) FROM messages WHERE id = {reply_id} AND delivery_status = 'read'"
        ),
        1,
    )
    .await;
}
