//! The offline AI's reading of customers: each text message gets a
//! sentiment, and the conversation follows how the customer feels lately —
//! in the REST API's `ai_sentiment`, in Portuguese and English alike.

use reqwest::Method;
use serde_json::Value;

use crate::channels::{admin_token, api, count, create_whatsapp, post_webhook, APP_SECRET};
use crate::helpers::{eventually, spawn_app, TestApp};
use crate::mock_providers::{whatsapp_messages, MockGraph};

async fn feeling_of(app: &TestApp, token: &str, number: i64) -> Value {
    let (status, conversation) = api(
        app,
        token,
        Method::GET,
        &format!("/conversations/{number}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{conversation}");
    conversation["ai_sentiment"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customers_feeling_follows_their_messages_the_latest_weighing_most() {
    let app = spawn_app().await;
    let graph = MockGraph::start().await;
    let token = admin_token(&app).await;
    let channel = create_whatsapp(&app, &token, &graph.base_url).await;
    let id = channel["id"].as_i64().unwrap();
    let says = |wamid: &'static str, from: &'static str, text: &'static str| {
        let app = &app;
        async move {
            let body = whatsapp_messages(&[(wamid, from, text)], "Cliente");
            assert_eq!(post_webhook(app, id, &body, Some(APP_SECRET)).await, 200);
        }
    };

    says(
        "wamid.S1",
        "5511911110000",
        "Péssimo atendimento, ninguém resolve nada.",
    )
    .await;
    eventually("the message arrives", || async {
        count(
            &app,
            "SELECT count(*) FROM messages WHERE kind = 'incoming'",
        )
        .await
            == 1
    })
    .await;
    let number = count(&app, "SELECT number FROM conversations").await;
    assert_eq!(feeling_of(&app, &token, number).await, "negative");
    assert_eq!(
        count(&app, "SELECT count(*) FROM messages WHERE sentiment < -0.5").await,
        1,
        "the message itself is read as hostile"
    );

    // Better news moves it, but one message does not erase the first…
    says(
        "wamid.S2",
        "5511911110000",
        "Agora sim, resolvido! Muito obrigado, vocês são ótimos",
    )
    .await;
    eventually("the conversation turns neutral", || async {
        feeling_of(&app, &token, number).await == "neutral"
    })
    .await;
    // …and another does (in English, too).
    says("wamid.S3", "5511911110000", "Perfect, thank you so much!").await;
    eventually("the conversation turns positive", || async {
        feeling_of(&app, &token, number).await == "positive"
    })
    .await;

    // A plain question is neutral.
    says(
        "wamid.S4",
        "5511922220000",
        "Qual o horário de funcionamento?",
    )
    .await;
    eventually("the second conversation is read", || async {
        count(
            &app,
            "SELECT count(*) FROM conversations WHERE sentiment IS NOT NULL",
        )
        .await
            == 2
    })
    .await;
    let second = count(&app, "SELECT max(number) FROM conversations").await;
    assert_eq!(feeling_of(&app, &token, second).await, "neutral");

    // Each customer message says how it reads, as the timeline marks it.
    let (status, page) = api(
        &app,
        &token,
        Method::GET,
        &format!("/conversations/{number}/messages"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let feelings: Vec<(&str, &Value)> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "incoming")
        .map(|m| (m["body"].as_str().unwrap(), &m["sentiment"]))
        .collect();
    assert_eq!(
        feelings,
        [
            (
                "Péssimo atendimento, ninguém resolve nada.",
                &Value::from("negative")
            ),
            (
                "Agora sim, resolvido! Muito obrigado, vocês são ótimos",
                &Value::from("positive")
            ),
            ("Perfect, thank you so much!", &Value::from("positive")),
        ]
    );
}
