//! The e-mail channel against real servers: mail delivered into a Dovecot
//! mailbox becomes a conversation, replies thread both ways through a real
//! SMTP server (aiosmtpd), and the inbound-parse webhook takes raw mail.

use serde_json::{json, Value};

use crate::channels::{api, count, eventually};
use crate::helpers::*;

const CUSTOMER: &str = "joana@cliente.example";

/// A fresh account's admin: their browser and an API token.
async fn admin(app: &TestApp) -> (Browser, String) {
    let browser = app
        .sign_up("Loja Mail", "loja-mail", "dono@lojamail.example")
        .await;
    let created: shared::accounts::NewApiToken = browser
        .call("create_api_token", &[("name", "email")])
        .await
        .json();
    (browser, created.token)
}

async fn create_email_connection(app: &TestApp, token: &str, config: Value) -> Value {
    let (status, body) = api(
        app,
        token,
        reqwest::Method::POST,
        "/channels",
        Some(json!({"type": "email", "name": "Suporte", "config": config})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

fn mailbox_config(imap: &ImapServer, sink: &MailSink) -> Value {
    let smtp_port = sink.url.rsplit(':').next().unwrap().to_string();
    json!({
        "address": "suporte@loja.example", "from_name": "Loja",
        "imap_host": "127.0.0.1", "imap_port": imap.port.to_string(), "imap_security": "none",
        "imap_username": imap.user, "imap_password": imap.password,
        "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_security": "none"
    })
}

fn customer_mail(message_id: &str, subject: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "From: Joana Cliente <{CUSTOMER}>\r\nTo: suporte@loja.example\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Tue, 01 Dec 2026 10:00:00 -0300\r\n{extra_headers}\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

async fn messages_with_id(app: &TestApp, external_id: &str) -> i64 {
    count(
        app,
        &format!("SELECT count(*) FROM messages WHERE external_id = '{external_id}'"),
    )
    .await
}

async fn wait_for_message(app: &TestApp, external_id: &str) {
    eventually(&format!("{external_id} arrives"), || async {
        messages_with_id(app, external_id).await == 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_in_the_mailbox_becomes_a_conversation_and_replies_thread_both_ways() {
    let imap = ImapServer::start().await;
    let sink = MailSink::start().await;
    let app = spawn_app().await;
    let (browser, token) = admin(&app).await;
    let created = create_email_connection(&app, &token, mailbox_config(&imap, &sink)).await;
    let channel_id = created["id"].as_i64().unwrap();
    assert_eq!(created["config"]["imap_password"], "••••••••");

    let tested = browser
        .call("test_connection", &[("id", &channel_id.to_string())])
        .await;
    assert_eq!(tested.status, 200, "{}", tested.body);
    let tested: Value = tested.json();
    assert_eq!(tested["ok"], true, "{tested}");
    assert!(
        tested["detail"].as_str().unwrap().contains("INBOX"),
        "{tested}"
    );

    // A customer writes (HTML with a script, as some programs send).
    let first = "From: Joana Cliente <joana@cliente.example>\r\nTo: suporte@loja.example\r\n\
        Subject: Pedido 55 atrasado\r\nMessage-ID: <m1@cliente.example>\r\n\
        Content-Type: text/html; charset=utf-8\r\n\r\n\
        <p>Meu pedido <b>55</b> n\u{e3}o chegou.</p><script>alert('x')</script>\r\n";
    imap.deliver(first);
    wait_for_message(&app, "m1@cliente.example").await;
    let (subject, contact_email, html): (Option<String>, Option<String>, String) = sqlx::query_as(
        "SELECT c.subject, ct.email, m.email->>'html' FROM messages m
           JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id
          WHERE m.external_id = 'm1@cliente.example'",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(subject.as_deref(), Some("Pedido 55 atrasado"));
    assert_eq!(contact_email.as_deref(), Some(CUSTOMER));
    assert!(html.contains("<b>55</b>"), "{html}");
    assert!(
        !html.contains("script") && !html.contains("alert"),
        "{html}"
    );
    let health: String = sqlx::query_scalar("SELECT health FROM channels WHERE id = $1")
        .bind(channel_id)
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    assert_eq!(health, "connected");

    // The agent answers: the mail reaches the customer threaded under theirs.
    let number = count(&app, "SELECT number FROM conversations").await;
    let (status, sent) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": "Olá Joana! Já verificamos: chega amanhã."})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let mails = sink.wait_for(CUSTOMER, 1).await;
    let reply = &mails[0];
    assert_eq!(reply.subject, "Re: Pedido 55 atrasado");
    assert_eq!(reply.from, "suporte@loja.example");
    assert!(reply.text.contains("chega amanhã"), "{}", reply.text);
    assert!(
        reply.raw.contains("In-Reply-To: <m1@cliente.example>"),
        "{}",
        reply.raw
    );
    assert!(
        reply.raw.contains("References: <m1@cliente.example>"),
        "{}",
        reply.raw
    );
    let reply_id = sent["id"].as_i64().unwrap();
    let our_message_id: String = {
        let owner = app.database.owner.clone();
        let mut found = None;
        for _ in 0..200 {
            found = sqlx::query_scalar::<_, Option<String>>(
                "SELECT external_id FROM messages WHERE id = $1",
            )
            .bind(reply_id)
            .fetch_one(&owner)
            .await
            .unwrap();
            if found.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        found.expect("the sent reply records its Message-ID")
    };
    assert!(
        reply
            .raw
            .contains(&format!("Message-ID: <{our_message_id}>")),
        "{}",
        reply.raw
    );

    // The customer answers our reply (quoting it): same conversation.
    let answer = customer_mail(
        "m2@cliente.example",
        "Re: Pedido 55 atrasado",
        &format!(
            "In-Reply-To: <{our_message_id}>\r\nReferences: <m1@cliente.example> <{our_message_id}>\r\n"
        ),
        "Obrigada!\r\n\r\nEm ter., 1 de dez. de 2026, Loja escreveu:\r\n> Olá Joana! Já verificamos: chega amanhã.",
    );
    imap.deliver(&answer);
    wait_for_message(&app, "m2@cliente.example").await;
    let (conversations, body, quoted): (i64, String, Option<String>) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM conversations), body, email->>'quoted' FROM messages
          WHERE external_id = 'm2@cliente.example'",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(conversations, 1, "the answer threads into the conversation");
    assert_eq!(body, "Obrigada!");
    assert!(quoted.unwrap().contains("chega amanhã"));

    // An auto-reply opens nothing, the same mail seen twice is stored once,
    // and a new subject (no thread) is a new conversation — delivered in
    // that order, so the last one arriving means the others were seen.
    imap.deliver(&customer_mail(
        "auto@cliente.example",
        "Ausente: Re: Pedido 55 atrasado",
        "Auto-Submitted: auto-replied\r\n",
        "Estou de férias.",
    ));
    imap.deliver(first);
    imap.deliver(&customer_mail(
        "m3@cliente.example",
        "Troca de tamanho",
        "",
        "Quero trocar.",
    ));
    wait_for_message(&app, "m3@cliente.example").await;
    assert_eq!(messages_with_id(&app, "auto@cliente.example").await, 0);
    assert_eq!(messages_with_id(&app, "m1@cliente.example").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM conversations").await, 2);
    assert_eq!(
        count(&app, "SELECT count(*) FROM contacts").await,
        1,
        "one customer, one contact"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounce_marks_our_reply_failed_with_the_servers_words() {
    let sink = MailSink::start().await;
    let app = spawn_app().await;
    let (_browser, token) = admin(&app).await;
    let smtp_port = sink.url.rsplit(':').next().unwrap().to_string();
    let created = create_email_connection(
        &app,
        &token,
        json!({"address": "suporte@loja.example", "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
               "smtp_security": "none"}),
    )
    .await;
    let inbound_url = format!(
        "{}{}",
        app.base_url,
        created["webhook_path"].as_str().unwrap()
    );
    let post = |body: String| {
        let request = app.plain_client().post(&inbound_url).body(body);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        post(customer_mail("b1@cliente.example", "Dúvida", "", "Oi")).await,
        200
    );
    wait_for_message(&app, "b1@cliente.example").await;
    let number = count(&app, "SELECT number FROM conversations").await;
    let (_, sent) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({"content": "Resposta"})),
    )
    .await;
    sink.wait_for(CUSTOMER, 1).await;
    let reply_id = sent["id"].as_i64().unwrap();
    eventually("the reply is sent", || async {
        count(
            &app,
            &format!(
                "SELECT count(*) FROM messages WHERE id = {reply_id} AND delivery_status = 'sent'"
            ),
        )
        .await
            == 1
    })
    .await;
    let our_id: String = sqlx::query_scalar("SELECT external_id FROM messages WHERE id = $1")
        .bind(reply_id)
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    let bounce = format!(
        "From: MAILER-DAEMON@mx.cliente.example\r\nTo: suporte@loja.example\r\nSubject: Undelivered\r\n\
         Message-ID: <dsn1@mx.cliente.example>\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n\
         --B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.cliente.example\r\n\r\n\
         Final-Recipient: rfc822; {CUSTOMER}\r\nAction: failed\r\nStatus: 5.2.2\r\n\
         Diagnostic-Code: smtp; 552 5.2.2 mailbox full\r\n\r\n\
         --B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{our_id}>\r\nSubject: Re: Dúvida\r\n\r\n--B--\r\n"
    );
    assert_eq!(post(bounce).await, 200);
    eventually("the bounce fails the reply", || async {
        count(
            &app,
            &format!(
                "SELECT count(*) FROM messages WHERE id = {reply_id} AND delivery_status = 'failed'
                    AND delivery_error LIKE '%mailbox full%'"
            ),
        )
        .await
            == 1
    })
    .await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM conversations").await,
        1,
        "a bounce opens nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbound_parse_webhook_takes_raw_mail_only_with_its_secret() {
    let app = spawn_app().await;
    let (_browser, token) = admin(&app).await;
    let created =
        create_email_connection(&app, &token, json!({"address": "oi@loja.example"})).await;
    let path = created["webhook_path"].as_str().unwrap().to_string();
    assert!(path.starts_with("/webhooks/email/"), "{path}");
    let post = |path: String, body: String| {
        let request = app
            .plain_client()
            .post(format!("{}{path}", app.base_url))
            .header("content-type", "message/rfc822")
            .body(body);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let mail = customer_mail("w1@cliente.example", "Orçamento", "", "Quanto custa?");
    let wrong = format!("{}wrong", path.trim_end_matches(|c: char| c != '/'));
    assert_eq!(post(wrong, mail.clone()).await, 403);
    assert_eq!(post(path.clone(), "this is not a mail".into()).await, 400);
    assert_eq!(count(&app, "SELECT count(*) FROM webhook_events").await, 0);
    assert_eq!(post(path.clone(), mail.clone()).await, 200);
    assert_eq!(post(path.clone(), mail).await, 200, "a redelivery is fine…");
    wait_for_message(&app, "w1@cliente.example").await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM webhook_events").await,
        1,
        "…and stored once"
    );
    let subject: Option<String> = sqlx::query_scalar("SELECT subject FROM conversations")
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    assert_eq!(subject.as_deref(), Some("Orçamento"));

    // Files come along: the first on the message, each further one as a
    // file message of its own, cut from the stored mail.
    let with_files = "From: Joana Cliente <joana@cliente.example>\r\nSubject: Notas\r\n\
        Message-ID: <w2@cliente.example>\r\nContent-Type: multipart/mixed; boundary=\"X\"\r\n\r\n\
        --X\r\nContent-Type: text/plain\r\n\r\nSeguem as notas.\r\n\
        --X\r\nContent-Type: application/pdf; name=\"nota-1.pdf\"\r\n\
        Content-Disposition: attachment; filename=\"nota-1.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        JVBERi0xLjQKJSBub3RhIDEK\r\n\
        --X\r\nContent-Type: application/pdf; name=\"nota-2.pdf\"\r\n\
        Content-Disposition: attachment; filename=\"nota-2.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        JVBERi0xLjQKJSBub3RhIDIK\r\n--X--\r\n";
    assert_eq!(post(path.clone(), with_files.to_string()).await, 200);
    eventually("both files are stored and attached", || async {
        count(
            &app,
            "SELECT count(*) FROM messages m JOIN attachments a ON a.id = m.attachment_id
              WHERE m.external_id LIKE 'w2@cliente.example%' AND a.file_name LIKE 'nota-_.pdf'",
        )
        .await
            == 2
    })
    .await;
    let text: String =
        sqlx::query_scalar("SELECT body FROM messages WHERE external_id = 'w2@cliente.example'")
            .fetch_one(&app.database.owner)
            .await
            .unwrap();
    assert_eq!(text, "Seguem as notas.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_that_refuses_the_password_marks_the_connection_down() {
    let imap = ImapServer::start().await;
    let sink = MailSink::start().await;
    let app = spawn_app().await;
    let (browser, token) = admin(&app).await;
    let mut config = mailbox_config(&imap, &sink);
    config["imap_password"] = json!("wrong password");
    let created = create_email_connection(&app, &token, config).await;
    let channel_id = created["id"].as_i64().unwrap();
    let tested: Value = browser
        .call("test_connection", &[("id", &channel_id.to_string())])
        .await
        .json();
    assert_eq!(tested["ok"], false, "{tested}");
    eventually("the watcher reports the refusal", || async {
        count(
            &app,
            &format!(
                "SELECT count(*) FROM email_mailboxes m JOIN channels c ON c.id = m.channel_id
                  WHERE m.channel_id = {channel_id} AND m.failures > 0
                    AND m.last_error LIKE '%sign-in refused%'
                    AND c.health = 'disconnected' AND c.health_detail LIKE '%IMAP%'"
            ),
        )
        .await
            == 1
    })
    .await;
    // Positive control: the right password brings it back at once.
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::PATCH,
        &format!("/channels/{channel_id}"),
        Some(json!({"config": {"imap_password": imap.password}})),
    )
    .await;
    assert_eq!(status, 200);
    eventually("the mailbox connects", || async {
        count(
            &app,
            &format!(
                "SELECT count(*) FROM channels WHERE id = {channel_id} AND health = 'connected'"
            ),
        )
        .await
            == 1
    })
    .await;
}
