//! Reports: hand-computed figures on a fixed day, the CSV equal to the JSON
//! (and to the page's table), the PDF, and who sees whose figures.

use serde_json::Value;
use shared::reports::{DatePreset, ReportFilter, ReportKind};
use shared::Role;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::spawn_app;

const PASSWORD: &str = "ponte-demo-2026";
/// 2026-03-10 in São Paulo (UTC−3, the demo's time zone): 03:00 UTC to
/// 03:00 UTC the next day.
const DAY: &str = "2026-03-10";

async fn exec(owner: &PgPool, sql: &str, account: Uuid, user: Uuid) {
    sqlx::query(sql)
        .bind(account)
        .bind(user)
        .execute(owner)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

/// Two conversations the agent worked on DAY, with hand-picked times:
/// - A: first response after 60 s, resolved after 660 s, never transferred
///   (handling 600 s, a first-contact resolution), with a subcategory and
///   its parent;
/// - B: first response after 120 s, transferred by the supervisor, resolved
///   by the agent after 1,320 s (handling 1,200 s, not first contact), with
///   the subcategory.
///
/// Returns the subcategory's and the parent's names as reports give them.
async fn worked_conversations(
    owner: &PgPool,
    account: Uuid,
    agent: Uuid,
    supervisor: Uuid,
) -> (String, String) {
    let ids: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, channel_id FROM conversations c WHERE account_id = $1
            AND NOT EXISTS (SELECT 1 FROM conversation_categories cc WHERE cc.conversation_id = c.id)
          ORDER BY id LIMIT 2",
    )
    .bind(account)
    .fetch_all(owner)
    .await
    .unwrap();
    let [(a, channel_a), (b, channel_b)] = ids[..] else {
        panic!("the demo inbox has two uncategorized conversations")
    };
    let events = [
        (a, channel_a, agent, "first_response", Some(60), "12:01"),
        (a, channel_a, agent, "message_sent", None, "12:01"),
        (a, channel_a, agent, "message_sent", None, "12:05"),
        (
            a,
            channel_a,
            agent,
            "conversation_resolved",
            Some(660),
            "12:11",
        ),
        (b, channel_b, agent, "first_response", Some(120), "12:02"),
        (
            b,
            channel_b,
            supervisor,
            "conversation_transferred",
            None,
            "12:10",
        ),
        (
            b,
            channel_b,
            agent,
            "conversation_resolved",
            Some(1320),
            "12:22",
        ),
    ];
    for (conversation, channel, user, kind, seconds, at) in events {
        sqlx::query(
            "INSERT INTO productivity_events (account_id, user_id, kind, conversation_id, channel_id, seconds, occurred_at)
             VALUES ($1, $2, $3, $4, $5, $6, ($7::date + $8::time) AT TIME ZONE 'UTC')",
        )
        .bind(account)
        .bind(user)
        .bind(kind)
        .bind(conversation)
        .bind(channel)
        .bind(seconds)
        .bind(chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d").unwrap())
        .bind(chrono::NaiveTime::parse_from_str(at, "%H:%M").unwrap())
        .execute(owner)
        .await
        .unwrap();
    }
    // Reports name a subcategory with its parent: "Parent › Child".
    let (child, parent, child_path, parent_name): (i64, i64, String, String) = sqlx::query_as(
        "SELECT c.id, p.id, p.name || ' › ' || c.name, p.name
           FROM categories c JOIN categories p ON p.id = c.parent_id
          WHERE c.account_id = $1 ORDER BY c.id LIMIT 1",
    )
    .bind(account)
    .fetch_one(owner)
    .await
    .unwrap();
    for (conversation, category) in [(a, child), (a, parent), (b, child)] {
        sqlx::query("INSERT INTO conversation_categories (account_id, conversation_id, category_id) VALUES ($1, $2, $3)")
            .bind(account)
            .bind(conversation)
            .bind(category)
            .execute(owner)
            .await
            .unwrap();
    }
    (child_path, parent_name)
}

/// The agent: 08:00–16:00 local with 30 min idle and 60 min away. The
/// supervisor: 23:00 the day before to 01:00, one hour of it on DAY.
async fn work_sessions(owner: &PgPool, account: Uuid, agent: Uuid, supervisor: Uuid) {
    exec(
        owner,
        "WITH s AS (
            INSERT INTO work_sessions (account_id, user_id, started_at, last_seen_at, ended_at, end_reason)
            VALUES ($1, $2, '2026-03-10 11:00Z', '2026-03-10 19:00Z', '2026-03-10 19:00Z', 'sign_out')
            RETURNING id)
         INSERT INTO inactivity_periods (account_id, work_session_id, user_id, started_at, ended_at, reason)
         SELECT $1, s.id, $2, p.started_at, p.ended_at, p.reason FROM s, (VALUES
            ('2026-03-10 13:00Z'::timestamptz, '2026-03-10 13:30Z'::timestamptz, 'idle'),
            ('2026-03-10 15:00Z', '2026-03-10 16:00Z', 'away')) AS p(started_at, ended_at, reason)",
        account,
        agent,
    )
    .await;
    exec(
        owner,
        "INSERT INTO work_sessions (account_id, user_id, started_at, last_seen_at, ended_at, end_reason)
         VALUES ($1, $2, '2026-03-10 02:00Z', '2026-03-10 04:00Z', '2026-03-10 04:00Z', 'sign_out')",
        account,
        supervisor,
    )
    .await;
}

