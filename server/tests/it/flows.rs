//! Automation flows over REST: drafts validated with problems that point at
//! blocks, publishing immutable versions, admins only, one account's flows
//! invisible to another.

use serde_json::{json, Value};
use shared::Role;

use crate::helpers::{spawn_app, TestApp};

/// The demo flow of docs/FLOWS.md (the same document).
fn documented_flow() -> Value {
    let docs = include_str!("../../../docs/FLOWS.md");
    let start = docs.find("```json\n").unwrap() + "```json\n".len();
    let end = start + docs[start..].find("\n```").unwrap();
    serde_json::from_str(&docs[start..end]).unwrap()
}

struct Rest<'a> {
    app: &'a TestApp,
    token: String,
}

impl Rest<'_> {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .app
            .plain_client()
            .request(method, format!("{}/api/v1/{path}", self.app.base_url))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

async fn token_of(app: &TestApp, actor: &domain::Actor) -> String {
    domain::api_tokens::create(&app.database.db, actor, "fluxos", None)
        .await
        .unwrap()
        .token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_validated_published_and_versions_never_change() {
    use reqwest::Method;
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let admin = Rest {
        app: &app,
        token: token_of(&app, &demo.actor(Role::GlobalAdmin)).await,
    };
    let (status, created) = admin
        .send(
            Method::POST,
            "flows",
            Some(json!({ "name": "Boas-vindas" })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["live_version"], Value::Null);
    let id = created["id"].as_i64().unwrap();
    let (_, starter) = admin
        .send(Method::GET, &format!("flows/{id}/draft"), None)
        .await;
    assert_eq!(
        starter["blocks"][0]["trigger"]["kind"], "manual",
        "{starter}"
    );

    // An invalid draft: 422 with problems pointing at the block.
    let mut broken = documented_flow();
    broken["edges"].as_array_mut().unwrap().remove(2);
    let (status, refused) = admin
        .send(Method::PUT, &format!("flows/{id}/draft"), Some(broken))
        .await;
    assert_eq!(status, 422);
    assert_eq!(refused["error"], "flow_invalid");
    let problems = refused["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["block"] == "menu"
            && p["code"] == "output_unconnected"
            && p["detail"] == "vendas"),
        "{refused}"
    );
    let (_, still) = admin
        .send(Method::GET, &format!("flows/{id}/draft"), None)
        .await;
    assert_eq!(still, starter, "a refused draft is not stored");
    let (status, _) = admin
        .send(
            Method::PUT,
            &format!("flows/{id}/draft"),
            Some(json!({ "schema": 1, "nodes": [] })),
        )
        .await;
    assert_eq!(status, 422, "not a flow at all");
    // A pattern that does not compile is caught by the server.
    let mut bad_pattern = documented_flow();
    bad_pattern["blocks"].as_array_mut().unwrap().push(json!({
        "id": "filtro", "type": "condition",
        "branches": [{ "id": "pedido", "rules": [
            { "left": { "var": "message.text" }, "op": "matches", "right": { "text": "pedido (" } }] }]
    }));
    bad_pattern["edges"][0]["to"] = json!("filtro");
    bad_pattern["edges"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "from": "filtro", "output": "pedido", "to": "ola" }));
    let (status, refused) = admin
        .send(Method::PUT, &format!("flows/{id}/draft"), Some(bad_pattern))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        refused["problems"],
        json!([{ "block": "filtro", "code": "rule_invalid", "detail": "pedido" }])
    );

    let (status, _) = admin
        .send(
            Method::PUT,
            &format!("flows/{id}/draft"),
            Some(documented_flow()),
        )
        .await;
    assert_eq!(status, 200);
    let (status, first) = admin
        .send(Method::POST, &format!("flows/{id}/publish"), None)
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["version"], 1);
    assert_eq!(first["live"], true);
    assert_eq!(first["published_by"], "Ana Admin");
    let (_, listed) = admin.send(Method::GET, "flows", None).await;
    let listed = &listed.as_array().unwrap()[0];
    assert_eq!(listed["live_version"], 1);
    assert_eq!(listed["unpublished_changes"], false);

    // A new draft changes nothing live until published.
    let mut second = documented_flow();
    second["blocks"][1]["text"] = json!("Oi, {{contact.name}}!");
    admin
        .send(Method::PUT, &format!("flows/{id}/draft"), Some(second))
        .await;
    let (_, shown) = admin.send(Method::GET, &format!("flows/{id}"), None).await;
    assert_eq!(shown["live_version"], 1);
    assert_eq!(shown["unpublished_changes"], true);
    admin
        .send(Method::POST, &format!("flows/{id}/publish"), None)
        .await;
    let (_, versions) = admin
        .send(Method::GET, &format!("flows/{id}/versions"), None)
        .await;
    let versions: Vec<(i64, bool)> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["live"].as_bool().unwrap()))
        .collect();
    assert_eq!(versions, [(2, true), (1, false)]);

    // Published versions are immutable, even to the application's own role.
    let mut tx = app.database.db.tenant(demo.account_id, None).await.unwrap();
    let changed = sqlx::query("UPDATE flow_versions SET definition = '{}' WHERE flow_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await;
    assert!(changed.is_err(), "no UPDATE on published versions");
    drop(tx);
    let audited: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE target_type = 'flow' ORDER BY id")
            .fetch_all(&app.database.owner)
            .await
            .unwrap();
    assert_eq!(
        audited,
        ["flow_created", "flow_published", "flow_published"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_manage_flows_and_accounts_never_see_each_others() {
    use reqwest::Method;
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let admin = Rest {
        app: &app,
        token: token_of(&app, &demo.actor(Role::GlobalAdmin)).await,
    };
    let (status, created) = admin
        .send(
            Method::POST,
            "flows",
            Some(json!({ "name": "Triagem", "definition": documented_flow() })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, taken) = admin
        .send(Method::POST, "flows", Some(json!({ "name": "triagem" })))
        .await;
    assert_eq!(status, 422);
    assert_eq!(taken["fields"][0]["code"], "name_taken", "{taken}");

    for role in [Role::Supervisor, Role::Agent] {
        let other = Rest {
            app: &app,
            token: token_of(&app, &demo.actor(role)).await,
        };
        let (status, _) = other.send(Method::GET, "flows", None).await;
        assert_eq!(status, 403, "{role:?}");
        let (status, _) = other
            .send(Method::POST, &format!("flows/{id}/publish"), None)
            .await;
        assert_eq!(status, 403, "{role:?}");
    }

    let elsewhere = domain::seed::demo_with(&app.database.owner, &app.database.db, "outra")
        .await
        .unwrap();
    let stranger = Rest {
        app: &app,
        token: token_of(&app, &elsewhere.actor(Role::GlobalAdmin)).await,
    };
    let (_, theirs) = stranger.send(Method::GET, "flows", None).await;
    assert_eq!(theirs, json!([]));
    for path in [
        format!("flows/{id}"),
        format!("flows/{id}/draft"),
        format!("flows/{id}/versions"),
    ] {
        let (status, _) = stranger.send(Method::GET, &path, None).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = stranger
        .send(Method::POST, &format!("flows/{id}/publish"), None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = stranger
        .send(Method::DELETE, &format!("flows/{id}"), None)
        .await;
    assert_eq!(status, 404);
    // Positive control: the owner removes it.
    let (status, _) = admin
        .send(Method::DELETE, &format!("flows/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = admin.send(Method::GET, &format!("flows/{id}"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_allow_list_and_an_agents_manual_start_over_rest() {
    use reqwest::Method;
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let admin = Rest {
        app: &app,
        token: token_of(&app, &demo.actor(Role::GlobalAdmin)).await,
    };
    let agent = Rest {
        app: &app,
        token: token_of(&app, &demo.actor(Role::Agent)).await,
    };

    // The allow-list: hosts only, cleaned, audited; agents may not.
    let (status, refused) = admin
        .send(
            Method::PUT,
            "flows/http-allowlist",
            Some(json!({ "hosts": ["erp.intranet", "http://x/y"] })),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let (status, saved) = admin
        .send(
            Method::PUT,
            "flows/http-allowlist",
            Some(json!({ "hosts": [" ERP.intranet ", "10.0.0.8", "erp.intranet"] })),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved, json!({ "hosts": ["erp.intranet", "10.0.0.8"] }));
    let (_, shown) = admin.send(Method::GET, "flows/http-allowlist", None).await;
    assert_eq!(shown, saved);
    let (status, _) = agent.send(Method::GET, "flows/http-allowlist", None).await;
    assert_eq!(status, 403);
    // What is allow-listed may be plain http in a flow.
    let plain = json!({
        "schema": 1, "variables": [],
        "blocks": [
            {"id": "inicio", "type": "start", "trigger": {"kind": "manual"}},
            {"id": "erp", "type": "http", "method": "GET", "url": "http://erp.intranet/clientes"},
            {"id": "fim", "type": "end"}
        ],
        "edges": [{"from": "inicio", "to": "erp"}, {"from": "erp", "to": "fim"}]
    });
    let (status, created) = admin
        .send(
            Method::POST,
            "flows",
            Some(json!({ "name": "ERP", "definition": plain })),
        )
        .await;
    assert_eq!(status, 201, "{created}");

    // A manual start: the agent's open conversation follows the flow.
    let greeter = json!({
        "schema": 1, "variables": [],
        "blocks": [
            {"id": "inicio", "type": "start", "trigger": {"kind": "manual"}},
            {"id": "ola", "type": "send_text", "text": "Olá! Sou o assistente."},
            {"id": "espera", "type": "wait_for_reply", "timeout_seconds": 600},
            {"id": "fim", "type": "end"}
        ],
        "edges": [
            {"from": "inicio", "to": "ola"}, {"from": "ola", "to": "espera"}, {"from": "espera", "to": "fim"}
        ]
    });
    let (_, flow) = admin
        .send(
            Method::POST,
            "flows",
            Some(json!({ "name": "Saudação", "definition": greeter })),
        )
        .await;
    let flow_id = flow["id"].as_i64().unwrap();
    let number: i64 = sqlx::query_scalar(
        "SELECT number FROM conversations WHERE account_id = $1 AND status = 'open' ORDER BY id LIMIT 1",
    )
    .bind(demo.account_id)
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    let path = format!("conversations/{number}/flow");
    let (status, refused) = agent
        .send(Method::POST, &path, Some(json!({ "flow_id": flow_id })))
        .await;
    assert_eq!(status, 422, "not published yet: {refused}");
    admin
        .send(Method::POST, &format!("flows/{flow_id}/publish"), None)
        .await;
    let (status, body) = agent
        .send(Method::POST, &path, Some(json!({ "flow_id": flow_id })))
        .await;
    assert_eq!(status, 202, "{body}");
    let (status, conversation) = agent
        .send(Method::GET, &format!("conversations/{number}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(conversation["status"], "bot", "{conversation}");
    let said: Vec<String> = sqlx::query_scalar(
        "SELECT m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.account_id = $1 AND c.number = $2 AND m.kind = 'outgoing' ORDER BY m.id DESC LIMIT 1",
    )
    .bind(demo.account_id)
    .bind(number)
    .fetch_all(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(said, ["Olá! Sou o assistente."]);

    // A resolved conversation cannot start one.
    let (status, _) = agent
        .send(
            Method::PATCH,
            &format!("conversations/{number}"),
            Some(json!({ "status": "resolved" })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, refused) = agent
        .send(Method::POST, &path, Some(json!({ "flow_id": flow_id })))
        .await;
    assert_eq!(status, 409, "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_chat_lets_a_replys_deadline_pass_into_the_timeout_way() {
    use domain::flows::builder::{simulate, TestInput};
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let admin = demo.actor(Role::GlobalAdmin);
    let at = |x: i32, y: i32| json!({ "x": x, "y": y });
    let flow: shared::flows::FlowDefinition = serde_json::from_value(json!({
        "schema": 1, "variables": ["resposta"],
        "blocks": [
            {"id": "inicio", "type": "start", "position": at(0, 0), "trigger": {"kind": "manual"}},
            {"id": "espera", "type": "wait_for_reply", "position": at(0, 100), "variable": "resposta", "timeout_seconds": 600},
            {"id": "obrigado", "type": "send_text", "position": at(-100, 200), "text": "Obrigado: {{resposta}}"},
            {"id": "sumiu", "type": "send_text", "position": at(100, 200), "text": "Ainda está aí?"},
            {"id": "fim", "type": "end", "position": at(0, 300)}
        ],
        "edges": [
            {"from": "inicio", "to": "espera"},
            {"from": "espera", "to": "obrigado"},
            {"from": "espera", "output": "timeout", "to": "sumiu"},
            {"from": "obrigado", "to": "fim"},
            {"from": "sumiu", "to": "fim"}
        ]
    }))
    .unwrap();
    let db = &app.database.db;
    let vault = crate::helpers::test_vault();
    let reach = domain::ai::providers::Reach {
        vault: &vault,
        allow_private_targets: false,
    };
    let started = simulate(db, reach, &admin, &flow, None, TestInput::Start)
        .await
        .unwrap();
    assert!(
        started.reply_deadline,
        "waiting for a reply, with a deadline"
    );

    let answered = simulate(
        db,
        reach,
        &admin,
        &flow,
        Some(started.state.clone()),
        TestInput::Wrote("aqui"),
    )
    .await
    .unwrap();
    assert_eq!(answered.said, ["Obrigado: aqui"], "positive control");

    let silent = simulate(
        db,
        reach,
        &admin,
        &flow,
        Some(started.state),
        TestInput::TimeRunsOut,
    )
    .await
    .unwrap();
    assert_eq!(silent.said, ["Ainda está aí?"]);
    assert_eq!(silent.path, ["inicio", "espera", "sumiu", "fim"]);
    assert!(!silent.reply_deadline);
}
