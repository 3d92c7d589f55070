use chrono::{DateTime, Utc};
use shared::flows::FlowDefinition;

use super::triggers::{choose, mentions, Message};
use super::{LiveFlow, Why};

fn flow(id: i64, triggers: &str) -> LiveFlow {
    let definition: FlowDefinition = serde_json::from_str(&format!(
        r#"{{"schema": 1, "variables": [], "edges": [], "blocks": [{triggers}]}}"#
    ))
    .unwrap();
    LiveFlow {
        id,
        version: 1,
        name: format!("fluxo {id}"),
        definition,
    }
}

fn start(id: &str, trigger: &str) -> String {
    format!(
        r#"{{"id": "{id}", "type": "start", "position": {{"x": 0, "y": 0}}, "trigger": {trigger}}}"#
    )
}

fn message(text: &str, first: bool) -> Message<'_> {
    Message { text, first }
}

const NO_CLOSED: &[(Option<i64>, Option<DateTime<Utc>>)] = &[];

#[test]
fn keywords_match_whole_words_in_any_case() {
    assert!(mentions("Quero a 2ª via do boleto", "boleto"));
    assert!(mentions("MENU", "menu"));
    assert!(mentions("segunda via, por favor", "Segunda via"));
    assert!(!mentions("menus", "menu"), "part of a word");
    assert!(
        !mentions("cardápio", ""),
        "an empty keyword matches nothing"
    );
    assert!(mentions("ver o cardápio!", "cardápio"));
}

#[test]
fn a_new_conversation_starts_the_oldest_flow_for_its_channel() {
    let flows = [
        flow(
            1,
            &start("a", r#"{"kind": "new_conversation", "channel_ids": [9]}"#),
        ),
        flow(2, &start("a", r#"{"kind": "new_conversation"}"#)),
        flow(
            3,
            &start("a", r#"{"kind": "new_conversation", "channel_ids": [5]}"#),
        ),
    ];
    assert_eq!(
        choose(&flows, 5, &message("oi", true), NO_CLOSED),
        Some((1, Why::NewConversation)),
        "the flow for every channel is older than channel 5's own"
    );
    assert_eq!(
        choose(&flows, 9, &message("oi", true), NO_CLOSED),
        Some((0, Why::NewConversation))
    );
    assert_eq!(
        choose(&flows, 5, &message("oi", false), NO_CLOSED),
        None,
        "a later message is not a new conversation"
    );
}

#[test]
fn closed_hours_come_before_keywords_and_keywords_before_new_conversations() {
    let flows = [
        flow(1, &start("a", r#"{"kind": "new_conversation"}"#)),
        flow(
            2,
            &start("a", r#"{"kind": "keyword", "keywords": ["boleto"]}"#),
        ),
        flow(
            3,
            &start(
                "a",
                r#"{"kind": "outside_business_hours", "department_id": 4}"#,
            ),
        ),
    ];
    let text = message("meu boleto", true);
    assert_eq!(choose(&flows, 1, &text, NO_CLOSED), Some((1, Why::Keyword)));
    let closed = [(Some(4), None)];
    assert_eq!(
        choose(&flows, 1, &text, &closed),
        Some((2, Why::OutsideBusinessHours))
    );
    let other_closed = [(None, None)];
    assert_eq!(
        choose(&flows, 1, &text, &other_closed),
        Some((1, Why::Keyword)),
        "the account closed is not department 4 closed"
    );
    assert_eq!(
        choose(&flows, 1, &message("bom dia", true), NO_CLOSED),
        Some((0, Why::NewConversation))
    );
}

#[test]
fn a_run_enters_the_start_block_of_its_trigger() {
    let both = flow(
        1,
        &format!(
            "{}, {}",
            start("novo", r#"{"kind": "new_conversation"}"#),
            start("manual", r#"{"kind": "manual"}"#)
        ),
    );
    assert_eq!(
        Why::NewConversation.start_block(&both.definition),
        Some("novo")
    );
    assert_eq!(Why::Manual.start_block(&both.definition), Some("manual"));
    assert_eq!(Why::Jump.start_block(&both.definition), Some("manual"));
    let only_keyword = flow(2, &start("k", r#"{"kind": "keyword", "keywords": ["x"]}"#));
    assert_eq!(Why::Manual.start_block(&only_keyword.definition), None);
    assert_eq!(
        Why::Jump.start_block(&only_keyword.definition),
        Some("k"),
        "a jump enters any start when the flow has no manual one"
    );
}

fn request(url: &str) -> super::PendingRequest {
    super::PendingRequest {
        method: shared::flows::HttpMethod::Get,
        url: url.into(),
        headers: vec![],
        body: None,
        timeout_ms: 1000,
    }
}

#[tokio::test]
async fn http_blocks_never_reach_private_addresses_unless_the_host_is_allow_listed() {
    let guarded = super::HttpPolicy::default();
    for url in [
        "https://127.0.0.1/admin",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.8/erp",
        "https://[::1]/",
    ] {
        let refused = guarded.call(&request(url), &[]).await.unwrap_err();
        assert!(refused.contains("private or local"), "{url}: {refused}");
    }
    let plain = guarded
        .call(&request("http://erp.example.com/clientes"), &[])
        .await
        .unwrap_err();
    assert!(plain.contains("not https"), "{plain}");

    // Positive control: the allow-listed host is called (nothing listens
    // on port 9 here, so the call itself fails — after the guard let it
    // through).
    let listed = guarded
        .call(&request("http://127.0.0.1:9/erp"), &["127.0.0.1".into()])
        .await
        .unwrap_err();
    assert!(listed.starts_with("request failed"), "{listed}");
}
