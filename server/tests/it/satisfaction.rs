//! The satisfaction survey: on resolution the customer is asked for a 0–10
//! rating (the widget offers buttons), then for a comment; the answers stay
//! with the resolved conversation (`csat` in its JSON, the dashboard's
//! CSAT) instead of reopening it. A wrong answer is asked about once, a
//! second one reopens; who may resolve without the survey is a permission;
//! the account may turn it off.

use serde_json::{json, Value};

use crate::channels::api as rest;
use crate::helpers::{spawn_app, TestApp};

/// A new visitor asks something; returns them and the conversation's number.
async fn new_customer(app: &TestApp, channel: &str, text: &str) -> (String, i64) {
    let visitor = app.visitor(channel).await;
    app.visitor_says(channel, &visitor, text).await;
    let number = sqlx::query_scalar(
        "SELECT c.number FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.kind = 'incoming' ORDER BY m.id DESC LIMIT 1",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    (visitor, number)
}

async fn resolve(app: &TestApp, token: &str, number: i64, body: Value) -> (u16, Value) {
    rest(
        app,
        token,
        reqwest::Method::PATCH,
        &format!("/conversations/{number}"),
        Some(body),
    )
    .await
}

async fn conversation(app: &TestApp, token: &str, number: i64) -> Value {
    rest(
        app,
        token,
        reqwest::Method::GET,
        &format!("/conversations/{number}"),
        None,
    )
    .await
    .1
}

/// The conversation's outgoing messages after the customer's first one:
/// (body, button labels).
async fn said_to_customer(app: &TestApp, number: i64) -> Vec<(String, Vec<String>)> {
    sqlx::query_as(
        "SELECT m.body, m.menu_options FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.number = $1 AND m.kind = 'outgoing' ORDER BY m.id",
    )
    .bind(number)
    .fetch_all(&app.database.owner)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_rates_and_comments_and_the_conversation_stays_resolved() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    app.survey_customers(&demo).await;
    let token = app.demo_admin_token().await;
    let (visitor, number) = new_customer(&app, &channel, "Vocês abrem no feriado?").await;

    let (status, body) = resolve(&app, &token, number, json!({ "status": "resolved" })).await;
    assert_eq!(status, 200, "{body}");
    let said = said_to_customer(&app, number).await;
    let (question, buttons) = said.last().expect("the survey's question");
    assert!(question.contains("De 0 a 10"), "{question}");
    let ratings: Vec<String> = (0..=10).map(|n| n.to_string()).collect();
    assert_eq!(buttons, &ratings, "the widget offers one button per rating");
    assert_eq!(
        conversation(&app, &token, number).await["csat"],
        Value::Null
    );

    // A tap on "6" comes back as the text "6".
    app.visitor_says(&channel, &visitor, "6").await;
    let rated = conversation(&app, &token, number).await;
    assert_eq!(
        rated["status"], "resolved",
        "a rating does not reopen: {rated}"
    );
    assert_eq!(rated["csat"], 6);
    let said = said_to_customer(&app, number).await;
    assert!(said.last().unwrap().0.contains("motivo"), "{said:?}");

    app.visitor_says(&channel, &visitor, "Resposta rápida, obrigado!")
        .await;
    let commented = conversation(&app, &token, number).await;
    assert_eq!(commented["status"], "resolved", "{commented}");
    assert_eq!(commented["csat_comment"], "Resposta rápida, obrigado!");
    assert!(said_to_customer(&app, number)
        .await
        .last()
        .unwrap()
        .0
        .contains("Obrigado pelo comentário"));

    // The survey is over: the customer's next message reopens as always.
    app.visitor_says(&channel, &visitor, "Mais uma coisa").await;
    let reopened = conversation(&app, &token, number).await;
    assert_ne!(reopened["status"], "resolved", "{reopened}");
    assert_eq!(
        reopened["csat"], 6,
        "the rating stays with the conversation"
    );

    // The dashboard's CSAT counts it with the demo's Paula, who gave 9.
    let figures = domain::dashboard::figures(
        &app.database.db,
        &demo.actor(shared::Role::GlobalAdmin),
        shared::reports::DatePreset::Today,
    )
    .await
    .unwrap();
    let csat = figures
        .kpis
        .iter()
        .find(|k| k.key == shared::dashboard::KpiKey::Csat)
        .unwrap();
    assert_eq!(csat.current, Some(7.5), "{csat:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_answer_is_asked_again_once_and_a_second_one_reopens() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    app.survey_customers(&demo).await;
    let token = app.demo_admin_token().await;
    let (visitor, number) = new_customer(&app, &channel, "Qual o prazo?").await;
    resolve(&app, &token, number, json!({ "status": "resolved" })).await;

    app.visitor_says(&channel, &visitor, "nota onze mil").await;
    assert_eq!(
        conversation(&app, &token, number).await["status"],
        "resolved"
    );
    let said = said_to_customer(&app, number).await;
    let (again, buttons) = said.last().unwrap();
    assert!(again.contains("Não entendi sua nota"), "{again}");
    assert_eq!(buttons.len(), 11);

    app.visitor_says(&channel, &visitor, "Na verdade quero trocar o produto")
        .await;
    let reopened = conversation(&app, &token, number).await;
    assert_ne!(reopened["status"], "resolved", "{reopened}");
    assert_eq!(reopened["csat"], Value::Null);
    let state: String = sqlx::query_scalar(
        "SELECT s.state FROM satisfaction_surveys s JOIN conversations c ON c.id = s.conversation_id
          WHERE c.number = $1",
    )
    .bind(number)
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(state, "ignored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolving_without_the_survey_takes_the_permission_and_the_account_may_turn_it_off() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let admin = app.demo_admin_token().await;
    let on = json!({ "satisfaction_survey": true });
    let (status, body) = rest(
        &app,
        &admin,
        reqwest::Method::PUT,
        "/account/quality",
        Some(on),
    )
    .await;
    assert_eq!((status, &body["satisfaction_survey"]), (200, &json!(true)));
    let agent = app.demo_token("agent@demo.ponte.dev").await;
    let supervisor = app.demo_token("supervisor@demo.ponte.dev").await;
    let surveys = |number: i64| {
        let app = &app;
        async move {
            said_to_customer(app, number)
                .await
                .iter()
                .filter(|(_, buttons)| buttons.len() == 11)
                .count()
        }
    };

    let (_, first) = new_customer(&app, &channel, "Oi").await;
    let without = json!({ "status": "resolved", "without_survey": true });
    let (status, body) = resolve(&app, &agent, first, without.clone()).await;
    assert_eq!(status, 403, "agents may not skip the survey: {body}");
    assert_eq!(conversation(&app, &admin, first).await["status"], "open");
    let (status, body) = resolve(&app, &supervisor, first, without).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(surveys(first).await, 0, "resolved without the survey");

    // Positive control: the agent's plain resolve sends it.
    let (_, second) = new_customer(&app, &channel, "Olá").await;
    let (status, _) = resolve(&app, &agent, second, json!({ "status": "resolved" })).await;
    assert_eq!(status, 200);
    assert_eq!(surveys(second).await, 1);

    // Turning it off: an admin's setting (audited), not a supervisor's.
    let off = json!({ "satisfaction_survey": false });
    let (status, _) = rest(
        &app,
        &supervisor,
        reqwest::Method::PUT,
        "/account/quality",
        Some(off.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = rest(
        &app,
        &admin,
        reqwest::Method::PUT,
        "/account/quality",
        Some(off),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["satisfaction_survey"], false);
    assert_eq!(body["quality_threshold"], 7.0);
    let (_, third) = new_customer(&app, &channel, "Bom dia").await;
    resolve(&app, &agent, third, json!({ "status": "resolved" })).await;
    assert_eq!(surveys(third).await, 0, "the account surveys no more");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE details->'changes' ? 'satisfaction_survey'",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert!(audited >= 1);
}

#[test]
fn ratings_come_from_short_answers_only() {
    use domain::satisfaction::parse_rating;
    assert_eq!(parse_rating("10/10"), Some(10));
    assert_eq!(parse_rating("meu pedido 5 não chegou"), None);
}
