//! Flows running in conversations, end to end through the website widget:
//! a new conversation follows the live flow and is handed to the chosen
//! department; a run resumes on another server; a reply that never comes
//! takes the timeout branch; a running conversation keeps its version; an
//! agent who replies takes over; an HTTP block reads an allow-listed
//! server.

use serde_json::{json, Value};
use shared::flows::FlowDefinition;
use shared::Role;
use sqlx::PgPool;

use crate::helpers::{eventually, TestApp};

pub(crate) struct Demo {
    pub(crate) app: TestApp,
    pub(crate) demo: domain::seed::DemoAccount,
    pub(crate) channel: String,
    pub(crate) channel_id: i64,
}

pub(crate) async fn demo() -> Demo {
    let app = crate::helpers::spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let channel_id: i64 = sqlx::query_scalar("SELECT id FROM channels WHERE public_token = $1")
        .bind(&channel)
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    // The demo's own flows out of the way: these tests start their own.
    let admin = demo.actor(Role::GlobalAdmin);
    for flow in domain::flows::list(&app.database.db, &admin).await.unwrap() {
        domain::flows::remove(&app.database.db, &admin, flow.id)
            .await
            .unwrap();
    }
    Demo {
        app,
        demo,
        channel,
        channel_id,
    }
}

impl Demo {
    pub(crate) fn admin(&self) -> domain::Actor {
        self.demo.actor(Role::GlobalAdmin)
    }

    pub(crate) async fn department(&self, name: &str) -> i64 {
        let admin = self.admin();
        let existing = domain::departments::list(&self.app.database.db, &admin)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.name == name);
        match existing {
            Some(department) => department.id,
            None => {
                domain::departments::create(&self.app.database.db, &admin, name)
                    .await
                    .unwrap()
                    .id
            }
        }
    }

    /// Creates and publishes a flow; returns its id.
    pub(crate) async fn publish(&self, name: &str, definition: Value) -> i64 {
        let admin = self.admin();
        let definition: FlowDefinition = serde_json::from_value(definition).unwrap();
        let flow = domain::flows::create(&self.app.database.db, &admin, name, Some(&definition))
            .await
            .unwrap();
        domain::flows::publish(&self.app.database.db, &admin, flow.id)
            .await
            .unwrap();
        flow.id
    }

    async fn republish(&self, id: i64, definition: Value) {
        let admin = self.admin();
        let definition: FlowDefinition = serde_json::from_value(definition).unwrap();
        domain::flows::save_draft(
            &self.app.database.db,
            &admin,
            id,
            &definition,
            domain::flows::DraftSave::OnlyValid,
        )
        .await
        .unwrap();
        domain::flows::publish(&self.app.database.db, &admin, id)
            .await
            .unwrap();
    }

    /// A new visitor's first message; returns the visitor and the
    /// conversation's id.
    pub(crate) async fn new_customer(&self, body: &str) -> (String, i64) {
        let visitor = self.app.visitor(&self.channel).await;
        let message = self.app.visitor_says(&self.channel, &visitor, body).await;
        let conversation =
            conversation_of(&self.app.database.owner, message["id"].as_i64().unwrap()).await;
        (visitor, conversation)
    }

    /// What the customer reads from the company, in order (their widget's
    /// history).
    pub(crate) async fn customer_reads(&self, visitor: &str) -> Vec<String> {
        customer_reads_at(&self.app.base_url, &self.app, &self.channel, visitor).await
    }

    pub(crate) async fn status_of(
        &self,
        conversation: i64,
    ) -> (String, Option<i64>, Option<uuid::Uuid>) {
        sqlx::query_as("SELECT status, department_id, assignee_id FROM conversations WHERE id = $1")
            .bind(conversation)
            .fetch_one(&self.app.database.owner)
            .await
            .unwrap()
    }

    /// Makes `people` the department's members.
    async fn staff(&self, department: i64, people: &[uuid::Uuid]) {
        let db = &self.app.database.db;
        let admin = self.admin();
        let current = domain::departments::get(db, &admin, department)
            .await
            .unwrap();
        let mut form = shared::departments::DepartmentForm::from_department(&current);
        form.members = people
            .iter()
            .map(|&user_id| shared::departments::DepartmentMember {
                user_id,
                max_conversations: 5,
            })
            .collect();
        domain::departments::save(db, &admin, Some(department), &form)
            .await
            .unwrap();
    }

    /// The flow handoffs in this person's bell: (conversation number, excerpt).
    async fn handoffs_heard_by(&self, role: Role) -> Vec<(Option<i64>, String)> {
        domain::notifications::list(&self.app.database.db, &self.demo.actor(role))
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.kind == shared::inbox::NotificationKind::FlowHandoff)
            .map(|n| (n.conversation_number, n.excerpt))
            .collect()
    }

    async fn flow_summary(&self, id: i64) -> shared::flows::FlowSummary {
        domain::flows::get(&self.app.database.db, &self.admin(), id)
            .await
            .unwrap()
    }
}

