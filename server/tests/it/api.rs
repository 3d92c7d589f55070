//! REST API authentication and the `ponte api-token create` command.

use crate::helpers::{spawn_app, test_secret};
use serde_json::{json, Value};
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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

async fn demo_token(app: &crate::helpers::TestApp, email: &str) -> String {
    app.demo_token(email).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_and_messages_over_rest() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let token = demo_token(&app, "supervisor@demo.ponte.dev").await;
    let client = app.plain_client();
    let get = |path: &str| {
        client
            .get(format!("{}/api/v1{path}", app.base_url))
            .bearer_auth(&token)
            .send()
    };

    let page: Value = get("/conversations?limit=2")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["conversations"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let rest: Value = get(&format!("/conversations?limit=2&cursor={cursor}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["conversations"].as_array().unwrap().len(), 2);
    let open_only: Value = get("/conversations?status=open")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(open_only["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "open"));

    let agent_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'agent@demo.ponte.dev'")
            .fetch_one(&app.database.owner)
            .await
            .unwrap();
    let theirs: Value = get(&format!("/conversations?assignee_id={agent_id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let theirs = theirs["conversations"].as_array().unwrap();
    let numbers: Vec<i64> = theirs
        .iter()
        .map(|c| c["number"].as_i64().unwrap())
        .collect();
    assert!(numbers.contains(&1) && numbers.contains(&3), "{numbers:?}");
    assert!(theirs
        .iter()
        .all(|c| c["assignee_id"] == agent_id.to_string()));

    let bad_limit = get("/conversations?limit=0").await.unwrap();
    assert_eq!(bad_limit.status(), 422);
    let bad_status = get("/conversations?status=sleeping").await.unwrap();
    assert_eq!(bad_status.status(), 422);
    let body: Value = bad_status.json().await.unwrap();
    assert_eq!(body["error"], "validation_failed");

    let one: Value = get("/conversations/1").await.unwrap().json().await.unwrap();
    assert_eq!(one["contact_name"], "Mariana Costa");
    assert_eq!(get("/conversations/999").await.unwrap().status(), 404);
    assert_eq!(get("/conversations/abc").await.unwrap().status(), 404);
    let messages: Value = get("/conversations/1/messages")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(messages["messages"].as_array().unwrap().len() >= 3);

    let post = |body: Value| {
        client
            .post(format!("{}/api/v1/conversations/2/messages", app.base_url))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let created = post(json!({ "content": "Respondido pela API", "private": false }))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        (created["kind"].as_str(), created["sender_name"].as_str()),
        (Some("outgoing"), Some("Sérgio Supervisor"))
    );
    let note: Value = post(json!({ "content": "nota", "private": true }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(note["kind"], "note");
    let missing = post(json!({ "private": false })).await.unwrap();
    assert_eq!(missing.status(), 422);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "content");
    let empty = post(json!({ "content": "  " })).await.unwrap();
    assert_eq!(empty.status(), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patching_a_conversation_over_rest() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let token = demo_token(&app, "admin@demo.ponte.dev").await;
    let client = app.plain_client();
    let patch = |number: i64, body: Value| {
        client
            .patch(format!("{}/api/v1/conversations/{number}", app.base_url))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    let changed: Value = patch(2, json!({ "status": "resolved", "priority": "high", "assignee_email": "agent@demo.ponte.dev" }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (changed["status"].as_str(), changed["priority"].as_str()),
        (Some("resolved"), Some("high"))
    );
    assert_eq!(changed["assignee_name"], "Alice Atendente");
    let unassigned: Value = patch(4, json!({ "assignee_email": null }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(unassigned["assignee_id"].is_null());

    let unknown = patch(2, json!({ "assignee_email": "ghost@demo.ponte.dev" }))
        .await
        .unwrap();
    assert_eq!(unknown.status(), 422);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "assignee_email");
    let typo = patch(2, json!({ "stauts": "open" })).await.unwrap();
    assert_eq!(
        typo.status(),
        422,
        "unknown fields are refused, not ignored"
    );
    let bad_value = patch(2, json!({ "priority": "asap" })).await.unwrap();
    assert_eq!(bad_value.status(), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_numbers_and_contacts_are_404_over_rest() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let outsider = app.sign_up("Outra", "outra", "dona@outra.com").await;
    let created: shared::accounts::NewApiToken = outsider
        .call("create_api_token", &[("name", "x")])
        .await
        .json();
    let client = app.plain_client();
    let demo_contact: i64 = sqlx::query_scalar("SELECT id FROM contacts ORDER BY id LIMIT 1")
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    for path in [
        "/conversations/1".to_string(),
        "/conversations/1/messages".to_string(),
        format!("/contacts/{demo_contact}"),
    ] {
        let reply = client
            .get(format!("{}/api/v1{path}", app.base_url))
            .bearer_auth(&created.token)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 404, "{path}");
    }
    let post = client
        .post(format!("{}/api/v1/conversations/1/messages", app.base_url))
        .bearer_auth(&created.token)
        .json(&json!({ "content": "intruso" }))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 404);
    let patch = client
        .patch(format!("{}/api/v1/conversations/1", app.base_url))
        .bearer_auth(&created.token)
        .json(&json!({ "status": "resolved" }))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 404);
    let list: Value = client
        .get(format!("{}/api/v1/contacts", app.base_url))
        .bearer_auth(&created.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list.as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_searchable_over_rest() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let token = demo_token(&app, "agent@demo.ponte.dev").await;
    let client = app.plain_client();
    let found: Value = client
        .get(format!("{}/api/v1/contacts?q=JOAO@example", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["João Pereira"]);
    let id = found[0]["id"].as_i64().unwrap();
    let one: Value = client
        .get(format!("{}/api/v1/contacts/{id}", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["email"], "joao@example.com");

    // Rare and common terms (collected vs. walked) both page newest first.
    sqlx::query(
        "INSERT INTO contacts (account_id, name)
         SELECT id, 'Família Souza ' || i FROM accounts, generate_series(1, 20100) AS i WHERE slug = 'demo'",
    )
    .execute(&app.database.owner)
    .await
    .unwrap();
    let supervisor = demo_token(&app, "supervisor@demo.ponte.dev").await;
    for (q, matches, newest) in [
        ("família souza 10", 1111, "Família Souza 10999"),
        ("família souza", 20100, "Família Souza 20100"),
    ] {
        let found: Value = client
            .get(format!("{}/api/v1/contacts", app.base_url))
            .query(&[("q", q), ("limit", "100")])
            .bearer_auth(&supervisor)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 100.min(matches), "{q}");
        assert_eq!(names[0], newest, "{q}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_reopens_before_it_assigns_and_applies_all_or_nothing() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let token = demo_token(&app, "supervisor@demo.ponte.dev").await;
    let client = app.plain_client();
    let patch = |number: i64, body: Value| {
        client
            .patch(format!("{}/api/v1/conversations/{number}", app.base_url))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let resolved = patch(2, json!({ "status": "resolved" })).await.unwrap();
    assert_eq!(resolved.status(), 200);
    // Reopening and assigning a resolved ticket in one call works: the
    // reopen happens first.
    let reopened: Value = patch(
        2,
        json!({ "status": "open", "assignee_email": "agent@demo.ponte.dev" }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(reopened["assignee_name"], "Alice Atendente");
    assert_eq!(
        reopened["status"], "in_progress",
        "assigned, so in progress"
    );

    // A change that fails part-way changes nothing.
    let before: Value = client
        .get(format!("{}/api/v1/conversations/2", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused = patch(2, json!({ "priority": "urgent", "status": "bot" }))
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let after: Value = client
        .get(format!("{}/api/v1/conversations/2", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["priority"], before["priority"], "the priority stayed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_and_server_functions_refuse_the_same_page_sizes() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let token = demo_token(&app, "supervisor@demo.ponte.dev").await;
    let supervisor = app
        .signed_in("supervisor@demo.ponte.dev", "ponte-demo-2026")
        .await;
    for limit in [0u32, 101] {
        let rest = app
            .plain_client()
            .get(format!(
                "{}/api/v1/conversations?limit={limit}",
                app.base_url
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(rest.status(), 422, "REST limit {limit}");
        let server_fn = supervisor
            .call_json(
                "list_conversations",
                &json!({ "filter": { "limit": limit } }),
            )
            .await;
        assert_eq!(server_fn.status, 422, "server function limit {limit}");
        assert_eq!(
            server_fn.error().field_code("limit"),
            Some(shared::ErrorCode::NumberInvalid)
        );
    }
    let fine = supervisor
        .call_json("list_conversations", &json!({ "filter": { "limit": 100 } }))
        .await;
    assert_eq!(fine.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_stops_when_its_owner_loses_the_api_or_it_expires() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let token = demo_token(&app, "agent@demo.ponte.dev").await;
    let me = |token: String| {
        let client = app.plain_client();
        let url = format!("{}/api/v1/me", app.base_url);
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(me(token.clone()).await, 200);
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let agent_id = demo.users[2].1.to_string();
    let demoted = admin
        .call(
            "change_member_role",
            &[("user_id", &agent_id), ("role", "auditor")],
        )
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.body);
    assert_eq!(me(token.clone()).await, 401, "auditors may not use the API");
    admin
        .call(
            "change_member_role",
            &[("user_id", &agent_id), ("role", "agent")],
        )
        .await;
    assert_eq!(me(token.clone()).await, 200, "allowed again with the role");

    let browser = app
        .signed_in("agent@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let expiring: shared::accounts::NewApiToken = browser
        .call(
            "create_api_token",
            &[("name", "temporário"), ("expires_in_days", "30")],
        )
        .await
        .json();
    assert!(expiring.info.expires_at.is_some());
    assert_eq!(me(expiring.token.clone()).await, 200);
    sqlx::query("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1")
        .bind(expiring.info.id)
        .execute(&app.database.owner)
        .await
        .unwrap();
    assert_eq!(me(expiring.token).await, 401, "an expired token is refused");
    let invalid = browser
        .call(
            "create_api_token",
            &[("name", "eterno"), ("expires_in_days", "99999")],
        )
        .await;
    assert_eq!(invalid.status, 422);
}
