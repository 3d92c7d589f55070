//! Flows on provider channels: a menu goes out as WhatsApp reply buttons
//! (or a list) and as Messenger quick replies, and the customer's tap
//! answers it — against the mock Graph API.

use serde_json::{json, Value};

use crate::channels::{admin_token, api, count, create_whatsapp, post_webhook, APP_SECRET};
use crate::helpers::{eventually, spawn_app, TestApp};
use crate::mock_providers::{meta_signature, whatsapp_messages, MockGraph};

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
    let (status, flow) = api(
        app,
        token,
        reqwest::Method::POST,
        "/flows",
        Some(json!({ "name": "Recepção", "definition": definition })),
    )
    .await;
    assert_eq!(status, 201, "{flow}");
    let (status, published) = api(
        app,
        token,
        reqwest::Method::POST,
        &format!("/flows/{}/publish", flow["id"]),
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
