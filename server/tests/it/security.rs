//! Cross-site request refusal, headers, limits, health and metrics.

use crate::helpers::{spawn_app, REQUEST_TIMEOUT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_and_originless_posts_are_refused() {
    let app = spawn_app().await;
    app.demo_account().await;
    let url = format!("{}/api/sign_in", app.base_url);
    let form = [
        ("email", "admin@demo.ponte.dev"),
        ("password", "ponte-demo-2026"),
    ];
    let client = app.plain_client();
    let foreign = client
        .post(&url)
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert!(foreign.headers().get("set-cookie").is_none());
    let originless = client.post(&url).form(&form).send().await.unwrap();
    assert_eq!(originless.status(), 403);
    let referer_only = client
        .post(&url)
        .header("referer", format!("{}/login", app.base_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        referer_only.status(),
        200,
        "a same-site Referer is enough when Origin is absent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_security_headers_and_a_nonce_based_csp() {
    let app = spawn_app().await;
    let page = app.browser().get("/login").await;
    assert_eq!(page.status, 200);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    let script_src = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap();
    assert!(!script_src.contains("unsafe-inline"), "{script_src}");
    let nonce = script_src
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the nonce"
    );
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        page.headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    assert!(page.headers.contains_key("x-request-id"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_out_visitors_are_sent_to_sign_in_and_signed_in_ones_away_from_it() {
    let app = spawn_app().await;
    app.demo_account().await;
    let anonymous = app.browser().get("/settings/users").await;
    assert_eq!(anonymous.status, 302);
    assert_eq!(anonymous.headers["location"], "/login?next=/settings/users");
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let page = admin.get("/settings/users").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("agent@demo.ponte.dev"),
        "members are rendered on the server"
    );
    let login = admin.get("/login").await;
    assert_eq!(login.status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_content_is_escaped() {
    let app = spawn_app().await;
    let admin = app
        .sign_up("<script>alert(1)</script> Ltda", "ltda", "a@ltda.com")
        .await;
    let page = admin.get("/settings/users").await;
    assert!(!page.body.contains("<script>alert(1)</script>"));
    assert!(page
        .body
        .contains("&lt;script&gt;alert(1)&lt;/script&gt; Ltda"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let huge = "x".repeat(3 * 1024 * 1024);
    let browser = app.browser();
    // The server answers 413 as soon as it sees the length and closes; the
    // client may still be writing then (a broken pipe instead of the
    // answer), so it asks again — the answer, when read, must be 413.
    for _ in 0..5 {
        let sent = browser
            .http
            .post(format!("{}/api/sign_in", app.base_url))
            .header("accept", "application/json")
            .form(&[("email", "a@b.co"), ("password", huge.as_str())])
            .send()
            .await;
        if let Ok(response) = sent {
            assert_eq!(response.status(), 413);
            return;
        }
    }
    panic!("no answer to five oversized requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    let client = app.plain_client();
    let health = client
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (health.status().as_u16(), health.text().await.unwrap()),
        (200, "ok".to_string())
    );
    let ready = client
        .get(format!("{}/readyz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    client
        .get(format!("{}/login", app.base_url))
        .send()
        .await
        .unwrap();
    let metrics = client
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "ponte_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics
        .contains("ponte_http_request_duration_seconds_bucket{method=\"GET\",route=\"/login\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_while_migrations_are_pending() {
    let app = spawn_app().await;
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .execute(&app.database.owner)
    .await
    .unwrap();
    let ready = app
        .plain_client()
        .get(format!("{}/readyz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_post_that_fails_returns_to_the_form_with_the_error() {
    let app = spawn_app().await;
    app.demo_account().await;
    let reply = app
        .plain_client()
        .post(format!("{}/api/sign_in", app.base_url))
        .header("origin", &app.base_url)
        .header("referer", format!("{}/login?next=%2Faudit", app.base_url))
        .header("accept", "text/html")
        .form(&[
            ("email", "admin@demo.ponte.dev"),
            ("password", "wrong password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 303);
    let location = reply.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("/login?next=%2Faudit&form_error="),
        "{location}"
    );
    assert!(location.contains("invalid_credentials"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sends_people_only_to_paths_on_this_site() {
    let app = spawn_app().await;
    app.demo_account().await;
    let sign_in = |next: &'static str| {
        let app = &app;
        async move {
            let reply = app
                .plain_client()
                .post(format!("{}/api/sign_in", app.base_url))
                .header("origin", &app.base_url)
                .header("accept", "text/html")
                .form(&[
                    ("email", "agent@demo.ponte.dev"),
                    ("password", "ponte-demo-2026"),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap();
            reply.headers()["location"].to_str().unwrap().to_string()
        }
    };
    for evil in [
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/%2F/evil.example",
        "/%09/evil.example",
        "https://evil.example",
    ] {
        assert_eq!(sign_in(evil).await, "/", "{evil:?}");
    }
    assert_eq!(
        sign_in("/inbox/2").await,
        "/inbox/2",
        "a local path is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_a_token_or_a_direct_local_connection() {
    let app = spawn_app().await;
    let url = format!("{}/metrics", app.base_url);
    let client = app.plain_client();
    let proxied = client
        .get(&url)
        .header("x-forwarded-for", "203.0.113.5")
        .send()
        .await
        .unwrap();
    assert_eq!(
        proxied.status(),
        401,
        "through a proxy, a stranger is refused"
    );
    let wrong = client
        .get(&url)
        .header("x-forwarded-for", "203.0.113.5")
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let with_token = client
        .get(&url)
        .header("x-forwarded-for", "203.0.113.5")
        .bearer_auth(crate::helpers::METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status(), 200);
    assert!(with_token
        .text()
        .await
        .unwrap()
        .contains("ponte_http_requests_total"));
    let local = client.get(&url).send().await.unwrap();
    assert_eq!(
        local.status(),
        200,
        "a direct local connection (a sidecar scraper)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_page_never_shows_words_from_its_link() {
    let app = spawn_app().await;
    let forged = crate::helpers::percent(
        r#"{"kind":"internal","reference":"Ligue 0800 123 456 para desbloquear"}"#,
    );
    let page = app
        .browser()
        .get(&format!("/login?form_error={forged}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("0800"), "forged text is not rendered");
    // Positive control: a real error code from a failed plain form post shows.
    let real = crate::helpers::percent(r#"{"kind":"invalid_credentials"}"#);
    let page = app
        .browser()
        .get(&format!("/login?form_error={real}"))
        .await;
    assert!(
        page.body.contains("E-mail ou senha incorretos"),
        "{}",
        page.body.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_decode_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    app.demo_account().await;
    let missing = app
        .browser()
        .call("sign_in", &[("email", "agent@demo.ponte.dev")])
        .await;
    assert_eq!(missing.status, 400, "{}", missing.body);
    assert_eq!(
        missing.error().field_code("password"),
        Some(shared::ErrorCode::Required)
    );
    let agent = app
        .signed_in("supervisor@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let wrong_type = agent
        .call_json("list_conversations", &serde_json::json!({ "filter": 5 }))
        .await;
    assert_eq!(wrong_type.status, 400, "{}", wrong_type.body);
    // Our own validation keeps its 422.
    let invalid = agent
        .call_json(
            "list_conversations",
            &serde_json::json!({ "filter": { "limit": 0 } }),
        )
        .await;
    assert_eq!(invalid.status, 422);
    let metrics = app
        .plain_client()
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !metrics.contains("status=\"500\""),
        "no 500 was counted: {metrics}"
    );
}

/// Writes a small built site: a script with its brotli and gzip copies (the
/// copies' bytes differ so the test can tell which one was sent).
fn built_site(app: &crate::helpers::TestApp) -> std::path::PathBuf {
    let site = app.data_dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/ponte.js"), "console.log('plain');").unwrap();
    std::fs::write(site.join("pkg/ponte.js.br"), "brotli bytes").unwrap();
    std::fs::write(site.join("pkg/ponte.js.gz"), "gzip bytes").unwrap();
    std::fs::write(site.join("widget.js"), "/* widget */").unwrap();
    std::fs::write(site.join("widget.js.br"), "widget brotli").unwrap();
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_files_go_out_precompressed_and_revalidate() {
    let app = spawn_app().await;
    built_site(&app);
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap();
    let get = |encoding: &'static str| {
        client
            .get(format!("{}/pkg/ponte.js", app.base_url))
            .header("accept-encoding", encoding)
            .send()
    };

    let brotli = get("gzip, br").await.unwrap();
    assert_eq!(brotli.status(), 200);
    assert_eq!(brotli.headers()["content-encoding"], "br");
    assert_eq!(brotli.headers()["cache-control"], "no-cache");
    let last_modified = brotli.headers()["last-modified"].clone();
    assert_eq!(brotli.text().await.unwrap(), "brotli bytes");

    let gzip = get("gzip").await.unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    assert_eq!(gzip.text().await.unwrap(), "gzip bytes");

    let plain = get("identity").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.unwrap(), "console.log('plain');");

    let again = client
        .get(format!("{}/pkg/ponte.js", app.base_url))
        .header("accept-encoding", "br")
        .header("if-modified-since", last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "a second visit downloads nothing");

    let widget = client
        .get(format!("{}/widget.js", app.base_url))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(widget.headers()["content-encoding"], "br");
    assert!(widget.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age=300"));
    let missing = client
        .get(format!("{}/pkg/missing.js", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(
        missing.headers().get("cache-control").is_none(),
        "a missing file is not cached: the next deploy may bring it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_compressed_when_large_and_left_alone_when_tiny() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap();
    let page = client
        .get(format!("{}/login", app.base_url))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-encoding"], "br");
    let small = client
        .get(format!("{}/healthz", app.base_url))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert!(
        small.headers().get("content-encoding").is_none(),
        "a tiny answer is not worth compressing"
    );
    let plain = client
        .get(format!("{}/login", app.base_url))
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.text().await.unwrap().contains("<html"));
}
