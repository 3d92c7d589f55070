//! AI agents end to end through the website widget: a flow's AI reply
//! answers from the department's knowledge (offline engine, then a provider
//! speaking OpenAI's format, then the offline engine again when it fails)
//! and hands the customer to people when asked or unsure; agents and
//! knowledge are managed over REST, tried with `ask`, and stay in their
//! account. AI classify is in `ai_classify`.

use reqwest::Method;
use serde_json::json;
use shared::ai_agents::{AgentKind, AiAgentForm, KnowledgeForm};
use shared::Role;

use crate::ai_providers::{add_provider, Behaviour, MockLlm};
use crate::channels::api;
use crate::flow_runs::{at, demo, Demo};
use crate::helpers::eventually;

const WARRANTY: &str = "Garantia\n\nTodos os fones têm garantia de 12 meses contra defeitos de \
     fabricação. Guarde a nota fiscal.\n\nFone que não liga\n\nDeixe o fone carregando por 2 horas \
     e segure o botão de energia por 10 segundos para reiniciar.";

/// Suporte's agent (on `provider_id`, none: offline) knowing the warranty,
/// and the global agent knowing only deliveries; Suporte's id.
async fn support_agent(demo: &Demo, provider_id: Option<i64>) -> (i64, i64) {
    let db = &demo.app.database.db;
    let admin = demo.admin();
    let suporte = demo.department("Suporte").await;
    let form = |kind, department_id, name: &str| AiAgentForm {
        kind,
        department_id,
        name: name.into(),
        instructions: "Seja breve.".into(),
        provider_id,
    };
    let support = domain::ai::agents::save(
        db,
        &admin,
        None,
        &form(AgentKind::Department, Some(suporte), "Suporte técnico"),
    )
    .await
    .unwrap();
    let global =
        domain::ai::agents::save(db, &admin, None, &form(AgentKind::Global, None, "Geral"))
            .await
            .unwrap();
    for (agent, title, body) in [
        (support.id, "Fones", WARRANTY),
        (
            global.id,
            "Entregas",
            "O prazo de entrega para o Nordeste é de 5 a 8 dias úteis.",
        ),
    ] {
        let doc = KnowledgeForm {
            title: title.into(),
            body: body.into(),
        };
        domain::ai::agents::knowledge::save(db, &admin, agent, None, &doc)
            .await
            .unwrap();
    }
    (support.id, suporte)
}

/// A new conversation answered by Suporte's agent, handed to Suporte.
async fn publish_ai_reply(demo: &Demo, suporte: i64) {
    demo.publish(
        "Dúvidas",
        json!({
            "schema": 1, "variables": [],
            "blocks": [
                {"id": "inicio", "type": "start", "position": at(0, 0),
                 "trigger": {"kind": "new_conversation", "channel_ids": [demo.channel_id]}},
                {"id": "ia", "type": "ai_reply", "position": at(0, 100), "department_id": suporte, "max_turns": 3},
                {"id": "pessoa", "type": "send_text", "position": at(0, 200), "text": "Vou chamar uma pessoa."},
                {"id": "suporte", "type": "transfer", "position": at(0, 300), "department_id": suporte}
            ],
            "edges": [
                {"from": "inicio", "to": "ia"},
                {"from": "ia", "output": "handoff", "to": "pessoa"},
                {"from": "pessoa", "to": "suporte"}
            ]
        }),
    )
    .await;
}

pub(crate) async fn reads(demo: &Demo, visitor: &str, wanted: &str) {
    eventually(&format!("the customer reads {wanted:?}"), || async {
        demo.customer_reads(visitor)
            .await
            .iter()
            .any(|said| said.contains(wanted))
    })
    .await;
}

