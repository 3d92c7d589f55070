//! WhatsApp message templates: synced from a mock Graph API (paged), typed
//! in by hand, kept current by Meta's status webhook, the only thing that
//! goes out once the customer's 24-hour window has closed, and sent by
//! rules.

use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

use crate::channels::{
    admin_token, api, count, create_whatsapp, eventually, post_webhook, APP_SECRET,
};
use crate::helpers::spawn_app;
use crate::mock_providers::{template_status, whatsapp_messages, MockGraph};

fn field_error(body: &Value) -> (String, String) {
    (
        body["fields"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        body["fields"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_are_synced_kept_current_and_sent_when_the_window_has_closed() {
    let app = spawn_app().await;
    let graph = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, &graph.base_url).await;
    let id = channel["id"].as_i64().unwrap();
    let templates_path = format!("/channels/{id}/templates");

    // Both pages of Meta's listing are read.
    let (status, synced) = api(
        &app,
        &token,
        Method::POST,
        &format!("{templates_path}/sync"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{synced}");
    assert_eq!(synced["synced"], 2);
    let (_, listed) = api(&app, &token, Method::GET, &templates_path, None).await;
    let listed = listed.as_array().unwrap().clone();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let order = &listed[0];
    assert_eq!(order["name"], "pedido_enviado");
    assert_eq!(order["status"], "approved");
    assert_eq!(order["category"], "utility");
    assert_eq!(
        order["body"],
        "Olá {{1}}, seu pedido {{2}} saiu para entrega."
    );
    assert_eq!(order["synced"], true);
    assert_eq!(listed[1]["status"], "pending");
    let (order_id, promo_id) = (
        order["id"].as_i64().unwrap(),
        listed[1]["id"].as_i64().unwrap(),
    );

    // A customer wrote yesterday: the window has closed.
    let inbound = whatsapp_messages(&[("wamid.OLD", "5511987654321", "Quero comprar")], "Júlia");
    assert_eq!(
        post_webhook(&app, id, &inbound, Some(APP_SECRET)).await,
        200
    );
    eventually("the customer's message arrives", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.OLD'",
        )
        .await
            == 1
    })
    .await;
    sqlx::query("UPDATE messages SET created_at = now() - interval '25 hours' WHERE external_id = 'wamid.OLD'")
        .execute(&app.database.owner)
        .await
        .unwrap();
    let number = count(&app, "SELECT number FROM conversations").await;
    let messages = format!("/conversations/{number}/messages");

    let (status, refused) = api(
        &app,
        &token,
        Method::POST,
        &messages,
        Some(json!({"content": "Oi Júlia!"})),
    )
    .await;
    assert_eq!(status, 422, "free text outside the window: {refused}");
    assert_eq!(
        field_error(&refused),
        ("body".into(), "outside_service_window".into())
    );
    let (status, refused) = api(
        &app,
        &token,
        Method::POST,
        &messages,
        Some(json!({"template": {"id": promo_id, "variables": ["10"]}})),
    )
    .await;
    assert_eq!(status, 422, "a template under review: {refused}");
    assert_eq!(
        field_error(&refused),
        ("template_id".into(), "template_not_approved".into())
    );
    let (status, refused) = api(
        &app,
        &token,
        Method::POST,
        &messages,
        Some(json!({"template": {"id": order_id, "variables": ["Júlia"]}})),
    )
    .await;
    assert_eq!(status, 422, "a placeholder left empty: {refused}");
    assert_eq!(field_error(&refused).0, "variables");
    assert!(graph.received().is_empty(), "nothing refused reached Meta");

    let (status, sent) = api(
        &app,
        &token,
        Method::POST,
        &messages,
        Some(json!({"template": {"id": order_id, "variables": ["Júlia", "#1234"]}})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(
        sent["body"],
        "Olá Júlia, seu pedido #1234 saiu para entrega."
    );
    let received = graph.wait_for_sends(1).await;
    assert_eq!(received[0].path, "/v21.0/1234/messages");
    assert_eq!(
        received[0].body,
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual",
            "to": "5511987654321", "type": "template",
            "template": {"name": "pedido_enviado", "language": {"code": "pt_BR"},
                         "components": [{"type": "body", "parameters": [
                             {"type": "text", "text": "Júlia"}, {"type": "text", "text": "#1234"}]}]}
        })
    );
    let message_id = sent["id"].as_i64().unwrap();
    eventually("the template is sent", || async {
        count(
            &app,
            &format!("SELECT count(*) FROM messages WHERE id = {message_id} AND delivery_status = 'sent'"),
        )
        .await
            == 1
    })
    .await;

    // Meta rejects it later: its status changes, and it can no longer go out.
    let rejected = template_status("pedido_enviado", "REJECTED", "INVALID_FORMAT");
    assert_eq!(
        post_webhook(&app, id, &rejected, Some(APP_SECRET)).await,
        200
    );
    eventually("the template is marked rejected", || async {
        count(
            &app,
            "SELECT count(*) FROM message_templates WHERE name = 'pedido_enviado' AND status = 'rejected' AND reason = 'INVALID_FORMAT'",
        )
        .await
            == 1
    })
    .await;
    let (status, refused) = api(
        &app,
        &token,
        Method::POST,
        &messages,
        Some(json!({"template": {"id": order_id, "variables": ["Júlia", "#1235"]}})),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(field_error(&refused).1, "template_not_approved");

    // Typed in by hand: validated, named placeholders, kept by later syncs.
    let (status, invalid) = api(
        &app,
        &token,
        Method::POST,
        &templates_path,
        Some(json!({"name": "Boas Vindas", "language": "pt-BR", "body": "Oi"})),
    )
    .await;
    assert_eq!(status, 422, "{invalid}");
    let (status, typed) = api(
        &app,
        &token,
        Method::POST,
        &templates_path,
        Some(
            json!({"name": "boas_vindas", "language": "pt_BR", "category": "utility",
                    "body": "Oi {{nome}}! Podemos continuar?"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{typed}");
    assert_eq!(typed["synced"], false);
    let (status, sent) = api(
        &app,
        &token,
        Method::POST,
        &messages,
        Some(json!({"template": {"id": typed["id"], "variables": ["Júlia"]}})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let received = graph.wait_for_sends(2).await;
    assert_eq!(
        received[1].body["template"]["components"][0]["parameters"][0],
        json!({"type": "text", "parameter_name": "nome", "text": "Júlia"})
    );

    // Meta deleted one: the next sync removes it and keeps the typed one.
    graph
        .state
        .first_template_deleted
        .store(true, Ordering::SeqCst);
    let (status, synced) = api(
        &app,
        &token,
        Method::POST,
        &format!("{templates_path}/sync"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{synced}");
    assert_eq!(
        (synced["synced"].clone(), synced["removed"].clone()),
        (json!(1), json!(1))
    );
    let (_, listed) = api(&app, &token, Method::GET, &templates_path, None).await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["boas_vindas", "promo_natal"]);

    // Meta refusing our token is the sync's answer, not a crash.
    let (status, _) = api(
        &app,
        &token,
        Method::PATCH,
        &format!("/channels/{id}"),
        Some(json!({"config": {"access_token": "revoked"}})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, failed) = api(
        &app,
        &token,
        Method::POST,
        &format!("{templates_path}/sync"),
        None,
    )
    .await;
    assert_eq!(status, 502, "{failed}");
    assert_eq!(failed["message"], "190: Invalid OAuth access token.");

    let (status, _) = api(
        &app,
        &token,
        Method::DELETE,
        &format!("{templates_path}/{promo_id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = api(
        &app,
        &token,
        Method::DELETE,
        &format!("{templates_path}/{promo_id}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "removed once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_sends_a_template_filled_with_the_customers_name() {
    let app = spawn_app().await;
    let graph = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, &graph.base_url).await;
    let id = channel["id"].as_i64().unwrap();
    let (status, _) = api(
        &app,
        &token,
        Method::POST,
        &format!("/channels/{id}/templates/sync"),
        None,
    )
    .await;
    assert_eq!(status, 200);

    let rule = |name: &str, values: Value| {
        json!({
            "name": "Pedido a caminho", "event": "message_created",
            "conditions": {"groups": [{"conditions": [
                {"kind": "message_from", "customer": true},
                {"kind": "message_text", "op": "contains", "value": "pedido"}]}]},
            "actions": [{"kind": "send_template", "name": name, "language": "pt_BR", "values": values}]
        })
    };
    // A template the account lacks, one under review, or the wrong number
    // of values is refused when the rule is saved.
    for (name, values) in [
        ("nao_existe", json!(["a", "b"])),
        ("promo_natal", json!(["10"])),
        ("pedido_enviado", json!(["{{contact.name}}"])),
    ] {
        let (status, refused) = api(
            &app,
            &token,
            Method::POST,
            "/rules",
            Some(rule(name, values)),
        )
        .await;
        assert_eq!(status, 422, "{name}: {refused}");
        assert_eq!(field_error(&refused).0, "actions.0", "{refused}");
    }
    let (status, saved) = api(
        &app,
        &token,
        Method::POST,
        "/rules",
        Some(rule(
            "pedido_enviado",
            json!(["{{contact.name}}", "#{{conversation.number}}"]),
        )),
    )
    .await;
    assert_eq!(status, 201, "{saved}");

    // A customer's message without the word: nothing goes out.
    let hello = whatsapp_messages(&[("wamid.A", "5511987654321", "Bom dia")], "Júlia");
    assert_eq!(post_webhook(&app, id, &hello, Some(APP_SECRET)).await, 200);
    let asked = whatsapp_messages(&[("wamid.B", "5511987654321", "Cadê meu pedido?")], "Júlia");
    assert_eq!(post_webhook(&app, id, &asked, Some(APP_SECRET)).await, 200);
    graph.wait_for_sends(1).await;
    eventually("the rule heard both customer messages", || async {
        count(&app, "SELECT count(*) FROM rule_runs WHERE depth = 0").await == 2
            && count(
                &app,
                "SELECT count(*) FROM rule_events WHERE done_at IS NULL",
            )
            .await
                == 0
    })
    .await;
    let received = graph.received();
    let number = count(&app, "SELECT number FROM conversations").await;
    assert_eq!(
        received[0].body["template"],
        json!({"name": "pedido_enviado", "language": {"code": "pt_BR"},
               "components": [{"type": "body", "parameters": [
                   {"type": "text", "text": "Júlia"}, {"type": "text", "text": format!("#{number}")}]}]})
    );
    assert_eq!(received.len(), 1, "only the message with the word");
    let text = format!("Olá Júlia, seu pedido #{number} saiu para entrega.");
    eventually("the template shows in the conversation, sent", || async {
        let sent: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM messages
              WHERE kind = 'outgoing' AND body = $1 AND template IS NOT NULL
                AND delivery_status = 'sent'",
        )
        .bind(&text)
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
        sent == 1
    })
    .await;
}
