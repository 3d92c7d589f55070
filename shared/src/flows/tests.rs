//! The flow format and its validation: each rule, pointing at its block.

use serde_json::json;

use super::*;

/// The demo's flow: a greeting, a menu "1 Vendas / 2 Suporte", and the
/// transfer to the chosen department (the example of docs/FLOWS.md).
fn demo() -> serde_json::Value {
    json!({
        "schema": 1,
        "variables": ["nome"],
        "blocks": [
            { "id": "inicio", "type": "start", "position": { "x": 0, "y": 0 },
              "trigger": { "kind": "new_conversation", "channel_ids": [] } },
            { "id": "ola", "type": "send_text", "position": { "x": 0, "y": 120 },
              "text": "Olá, {{contact.name}}! Eu sou o assistente da Ponte." },
            { "id": "menu", "type": "menu", "position": { "x": 0, "y": 240 },
              "text": "Com quem você quer falar?",
              "options": [{ "id": "vendas", "label": "Vendas" }, { "id": "suporte", "label": "Suporte" }],
              "retry_message": "Responda 1 ou 2, por favor." },
            { "id": "para_vendas", "type": "transfer", "position": { "x": -160, "y": 360 }, "department_id": 1 },
            { "id": "para_suporte", "type": "transfer", "position": { "x": 160, "y": 360 }, "department_id": 2 }
        ],
        "edges": [
            { "from": "inicio", "to": "ola" },
            { "from": "ola", "to": "menu" },
            { "from": "menu", "output": "vendas", "to": "para_vendas" },
            { "from": "menu", "output": "suporte", "to": "para_suporte" }
        ]
    })
}

fn parse(value: serde_json::Value) -> FlowDefinition {
    serde_json::from_value(value).expect("a flow")
}

fn problems(value: serde_json::Value) -> Vec<(Option<String>, ProblemCode, String)> {
    validate(&parse(value), &ValidationContext::default())
        .into_iter()
        .map(|p| (p.block, p.code, p.detail))
        .collect()
}

fn at(block: &str, code: ProblemCode, detail: &str) -> (Option<String>, ProblemCode, String) {
    (Some(block.to_string()), code, detail.to_string())
}

#[test]
fn the_demo_flow_is_valid_and_round_trips() {
    assert_eq!(problems(demo()), []);
    let flow = parse(demo());
    assert_eq!(
        serde_json::from_value::<FlowDefinition>(serde_json::to_value(&flow).unwrap()).unwrap(),
        flow
    );
    assert_eq!(
        flow.follow("menu", "suporte").map(|b| b.id.as_str()),
        Some("para_suporte")
    );
}

#[test]
fn a_new_flow_starts_valid() {
    assert_eq!(validate(&starter(), &ValidationContext::default()), []);
}

#[test]
fn a_flow_needs_one_start_per_trigger() {
    let mut none = demo();
    none["blocks"][0] = json!({ "id": "inicio", "type": "end" });
    assert!(problems(none).contains(&(None, ProblemCode::NoStart, String::new())));
    let mut twice = demo();
    twice["blocks"].as_array_mut().unwrap().push(json!(
        { "id": "outro", "type": "start", "trigger": { "kind": "new_conversation" } }));
    twice["edges"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "from": "outro", "to": "ola" }));
    assert_eq!(
        problems(twice),
        [at(
            "outro",
            ProblemCode::DuplicateTrigger,
            "new_conversation"
        )]
    );
    // A second start with another trigger is fine.
    let mut keyword = demo();
    keyword["blocks"].as_array_mut().unwrap().push(json!(
        { "id": "palavra", "type": "start", "trigger": { "kind": "keyword", "keywords": ["menu"] } }));
    keyword["edges"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "from": "palavra", "to": "menu" }));
    assert_eq!(problems(keyword), []);
}

#[test]
fn every_required_output_leads_somewhere_and_edges_are_sound() {
    let mut open = demo();
    open["edges"].as_array_mut().unwrap().pop();
    assert_eq!(
        problems(open),
        [
            at("menu", ProblemCode::OutputUnconnected, "suporte"),
            at("para_suporte", ProblemCode::Unreachable, ""),
        ]
    );
    let mut wrong = demo();
    wrong["edges"].as_array_mut().unwrap().extend([
        json!({ "from": "ola", "output": "talvez", "to": "menu" }),
        json!({ "from": "menu", "output": "vendas", "to": "para_suporte" }),
        json!({ "from": "ola", "output": "next", "to": "fantasma" }),
        json!({ "from": "para_vendas", "to": "inicio" }),
    ]);
    let found = problems(wrong);
    assert!(
        found.contains(&at("ola", ProblemCode::EdgeUnknownOutput, "talvez")),
        "{found:?}"
    );
    assert!(
        found.contains(&at("menu", ProblemCode::OutputUsedTwice, "vendas")),
        "{found:?}"
    );
    assert!(
        found.contains(&at("ola", ProblemCode::EdgeUnknownBlock, "fantasma")),
        "{found:?}"
    );
    assert!(
        found.contains(&at("inicio", ProblemCode::EdgeIntoStart, "")),
        "{found:?}"
    );
}

