//! Report files built in the background: progress frames reach the
//! requester's sockets and nobody else's, the file equals the direct
//! download, only the requester downloads it, and a person's queue is
//! capped.

use serde_json::{json, Value};
use shared::reports::{ExportFailure, ExportState, ReportExport};
use shared::Role;
use std::time::Duration;
use uuid::Uuid;

use crate::helpers::*;
use crate::realtime::{agent_socket, wait_for};

const PASSWORD: &str = "ponte-demo-2026";

fn request(report: &str, format: &str) -> Value {
    json!({ "request": {
        "report": report, "format": format, "locale": "pt-BR",
        "filter": { "preset": "last_30_days" }
    }})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_shows_its_progress_to_its_requester_and_downloads_for_them_only() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let admin = demo.actor(Role::GlobalAdmin);
    let supervisor = demo.actor(Role::Supervisor);
    let mut requester_socket = agent_socket(&app, &app.base_url, &admin.email).await;
    let mut other_socket = agent_socket(&app, &app.base_url, &supervisor.email).await;
    let browser = app.signed_in(&admin.email, PASSWORD).await;

    let started = browser
        .call_json("start_report_export", &request("work-log", "pdf"))
        .await;
    assert_eq!(started.status, 200, "{}", started.body);
    let started: ReportExport = started.json();
    assert_eq!(started.state, ExportState::Queued);

    let mut frames: Vec<ReportExport> = Vec::new();
    while frames.last().is_none_or(|e| !e.state.finished()) {
        let frame = wait_for(&mut requester_socket, Duration::from_secs(20), |v| {
            v["type"] == "report_export"
        })
        .await
        .expect("a progress frame");
        let export: ReportExport = serde_json::from_value(frame["export"].clone()).unwrap();
        assert_eq!(export.id, started.id);
        frames.push(export);
    }
    let done = frames.last().unwrap();
    assert_eq!(done.state, ExportState::Done, "{frames:?}");
    assert_eq!(done.progress, 100);
    assert!(frames.len() >= 2, "progress before the end: {frames:?}");
    assert!(
        frames.windows(2).all(|w| w[0].progress <= w[1].progress),
        "progress only grows: {frames:?}"
    );
    let name = done.file_name.clone().unwrap();
    assert!(
        name.starts_with("ponte-work-log-") && name.ends_with(".pdf"),
        "{name}"
    );
    assert!(
        wait_for(&mut other_socket, Duration::from_millis(500), |v| {
            v["type"] == "report_export"
        })
        .await
        .is_none(),
        "another person's browser hears nothing of it"
    );

    let file = browser
        .http
        .get(format!("{}{}", app.base_url, done.download_path()))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    let bytes = file.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4"));
    assert!(String::from_utf8_lossy(&bytes).contains("Registro de trabalho"));

    let someone_else = app.signed_in(&supervisor.email, PASSWORD).await;
    let refused = someone_else
        .http
        .get(format!("{}{}", app.base_url, done.download_path()))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404, "only the requester downloads it");
    let progress = someone_else
        .call("export_progress", &[("id", &started.id.to_string())])
        .await;
    assert_eq!(progress.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_builds_the_same_csv_as_the_direct_download() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let client = app.plain_client();
    let get = |path: String| {
        let request = client
            .get(format!("{}{path}", app.base_url))
            .bearer_auth(&token);
        async move { request.send().await.unwrap() }
    };

    let started = client
        .post(format!("{}/api/v1/report-exports", app.base_url))
        .bearer_auth(&token)
        .json(&request("productivity", "csv")["request"])
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 202);
    let started: ReportExport = started.json().await.unwrap();
    let mut export = started.clone();
    for _ in 0..200 {
        let path = format!("/api/v1/report-exports/{}", started.id);
        export = get(path).await.json().await.unwrap();
        if export.state.finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(export.state, ExportState::Done, "{export:?}");
    let file = format!("/api/v1/report-exports/{}/file", started.id);
    let built = get(file).await.text().await.unwrap();
    let direct = get("/api/v1/reports/productivity?preset=last_30_days&format=csv".into())
        .await
        .text()
        .await
        .unwrap();
    assert!(built.lines().count() > 2, "{built}");
    assert_eq!(built, direct);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_full_queues_and_departed_requesters_are_refused() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let owner = &app.database.owner;
    let agent = demo.actor(Role::Agent);
    let browser = app.signed_in(&agent.email, PASSWORD).await;

    let reversed = browser
        .call_json(
            "start_report_export",
            &json!({ "request": {
                "report": "work-log", "format": "csv",
                "filter": { "from": "2026-03-10", "to": "2026-03-01" }
            }}),
        )
        .await;
    assert_eq!(
        reversed.error().field_code("from"),
        Some(shared::ErrorCode::RangeReversed)
    );

    // Three of the agent's exports held by a (pretend) busy instance.
    sqlx::query(
        "INSERT INTO report_exports (id, account_id, requested_by, report, format, filter, locale,
                                     state, lease_until)
         SELECT gen_random_uuid(), $1, $2, 'idle', 'csv', '{}', 'en', 'running', now() + interval '1 hour'
           FROM generate_series(1, 3)",
    )
    .bind(demo.account_id)
    .bind(agent.user_id)
    .execute(owner)
    .await
    .unwrap();
    let full = browser
        .call_json("start_report_export", &request("idle", "csv"))
        .await;
    assert_eq!(full.status, 429, "{}", full.body);
    sqlx::query(
        "UPDATE report_exports SET state = 'failed', error = 'failed' WHERE requested_by = $1",
    )
    .bind(agent.user_id)
    .execute(owner)
    .await
    .unwrap();
    let accepted = browser
        .call_json("start_report_export", &request("idle", "csv"))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);

    // A requester who left before the build: nothing is built for them.
    let departed: Uuid = demo.actor(Role::Supervisor).user_id;
    let id = Uuid::new_v4();
    sqlx::query("UPDATE memberships SET active = false WHERE user_id = $1")
        .bind(departed)
        .execute(owner)
        .await
        .unwrap();
    // Their export, still queued: the leaving comes first here so that no
    // worker builds it in between.
    sqlx::query(
        "INSERT INTO report_exports (id, account_id, requested_by, report, format, filter, locale)
         VALUES ($1, $2, $3, 'productivity', 'pdf', '{}', 'en')",
    )
    .bind(id)
    .bind(demo.account_id)
    .bind(departed)
    .execute(owner)
    .await
    .unwrap();
    sqlx::query("SELECT pg_notify('ponte_jobs', '')")
        .execute(owner)
        .await
        .unwrap();
    let mut state = (String::new(), None::<String>);
    for _ in 0..200 {
        state = sqlx::query_as("SELECT state, error FROM report_exports WHERE id = $1")
            .bind(id)
            .fetch_one(owner)
            .await
            .unwrap();
        if state.0 == "failed" || state.0 == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        state,
        (
            "failed".to_string(),
            Some(ExportFailure::NotAllowed.as_str().to_string())
        )
    );
}