fn row<'a>(report: &'a Value, email: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["agent"]["email"] == email)
        .unwrap_or_else(|| panic!("no row for {email} in {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_give_hand_computed_figures_and_the_csv_equals_the_json() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let owner = &app.database.owner;
    let agent = demo.actor(Role::Agent);
    let supervisor = demo.actor(Role::Supervisor);
    let (child, parent) =
        worked_conversations(owner, demo.account_id, agent.user_id, supervisor.user_id).await;
    work_sessions(owner, demo.account_id, agent.user_id, supervisor.user_id).await;
    let token = app.demo_admin_token().await;
    let get = |path: String| {
        let request = app
            .plain_client()
            .get(format!("{}{path}", app.base_url))
            .bearer_auth(&token);
        async move { request.send().await.unwrap() }
    };
    let json = |kind: &str| get(format!("/api/v1/reports/{kind}?from={DAY}&to={DAY}"));

    let productivity: Value = json("productivity").await.json().await.unwrap();
    let alice = row(&productivity, &agent.email);
    assert_eq!(alice["interactions"], 2);
    assert_eq!(alice["resolved"], 2);
    assert_eq!(alice["messages"], 2);
    assert_eq!(alice["first_response_seconds"], 90);
    assert_eq!(alice["handling_seconds"], 900);
    assert_eq!(alice["resolution_seconds"], 990);
    assert_eq!(alice["first_contact_resolution"], 0.5);
    assert_eq!(
        alice["csat"],
        Value::Null,
        "no surveys yet: never a made-up figure"
    );
    let sergio = row(&productivity, &supervisor.email);
    assert_eq!(sergio["transfers"], 1);
    assert_eq!(sergio["resolved"], 0);
    assert_eq!(sergio["first_response_seconds"], Value::Null);
    assert_eq!(productivity["totals"]["resolved"], 2);

    // The channel and category filters narrow what is counted: per channel,
    // her resolutions there; none on a channel she did not work; the parent
    // category only conversation A, the subcategory both.
    let resolved_per_channel: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT e.channel_id, count(*) FROM productivity_events e JOIN accounts a ON a.id = e.account_id
          WHERE e.account_id = $1 AND e.user_id = $2 AND e.kind = 'conversation_resolved'
            AND (e.occurred_at AT TIME ZONE a.timezone)::date = $3
          GROUP BY e.channel_id",
    )
    .bind(demo.account_id)
    .bind(agent.user_id)
    .bind(chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d").unwrap())
    .fetch_all(owner)
    .await
    .unwrap();
    let narrowed = |query: String| {
        let response = get(format!(
            "/api/v1/reports/productivity?from={DAY}&to={DAY}&{query}"
        ));
        let email = agent.email.clone();
        async move {
            let report: Value = response.await.json().await.unwrap();
            row(&report, &email)["resolved"].clone()
        }
    };
    for (channel, count) in &resolved_per_channel {
        assert_eq!(narrowed(format!("channels={channel}")).await, *count);
    }
    let unworked: i64 = sqlx::query_scalar(
        "SELECT id FROM channels WHERE account_id = $1 AND id <> ALL($2) ORDER BY id LIMIT 1",
    )
    .bind(demo.account_id)
    .bind(
        resolved_per_channel
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>(),
    )
    .fetch_one(owner)
    .await
    .unwrap();
    assert_eq!(narrowed(format!("channels={unworked}")).await, 0);
    let category_id = |name: String| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT c.id FROM categories c LEFT JOIN categories p ON p.id = c.parent_id
              WHERE c.account_id = $1 AND coalesce(p.name || ' › ', '') || c.name = $2",
        )
        .bind(demo.account_id)
        .bind(name)
        .fetch_one(owner)
        .await
        .unwrap()
    };
    let (parent_id, child_id) = (
        category_id(parent.clone()).await,
        category_id(child.clone()).await,
    );
    assert_eq!(narrowed(format!("categories={parent_id}")).await, 1);
    assert_eq!(narrowed(format!("categories={child_id}")).await, 2);

    let work_log: Value = json("work-log").await.json().await.unwrap();
    let alice = row(&work_log, &agent.email);
    assert_eq!(alice["total_seconds"], 8 * 3600);
    assert_eq!(alice["active_seconds"], 8 * 3600 - 5400);
    assert_eq!(alice["inactive_seconds"], 5400);
    assert_eq!(alice["days"][0]["login"], "08:00");
    assert_eq!(alice["days"][0]["logout"], "16:00");
    // Her day as it went, in minutes from midnight.
    let stretches: Vec<(u64, u64, Value)> = alice["days"][0]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let minute = |key: &str| s[key].as_u64().unwrap();
            (
                minute("from_minute"),
                minute("to_minute"),
                s["inactive"].clone(),
            )
        })
        .collect();
    assert_eq!(
        stretches,
        [
            (480, 600, Value::Null),
            (600, 630, "idle".into()),
            (630, 720, Value::Null),
            (720, 780, "away".into()),
            (780, 960, Value::Null),
        ]
    );
    // Only the part after midnight belongs to DAY.
    let sergio = row(&work_log, &supervisor.email);
    assert_eq!(sergio["total_seconds"], 3600);
    assert_eq!(sergio["days"][0]["login"], "00:00");
    assert_eq!(sergio["days"][0]["logout"], "01:00");

    let idle: Value = json("idle").await.json().await.unwrap();
    let alice = row(&idle, &agent.email);
    assert_eq!(alice["idle_seconds"], 1800);
    assert_eq!(alice["away_seconds"], 3600);
    assert_eq!(alice["periods"], 2);
    assert_eq!(alice["longest_period_seconds"], 3600);

    let categorization: Value = json("categorization").await.json().await.unwrap();
    let alice = row(&categorization, &agent.email);
    assert_eq!(alice["resolved"], 2);
    assert_eq!(alice["categorized"], 2);
    assert_eq!(alice["uncategorized"], 0);
    let counted = |name: &str| {
        let found = alice["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name);
        let found = found.unwrap_or_else(|| panic!("no {name} in {alice}"));
        (found["count"].clone(), found["with_subcategories"].clone())
    };
    assert_eq!(
        alice["categories"][0]["name"],
        child.as_str(),
        "most used first"
    );
    assert_eq!(counted(&child), (2.into(), 2.into()));
    // A carries the parent and its subcategory: one resolution, not two.
    assert_eq!(counted(&parent), (1.into(), 2.into()));

    // The CSV: one line per row, the JSON's figures in the JSON's names.
    let csv = get(format!(
        "/api/v1/reports/productivity?from={DAY}&to={DAY}&format=csv"
    ))
    .await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..4],
        ["agent_id", "agent_name", "agent_email", "interactions"]
    );
    let rows = productivity["rows"].as_array().unwrap();
    assert_eq!(csv.lines().count(), rows.len() + 1);
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let json_row = row(&productivity, fields[2]);
        for (name, value) in header.iter().zip(&fields).skip(3) {
            let expected = match &json_row[*name] {
                Value::Null => String::new(),
                Value::Number(n) if n.is_f64() => format!("{:.4}", n.as_f64().unwrap()),
                other => other.to_string(),
            };
            assert_eq!(*value, expected, "{name} of {}", fields[2]);
        }
    }

    // The page's table (the server function) shows the same figures.
    let browser = app.signed_in("admin@demo.ponte.dev", PASSWORD).await;
    let filter = ReportFilter {
        preset: Some(DatePreset::Custom),
        from: DAY.parse().ok(),
        to: DAY.parse().ok(),
        ..ReportFilter::default()
    };
    let table: shared::reports::ReportTable = browser
        .call_json(
            "report_table",
            &serde_json::json!({ "kind": ReportKind::Productivity, "filter": filter }),
        )
        .await
        .json();
    let on_screen = table
        .rows
        .iter()
        .find(|r| r.agent.email == agent.email)
        .unwrap();
    let resolved_column = table.columns.iter().position(|c| c == "resolved").unwrap();
    assert_eq!(on_screen.cells[resolved_column].csv_text(), "2");
    assert_eq!(
        on_screen.cells[table
            .columns
            .iter()
            .position(|c| c == "handling_seconds")
            .unwrap()]
        .display_text(),
        "00:15:00"
    );

    // The PDF: a real document with the report's title, from the page's
    // session-authenticated download too.
    let cookie = app.session_cookie("admin@demo.ponte.dev", PASSWORD).await;
    let pdf = app
        .plain_client()
        .get(format!(
            "{}/reports/work-log/export?from={DAY}&to={DAY}&format=pdf&lang=en",
            app.base_url
        ))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4"));
    assert!(bytes.ends_with(b"%%EOF\n"));
    let text = crate::helpers::pdf_page_text(&bytes);
    assert!(text.contains("(Work log)"), "the title is on the page");
    assert!(text.contains("Alice Atendente"));
    // Without a session, nothing (positive control above).
    let anonymous = app
        .plain_client()
        .get(format!(
            "{}/reports/work-log/export?format=pdf",
            app.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_across_midnight_on_a_daylight_saving_night_splits_by_the_local_day() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let owner = &app.database.owner;
    let agent = demo.actor(Role::Agent);
    // New York springs forward at 02:00 on 8 March 2026: that day has 23
    // hours. The session runs 23:00 on the 7th (EST) to 05:00 on the 8th
    // (EDT): five real hours, one on the 7th and four on the 8th.
    exec(
        owner,
        "UPDATE accounts SET timezone = 'America/New_York' WHERE id = $1 AND $2::uuid IS NOT NULL",
        demo.account_id,
        agent.user_id,
    )
    .await;
    exec(
        owner,
        "INSERT INTO work_sessions (account_id, user_id, started_at, last_seen_at, ended_at, end_reason)
         VALUES ($1, $2, '2026-03-08 04:00Z', '2026-03-08 09:00Z', '2026-03-08 09:00Z', 'sign_out')",
        demo.account_id,
        agent.user_id,
    )
    .await;
    let token = app.demo_admin_token().await;
    let report: Value = app
        .plain_client()
        .get(format!(
            "{}/api/v1/reports/work-log?from=2026-03-07&to=2026-03-08&agents={}",
            app.base_url, agent.user_id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let alice = row(&report, &agent.email);
    let days: Vec<(String, i64, String)> = alice["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["total_seconds"].as_i64().unwrap(),
                d["login"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-03-07".to_string(), 3600, "23:00".to_string()),
            ("2026-03-08".to_string(), 4 * 3600, "00:00".to_string()),
        ]
    );
    assert_eq!(alice["total_seconds"], 5 * 3600);
    assert_eq!(alice["days"][1]["logout"], "05:00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_are_refused_with_the_field_that_is_wrong() {
    let app = spawn_app().await;
    app.demo_account().await;
    let token = app.demo_admin_token().await;
    let status = |query: &'static str| {
        let request = app
            .plain_client()
            .get(format!("{}/api/v1/reports/{query}", app.base_url))
            .bearer_auth(&token);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or_default())
        }
    };
    let (code, body) = status("productivity?from=2026-03-10&to=2026-03-01").await;
    assert_eq!(code, 422);
    assert_eq!(body["fields"][0]["code"], "range_reversed");
    let (code, body) = status("productivity?from=2024-01-01&to=2026-03-01").await;
    assert_eq!(code, 422);
    assert_eq!(body["fields"][0]["code"], "range_too_long");
    let (code, body) = status("productivity?agents=not-a-uuid").await;
    assert_eq!(code, 422);
    assert_eq!(body["fields"][0]["field"], "agents");
    let (code, _) = status("productivity?colour=blue").await;
    assert_eq!(code, 422);
    assert_eq!(status("nonsense").await.0, 404);
    assert_eq!(status("productivity?preset=last_month").await.0, 200);
}

/// The AI's reviews of resolutions on DAY, and around it: the agent's three
/// (two under the threshold), the supervisor's one, one still pending and
/// one the day before.
async fn reviewed_resolutions(owner: &PgPool, account: Uuid, agent: Uuid, supervisor: Uuid) {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE account_id = $1 ORDER BY id LIMIT 6",
    )
    .bind(account)
    .fetch_all(owner)
    .await
    .unwrap();
    let reviews = [
        (agent, Some(3.0_f32), "2026-03-10 12:00Z"),
        (agent, Some(6.5), "2026-03-10 13:00Z"),
        (agent, Some(9.0), "2026-03-10 14:00Z"),
        (supervisor, Some(8.0), "2026-03-10 15:00Z"),
        (agent, None, "2026-03-10 16:00Z"),
        (agent, Some(1.0), "2026-03-09 12:00Z"),
    ];
    for (conversation, (assignee, score, resolved_at)) in ids.into_iter().zip(reviews) {
        sqlx::query("UPDATE conversations SET assignee_id = $2 WHERE id = $1")
            .bind(conversation)
            .bind(assignee)
            .execute(owner)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO quality_reviews (account_id, conversation_id, resolved_at, reviewed_at, score, threshold, alerted)
             VALUES ($1, $2, $3::timestamptz, CASE WHEN $4::real IS NOT NULL THEN now() END, $4, 7, COALESCE($4 < 7, false))",
        )
        .bind(account)
        .bind(conversation)
        .bind(resolved_at)
        .bind(score)
        .execute(owner)
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quality_report_spreads_each_agents_ai_scores_and_agents_see_their_own() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let owner = &app.database.owner;
    let agent = demo.actor(Role::Agent);
    let supervisor = demo.actor(Role::Supervisor);
    reviewed_resolutions(owner, demo.account_id, agent.user_id, supervisor.user_id).await;
    let token = app.demo_admin_token().await;
    let get = |query: &str| {
        let request = app
            .plain_client()
            .get(format!(
                "{}/api/v1/reports/quality?from={DAY}&to={DAY}{query}",
                app.base_url
            ))
            .bearer_auth(&token);
        async move { request.send().await.unwrap() }
    };

    let report: Value = get("").await.json().await.unwrap();
    let alice = row(&report, &agent.email);
    assert_eq!(
        alice["reviewed"], 3,
        "pending and other days' reviews are not counted"
    );
    let mean = alice["mean_score"].as_f64().unwrap();
    assert!((mean - 18.5 / 3.0).abs() < 1e-6, "{mean}");
    assert_eq!(alice["low_scores"], 2);
    let spread: Vec<i64> = [
        "scores_0_2",
        "scores_2_4",
        "scores_4_6",
        "scores_6_8",
        "scores_8_10",
    ]
    .iter()
    .map(|band| alice[band].as_i64().unwrap())
    .collect();
    assert_eq!(spread, [0, 1, 0, 1, 1]);
    assert_eq!(row(&report, &supervisor.email)["mean_score"], 8.0);
    let admin = row(&report, &demo.actor(Role::GlobalAdmin).email);
    assert_eq!(admin["reviewed"], 0);
    assert_eq!(
        admin["mean_score"],
        Value::Null,
        "nothing reviewed: no score, not 0"
    );
    assert_eq!(report["totals"]["reviewed"], 4);
    assert_eq!(report["totals"]["scores_8_10"], 2);
    assert_eq!(report["totals"]["low_share"], 0.5);

    // The CSV carries the same figures under the JSON's names.
    let csv = get("&format=csv").await.text().await.unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(&header[3..6], ["reviewed", "mean_score", "low_scores"]);
    let line = csv.lines().find(|l| l.contains(&agent.email)).unwrap();
    assert!(line.ends_with(",3,6.17,2,0.6667,0,1,0,1,1"), "{line}");

    // An agent's report is their own row.
    let filter = ReportFilter {
        preset: Some(DatePreset::Custom),
        from: DAY.parse().ok(),
        to: DAY.parse().ok(),
        ..ReportFilter::default()
    };
    let own = domain::reports::quality(&app.database.db, &agent, &filter)
        .await
        .unwrap();
    assert_eq!(own.rows.len(), 1);
    assert_eq!(own.rows[0].figures.reviewed, 3);
    assert_eq!(own.totals.reviewed, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_report_on_their_departments_and_agents_on_themselves() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let (db, owner) = (&app.database.db, &app.database.owner);
    let outsider = Uuid::new_v4();
    sqlx::query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, 'out@demo.ponte.dev', 'Otto Outsider', 'x')")
        .bind(outsider)
        .execute(owner)
        .await
        .unwrap();
    sqlx::query("INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, 'agent')")
        .bind(demo.account_id)
        .bind(outsider)
        .execute(owner)
        .await
        .unwrap();
    let filter = ReportFilter {
        preset: Some(DatePreset::Last30Days),
        ..ReportFilter::default()
    };
    let emails = |report: domain::reports::WorkLogReport| -> Vec<String> {
        report.rows.into_iter().map(|r| r.agent.email).collect()
    };
    let admin = emails(
        domain::reports::work_log(db, &demo.actor(Role::GlobalAdmin), &filter)
            .await
            .unwrap(),
    );
    assert!(admin.contains(&"out@demo.ponte.dev".to_string()));
    assert_eq!(admin.len(), 4);
    let supervisor = demo.actor(Role::Supervisor);
    let agent = demo.actor(Role::Agent);
    let mut seen = emails(
        domain::reports::work_log(db, &supervisor, &filter)
            .await
            .unwrap(),
    );
    seen.sort();
    let mut expected = vec![agent.email.clone(), supervisor.email.clone()];
    expected.sort();
    assert_eq!(seen, expected);
    assert_eq!(
        emails(
            domain::reports::work_log(db, &agent, &filter)
                .await
                .unwrap()
        ),
        vec![agent.email.clone()]
    );
    // Asking for someone else does not widen an agent's view.
    let nosy = ReportFilter {
        agents: vec![supervisor.user_id],
        ..filter.clone()
    };
    assert!(emails(domain::reports::work_log(db, &agent, &nosy).await.unwrap()).is_empty());
    // The demo's 90 days of history show in the agent's own figures.
    let mine = domain::reports::work_log(db, &agent, &filter)
        .await
        .unwrap();
    assert!(
        mine.rows[0].figures.days_worked >= 15,
        "{:?}",
        mine.rows[0].figures
    );
    assert!(mine.rows[0].figures.active_seconds > 0);
}