async fn customer_reads_at(
    base_url: &str,
    app: &TestApp,
    channel: &str,
    visitor: &str,
) -> Vec<String> {
    let session: Value = app
        .plain_client()
        .post(format!("{base_url}/widget/{channel}/session"))
        .header("origin", base_url)
        .json(&json!({ "visitor": visitor }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["direction"] == "outgoing")
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

async fn conversation_of(owner: &PgPool, message_id: i64) -> i64 {
    sqlx::query_scalar("SELECT conversation_id FROM messages WHERE id = $1")
        .bind(message_id)
        .fetch_one(owner)
        .await
        .unwrap()
}

pub(crate) fn at(x: i32, y: i32) -> Value {
    json!({ "x": x, "y": y })
}

/// Greeting, a menu "Vendas / Suporte", and the handoff to each.
fn reception(channel_id: i64, vendas: i64, suporte: i64) -> Value {
    json!({
        "schema": 1, "variables": [],
        "blocks": [
            {"id": "inicio", "type": "start", "position": at(0, 0),
             "trigger": {"kind": "new_conversation", "channel_ids": [channel_id]}},
            {"id": "ola", "type": "send_text", "position": at(0, 100), "text": "Olá! Eu sou o assistente."},
            {"id": "menu", "type": "menu", "position": at(0, 200), "text": "Com quem você quer falar?",
             "options": [{"id": "vendas", "label": "Vendas"}, {"id": "suporte", "label": "Suporte"}],
             "retry_message": "Responda 1 ou 2, por favor.", "max_retries": 2},
            {"id": "para_vendas", "type": "transfer", "position": at(-100, 300), "department_id": vendas},
            {"id": "para_suporte", "type": "transfer", "position": at(100, 300), "department_id": suporte}
        ],
        "edges": [
            {"from": "inicio", "to": "ola"},
            {"from": "ola", "to": "menu"},
            {"from": "menu", "output": "vendas", "to": "para_vendas"},
            {"from": "menu", "output": "suporte", "to": "para_suporte"}
        ]
    })
}

/// Asks an order number, then says what it noted (`said` first).
fn order_taker(said: &str) -> Value {
    json!({
        "schema": 1, "variables": ["pedido"],
        "blocks": [
            {"id": "inicio", "type": "start", "position": at(0, 0),
             "trigger": {"kind": "new_conversation"}},
            {"id": "numero", "type": "ask", "position": at(0, 100), "question": "Qual é o número do pedido?",
             "kind": "number", "variable": "pedido", "retry_message": "Só os números, por favor."},
            {"id": "anotado", "type": "send_text", "position": at(0, 200), "text": format!("{said} pedido {{{{pedido}}}} anotado.")},
            {"id": "fim", "type": "end", "position": at(0, 300)}
        ],
        "edges": [
            {"from": "inicio", "to": "numero"},
            {"from": "numero", "to": "anotado"},
            {"from": "anotado", "to": "fim"}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_conversation_follows_the_flow_and_is_handed_to_the_chosen_department() {
    let demo = demo().await;
    let vendas = demo.department("Vendas").await;
    let suporte = demo.department("Suporte").await;
    let alice = demo.demo.actor(Role::Agent).user_id;
    let sergio = demo.demo.actor(Role::Supervisor).user_id;
    demo.staff(suporte, &[alice]).await;
    demo.staff(vendas, &[sergio]).await;
    let flow = demo
        .publish("Recepção", reception(demo.channel_id, vendas, suporte))
        .await;

    let (visitor, conversation) = demo.new_customer("oi").await;
    assert_eq!(
        demo.customer_reads(&visitor).await,
        [
            "Olá! Eu sou o assistente.",
            "Com quem você quer falar?\n1 - Vendas\n2 - Suporte"
        ]
    );
    assert_eq!(demo.status_of(conversation).await.0, "bot");

    demo.app
        .visitor_says(&demo.channel, &visitor, "talvez")
        .await;
    assert_eq!(
        demo.customer_reads(&visitor).await.last().unwrap(),
        "Responda 1 ou 2, por favor.\n1 - Vendas\n2 - Suporte",
        "a wrong answer hears the retry message with the options"
    );
    assert_eq!(demo.status_of(conversation).await.0, "bot");
    assert_eq!(
        demo.handoffs_heard_by(Role::Agent).await,
        [],
        "nobody is called while the bot answers"
    );

    demo.app.visitor_says(&demo.channel, &visitor, "2").await;
    let (status, department, assignee) = demo.status_of(conversation).await;
    assert_eq!(
        (status.as_str(), department, assignee),
        ("open", Some(suporte), None)
    );
    let line: Value = sqlx::query_scalar(
        "SELECT activity FROM messages WHERE conversation_id = $1 AND kind = 'activity' ORDER BY id DESC LIMIT 1",
    )
    .bind(conversation)
    .fetch_one(&demo.app.database.owner)
    .await
    .unwrap();
    assert_eq!(line["to_department"], "Suporte", "{line}");
    assert_eq!(line["by"], "🤖 Recepção", "{line}");
    let number: i64 = sqlx::query_scalar("SELECT number FROM conversations WHERE id = $1")
        .bind(conversation)
        .fetch_one(&demo.app.database.owner)
        .await
        .unwrap();
    assert_eq!(
        demo.handoffs_heard_by(Role::Agent).await,
        [(Some(number), "2".to_string())],
        "Suporte's member hears of the handoff, with what the customer last said"
    );
    assert_eq!(
        demo.handoffs_heard_by(Role::Supervisor).await,
        [],
        "Vendas' member does not"
    );
    let summary = demo.flow_summary(flow).await;
    assert_eq!(
        (
            summary.runs.started,
            summary.runs.handed_off,
            summary.runs.running
        ),
        (1, 1, 0)
    );

    // Handed off, the conversation is the people's: another message
    // starts nothing and the bot says nothing more.
    let heard = demo.customer_reads(&visitor).await.len();
    demo.app.visitor_says(&demo.channel, &visitor, "alô?").await;
    assert_eq!(demo.customer_reads(&visitor).await.len(), heard);
    assert_eq!(demo.status_of(conversation).await.0, "open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_choose_department_step_offers_the_departments_and_hands_over_to_the_pick() {
    let demo = demo().await;
    let vendas = demo.department("Vendas").await;
    let suporte = demo.department("Suporte").await;
    let financeiro = demo.department("Financeiro").await;
    let flow = json!({
        "schema": 1, "variables": [],
        "blocks": [
            {"id": "inicio", "type": "start", "position": at(0, 0),
             "trigger": {"kind": "new_conversation", "channel_ids": [demo.channel_id]}},
            {"id": "setor", "type": "choose_department", "position": at(0, 100),
             "text": "Qual setor?", "departments": [suporte, vendas],
             "retry_message": "Escolha 1 ou 2."}
        ],
        "edges": [{"from": "inicio", "to": "setor"}]
    });
    demo.publish("Setores", flow).await;

    // Only the departments the step names, in its order (Financeiro not).
    let (visitor, conversation) = demo.new_customer("oi").await;
    assert_eq!(
        demo.customer_reads(&visitor).await,
        ["Qual setor?\n1 - Suporte\n2 - Vendas"]
    );
    demo.app.visitor_says(&demo.channel, &visitor, "3").await;
    assert_eq!(
        demo.customer_reads(&visitor).await.last().unwrap(),
        "Escolha 1 ou 2.\n1 - Suporte\n2 - Vendas"
    );
    assert_eq!(demo.status_of(conversation).await.0, "bot");
    demo.app
        .visitor_says(&demo.channel, &visitor, "vendas")
        .await;
    let (status, department, _) = demo.status_of(conversation).await;
    assert_eq!((status.as_str(), department), ("open", Some(vendas)));
    assert_ne!(department, Some(financeiro));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_waiting_for_an_answer_resumes_on_another_server() {
    let demo = demo().await;
    demo.publish("Pedidos", order_taker("Certo:")).await;
    let (visitor, conversation) = demo.new_customer("oi").await;
    assert_eq!(
        demo.customer_reads(&visitor).await,
        ["Qual é o número do pedido?"]
    );
    let stored: Value = sqlx::query_scalar(
        "SELECT state FROM flow_runs WHERE conversation_id = $1 AND ended_at IS NULL",
    )
    .bind(conversation)
    .fetch_one(&demo.app.database.owner)
    .await
    .unwrap();
    assert_eq!(
        stored["block"], "numero",
        "the run's place is in the database: {stored}"
    );

    // The answer reaches a server that never saw this run.
    let other = demo.app.another_instance().await;
    let response = demo
        .app
        .plain_client()
        .post(format!("{other}/widget/{}/messages", demo.channel))
        .header("origin", &other)
        .json(&json!({ "visitor": visitor, "body": "1.234" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(
        customer_reads_at(&other, &demo.app, &demo.channel, &visitor).await,
        ["Qual é o número do pedido?", "Certo: pedido 1234 anotado."]
    );
    assert_eq!(
        demo.status_of(conversation).await.0,
        "resolved",
        "the end block resolves the conversation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_never_comes_takes_the_timeout_branch() {
    let demo = demo().await;
    let suporte = demo.department("Suporte").await;
    let flow = demo
        .publish(
            "Ainda aí",
            json!({
                "schema": 1, "variables": [],
                "blocks": [
                    {"id": "inicio", "type": "start", "position": at(0, 0), "trigger": {"kind": "new_conversation"}},
                    {"id": "pergunta", "type": "send_text", "position": at(0, 100), "text": "Posso ajudar em algo mais?"},
                    {"id": "espera", "type": "wait_for_reply", "position": at(0, 200), "timeout_seconds": 600},
                    {"id": "obrigado", "type": "send_text", "position": at(-100, 300), "text": "Já chamo alguém."},
                    {"id": "tchau", "type": "send_text", "position": at(100, 300), "text": "Vou encerrar por aqui."},
                    {"id": "fim", "type": "end", "position": at(100, 400)},
                    {"id": "pessoas", "type": "transfer", "position": at(-100, 400), "department_id": suporte}
                ],
                "edges": [
                    {"from": "inicio", "to": "pergunta"},
                    {"from": "pergunta", "to": "espera"},
                    {"from": "espera", "to": "obrigado"},
                    {"from": "obrigado", "to": "pessoas"},
                    {"from": "espera", "output": "timeout", "to": "tchau"},
                    {"from": "tchau", "to": "fim"}
                ]
            }),
        )
        .await;
    let (quiet, quiet_conversation) = demo.new_customer("oi").await;
    let (talker, talker_conversation) = demo.new_customer("oi").await;

    // Ten minutes pass for the quiet one only.
    sqlx::query(
        "UPDATE flow_runs SET wake_at = now() - interval '1 second',
                state = jsonb_set(state, '{waiting,until}', to_jsonb(now() - interval '1 second'))
          WHERE conversation_id = $1 AND ended_at IS NULL",
    )
    .bind(quiet_conversation)
    .execute(&demo.app.database.owner)
    .await
    .unwrap();
    eventually("the quiet customer hears the timeout branch", || async {
        demo.customer_reads(&quiet).await.last().map(String::as_str)
            == Some("Vou encerrar por aqui.")
    })
    .await;
    assert_eq!(demo.status_of(quiet_conversation).await.0, "resolved");

    // The one who answers in time goes on through `next`.
    assert_eq!(
        demo.customer_reads(&talker).await,
        ["Posso ajudar em algo mais?"]
    );
    demo.app
        .visitor_says(&demo.channel, &talker, "sim, o boleto")
        .await;
    assert_eq!(
        demo.customer_reads(&talker).await,
        ["Posso ajudar em algo mais?", "Já chamo alguém."]
    );
    assert_eq!(demo.status_of(talker_conversation).await.0, "open");
    let summary = demo.flow_summary(flow).await;
    assert_eq!(
        (
            summary.runs.started,
            summary.runs.completed,
            summary.runs.handed_off
        ),
        (2, 1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_conversation_keeps_its_version_when_the_next_is_published() {
    let demo = demo().await;
    let flow = demo.publish("Pedidos", order_taker("v1:")).await;
    let (first, _) = demo.new_customer("oi").await;
    demo.republish(flow, order_taker("v2:")).await;
    let (second, _) = demo.new_customer("oi").await;

    demo.app.visitor_says(&demo.channel, &first, "12").await;
    demo.app.visitor_says(&demo.channel, &second, "34").await;
    assert_eq!(
        demo.customer_reads(&first).await.last().unwrap(),
        "v1: pedido 12 anotado.",
        "started on v1, finished on v1"
    );
    assert_eq!(
        demo.customer_reads(&second).await.last().unwrap(),
        "v2: pedido 34 anotado."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_who_replies_takes_the_conversation_over_and_the_flow_stops() {
    let demo = demo().await;
    let flow = demo
        .publish(
            "Recepção",
            reception(
                demo.channel_id,
                demo.department("Vendas").await,
                demo.department("Suporte").await,
            ),
        )
        .await;
    let (visitor, conversation) = demo.new_customer("oi").await;
    let (status, department_before, _) = demo.status_of(conversation).await;
    assert_eq!(status, "bot");

    let agent = demo.admin();
    let number: i64 = sqlx::query_scalar("SELECT number FROM conversations WHERE id = $1")
        .bind(conversation)
        .fetch_one(&demo.app.database.owner)
        .await
        .unwrap();
    let reply = domain::messages::Reply {
        body: "Oi! Aqui é a Ana, eu te ajudo.".into(),
        ..Default::default()
    };
    domain::messages::send(&demo.app.database.db, &agent, number, &reply)
        .await
        .unwrap();
    let (status, _, assignee) = demo.status_of(conversation).await;
    assert_eq!(
        (status.as_str(), assignee),
        ("in_progress", Some(agent.user_id))
    );

    // The menu's answer no longer moves anything.
    demo.app.visitor_says(&demo.channel, &visitor, "1").await;
    assert_eq!(
        demo.customer_reads(&visitor).await.last().unwrap(),
        "Oi! Aqui é a Ana, eu te ajudo."
    );
    let (status, department, assignee) = demo.status_of(conversation).await;
    assert_eq!(status, "in_progress");
    assert_eq!(assignee, Some(agent.user_id));
    assert_eq!(department, department_before, "no handoff to Vendas");
    let summary = demo.flow_summary(flow).await;
    assert_eq!((summary.runs.taken_over, summary.runs.running), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_block_maps_an_allow_listed_servers_answer_into_the_conversation() {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let erp = axum::Router::new()
        .route(
            "/clientes/{id}",
            get(
                |axum::extract::Path(id): axum::extract::Path<String>| async move {
                    axum::Json(
                        json!({ "cliente": { "nome": format!("Cliente {id}"), "plano": "ouro" } }),
                    )
                },
            ),
        )
        .route(
            "/quebrado",
            get(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "falhou") }),
        );
    tokio::spawn(async move { axum::serve(listener, erp).await.unwrap() });

    let demo = demo().await;
    let admin = demo.admin();
    let definition = |path: &str| {
        json!({
            "schema": 1, "variables": ["nome"],
            "blocks": [
                {"id": "inicio", "type": "start", "position": at(0, 0), "trigger": {"kind": "new_conversation"}},
                {"id": "erp", "type": "http", "position": at(0, 100), "method": "GET",
                 "url": format!("http://127.0.0.1:{port}{path}"), "headers": [{"name": "X-Conversa", "value": "{{conversation.number}}"}],
                 "timeout_ms": 3000, "map": [{"path": "cliente.nome", "variable": "nome"}]},
                {"id": "ola", "type": "send_text", "position": at(-100, 200), "text": "Bem-vindo, {{nome}}!"},
                {"id": "falha", "type": "send_text", "position": at(100, 200), "text": "Nosso sistema não respondeu."},
                {"id": "fim", "type": "end", "position": at(0, 300)}
            ],
            "edges": [
                {"from": "inicio", "to": "erp"},
                {"from": "ola", "to": "fim"},
                {"from": "falha", "to": "fim"},
                {"from": "erp", "to": "ola"},
                {"from": "erp", "output": "error", "to": "falha"}
            ]
        })
    };
    // Plain http to a host nobody allow-listed is refused when saved.
    let refused = domain::flows::create(
        &demo.app.database.db,
        &admin,
        "ERP",
        Some(&serde_json::from_value(definition("/clientes/7")).unwrap()),
    )
    .await;
    assert!(
        matches!(refused, Err(domain::Error::FlowInvalid(_))),
        "{refused:?}"
    );
    domain::flows::set_http_allowlist(&demo.app.database.db, &admin, &["127.0.0.1".into()])
        .await
        .unwrap();
    let flow = demo.publish("ERP", definition("/clientes/7")).await;

    let (visitor, _) = demo.new_customer("oi").await;
    eventually("the customer is greeted by the ERP's name", || async {
        demo.customer_reads(&visitor).await == ["Bem-vindo, Cliente 7!"]
    })
    .await;

    // A server that fails sends the run through `error`.
    demo.republish(flow, definition("/quebrado")).await;
    let (unlucky, _) = demo.new_customer("oi").await;
    eventually("a failed request takes the error branch", || async {
        demo.customer_reads(&unlucky).await == ["Nosso sistema não respondeu."]
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_flow_greets_website_visitors_and_hands_them_to_the_chosen_department() {
    let demo = demo().await;
    let db = &demo.app.database.db;
    let secret = crate::helpers::test_secret();
    assert!(domain::seed::demo_flow(db, &secret, &demo.demo)
        .await
        .unwrap());
    assert!(
        !domain::seed::demo_flow(db, &secret, &demo.demo)
            .await
            .unwrap(),
        "seeded once"
    );
    let flows = domain::flows::list(db, &demo.admin()).await.unwrap();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0].live_version, Some(1));
    assert_eq!(
        (flows[0].runs.started, flows[0].runs.handed_off),
        (1, 1),
        "the sample visitor went through it"
    );

    let (visitor, conversation) = demo.new_customer("Boa tarde").await;
    assert_eq!(
        demo.customer_reads(&visitor).await,
        [
            "Olá! Eu sou o assistente virtual da Demo.",
            "Com quem você quer falar?\n1 - Vendas\n2 - Suporte"
        ]
    );
    demo.app
        .visitor_says(&demo.channel, &visitor, "vendas")
        .await;
    let (status, department, _) = demo.status_of(conversation).await;
    assert_eq!(status, "open");
    assert_eq!(department, Some(demo.department("Vendas").await));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_writing_while_a_request_is_under_way_does_not_make_it_twice() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let counter = hits.clone();
    let slow = axum::Router::new().route(
        "/lento",
        axum::routing::get(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
                axum::Json(json!({ "ok": "sim" }))
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, slow).await.unwrap() });

    let demo = demo().await;
    domain::flows::set_http_allowlist(&demo.app.database.db, &demo.admin(), &["127.0.0.1".into()])
        .await
        .unwrap();
    demo.publish(
        "Lento",
        json!({
            "schema": 1, "variables": ["ok"],
            "blocks": [
                {"id": "inicio", "type": "start", "position": at(0, 0), "trigger": {"kind": "new_conversation"}},
                {"id": "erp", "type": "http", "position": at(0, 100), "method": "GET",
                 "url": format!("http://127.0.0.1:{port}/lento"), "timeout_ms": 5000,
                 "map": [{"path": "ok", "variable": "ok"}]},
                {"id": "pronto", "type": "send_text", "position": at(0, 200), "text": "Consultado: {{ok}}"},
                {"id": "fim", "type": "end", "position": at(0, 300)}
            ],
            "edges": [
                {"from": "inicio", "to": "erp"}, {"from": "erp", "to": "pronto"}, {"from": "pronto", "to": "fim"}
            ]
        }),
    )
    .await;
    let (visitor, _) = demo.new_customer("oi").await;
    eventually("the request is under way", || async {
        hits.load(Ordering::SeqCst) == 1
    })
    .await;
    demo.app
        .visitor_says(&demo.channel, &visitor, "ainda aí?")
        .await;
    eventually("the answer arrives", || async {
        demo.customer_reads(&visitor).await == ["Consultado: sim"]
    })
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 1, "the request was made once");
}

/// A start by hand, a word, the end.
fn by_hand(said: &str) -> Value {
    json!({
        "schema": 1, "variables": [],
        "blocks": [
            {"id": "inicio", "type": "start", "position": at(0, 0), "trigger": {"kind": "manual"}},
            {"id": "diz", "type": "send_text", "position": at(0, 100), "text": said},
            {"id": "fim", "type": "end", "position": at(0, 200)}
        ],
        "edges": [{"from": "inicio", "to": "diz"}, {"from": "diz", "to": "fim"}]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_is_offered_the_live_flows_that_start_by_hand() {
    let demo = demo().await;
    let db = &demo.app.database.db;
    let by_hand_id = demo.publish("À mão", by_hand("Oi!")).await;
    demo.publish("Pedidos", order_taker("Certo:")).await;
    let unpublished: FlowDefinition = serde_json::from_value(by_hand("Rascunho")).unwrap();
    domain::flows::create(db, &demo.admin(), "Rascunho", Some(&unpublished))
        .await
        .unwrap();

    let agent = demo.demo.actor(Role::Agent);
    assert_eq!(
        domain::flows::runs::manual_flows(db, &agent).await.unwrap(),
        [(by_hand_id, "À mão".to_string())],
        "only the live flow with a manual start (not the new-conversation one, not a draft)"
    );

    // Started by hand in a conversation, it speaks to the customer.
    let (visitor, conversation) = demo.new_customer("oi").await;
    let number: i64 = sqlx::query_scalar("SELECT number FROM conversations WHERE id = $1")
        .bind(conversation)
        .fetch_one(&demo.app.database.owner)
        .await
        .unwrap();
    assert!(!demo
        .customer_reads(&visitor)
        .await
        .contains(&"Oi!".to_string()));
    domain::flows::runs::start_manually(db, &agent, number, by_hand_id)
        .await
        .unwrap();
    assert_eq!(demo.customer_reads(&visitor).await.last().unwrap(), "Oi!");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sla_clocks_wait_while_the_bot_answers_and_run_from_the_handoff() {
    use chrono::{DateTime, Utc};
    let demo = demo().await;
    let db = &demo.app.database.db;
    let owner = &demo.app.database.owner;
    let admin = demo.admin();
    let policy = domain::service_desk::sla::save(
        db,
        &admin,
        None,
        &shared::sla::SlaPolicyForm {
            name: "Plantão 24h".into(),
            first_response_minutes: Some(10),
            next_response_minutes: None,
            resolution_minutes: Some(60),
            business_hours_only: false,
            pause_while_waiting: false,
        },
    )
    .await
    .unwrap()
    .id;
    let desk = demo.department("Plantão").await;
    let current = domain::departments::get(db, &admin, desk).await.unwrap();
    let mut form = shared::departments::DepartmentForm::from_department(&current);
    form.sla_policy_id = Some(policy);
    domain::departments::save(db, &admin, Some(desk), &form)
        .await
        .unwrap();
    domain::channels::set_default_department(db, &admin, demo.channel_id, Some(desk))
        .await
        .unwrap();
    demo.publish("Recepção", reception(demo.channel_id, desk, desk))
        .await;

    let (visitor, conversation) = demo.new_customer("oi").await;
    let clocks = || async {
        sqlx::query_as::<_, (Option<DateTime<Utc>>, Option<DateTime<Utc>>)>(
            "SELECT sla_first_response_due_at, sla_paused_at FROM conversations WHERE id = $1",
        )
        .bind(conversation)
        .fetch_one(owner)
        .await
        .unwrap()
    };
    let (due, paused) = clocks().await;
    let due = due.expect("the department's policy applies");
    assert!(paused.is_some(), "stopped while the bot answers");

    // The customer and the bot talk for 20 minutes, then the handoff.
    sqlx::query(
        "UPDATE conversations SET sla_paused_at = sla_paused_at - interval '20 minutes' WHERE id = $1",
    )
    .bind(conversation)
    .execute(owner)
    .await
    .unwrap();
    demo.app.visitor_says(&demo.channel, &visitor, "2").await;
    assert_eq!(demo.status_of(conversation).await.0, "open");
    let (due_now, paused) = clocks().await;
    assert_eq!(paused, None, "running from the handoff");
    let moved = (due_now.unwrap() - due).num_seconds();
    assert!(
        (moved - 20 * 60).abs() < 5,
        "the first-response promise moved on by the bot's 20 minutes: {moved} s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_widget_visitor_gets_a_flows_file_as_an_image_in_its_place() {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let files = axum::Router::new().route(
        "/boas-vindas.png",
        get(|| async { ([("content-type", "image/png")], crate::mock_providers::PNG) }),
    );
    tokio::spawn(async move { axum::serve(listener, files).await.unwrap() });

    let demo = demo().await;
    domain::flows::set_http_allowlist(&demo.app.database.db, &demo.admin(), &["127.0.0.1".into()])
        .await
        .unwrap();
    demo.publish(
        "Boas-vindas",
        json!({
            "schema": 1, "variables": [],
            "blocks": [
                {"id": "inicio", "type": "start", "position": at(0, 0), "trigger": {"kind": "new_conversation"}},
                {"id": "foto", "type": "send_media", "position": at(0, 100),
                 "url": format!("http://127.0.0.1:{port}/boas-vindas.png"), "caption": "Bem-vindo à loja"},
                {"id": "pergunta", "type": "send_text", "position": at(0, 200), "text": "Em que posso ajudar?"},
                {"id": "fim", "type": "end", "position": at(0, 300)}
            ],
            "edges": [
                {"from": "inicio", "to": "foto"}, {"from": "foto", "to": "pergunta"}, {"from": "pergunta", "to": "fim"}
            ]
        }),
    )
    .await;
    let (visitor, _) = demo.new_customer("oi").await;
    eventually(
        "the file arrives before the question, as an image",
        || async {
            demo.customer_reads(&visitor).await == ["Bem-vindo à loja", "Em que posso ajudar?"]
        },
    )
    .await;
    let session: Value = demo
        .app
        .plain_client()
        .post(format!(
            "{}/widget/{}/session",
            demo.app.base_url, demo.channel
        ))
        .header("origin", &demo.app.base_url)
        .json(&json!({ "visitor": visitor }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let photo = session["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == "Bem-vindo à loja")
        .unwrap();
    assert_eq!(photo["attachment"]["content_type"], "image/png", "{photo}");
    let served = demo
        .app
        .plain_client()
        .get(format!(
            "{}{}",
            demo.app.base_url,
            photo["attachment"]["url"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200, "the visitor may open it");
    assert_eq!(
        served.bytes().await.unwrap().as_ref(),
        crate::mock_providers::PNG
    );
}
