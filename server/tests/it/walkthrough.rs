//! What a walkthrough of the product found, pinned where the server decides
//! it: phone numbers in the account's country, search across statuses and
//! accents, inbox counts, availability, transfer notifications, unique
//! channel names and the visitor's context.

use crate::helpers::{spawn_app, Browser, TestApp};
use serde_json::{json, Value};
use shared::inbox::{
    Availability, ContactView, ConversationPage, InboxCounts, Notification, NotificationKind,
    OpenedConversation,
};
use shared::ErrorCode;

const PASSWORD: &str = "ponte-demo-2026";

async fn as_demo(app: &TestApp, who: &str) -> Browser {
    app.signed_in(&format!("{who}@demo.ponte.dev"), PASSWORD)
        .await
}

async fn opened(browser: &Browser, number: i64) -> OpenedConversation {
    let reply = browser
        .call("open_conversation", &[("number", &number.to_string())])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

async fn numbers(browser: &Browser, filter: Value) -> Vec<i64> {
    let reply = browser
        .call_json("list_conversations", &json!({ "filter": filter }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let page: ConversationPage = reply.json();
    page.conversations.iter().map(|c| c.number).collect()
}

async fn set_phone(browser: &Browser, contact_id: i64, phone: &str) -> crate::helpers::Reply {
    browser
        .call_json(
            "update_contact",
            &json!({ "contact_id": contact_id, "name": "Mariana Costa", "phone": phone,
                     "email": "mariana@example.com", "tags": [], "attributes": [] }),
        )
        .await
}

async fn counts(browser: &Browser) -> InboxCounts {
    let reply = browser.call("inbox_counts", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

async fn availability(browser: &Browser) -> Availability {
    browser.call("get_availability", &[]).await.json()
}

async fn transfers_heard(browser: &Browser) -> Vec<Notification> {
    let all: Vec<Notification> = browser.call("list_notifications", &[]).await.json();
    all.into_iter()
        .filter(|n| n.kind == NotificationKind::Transfer)
        .collect()
}

async fn create_channel(admin: &Browser, name: &str, origin: &str) -> crate::helpers::Reply {
    admin
        .call(
            "save_website_channel",
            &[
                ("channel[name]", name),
                ("channel[allowed_origins]", origin),
                ("channel[greeting]", ""),
                ("channel[color]", ""),
            ],
        )
        .await
}

async fn set_country(admin: &Browser, country: &str) {
    let reply = admin
        .call(
            "update_account_settings",
            &[
                ("name", "Demo"),
                ("support_email", ""),
                ("timezone", "America/Sao_Paulo"),
                ("default_locale", "pt-BR"),
                ("default_theme", "system"),
                ("attachment_limit_mb", "10"),
                ("country", country),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_numbers_without_a_country_code_take_the_accounts_country() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let admin = as_demo(&app, "admin").await;
    let contact_id = opened(&admin, 1).await.contact.contact.id;

    let local = set_phone(&admin, contact_id, "(11) 98765-4321").await;
    assert_eq!(local.status, 200, "{}", local.body);
    let contact: ContactView = local.json();
    assert_eq!(contact.phone.as_deref(), Some("+5511987654321"));
    assert_eq!(
        numbers(&admin, json!({ "q": "98765-4321", "all_statuses": true })).await,
        vec![1],
        "found by the digits as typed"
    );

    set_country(&admin, "US").await;
    let american = set_phone(&admin, contact_id, "(415) 555-0100").await;
    assert_eq!(
        american.json::<ContactView>().phone.as_deref(),
        Some("+14155550100")
    );
    let international = set_phone(&admin, contact_id, "+55 21 2345-6789").await;
    assert_eq!(
        international.json::<ContactView>().phone.as_deref(),
        Some("+552123456789"),
        "a number with its own code keeps it"
    );

    let nonsense = set_phone(&admin, contact_id, "12").await;
    assert_eq!(nonsense.status, 422);
    assert_eq!(
        nonsense.error().field_code("phone"),
        Some(ErrorCode::PhoneInvalid)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_ignores_accents_and_finds_resolved_conversations() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let agent = as_demo(&app, "agent").await;
    let resolve = agent
        .call_json(
            "set_conversation_status",
            &json!({ "number": 2, "status": "resolved", "snooze_until": null }),
        )
        .await;
    assert_eq!(resolve.status, 200, "{}", resolve.body);
    assert!(
        !numbers(&agent, json!({})).await.contains(&2),
        "the default list shows active conversations only"
    );

    // The demo says "Vocês emitem nota fiscal…".
    assert_eq!(
        numbers(&agent, json!({ "q": "voces emitem" })).await,
        vec![2]
    );
    assert_eq!(numbers(&agent, json!({ "q": "VOCÊS" })).await, vec![2]);
    let reply = agent
        .call_json("list_conversations", &json!({ "filter": { "q": "voces" } }))
        .await;
    let page: ConversationPage = reply.json();
    let hit = page.conversations[0]
        .search_hit
        .clone()
        .expect("the matching message");
    assert!(hit.excerpt.contains("Vocês emitem"), "{hit:?}");
    assert!(numbers(&agent, json!({ "q": "não existe nada assim" }))
        .await
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_counts_follow_assignment_and_reading() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let agent = as_demo(&app, "agent").await;
    let before = counts(&agent).await;
    assert_eq!(
        before.all,
        numbers(&agent, json!({})).await.len() as i64,
        "all = what the agent's list shows"
    );

    let visitor = app.visitor(&channel).await;
    app.visitor_says(&channel, &visitor, "Olá, alguém aí?")
        .await;
    let after_new = counts(&agent).await;
    assert_eq!(after_new.unassigned, before.unassigned + 1);
    assert_eq!(after_new.unread, before.unread + 1);

    let newest = *numbers(&agent, json!({})).await.first().unwrap();
    let agent_id = demo.users[2].1;
    let take = agent
        .call_json(
            "assign_conversation",
            &json!({ "number": newest, "assignee": agent_id, "change_department": false,
                     "department_id": null, "note": null }),
        )
        .await;
    assert_eq!(take.status, 200, "{}", take.body);
    agent
        .call("mark_conversation_read", &[("number", &newest.to_string())])
        .await;
    let after_taking = counts(&agent).await;
    assert_eq!(after_taking.mine, before.mine + 1);
    assert_eq!(after_taking.unassigned, before.unassigned);
    assert_eq!(after_taking.unread, before.unread);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_is_kept_per_person() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let agent = as_demo(&app, "agent").await;
    let supervisor = as_demo(&app, "supervisor").await;
    assert_eq!(availability(&agent).await, Availability::Online);
    let away = agent
        .call("set_availability", &[("availability", "away")])
        .await;
    assert_eq!(away.status, 200, "{}", away.body);
    assert_eq!(availability(&agent).await, Availability::Away);
    assert_eq!(
        availability(&supervisor).await,
        Availability::Online,
        "per person"
    );
    let bogus = agent
        .call("set_availability", &[("availability", "napping")])
        .await;
    assert_eq!(bogus.status, 400);
    assert_eq!(availability(&agent).await, Availability::Away);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_handed_to_someone_notifies_them_and_nobody_else() {
    let app = spawn_app().await;
    let (demo, _) = app.demo_inbox().await;
    let supervisor = as_demo(&app, "supervisor").await;
    let agent = as_demo(&app, "agent").await;
    let admin = as_demo(&app, "admin").await;
    let agent_id = demo.users[2].1;
    let transfer = supervisor
        .call_json(
            "assign_conversation",
            &json!({ "number": 2, "assignee": agent_id, "change_department": false,
                     "department_id": null, "note": "Cliente quer nota fiscal" }),
        )
        .await;
    assert_eq!(transfer.status, 200, "{}", transfer.body);
    let handed = transfers_heard(&agent).await;
    assert_eq!(handed.len(), 1, "{handed:?}");
    assert_eq!(handed[0].actor_name.as_deref(), Some("Sérgio Supervisor"));
    assert_eq!(
        handed[0].excerpt, "Cliente quer nota fiscal",
        "the note says why"
    );
    assert!(
        transfers_heard(&admin).await.is_empty(),
        "only the new assignee hears of it"
    );

    let taking_it_oneself = agent
        .call_json(
            "assign_conversation",
            &json!({ "number": 3, "assignee": agent_id, "change_department": false,
                     "department_id": null, "note": null }),
        )
        .await;
    assert_eq!(taking_it_oneself.status, 200, "{}", taking_it_oneself.body);
    assert_eq!(
        transfers_heard(&agent).await.len(),
        1,
        "taking a conversation oneself is no news"
    );
    let without_note = supervisor
        .call_json(
            "assign_conversation",
            &json!({ "number": 4, "assignee": agent_id, "change_department": false,
                     "department_id": null, "note": null }),
        )
        .await;
    assert_eq!(without_note.status, 200, "{}", without_note.body);
    let latest = transfers_heard(&agent).await;
    assert!(
        latest
            .iter()
            .any(|n| n.conversation_number == Some(4) && n.excerpt.contains("fora do ar")),
        "without a note, what the customer said: {latest:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_channels_of_one_account_cannot_share_a_name() {
    let app = spawn_app().await;
    app.demo_inbox().await;
    let admin = as_demo(&app, "admin").await;
    let first = create_channel(&admin, "Loja", "https://loja.example").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let again = create_channel(&admin, "Loja", "https://loja.example").await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert_eq!(again.error().field_code("name"), Some(ErrorCode::NameTaken));
    let other_company = app.sign_up("Outra", "outra", "dona@outra.example").await;
    let theirs = create_channel(&other_company, "Loja", "https://outra.example").await;
    assert_eq!(
        theirs.status, 200,
        "names are unique per account only: {}",
        theirs.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_sees_where_a_visitor_writes_from() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let sent = app
        .plain_client()
        .post(format!("{}/widget/{channel}/messages", app.base_url))
        .header("origin", &app.base_url)
        .header(
            "user-agent",
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36",
        )
        .json(&json!({ "visitor": visitor, "body": "Oi",
                       "context": { "page": "https://loja.example/checkout", "language": "pt-BR",
                                    "time_zone": "America/Recife" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let agent = as_demo(&app, "agent").await;
    let newest = *numbers(&agent, json!({})).await.first().unwrap();
    let visitor_context = opened(&agent, newest)
        .await
        .contact
        .visitor
        .expect("the context is shown");
    assert_eq!(
        visitor_context.page.as_deref(),
        Some("https://loja.example/checkout")
    );
    assert_eq!(visitor_context.time_zone.as_deref(), Some("America/Recife"));
    assert_eq!(visitor_context.browser.as_deref(), Some("Chrome · Android"));
    let demo_conversation = opened(&agent, 1).await;
    assert_eq!(
        demo_conversation.contact.visitor, None,
        "none sent, none shown"
    );
}
