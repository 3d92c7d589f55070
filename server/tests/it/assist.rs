//! The offline AI's help to agents on a conversation. Suggested replies:
//! for the customer's latest messages, the account's quick replies that
//! cover their words and what agents answered to a similar message before
//! — readdressed to this customer, never what was already said here, and
//! only from conversations the agent may see. Suggested categories at
//! wrap-up, by the votes of similar categorized conversations. A summary
//! on demand.

use domain::actor::Actor;
use serde_json::Value;
use shared::inbox::{ReplySuggestion, SuggestionSource};
use shared::{Locale, Role};

use crate::channels::api as rest;
use crate::helpers::{spawn_app, TestApp};

/// A new visitor named `name` writes `text`; returns the conversation's number.
async fn customer_asks(app: &TestApp, channel: &str, name: &str, text: &str) -> i64 {
    let visitor = app.visitor(channel).await;
    customer_writes(app, channel, &visitor, name, text).await
}

/// `visitor`, named `name`, writes `text`; returns the conversation's number.
async fn customer_writes(
    app: &TestApp,
    channel: &str,
    visitor: &str,
    name: &str,
    text: &str,
) -> i64 {
    let message = app.visitor_says(channel, visitor, text).await;
    sqlx::query_scalar(
        "WITH asked AS (SELECT c.number, c.contact_id FROM messages m
                          JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1)
         UPDATE contacts SET name = $2 FROM asked WHERE contacts.id = asked.contact_id
         RETURNING asked.number",
    )
    .bind(message["id"].as_i64().unwrap())
    .bind(name)
    .fetch_one(&app.database.owner)
    .await
    .unwrap()
}

async fn answer(app: &TestApp, who: &Actor, number: i64, text: &str) {
    let reply = domain::messages::Reply {
        body: text.into(),
        ..Default::default()
    };
    domain::messages::send(&app.database.db, who, number, &reply)
        .await
        .expect("the answer is sent");
}

async fn suggested(app: &TestApp, who: &Actor, number: i64) -> Vec<ReplySuggestion> {
    domain::ai::replies::suggest(&app.database.db, who, number)
        .await
        .expect("suggestions")
}

/// Moves conversation `number` to a new department nobody belongs to and
/// gives it to `admin`: the demo's agent no longer sees it.
async fn hide_from_agents(app: &TestApp, admin: &Actor, number: i64) {
    let sales = domain::departments::create(&app.database.db, admin, "Vendas Corporativas")
        .await
        .unwrap();
    sqlx::query("UPDATE conversations SET department_id = $2, assignee_id = $3 WHERE number = $1")
        .bind(number)
        .bind(sales.id)
        .bind(admin.user_id)
        .execute(&app.database.owner)
        .await
        .unwrap();
}

