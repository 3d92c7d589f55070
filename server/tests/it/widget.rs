//! The website widget's public endpoints and attachments.

use crate::helpers::spawn_app;
use serde_json::{json, Value};
use shared::inbox::AttachmentView;

const PASSWORD: &str = "ponte-demo-2026";
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_only_the_channels_allowed_origins() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let client = app.plain_client();
    let url = format!("{}/widget/{channel}/session", app.base_url);
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("http://localhost:3000").await.unwrap();
    assert_eq!(allowed.status(), 204);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let foreign = preflight("https://evil.example").await.unwrap();
    assert!(foreign
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let post = client
        .post(&url)
        .header("origin", "https://evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        post.status(),
        403,
        "a page the company did not allow cannot talk to the widget API"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_or_foreign_visitor_token_is_refused() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let (id, _) = visitor.split_once('.').unwrap();
    let forged = format!("{id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let reply = app
        .plain_client()
        .post(format!("{}/widget/{channel}/messages", app.base_url))
        .header("origin", &app.base_url)
        .json(&json!({ "visitor": forged, "body": "oi" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
    // An invalid token on /session simply starts a new visitor.
    let session: Value = app
        .plain_client()
        .post(format!("{}/widget/{channel}/session", app.base_url))
        .header("origin", &app.base_url)
        .json(&json!({ "visitor": forged }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(session["visitor"], forged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_see_replies_but_never_internal_notes() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let message = app
        .visitor_says(&channel, &visitor, "Preciso de ajuda")
        .await;
    assert_eq!(message["direction"], "incoming");
    let number: i64 = sqlx::query_scalar("SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1")
        .bind(message["id"].as_i64().unwrap())
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    let agent = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    for (body, note) in [
        ("Nota: cliente VIP", true),
        ("Olá! Como posso ajudar?", false),
    ] {
        let sent = agent
            .call_json("send_message", &json!({ "number": number, "body": body, "note": note, "client_id": null, "attachment_id": null, "mentions": [] }))
            .await;
        assert_eq!(sent.status, 200, "{}", sent.body);
    }
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
    let bodies: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Preciso de ajuda", "Olá! Como posso ajudar?"]);
    assert_eq!(history["messages"][1]["agent_name"], "Alice Atendente");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_widget_message_is_stored_once() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let client_id = uuid::Uuid::new_v4();
    let send = || {
        app.plain_client()
            .post(format!("{}/widget/{channel}/messages", app.base_url))
            .header("origin", &app.base_url)
            .json(&json!({ "visitor": visitor, "body": "só uma vez", "client_id": client_id }))
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let second: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE body = 'só uma vez'")
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

async fn upload(
    app: &crate::helpers::TestApp,
    cookie: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    app.plain_client()
        .post(format!("{}/attachments", app.base_url))
        .header("origin", &app.base_url)
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_typed_by_content_limited_in_size_and_served_safely() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let cookie = app.session_cookie("agent@demo.ponte.dev", PASSWORD).await;

    let disguised = upload(&app, &cookie, "relatorio.txt", PNG.to_vec()).await;
    assert_eq!(disguised.status(), 201);
    let attachment: AttachmentView = disguised.json().await.unwrap();
    assert_eq!(
        attachment.content_type, "image/png",
        "typed by its bytes, not its name"
    );

    let html = upload(
        &app,
        &cookie,
        "foto.png",
        b"<html><script>alert(1)</script></html>".to_vec(),
    )
    .await;
    assert_eq!(html.status(), 422);
    let body: Value = html.json().await.unwrap();
    assert_eq!(body["fields"][0]["code"], "file_type_not_allowed");

    sqlx::query("UPDATE accounts SET attachment_limit_mb = 1 WHERE slug = 'demo'")
        .execute(&app.database.owner)
        .await
        .unwrap();
    let mut big = PNG.to_vec();
    big.resize(1024 * 1024 + 10, 0);
    let too_big = upload(&app, &cookie, "grande.png", big).await;
    assert_eq!(too_big.status(), 422);
    let body: Value = too_big.json().await.unwrap();
    assert_eq!(body["fields"][0]["code"], "file_too_large");

    let anonymous = app
        .plain_client()
        .post(format!("{}/attachments", app.base_url))
        .header("origin", &app.base_url)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // Sent in a conversation, the file is served to those who can see it.
    let agent = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    let sent = agent
        .call_json("send_message", &json!({ "number": 1, "body": "segue", "note": false, "client_id": null, "attachment_id": attachment.id, "mentions": [] }))
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let download = app
        .plain_client()
        .get(format!("{}{}", app.base_url, attachment.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "image/png");
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline; filename=\"relatorio.txt\""));
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);

    let outsider = app.sign_up("Outra", "outra", "dona@outra.com").await;
    let denied = outsider
        .http
        .get(format!("{}{}", app.base_url, attachment.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        denied.status(),
        404,
        "another account's member cannot fetch it"
    );
    let signed_out = app
        .plain_client()
        .get(format!("{}{}", app.base_url, attachment.url))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_upload_and_fetch_only_their_own_files() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("print.png"),
    );
    let uploaded: Value = app
        .plain_client()
        .post(format!("{}/widget/{channel}/attachments", app.base_url))
        .header("origin", &app.base_url)
        .header("x-ponte-visitor", &visitor)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sent = app
        .plain_client()
        .post(format!("{}/widget/{channel}/messages", app.base_url))
        .header("origin", &app.base_url)
        .json(&json!({ "visitor": visitor, "body": "", "attachment_id": uploaded["id"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let url = format!("{}{}", app.base_url, uploaded["url"].as_str().unwrap());
    assert_eq!(
        app.plain_client().get(&url).send().await.unwrap().status(),
        200
    );
    let stranger = app.visitor(&channel).await;
    let theirs = url.replace(&visitor, &stranger);
    assert_eq!(
        app.plain_client()
            .get(&theirs)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_create_and_update_website_channels_and_cors_follows() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let admin = app.signed_in("admin@demo.ponte.dev", PASSWORD).await;
    let invalid = admin
        .call(
            "save_website_channel",
            &[
                ("channel[name]", "Loja"),
                ("channel[allowed_origins]", "https://loja.com/pagina"),
                ("channel[greeting]", ""),
                ("channel[color]", "azul"),
            ],
        )
        .await;
    assert_eq!(invalid.status, 422);
    let error = invalid.error();
    assert_eq!(
        error.field_code("allowed_origins"),
        Some(shared::ErrorCode::OriginInvalid)
    );
    assert_eq!(
        error.field_code("color"),
        Some(shared::ErrorCode::ColorInvalid)
    );

    let created: shared::inbox::ChannelView = admin
        .call(
            "save_website_channel",
            &[
                ("channel[name]", "Loja"),
                (
                    "channel[allowed_origins]",
                    "https://loja.com.br\nhttps://www.loja.com.br/",
                ),
                ("channel[greeting]", "Oi!"),
                ("channel[color]", "#0f766e"),
                ("channel[prechat_form]", "true"),
            ],
        )
        .await
        .json();
    assert_eq!(
        created.website.allowed_origins,
        vec!["https://loja.com.br", "https://www.loja.com.br"]
    );
    assert!(created.public_token.starts_with("wc_"));
    let config: Value = app
        .plain_client()
        .get(format!(
            "{}/widget/{}/config",
            app.base_url, created.public_token
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            config["greeting"].as_str(),
            config["prechat_form"].as_bool()
        ),
        (Some("Oi!"), Some(true))
    );

    let preflight = |origin: &'static str| {
        app.plain_client()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/widget/{}/session", app.base_url, created.public_token),
            )
            .header("origin", origin)
            .send()
    };
    assert!(preflight("https://loja.com.br")
        .await
        .unwrap()
        .headers()
        .contains_key("access-control-allow-origin"));
    let id = created.id.to_string();
    admin
        .call(
            "save_website_channel",
            &[
                ("channel[id]", id.as_str()),
                ("channel[name]", "Loja"),
                ("channel[allowed_origins]", "https://nova.loja.com.br"),
                ("channel[greeting]", ""),
                ("channel[color]", "#0f766e"),
            ],
        )
        .await;
    assert!(
        !preflight("https://loja.com.br")
            .await
            .unwrap()
            .headers()
            .contains_key("access-control-allow-origin"),
        "the old site is no longer allowed"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action IN ('channel_created', 'channel_updated')",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert!(audited >= 2);

    let agent = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    let forbidden = agent
        .call(
            "save_website_channel",
            &[
                ("channel[name]", "X"),
                ("channel[allowed_origins]", ""),
                ("channel[greeting]", ""),
                ("channel[color]", ""),
            ],
        )
        .await;
    assert_eq!(forbidden.status, 403);
}
