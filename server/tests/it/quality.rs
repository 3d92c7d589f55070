//! The quality score workflow: a resolution is reviewed once by the AI —
//! score, justification, summary in the conversation JSON — and a score
//! under the account's threshold e-mails the managers (a real SMTP server),
//! rings their bells and marks the conversation critical, once per
//! resolution however many workers race for it.

use serde_json::{json, Value};
use shared::Role;

use crate::channels::api as rest;
use crate::helpers::{
    eventually, spawn_app, spawn_app_sending_to, test_outbox, test_vault, MailSink, TestApp,
};

async fn count(app: &TestApp, sql: &str, number: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(number)
        .fetch_one(&app.database.owner)
        .await
        .unwrap()
}

async fn low_score_lines(app: &TestApp, number: i64) -> i64 {
    count(
        app,
        "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.number = $1 AND m.activity->>'type' = 'low_quality_score'",
        number,
    )
    .await
}

async fn bells(app: &TestApp, number: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT u.email FROM notifications n JOIN conversations c ON c.id = n.conversation_id
           JOIN users u ON u.id = n.user_id
          WHERE c.number = $1 AND n.kind = 'low_score' ORDER BY u.email",
    )
    .bind(number)
    .fetch_all(&app.database.owner)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_score_alerts_the_managers_once_per_resolution_and_a_good_one_does_not() {
    let sink = MailSink::start().await;
    let app = spawn_app_sending_to(&sink).await;
    let (demo, channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let resolve = |number: i64| {
        let (app, token) = (&app, &token);
        async move {
            let (status, body) = rest(
                app,
                token,
                reqwest::Method::PATCH,
                &format!("/conversations/{number}"),
                Some(json!({ "status": "resolved" })),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
    };
    let conversation = |number: i64| {
        let (app, token) = (&app, &token);
        async move {
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
    };

    // Positive control first: a plain question answered at once scores 7.5,
    // above the default threshold of 7 — nobody is alerted.
    let calm = app
        .customer_says(&channel, &["Qual o prazo de entrega para Recife?"])
        .await;
    let (status, _) = rest(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/conversations/{calm}/messages"),
        Some(json!({ "content": "O prazo é de 5 dias úteis." })),
    )
    .await;
    assert_eq!(status, 201);
    resolve(calm).await;
    eventually("the calm conversation is reviewed", || async {
        conversation(calm).await["ai_score"].is_number()
    })
    .await;
    let reviewed = conversation(calm).await;
    assert_eq!(reviewed["ai_score"], 7.5, "{reviewed}");
    assert_eq!(reviewed["critical"], false);
    assert!(reviewed["ai_summary"]
        .as_str()
        .unwrap()
        .starts_with("Pedido: Qual o prazo de entrega para Recife?"));
    assert_eq!(low_score_lines(&app, calm).await, 0);
    assert!(bells(&app, calm).await.is_empty());

    // A hostile customer whose last message went unanswered.
    let hostile = app
        .customer_says(
            &channel,
            &[
                "Meu pedido não chegou e ninguém responde",
                "Péssimo atendimento, estou furioso, vou cancelar tudo!",
            ],
        )
        .await;
    resolve(hostile).await;
    // More workers race the server's own for the same review.
    let vault = test_vault();
    let (a, b) = tokio::join!(
        domain::ai::quality::review_due(&app.database.db, test_outbox(&vault), true),
        domain::ai::quality::review_due(&app.database.db, test_outbox(&vault), true),
    );
    a.unwrap();
    b.unwrap();
    eventually("the hostile conversation is reviewed", || async {
        conversation(hostile).await["ai_score"].is_number()
    })
    .await;
    let reviewed = conversation(hostile).await;
    let score = reviewed["ai_score"].as_f64().unwrap();
    assert!(score < 7.0, "{reviewed}");
    assert_eq!(reviewed["critical"], true, "marked critical");
    let justification = reviewed["ai_justification"].as_str().unwrap();
    assert!(
        justification.contains("ficou sem resposta"),
        "{justification}"
    );
    assert!(justification.contains("insatisfeito"), "{justification}");

    // The managers who may see it — the admin and the supervisor, never
    // the agent — get one e-mail each, with the score and the link.
    let subject_mark = format!("conversa #{hostile} ");
    let alert_to = |to: &'static str| {
        let (sink, subject_mark) = (&sink, &subject_mark);
        move || async move {
            sink.received()
                .into_iter()
                .any(|m| m.to == to && m.subject.contains(subject_mark.as_str()))
        }
    };
    eventually(
        "the admin's alert arrives",
        alert_to("admin@demo.ponte.dev"),
    )
    .await;
    eventually(
        "the supervisor's alert arrives",
        alert_to("supervisor@demo.ponte.dev"),
    )
    .await;
    let mail = sink
        .received()
        .into_iter()
        .find(|m| m.to == "admin@demo.ponte.dev" && m.subject.contains(&subject_mark))
        .unwrap();
    let shown = format!("{score:.1}").replace('.', ",");
    assert!(
        mail.subject.contains(&format!("{shown}/10")),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains(justification), "{}", mail.text);
    assert!(
        mail.text.contains(&format!("/inbox/{hostile}")),
        "{}",
        mail.text
    );
    assert_eq!(
        bells(&app, hostile).await,
        ["admin@demo.ponte.dev", "supervisor@demo.ponte.dev"]
    );

    // Once: the racing workers and a second look change nothing.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    domain::ai::quality::review_due(&app.database.db, test_outbox(&vault), true)
        .await
        .unwrap();
    let alerts_for = |mails: Vec<crate::helpers::ReceivedMail>| {
        mails
            .iter()
            .filter(|m| m.subject.contains(&subject_mark))
            .count()
    };
    assert_eq!(alerts_for(sink.received()), 2, "one mail per manager");
    assert!(!sink
        .received()
        .iter()
        .any(|m| m.to == "agent@demo.ponte.dev"));
    assert_eq!(low_score_lines(&app, hostile).await, 1);
    assert_eq!(bells(&app, hostile).await.len(), 2);

    // Reopened by the customer and resolved again: a new resolution, a new
    // review, a new alert.
    sqlx::query("UPDATE conversations SET critical = false WHERE number = $1")
        .bind(hostile)
        .execute(&app.database.owner)
        .await
        .unwrap();
    let (status, body) = rest(
        &app,
        &token,
        reqwest::Method::PATCH,
        &format!("/conversations/{hostile}"),
        Some(json!({ "status": "open" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    resolve(hostile).await;
    eventually("the second resolution alerts again", || async {
        low_score_lines(&app, hostile).await == 2
    })
    .await;
    assert_eq!(conversation(hostile).await["critical"], true);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM quality_reviews q JOIN conversations c ON c.id = q.conversation_id
              WHERE c.number = $1 AND q.alerted",
            hostile
        )
        .await,
        2
    );

    // The dashboard: the mean score and how the scores spread.
    let (reviews, mean): (i64, f64) = sqlx::query_as(
        "SELECT count(*), avg(score)::float8 FROM quality_reviews WHERE score IS NOT NULL",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert!(reviews >= 3, "the calm one and two hostile resolutions");
    let admin = demo.actor(Role::GlobalAdmin);
    let figures =
        domain::dashboard::figures(&app.database.db, &admin, shared::reports::DatePreset::Today)
            .await
            .unwrap();
    let kpi = |key| figures.kpis.iter().find(|k| k.key == key).unwrap().current;
    let shown = kpi(shared::dashboard::KpiKey::QualityScore).unwrap();
    assert!((shown - mean).abs() < 1e-4, "{shown} vs {mean}");
    assert!(kpi(shared::dashboard::KpiKey::Sentiment).is_some());
    assert_eq!(figures.quality_scores.iter().sum::<i64>(), reviews);
    let sevens: i64 =
        sqlx::query_scalar("SELECT count(*) FROM quality_reviews WHERE score >= 7 AND score < 8")
            .fetch_one(&app.database.owner)
            .await
            .unwrap();
    assert!(sevens >= 1, "the calm 7.5");
    assert_eq!(figures.quality_scores[7], sevens);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_set_the_threshold_audited_and_agents_may_not() {
    let app = spawn_app().await;
    let (demo, _channel) = app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let path = "/account/quality";

    let (status, body) = rest(&app, &token, reqwest::Method::GET, path, None).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({ "quality_threshold": 7.0, "satisfaction_survey": false })
        )
    );
    let (status, body) = rest(
        &app,
        &token,
        reqwest::Method::PUT,
        path,
        Some(json!({ "quality_threshold": 11 })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"][0]["field"], "quality_threshold");
    let (status, body) = rest(
        &app,
        &token,
        reqwest::Method::PUT,
        path,
        Some(json!({ "quality_threshold": 6.5 })),
    )
    .await;
    assert_eq!(body["quality_threshold"], 6.5, "{body}");
    assert_eq!(status, 200);
    let audited: Vec<Value> = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'account_settings_changed'
            AND details->>'section' = 'quality' AND details->'changes' ? 'quality_threshold'",
    )
    .fetch_all(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(
        audited,
        [json!({ "section": "quality", "changes": { "quality_threshold": [7.0, 6.5] } })]
    );

    // An agent may neither read nor change it; a supervisor may.
    let agent = demo.actor(Role::Agent);
    let refused = domain::ai::quality::settings::set_threshold(&app.database.db, &agent, "3").await;
    assert!(refused.is_err());
    let supervisor = demo.actor(Role::Supervisor);
    let changed =
        domain::ai::quality::settings::set_threshold(&app.database.db, &supervisor, "8,5").await;
    assert_eq!(changed.unwrap(), 8.5);
}