fn kpi(
    figures: &shared::dashboard::DashboardFigures,
    key: shared::dashboard::KpiKey,
) -> (Option<f64>, Option<f64>) {
    let kpi = figures.kpis.iter().find(|k| k.key == key).unwrap();
    (kpi.current, kpi.previous)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_counts_today_against_yesterday_and_agents_may_not_see_it() {
    use shared::dashboard::KpiKey;
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let (db, owner) = (&app.database.db, &app.database.owner);
    let admin = demo.actor(Role::GlobalAdmin);
    let agent = demo.actor(Role::Agent);
    let before = domain::dashboard::figures(db, &admin, DatePreset::Today)
        .await
        .unwrap();

    // Two resolutions a minute ago, one yesterday at the same time.
    let (conversation, channel): (i64, i64) = sqlx::query_as(
        "SELECT id, channel_id FROM conversations WHERE account_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(demo.account_id)
    .fetch_one(owner)
    .await
    .unwrap();
    for (seconds, ago) in [(600, "1 minute"), (1200, "1 minute"), (300, "1 day")] {
        sqlx::query(
            "INSERT INTO productivity_events (account_id, user_id, kind, conversation_id, channel_id, seconds, occurred_at)
             VALUES ($1, $2, 'conversation_resolved', $3, $4, $5, now() - $6::interval)",
        )
        .bind(demo.account_id)
        .bind(agent.user_id)
        .bind(conversation)
        .bind(channel)
        .bind(seconds)
        .bind(ago)
        .execute(owner)
        .await
        .unwrap();
    }
    let after = domain::dashboard::figures(db, &admin, DatePreset::Today)
        .await
        .unwrap();
    let (now_before, prev_before) = kpi(&before, KpiKey::ConversationsResolved);
    let (now_after, prev_after) = kpi(&after, KpiKey::ConversationsResolved);
    // ("A minute ago" is today but in the day's first minute.)
    let today_gained = now_after.unwrap() - now_before.unwrap();
    let yesterday_gained = prev_after.unwrap() - prev_before.unwrap();
    assert_eq!((today_gained, yesterday_gained), (2.0, 1.0));
    let buckets: i64 =
        after.resolution_times.iter().sum::<i64>() - before.resolution_times.iter().sum::<i64>();
    assert_eq!(buckets, today_gained as i64);
    assert_eq!(
        kpi(&after, KpiKey::Csat),
        (Some(9.0), None),
        "the demo's Paula rated 9 today; nobody yesterday: no figure, not 0"
    );
    assert_eq!(after.heatmap.len(), 7);
    assert!(after.heatmap.iter().all(|day| day.len() == 24));
    // Every chart of new conversations counts each of today's once.
    let (created, channels): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT channel_id) FROM conversations c JOIN accounts a ON a.id = c.account_id
          WHERE c.account_id = $1
            AND c.created_at >= date_trunc('day', now() AT TIME ZONE a.timezone) AT TIME ZONE a.timezone",
    )
    .bind(demo.account_id)
    .fetch_one(owner)
    .await
    .unwrap();
    assert!(created >= 3);
    assert_eq!(
        kpi(&after, KpiKey::ConversationsCreated).0,
        Some(created as f64)
    );
    let today = after.per_day.last().unwrap();
    assert_eq!((after.per_day.len(), today.created), (1, created));
    assert_eq!(after.heatmap.iter().flatten().sum::<i64>(), created);
    let per_channel: i64 = after.per_channel.iter().map(|c| c.count).sum();
    assert_eq!(
        (after.per_channel.len() as i64, per_channel),
        (channels, created)
    );
    assert!(after.per_channel.iter().all(|c| !c.name.is_empty()));
    let per_department: i64 = after.per_department.iter().map(|c| c.count).sum();
    assert_eq!(per_department, created);

    // An agent who had not signed in today starts working a minute ago:
    // one more who worked, one fewer who never signed in, none idle more.
    let absent: Uuid = sqlx::query_scalar(
        "SELECT m.user_id FROM memberships m JOIN accounts a ON a.id = m.account_id
          WHERE m.account_id = $1 AND m.active AND m.role = 'agent' AND NOT EXISTS (
                SELECT 1 FROM work_sessions w WHERE w.user_id = m.user_id AND w.account_id = m.account_id
                   AND coalesce(w.ended_at, now()) > date_trunc('day', now() AT TIME ZONE a.timezone) AT TIME ZONE a.timezone)
          ORDER BY m.user_id LIMIT 1",
    )
    .bind(demo.account_id)
    .fetch_one(owner)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO work_sessions (account_id, user_id, started_at, last_seen_at)
         VALUES ($1, $2, now() - interval '1 minute', now())",
    )
    .bind(demo.account_id)
    .bind(absent)
    .execute(owner)
    .await
    .unwrap();
    let working = domain::dashboard::figures(db, &admin, DatePreset::Today)
        .await
        .unwrap();
    let change = |key| kpi(&working, key).0.unwrap() - kpi(&after, key).0.unwrap();
    assert_eq!(
        (
            change(KpiKey::AgentsActive),
            change(KpiKey::AgentsOffline),
            change(KpiKey::AgentsIdle)
        ),
        (1.0, -1.0, 0.0)
    );

    // Agents have their own figures on the reports page, not the team's.
    let refused = domain::dashboard::figures(db, &agent, DatePreset::Today).await;
    assert!(
        matches!(refused, Err(domain::Error::Forbidden)),
        "{refused:?}"
    );
    let supervisor =
        domain::dashboard::figures(db, &demo.actor(Role::Supervisor), DatePreset::Last7Days).await;
    assert!(supervisor.is_ok());
}
