//! Twilio, Z-API, Messenger and the API channel end to end: verified
//! inbound, idempotency, the exact outbound request each provider gets,
//! and statuses — against local servers speaking their wire formats.

use serde_json::{json, Value};
use std::time::Duration;

use crate::channels::{api, count};
use crate::helpers::{spawn_app, TestApp};
use crate::mock_providers::{meta_signature, MockGraph};

async fn admin_token(app: &TestApp) -> String {
    let browser = app
        .sign_up("Loja Multi", "loja-multi", "dono@lojamulti.com")
        .await;
    let created: shared::accounts::NewApiToken = browser
        .call("create_api_token", &[("name", "providers")])
        .await
        .json();
    created.token
}

async fn create(app: &TestApp, token: &str, kind: &str, config: Value) -> Value {
    let (status, body) = api(
        app,
        token,
        reqwest::Method::POST,
        "/channels",
        Some(json!({"type": kind, "name": format!("{kind} test"), "config": config})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn eventually(app: &TestApp, what: &str, sql: &str, expected: i64) {
    for _ in 0..200 {
        if count(app, sql).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "timed out waiting until {what}: {sql} = {}",
        count(app, sql).await
    );
}

async fn reply(app: &TestApp, token: &str, text: &str) -> i64 {
    let number = count(app, "SELECT max(number) FROM conversations").await;
    let (status, sent) = api(
        app,
        token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": text})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    sent["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_webhooks_are_signed_over_the_public_url_and_replies_go_out_as_forms() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create(&app, &token, "twilio_whatsapp", json!({
        "account_sid": "AC1", "auth_token": "twilio-token", "from": "+14155238886", "api_base_url": mock.base_url
    })).await;
    let id = channel["id"].as_i64().unwrap();
    let url = channel["webhook_url"].as_str().unwrap().to_string();
    assert_eq!(url, format!("{}/webhooks/twilio/{id}", app.base_url));
    let fields = [
        ("MessageSid", "SM100"),
        ("AccountSid", "AC1"),
        ("From", "whatsapp:+551187654321"),
        ("To", "whatsapp:+14155238886"),
        ("WaId", "551187654321"),
        ("ProfileName", "Júlia"),
        ("Body", "Olá, quero um orçamento"),
        ("NumMedia", "0"),
    ];
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let post = |url: String, body: String, signature: Option<String>| {
        let mut request = app
            .plain_client()
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("x-twilio-signature", signature);
        }
        request.send()
    };
    let unsigned = post(url.clone(), body.clone(), None).await.unwrap();
    assert_eq!(unsigned.status(), 403);
    let wrong = domain::channels::twilio::sign("other-token", &url, &fields);
    assert_eq!(
        post(url.clone(), body.clone(), Some(wrong))
            .await
            .unwrap()
            .status(),
        403
    );
    let signature = domain::channels::twilio::sign("twilio-token", &url, &fields);
    let accepted = post(url.clone(), body.clone(), Some(signature.clone()))
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    assert_eq!(accepted.headers()["content-type"], "text/xml");
    assert_eq!(
        accepted.text().await.unwrap(),
        "<Response></Response>",
        "no auto-reply"
    );
    assert_eq!(
        post(url.clone(), body, Some(signature))
            .await
            .unwrap()
            .status(),
        200,
        "a redelivery"
    );
    eventually(
        &app,
        "the message is stored",
        "SELECT count(*) FROM messages WHERE external_id = 'SM100'",
        1,
    )
    .await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM contacts WHERE name = 'Júlia' AND phone = '+5511987654321'"
        )
        .await,
        1
    );

    let message_id = reply(&app, &token, "Olá Júlia!").await;
    let sent = mock.wait_for_sends(1).await;
    assert_eq!(sent[0].path, "/2010-04-01/Accounts/AC1/Messages.json");
    assert_eq!(
        sent[0].body,
        json!({
            "From": "whatsapp:+14155238886", "To": "whatsapp:+5511987654321", "Body": "Olá Júlia!",
            "StatusCallback": format!("{}/webhooks/twilio/{id}/status", app.base_url),
        })
    );
    eventually(&app, "sent", &format!("SELECT count(*) FROM messages WHERE id = {message_id} AND external_id = 'SMout1' AND delivery_status = 'sent'"), 1).await;

    let status_url = format!("{url}/status");
    let status_fields = [
        ("MessageSid", "SMout1"),
        ("MessageStatus", "delivered"),
        ("AccountSid", "AC1"),
    ];
    let status_body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(status_fields)
        .finish();
    let status_signature =
        domain::channels::twilio::sign("twilio-token", &status_url, &status_fields);
    let response = post(status_url, status_body, Some(status_signature))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    eventually(&app, "delivered", &format!("SELECT count(*) FROM messages WHERE id = {message_id} AND delivery_status = 'delivered'"), 1).await;
}

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
async fn the_api_channel_takes_messages_with_its_token_and_posts_signed_replies() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create(
        &app,
        &token,
        "api",
        json!({"webhook_url": format!("{}/hooks/api", mock.base_url)}),
    )
    .await;
    let id = channel["id"].as_i64().unwrap();
    let channel_token = channel["token"].as_str().unwrap().to_string();
    let signing_secret = channel["signing_secret"].as_str().unwrap().to_string();
    assert_eq!(channel["config"]["token"], "••••••••");
    let (_, shown) = api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/channels/{id}"),
        None,
    )
    .await;
    assert!(
        shown.get("token").is_none() && !shown.to_string().contains(&channel_token),
        "shown once"
    );

    let send = |bearer: &str, body: Value| {
        app.plain_client()
            .post(format!("{}/api/v1/channels/{id}/messages", app.base_url))
            .bearer_auth(bearer)
            .json(&body)
            .send()
    };
    let message = json!({"contact": {"id": "cliente-42", "name": "Rafael", "phone": "+55 21 99876-5432"},
                         "message": {"id": "pedido-1", "text": "Meu pedido atrasou"}});
    assert_eq!(send("wrong", message.clone()).await.unwrap().status(), 401);
    assert_eq!(
        send(&token, message.clone()).await.unwrap().status(),
        401,
        "an account token is not the channel's"
    );
    let invalid = send(
        &channel_token,
        json!({"contact": {}, "message": {"id": "x"}}),
    )
    .await
    .unwrap();
    assert_eq!(invalid.status(), 422);
    let problems: Value = invalid.json().await.unwrap();
    assert_eq!(problems["fields"][0]["field"], "contact.id");
    assert_eq!(
        send(&channel_token, message.clone())
            .await
            .unwrap()
            .status(),
        202
    );
    assert_eq!(
        send(&channel_token, message).await.unwrap().status(),
        202,
        "a retry"
    );
    eventually(
        &app,
        "stored once",
        "SELECT count(*) FROM messages WHERE external_id = 'api:pedido-1'",
        1,
    )
    .await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM contacts WHERE name = 'Rafael' AND phone = '+5521998765432'"
        )
        .await,
        1
    );

    let message_id = reply(&app, &token, "Vou verificar, Rafael.").await;
    let received = mock.wait_for_sends(1).await;
    let raw = received[0].body["raw"].as_str().unwrap().to_string();
    assert_eq!(
        received[0].body["signature"],
        domain::channels::api_channel::signature(&signing_secret, raw.as_bytes()),
        "signed over the exact body with the channel's secret"
    );
    let posted: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(posted["event"], "message.created");
    assert_eq!(posted["contact"]["id"], "cliente-42");
    assert_eq!(posted["message"]["text"], "Vou verificar, Rafael.");
    assert_eq!(posted["message"]["id"], message_id);
    eventually(
        &app,
        "sent",
        &format!(
            "SELECT count(*) FROM messages WHERE id = {message_id} AND delivery_status = 'sent'"
        ),
        1,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_files_are_fetched_into_storage_and_attached_live() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    let whatsapp = create(
        &app,
        &token,
        "whatsapp_cloud",
        json!({
            "phone_number_id": "1234", "access_token": "graph-token", "app_secret": "media-secret",
            "verify_token": "v", "api_base_url": mock.base_url
        }),
    )
    .await;
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
        "contacts": [{"wa_id": "5511987654321", "profile": {"name": "Júlia"}}],
        "messages": [{"id": "wamid.photo", "from": "5511987654321", "type": "image",
                      "image": {"id": "media-77", "mime_type": "image/png", "caption": "a nota fiscal"}}]}}]}]})
    .to_string()
    .into_bytes();
    let posted = app
        .plain_client()
        .post(format!(
            "{}/webhooks/whatsapp/{}",
            app.base_url, whatsapp["id"]
        ))
        .header("x-hub-signature-256", meta_signature("media-secret", &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    eventually(&app, "the photo is attached", "SELECT count(*) FROM messages WHERE external_id = 'wamid.photo' AND attachment_id IS NOT NULL", 1).await;
    let number = count(&app, "SELECT number FROM conversations").await;
    let (_, page) = api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/conversations/{number}/messages"),
        None,
    )
    .await;
    let photo = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == "a nota fiscal")
        .unwrap()
        .clone();
    assert_eq!(photo["content_type"], "image");
    assert_eq!(photo["attachment"]["content_type"], "image/png");
    assert_eq!(
        photo["attachment"]["size_bytes"],
        crate::mock_providers::PNG.len()
    );

    // Z-API's files are public URLs; one on a private address that is not
    // the configured gateway would be refused (the test server allows
    // private targets, so only the configured-origin path is exercised).
    let zapi = create(&app, &token, "zapi", json!({
        "instance_id": "I9", "token": "zapi-token", "client_token": "zapi-client", "api_base_url": mock.base_url
    })).await;
    let url = zapi["webhook_url"].as_str().unwrap().to_string();
    let image = json!({"type": "ReceivedCallback", "instanceId": "I9", "messageId": "ZIMG1", "phone": "5511911112222",
        "fromMe": false, "isGroup": false, "senderName": "Beto",
        "image": {"imageUrl": format!("{}/media/z-photo.png", mock.base_url), "caption": "olha", "mimeType": "image/png"}});
    assert_eq!(
        app.plain_client()
            .post(url)
            .json(&image)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    eventually(&app, "the Z-API photo is attached", "SELECT count(*) FROM messages m JOIN attachments a ON a.id = m.attachment_id WHERE m.external_id = 'ZIMG1' AND a.file_name = 'z-photo.png' AND a.conversation_id = m.conversation_id", 1).await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM media_downloads WHERE state = 'done'"
        )
        .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_on_two_channels_is_merged_into_one_contact() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let id_of = |name: &'static str| {
        let owner = app.database.owner.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM contacts WHERE name = $1")
                .bind(name)
                .fetch_one(&owner)
                .await
                .unwrap()
        }
    };
    // The website's Mariana and the WhatsApp number's Beatriz are one person.
    let (keep, other) = (id_of("Mariana Costa").await, id_of("Beatriz Almeida").await);
    let whatsapp_conversation: i64 = count(
        &app,
        &format!("SELECT id FROM conversations WHERE contact_id = {other}"),
    )
    .await;
    let itself = admin
        .call(
            "merge_contacts",
            &[
                ("keep_id", &keep.to_string()),
                ("other_id", &keep.to_string()),
            ],
        )
        .await;
    assert_eq!(itself.status, 422);
    // Two people who both wrote on the website are two people there.
    let same_channel = admin
        .call(
            "merge_contacts",
            &[
                ("keep_id", &keep.to_string()),
                ("other_id", &id_of("Carlos Lima").await.to_string()),
            ],
        )
        .await;
    assert_eq!(same_channel.status, 422, "{}", same_channel.body);
    assert!(same_channel.body.contains("contacts_share_a_channel"));
    let merged = admin
        .call(
            "merge_contacts",
            &[
                ("keep_id", &keep.to_string()),
                ("other_id", &other.to_string()),
            ],
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    let contact: shared::inbox::ContactView = merged.json();
    assert_eq!(
        contact.name, "Mariana Costa",
        "the kept contact's own fields win"
    );
    assert_eq!(
        contact.phone.as_deref(),
        Some("+5511987650001"),
        "what it lacked comes from the other"
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT contact_id FROM conversations WHERE id = {whatsapp_conversation}")
        )
        .await,
        keep
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM contact_identities WHERE contact_id = {keep}")
        )
        .await,
        2,
        "both channels' identities"
    );
    let found: Vec<shared::inbox::ContactView> = admin
        .call("search_contacts", &[("q", "Beatriz")])
        .await
        .json();
    assert!(found.is_empty(), "the merged contact leaves searches");
    let found: Vec<shared::inbox::ContactView> = admin
        .call("search_contacts", &[("q", "Mariana")])
        .await
        .json();
    assert_eq!(found.len(), 1, "positive control");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE action = 'contacts_merged'"
        )
        .await,
        1
    );
    let again = admin
        .call(
            "merge_contacts",
            &[
                ("keep_id", &keep.to_string()),
                ("other_id", &other.to_string()),
            ],
        )
        .await;
    assert_eq!(again.status, 404, "a merged contact cannot be merged again");
    // A new WhatsApp message from the same number lands on the kept contact.
    let channel: i64 = count(
        &app,
        "SELECT id FROM channels WHERE kind = 'whatsapp_cloud'",
    )
    .await;
    let vault = domain::channels::vault::Vault::new(&crate::helpers::test_secret(), &[]).unwrap();
    let connection = domain::channels::connections::for_webhook(&app.database.db, &vault, channel)
        .await
        .unwrap();
    let body = crate::mock_providers::whatsapp_messages(
        &[("wamid.after.merge", "5511987650001", "Voltei")],
        "Beatriz",
    );
    let id = domain::channels::webhooks::store(&app.database.db, &connection, &body, json!({}))
        .await
        .unwrap()
        .unwrap();
    domain::channels::webhooks::process_now(&app.database.db, connection.account_id, id)
        .await
        .unwrap();
    assert_eq!(
        count(&app, "SELECT c.contact_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.external_id = 'wamid.after.merge'").await,
        keep
    );
}
