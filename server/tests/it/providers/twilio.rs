//! WhatsApp through Twilio: form posts signed over the public URL, replies
//! as forms with basic auth, files fetched with the account's credentials,
//! and statuses that never go backwards.

use serde_json::json;

use super::{admin_token, create, eventually, reply};
use crate::channels::count;
use crate::helpers::{spawn_app, TestApp};
use crate::mock_providers::MockGraph;

/// Posts a Twilio webhook signed with the account's auth token.
async fn signed_post(app: &TestApp, url: &str, fields: &[(&str, &str)]) -> u16 {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    app.plain_client()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "x-twilio-signature",
            domain::channels::twilio::sign("twilio-token", url, fields),
        )
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
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
async fn twilio_files_arrive_one_message_each_and_statuses_never_go_backwards() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create(&app, &token, "twilio_whatsapp", json!({
        "account_sid": "AC1", "auth_token": "twilio-token", "from": "+14155238886", "api_base_url": mock.base_url
    })).await;
    let url = channel["webhook_url"].as_str().unwrap().to_string();
    let (receipt, invoice) = (
        format!("{}/media/tw-comprovante.png", mock.base_url),
        format!("{}/media/tw-nota.pdf", mock.base_url),
    );
    let files = [
        ("MessageSid", "MM200"),
        ("AccountSid", "AC1"),
        ("From", "whatsapp:+5511911112222"),
        ("WaId", "5511911112222"),
        ("ProfileName", "Beto"),
        ("Body", "Seguem os comprovantes"),
        ("NumMedia", "2"),
        ("MediaUrl0", receipt.as_str()),
        ("MediaContentType0", "image/png"),
        ("MediaUrl1", invoice.as_str()),
        ("MediaContentType1", "application/pdf"),
    ];
    assert_eq!(signed_post(&app, &url, &files).await, 200);
    assert_eq!(signed_post(&app, &url, &files).await, 200, "a redelivery");
    // Twilio's media links need the account's credentials (the mock
    // refuses them otherwise): both files arrive, each its own message.
    eventually(
        &app,
        "both files are attached",
        "SELECT count(*) FROM messages m JOIN attachments a ON a.id = m.attachment_id
          WHERE (m.external_id, m.content_type, m.body, a.file_name) IN
                (('MM200', 'image', 'Seguem os comprovantes', 'tw-comprovante.png'),
                 ('MM200/1', 'file', '', 'tw-nota.pdf'))",
        2,
    )
    .await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE kind = 'incoming'"
        )
        .await,
        2
    );
    assert_eq!(count(&app, "SELECT count(*) FROM conversations").await, 1);

    let status_url = format!("{url}/status");
    let status = |sid: &'static str, status: &'static str| {
        [
            ("MessageSid", sid),
            ("MessageStatus", status),
            ("AccountSid", "AC1"),
        ]
    };
    let first = reply(&app, &token, "Recebido, obrigado!").await;
    mock.wait_for_sends(1).await;
    eventually(
        &app,
        "sent",
        &format!("SELECT count(*) FROM messages WHERE id = {first} AND external_id = 'SMout1'"),
        1,
    )
    .await;
    // Read arrives before delivered: delivered must not undo it.
    assert_eq!(
        signed_post(&app, &status_url, &status("SMout1", "read")).await,
        200
    );
    assert_eq!(
        signed_post(&app, &status_url, &status("SMout1", "delivered")).await,
        200
    );
    eventually(
        &app,
        "both statuses processed",
        "SELECT count(*) FROM webhook_events WHERE state = 'done' AND convert_from(body, 'UTF8') LIKE 'MessageSid=SMout1%'",
        2,
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
        "a late 'delivered' never undoes 'read'"
    );

    let second = reply(&app, &token, "Precisa de mais algo?").await;
    mock.wait_for_sends(2).await;
    eventually(
        &app,
        "sent",
        &format!("SELECT count(*) FROM messages WHERE id = {second} AND external_id = 'SMout2'"),
        1,
    )
    .await;
    let mut failed = status("SMout2", "undelivered").to_vec();
    failed.extend([
        ("ErrorCode", "63016"),
        ("ErrorMessage", "Outside the allowed window"),
    ]);
    assert_eq!(signed_post(&app, &status_url, &failed).await, 200);
    eventually(
        &app,
        "failed with Twilio's reason",
        &format!(
            "SELECT count(*) FROM messages WHERE id = {second} AND delivery_status = 'failed'
                AND delivery_error = '63016: Outside the allowed window'"
        ),
        1,
    )
    .await;
    let (_, page) = crate::channels::api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!(
            "/conversations/{}/messages",
            count(&app, "SELECT max(number) FROM conversations").await
        ),
        None,
    )
    .await;
    let shown = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == second)
        .unwrap()
        .clone();
    assert_eq!(shown["delivery_status"], "failed");
    assert_eq!(shown["delivery_error"], "63016: Outside the allowed window");
}
