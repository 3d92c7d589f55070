//! The database as the second wall: every tenant table behind row-level
//! security (found from the catalog, so a new table without a policy fails
//! here), identity tables out of the runtime role's reach, references that
//! cannot cross accounts, no cascading deletes, and hardened functions.

use crate::helpers::{spawn_app, TestDb};
use uuid::Uuid;

/// Tables that are not per-account: identities, the throttle, migrations.
/// Tables of people rather than accounts (their own walls are tested below).
const NOT_TENANT_TABLES: [&str; 6] = [
    "_sqlx_migrations",
    "users",
    "sessions",
    "login_failures",
    "email_confirmations",
    "password_resets",
];

async fn tenant_tables(db: &TestDb) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
    )
    .fetch_all(&db.owner)
    .await
    .unwrap()
    .into_iter()
    .filter(|t: &String| !NOT_TENANT_TABLES.contains(&t.as_str()))
    .collect()
}

fn account_column(table: &str) -> &'static str {
    if table == "accounts" {
        "id"
    } else {
        "account_id"
    }
}

/// Two demo-like accounts with data in every tenant table.
async fn two_full_accounts(db: &TestDb) -> (Uuid, Uuid) {
    use shared::Role;
    let mut ids = vec![];
    for slug in ["alfa", "beta"] {
        let demo = domain::seed::demo_with(&db.owner, &db.db, slug)
            .await
            .expect("seed account");
        domain::seed::demo_inbox(&db.db, &crate::helpers::test_secret(), &demo)
            .await
            .expect("seed inbox");
        let admin = demo.actor(Role::GlobalAdmin);
        let agent = demo.actor(Role::Agent);
        let supervisor = demo.actor(Role::Supervisor);
        let mail_vault = crate::helpers::test_vault();
        domain::people::invite(
            &db.db,
            crate::helpers::test_outbox(&mail_vault),
            &admin,
            &format!("new@{slug}.com"),
            "agent",
        )
        .await
        .unwrap();
        domain::api_tokens::create(&db.db, &admin, "ci", Some(30))
            .await
            .unwrap();
        let flow = domain::flows::create(&db.db, &admin, "Boas-vindas", None)
            .await
            .unwrap();
        domain::flows::publish(&db.db, &admin, flow.id)
            .await
            .unwrap();
        assert!(domain::seed::demo_agents(&db.db, &demo).await.unwrap());
        let open: i64 = sqlx::query_scalar(
            "SELECT number FROM conversations WHERE account_id = $1 AND status = 'open' LIMIT 1",
        )
        .bind(demo.account_id)
        .fetch_one(&db.owner)
        .await
        .unwrap();
        domain::flows::runs::start_manually(&db.db, &admin, open, flow.id)
            .await
            .unwrap();
        let weekly = shared::reports::ScheduleForm {
            report: shared::reports::ReportKind::Productivity,
            frequency: shared::reports::Frequency::Weekly,
            format: shared::reports::FileFormat::Pdf,
            recipients: format!("gestora@{slug}.com"),
            agents: vec![],
            departments: vec![],
            channels: vec![],
            categories: vec![],
            locale: shared::Locale::PtBr,
        };
        domain::reports::schedules::create(&db.db, &admin, &weekly)
            .await
            .unwrap();
        let export = shared::reports::ExportRequest {
            report: shared::reports::ReportKind::Idle,
            format: shared::reports::FileFormat::Csv,
            filter: Default::default(),
            locale: shared::Locale::En,
        };
        domain::reports::export_jobs::start(&db.db, &admin, &export)
            .await
            .unwrap();
        let smtp = shared::mail::SmtpAccountForm {
            name: "Correio".into(),
            host: "smtp.example.com".into(),
            security: "starttls".into(),
            password: "segredo".into(),
            from_address: format!("atendimento@{slug}.com"),
            is_default: true,
            ..Default::default()
        };
        domain::mail::accounts::save(&db.db, &mail_vault, &admin, None, &smtp)
            .await
            .unwrap();
        let vault =
            domain::channels::vault::Vault::new(&crate::helpers::test_secret(), &[]).unwrap();
        let whatsapp = domain::channels::connections::create(
            &db.db,
            &vault,
            &admin,
            &domain::channels::connections::NewConnection {
                kind: shared::inbox::ChannelKind::WhatsappCloud,
                name: "Zap".into(),
                config: serde_json::json!({
                    "phone_number_id": "1", "access_token": "t", "app_secret": "s", "verify_token": "v"
                }),
            },
        )
        .await
        .unwrap();
        let connection = domain::channels::connections::for_webhook(&db.db, &vault, whatsapp.id)
            .await
            .unwrap();
        domain::channels::webhooks::store(&db.db, &connection, b"{}", serde_json::json!({}))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO outbound_messages (message_id, account_id, channel_id, state)
             SELECT id, account_id, $2, 'done' FROM messages WHERE account_id = $1 AND kind = 'outgoing' LIMIT 1",
        )
        .bind(demo.account_id)
        .bind(whatsapp.id)
        .execute(&db.owner)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO media_downloads (message_id, account_id, channel_id, contact_id, source, state)
             SELECT m.id, m.account_id, $2, c.contact_id, '{}', 'done' FROM messages m
               JOIN conversations c ON c.id = m.conversation_id
              WHERE m.account_id = $1 AND m.kind = 'incoming' LIMIT 1",
        )
        .bind(demo.account_id)
        .bind(whatsapp.id)
        .execute(&db.owner)
        .await
        .unwrap();
        let opened = domain::conversations::get(&db.db, &supervisor, 1)
            .await
            .unwrap();
        domain::contacts::add_note(&db.db, &supervisor, opened.contact_id, "cliente antigo")
            .await
            .unwrap();
        domain::conversations::set_tags(&db.db, &supervisor, 1, &["vip".to_string()])
            .await
            .unwrap();
        domain::conversations::mark_read(&db.db, &supervisor, 1)
            .await
            .unwrap();
        let note = domain::messages::Reply {
            body: "@Alice veja".into(),
            note: true,
            mentions: vec![agent.user_id],
            ..Default::default()
        };
        domain::messages::send(&db.db, &supervisor, 1, &note)
            .await
            .unwrap();
        let provider = shared::ai::AiProviderForm {
            name: "Ollama".into(),
            base_url: "http://10.0.0.5:11434/v1".into(),
            model: "llama3.2".into(),
            api_key: Some("chave".into()),
            timeout_ms: 20_000,
            max_tokens: 512,
            is_default: true,
        };
        let provider = domain::ai::providers::save(&db.db, &vault, &admin, None, &provider)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO ai_calls (account_id, provider_id, purpose, ok, attempts, latency_ms)
             VALUES ($1, $2, 'test', true, 1, 300)",
        )
        .bind(demo.account_id)
        .bind(provider.id)
        .execute(&db.owner)
        .await
        .unwrap();
        // Rules, their queued events, log, clock episodes and a webhook call.
        domain::seed::demo_rules(&db.db, &vault, &crate::helpers::test_secret(), &demo)
            .await
            .unwrap();
        domain::rules::clock::sweep(&db.db, chrono::Utc::now() + chrono::Duration::hours(5))
            .await
            .unwrap();
        domain::rules::engine::run_due(&db.db, crate::helpers::test_outbox(&mail_vault))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO rule_webhook_calls (account_id, rule_id, url, body)
             SELECT account_id, id, 'https://erp.example/hook', '{}' FROM rules
              WHERE account_id = $1 LIMIT 1",
        )
        .bind(demo.account_id)
        .execute(&db.owner)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO attachments (account_id, storage_key, file_name, content_type, size_bytes, sha256)
             VALUES ($1, $2, 'a.txt', 'text/plain', 1, '\\x00')",
        )
        .bind(demo.account_id)
        .bind(format!("{slug}/a"))
        .execute(&db.owner)
        .await
        .unwrap();
        ids.push(demo.account_id);
    }
    (ids[0], ids[1])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tenant_table_has_row_level_security_with_a_policy() {
    let db = TestDb::new().await;
    let tables = tenant_tables(&db).await;
    assert!(tables.len() >= 20, "{tables:?}");
    for table in &tables {
        let (rls, policies): (bool, i64) = sqlx::query_as(
            "SELECT c.relrowsecurity, (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
               FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace",
        )
        .bind(table)
        .fetch_one(&db.owner)
        .await
        .unwrap();
        assert!(rls, "{table} has row-level security");
        assert!(policies > 0, "{table} has a policy");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_account_a_set_no_tenant_table_shows_account_b() {
    let db = TestDb::new().await;
    let (a, b) = two_full_accounts(&db).await;
    let mut tx = db.db.tenant(a, None).await.unwrap();
    let mut with_rows = 0;
    for table in tenant_tables(&db).await {
        let column = account_column(&table);
        let (owner_sees_b,): (i64,) =
            sqlx::query_as(&format!("SELECT count(*) FROM {table} WHERE {column} = $1"))
                .bind(b)
                .fetch_one(&db.owner)
                .await
                .unwrap();
        let (mine, others): (i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*) FILTER (WHERE {column} = $1), count(*) FILTER (WHERE {column} IS DISTINCT FROM $1) FROM {table}"
        ))
        .bind(a)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!(
            others, 0,
            "{table}: account B's rows must be invisible to A"
        );
        if owner_sees_b > 0 {
            // Positive control: the data is there, and A sees its own.
            assert!(mine > 0, "{table}: account A sees its own rows");
            with_rows += 1;
        }
    }
    assert_eq!(
        with_rows,
        tenant_tables(&db).await.len(),
        "every tenant table was checked with rows in it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_role_cannot_read_password_hashes_tokens_or_other_peoples_logins() {
    let db = TestDb::new().await;
    let (a, _) = two_full_accounts(&db).await;
    let mut tx = db.db.tenant(a, None).await.unwrap();
    let hashes = sqlx::query("SELECT password_hash FROM users")
        .execute(&mut *tx)
        .await;
    assert!(
        hashes
            .unwrap_err()
            .to_string()
            .contains("permission denied"),
        "password hashes are out of reach"
    );
    tx.rollback().await.unwrap();

    let mut tx = db.db.tenant(a, None).await.unwrap();
    let (visible, total): (i64, i64) = (
        sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&mut *tx)
            .await
            .unwrap(),
        sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&db.owner)
            .await
            .unwrap(),
    );
    assert!(
        visible > 0 && visible < total,
        "only this account's people: {visible} of {total}"
    );
    let token_hashes = sqlx::query("SELECT token_hash FROM sessions")
        .execute(&mut *tx)
        .await;
    assert!(
        token_hashes.is_err(),
        "session token hashes are out of reach"
    );
    tx.rollback().await.unwrap();

    let mut anonymous = db.db.anonymous().await.unwrap();
    for table in ["users", "sessions"] {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *anonymous)
            .await
            .unwrap();
        assert_eq!(
            count, 0,
            "{table} shows nothing without an account or a person"
        );
    }
    let failures = sqlx::query("SELECT * FROM login_failures")
        .execute(&mut *anonymous)
        .await;
    assert!(
        failures.is_err(),
        "the throttle table is only reachable through its functions"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_between_tables_cannot_cross_accounts() {
    let db = TestDb::new().await;
    let (a, b) = two_full_accounts(&db).await;
    let department_of_b: i64 =
        sqlx::query_scalar("SELECT id FROM departments WHERE account_id = $1 LIMIT 1")
            .bind(b)
            .fetch_one(&db.owner)
            .await
            .unwrap();
    let department_of_a: i64 =
        sqlx::query_scalar("SELECT id FROM departments WHERE account_id = $1 LIMIT 1")
            .bind(a)
            .fetch_one(&db.owner)
            .await
            .unwrap();
    let mut tx = db.db.tenant(a, None).await.unwrap();
    let crossed = sqlx::query("UPDATE conversations SET department_id = $2 WHERE account_id = $1")
        .bind(a)
        .bind(department_of_b)
        .execute(&mut *tx)
        .await;
    assert!(
        crossed.unwrap_err().to_string().contains("same_account"),
        "a department of another account is refused"
    );
    tx.rollback().await.unwrap();
    // Positive control: the account's own department is fine.
    let mut tx = db.db.tenant(a, None).await.unwrap();
    let own = sqlx::query("UPDATE conversations SET department_id = $2 WHERE account_id = $1")
        .bind(a)
        .bind(department_of_a)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(own.rows_affected() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channels_default_department_must_be_the_accounts_own() {
    let app = spawn_app().await;
    let alfa = app.sign_up("Alfa", "alfa", "admin@alfa.com").await;
    let beta = app.sign_up("Beta", "beta", "admin@beta.com").await;
    let theirs: shared::inbox::Department = beta
        .call("create_department", &[("name", "Vendas")])
        .await
        .json();
    let ours: shared::inbox::Department = alfa
        .call("create_department", &[("name", "Suporte")])
        .await
        .json();
    let create = |department: i64| {
        let alfa = &alfa;
        async move {
            alfa.call(
                "save_website_channel",
                &[
                    ("channel[name]", "Site"),
                    ("channel[allowed_origins]", "https://alfa.com"),
                    ("channel[greeting]", ""),
                    ("channel[color]", ""),
                    ("channel[default_department_id]", &department.to_string()),
                ],
            )
            .await
        }
    };
    let refused = create(theirs.id).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(
        refused.error().field_code("default_department_id"),
        Some(shared::ErrorCode::OptionInvalid)
    );
    assert_eq!(create(ours.id).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_role_deletes_nothing_that_cascades_into_messages_and_creates_nothing() {
    let db = TestDb::new().await;
    let (a, _) = two_full_accounts(&db).await;
    for table in [
        "conversations",
        "contacts",
        "channels",
        "messages",
        "attachments",
    ] {
        let mut tx = db.db.tenant(a, None).await.unwrap();
        let deleted = sqlx::query(&format!("DELETE FROM {table} WHERE account_id = $1"))
            .bind(a)
            .execute(&mut *tx)
            .await;
        assert!(
            deleted
                .unwrap_err()
                .to_string()
                .contains("permission denied"),
            "DELETE on {table} is refused"
        );
        tx.rollback().await.unwrap();
    }
    let created = sqlx::query("CREATE TABLE sneaky (id int)")
        .execute(db.db.pool())
        .await;
    assert!(created
        .unwrap_err()
        .to_string()
        .contains("permission denied"));
    // Positive control: where a feature deletes, the role may.
    let mut tx = db.db.tenant(a, None).await.unwrap();
    sqlx::query("DELETE FROM quick_replies WHERE account_id = $1")
        .bind(a)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_definer_functions_resolve_pg_catalog_first() {
    let db = TestDb::new().await;
    let functions: Vec<(String, Option<Vec<String>>)> = sqlx::query_as(
        "SELECT p.proname::text, p.proconfig FROM pg_proc p
          WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef",
    )
    .fetch_all(&db.owner)
    .await
    .unwrap();
    assert!(functions.len() >= 10, "{functions:?}");
    for (name, config) in functions {
        let search_path = config
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.starts_with("search_path="))
            .unwrap_or_default();
        assert!(
            search_path.starts_with("search_path=pg_catalog"),
            "{name}: {search_path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appending_to_the_audit_log_finds_the_chain_head_through_its_index() {
    let db = TestDb::new().await;
    let mut owner = db.owner.acquire().await.unwrap();
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *owner)
        .await
        .unwrap();
    for account in ["NULL", "'00000000-0000-0000-0000-000000000001'::uuid"] {
        let plan: Vec<String> = sqlx::query_scalar(&format!(
            "EXPLAIN SELECT * FROM audit_chain_head({account})"
        ))
        .fetch_all(&mut *owner)
        .await
        .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("audit_log_chain_idx"), "{plan}");
        assert!(!plan.contains("Seq Scan"), "{plan}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_time_links_are_readable_only_by_their_owner_or_not_at_all() {
    let db = TestDb::new().await;
    let vault = crate::helpers::test_vault();
    let outbox = crate::helpers::test_outbox(&vault);
    let mut users = vec![];
    for slug in ["alfa", "beta"] {
        let form = domain::auth::SignUpForm {
            company_name: slug.into(),
            slug: slug.into(),
            name: "Dona".into(),
            email: format!("dona@{slug}.com"),
            password: "correct horse battery".into(),
        };
        let signed = domain::auth::sign_up(&db.db, outbox, &form, &Default::default())
            .await
            .unwrap();
        domain::auth::recovery::request(&db.db, outbox, &form.email, &Default::default())
            .await
            .unwrap();
        users.push((signed.account_id, signed.user_id));
    }
    let (owner_links, owner_resets): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM email_confirmations), (SELECT count(*) FROM password_resets)",
    )
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert_eq!((owner_links, owner_resets), (2, 2), "positive control");
    let (account, user) = users[0];
    let mut tx = db.db.tenant(account, Some(user)).await.unwrap();
    let (links, others): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM email_confirmations),
                (SELECT count(*) FROM email_confirmations WHERE user_id <> $1)",
    )
    .bind(user)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((links, others), (1, 0));
    let system_mail: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outgoing_mail WHERE account_id IS NULL")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let resets = sqlx::query("SELECT 1 FROM password_resets")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(resets.to_string().contains("permission denied"), "{resets}");
    assert_eq!(system_mail, 0, "mail of no account is for the workers only");
}
