//! Who may see a conversation: the SQL rule (every query) and the Rust rule
//! (the real-time hub) answer the same matrix, case by case, on real data.

use crate::helpers::TestDb;
use domain::conversations::{Assignee, MATRIX};
use domain::Actor;
use shared::Role;
use uuid::Uuid;

async fn member(db: &TestDb, account: Uuid, role: Role, department: i64) -> Actor {
    let id = Uuid::now_v7();
    let email = format!("{id}@matrix.test");
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, 'Viewer', 'x')",
    )
    .bind(id)
    .bind(&email)
    .execute(&db.owner)
    .await
    .unwrap();
    sqlx::query("INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, $3)")
        .bind(account)
        .bind(id)
        .bind(role)
        .execute(&db.owner)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO department_members (account_id, department_id, user_id) VALUES ($1, $2, $3)",
    )
    .bind(account)
    .bind(department)
    .bind(id)
    .execute(&db.owner)
    .await
    .unwrap();
    Actor {
        user_id: id,
        account_id: account,
        role,
        name: "Viewer".into(),
        email,
        ip: None,
    }
}

async fn department(db: &TestDb, account: Uuid, name: &str) -> i64 {
    sqlx::query_scalar("INSERT INTO departments (account_id, name) VALUES ($1, $2) RETURNING id")
        .bind(account)
        .bind(name)
        .fetch_one(&db.owner)
        .await
        .unwrap()
}

async fn channel(db: &TestDb, account: Uuid, name: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO channels (account_id, kind, name, public_token) VALUES ($1, 'website', $2, $3) RETURNING id",
    )
    .bind(account)
    .bind(name)
    .bind(Uuid::now_v7().to_string())
    .fetch_one(&db.owner)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_and_the_hub_answer_the_visibility_matrix_alike() {
    let db = TestDb::new().await;
    let demo = domain::seed::demo(&db.owner, &db.db).await.unwrap();
    let admin = demo.actor(Role::GlobalAdmin);
    let account = demo.account_id;
    let someone = demo.users[0].1;
    let ours = department(&db, account, "Nosso").await;
    let other = department(&db, account, "Outro").await;
    // Agents see the open connection, not the restricted one; supervisors
    // see every connection but are held to their default (the open one).
    let open = channel(&db, account, "Aberta").await;
    let restricted = channel(&db, account, "Restrita").await;
    domain::access::save_channel_access(
        &db.db,
        &admin,
        restricted,
        &shared::access::ChannelAccessSettings {
            restricted: true,
            grants: vec![],
        },
    )
    .await
    .unwrap();
    let mut viewers = std::collections::HashMap::new();
    for sees_all in [true, false] {
        for member_of_department in [true, false] {
            let role = if sees_all {
                Role::Supervisor
            } else {
                Role::Agent
            };
            let joined = if member_of_department { ours } else { other };
            let viewer = member(&db, account, role, joined).await;
            if sees_all {
                domain::access::save_member_limits(
                    &db.db,
                    &admin,
                    viewer.user_id,
                    &shared::access::MemberLimits {
                        limited_to_departments: false,
                        default_channel_id: Some(open),
                        only_default_channel: true,
                    },
                )
                .await
                .unwrap();
            }
            viewers.insert((sees_all, member_of_department), viewer);
        }
    }
    domain::load::seed(
        &db.owner,
        "demo",
        &domain::load::Load {
            conversations: MATRIX.len() as i64,
            messages: 0,
            agents: 0,
        },
        |_| {},
    )
    .await
    .unwrap();
    let numbers: Vec<i64> = sqlx::query_scalar(
        "SELECT number FROM conversations WHERE account_id = $1 ORDER BY number DESC LIMIT $2",
    )
    .bind(account)
    .bind(MATRIX.len() as i64)
    .fetch_all(&db.owner)
    .await
    .unwrap();
    assert_eq!(numbers.len(), MATRIX.len());

    for (case, number) in MATRIX.iter().zip(numbers) {
        let viewer = &viewers[&(case.sees_all, case.member_of_department)];
        let assignee = match case.assignee {
            Assignee::Nobody => None,
            Assignee::Viewer => Some(viewer.user_id),
            Assignee::Someone => Some(someone),
        };
        let conversation_department = case.department.then_some(ours);
        let conversation_channel = if case.channel_seen { open } else { restricted };
        sqlx::query(
            "UPDATE conversations SET assignee_id = $3, department_id = $4, channel_id = $5
              WHERE account_id = $1 AND number = $2",
        )
        .bind(account)
        .bind(number)
        .bind(assignee)
        .bind(conversation_department)
        .bind(conversation_channel)
        .execute(&db.owner)
        .await
        .unwrap();

        // SQL: what every query (list, open, act) applies.
        let by_sql = match domain::conversations::get(&db.db, viewer, number).await {
            Ok(_) => true,
            Err(domain::Error::NotFound) => false,
            Err(other) => panic!("{other}"),
        };
        // Rust: what the hub applies to live events, fed from the database.
        let scope = domain::access::scope_of(&db.db, viewer).await.unwrap();
        let by_hub = domain::conversations::visible_to(
            &scope,
            assignee,
            conversation_department,
            conversation_channel,
        );
        // Contacts follow their conversations (the contact has only this one).
        let contact_id: i64 = sqlx::query_scalar(
            "SELECT contact_id FROM conversations WHERE account_id = $1 AND number = $2",
        )
        .bind(account)
        .bind(number)
        .fetch_one(&db.owner)
        .await
        .unwrap();
        let by_contact = domain::contacts::get(&db.db, viewer, contact_id)
            .await
            .is_ok();
        assert_eq!(
            (by_sql, by_hub, by_contact),
            (case.visible, case.visible, case.visible),
            "{case:?}"
        );
    }
}