#[test]
fn blocks_no_start_reaches_are_pointed_at() {
    let mut stray = demo();
    stray["blocks"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "solto", "type": "end" }));
    assert_eq!(problems(stray), [at("solto", ProblemCode::Unreachable, "")]);
}

#[test]
fn a_variable_is_read_only_after_every_path_set_it() {
    let ask = json!({ "id": "pergunta", "type": "ask", "question": "Seu nome?", "kind": "text",
                      "variable": "nome" });
    let greet = json!({ "id": "cumprimento", "type": "send_text", "text": "Prazer, {{nome}}!" });
    let mut flow = demo();
    let blocks = flow["blocks"].as_array_mut().unwrap();
    blocks.push(ask);
    blocks.push(greet);
    flow["edges"] = json!([
        { "from": "inicio", "to": "pergunta" },
        { "from": "pergunta", "to": "cumprimento" },
        { "from": "cumprimento", "to": "ola" },
        { "from": "ola", "to": "menu" },
        { "from": "menu", "output": "vendas", "to": "para_vendas" },
        { "from": "menu", "output": "suporte", "to": "para_suporte" }
    ]);
    assert_eq!(
        problems(flow.clone()),
        [],
        "set by the question on the only path"
    );

    // Through the question's "invalid" way out the name was never given.
    flow["edges"].as_array_mut().unwrap().push(json!(
        { "from": "pergunta", "output": "invalid", "to": "cumprimento" }));
    assert_eq!(
        problems(flow.clone()),
        [at("cumprimento", ProblemCode::VariableMaybeUnset, "nome")]
    );

    // Undeclared names are caught where read and where set.
    let mut undeclared = flow;
    undeclared["variables"] = json!([]);
    let found = problems(undeclared);
    assert!(
        found.contains(&at("pergunta", ProblemCode::VariableUndeclared, "nome")),
        "{found:?}"
    );
    assert!(
        found.contains(&at("cumprimento", ProblemCode::VariableUndeclared, "nome")),
        "{found:?}"
    );
}

#[test]
fn a_loop_must_wait_for_the_customer_or_the_clock() {
    let mut spin = demo();
    spin["blocks"].as_array_mut().unwrap().push(json!(
        { "id": "de_novo", "type": "send_text", "text": "Mais uma vez" }));
    spin["edges"] = json!([
        { "from": "inicio", "to": "ola" },
        { "from": "ola", "to": "de_novo" },
        { "from": "de_novo", "to": "ola" },
        { "from": "menu", "output": "vendas", "to": "para_vendas" },
        { "from": "menu", "output": "suporte", "to": "para_suporte" }
    ]);
    let found = problems(spin);
    assert!(
        found.contains(&at("ola", ProblemCode::EndlessLoop, "")),
        "{found:?}"
    );
    // Back to the menu (which waits for an answer): a loop, not an endless one.
    let mut retry = demo();
    retry["blocks"].as_array_mut().unwrap().push(json!(
        { "id": "de_novo", "type": "send_text", "text": "Vamos de novo" }));
    retry["blocks"][3] =
        json!({ "id": "para_vendas", "type": "send_text", "text": "Vendas fechou." });
    retry["edges"].as_array_mut().unwrap().extend([
        json!({ "from": "para_vendas", "to": "de_novo" }),
        json!({ "from": "de_novo", "to": "menu" }),
    ]);
    assert_eq!(problems(retry), []);
}

#[test]
fn settings_are_checked_block_by_block() {
    let mut flow = demo();
    let blocks = flow["blocks"].as_array_mut().unwrap();
    blocks[1]["text"] = json!("  ");
    blocks[2]["options"] = json!([{ "id": "else", "label": "Outro" }]);
    blocks[3] = json!({ "id": "para_vendas", "type": "transfer" });
    let found = problems(flow);
    assert!(
        found.contains(&at("ola", ProblemCode::TextRequired, "text")),
        "{found:?}"
    );
    assert!(
        found.contains(&at("menu", ProblemCode::ChoicesInvalid, "options")),
        "{found:?}"
    );
    assert!(
        found.contains(&at(
            "para_vendas",
            ProblemCode::TransferTargetInvalid,
            "target"
        )),
        "{found:?}"
    );
}

fn with_block(block: serde_json::Value) -> Vec<(Option<String>, ProblemCode, String)> {
    let mut flow = demo();
    flow["blocks"].as_array_mut().unwrap().push(block);
    flow["edges"] = json!([
        { "from": "inicio", "to": "extra" },
        { "from": "extra", "to": "ola" },
        { "from": "extra", "output": "error", "to": "ola" },
        { "from": "ola", "to": "menu" },
        { "from": "menu", "output": "vendas", "to": "para_vendas" },
        { "from": "menu", "output": "suporte", "to": "para_suporte" }
    ]);
    problems(flow)
}