pub(crate) async fn handed_to(demo: &Demo, conversation: i64, department: i64) {
    eventually("the conversation is handed to people", || async {
        let (status, department_id, _) = demo.status_of(conversation).await;
        status != "bot" && department_id == Some(department)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ai_reply_answers_from_the_departments_knowledge_and_hands_off_when_asked_or_unsure() {
    let demo = demo().await;
    let (_, suporte) = support_agent(&demo, None).await;
    publish_ai_reply(&demo, suporte).await;

    let (visitor, conversation) = demo.new_customer("Qual é a garantia do fone?").await;
    reads(&demo, &visitor, "garantia de 12 meses").await;
    assert_eq!(
        demo.status_of(conversation).await.0,
        "bot",
        "the bot keeps it"
    );

    demo.app
        .visitor_says(&demo.channel, &visitor, "Meu fone não liga, o que faço?")
        .await;
    reads(&demo, &visitor, "segure o botão de energia").await;

    demo.app
        .visitor_says(&demo.channel, &visitor, "Quero falar com um atendente")
        .await;
    handed_to(&demo, conversation, suporte).await;
    let said = demo.customer_reads(&visitor).await;
    assert_eq!(
        said.last().map(String::as_str),
        Some("Vou chamar uma pessoa.")
    );
    assert_eq!(said.len(), 3, "two answers and the handoff: {said:?}");

    // Deliveries are the global agent's knowledge, not Suporte's: unsure.
    let (other, elsewhere) = demo
        .new_customer("Qual o prazo de entrega para o Nordeste?")
        .await;
    handed_to(&demo, elsewhere, suporte).await;
    assert_eq!(
        demo.customer_reads(&other).await,
        ["Vou chamar uma pessoa."]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_answers_with_the_agents_knowledge_and_the_offline_engine_when_it_fails() {
    let demo = demo().await;
    let mock = MockLlm::start().await;
    let token = demo.app.demo_admin_token().await;
    let provider = add_provider(&demo.app, &token, &mock, json!({})).await;
    let (_, suporte) = support_agent(&demo, provider["id"].as_i64()).await;
    publish_ai_reply(&demo, suporte).await;

    mock.behave(Behaviour::Answer(
        "Oi! A garantia é de 12 meses; guarde a nota.".into(),
    ));
    let (visitor, conversation) = demo.new_customer("Qual é a garantia do fone?").await;
    reads(&demo, &visitor, "guarde a nota.").await;
    // The provider also reviews the demo's resolutions: the agent's ask is
    // the one that speaks to customers.
    let asked = mock
        .asked("You answer a company's customers")
        .expect("the agent asked the provider");
    let system = asked["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("12 meses contra defeitos"), "{system}");
    assert!(system.contains("Seja breve."), "the agent's instructions");
    assert_eq!(
        asked["messages"][1]["content"],
        "Qual é a garantia do fone?"
    );

    mock.behave(Behaviour::Answer("HANDOFF".into()));
    demo.app
        .visitor_says(&demo.channel, &visitor, "E vocês consertam tablets?")
        .await;
    handed_to(&demo, conversation, suporte).await;

    // The provider down: the offline engine answers from the knowledge.
    mock.behave(Behaviour::Failing);
    let (other, _) = demo.new_customer("Qual é a garantia do fone?").await;
    reads(&demo, &other, "garantia de 12 meses contra defeitos").await;
    let calls: Vec<(String, bool)> = sqlx::query_as(
        "SELECT purpose, ok FROM ai_calls WHERE purpose = 'agent_reply' ORDER BY id",
    )
    .fetch_all(&demo.app.database.owner)
    .await
    .unwrap();
    assert_eq!(
        calls,
        [
            ("agent_reply".to_string(), true),
            ("agent_reply".to_string(), true),
            ("agent_reply".to_string(), false)
        ],
        "each call counted, without its content"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_and_knowledge_are_managed_over_rest_tried_and_kept_in_their_account() {
    let demo = demo().await;
    let app = &demo.app;
    let token = app.demo_admin_token().await;
    let (status, agent) = api(
        app,
        &token,
        Method::POST,
        "/ai/agents",
        Some(json!({"kind": "global", "name": "Assistente", "instructions": "Seja cordial."})),
    )
    .await;
    assert_eq!(status, 201, "{agent}");
    assert_eq!(agent["provider_id"], json!(null), "the offline engine");
    let id = agent["id"].as_i64().unwrap();
    let (status, second) = api(
        app,
        &token,
        Method::POST,
        "/ai/agents",
        Some(json!({"kind": "global", "name": "Outro"})),
    )
    .await;
    assert_eq!(status, 422, "one global agent: {second}");
    let (status, body) = api(
        app,
        &token,
        Method::POST,
        "/ai/agents",
        Some(json!({"kind": "department", "name": "Sem departamento"})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("department_id"), "{body}");

    let (status, document) = api(
        app,
        &token,
        Method::POST,
        &format!("/ai/agents/{id}/documents"),
        Some(json!({"title": "Pagamentos", "body": "Aceitamos Pix, boleto e cartão de crédito em até 10 vezes sem juros."})),
    )
    .await;
    assert_eq!(status, 201, "{document}");
    assert_eq!(document["passages"], 1);
    let (status, answer) = api(
        app,
        &token,
        Method::POST,
        &format!("/ai/agents/{id}/ask"),
        Some(json!({"question": "Posso pagar com cartão em vezes?"})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["reply"].as_str().unwrap().contains("10 vezes"));
    assert_eq!(answer["sources"][0]["title"], "Pagamentos");
    let (_, person) = api(
        app,
        &token,
        Method::POST,
        &format!("/ai/agents/{id}/ask"),
        Some(json!({"question": "Quero falar com um atendente"})),
    )
    .await;
    assert_eq!(person["reply"], json!(null));
    assert_eq!(person["handoff"], "asked_for_person");
    let (status, listed) = api(app, &token, Method::GET, "/ai/agents", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed[0]["documents"], 1);

    // People who do not manage flows see no agents.
    let agent_token = app.demo_token("agent@demo.ponte.dev").await;
    let (status, _) = api(app, &agent_token, Method::GET, "/ai/agents", None).await;
    assert_eq!(status, 403);

    // Another account: none of it, and none of it usable.
    let db = &app.database.db;
    let beta = domain::seed::demo_with(&app.database.owner, db, "beta")
        .await
        .unwrap();
    let beta_admin = beta.actor(Role::GlobalAdmin);
    assert!(domain::ai::agents::list(db, &beta_admin)
        .await
        .unwrap()
        .is_empty());
    for refused in [
        domain::ai::agents::get(db, &beta_admin, id).await.err(),
        domain::ai::agents::knowledge::list(db, &beta_admin, id)
            .await
            .err(),
    ] {
        assert!(matches!(refused, Some(domain::Error::NotFound)));
    }
    let vault = crate::helpers::test_vault();
    let reach = domain::ai::providers::Reach {
        vault: &vault,
        allow_private_targets: true,
    };
    let tried =
        domain::ai::agents::try_answer(db, reach, &beta_admin, id, "cartão em vezes?").await;
    assert!(matches!(tried, Err(domain::Error::NotFound)));
    let suporte = demo.department("Suporte").await;
    let stolen = AiAgentForm {
        kind: AgentKind::Department,
        department_id: Some(suporte),
        name: "Intruso".into(),
        instructions: String::new(),
        provider_id: None,
    };
    let refused = domain::ai::agents::save(db, &beta_admin, None, &stolen).await;
    assert!(
        matches!(&refused, Err(domain::Error::Validation(fields)) if fields[0].field == "department_id"),
        "{refused:?}"
    );
    // Positive control: the same form in its own account is saved.
    let alfa = domain::ai::agents::save(db, &demo.admin(), None, &stolen).await;
    assert!(alfa.is_ok(), "{alfa:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_composer_suggests_the_answer_of_the_departments_knowledge_base() {
    let demo = demo().await;
    let (_, suporte) = support_agent(&demo, None).await;
    let owner = &demo.app.database.owner;
    let (db, admin) = (&demo.app.database.db, &demo.admin());
    let suggested = |number: i64| async move {
        domain::ai::replies::suggest(db, admin, number)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.source == shared::inbox::SuggestionSource::Knowledge)
            .map(|s| s.text)
            .collect::<Vec<_>>()
    };
    let number_in = |conversation: i64, department: Option<i64>| async move {
        sqlx::query_scalar::<_, i64>(
            "UPDATE conversations SET department_id = $2 WHERE id = $1 RETURNING number",
        )
        .bind(conversation)
        .bind(department)
        .fetch_one(owner)
        .await
        .unwrap()
    };
    let (_, conversation) = demo.new_customer("Qual é a garantia do fone?").await;
    let in_support = number_in(conversation, Some(suporte)).await;
    let said = suggested(in_support).await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("12 meses"), "{said:?}");

    // Suporte's agent does not know deliveries; a conversation of no
    // department asks the global agent, which does.
    let (_, conversation) = demo
        .new_customer("Qual o prazo de entrega para o Nordeste?")
        .await;
    let in_support = number_in(conversation, Some(suporte)).await;
    assert!(suggested(in_support).await.is_empty());
    let anywhere = number_in(conversation, None).await;
    assert_eq!(
        suggested(anywhere).await,
        ["O prazo de entrega para o Nordeste é de 5 a 8 dias úteis."]
    );
}
