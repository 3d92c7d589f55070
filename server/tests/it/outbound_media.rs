//! Agents' files on provider channels: each provider is given a signed,
//! expiring link to fetch (WhatsApp Cloud's `link`, Twilio's `MediaUrl`),
//! and that link serves the file and nothing else. And quoted replies, both
//! ways.

use reqwest::Method;
use serde_json::{json, Value};

use crate::channels::{api, count, create_whatsapp, eventually, post_webhook, APP_SECRET};
use crate::helpers::{spawn_app, test_secret, Browser, TestApp};
use crate::mock_providers::{whatsapp_messages, MockGraph, PNG};

async fn upload(app: &TestApp, browser: &Browser, name: &str) -> i64 {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(PNG.to_vec()).file_name(name.to_string()),
    );
    let stored: Value = browser
        .http
        .post(format!("{}/attachments", app.base_url))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stored["id"].as_i64().expect("uploaded")
}

async fn send_file(browser: &Browser, number: i64, text: &str, attachment_id: i64) {
    let sent = browser
        .call_json(
            "send_message",
            &json!({ "number": number, "body": text, "note": false, "client_id": null,
                     "attachment_id": attachment_id, "mentions": [] }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_files_reach_providers_by_a_signed_expiring_link_and_replies_quote() {
    let app = spawn_app().await;
    let graph = MockGraph::start().await;
    let browser = app
        .sign_up("Loja Arquivos", "loja-arquivos", "dono@lojaarquivos.com")
        .await;
    let token = browser
        .call("create_api_token", &[("name", "media")])
        .await
        .json::<shared::accounts::NewApiToken>()
        .token;
    let channel = create_whatsapp(&app, &token, &graph.base_url).await;
    let id = channel["id"].as_i64().unwrap();
    let inbound = whatsapp_messages(&[("wamid.IN1", "5511987654321", "Tem foto?")], "Júlia");
    assert_eq!(
        post_webhook(&app, id, &inbound, Some(APP_SECRET)).await,
        200
    );
    eventually("the customer's message arrives", || async {
        count(&app, "SELECT count(*) FROM conversations").await == 1
    })
    .await;
    let number = count(&app, "SELECT number FROM conversations").await;

    let photo = upload(&app, &browser, "vitrine.png").await;
    send_file(&browser, number, "Segue a foto da vitrine", photo).await;
    let sent = graph.wait_for_sends(1).await;
    assert_eq!(sent[0].body["type"], "image");
    assert_eq!(sent[0].body["image"]["caption"], "Segue a foto da vitrine");
    let link = sent[0].body["image"]["link"].as_str().unwrap().to_string();
    assert!(
        link.starts_with(&format!("{}/media/", app.base_url)),
        "{link}"
    );

    // The link serves the file to anyone holding it (the provider)…
    let fetched = app.plain_client().get(&link).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.headers()["content-type"], "image/png");
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), PNG);
    // …but not with its signature changed, nor for another file, nor late.
    let (head, signature_and_name) = link.rsplit_once("/media/").unwrap();
    let parts: Vec<&str> = signature_and_name.split('/').collect();
    let forged = format!(
        "{head}/media/{}/{}/{}/{}x/{}",
        parts[0], parts[1], parts[2], parts[3], parts[4]
    );
    assert_eq!(
        app.plain_client()
            .get(&forged)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let other_file = format!(
        "{head}/media/{}/{}/{}/{}/{}",
        parts[0],
        photo + 1,
        parts[2],
        parts[3],
        parts[4]
    );
    assert_eq!(
        app.plain_client()
            .get(&other_file)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let account_id: uuid::Uuid = parts[0].parse().unwrap();
    let expired = domain::attachments::links::link_path(
        &test_secret(),
        account_id,
        photo,
        "vitrine.png",
        chrono::Utc::now() - chrono::Duration::days(2),
    );
    assert_eq!(
        app.plain_client()
            .get(format!("{}{expired}", app.base_url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let fresh = domain::attachments::links::link_path(
        &test_secret(),
        account_id,
        photo,
        "vitrine.png",
        chrono::Utc::now(),
    );
    assert_eq!(
        app.plain_client()
            .get(format!("{}{fresh}", app.base_url))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "a link signed now works (the control for the expired one)"
    );

    // A document goes as one, with its name.
    let pdf = {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(
                b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
                    .to_vec(),
            )
            .file_name("orcamento.pdf"),
        );
        let stored: Value = browser
            .http
            .post(format!("{}/attachments", app.base_url))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stored["id"].as_i64().expect("uploaded")
    };
    send_file(&browser, number, "", pdf).await;
    let sent = graph.wait_for_sends(2).await;
    assert_eq!(sent[1].body["type"], "document");
    assert_eq!(sent[1].body["document"]["filename"], "orcamento.pdf");
    assert!(sent[1].body["document"].get("caption").is_none());

    // The customer swipes our photo to answer it: the answer quotes it.
    let photo_message = count(
        &app,
        &format!("SELECT id FROM messages WHERE attachment_id = {photo}"),
    )
    .await;
    let swipe = json!({"object": "whatsapp_business_account", "entry": [{"id": "5678", "changes": [{
        "field": "messages", "value": {
            "contacts": [{"wa_id": "5511987654321", "profile": {"name": "Júlia"}}],
            "messages": [{"id": "wamid.IN2", "from": "5511987654321", "type": "text",
                          "text": {"body": "Gostei dessa!"}, "context": {"from": "1234", "id": "wamid.out.1"}}]}}]}]})
    .to_string();
    assert_eq!(
        post_webhook(&app, id, swipe.as_bytes(), Some(APP_SECRET)).await,
        200
    );
    eventually("the quoting answer arrives", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'wamid.IN2'",
        )
        .await
            == 1
    })
    .await;
    let (_, page) = api(
        &app,
        &token,
        Method::GET,
        &format!("/conversations/{number}/messages"),
        None,
    )
    .await;
    let answer = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == "Gostei dessa!")
        .unwrap()
        .clone();
    assert_eq!(answer["quoted"]["id"], photo_message);
    assert_eq!(answer["quoted"]["kind"], "outgoing");
    assert_eq!(answer["quoted"]["excerpt"], "Segue a foto da vitrine");

    // The agent answers her first message, quoting it: WhatsApp gets the context.
    let first = count(
        &app,
        "SELECT id FROM messages WHERE external_id = 'wamid.IN1'",
    )
    .await;
    let quoting = browser
        .call_json(
            "send_message",
            &json!({ "number": number, "body": "Temos sim!", "note": false, "client_id": null,
                     "attachment_id": null, "mentions": [], "reply_to": first }),
        )
        .await;
    assert_eq!(quoting.status, 200, "{}", quoting.body);
    let sent = graph.wait_for_sends(3).await;
    assert_eq!(sent[2].body["context"], json!({"message_id": "wamid.IN1"}));
    assert_eq!(sent[2].body["text"]["body"], "Temos sim!");
    let stranger = browser
        .call_json(
            "send_message",
            &json!({ "number": number, "body": "?", "note": false, "client_id": null,
                     "attachment_id": null, "mentions": [], "reply_to": first + 100_000 }),
        )
        .await;
    assert_eq!(
        stranger.status, 422,
        "only this conversation's messages are quoted"
    );

    // Twilio fetches it by MediaUrl, next to the text.
    let (status, twilio) = api(
        &app,
        &token,
        Method::POST,
        "/channels",
        Some(
            json!({"type": "twilio_whatsapp", "name": "Twilio", "config": {
            "account_sid": "AC1", "auth_token": "twilio-token", "from": "+14155238886",
            "api_base_url": graph.base_url}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{twilio}");
    let url = twilio["webhook_url"].as_str().unwrap().to_string();
    let fields = [
        ("MessageSid", "SM200"),
        ("AccountSid", "AC1"),
        ("From", "whatsapp:+5521987654321"),
        ("To", "whatsapp:+14155238886"),
        ("ProfileName", "Rafael"),
        ("Body", "Manda o catálogo?"),
        ("NumMedia", "0"),
    ];
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let accepted = app
        .plain_client()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "x-twilio-signature",
            domain::channels::twilio::sign("twilio-token", &url, &fields),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    eventually("Rafael's message arrives", || async {
        count(&app, "SELECT count(*) FROM conversations").await == 2
    })
    .await;
    let number = count(&app, "SELECT max(number) FROM conversations").await;
    let catalog = upload(&app, &browser, "catalogo.png").await;
    send_file(&browser, number, "Aqui está", catalog).await;
    let sent = graph.wait_for_sends(4).await;
    assert_eq!(sent[3].path, "/2010-04-01/Accounts/AC1/Messages.json");
    assert_eq!(sent[3].body["Body"], "Aqui está");
    let media_url = sent[3].body["MediaUrl"].as_str().unwrap();
    assert!(media_url.contains(&format!("/{catalog}/")), "{media_url}");
    assert_eq!(
        app.plain_client()
            .get(media_url)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zapi_and_messenger_get_files_by_link_and_zapi_quotes() {
    let app = spawn_app().await;
    let mock = MockGraph::start().await;
    let browser = app
        .sign_up("Loja Links", "loja-links", "dono@lojalinks.com")
        .await;
    let token = browser
        .call("create_api_token", &[("name", "media")])
        .await
        .json::<shared::accounts::NewApiToken>()
        .token;
    let create = |kind: &'static str, config: Value| {
        let token = token.clone();
        let app = &app;
        async move {
            let (status, created) = api(
                app,
                &token,
                Method::POST,
                "/channels",
                Some(json!({"type": kind, "name": kind, "config": config})),
            )
            .await;
            assert_eq!(status, 201, "{created}");
            created
        }
    };

    // Z-API: the file by its kind's endpoint, the caption beside it, and
    // the quoted customer message by its id.
    let zapi = create(
        "zapi",
        json!({"instance_id": "I1", "token": "zapi-token",
        "client_token": "zapi-client", "api_base_url": mock.base_url}),
    )
    .await;
    let customer = json!({"type": "ReceivedCallback", "instanceId": "I1", "messageId": "3EBQ1",
        "phone": "5511987654321", "fromMe": false, "isGroup": false, "senderName": "Júlia",
        "text": {"message": "Tem na cor azul?"}});
    let posted = app
        .plain_client()
        .post(zapi["webhook_url"].as_str().unwrap())
        .json(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    eventually("Júlia's message arrives", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = '3EBQ1'",
        )
        .await
            == 1
    })
    .await;
    let number = count(&app, "SELECT max(number) FROM conversations").await;
    let quoted = count(&app, "SELECT id FROM messages WHERE external_id = '3EBQ1'").await;
    let photo = upload(&app, &browser, "azul.png").await;
    let sent = browser
        .call_json(
            "send_message",
            &json!({ "number": number, "body": "Temos esta", "note": false, "client_id": null,
                     "attachment_id": photo, "mentions": [], "reply_to": quoted }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let received = mock.wait_for_sends(1).await;
    assert_eq!(received[0].path, "/instances/I1/send-image");
    assert_eq!(received[0].body["client_token"], "zapi-client");
    let request = &received[0].body["json"];
    let link = request["image"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{}/media/", app.base_url)),
        "{request}"
    );
    assert_eq!(
        request,
        &json!({"phone": "5511987654321", "image": link, "caption": "Temos esta", "messageId": "3EBQ1"})
    );
    assert_eq!(
        app.plain_client().get(link).send().await.unwrap().status(),
        200
    );

    // Messenger: an attachment by URL, then the text as a message of its own.
    let page = create(
        "messenger",
        json!({"page_id": "999", "page_access_token": "graph-token",
        "app_secret": "page-secret", "verify_token": "v", "api_base_url": mock.base_url}),
    )
    .await;
    let inbound = json!({"object": "page", "entry": [{"id": "999", "time": 1, "messaging": [
        {"sender": {"id": "PSID9"}, "recipient": {"id": "999"}, "timestamp": 1,
         "message": {"mid": "m_in9", "text": "Manda foto"}}]}]})
    .to_string()
    .into_bytes();
    let posted = app
        .plain_client()
        .post(format!("{}/webhooks/meta/{}", app.base_url, page["id"]))
        .header(
            "x-hub-signature-256",
            crate::mock_providers::meta_signature("page-secret", &inbound),
        )
        .body(inbound)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    eventually("the page's message arrives", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE external_id = 'm_in9'",
        )
        .await
            == 1
    })
    .await;
    let number = count(&app, "SELECT max(number) FROM conversations").await;
    let photo = upload(&app, &browser, "vitrine.png").await;
    send_file(&browser, number, "Olha só", photo).await;
    let received = mock.wait_for_sends(3).await;
    assert_eq!(received[1].path, "/v21.0/999/messages");
    let link = received[1].body["message"]["attachment"]["payload"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        received[1].body,
        json!({"recipient": {"id": "PSID9"}, "messaging_type": "RESPONSE", "message": {
            "attachment": {"type": "image", "payload": {"url": link, "is_reusable": false}}}})
    );
    assert_eq!(
        received[2].body,
        json!({"recipient": {"id": "PSID9"}, "messaging_type": "RESPONSE", "message": {"text": "Olha só"}})
    );
    assert_eq!(
        app.plain_client().get(&link).send().await.unwrap().status(),
        200
    );
}
