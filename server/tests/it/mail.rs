//! System mail through a real SMTP server (aiosmtpd): sign-up confirmation,
//! password reset and invitations, end to end.

use crate::helpers::*;
use serde_json::Value;
use shared::AppError;

const PASSWORD: &str = "correct horse battery";

/// Polls `check` (up to 10 s) until it has something.
async fn eventually<T, F, Fut>(check: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..200 {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never happened");
}

/// The token at the end of a mailed link.
fn token_of(link: &str) -> &str {
    link.rsplit('/').next().expect("a token")
}

async fn email_confirmed(browser: &Browser) -> bool {
    let session: Value = browser.call("get_session_info", &[]).await.json();
    session["user"]["email_confirmed"]
        .as_bool()
        .expect("a session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_mails_a_link_that_confirms_the_address_once() {
    let sink = MailSink::start().await;
    let app = spawn_app_sending_to(&sink).await;
    let browser = app
        .sign_up("Loja Azul", "loja-azul", "ana@azul.example")
        .await;
    assert!(
        !email_confirmed(&browser).await,
        "new addresses start unconfirmed"
    );

    let mails = sink.wait_for("ana@azul.example", 1).await;
    let mail = &mails[0];
    assert_eq!(mail.from, "ponte@test.example");
    assert_eq!(mail.subject, "Confirme seu e-mail no Ponte");
    assert!(mail.text.starts_with("Olá, Founder!"), "{}", mail.text);
    let link = mail.link(&format!("{}/confirm-email/", app.base_url));
    assert!(mail.html.contains(&link), "the HTML part has the same link");

    let confirmed = browser
        .call("confirm_email", &[("token", token_of(&link))])
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert!(email_confirmed(&browser).await);
    let again = browser
        .call("confirm_email", &[("token", token_of(&link))])
        .await;
    assert_eq!(again.error(), AppError::LinkExpired, "links work once");

    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&app.database.owner)
        .await
        .unwrap();
    assert!(
        actions.contains(&"email_confirmed".to_string()),
        "{actions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_links_can_be_resent_a_few_times_an_hour() {
    let sink = MailSink::start().await;
    let app = spawn_app_sending_to(&sink).await;
    let browser = app
        .sign_up("Loja Azul", "loja-azul", "ana@azul.example")
        .await;
    for _ in 0..2 {
        let resent = browser.call("resend_confirmation", &[]).await;
        assert_eq!(resent.status, 200, "{}", resent.body);
    }
    let mails = sink.wait_for("ana@azul.example", 3).await;
    assert_ne!(mails[0].text, mails[2].text, "each mail has its own link");
    let refused = browser.call("resend_confirmation", &[]).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    // The oldest link still confirms.
    let link = mails[0].link(&format!("{}/confirm-email/", app.base_url));
    let confirmed = browser
        .call("confirm_email", &[("token", token_of(&link))])
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_end_to_end_and_the_same_answer_for_unknown_addresses() {
    let sink = MailSink::start().await;
    let app = spawn_app_sending_to(&sink).await;
    let signed_in = app
        .sign_up("Loja Azul", "loja-azul", "ana@azul.example")
        .await;
    sink.wait_for("ana@azul.example", 1).await; // the confirmation

    let stranger = app.browser_from("10.0.0.9");
    let known = stranger
        .call("request_password_reset", &[("email", "ana@azul.example")])
        .await;
    let unknown = stranger
        .call(
            "request_password_reset",
            &[("email", "nobody@azul.example")],
        )
        .await;
    assert_eq!((known.status, unknown.status), (200, 200));
    assert_eq!(known.body, unknown.body, "nothing tells the two apart");

    let mails = sink.wait_for("ana@azul.example", 2).await;
    let mail = &mails[1];
    assert_eq!(mail.subject, "Redefinir sua senha do Ponte");
    let link = mail.link(&format!("{}/reset-password/", app.base_url));
    assert!(sink
        .received()
        .iter()
        .all(|m| m.to != "nobody@azul.example"));

    let weak = stranger
        .call(
            "reset_password",
            &[("token", token_of(&link)), ("password", "short")],
        )
        .await;
    assert!(
        matches!(weak.error(), AppError::Validation { .. }),
        "{}",
        weak.body
    );
    let reset = stranger
        .call(
            "reset_password",
            &[
                ("token", token_of(&link)),
                ("password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);

    let old_session: Value = signed_in.call("get_session_info", &[]).await.json();
    assert!(old_session.is_null(), "every session ended: {old_session}");
    let old_password = app
        .browser_from("10.0.0.10")
        .call(
            "sign_in",
            &[("email", "ana@azul.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old_password.error(), AppError::InvalidCredentials);
    let fresh = app.browser_from("10.0.0.11");
    let new_password = fresh
        .call(
            "sign_in",
            &[
                ("email", "ana@azul.example"),
                ("password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(new_password.status, 200, "{}", new_password.body);
    assert!(
        email_confirmed(&fresh).await,
        "the reset link proved the address"
    );
    let reused = stranger
        .call(
            "reset_password",
            &[
                ("token", token_of(&link)),
                ("password", "yet another passphrase"),
            ],
        )
        .await;
    assert_eq!(reused.error(), AppError::LinkExpired);

    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'password_reset'")
            .fetch_one(&app.database.owner)
            .await
            .unwrap();
    assert_eq!(audited, 1);
    let stored: Vec<String> = eventually(|| async {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT state FROM outgoing_mail WHERE kind = 'password_reset' AND length(content) = 0",
        )
        .fetch_all(&app.database.owner)
        .await
        .unwrap();
        Some(rows).filter(|r| !r.is_empty())
    })
    .await;
    assert_eq!(stored, vec!["sent"], "sent mail keeps no link at rest");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_requests_are_rate_limited_per_address() {
    let sink = MailSink::start().await;
    let app = spawn_app_sending_to(&sink).await;
    let stranger = app.browser_from("10.0.0.9");
    for _ in 0..3 {
        let asked = stranger
            .call(
                "request_password_reset",
                &[("email", "nobody@azul.example")],
            )
            .await;
        assert_eq!(asked.status, 200, "{}", asked.body);
    }
    let refused = stranger
        .call(
            "request_password_reset",
            &[("email", "nobody@azul.example")],
        )
        .await;
    assert_eq!(refused.status, 429);
    let other = stranger
        .call("request_password_reset", &[("email", "else@azul.example")])
        .await;
    assert_eq!(other.status, 200, "another address still may");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_are_mailed_and_unconfirmed_logins_cannot_accept_them() {
    let sink = MailSink::start().await;
    let app = spawn_app_sending_to(&sink).await;
    let admin = app
        .sign_up("Loja Azul", "loja-azul", "ana@azul.example")
        .await;
    // Someone signs up elsewhere with Bia's address before she does.
    let squatter = app.sign_up("Outra", "outra", "bia@azul.example").await;

    let invited = admin
        .call(
            "invite_user",
            &[("email", "bia@azul.example"), ("role", "agent")],
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    let invitation: Value = invited.json();
    assert_eq!(invitation["emailed"], true);
    let url = invitation["url"].as_str().unwrap();

    let mails = sink.wait_for("bia@azul.example", 2).await;
    let mail = mails
        .iter()
        .find(|m| m.subject.contains("convidou"))
        .expect("the invitation");
    assert_eq!(
        mail.subject,
        "Founder convidou você para Loja Azul no Ponte"
    );
    assert_eq!(mail.link(&format!("{}/invite/", app.base_url)), url);

    let token = token_of(url);
    let refused = squatter
        .call("accept_invitation", &[("token", token)])
        .await;
    assert_eq!(
        refused.error(),
        AppError::Conflict {
            reason: shared::ConflictReason::ConfirmEmailFirst
        }
    );
    // Once the address is proven, the same person accepts.
    let confirmation = mails
        .iter()
        .find(|m| m.subject.contains("Confirme"))
        .expect("the confirmation");
    let link = confirmation.link(&format!("{}/confirm-email/", app.base_url));
    squatter
        .call("confirm_email", &[("token", token_of(&link))])
        .await;
    let accepted = squatter
        .call("accept_invitation", &[("token", token)])
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_the_server_cannot_take_waits_with_the_reason_and_is_retried() {
    let sink = MailSink::start().await;
    let port = sink.url.rsplit(':').next().unwrap().to_string();
    drop(sink); // nothing listens there any more
    let closed = MailSink::url_for_port(&port);
    let app = spawn_app_sending_to_url(&closed).await;
    app.sign_up("Loja Azul", "loja-azul", "ana@azul.example")
        .await;
    let mut recorded = None;
    for _ in 0..200 {
        recorded = sqlx::query_as::<_, (String, i32, Option<String>, bool)>(
            "SELECT state, attempts, last_error, next_attempt_at > now() FROM outgoing_mail",
        )
        .fetch_optional(&app.database.owner)
        .await
        .unwrap()
        // Claimed (attempts 1) and then answered (the error recorded).
        .filter(|(_, _, error, _)| error.is_some());
        if recorded.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (state, attempts, error, later) = recorded.expect("a send was tried");
    assert_eq!((state.as_str(), attempts, later), ("pending", 1, true));
    assert!(
        error.as_deref().is_some_and(|e| e.contains("onnection")),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_the_server_refuses_for_good_fails_at_once_with_its_answer() {
    let sink = MailSink::start().await;
    let app = spawn_app_sending_to(&sink).await;
    app.sign_up("Loja Azul", "loja-azul", "ana@azul.example")
        .await;
    sink.wait_for("ana@azul.example", 1).await; // positive control
    sink.break_storage();
    let browser = app.browser();
    browser
        .call("request_password_reset", &[("email", "ana@azul.example")])
        .await;
    let mut recorded = None;
    for _ in 0..200 {
        recorded = sqlx::query_as::<_, (String, i32, Option<String>)>(
            "SELECT state, attempts, last_error FROM outgoing_mail WHERE kind = 'password_reset'",
        )
        .fetch_optional(&app.database.owner)
        .await
        .unwrap()
        .filter(|(state, _, _)| state != "pending");
        if recorded.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (state, attempts, error) = recorded.expect("the send was recorded");
    assert_eq!((state.as_str(), attempts), ("failed", 1));
    assert!(
        error.as_deref().is_some_and(|e| e.contains("500")),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accounts_own_smtp_server_sends_its_mail_and_its_test_reports_the_answer() {
    let server_wide = MailSink::start().await;
    let own = MailSink::start().await;
    let app = spawn_app_sending_to(&server_wide).await;
    let admin = app
        .sign_up("Loja Azul", "loja-azul", "ana@azul.example")
        .await;
    let port = own.url.rsplit(':').next().unwrap();

    let refused = admin
        .call(
            "save_smtp_account",
            &[
                ("name", "Loja"),
                ("host", "mail.azul.example"),
                ("security", "none"),
                ("from_address", "not an address"),
            ],
        )
        .await;
    let AppError::Validation { fields } = refused.error() else {
        panic!("{}", refused.body);
    };
    let codes: Vec<(String, shared::ErrorCode)> =
        fields.into_iter().map(|f| (f.field, f.code)).collect();
    assert!(codes.contains(&("security".into(), shared::ErrorCode::SmtpNeedsTls)));
    assert!(codes.contains(&("from_address".into(), shared::ErrorCode::EmailInvalid)));

    let saved = admin
        .call(
            "save_smtp_account",
            &[
                ("name", "Loja"),
                ("host", "127.0.0.1"),
                ("port", port),
                ("security", "none"),
                ("username", ""),
                ("password", "segredo-smtp"),
                ("from_name", "Loja Azul"),
                ("from_address", "atendimento@azul.example"),
                ("is_default", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let view: Value = saved.json();
    assert_eq!(view["has_password"], true);
    assert!(!saved.body.contains("segredo-smtp"), "never echoed");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT password FROM smtp_accounts")
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("segredo-smtp"));

    let tested = admin
        .call(
            "test_smtp_account",
            &[("id", &view["id"].as_i64().unwrap().to_string())],
        )
        .await;
    let result: Value = tested.json();
    assert_eq!(result["ok"], true, "{result}");
    assert!(
        result["answer"].as_str().unwrap().starts_with("250"),
        "{result}"
    );
    let test_mail = &own.wait_for("ana@azul.example", 1).await[0];
    assert_eq!(test_mail.from, "atendimento@azul.example");

    admin
        .call(
            "invite_user",
            &[("email", "bia@azul.example"), ("role", "agent")],
        )
        .await;
    let invitation = &own.wait_for("bia@azul.example", 1).await[0];
    assert_eq!(invitation.from, "atendimento@azul.example");
    assert!(
        server_wide
            .received()
            .iter()
            .all(|m| m.to != "bia@azul.example"),
        "the account's own server sent it, not the server-wide one"
    );
    // The server has the mail; the worker records "sent" just after.
    let log: Value = eventually(|| async {
        let log: Value = admin.call("mail_send_log", &[]).await.json();
        Some(log).filter(|l| l[0]["state"] == "sent")
    })
    .await;
    assert_eq!(log[0]["to_address"], "bia@azul.example");
    assert_eq!(log[0]["smtp_account"], "Loja");
    assert_eq!(log[0]["state"], "sent");
    let test_entry = log
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "smtp_test")
        .expect("the test e-mail is in the send log");
    assert_eq!(test_entry["to_address"], "ana@azul.example");
    assert_eq!(test_entry["state"], "sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenants_smtp_server_must_be_public() {
    let own = MailSink::start().await;
    let app = spawn_app_sending_to(&own).await;
    let demo = app.demo_account().await;
    let admin = demo.actor(shared::Role::GlobalAdmin);
    let vault = test_vault();
    let port = own.url.rsplit(':').next().unwrap();
    let form = shared::mail::SmtpAccountForm {
        name: "Local".into(),
        host: "127.0.0.1".into(),
        port: port.into(),
        security: "none".into(),
        from_address: "a@demo.example".into(),
        ..Default::default()
    };
    let saved = domain::mail::accounts::save(&app.database.db, &vault, &admin, None, &form)
        .await
        .unwrap();
    let refused =
        domain::mail::accounts::send_test(&app.database.db, &vault, &admin, saved.id, false)
            .await
            .unwrap();
    assert!(!refused.ok);
    assert!(refused.answer.contains("private or local"), "{refused:?}");
    let allowed =
        domain::mail::accounts::send_test(&app.database.db, &vault, &admin, saved.id, true)
            .await
            .unwrap();
    assert!(allowed.ok, "{allowed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_are_mailed_once_per_incident_when_a_connection_goes_down() {
    use domain::channels::connections::{self, ConnectionChanges, NewConnection};
    let sink = MailSink::start().await;
    let graph = crate::mock_providers::MockGraph::start().await;
    let app = spawn_app_sending_to(&sink).await;
    let demo = app.demo_account().await;
    let admin = demo.actor(shared::Role::GlobalAdmin);
    let db = &app.database.db;
    let vault = test_vault();
    let with_token = |token: &str| {
        serde_json::json!({
            "phone_number_id": "1234", "access_token": token, "app_secret": "s",
            "verify_token": "v", "api_base_url": graph.base_url
        })
    };
    let created = connections::create(
        db,
        &vault,
        &admin,
        &NewConnection {
            kind: shared::inbox::ChannelKind::WhatsappCloud,
            name: "WhatsApp Vendas".into(),
            config: with_token("revoked-token"),
        },
    )
    .await
    .unwrap();
    let retoken = |token: &'static str| {
        let config = with_token(token);
        let (vault, admin) = (&vault, &admin);
        async move {
            let changes = ConnectionChanges {
                name: None,
                active: None,
                config: Some(config),
            };
            connections::update(db, vault, admin, created.id, &changes)
                .await
                .unwrap();
            connections::test(db, vault, admin, created.id, false)
                .await
                .unwrap()
        }
    };
    let failed = connections::test(db, &vault, &admin, created.id, false)
        .await
        .unwrap();
    assert!(!failed.ok);
    let mails = sink.wait_for(&admin.email, 1).await;
    assert_eq!(mails[0].subject, "Conexão fora do ar: WhatsApp Vendas");
    assert!(
        mails[0].text.contains("/settings/connections"),
        "{}",
        mails[0].text
    );

    // Still the same incident: no second mail.
    connections::test(db, &vault, &admin, created.id, false)
        .await
        .unwrap();
    assert!(retoken("graph-token").await.ok, "back up");
    assert!(!retoken("revoked-again").await.ok, "a new incident");
    sink.wait_for(&admin.email, 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let to = |email: &str| {
        sink.received()
            .into_iter()
            .filter(|m| m.to == email)
            .count()
    };
    assert_eq!(to(&admin.email), 2, "one per incident");
    let agent = demo.actor(shared::Role::Agent);
    assert_eq!(to(&agent.email), 0, "only admins");

    // The same alerts ring the admins' bells, leading to the connections.
    let connection_alerts = |actor: &domain::actor::Actor| {
        let actor = actor.clone();
        async move {
            domain::notifications::list(db, &actor)
                .await
                .unwrap()
                .into_iter()
                .filter(|n| n.kind == shared::inbox::NotificationKind::ConnectionDown)
                .collect::<Vec<_>>()
        }
    };
    let bell = connection_alerts(&admin).await;
    assert_eq!(bell.len(), 2, "one per incident: {bell:?}");
    assert!(bell.iter().all(|n| !n.read), "{bell:?}");
    assert!(bell[0].excerpt.starts_with("WhatsApp Vendas"), "{bell:?}");
    assert_eq!(bell[0].href(), "/settings/connections");
    assert!(connection_alerts(&agent).await.is_empty(), "only admins");

    // Opening one marks only it read, and only by its owner.
    domain::notifications::mark_read(db, &agent, bell[0].id)
        .await
        .unwrap();
    assert!(connection_alerts(&admin).await.iter().all(|n| !n.read));
    domain::notifications::mark_read(db, &admin, bell[0].id)
        .await
        .unwrap();
    let read: Vec<(i64, bool)> = connection_alerts(&admin)
        .await
        .iter()
        .map(|n| (n.id, n.read))
        .collect();
    assert!(read.contains(&(bell[0].id, true)), "{read:?}");
    assert!(read.contains(&(bell[1].id, false)), "{read:?}");

    // The same bell over REST, with where each alert leads; all read at once.
    let token = app.demo_admin_token().await;
    let rest_bell = || async {
        let answer = app
            .plain_client()
            .get(format!("{}/api/v1/notifications", app.base_url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        answer.json::<Vec<Value>>().await.unwrap()
    };
    let listed = rest_bell().await;
    let alert = listed
        .iter()
        .find(|n| n["id"] == bell[1].id)
        .unwrap_or_else(|| panic!("{listed:?}"));
    assert_eq!(alert["kind"], "connection_down");
    assert_eq!(alert["path"], "/settings/connections");
    assert_eq!(alert["read"], false);
    let read_all = app
        .plain_client()
        .post(format!("{}/api/v1/notifications/read", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(read_all.status(), 204);
    assert!(rest_bell().await.iter().all(|n| n["read"] == true));
}
