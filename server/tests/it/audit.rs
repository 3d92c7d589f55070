//! The audit log: append-only in the database, chained, verifiable.

use crate::helpers::{spawn_app, TestDb};
use std::process::Command;

async fn some_history(db: &TestDb) -> uuid::Uuid {
    let demo = domain::seed::demo(&db.owner, &db.db).await.unwrap();
    for _ in 0..3 {
        domain::auth::sign_in(
            &db.db,
            "admin@demo.ponte.dev",
            "ponte-demo-2026",
            &Default::default(),
        )
        .await
        .unwrap();
    }
    let _ = domain::auth::sign_in(
        &db.db,
        "admin@demo.ponte.dev",
        "wrong-password",
        &Default::default(),
    )
    .await;
    demo.account_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untouched_chain_verifies() {
    let db = TestDb::new().await;
    some_history(&db).await;
    let report = domain::audit::verify(&db.owner).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert!(report.entries >= 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_refuses_updates_deletes_and_truncation() {
    let db = TestDb::new().await;
    some_history(&db).await;
    for statement in [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let as_owner = sqlx::query(statement).execute(&db.owner).await;
        assert!(
            as_owner.is_err(),
            "the trigger must refuse `{statement}` even for the owner"
        );
    }
    let mut tx = db.db.anonymous().await.unwrap();
    let as_runtime = sqlx::query("DELETE FROM audit_log").execute(&mut *tx).await;
    assert!(as_runtime
        .unwrap_err()
        .to_string()
        .contains("permission denied"));
    tx.rollback().await.unwrap();
    let mut tx = db.db.anonymous().await.unwrap();
    let insert = sqlx::query(
        "INSERT INTO audit_log (seq, actor_label, action, hash) VALUES (1, 'x', 'x', 'x')",
    )
    .execute(&mut *tx)
    .await;
    assert!(
        insert.is_err(),
        "the runtime role cannot forge entries directly"
    );
}

/// Edits a row behind the triggers' back, as a rogue owner could.
async fn tamper(db: &TestDb, sql: &str) {
    let mut tx = db.owner.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap();
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_detects_an_edited_entry() {
    let db = TestDb::new().await;
    let account = some_history(&db).await;
    tamper(&db, &format!("UPDATE audit_log SET actor_label = 'someone else' WHERE account_id = '{account}' AND seq = 2")).await;
    let report = domain::audit::verify(&db.owner).await.unwrap();
    assert!(!report.is_intact());
    assert_eq!(report.problems[0].seq, 2);
    assert_eq!(report.problems[0].account_id, Some(account));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_detects_a_deleted_entry() {
    let db = TestDb::new().await;
    let account = some_history(&db).await;
    tamper(
        &db,
        &format!("DELETE FROM audit_log WHERE account_id = '{account}' AND seq = 2"),
    )
    .await;
    let report = domain::audit::verify(&db.owner).await.unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.seq == 3 && p.reason.contains("missing")),
        "{:?}",
        report.problems
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_exits_with_1_on_tampering() {
    let db = TestDb::new().await;
    let account = some_history(&db).await;
    let verify = || {
        Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["audit", "verify"])
            .env("DATABASE_URL", &db.owner_url)
            .env(
                "PONTE_SECRET_KEY",
                crate::helpers::test_secret().to_base64(),
            )
            .output()
            .unwrap()
    };
    let clean = verify();
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
    assert!(String::from_utf8_lossy(&clean.stdout).contains("intact"));
    tamper(&db, &format!("UPDATE audit_log SET details = '{{\"email\":\"forged\"}}' WHERE account_id = '{account}' AND seq = 3")).await;
    let tampered = verify();
    assert_eq!(tampered.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&tampered.stdout).contains("TAMPERED"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_and_auditors_browse_the_log_with_filters_and_agents_cannot() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let agent = app
        .signed_in("agent@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let page: shared::audit::AuditPage = admin
        .call("list_audit_entries", &[("filter[action]", "sign_in")])
        .await
        .json();
    assert_eq!(page.entries.len(), 2, "two sign-ins so far");
    assert!(page.entries.iter().all(|e| e.action == "sign_in"));
    let agent_id = demo.users[2].1.to_string();
    let by_agent: shared::audit::AuditPage = admin
        .call(
            "list_audit_entries",
            &[("filter[actor_user_id]", &agent_id)],
        )
        .await
        .json();
    assert_eq!(by_agent.entries.len(), 1);
    assert_eq!(agent.call("list_audit_entries", &[]).await.status, 403);

    // Paging: 60 more entries, pages of 50, newest first, no overlap.
    for n in 0..60 {
        let name = format!("token {n}");
        admin.call("create_api_token", &[("name", &name)]).await;
    }
    let first: shared::audit::AuditPage = admin.call("list_audit_entries", &[]).await.json();
    assert_eq!(first.entries.len(), 50);
    let cursor = first.next_cursor.expect("more pages").to_string();
    let second: shared::audit::AuditPage = admin
        .call("list_audit_entries", &[("filter[before_seq]", &cursor)])
        .await
        .json();
    assert!(second.entries.first().unwrap().seq < first.entries.last().unwrap().seq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_names_targets_by_their_current_names() {
    let db = TestDb::new().await;
    let demo = domain::seed::demo(&db.owner, &db.db).await.unwrap();
    let admin = demo.actor(shared::Role::GlobalAdmin);
    let form = domain::channels::WebsiteForm {
        name: "Loja nova".into(),
        allowed_origins: "https://loja.example".into(),
        ..Default::default()
    };
    let channel = domain::channels::create_website(&db.db, &admin, &form)
        .await
        .unwrap();
    let renamed = domain::channels::WebsiteForm {
        name: "Loja renomeada".into(),
        ..form
    };
    domain::channels::update_website(&db.db, &admin, channel.id, &renamed, true)
        .await
        .unwrap();
    let agent = demo.users[2].1;
    domain::people::change_role(&db.db, &admin, agent, shared::Role::Supervisor)
        .await
        .unwrap();

    let page = domain::audit::list(&db.db, &admin, &Default::default())
        .await
        .unwrap();
    let label = |action: &str| {
        page.entries
            .iter()
            .find(|e| e.action == action)
            .and_then(|e| e.target_label.clone())
    };
    assert_eq!(
        label("channel_created").as_deref(),
        Some("Loja renomeada"),
        "a renamed channel shows its name now, in old entries too"
    );
    assert_eq!(label("role_changed").as_deref(), Some("Alice Atendente"));
    let account_entry = page
        .entries
        .iter()
        .find(|e| e.target_type.as_deref() == Some("account"))
        .expect("the demo's creation is recorded against the account");
    assert!(account_entry.target_label.is_some());
}
