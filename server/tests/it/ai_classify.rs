//! A flow's AI classify block through the website widget: it routes by
//! the customer's sentiment, by intent, and by the category people gave
//! conversations like this one (offline) or the one a provider picks.

use serde_json::json;
use shared::ai_agents::{AgentKind, AiAgentForm};

use crate::ai_agents::{handed_to, reads};
use crate::ai_providers::{add_provider, Behaviour, MockLlm};
use crate::flow_runs::{at, demo, Demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ai_classify_routes_by_sentiment_then_by_intent() {
    let demo = demo().await;
    let suporte = demo.department("Suporte").await;
    demo.publish(
        "Triagem",
        json!({
            "schema": 1, "variables": [],
            "blocks": [
                {"id": "inicio", "type": "start", "position": at(0, 0),
                 "trigger": {"kind": "new_conversation", "channel_ids": [demo.channel_id]}},
                {"id": "humor", "type": "ai_classify", "position": at(0, 100), "by": "sentiment"},
                {"id": "desculpas", "type": "send_text", "position": at(-200, 200), "text": "Sinto muito pelo transtorno."},
                {"id": "suporte", "type": "transfer", "position": at(-200, 300), "department_id": suporte},
                {"id": "oba", "type": "send_text", "position": at(200, 200), "text": "Que bom!"},
                {"id": "fim", "type": "end", "position": at(200, 300)},
                {"id": "assunto", "type": "ai_classify", "position": at(0, 200), "by": "intent",
                 "intents": [
                    {"id": "boleto", "label": "Segunda via de boleto", "examples": ["fatura atrasada"]},
                    {"id": "entrega", "label": "Onde está meu pedido", "examples": ["rastreio da entrega", "pedido não chegou"]}
                 ]},
                {"id": "via", "type": "send_text", "position": at(-100, 300), "text": "A segunda via vai por e-mail."},
                {"id": "rastreio", "type": "send_text", "position": at(100, 300), "text": "Veja o rastreio no site."},
                {"id": "pessoas", "type": "transfer", "position": at(0, 400), "department_id": suporte}
            ],
            "edges": [
                {"from": "inicio", "to": "humor"},
                {"from": "humor", "output": "negative", "to": "desculpas"},
                {"from": "desculpas", "to": "suporte"},
                {"from": "humor", "output": "positive", "to": "oba"},
                {"from": "oba", "to": "fim"},
                {"from": "humor", "output": "neutral", "to": "assunto"},
                {"from": "assunto", "output": "boleto", "to": "via"},
                {"from": "via", "to": "pessoas"},
                {"from": "assunto", "output": "entrega", "to": "rastreio"},
                {"from": "rastreio", "to": "pessoas"},
                {"from": "assunto", "output": "else", "to": "pessoas"}
            ]
        }),
    )
    .await;
    let (angry, _) = demo
        .new_customer("Péssimo atendimento, estou muito irritado com vocês")
        .await;
    reads(&demo, &angry, "Sinto muito pelo transtorno.").await;
    let (billing, _) = demo.new_customer("Preciso da segunda via do boleto").await;
    reads(&demo, &billing, "A segunda via vai por e-mail.").await;
    let (waiting, _) = demo
        .new_customer("Onde está o rastreio do meu pedido?")
        .await;
    reads(&demo, &waiting, "Veja o rastreio no site.").await;
    let (other, elsewhere) = demo.new_customer("Vocês abrem no feriado?").await;
    handed_to(&demo, elsewhere, suporte).await;
    assert!(
        demo.customer_reads(&other).await.is_empty(),
        "neither intent: straight to people"
    );
}

/// A flow that routes new conversations by category: deliveries and
/// payments each get an answer, anything else goes to Suporte.
async fn publish_by_category(demo: &Demo, delivery: i64, payment: i64, suporte: i64) {
    demo.publish(
        "Por categoria",
        json!({
            "schema": 1, "variables": [],
            "blocks": [
                {"id": "inicio", "type": "start", "position": at(0, 0),
                 "trigger": {"kind": "new_conversation", "channel_ids": [demo.channel_id]}},
                {"id": "assunto", "type": "ai_classify", "position": at(0, 100), "by": "category",
                 "categories": [delivery, payment]},
                {"id": "rastreio", "type": "send_text", "position": at(-200, 200), "text": "Veja o rastreio no site."},
                {"id": "pix", "type": "send_text", "position": at(0, 200), "text": "Aceitamos Pix e boleto."},
                {"id": "pessoas", "type": "transfer", "position": at(200, 200), "department_id": suporte},
                {"id": "fim", "type": "end", "position": at(-100, 300)}
            ],
            "edges": [
                {"from": "inicio", "to": "assunto"},
                {"from": "rastreio", "to": "fim"},
                {"from": "pix", "to": "fim"},
                {"from": "assunto", "output": format!("category-{delivery}"), "to": "rastreio"},
                {"from": "assunto", "output": format!("category-{payment}"), "to": "pix"},
                {"from": "assunto", "output": "else", "to": "pessoas"}
            ]
        }),
    )
    .await;
}

async fn category_named(demo: &Demo, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM categories WHERE account_id = $1 AND name = $2")
        .bind(demo.demo.account_id)
        .bind(name)
        .fetch_one(&demo.app.database.owner)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ai_classify_by_category_follows_how_people_categorized_alike_conversations() {
    let demo = demo().await;
    let suporte = demo.department("Suporte").await;
    let delivery = category_named(&demo, "Entrega").await;
    let payment = category_named(&demo, "Pagamento").await;
    // Earlier conversations, as agents categorized them at wrap-up.
    for (text, category) in [
        ("Meu pedido ainda não chegou, já faz uma semana.", delivery),
        ("O pedido não chegou ainda, comprei na segunda.", delivery),
        ("Quero pagar com boleto bancário, pode ser?", payment),
    ] {
        let (_, conversation) = demo.new_customer(text).await;
        sqlx::query(
            "INSERT INTO conversation_categories (account_id, conversation_id, category_id)
             VALUES ($1, $2, $3)",
        )
        .bind(demo.demo.account_id)
        .bind(conversation)
        .bind(category)
        .execute(&demo.app.database.owner)
        .await
        .unwrap();
    }
    publish_by_category(&demo, delivery, payment, suporte).await;

    let (late, _) = demo.new_customer("Oi! Meu pedido ainda não chegou.").await;
    reads(&demo, &late, "Veja o rastreio no site.").await;
    let (paying, _) = demo.new_customer("Posso pagar com boleto bancário?").await;
    reads(&demo, &paying, "Aceitamos Pix e boleto.").await;
    // Nothing alike was categorized: people take it.
    let (other, elsewhere) = demo.new_customer("Vendem cartão-presente?").await;
    handed_to(&demo, elsewhere, suporte).await;
    assert!(demo.customer_reads(&other).await.is_empty());

    // With a provider, its pick stands over the votes.
    let mock = MockLlm::start().await;
    let token = demo.app.demo_admin_token().await;
    let provider = add_provider(&demo.app, &token, &mock, json!({})).await;
    let global = AiAgentForm {
        kind: AgentKind::Global,
        department_id: None,
        name: "Geral".into(),
        instructions: String::new(),
        provider_id: provider["id"].as_i64(),
    };
    domain::ai::agents::save(&demo.app.database.db, &demo.admin(), None, &global)
        .await
        .unwrap();
    mock.behave(Behaviour::Answer("2".into()));
    let (gift, _) = demo.new_customer("Vendem cartão-presente?").await;
    reads(&demo, &gift, "Aceitamos Pix e boleto.").await;
    let asked = mock
        .asked("Which of these categories")
        .expect("the provider was asked for the category");
    let system = asked["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("1. Entrega") && system.contains("2. Pagamento"),
        "{system}"
    );
    // "None of them" from the provider: people again.
    mock.behave(Behaviour::Answer("0".into()));
    let (late_again, elsewhere) = demo.new_customer("Oi! Meu pedido ainda não chegou.").await;
    handed_to(&demo, elsewhere, suporte).await;
    assert!(demo.customer_reads(&late_again).await.is_empty());
}