#[test]
fn an_http_block_is_https_with_a_short_timeout() {
    let http = |url: &str, timeout: u32| {
        with_block(
            json!({ "id": "extra", "type": "http", "method": "POST", "url": url,
                           "timeout_ms": timeout, "body": "{\"nome\": \"{{contact.name}}\"}" }),
        )
    };
    assert_eq!(
        http(
            "https://api.example.com/pedidos/{{conversation.number}}",
            5_000
        ),
        []
    );
    assert_eq!(
        http("http://api.example.com/x", 5_000),
        [at("extra", ProblemCode::UrlInvalid, "url")]
    );
    assert!(http("https://{{host}}/x", 5_000).contains(&at(
        "extra",
        ProblemCode::UrlInvalid,
        "url"
    )));
    assert_eq!(
        http("https://user:pw@example.com/", 5_000),
        [at("extra", ProblemCode::UrlInvalid, "url")]
    );
    assert_eq!(
        http("https://example.com", 10_001),
        [at("extra", ProblemCode::NumberInvalid, "timeout_ms")]
    );
    // An allow-listed host may be plain http.
    assert!(url_allowed(
        "http://erp.local:8080/api",
        &["erp.local".to_string()]
    ));
    assert!(!url_allowed(
        "http://erp.local.evil.com/api",
        &["erp.local".to_string()]
    ));
    assert!(!url_allowed("ftp://example.com/", &[]));
}

#[test]
fn conditions_need_a_right_side_only_when_comparing() {
    let condition = |rule: serde_json::Value| {
        with_block(json!({ "id": "extra", "type": "condition",
            "branches": [{ "id": "vip", "rules": [rule] }] }))
    };
    assert!(
        condition(json!({ "left": { "var": "message.text" }, "op": "contains",
                              "right": { "text": "urgente" } }))
        .iter()
        .all(|p| p.1 != ProblemCode::RuleInvalid)
    );
    assert!(
        condition(json!({ "left": { "var": "contact.email" }, "op": "is_set" }))
            .iter()
            .all(|p| p.1 != ProblemCode::RuleInvalid)
    );
    assert!(
        condition(json!({ "left": { "var": "message.text" }, "op": "equals" })).contains(&at(
            "extra",
            ProblemCode::RuleInvalid,
            "vip"
        ))
    );
    assert!(
        condition(json!({ "left": { "var": "message.text" }, "op": "matches",
                              "right": { "var": "contact.name" } }))
        .contains(&at("extra", ProblemCode::RuleInvalid, "vip"))
    );
}

#[test]
fn the_schema_version_is_checked_first() {
    let mut future = demo();
    future["schema"] = json!(2);
    assert_eq!(
        problems(future),
        [(None, ProblemCode::SchemaUnsupported, "2".to_string())]
    );
}

#[test]
fn unknown_fields_and_block_types_are_refused_when_read() {
    let mut typo = demo();
    typo["blokcs"] = json!([]);
    assert!(serde_json::from_value::<FlowDefinition>(typo).is_err());
    let mut unknown = demo();
    unknown["blocks"][1]["type"] = json!("send_fax");
    assert!(serde_json::from_value::<FlowDefinition>(unknown).is_err());
}

#[test]
fn the_example_in_the_docs_is_a_valid_flow() {
    let docs = include_str!("../../../docs/FLOWS.md");
    let start = docs.find("```json\n").expect("an example") + "```json\n".len();
    let end = start + docs[start..].find("\n```").expect("its end");
    let flow: FlowDefinition = serde_json::from_str(&docs[start..end]).expect("the example parses");
    assert_eq!(validate(&flow, &ValidationContext::default()), []);
}

#[test]
fn classifying_by_category_has_an_output_per_category_and_needs_one_to_ten() {
    let classify = |categories: serde_json::Value| {
        let mut flow = demo();
        flow["blocks"].as_array_mut().unwrap().push(json!({
            "id": "extra", "type": "ai_classify", "by": "category", "categories": categories
        }));
        flow["edges"] = json!([
            { "from": "inicio", "to": "extra" },
            { "from": "extra", "output": "category-7", "to": "ola" },
            { "from": "extra", "output": "category-9", "to": "ola" },
            { "from": "ola", "to": "menu" },
            { "from": "menu", "output": "vendas", "to": "para_vendas" },
            { "from": "menu", "output": "suporte", "to": "para_suporte" }
        ]);
        problems(flow)
    };
    assert_eq!(classify(json!([7, 9])), []);
    let block = BlockKind::AiClassify {
        by: ClassifyBy::Category,
        department_id: None,
        intents: vec![],
        categories: vec![7, 9],
    };
    let outputs: Vec<String> = block.outputs().into_iter().map(|o| o.name).collect();
    assert_eq!(outputs, ["category-7", "category-9", "else"]);
    assert_eq!(category_output(7), "category-7");
    assert!(classify(json!([7, 9, 7])).contains(&at(
        "extra",
        ProblemCode::ChoicesInvalid,
        "categories"
    )));
    assert!(classify(json!([])).contains(&at("extra", ProblemCode::ChoicesInvalid, "categories")));
}
