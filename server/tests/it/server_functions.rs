//! Server functions the other suites do not reach: quick replies, department
//! changes, account settings, attribute definitions, notifications and
//! signing out elsewhere — each with who may and who may not.

use crate::helpers::spawn_app;
use serde_json::json;
use shared::accounts::AccountSettings;
use shared::inbox::{AttributeDefinition, Department, Notification, QuickReply};
use shared::{AppError, ErrorCode};

const PASSWORD: &str = "ponte-demo-2026";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_replies_belong_to_their_owner_and_shared_ones_need_the_permission() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let agent = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    let supervisor = app.signed_in("supervisor@demo.ponte.dev", PASSWORD).await;
    let mine: QuickReply = agent
        .call(
            "save_quick_reply",
            &[("shortcut", "meu-pix"), ("content", "Meu PIX é 123")],
        )
        .await
        .json();
    assert!(!mine.shared);
    let shared_by_agent = agent
        .call(
            "save_quick_reply",
            &[
                ("shortcut", "todos"),
                ("content", "Para todos"),
                ("shared", "true"),
            ],
        )
        .await;
    assert_eq!(
        shared_by_agent.status, 403,
        "agents cannot share with the team"
    );
    let others: Vec<QuickReply> = supervisor.call("list_quick_replies", &[]).await.json();
    assert!(
        !others.iter().any(|q| q.shortcut == "meu-pix"),
        "an agent's own reply is theirs alone"
    );
    let edit_theirs = supervisor
        .call(
            "save_quick_reply",
            &[
                ("id", &mine.id.to_string()),
                ("shortcut", "meu-pix"),
                ("content", "trocado"),
            ],
        )
        .await;
    assert_eq!(edit_theirs.status, 404);
    let edited: QuickReply = agent
        .call(
            "save_quick_reply",
            &[
                ("id", &mine.id.to_string()),
                ("shortcut", "meu-pix"),
                ("content", "Meu PIX mudou"),
            ],
        )
        .await
        .json();
    assert_eq!(edited.content, "Meu PIX mudou");
    let team: Vec<QuickReply> = agent.call("list_quick_replies", &[]).await.json();
    let shared_id = team.iter().find(|q| q.shared).unwrap().id;
    assert_eq!(
        agent
            .call("remove_quick_reply", &[("id", &shared_id.to_string())])
            .await
            .status,
        403,
        "a shared reply needs the permission"
    );
    assert_eq!(
        supervisor
            .call("remove_quick_reply", &[("id", &shared_id.to_string())])
            .await
            .status,
        200
    );
    let taken = agent
        .call(
            "save_quick_reply",
            &[("shortcut", "meu-pix"), ("content", "de novo")],
        )
        .await;
    assert_eq!(
        taken.error().field_code("shortcut"),
        Some(ErrorCode::NameTaken)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments_are_renamed_staffed_and_removed_by_managers_only() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let agent = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    let admin = app.signed_in("admin@demo.ponte.dev", PASSWORD).await;
    let created: Department = admin
        .call("create_department", &[("name", "Vendas")])
        .await
        .json();
    let update = |name: &str, members: Vec<uuid::Uuid>| {
        let members: Vec<_> = members
            .iter()
            .map(|id| json!({ "user_id": id, "max_conversations": 4 }))
            .collect();
        json!({ "id": created.id, "form": { "name": name, "members": members } })
    };
    let by_agent = agent
        .call_json("save_department", &update("Vendas", vec![demo.users[2].1]))
        .await;
    assert_eq!(by_agent.status, 403);
    let staffed: Department = admin
        .call_json(
            "save_department",
            &update("Vendas e Trocas", vec![demo.users[2].1]),
        )
        .await
        .json();
    assert_eq!(staffed.name, "Vendas e Trocas");
    assert_eq!(staffed.member_ids, vec![demo.users[2].1]);
    let stranger = admin
        .call_json(
            "save_department",
            &update("Vendas", vec![uuid::Uuid::new_v4()]),
        )
        .await;
    assert_eq!(
        stranger.error().field_code("members"),
        Some(ErrorCode::OptionInvalid),
        "only the account's members can join"
    );
    admin
        .call("create_department", &[("name", "Suporte")])
        .await;
    let clash = admin
        .call_json("save_department", &update("suporte", vec![]))
        .await;
    assert_eq!(clash.error().field_code("name"), Some(ErrorCode::NameTaken));
    assert_eq!(
        agent
            .call("remove_department", &[("id", &created.id.to_string())])
            .await
            .status,
        403
    );
    assert_eq!(
        admin
            .call("remove_department", &[("id", &created.id.to_string())])
            .await
            .status,
        200
    );
    let left: Vec<Department> = admin.call("list_departments", &[]).await.json();
    assert!(left.iter().all(|d| d.id != created.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_settings_are_validated_and_only_admins_change_them() {
    let app = spawn_app().await;
    app.demo_account().await;
    let supervisor = app.signed_in("supervisor@demo.ponte.dev", PASSWORD).await;
    let admin = app.signed_in("admin@demo.ponte.dev", PASSWORD).await;
    let form = |timezone: &'static str, limit: &'static str| {
        [
            ("name", "Demo Ltda"),
            ("support_email", "ajuda@demo.ponte.dev"),
            ("timezone", timezone),
            ("default_locale", "en"),
            ("default_theme", "dark"),
            ("attachment_limit_mb", limit),
        ]
    };
    assert_eq!(
        supervisor
            .call("update_account_settings", &form("America/Sao_Paulo", "20"))
            .await
            .status,
        403
    );
    let invalid = admin
        .call("update_account_settings", &form("Mars/Olympus", "500"))
        .await;
    assert_eq!(invalid.status, 422);
    let error = invalid.error();
    assert_eq!(
        error.field_code("timezone"),
        Some(ErrorCode::TimeZoneInvalid)
    );
    assert!(error.field_code("attachment_limit_mb").is_some());
    let saved: AccountSettings = admin
        .call("update_account_settings", &form("America/Manaus", "20"))
        .await
        .json();
    assert_eq!(
        (
            saved.name.as_str(),
            saved.timezone.as_str(),
            saved.attachment_limit_mb
        ),
        ("Demo Ltda", "America/Manaus", 20)
    );
    let read: AccountSettings = supervisor.call("get_account_settings", &[]).await.json();
    assert_eq!(read, saved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_definitions_are_managed_by_permission() {
    let app = spawn_app().await;
    app.demo_account().await;
    let agent = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    let admin = app.signed_in("admin@demo.ponte.dev", PASSWORD).await;
    let define = |label: &'static str, key: &'static str, kind: &'static str| {
        [
            ("label", label),
            ("key", key),
            ("kind", kind),
            ("options", ""),
        ]
    };
    assert_eq!(
        agent
            .call("define_attribute", &define("CPF", "cpf", "text"))
            .await
            .status,
        403
    );
    let bad_key = admin
        .call("define_attribute", &define("CPF", "CPF inválido", "text"))
        .await;
    assert_eq!(bad_key.status, 422);
    let created: AttributeDefinition = admin
        .call("define_attribute", &define("CPF", "cpf", "text"))
        .await
        .json();
    let duplicate = admin
        .call("define_attribute", &define("Outro", "cpf", "text"))
        .await;
    assert_eq!(duplicate.status, 422);
    let listed: Vec<AttributeDefinition> =
        agent.call("list_attribute_definitions", &[]).await.json();
    assert!(listed.iter().any(|a| a.key == "cpf"), "agents read them");
    assert_eq!(
        agent
            .call("remove_attribute", &[("id", &created.id.to_string())])
            .await
            .status,
        403
    );
    assert_eq!(
        admin
            .call("remove_attribute", &[("id", &created.id.to_string())])
            .await
            .status,
        200
    );
    assert_eq!(
        admin
            .call("remove_attribute", &[("id", &created.id.to_string())])
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_personal_and_marked_read() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    domain::seed::demo_inbox(&app.database.db, &crate::helpers::test_secret(), &demo)
        .await
        .unwrap();
    let supervisor = app.signed_in("supervisor@demo.ponte.dev", PASSWORD).await;
    let agent = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    let note = json!({ "number": 1, "body": "@Alice olha isso", "note": true, "client_id": null, "attachment_id": null, "mentions": [demo.users[2].1] });
    assert_eq!(
        supervisor.call_json("send_message", &note).await.status,
        200
    );
    let mine: Vec<Notification> = agent.call("list_notifications", &[]).await.json();
    assert_eq!(mine.len(), 1);
    assert!(!mine[0].read);
    assert_eq!(mine[0].conversation_number, Some(1));
    let theirs: Vec<Notification> = supervisor.call("list_notifications", &[]).await.json();
    assert!(theirs.is_empty(), "the author is not notified");
    assert_eq!(agent.call("mark_notifications_read", &[]).await.status, 200);
    let after: Vec<Notification> = agent.call("list_notifications", &[]).await.json();
    assert!(after.iter().all(|n| n.read));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_elsewhere_ends_every_other_session_but_this_one() {
    let app = spawn_app().await;
    app.demo_account().await;
    let phone = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    let laptop = app.signed_in("agent@demo.ponte.dev", PASSWORD).await;
    let other_person = app.signed_in("supervisor@demo.ponte.dev", PASSWORD).await;
    let ended: u64 = laptop.call("sign_out_other_sessions", &[]).await.json();
    assert_eq!(ended, 1);
    assert!(phone.session().await.is_none(), "the phone is signed out");
    assert!(laptop.session().await.is_some(), "this session stays");
    assert!(
        other_person.session().await.is_some(),
        "other people are unaffected"
    );
    let unauthorized = app.browser().call("sign_out_other_sessions", &[]).await;
    assert_eq!(unauthorized.error(), AppError::Unauthorized);
}
