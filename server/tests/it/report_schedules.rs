//! Reports e-mailed on a schedule, through a real SMTP server (aiosmtpd):
//! the file arrives once per run, runs fall at 7:00 in the account's time
//! zone, and only managers schedule, each seeing what is theirs.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde_json::json;
use shared::reports::{FileFormat, Frequency, ReportKind, ScheduleForm};
use shared::{ErrorCode, Locale, Role};
use std::time::Duration;

use crate::helpers::*;
use crate::realtime::{agent_socket, wait_for};

const PASSWORD: &str = "ponte-demo-2026";

/// Polls `check` (up to 10 s) until it holds.
async fn until<F, Fut>(check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened");
}

async fn scheduled_mails(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outgoing_mail WHERE kind = 'scheduled_report'")
        .fetch_one(&app.database.owner)
        .await
        .unwrap()
}

/// Makes schedule `id` due as if its run were Monday 2026-11-30, 7:00 in
/// São Paulo (the demo's time zone).
async fn make_due(app: &TestApp, id: i64) {
    sqlx::query("UPDATE report_schedules SET next_run_at = '2026-11-30 10:00+00' WHERE id = $1")
        .bind(id)
        .execute(&app.database.owner)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_report_is_mailed_once_with_its_file_and_waits_for_the_next_monday() {
    let sink = MailSink::start().await;
    let app = spawn_app_sending_to(&sink).await;
    app.demo_inbox().await;
    let browser = app.signed_in("admin@demo.ponte.dev", PASSWORD).await;
    let form = |recipients: &str| {
        json!({ "form": {
            "report": "productivity", "frequency": "weekly", "format": "pdf",
            "recipients": recipients, "locale": "pt-BR"
        }})
    };

    let refused = browser
        .call_json(
            "schedule_report",
            &form("gestora@azul.example, not-an-address"),
        )
        .await;
    assert_eq!(
        refused.error().field_code("recipients"),
        Some(ErrorCode::EmailInvalid)
    );
    let created = browser
        .call_json(
            "schedule_report",
            &form("Gestora@Azul.example; dono@azul.example"),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let schedule: shared::reports::ReportSchedule = created.json();
    assert_eq!(
        schedule.recipients,
        ["gestora@azul.example", "dono@azul.example"]
    );
    // The first run: the coming Monday, 7:00 in São Paulo (10:00 UTC).
    let next = schedule.next_run_at;
    assert_eq!(
        (next.weekday(), next.hour(), next.minute()),
        (chrono::Weekday::Mon, 10, 0)
    );
    assert!(next > Utc::now() && next - Utc::now() <= chrono::Duration::days(7));

    make_due(&app, schedule.id).await;
    let mails = sink.wait_for("gestora@azul.example", 1).await;
    let mail = &mails[0];
    assert_eq!(
        mail.subject,
        "Relatório agendado: Produtividade (23/11/2026 – 29/11/2026)"
    );
    assert!(
        mail.text.contains("agendado por Ana Admin"),
        "{}",
        mail.text
    );
    let [(name, pdf)] = &mail.attachments[..] else {
        panic!("one attachment: {:?}", mail.attachments.len());
    };
    assert_eq!(name, "ponte-productivity-2026-11-23-2026-11-29.pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        pdf.windows(b"Produtividade".len())
            .any(|w| w == b"Produtividade"),
        "the PDF has the report's title"
    );
    sink.wait_for("dono@azul.example", 1).await;

    // Once per run: the schedule waits for the following Monday.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(scheduled_mails(&app).await, 2);
    let (next, last_run, error): (DateTime<Utc>, Option<DateTime<Utc>>, Option<String>) =
        sqlx::query_as(
            "SELECT next_run_at, last_run_at, last_error FROM report_schedules WHERE id = $1",
        )
        .bind(schedule.id)
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    assert!(last_run.is_some() && error.is_none(), "{error:?}");
    assert_eq!((next.weekday(), next.hour()), (chrono::Weekday::Mon, 10));
    assert!(next > Utc::now());
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'report_scheduled'")
            .fetch_one(&app.database.owner)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_schedule_their_own_and_an_owner_who_loses_the_right_stops_the_mail() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let db = &app.database.db;
    let (admin, supervisor, agent) = (
        demo.actor(Role::GlobalAdmin),
        demo.actor(Role::Supervisor),
        demo.actor(Role::Agent),
    );
    let form = ScheduleForm {
        report: ReportKind::WorkLog,
        frequency: Frequency::Daily,
        format: FileFormat::Csv,
        recipients: "gestora@azul.example".into(),
        agents: vec![],
        departments: vec![],
        channels: vec![],
        categories: vec![],
        locale: Locale::En,
    };
    use domain::reports::schedules;

    let refused = schedules::create(db, &agent, &form).await;
    assert!(
        matches!(refused, Err(domain::Error::Forbidden)),
        "{refused:?}"
    );
    let stranger = ScheduleForm {
        agents: vec![uuid::Uuid::new_v4()],
        ..form.clone()
    };
    let refused = schedules::create(db, &admin, &stranger).await;
    assert!(
        matches!(&refused, Err(domain::Error::Validation(errors)) if errors[0].field == "agents"),
        "{refused:?}"
    );
    // Channels and categories of another account (or none) are refused too.
    for (field, stranger) in [
        (
            "channels",
            ScheduleForm {
                channels: vec![i64::MAX],
                ..form.clone()
            },
        ),
        (
            "categories",
            ScheduleForm {
                categories: vec![i64::MAX],
                ..form.clone()
            },
        ),
    ] {
        let refused = schedules::create(db, &admin, &stranger).await;
        assert!(
            matches!(&refused, Err(domain::Error::Validation(errors)) if errors[0].field == field),
            "{field}: {refused:?}"
        );
    }
    let mut admin_socket = agent_socket(&app, &app.base_url, &admin.email).await;
    let mut agent_socket_ = agent_socket(&app, &app.base_url, &agent.email).await;
    let mine = schedules::create(db, &supervisor, &form).await.unwrap();
    // Managers' open pages refetch the list; agents hear nothing of it.
    let changed = |v: &serde_json::Value| v["type"] == "report_schedules_changed";
    assert!(wait_for(&mut admin_socket, Duration::from_secs(5), changed)
        .await
        .is_some());
    assert!(
        wait_for(&mut agent_socket_, Duration::from_millis(300), changed)
            .await
            .is_none()
    );
    let admins = schedules::create(db, &admin, &form).await.unwrap();
    // Daily runs: the next 7:00 in São Paulo, within a day.
    assert_eq!(mine.next_run_at.hour(), 10);
    assert!(mine.next_run_at - Utc::now() <= chrono::Duration::days(1));

    let listed = |actor| async move {
        let list = schedules::list(db, &actor).await.unwrap();
        list.into_iter().map(|s| s.id).collect::<Vec<_>>()
    };
    assert_eq!(listed(supervisor.clone()).await, [mine.id]);
    assert_eq!(listed(admin.clone()).await, [mine.id, admins.id]);
    let not_theirs = schedules::remove(db, &supervisor, admins.id).await;
    assert!(
        matches!(not_theirs, Err(domain::Error::NotFound)),
        "{not_theirs:?}"
    );
    schedules::remove(db, &admin, admins.id).await.unwrap();

    // The supervisor is made an agent, then leaves: each run mails nothing
    // and says why.
    let run_fails_with = |role_change: &'static str, reason: &'static str| {
        let app = &app;
        async move {
            sqlx::query(role_change)
                .bind(supervisor.user_id)
                .execute(&app.database.owner)
                .await
                .unwrap();
            make_due(app, mine.id).await;
            until(|| async {
                let error: Option<String> =
                    sqlx::query_scalar("SELECT last_error FROM report_schedules WHERE id = $1")
                        .bind(mine.id)
                        .fetch_one(&app.database.owner)
                        .await
                        .unwrap();
                error.is_some_and(|e| e.contains(reason))
            })
            .await;
        }
    };
    run_fails_with(
        "UPDATE memberships SET role = 'agent' WHERE user_id = $1",
        "may no longer see the team's reports",
    )
    .await;
    run_fails_with(
        "UPDATE memberships SET active = false WHERE user_id = $1",
        "no longer an active member",
    )
    .await;
    assert_eq!(scheduled_mails(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automation_lists_creates_and_removes_schedules_over_rest() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let token = app.demo_admin_token().await;
    let url = format!("{}/api/v1/report-schedules", app.base_url);
    let client = app.plain_client();
    let list = || async {
        let listed: Vec<shared::reports::ReportSchedule> = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        listed.into_iter().map(|s| s.id).collect::<Vec<_>>()
    };
    let post = |body: serde_json::Value| client.post(&url).bearer_auth(&token).json(&body).send();

    let bad = post(json!({"report": "idle", "frequency": "hourly", "format": "csv", "recipients": "a@b.example"}))
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let created = post(json!({"report": "idle", "frequency": "monthly", "format": "csv", "recipients": "a@b.example"}))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let schedule: shared::reports::ReportSchedule = created.json().await.unwrap();
    // Monthly runs fall on the 1st, 7:00 in São Paulo.
    assert_eq!(
        (schedule.next_run_at.day(), schedule.next_run_at.hour()),
        (1, 10)
    );
    assert_eq!(list().await, [schedule.id]);
    let removed = client
        .delete(format!("{url}/{}", schedule.id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    assert!(list().await.is_empty());
}
