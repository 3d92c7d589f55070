//! The account's AI providers against a local server speaking OpenAI's
//! chat-completions format and its error shapes: managed over REST with
//! keys never echoed, tested, counted; the summary and the quality review
//! use the default provider and fall back to the offline engine when it
//! times out or answers nonsense; another account sees none of it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use reqwest::Method;
use serde_json::{json, Value};

use crate::channels::{admin_token, api};
use crate::helpers::{eventually, spawn_app, TestApp};

/// How the mock answers the next calls.
#[derive(Clone)]
pub(crate) enum Behaviour {
    Answer(String),
    /// OpenAI's answer to a wrong key.
    WrongKey,
    /// An overloaded server: 500 every time.
    Failing,
}

/// A request the mock received: its `Authorization` header and body.
pub(crate) type Received = (Option<String>, Value);

#[derive(Clone)]
pub(crate) struct MockLlm {
    pub(crate) base_url: String,
    behaviour: Arc<Mutex<Behaviour>>,
    delay_ms: Arc<AtomicU64>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl MockLlm {
    pub(crate) async fn start() -> Self {
        let mock = MockLlm {
            base_url: String::new(),
            behaviour: Arc::new(Mutex::new(Behaviour::Answer("OK".into()))),
            delay_ms: Arc::new(AtomicU64::new(0)),
            received: Arc::default(),
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(mock.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        MockLlm { base_url, ..mock }
    }

    pub(crate) fn behave(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The body of the latest request whose system prompt starts so.
    pub(crate) fn asked(&self, system_prompt_start: &str) -> Option<Value> {
        self.received()
            .into_iter()
            .map(|(_, body)| body)
            .rfind(|body| {
                body["messages"][0]["content"]
                    .as_str()
                    .is_some_and(|system| system.starts_with(system_prompt_start))
            })
    }
}

async fn complete(
    State(mock): State<MockLlm>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> impl IntoResponse {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    mock.received
        .lock()
        .unwrap()
        .push((authorization, body.clone()));
    tokio::time::sleep(Duration::from_millis(mock.delay_ms.load(Ordering::SeqCst))).await;
    let behaviour = mock.behaviour.lock().unwrap().clone();
    match behaviour {
        Behaviour::Answer(text) => (
            StatusCode::OK,
            Json(json!({
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": format!("{}-2026", body["model"].as_str().unwrap_or_default()),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 40, "completion_tokens": 7, "total_tokens": 47},
            })),
        ),
        Behaviour::WrongKey => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {
                "message": "Incorrect API key provided: sk-wr***ng.",
                "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})),
        ),
        Behaviour::Failing => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": {"message": "The server had an error", "type": "server_error"}})),
        ),
    }
}

pub(crate) async fn add_provider(
    app: &TestApp,
    token: &str,
    mock: &MockLlm,
    extra: Value,
) -> Value {
    let mut body = json!({
        "name": "Ollama local",
        "base_url": mock.base_url,
        "model": "llama3.2",
        "api_key": "sk-test-123",
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let (status, created) = api(app, token, Method::POST, "/ai/providers", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created
}

#[tokio::test]
async fn admins_manage_providers_whose_keys_never_come_back() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let mock = MockLlm::start().await;

    let (status, body) = api(
        &app,
        &token,
        Method::POST,
        "/ai/providers",
        Some(json!({"name": " ", "base_url": "ftp://x", "model": "m", "timeout_ms": 10})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "base_url", "timeout_ms"], "{body}");

    // The first provider becomes the default; its key is not echoed.
    let first = add_provider(&app, &token, &mock, json!({})).await;
    assert_eq!(first["is_default"], true);
    assert_eq!(first["has_api_key"], true);
    assert!(!first.to_string().contains("sk-test-123"));
    let (_, listed) = api(&app, &token, Method::GET, "/ai/providers", None).await;
    assert!(!listed.to_string().contains("sk-test-123"), "{listed}");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT api_key FROM ai_providers")
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("sk-test-123"));

    let (status, body) = api(
        &app,
        &token,
        Method::POST,
        "/ai/providers",
        Some(json!({"name": "OLLAMA LOCAL", "base_url": mock.base_url, "model": "x"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"][0]["code"], "name_taken", "{body}");

    // A second default takes the place of the first.
    let second = add_provider(
        &app,
        &token,
        &mock,
        json!({"name": "OpenAI", "is_default": true}),
    )
    .await;
    assert_eq!(second["is_default"], true);
    let first_path = format!("/ai/providers/{}", first["id"]);
    let (_, first_now) = api(&app, &token, Method::GET, &first_path, None).await;
    assert_eq!(first_now["is_default"], false);

    // A patch changes what it names; an empty key removes the saved one.
    let (status, patched) = api(
        &app,
        &token,
        Method::PATCH,
        &first_path,
        Some(json!({"model": "qwen2.5", "api_key": ""})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["model"], "qwen2.5");
    assert_eq!(patched["name"], "Ollama local");
    assert_eq!(patched["has_api_key"], false);

    // Agents may not; other accounts see nothing.
    let agent = app.demo_token("agent@demo.ponte.dev").await;
    let (status, _) = api(&app, &agent, Method::GET, "/ai/providers", None).await;
    assert_eq!(status, 403);
    let outsider = admin_token(&app).await;
    let (status, theirs) = api(&app, &outsider, Method::GET, "/ai/providers", None).await;
    assert_eq!((status, theirs), (200, json!([])));
    let (status, _) = api(&app, &outsider, Method::GET, &first_path, None).await;
    assert_eq!(status, 404);
    let (status, _) = api(&app, &outsider, Method::DELETE, &first_path, None).await;
    assert_eq!(status, 404);

    let (status, _) = api(&app, &token, Method::DELETE, &first_path, None).await;
    assert_eq!(status, 204);
    let (status, _) = api(&app, &token, Method::GET, &first_path, None).await;
    assert_eq!(status, 404);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE details->>'section' = 'ai_providers'",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(audited, 4, "two created, one changed, one removed");
}

#[tokio::test]
async fn testing_a_connection_tells_what_the_provider_said_and_calls_are_counted() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let mock = MockLlm::start().await;
    let provider = add_provider(&app, &token, &mock, json!({})).await;
    let test_path = format!("/ai/providers/{}/test", provider["id"]);

    let (status, check) = api(&app, &token, Method::POST, &test_path, None).await;
    assert_eq!(status, 200, "{check}");
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["model"], "llama3.2-2026");
    let (authorization, body) = mock.received().pop().unwrap();
    assert_eq!(authorization.as_deref(), Some("Bearer sk-test-123"));
    assert_eq!(body["model"], "llama3.2");
    assert_eq!(body["max_tokens"], 16);
    assert_eq!(body["messages"][0]["role"], "user");

    // A wrong key is said in the provider's words, and not retried.
    mock.behave(Behaviour::WrongKey);
    let before = mock.received().len();
    let (_, check) = api(&app, &token, Method::POST, &test_path, None).await;
    assert_eq!(check["ok"], false);
    let error = check["error"].as_str().unwrap();
    assert!(error.contains("HTTP 401"), "{error}");
    assert!(error.contains("Incorrect API key provided"), "{error}");
    assert_eq!(mock.received().len(), before + 1);

    // A server error is tried once more.
    mock.behave(Behaviour::Failing);
    let before = mock.received().len();
    let (_, check) = api(&app, &token, Method::POST, &test_path, None).await;
    assert_eq!(check["ok"], false);
    assert_eq!(mock.received().len(), before + 2);

    let (status, usage) = api(&app, &token, Method::GET, "/ai/usage", None).await;
    assert_eq!(status, 200, "{usage}");
    assert_eq!(usage["days"], 30);
    let row = &usage["providers"][0];
    assert_eq!(row["provider_name"], "Ollama local");
    assert_eq!(row["calls"], 3);
    assert_eq!(row["failures"], 2);
    assert_eq!(row["prompt_tokens"], 40);
    assert_eq!(row["completion_tokens"], 7);
    let outsider = admin_token(&app).await;
    let (_, theirs) = api(&app, &outsider, Method::GET, "/ai/usage", None).await;
    assert_eq!(theirs["providers"], json!([]));

    // A removed provider's calls stay counted, without its name.
    let path = format!("/ai/providers/{}", provider["id"]);
    let (status, _) = api(&app, &token, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (_, usage) = api(&app, &token, Method::GET, "/ai/usage", None).await;
    assert_eq!(usage["providers"][0]["provider_name"], Value::Null);
    assert_eq!(usage["providers"][0]["calls"], 3);
}

/// A conversation where the customer asked and an agent answered.
async fn answered_conversation(app: &TestApp, channel: &str, token: &str, question: &str) -> i64 {
    let visitor = app.visitor(channel).await;
    app.visitor_says(channel, &visitor, question).await;
    let number: i64 = sqlx::query_scalar(
        "SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.kind = 'incoming' ORDER BY m.id DESC LIMIT 1",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    let (status, _) = api(
        app,
        token,
        Method::POST,
        &format!("/conversations/{number}/messages"),
        Some(json!({ "content": "O prazo é de 5 dias úteis." })),
    )
    .await;
    assert_eq!(status, 201);
    number
}

#[tokio::test]
async fn summaries_come_from_the_provider_and_from_the_offline_engine_when_it_times_out() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let mock = MockLlm::start().await;
    let number = answered_conversation(
        &app,
        &channel,
        &token,
        "Qual o prazo de entrega para Recife?",
    )
    .await;
    let path = format!("/conversations/{number}/summary");

    // No provider: the offline engine.
    let (status, offline) = api(&app, &token, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{offline}");
    assert_eq!(offline["provider"], Value::Null);
    assert!(offline["text"]
        .as_str()
        .unwrap()
        .contains("Qual o prazo de entrega para Recife?"));

    mock.behave(Behaviour::Answer(
        "O cliente perguntou o prazo para Recife; a loja respondeu 5 dias úteis.".into(),
    ));
    let provider = add_provider(&app, &token, &mock, json!({"timeout_ms": 1000})).await;
    let (_, summary) = api(&app, &token, Method::GET, &path, None).await;
    assert_eq!(summary["provider"], "Ollama local", "{summary}");
    assert_eq!(
        summary["text"],
        "O cliente perguntou o prazo para Recife; a loja respondeu 5 dias úteis."
    );
    let (_, asked) = mock.received().pop().unwrap();
    assert!(asked["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("Brazilian Portuguese"));
    let transcript = asked["messages"][1]["content"].as_str().unwrap();
    assert!(transcript.contains("Customer: Qual o prazo de entrega para Recife?"));
    assert!(transcript.contains("Agent: O prazo é de 5 dias úteis."));
    let (_, english) = api(
        &app,
        &token,
        Method::GET,
        &format!("{path}?locale=en"),
        None,
    )
    .await;
    assert_eq!(english["provider"], "Ollama local");
    let (_, asked) = mock.received().pop().unwrap();
    assert!(asked["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("English"));

    // Slower than its timeout, twice: the offline engine answers.
    mock.delay_ms.store(1_500, Ordering::SeqCst);
    let (_, fallback) = api(&app, &token, Method::GET, &path, None).await;
    assert_eq!(fallback["provider"], Value::Null, "{fallback}");
    assert_eq!(fallback["text"], offline["text"]);
    let (attempts, error): (i16, String) =
        sqlx::query_as("SELECT attempts, error FROM ai_calls WHERE provider_id = $1 AND NOT ok")
            .bind(provider["id"].as_i64().unwrap())
            .fetch_one(&app.database.owner)
            .await
            .unwrap();
    assert_eq!(attempts, 2);
    assert_eq!(error, "no answer within 1000 ms");
    let purposes: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT purpose FROM ai_calls ORDER BY 1")
            .fetch_all(&app.database.owner)
            .await
            .unwrap();
    assert_eq!(purposes, ["summary"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_reviews_resolutions_unless_its_review_is_unreadable() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let mock = MockLlm::start().await;
    let provider = add_provider(&app, &token, &mock, json!({})).await;
    mock.behave(Behaviour::Answer(
        "```json\n{\"score\": 3.5, \"justification\": \"A resposta demorou e não resolveu.\", \
         \"summary\": \"Prazo para Recife.\"}\n```"
            .into(),
    ));
    let resolve_and_read = |number: i64| {
        let (app, token) = (&app, &token);
        async move {
            let path = format!("/conversations/{number}");
            let (status, body) = api(
                app,
                token,
                Method::PATCH,
                &path,
                Some(json!({ "status": "resolved" })),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            eventually("the resolution is reviewed", || async {
                api(app, token, Method::GET, &path, None).await.1["ai_score"].is_number()
            })
            .await;
            api(app, token, Method::GET, &path, None).await.1
        }
    };

    let judged = answered_conversation(
        &app,
        &channel,
        &token,
        "Qual o prazo de entrega para Recife?",
    )
    .await;
    let reviewed = resolve_and_read(judged).await;
    assert_eq!(reviewed["ai_score"], 3.5, "{reviewed}");
    assert_eq!(
        reviewed["ai_justification"],
        "A resposta demorou e não resolveu."
    );
    assert_eq!(reviewed["ai_summary"], "Prazo para Recife.");
    assert_eq!(reviewed["critical"], true, "under the threshold of 7");
    let (_, asked) = mock.received().pop().unwrap();
    assert!(asked["messages"][1]["content"]
        .as_str()
        .unwrap()
        .contains("Measured: first response after 0 minutes"));

    // Nonsense from the provider: the offline engine's review stands (the
    // same conversation scores 7.5 offline).
    mock.behave(Behaviour::Answer("Desculpe, não posso avaliar.".into()));
    let offline = answered_conversation(
        &app,
        &channel,
        &token,
        "Qual o prazo de entrega para Recife?",
    )
    .await;
    let reviewed = resolve_and_read(offline).await;
    assert_eq!(reviewed["ai_score"], 7.5, "{reviewed}");
    assert_eq!(reviewed["critical"], false);
    let reviewers: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.number, r.provider_id FROM quality_reviews r
           JOIN conversations c ON c.id = r.conversation_id
          WHERE c.number = ANY($1) ORDER BY c.number",
    )
    .bind(vec![judged, offline])
    .fetch_all(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(
        reviewers,
        [(judged, provider["id"].as_i64()), (offline, None)]
    );
}

#[tokio::test]
async fn a_provider_that_keeps_failing_rings_the_admins_bells_once_per_incident() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let agent_token = app.demo_token("agent@demo.ponte.dev").await;
    let mock = MockLlm::start().await;
    let number = answered_conversation(&app, &channel, &token, "Vocês entregam em Recife?").await;
    // The demo's resolutions reviewed offline first: only our calls count.
    eventually("the demo's reviews are done", || async {
        let pending: i64 =
            sqlx::query_scalar("SELECT count(*) FROM quality_reviews WHERE reviewed_at IS NULL")
                .fetch_one(&app.database.owner)
                .await
                .unwrap();
        pending == 0
    })
    .await;
    add_provider(&app, &token, &mock, json!({})).await;
    let summarize = || async {
        let path = format!("/conversations/{number}/summary");
        let (status, summary) = api(&app, &token, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{summary}");
        summary
    };
    let alerts = |token: String| {
        let app = &app;
        async move {
            let (status, bell) = api(app, &token, Method::GET, "/notifications", None).await;
            assert_eq!(status, 200, "{bell}");
            bell.as_array()
                .unwrap()
                .iter()
                .filter(|n| n["kind"] == "ai_provider_failing")
                .cloned()
                .collect::<Vec<Value>>()
        }
    };

    // Two failures, and a failed test connection: not yet.
    mock.behave(Behaviour::Failing);
    for _ in 0..2 {
        assert_eq!(summarize().await["provider"], Value::Null);
    }
    let provider_id = mock_provider_id(&app).await;
    let (_, check) = api(
        &app,
        &token,
        Method::POST,
        &format!("/ai/providers/{provider_id}/test"),
        None,
    )
    .await;
    assert_eq!(check["ok"], false);
    assert!(alerts(token.clone()).await.is_empty());

    // The third in a row alerts the admins, once however long it lasts.
    summarize().await;
    summarize().await;
    let bell = alerts(token.clone()).await;
    assert_eq!(bell.len(), 1, "{bell:?}");
    assert_eq!(bell[0]["path"], "/settings/productivity");
    let excerpt = bell[0]["excerpt"].as_str().unwrap();
    assert!(
        excerpt.starts_with("Ollama local: HTTP 500: The server had an error"),
        "{excerpt}"
    );
    assert!(alerts(agent_token.clone()).await.is_empty(), "only admins");

    // It answers again: the incident ends, and the next one alerts again.
    mock.behave(Behaviour::Answer("Resumo.".into()));
    assert_eq!(summarize().await["provider"], "Ollama local");
    mock.behave(Behaviour::Failing);
    for _ in 0..3 {
        summarize().await;
    }
    assert_eq!(alerts(token.clone()).await.len(), 2);
}

async fn mock_provider_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM ai_providers WHERE name = 'Ollama local'")
        .fetch_one(&app.database.owner)
        .await
        .unwrap()
}
