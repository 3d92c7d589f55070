//! REST API authentication and the `ponte api-token create` command.

use crate::helpers::{spawn_app, test_secret};
use serde_json::Value;
use std::process::Command;

#[tokio::test]
async fn a_token_from_the_cli_authenticates_the_rest_api() {
    let app = spawn_app().await;
    app.demo_account().await;
    let output = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args([
            "api-token",
            "create",
            "--email",
            "supervisor@demo.ponte.dev",
            "--name",
            "CRM sync",
        ])
        .env("DATABASE_URL", &app.database.owner_url)
        .env("PONTE_SECRET_KEY", test_secret().to_base64())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("pnt_"));

    let me = app
        .plain_client()
        .get(format!("{}/api/v1/me", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let body: Value = me.json().await.unwrap();
    assert_eq!(body["user"]["email"], "supervisor@demo.ponte.dev");
    assert_eq!(body["user"]["role"], "supervisor");
    assert_eq!(body["account"]["slug"], "demo");
    assert_eq!(body["account"]["name"], "Demo");

    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    assert_ne!(stored, token.as_bytes(), "only a hash is stored");
}

#[tokio::test]
async fn missing_wrong_and_revoked_tokens_get_401_json() {
    let app = spawn_app().await;
    app.demo_account().await;
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let created: shared::accounts::NewApiToken = admin
        .call("create_api_token", &[("name", "Zapier")])
        .await
        .json();
    let client = app.plain_client();
    let url = format!("{}/api/v1/me", app.base_url);

    let ok = client
        .get(&url)
        .bearer_auth(&created.token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    for (label, request) in [
        ("missing", client.get(&url)),
        (
            "wrong",
            client.get(&url).bearer_auth("pnt_not-a-real-token"),
        ),
        ("not ours", client.get(&url).bearer_auth("something-else")),
    ] {
        let reply = request.send().await.unwrap();
        assert_eq!(reply.status(), 401, "{label}");
        assert!(reply.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized", "{label}");
        assert!(body["message"].as_str().unwrap().contains("token"));
    }

    let id = created.info.id.to_string();
    assert_eq!(
        admin
            .call("revoke_api_token", &[("token_id", &id)])
            .await
            .status,
        200
    );
    let revoked = client
        .get(&url)
        .bearer_auth(&created.token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action IN ('api_token_created', 'api_token_revoked')",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn a_deactivated_members_token_stops_working() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let agent = app
        .signed_in("agent@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let created: shared::accounts::NewApiToken = agent
        .call("create_api_token", &[("name", "mine")])
        .await
        .json();
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let agent_id = demo.users[2].1.to_string();
    admin
        .call(
            "set_member_active",
            &[("user_id", &agent_id), ("active", "false")],
        )
        .await;
    let reply = app
        .plain_client()
        .get(format!("{}/api/v1/me", app.base_url))
        .bearer_auth(&created.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
}

#[tokio::test]
async fn unknown_api_paths_answer_404_json() {
    let app = spawn_app().await;
    let reply = app
        .plain_client()
        .get(format!("{}/api/v1/nothing-here", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 404);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}
