//! Sign-in and sign-up throttling: atomic under parallel guesses, keyed by
//! the real client network (right-most forwarded hop, IPv6 per /64), and
//! never a way to lock a person out of their own account.

use crate::helpers::{spawn_app, TestApp};
use shared::AppError;

const DEMO_PASSWORD: &str = "ponte-demo-2026";

async fn sign_in_from(app: &TestApp, client: &str, email: &str, password: &str) -> u16 {
    app.browser_from(client)
        .call("sign_in", &[("email", email), ("password", password)])
        .await
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attacker_who_knows_the_address_locks_only_themselves_out() {
    let app = spawn_app().await;
    app.demo_account().await;
    // The left-most X-Forwarded-For entries are the client's own words:
    // changing them does not buy fresh attempts.
    for n in 0..5 {
        let forged = format!("1.2.3.{n}, 203.0.113.7");
        let status = sign_in_from(&app, &forged, "agent@demo.ponte.dev", "guess-guess-guess").await;
        assert_eq!(status, 401);
    }
    let blocked = app
        .browser_from("9.9.9.9, 203.0.113.7")
        .call(
            "sign_in",
            &[
                ("email", "agent@demo.ponte.dev"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    assert!(matches!(
        blocked.error(),
        AppError::RateLimited { retry_after_secs } if retry_after_secs > 0
    ));
    // The person, from their own network, signs in at once.
    assert_eq!(
        sign_in_from(&app, "198.51.100.20", "agent@demo.ponte.dev", DEMO_PASSWORD).await,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_distributed_guesser_is_slowed_and_the_person_waits_seconds_at_worst() {
    let app = spawn_app().await;
    app.demo_account().await;
    for n in 0..20 {
        let ip = format!("192.0.2.{n}");
        assert_eq!(
            sign_in_from(&app, &ip, "agent@demo.ponte.dev", "guess-guess-guess").await,
            401
        );
    }
    let slowed = app
        .browser_from("192.0.2.200")
        .call(
            "sign_in",
            &[
                ("email", "agent@demo.ponte.dev"),
                ("password", "another-guess"),
            ],
        )
        .await;
    assert_eq!(slowed.status, 429);
    assert!(matches!(
        slowed.error(),
        AppError::RateLimited { retry_after_secs } if retry_after_secs <= 10
    ));
    // Ten seconds later (moved back in time here) one attempt goes through.
    sqlx::query("UPDATE login_failures SET failed_at = failed_at - interval '11 seconds'")
        .execute(&app.database.owner)
        .await
        .unwrap();
    assert_eq!(
        sign_in_from(&app, "198.51.100.30", "agent@demo.ponte.dev", DEMO_PASSWORD).await,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_cannot_all_pass_the_throttle() {
    let app = spawn_app().await;
    app.demo_account().await;
    let attempts = (0..12).map(|_| {
        let browser = app.browser_from("203.0.113.50");
        async move {
            browser
                .call(
                    "sign_in",
                    &[
                        ("email", "admin@demo.ponte.dev"),
                        ("password", "parallel-guess"),
                    ],
                )
                .await
                .status
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        (checked, refused),
        (5, 7),
        "exactly the budget is checked: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_clients_are_counted_per_64() {
    let app = spawn_app().await;
    app.demo_account().await;
    for n in 0..30 {
        let ip = format!("2001:db8:1:2::{n:x}");
        let email = format!("guess{n}@demo.ponte.dev");
        assert_eq!(
            sign_in_from(&app, &ip, &email, "guess-guess-guess").await,
            401
        );
    }
    assert_eq!(
        sign_in_from(
            &app,
            "2001:db8:1:2:ffff::1",
            "admin@demo.ponte.dev",
            DEMO_PASSWORD
        )
        .await,
        429,
        "another address of the same /64 is the same client"
    );
    assert_eq!(
        sign_in_from(
            &app,
            "2001:db8:1:3::1",
            "admin@demo.ponte.dev",
            DEMO_PASSWORD
        )
        .await,
        200,
        "the next /64 is someone else"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_is_throttled_like_signing_in() {
    let app = spawn_app().await;
    app.demo_account().await;
    let agent = app.signed_in("agent@demo.ponte.dev", DEMO_PASSWORD).await;
    let change = |current: &'static str| {
        let agent = &agent;
        async move {
            agent
                .call(
                    "change_password",
                    &[
                        ("current_password", current),
                        ("new_password", "a brand new password"),
                        ("confirm_password", "a brand new password"),
                    ],
                )
                .await
        }
    };
    for _ in 0..5 {
        assert_eq!(change("wrong-current").await.status, 422);
    }
    let blocked = change(DEMO_PASSWORD).await;
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'sign_in_failed' AND details->>'email' = 'agent@demo.ponte.dev'",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(audited, 5, "each wrong password is in the audit log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_are_budgeted_per_network() {
    let app = spawn_app().await;
    for n in 0..10 {
        let reply = app
            .browser_from("203.0.113.80")
            .call(
                "sign_up",
                &[
                    ("company_name", &format!("Loja {n}")),
                    ("slug", &format!("loja-{n}")),
                    ("name", "Dona"),
                    ("email", &format!("dona{n}@loja.com")),
                    ("password", "correct horse battery"),
                ],
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let eleventh = app
        .browser_from("203.0.113.80")
        .call(
            "sign_up",
            &[
                ("company_name", "Loja 11"),
                ("slug", "loja-11"),
                ("name", "Dona"),
                ("email", "dona11@loja.com"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(eleventh.status, 429);
    let elsewhere = app
        .browser_from("198.51.100.80")
        .call(
            "sign_up",
            &[
                ("company_name", "Loja 12"),
                ("slug", "loja-12"),
                ("name", "Dona"),
                ("email", "dona12@loja.com"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(elsewhere.status, 200, "another network signs up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_functions_that_reach_the_ai_provider_share_its_budget() {
    let app = spawn_app().await;
    let (_demo, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let message = app
        .visitor_says(&channel, &visitor, "Qual o prazo de entrega?")
        .await;
    let number: i64 =
        sqlx::query_scalar("SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1")
            .bind(message["id"].as_i64().unwrap())
            .fetch_one(&app.database.owner)
            .await
            .unwrap();
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let number = number.to_string();
    let form = [("number", number.as_str()), ("locale", "pt-BR")];
    // Twenty at once are fine (the offline engine answers: no provider)…
    for _ in 0..20 {
        let answered = admin.call("summarize_conversation", &form).await;
        assert_eq!(answered.status, 200, "{}", answered.body);
    }
    // …the next waits, told how long in the app's own error.
    let refused = admin.call("summarize_conversation", &form).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(
        matches!(refused.error(), shared::AppError::RateLimited { .. }),
        "{}",
        refused.body
    );
    // Another person's budget is their own.
    let supervisor = app
        .signed_in("supervisor@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let theirs = supervisor.call("summarize_conversation", &form).await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
}
