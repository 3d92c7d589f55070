//! Flows on provider channels: a menu goes out as WhatsApp reply buttons
//! (or a list) and as Messenger quick replies, and the customer's tap
//! answers it — against the mock Graph API.

use serde_json::{json, Value};

use crate::channels::{admin_token, api, count, create_whatsapp, post_webhook, APP_SECRET};
use crate::helpers::{eventually, spawn_app, TestApp};
use crate::mock_providers::{meta_signature, whatsapp_messages, MockGraph, PNG};

/// A department of the account; returns its id.
async fn department(app: &TestApp, token: &str, name: &str) -> i64 {
    let (status, body) = api(
        app,
        token,
        reqwest::Method::POST,
        "/departments",
        Some(json!({ "name": name })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// Publishes a new-conversation flow: a menu of `options`, each handed to
/// its department.
async fn publish_menu(app: &TestApp, token: &str, options: &[(&str, i64)]) {
    let at = |x: i32, y: i32| json!({ "x": x, "y": y });
    let mut blocks = vec![
        json!({"id": "inicio", "type": "start", "position": at(0, 0), "trigger": {"kind": "new_conversation"}}),
        json!({"id": "menu", "type": "menu", "position": at(0, 100), "text": "Com quem você quer falar?",
               "options": options.iter().enumerate().map(|(n, (label, _))| json!({"id": format!("op{}", n + 1), "label": label})).collect::<Vec<_>>()}),
    ];
    let mut edges = vec![
        json!({"from": "inicio", "to": "menu"}),
        json!({"from": "menu", "output": "invalid", "to": "para_1"}),
    ];
    for (n, (_, department)) in options.iter().enumerate() {
        let n = n + 1;
        blocks.push(json!({"id": format!("para_{n}"), "type": "transfer",
                           "position": at(200 * n as i32, 200), "department_id": department}));
        edges.push(json!({"from": "menu", "output": format!("op{n}"), "to": format!("para_{n}")}));
    }
    let definition = json!({ "schema": 1, "variables": [], "blocks": blocks, "edges": edges });
    publish(app, token, definition).await;
}

/// Publishes `definition` as a new flow; its id.
async fn publish(app: &TestApp, token: &str, definition: Value) -> i64 {
    let (status, flow) = api(
        app,
        token,
        reqwest::Method::POST,
        "/flows",
        Some(json!({ "name": "Recepção", "definition": definition })),
    )
    .await;
    assert_eq!(status, 201, "{flow}");
    let id = flow["id"].as_i64().unwrap();
    republish(app, token, id, None).await;
    id
}

/// Publishes the flow's draft, replaced by `definition` if given.
async fn republish(app: &TestApp, token: &str, flow: i64, definition: Option<Value>) {
    if let Some(definition) = definition {
        let (status, saved) = api(
            app,
            token,
            reqwest::Method::PUT,
            &format!("/flows/{flow}/draft"),
            Some(definition),
        )
        .await;
        assert_eq!(status, 200, "{saved}");
    }
    let (status, published) = api(
        app,
        token,
        reqwest::Method::POST,
        &format!("/flows/{flow}/publish"),
        None,
    )
    .await;
    assert_eq!(status, 201, "{published}");
}

async fn department_of_latest_conversation(app: &TestApp) -> Option<i64> {
    sqlx::query_scalar("SELECT department_id FROM conversations ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.database.owner)
        .await
        .unwrap()
}

/// A Cloud API webhook with the customer's tap on a reply button.
fn button_tap(wamid: &str, from: &str, id: &str, title: &str) -> Vec<u8> {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "551140000000", "phone_number_id": "1234"},
            "contacts": [{"profile": {"name": "Júlia"}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": "1764633700", "type": "interactive",
                          "interactive": {"type": "button_reply", "button_reply": {"id": id, "title": title}}}]
        }}]}]
    })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whatsapp_menu_goes_out_as_reply_buttons_and_a_tap_hands_the_customer_over() {
    let app = spawn_app().await;
    let graph = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, &graph.base_url).await;
    let id = channel["id"].as_i64().unwrap();
    let vendas = department(&app, &token, "Vendas").await;
    let suporte = department(&app, &token, "Suporte").await;
    publish_menu(&app, &token, &[("Vendas", vendas), ("Suporte", suporte)]).await;

    let hello = whatsapp_messages(&[("wamid.M1", "5511987654321", "Oi")], "Júlia");
    assert_eq!(post_webhook(&app, id, &hello, Some(APP_SECRET)).await, 200);
    let sent = graph.wait_for_sends(1).await;
    assert_eq!(
        sent[0].body,
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual",
            "to": "5511987654321", "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Com quem você quer falar?"},
                "action": {"buttons": [
                    {"type": "reply", "reply": {"id": "1", "title": "Vendas"}},
                    {"type": "reply", "reply": {"id": "2", "title": "Suporte"}}
                ]}
            }
        })
    );
    // Agents read the menu as numbered text.
    assert_eq!(
        count(&app, "SELECT count(*) FROM messages WHERE kind = 'outgoing' AND body = 'Com quem você quer falar?\n1 - Vendas\n2 - Suporte'").await,
        1
    );
    assert_eq!(department_of_latest_conversation(&app).await, None);

    let tap = button_tap("wamid.M2", "5511987654321", "2", "Suporte");
    assert_eq!(post_webhook(&app, id, &tap, Some(APP_SECRET)).await, 200);
    eventually("the tap hands the customer to Suporte", || async {
        department_of_latest_conversation(&app).await == Some(suporte)
    })
    .await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.M2' AND body = 'Suporte'"
        )
        .await,
        1,
        "the tap reads as the option's name"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_longer_whatsapp_menu_is_a_list_and_messenger_offers_quick_replies() {
    let app = spawn_app().await;
    let graph = MockGraph::start().await;
    let token = admin_token(&app).await;
    let whatsapp = create_whatsapp(&app, &token, &graph.base_url).await;
    let messenger = {
        let (status, body) = api(
            &app,
            &token,
            reqwest::Method::POST,
            "/channels",
            Some(json!({"type": "messenger", "name": "Página", "config": {
                "page_id": "999", "page_access_token": "graph-token", "app_secret": "page-secret",
                "verify_token": "page-verify", "api_base_url": graph.base_url
            }})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        body
    };
    let desk = department(&app, &token, "Atendimento").await;
    let options: Vec<(&str, i64)> = ["Vendas", "Suporte", "Financeiro", "2ª via do boleto"]
        .into_iter()
        .map(|label| (label, desk))
        .collect();
    publish_menu(&app, &token, &options).await;

    let hello = whatsapp_messages(&[("wamid.L1", "5511987654321", "Oi")], "Júlia");
    let id = whatsapp["id"].as_i64().unwrap();
    assert_eq!(post_webhook(&app, id, &hello, Some(APP_SECRET)).await, 200);
    let sent = graph.wait_for_sends(1).await;
    let interactive = &sent[0].body["interactive"];
    assert_eq!(interactive["type"], "list", "{interactive}");
    assert_eq!(interactive["action"]["button"], "Opções");
    let rows: Vec<&Value> = interactive["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| &row["title"])
        .collect();
    assert_eq!(
        rows,
        ["Vendas", "Suporte", "Financeiro", "2ª via do boleto"]
    );

    let page = messenger["id"].as_i64().unwrap();
    let raw = json!({"object": "page", "entry": [{"id": "999", "time": 1, "messaging": [
        {"sender": {"id": "PSID7"}, "recipient": {"id": "999"}, "timestamp": 1, "message": {"mid": "m_q1", "text": "Olá"}}
    ]}]})
    .to_string()
    .into_bytes();
    let status = app
        .plain_client()
        .post(format!("{}/webhooks/meta/{page}", app.base_url))
        .header("x-hub-signature-256", meta_signature("page-secret", &raw))
        .body(raw)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let sent = graph.wait_for_sends(2).await;
    assert_eq!(
        sent[1].body["message"],
        json!({
            "text": "Com quem você quer falar?",
            "quick_replies": [
                {"content_type": "text", "title": "Vendas", "payload": "1"},
                {"content_type": "text", "title": "Suporte", "payload": "2"},
                {"content_type": "text", "title": "Financeiro", "payload": "3"},
                {"content_type": "text", "title": "2ª via do boleto", "payload": "4"}
            ]
        })
    );
}

/// A server with a flow's files: the catalogue (slow to answer, so a reply
/// said after it has every chance to overtake it), and nothing else.
async fn file_server() -> String {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let files = axum::Router::new().route(
        "/catalogo.png",
        get(|| async {
            tokio::time::sleep(std::time::Duration::from_millis(800)).await;
            ([("content-type", "image/png")], PNG)
        }),
    );
    tokio::spawn(async move { axum::serve(listener, files).await.unwrap() });
    base
}

/// A new-conversation flow: a file from `url`, then a text.
fn file_then_text(url: &str) -> Value {
    let at = |x: i32, y: i32| json!({ "x": x, "y": y });
    json!({
        "schema": 1, "variables": [],
        "blocks": [
            {"id": "inicio", "type": "start", "position": at(0, 0), "trigger": {"kind": "new_conversation"}},
            {"id": "catalogo", "type": "send_media", "position": at(0, 100), "url": url, "caption": "Nosso catálogo"},
            {"id": "depois", "type": "send_text", "position": at(0, 200), "text": "Quer falar com alguém?"},
            {"id": "fim", "type": "end", "position": at(0, 300)}
        ],
        "edges": [
            {"from": "inicio", "to": "catalogo"}, {"from": "catalogo", "to": "depois"}, {"from": "depois", "to": "fim"}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flows_file_is_fetched_then_sent_as_a_real_image_before_what_follows_it() {
    let app = spawn_app().await;
    let graph = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, &graph.base_url).await;
    let id = channel["id"].as_i64().unwrap();
    let files = file_server().await;
    let url = format!("{files}/catalogo.png");
    // Plain http on a private address: refused until an admin allow-lists it.
    let (status, refused) = api(
        &app,
        &token,
        reqwest::Method::POST,
        "/flows",
        Some(json!({ "name": "Catálogo", "definition": file_then_text(&url) })),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["problems"][0]["block"], "catalogo", "{refused}");
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::PUT,
        "/flows/http-allowlist",
        Some(json!({ "hosts": ["127.0.0.1"] })),
    )
    .await;
    assert_eq!(status, 200);
    let flow = publish(&app, &token, file_then_text(&url)).await;

    let hello = whatsapp_messages(&[("wamid.F1", "5511987654321", "Oi")], "Júlia");
    assert_eq!(post_webhook(&app, id, &hello, Some(APP_SECRET)).await, 200);
    let sent = graph.wait_for_sends(2).await;
    assert_eq!(
        sent[0].body["type"], "image",
        "the file first: {:?}",
        sent[0].body
    );
    assert_eq!(sent[0].body["image"]["caption"], "Nosso catálogo");
    let link = sent[0].body["image"]["link"].as_str().unwrap();
    let fetched = app.plain_client().get(link).send().await.unwrap();
    assert_eq!(
        fetched.bytes().await.unwrap().as_ref(),
        PNG,
        "our copy of the file"
    );
    assert_eq!(sent[1].body["text"]["body"], "Quer falar com alguém?");
    // Agents see the image in the timeline.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages m JOIN attachments a ON a.id = m.attachment_id
              WHERE m.kind = 'outgoing' AND m.content_type = 'image' AND m.body = 'Nosso catálogo'
                AND a.content_type = 'image/png' AND a.conversation_id = m.conversation_id"
        )
        .await,
        1
    );

    // A file that is not there: the message fails saying why, and what
    // follows it still goes out.
    republish(
        &app,
        &token,
        flow,
        Some(file_then_text(&format!("{files}/sumiu.png"))),
    )
    .await;
    let other = whatsapp_messages(&[("wamid.F2", "5511911112222", "Olá")], "Caio");
    assert_eq!(post_webhook(&app, id, &other, Some(APP_SECRET)).await, 200);
    let sent = graph.wait_for_sends(3).await;
    assert_eq!(sent[2].body["to"], "5511911112222");
    assert_eq!(sent[2].body["text"]["body"], "Quer falar com alguém?");
    eventually("the missing file's message fails with the reason", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE kind = 'outgoing' AND delivery_status = 'failed'
                AND body = 'Nosso catálogo' AND delivery_error LIKE 'the file could not be fetched:%404%'",
        )
        .await
            == 1
    })
    .await;
}
