//! Twilio, Z-API, Messenger, Instagram and the API channel end to end:
//! verified inbound, idempotency, the exact outbound request each provider
//! gets, and statuses — against local servers speaking their wire formats.
//! (WhatsApp Cloud API's are in `channels`.)

mod meta_pages;
mod twilio;
mod zapi;

use serde_json::{json, Value};
use std::time::Duration;

use crate::channels::{api, count};
use crate::helpers::{spawn_app, TestApp};
use crate::mock_providers::{meta_signature, MockGraph};

pub(crate) async fn admin_token(app: &TestApp) -> String {
    let browser = app
        .sign_up("Loja Multi", "loja-multi", "dono@lojamulti.com")
        .await;
    let created: shared::accounts::NewApiToken = browser
        .call("create_api_token", &[("name", "providers")])
        .await
        .json();
    created.token
}

pub(crate) async fn create(app: &TestApp, token: &str, kind: &str, config: Value) -> Value {
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

pub(crate) async fn eventually(app: &TestApp, what: &str, sql: &str, expected: i64) {
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

pub(crate) async fn reply(app: &TestApp, token: &str, text: &str) -> i64 {
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

    // Z-API's files are public URLs (here on the configured gateway).
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_files_on_private_addresses_come_only_from_the_configured_gateway() {
    let app = crate::helpers::spawn_app_refusing_private_targets().await;
    let gateway = MockGraph::start().await;
    let elsewhere = MockGraph::start().await;
    let token = admin_token(&app).await;
    let zapi = create(&app, &token, "zapi", json!({
        "instance_id": "I7", "token": "zapi-token", "client_token": "zapi-client", "api_base_url": gateway.base_url
    })).await;
    let url = zapi["webhook_url"].as_str().unwrap().to_string();
    let photo = |id: &str, file_url: String| {
        json!({"type": "ReceivedCallback", "instanceId": "I7", "messageId": id, "phone": "5511911113333",
               "fromMe": false, "isGroup": false, "senderName": "Caio",
               "image": {"imageUrl": file_url, "caption": id, "mimeType": "image/png"}})
    };
    for body in [
        photo("ZOK", format!("{}/media/z-ok.png", gateway.base_url)),
        photo("ZLOOP", format!("{}/media/z-other.png", elsewhere.base_url)),
        photo(
            "ZMETA",
            "http://169.254.169.254/latest/meta-data/z.png".into(),
        ),
    ] {
        let posted = app
            .plain_client()
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 200);
    }
    eventually(
        &app,
        "every file tried",
        "SELECT count(*) FROM media_downloads WHERE state <> 'pending'",
        3,
    )
    .await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM messages m JOIN media_downloads d ON d.message_id = m.id
                      WHERE m.external_id = 'ZOK' AND d.state = 'done' AND m.attachment_id IS NOT NULL").await,
        1,
        "the configured gateway may be private"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages m JOIN media_downloads d ON d.message_id = m.id
                      WHERE m.external_id IN ('ZLOOP', 'ZMETA') AND d.state = 'failed'
                        AND d.last_error LIKE '%private%' AND m.attachment_id IS NULL"
        )
        .await,
        2,
        "any other private, loopback or link-local address is refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_file_over_the_accounts_limit_is_not_stored() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    sqlx::query("UPDATE accounts SET attachment_limit_mb = 2")
        .execute(&app.database.owner)
        .await
        .unwrap();
    let zapi = create(&app, &token, "zapi", json!({
        "instance_id": "I8", "token": "zapi-token", "client_token": "zapi-client", "api_base_url": mock.base_url
    })).await;
    let url = zapi["webhook_url"].as_str().unwrap().to_string();
    let video = |id: &str, name: &str| {
        json!({"type": "ReceivedCallback", "instanceId": "I8", "messageId": id, "phone": "5511911114444",
               "fromMe": false, "isGroup": false, "senderName": "Duda",
               "video": {"videoUrl": format!("{}/media/{name}", mock.base_url), "caption": id, "mimeType": "video/mp4"}})
    };
    for body in [video("ZBIG", "big-festa.mp4"), video("ZSMALL", "festa.mp4")] {
        let posted = app
            .plain_client()
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 200);
    }
    eventually(
        &app,
        "both tried",
        "SELECT count(*) FROM media_downloads WHERE state <> 'pending'",
        2,
    )
    .await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM messages m JOIN media_downloads d ON d.message_id = m.id
                      WHERE m.external_id = 'ZBIG' AND d.state = 'failed' AND m.attachment_id IS NULL").await,
        1,
        "over the limit: refused, and the message stays without it"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM messages WHERE external_id = 'ZSMALL' AND attachment_id IS NOT NULL").await,
        1,
        "under it: stored"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM attachments").await, 1);
}
