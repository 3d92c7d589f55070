//! The second wall: row-level security as the runtime role, independent of
//! what the domain layer filters.

use crate::helpers::{spawn_app, TestDb};
use uuid::Uuid;

/// Two accounts with a member, an invitation and an API token each.
async fn two_accounts(db: &TestDb) -> (Uuid, Uuid) {
    let mut ids = vec![];
    for slug in ["alfa", "beta"] {
        let form = domain::auth::SignUpForm {
            company_name: slug.to_uppercase(),
            slug: slug.into(),
            name: format!("Admin {slug}"),
            email: format!("admin@{slug}.com"),
            password: "correct horse battery".into(),
        };
        let vault = crate::helpers::test_vault();
        let outbox = crate::helpers::test_outbox(&vault);
        let signed = domain::auth::sign_up(&db.db, outbox, &form, &Default::default())
            .await
            .expect("sign up");
        let session = domain::auth::sessions::authenticate(&db.db, &signed.session.token, None)
            .await
            .unwrap()
            .unwrap();
        domain::people::invite(
            &db.db,
            outbox,
            &session.actor,
            &format!("new@{slug}.com"),
            "agent",
        )
        .await
        .unwrap();
        domain::api_tokens::create(&db.db, &session.actor, "ci", None)
            .await
            .unwrap();
        ids.push(signed.account_id);
    }
    (ids[0], ids[1])
}

const TENANT_TABLES: [&str; 5] = [
    "accounts",
    "memberships",
    "invitations",
    "api_tokens",
    "audit_log",
];

fn account_column(table: &str) -> &'static str {
    if table == "accounts" {
        "id"
    } else {
        "account_id"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_role_is_not_a_superuser_nor_the_owner() {
    let db = TestDb::new().await;
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(db.db.pool())
            .await
            .unwrap();
    assert!(!superuser && !bypass);
    let owns_any: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user)",
    )
    .fetch_one(db.db.pool())
    .await
    .unwrap();
    assert!(!owns_any);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_account_a_set_rows_of_account_b_are_invisible() {
    let db = TestDb::new().await;
    let (a, b) = two_accounts(&db).await;
    let mut tx = db.db.tenant(a, None).await.unwrap();
    for table in TENANT_TABLES {
        let column = account_column(table);
        let (mine, others): (i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*) FILTER (WHERE {column} = $1), count(*) FILTER (WHERE {column} <> $1) FROM {table}"
        ))
        .bind(a)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert!(mine > 0, "{table}: account A sees its own rows");
        assert_eq!(others, 0, "{table}: account B's rows must be invisible");
    }
    // Even asking for B by id finds nothing.
    let found: Option<Uuid> = sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1")
        .bind(b)
        .fetch_optional(&mut *tx)
        .await
        .unwrap();
    assert_eq!(found, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_paths_transaction_is_walled_like_any_and_plans_once() {
    let db = TestDb::new().await;
    let (a, b) = two_accounts(&db).await;
    let mut tx = db.db.tenant_on_message_path(a).await.unwrap();
    let (account, mode): (String, String) = sqlx::query_as(
        "SELECT current_setting('app.account_id'), current_setting('plan_cache_mode')",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(
        (account, mode.as_str()),
        (a.to_string(), "force_generic_plan")
    );
    let visible: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM accounts WHERE id = ANY($1)")
        .bind(vec![a, b])
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(visible, vec![a], "account B stays invisible");
    tx.commit().await.unwrap();

    // The setting ends with the transaction: other work plans as usual.
    for _ in 0..3 {
        let mut tx = db.db.tenant(a, None).await.unwrap();
        let mode: String = sqlx::query_scalar("SELECT current_setting('plan_cache_mode')")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(mode, "auto");
        tx.commit().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_account_a_set_rows_cannot_be_written_into_account_b() {
    let db = TestDb::new().await;
    let (a, b) = two_accounts(&db).await;
    let user_of_b: Uuid =
        sqlx::query_scalar("SELECT user_id FROM memberships WHERE account_id = $1")
            .bind(b)
            .fetch_one(&db.owner)
            .await
            .unwrap();

    let mut tx = db.db.tenant(a, None).await.unwrap();
    let insert = sqlx::query(
        "INSERT INTO invitations (account_id, email, role, token_hash, expires_at) VALUES ($1, 'x@y.com', 'agent', 'x', now())",
    )
    .bind(b)
    .execute(&mut *tx)
    .await;
    let err = insert.expect_err("insert into B must fail");
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    let mut tx = db.db.tenant(a, None).await.unwrap();
    let updated =
        sqlx::query("UPDATE memberships SET role = 'agent' WHERE account_id = $1 AND user_id = $2")
            .bind(b)
            .bind(user_of_b)
            .execute(&mut *tx)
            .await
            .unwrap();
    assert_eq!(
        updated.rows_affected(),
        0,
        "B's rows are out of reach for updates"
    );
    let moved = sqlx::query("UPDATE memberships SET account_id = $2 WHERE account_id = $1")
        .bind(a)
        .bind(b)
        .execute(&mut *tx)
        .await;
    assert!(moved.is_err(), "moving a row into B violates the policy");
    tx.rollback().await.unwrap();

    let mut tx = db.db.tenant(a, None).await.unwrap();
    let audit_into_b =
        sqlx::query("SELECT audit_append($1, NULL, 'x', 'sign_in', NULL, NULL, '{}', NULL)")
            .bind(b)
            .execute(&mut *tx)
            .await;
    assert!(
        audit_into_b.is_err(),
        "the audit function refuses other accounts' chains"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_account_set_nothing_is_visible() {
    let db = TestDb::new().await;
    two_accounts(&db).await;
    let mut tx = db.db.anonymous().await.unwrap();
    for table in TENANT_TABLES {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(count, 0, "{table} must show nothing without an account");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_functions_only_ever_see_the_callers_account() {
    let app = spawn_app().await;
    let alfa = app.sign_up("Alfa", "alfa", "admin@alfa.com").await;
    let beta = app.sign_up("Beta", "beta", "admin@beta.com").await;
    beta.call(
        "invite_user",
        &[("email", "segredo@beta.com"), ("role", "agent")],
    )
    .await;
    let members: Vec<shared::accounts::Member> = alfa.call("list_members", &[]).await.json();
    assert_eq!(
        members.iter().map(|m| m.email.as_str()).collect::<Vec<_>>(),
        vec!["admin@alfa.com"]
    );
    let invitations: Vec<shared::accounts::PendingInvitation> =
        alfa.call("list_invitations", &[]).await.json();
    assert!(invitations.is_empty());
    // Acting on B's member by id from A fails as "not found".
    let beta_admin = beta.session().await.unwrap().user.id.to_string();
    let reply = alfa
        .call(
            "set_member_active",
            &[("user_id", &beta_admin), ("active", "false")],
        )
        .await;
    assert_eq!(reply.status, 404);
    assert!(beta.session().await.is_some());
}