fn texts(suggestions: &[ReplySuggestion]) -> Vec<&str> {
    suggestions.iter().map(|s| s.text.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_answered_before_is_suggested_to_this_customer_by_name() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let admin = demo.actor(Role::GlobalAdmin);
    let before = customer_asks(
        &app,
        &channel,
        "Lúcia Ramos",
        "Vocês aceitam pagamento por boleto bancário?",
    )
    .await;
    answer(
        &app,
        &admin,
        before,
        "Aceitamos boleto, sim, Lúcia! Ele vence em 3 dias.",
    )
    .await;

    let now = customer_asks(
        &app,
        &channel,
        "Paulo Dias",
        "Oi! Aceitam boleto bancário como pagamento?",
    )
    .await;
    let suggestions = suggested(&app, &admin, now).await;
    let expected = "Aceitamos boleto, sim, Paulo! Ele vence em 3 dias.";
    let found = suggestions
        .iter()
        .find(|s| s.text == expected)
        .unwrap_or_else(|| panic!("the past answer, readdressed: {suggestions:?}"));
    assert_eq!(found.source, SuggestionSource::PastAnswer);
    assert!(found.score >= 0.3 && found.score <= 1.0, "{found:?}");

    // The same through REST, as the API documents it.
    let token = app.demo_admin_token().await;
    let (status, body) = rest(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/conversations/{now}/suggestions"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let listed: Vec<&str> = body["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["text"].as_str())
        .collect();
    assert!(listed.contains(&expected), "{body}");
    assert!(body["suggestions"][0]["source"].is_string(), "{body}");

    // Once said here, it is not suggested again.
    answer(&app, &admin, now, expected).await;
    let after = suggested(&app, &admin, now).await;
    assert!(!texts(&after).contains(&expected), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_replies_covering_the_request_are_suggested_and_nothing_unrelated() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let agent = demo.actor(Role::Agent);
    let asked = customer_asks(
        &app,
        &channel,
        "Rita Melo",
        "Bom dia! Qual o prazo de entrega para Campinas?",
    )
    .await;
    let suggestions = suggested(&app, &agent, asked).await;
    let prazo = suggestions
        .iter()
        .find(|s| s.shortcut.as_deref() == Some("prazo"))
        .unwrap_or_else(|| panic!("the demo's /prazo quick reply: {suggestions:?}"));
    assert_eq!(prazo.source, SuggestionSource::QuickReply);
    assert!(prazo
        .text
        .starts_with("O prazo de entrega é de 3 a 5 dias úteis"));

    let unrelated = customer_asks(&app, &channel, "Rui Melo", "Vendem cartão-presente?").await;
    assert_eq!(suggested(&app, &agent, unrelated).await, vec![]);
    // A greeting alone covers no quick reply and was never answered here.
    let greeting = customer_asks(&app, &channel, "Ivo Melo", "Oi, tudo bem?").await;
    assert_eq!(suggested(&app, &agent, greeting).await, vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_come_only_from_conversations_the_agent_may_see() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let admin = demo.actor(Role::GlobalAdmin);
    let agent = demo.actor(Role::Agent);
    let hidden = customer_asks(
        &app,
        &channel,
        "Lúcia Ramos",
        "Vocês aceitam pagamento por boleto bancário?",
    )
    .await;
    answer(
        &app,
        &admin,
        hidden,
        "Aceitamos boleto, sim! Ele vence em 3 dias.",
    )
    .await;
    hide_from_agents(&app, &admin, hidden).await;

    let asked = customer_asks(
        &app,
        &channel,
        "Paulo Dias",
        "Oi! Aceitam boleto bancário como pagamento?",
    )
    .await;
    let answer_text = "Aceitamos boleto, sim! Ele vence em 3 dias.";
    let for_admin = suggested(&app, &admin, asked).await;
    assert!(texts(&for_admin).contains(&answer_text), "{for_admin:?}");
    let for_agent = suggested(&app, &agent, asked).await;
    assert!(!texts(&for_agent).contains(&answer_text), "{for_agent:?}");

    // Nor are a hidden conversation's own suggestions for them.
    let token = app.demo_token(&demo.users[2].0).await;
    let (status, body): (u16, Value) = rest(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/conversations/{hidden}/suggestions"),
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
}

async fn category_named(app: &TestApp, account: uuid::Uuid, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM categories WHERE account_id = $1 AND name = $2")
        .bind(account)
        .bind(name)
        .fetch_one(&app.database.owner)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_category_similar_conversations_got_is_suggested_at_wrap_up() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let db = &app.database.db;
    let agent = demo.actor(Role::Agent);
    let delivery = category_named(&app, demo.account_id, "Entrega").await;
    let payment = category_named(&app, demo.account_id, "Pagamento").await;
    for (name, text, category) in [
        (
            "Lúcia Ramos",
            "Meu pedido ainda não chegou, já faz uma semana.",
            delivery,
        ),
        (
            "Rui Ramos",
            "O pedido não chegou ainda, comprei na segunda.",
            delivery,
        ),
        (
            "Ivo Ramos",
            "Quero pagar com boleto bancário, pode ser?",
            payment,
        ),
    ] {
        let number = customer_asks(&app, &channel, name, text).await;
        answer(&app, &agent, number, "Pode deixar, já verifico.").await;
        domain::conversations::wrap_up(db, &agent, number, &[category], false)
            .await
            .expect("wrapped up with a category");
    }

    let asked = customer_asks(
        &app,
        &channel,
        "Paulo Dias",
        "Oi! Meu pedido ainda não chegou.",
    )
    .await;
    let suggested = domain::ai::categories::suggest(db, &agent, asked)
        .await
        .unwrap();
    assert_eq!(suggested.len(), 1, "{suggested:?}");
    assert_eq!(suggested[0].category_id, delivery);
    assert_eq!(suggested[0].name, "Entrega");
    assert!(suggested[0].share > 0.9, "{suggested:?}");

    let token = app.demo_admin_token().await;
    let (status, body) = rest(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/conversations/{asked}/category-suggestions"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["categories"][0]["category_id"], delivery, "{body}");

    // Nothing similar was categorized: no guess.
    let other = customer_asks(&app, &channel, "Ana Dias", "Vendem cartão-presente?").await;
    assert_eq!(
        domain::ai::categories::suggest(db, &agent, other)
            .await
            .unwrap(),
        vec![]
    );
    // A deactivated category is no longer offered.
    sqlx::query("UPDATE categories SET active = false WHERE id = $1")
        .bind(delivery)
        .execute(&app.database.owner)
        .await
        .unwrap();
    assert_eq!(
        domain::ai::categories::suggest(db, &agent, asked)
            .await
            .unwrap(),
        vec![]
    );
}

/// The summary as the side panel asks for it (no provider reachable).
async fn summary_of(
    app: &TestApp,
    actor: &Actor,
    number: i64,
    locale: Locale,
) -> domain::Result<Option<shared::ai::AiText>> {
    let vault = crate::helpers::test_vault();
    let reach = domain::ai::providers::Reach {
        vault: &vault,
        allow_private_targets: false,
    };
    domain::ai::summary::summarize(&app.database.db, reach, actor, number, locale).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_conversation_is_summarized_on_demand_in_the_viewers_language() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let agent = demo.actor(Role::Agent);
    let visitor = app.visitor(&channel).await;
    let number = customer_writes(&app, &channel, &visitor, "Lúcia Ramos", "Oi, tudo bem?").await;
    assert_eq!(
        summary_of(&app, &agent, number, Locale::PtBr)
            .await
            .unwrap(),
        None,
        "a greeting says nothing worth repeating"
    );
    let request = "Preciso trocar o tamanho da camiseta do pedido 4821.";
    customer_writes(&app, &channel, &visitor, "Lúcia Ramos", request).await;
    answer(
        &app,
        &agent,
        number,
        "Claro! A troca do tamanho é grátis, enviei a etiqueta por e-mail.",
    )
    .await;

    let summary = summary_of(&app, &agent, number, Locale::PtBr)
        .await
        .unwrap()
        .expect("a summary");
    assert_eq!(summary.provider, None, "no provider: the offline engine");
    let summary = summary.text;
    assert!(
        summary.contains("Pedido: ") && summary.contains("camiseta"),
        "{summary}"
    );
    assert!(
        summary.contains("Resposta: ") && summary.contains("etiqueta"),
        "{summary}"
    );
    let english = summary_of(&app, &agent, number, Locale::En)
        .await
        .unwrap()
        .expect("a summary")
        .text;
    assert!(english.starts_with("Request: "), "{english}");

    // Only for those who may see the conversation.
    hide_from_agents(&app, &demo.actor(Role::GlobalAdmin), number).await;
    assert!(matches!(
        summary_of(&app, &agent, number, Locale::En).await,
        Err(domain::Error::NotFound)
    ));
}
