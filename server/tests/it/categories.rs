//! Interaction categories (the tree, wrap-up, the resolve requirement) and
//! the productivity events the domain records as agents work.

use domain::categories::{self, CategoryForm};
use domain::messages::{self, Reply};
use shared::inbox::ConversationStatus;
use shared::{AppError, ErrorCode, Role};
use uuid::Uuid;

use crate::helpers::spawn_app;

fn field_code(err: domain::Error, field: &str) -> Option<ErrorCode> {
    AppError::from(err).field_code(field)
}

async fn category_id(db: &domain::Db, actor: &domain::Actor, name: &str) -> i64 {
    categories::setup(db, actor)
        .await
        .unwrap()
        .categories
        .into_iter()
        .find(|c| c.name == name)
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tree_is_managed_by_supervisors_with_unique_names_and_no_loops() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let db = &app.database.db;
    let supervisor = demo.actor(Role::Supervisor);
    let agent = demo.actor(Role::Agent);
    let form = |name: &str, parent_id: Option<i64>| CategoryForm {
        name: name.into(),
        description: "Dúvidas sobre boletos".into(),
        parent_id,
    };
    let finance = category_id(db, &supervisor, "Financeiro").await;

    let refused = categories::create(db, &agent, &form("Boletos", Some(finance))).await;
    assert!(matches!(refused, Err(domain::Error::Forbidden)));
    let boletos = categories::create(db, &supervisor, &form("Boletos", Some(finance)))
        .await
        .unwrap();
    assert_eq!(boletos.parent_id, Some(finance));
    // Names are unique per account, whatever the case.
    let twice = categories::create(db, &supervisor, &form("boletos", None)).await;
    assert_eq!(
        field_code(twice.unwrap_err(), "name"),
        Some(ErrorCode::NameTaken)
    );
    // A parent cannot move under its own child.
    let looped = categories::update(
        db,
        &supervisor,
        finance,
        &form("Financeiro", Some(boletos.id)),
        true,
    )
    .await;
    assert_eq!(
        field_code(looped.unwrap_err(), "parent_id"),
        Some(ErrorCode::CategoryLoop)
    );
    // A fourth level is refused; the third is fine.
    let third = categories::create(db, &supervisor, &form("Segunda via", Some(boletos.id)))
        .await
        .unwrap();
    let fourth = categories::create(db, &supervisor, &form("Vencidos", Some(third.id))).await;
    assert_eq!(
        field_code(fourth.unwrap_err(), "parent_id"),
        Some(ErrorCode::CategoryTooDeep)
    );

    // Deactivated: kept, but no longer pickable at wrap-up.
    categories::update(
        db,
        &supervisor,
        boletos.id,
        &form("Boletos", Some(finance)),
        false,
    )
    .await
    .unwrap();
    let setup = categories::setup(db, &agent).await.unwrap();
    assert!(setup
        .categories
        .iter()
        .any(|c| c.id == boletos.id && !c.active));
    let refused = domain::conversations::wrap_up(db, &agent, 2, &[boletos.id], false).await;
    assert_eq!(
        field_code(refused.unwrap_err(), "categories"),
        Some(ErrorCode::OptionInvalid)
    );
    // Positive control: an active one wraps the conversation up.
    let resolved = domain::conversations::wrap_up(db, &agent, 2, &[finance], false)
        .await
        .unwrap();
    assert_eq!(resolved.status, ConversationStatus::Resolved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolving_needs_a_category_when_the_account_or_the_channel_kind_says_so() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let db = &app.database.db;
    let admin = demo.actor(Role::GlobalAdmin);
    let agent = demo.actor(Role::Agent);

    // Only e-mail conversations need one: a website conversation resolves.
    categories::set_requirement(db, &admin, false, &["email".to_string()])
        .await
        .unwrap();
    let website =
        domain::conversations::set_status(db, &agent, 2, ConversationStatus::Resolved, None)
            .await
            .unwrap();
    assert_eq!(website.status, ConversationStatus::Resolved);
    let bad_kind = categories::set_requirement(db, &admin, false, &["fax".to_string()]).await;
    assert_eq!(
        field_code(bad_kind.unwrap_err(), "required_channel_kinds"),
        Some(ErrorCode::OptionInvalid)
    );

    // Every conversation: plain resolving is refused on every path…
    categories::set_requirement(db, &admin, true, &[])
        .await
        .unwrap();
    let refused =
        domain::conversations::set_status(db, &agent, 3, ConversationStatus::Resolved, None).await;
    assert_eq!(
        field_code(refused.unwrap_err(), "categories"),
        Some(ErrorCode::Required)
    );
    let refused = domain::conversations::wrap_up(db, &agent, 3, &[], false).await;
    assert_eq!(
        field_code(refused.unwrap_err(), "categories"),
        Some(ErrorCode::Required)
    );
    // …and the wrap-up with a category resolves.
    let delivery = category_id(db, &agent, "Entrega").await;
    let resolved = domain::conversations::wrap_up(db, &agent, 3, &[delivery], false)
        .await
        .unwrap();
    assert_eq!(resolved.status, ConversationStatus::Resolved);
    let chosen: Vec<i64> = sqlx::query_scalar(
        "SELECT cc.category_id FROM conversation_categories cc JOIN conversations c ON c.id = cc.conversation_id
          WHERE c.account_id = $1 AND c.number = 3",
    )
    .bind(demo.account_id)
    .fetch_all(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(chosen, [delivery]);
}

async fn events(owner: &sqlx::PgPool, account: Uuid, number: i64) -> Vec<(String, Option<i32>)> {
    sqlx::query_as(
        "SELECT e.kind, e.seconds FROM productivity_events e JOIN conversations c ON c.id = e.conversation_id
          WHERE c.account_id = $1 AND c.number = $2 ORDER BY e.id",
    )
    .bind(account)
    .bind(number)
    .fetch_all(owner)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn productivity_events_are_recorded_as_agents_work() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let (db, owner) = (&app.database.db, &app.database.owner);
    let agent = demo.actor(Role::Agent);
    // Conversation 2 (João) has had no answer yet.
    assert!(events(owner, demo.account_id, 2).await.is_empty());
    let reply = |body: &str, note: bool| Reply {
        body: body.into(),
        note,
        ..Default::default()
    };
    messages::send(db, &agent, 2, &reply("Emitimos, sim!", false))
        .await
        .unwrap();
    messages::send(db, &agent, 2, &reply("Só enviar o CNPJ.", false))
        .await
        .unwrap();
    messages::send(db, &agent, 2, &reply("Cliente antigo", true))
        .await
        .unwrap();
    domain::conversations::assign(
        db,
        &agent,
        2,
        Some(demo.actor(Role::Supervisor).user_id),
        None,
        None,
    )
    .await
    .unwrap();
    domain::conversations::set_status(
        db,
        &demo.actor(Role::Supervisor),
        2,
        ConversationStatus::Resolved,
        None,
    )
    .await
    .unwrap();

    let recorded = events(owner, demo.account_id, 2).await;
    let kinds: Vec<&str> = recorded.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "message_sent",
            "first_response",
            "message_sent",
            "note_added",
            "conversation_transferred",
            "conversation_resolved"
        ]
    );
    // Only the first response and the resolution carry a duration.
    let timed: Vec<bool> = recorded
        .iter()
        .map(|(_, seconds)| seconds.is_some())
        .collect();
    assert_eq!(timed, [false, true, false, false, false, true]);
}
