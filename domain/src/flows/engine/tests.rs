//! Each block's behaviour, driven with a fake clock and calendar.

use std::cell::Cell;

use chrono::{Duration, TimeZone};
use serde_json::json;

use super::*;

struct FakeWorld {
    now: Cell<DateTime<Utc>>,
    open: bool,
}

impl FakeWorld {
    fn new() -> Self {
        FakeWorld {
            now: Cell::new(Utc.with_ymd_and_hms(2026, 12, 3, 14, 0, 0).unwrap()),
            open: true,
        }
    }

    fn pass(&self, seconds: i64) {
        self.now.set(self.now.get() + Duration::seconds(seconds));
    }
}

impl World for FakeWorld {
    fn now(&self) -> DateTime<Utc> {
        self.now.get()
    }
    fn is_open(&self, _department_id: Option<i64>) -> bool {
        self.open
    }
    fn builtin(&self, name: &str) -> Option<String> {
        (name == "contact.name").then(|| "Ana".to_string())
    }
    fn departments(&self, chosen: &[i64]) -> Vec<(i64, String)> {
        let all = [(1, "Financeiro"), (2, "Suporte"), (3, "Vendas")];
        let name = |id: &i64| {
            all.iter()
                .find(|(d, _)| d == id)
                .map(|(d, n)| (*d, n.to_string()))
        };
        if chosen.is_empty() {
            all.iter().filter_map(|(id, _)| name(id)).collect()
        } else {
            chosen.iter().filter_map(name).collect()
        }
    }
}

/// A flow from its blocks, chained `next` → `next` in order, plus `extra`
/// edges.
fn flow(variables: &[&str], blocks: serde_json::Value, extra: serde_json::Value) -> FlowDefinition {
    let mut all = vec![json!({ "id": "inicio", "type": "start", "trigger": { "kind": "manual" } })];
    all.extend(blocks.as_array().unwrap().iter().cloned());
    let mut edges: Vec<serde_json::Value> = all
        .windows(2)
        .filter(|pair| {
            !matches!(
                pair[0]["type"].as_str(),
                Some("menu" | "condition" | "business_hours" | "transfer" | "end" | "jump")
            ) && pair[0]["chain"] != false
        })
        .map(|pair| json!({ "from": pair[0]["id"], "to": pair[1]["id"] }))
        .collect();
    edges.extend(extra.as_array().unwrap().iter().cloned());
    serde_json::from_value(
        json!({ "schema": 1, "variables": variables, "blocks": all, "edges": edges }),
    )
    .unwrap()
}

fn sent(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .map(|a| match a {
            Action::Send { text } => text.clone(),
            Action::SendMenu { text, options } => format!("{text} [{}]", options.join(" | ")),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn messages_go_out_with_their_variables_filled_in() {
    let f = flow(
        &[],
        json!([
            { "id": "ola", "type": "send_text", "text": "Olá, {{contact.name}}!" },
            { "id": "foto", "type": "send_media", "url": "https://exemplo.com/{{contact.name}}.png" },
            { "id": "fim", "type": "end" }
        ]),
        json!([]),
    );
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    let actions = run.advance(&f, Event::Started, &world);
    assert_eq!(sent(&actions)[0], "Olá, Ana!");
    assert_eq!(
        actions[1],
        Action::SendMedia {
            url: "https://exemplo.com/Ana.png".into(),
            caption: String::new()
        }
    );
    assert_eq!(run.ended, Some(Ending::Completed));
    assert_eq!(run.path, ["inicio", "ola", "foto", "fim"]);
}

#[test]
fn a_question_is_asked_again_then_left_through_invalid() {
    let f = flow(
        &["pedido"],
        json!([
            { "id": "numero", "type": "ask", "question": "Número do pedido?", "kind": "number",
              "variable": "pedido", "retry_message": "Só números, por favor.", "max_retries": 1 },
            { "id": "ok", "type": "send_text", "text": "Pedido {{pedido}} encontrado.", "chain": false },
            { "id": "humano", "type": "transfer", "department_id": 2 }
        ]),
        json!([{ "from": "numero", "output": "invalid", "to": "humano" }]),
    );
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    assert_eq!(
        sent(&run.advance(&f, Event::Started, &world)),
        ["Número do pedido?"]
    );
    assert_eq!(run.waiting, Some(Waiting::Answer));
    assert_eq!(
        sent(&run.advance(&f, Event::CustomerWrote("não sei"), &world)),
        ["Só números, por favor."]
    );
    let handed = run.advance(&f, Event::CustomerWrote("de novo não"), &world);
    assert_eq!(
        handed,
        [Action::Transfer {
            department_id: Some(2),
            agent_id: None
        }]
    );
    assert_eq!(run.ended, Some(Ending::HandedOff));

    // Positive control: a valid answer is stored and used.
    let mut run = Run::new("inicio");
    run.advance(&f, Event::Started, &world);
    let found = run.advance(&f, Event::CustomerWrote("1.234"), &world);
    assert_eq!(sent(&found), ["Pedido 1234 encontrado."]);
    assert_eq!(run.variables["pedido"], "1234");
}

#[test]
fn choosing_a_department_hands_the_conversation_to_its_queue() {
    let f = flow(
        &[],
        json!([
            { "id": "setor", "type": "choose_department", "text": "Qual setor?",
              "departments": [3, 2], "max_retries": 1, "chain": false },
            { "id": "humano", "type": "transfer", "agent_id": "00000000-0000-0000-0000-000000000001" }
        ]),
        json!([{ "from": "setor", "output": "invalid", "to": "humano" }]),
    );
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    // Offered in the block's order, only those it names.
    assert_eq!(
        sent(&run.advance(&f, Event::Started, &world)),
        ["Qual setor? [Vendas | Suporte]"]
    );
    assert_eq!(
        run.advance(&f, Event::CustomerWrote("suporte"), &world),
        [Action::Transfer {
            department_id: Some(2),
            agent_id: None
        }]
    );
    assert_eq!(run.ended, Some(Ending::HandedOff));

    // A wrong answer asks again; a second one leaves through `invalid`.
    let mut lost = Run::new("inicio");
    lost.advance(&f, Event::Started, &world);
    assert_eq!(
        sent(&lost.advance(&f, Event::CustomerWrote("9"), &world)),
        ["Qual setor? [Vendas | Suporte]"]
    );
    lost.advance(&f, Event::CustomerWrote("nenhum"), &world);
    assert_eq!(lost.path, ["inicio", "setor", "humano"]);
}

#[test]
fn a_menu_branches_by_number_or_label_and_repeats_itself_on_a_wrong_answer() {
    let f = flow(
        &[],
        json!([
            { "id": "menu", "type": "menu", "text": "Com quem quer falar?",
              "options": [{ "id": "vendas", "label": "Vendas" }, { "id": "suporte", "label": "Suporte" }] },
            { "id": "para_vendas", "type": "transfer", "department_id": 1 },
            { "id": "para_suporte", "type": "transfer", "department_id": 2 }
        ]),
        json!([
            { "from": "menu", "output": "vendas", "to": "para_vendas" },
            { "from": "menu", "output": "suporte", "to": "para_suporte" }
        ]),
    );
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    assert_eq!(
        sent(&run.advance(&f, Event::Started, &world)),
        ["Com quem quer falar? [Vendas | Suporte]"]
    );
    assert_eq!(
        sent(&run.advance(&f, Event::CustomerWrote("3"), &world)),
        ["Com quem quer falar? [Vendas | Suporte]"]
    );
    let chosen = run.advance(&f, Event::CustomerWrote("2"), &world);
    assert_eq!(
        chosen,
        [Action::Transfer {
            department_id: Some(2),
            agent_id: None
        }]
    );
    assert_eq!(run.path, ["inicio", "menu", "para_suporte"]);

    let mut by_label = Run::new("inicio");
    by_label.advance(&f, Event::Started, &world);
    by_label.advance(&f, Event::CustomerWrote("vendas"), &world);
    assert_eq!(by_label.block, "para_vendas");
}

#[test]
fn conditions_and_business_hours_pick_the_way() {
    let f = flow(
        &[],
        json!([
            { "id": "aberto", "type": "business_hours" },
            { "id": "urgente", "type": "condition", "branches": [{ "id": "sim", "rules": [
                { "left": { "var": "message.text" }, "op": "contains", "right": { "text": "urgente" } }] }] },
            { "id": "prioridade", "type": "set", "target": "priority", "value": "urgent" },
            { "id": "fila", "type": "transfer", "department_id": 2 },
            { "id": "fechado", "type": "send_text", "text": "Estamos fechados." },
            { "id": "fim", "type": "end" }
        ]),
        json!([
            { "from": "aberto", "output": "open", "to": "urgente" },
            { "from": "aberto", "output": "closed", "to": "fechado" },
            { "from": "urgente", "output": "sim", "to": "prioridade" },
            { "from": "urgente", "output": "else", "to": "fila" }
        ]),
    );
    let mut world = FakeWorld::new();
    let mut run = Run::new("inicio");
    run.last_message = Some("É URGENTE, o site caiu".into());
    let actions = run.advance(&f, Event::Started, &world);
    assert_eq!(
        actions,
        [
            Action::SetPriority(Priority::Urgent),
            Action::Transfer {
                department_id: Some(2),
                agent_id: None
            }
        ]
    );
    let mut calm = Run::new("inicio");
    calm.last_message = Some("uma dúvida".into());
    assert_eq!(
        calm.advance(&f, Event::Started, &world),
        [Action::Transfer {
            department_id: Some(2),
            agent_id: None
        }]
    );
    world.open = false;
    let mut closed = Run::new("inicio");
    assert_eq!(
        sent(&closed.advance(&f, Event::Started, &world)),
        ["Estamos fechados."]
    );
    assert_eq!(closed.ended, Some(Ending::Completed));
}

#[test]
fn waits_follow_the_fake_clock_and_a_reply_timeout_takes_its_branch() {
    let f = flow(
        &["resposta"],
        json!([
            { "id": "pausa", "type": "wait", "seconds": 60 },
            { "id": "pergunta", "type": "send_text", "text": "Ainda está aí?" },
            { "id": "espera", "type": "wait_for_reply", "variable": "resposta", "timeout_seconds": 300 },
            { "id": "obrigado", "type": "send_text", "text": "Você disse: {{resposta}}", "chain": false },
            { "id": "tchau", "type": "send_text", "text": "Vou encerrar por aqui." }
        ]),
        json!([{ "from": "espera", "output": "timeout", "to": "tchau" }]),
    );
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    assert!(run.advance(&f, Event::Started, &world).is_empty());
    let until = world.now() + Duration::seconds(60);
    assert_eq!(run.waiting, Some(Waiting::Delay { until }));
    world.pass(30);
    assert!(
        run.advance(&f, Event::Clock, &world).is_empty(),
        "too early"
    );
    assert!(
        run.advance(&f, Event::CustomerWrote("oi"), &world)
            .is_empty(),
        "a message does not cut a delay short"
    );
    world.pass(30);
    assert_eq!(
        sent(&run.advance(&f, Event::Clock, &world)),
        ["Ainda está aí?"]
    );
    let mut answered = run.clone();
    assert_eq!(
        sent(&answered.advance(&f, Event::CustomerWrote("sim!"), &world)),
        ["Você disse: sim!"]
    );
    world.pass(299);
    assert!(run.advance(&f, Event::Clock, &world).is_empty());
    world.pass(1);
    assert_eq!(
        sent(&run.advance(&f, Event::Clock, &world)),
        ["Vou encerrar por aqui."]
    );
    assert_eq!(
        run.ended,
        Some(Ending::Completed),
        "tchau's next is unconnected"
    );
}

#[test]
fn an_http_request_maps_its_response_or_fails_through_error() {
    let f = flow(
        &["status"],
        json!([
            { "id": "consulta", "type": "http", "method": "GET",
              "url": "https://erp.exemplo.com/pedidos?cliente={{contact.name}}",
              "headers": [{ "name": "Authorization", "value": "Bearer x" }],
              "map": [{ "path": "pedidos.0.status", "variable": "status" }] },
            { "id": "resultado", "type": "send_text", "text": "Seu pedido está: {{status}}", "chain": false },
            { "id": "falhou", "type": "send_text", "text": "Não consegui consultar agora." }
        ]),
        json!([{ "from": "consulta", "output": "error", "to": "falhou" }]),
    );
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    let asked = run.advance(&f, Event::Started, &world);
    assert_eq!(
        asked,
        [Action::Http {
            method: HttpMethod::Get,
            url: "https://erp.exemplo.com/pedidos?cliente=Ana".into(),
            headers: vec![("Authorization".into(), "Bearer x".into())],
            body: None,
            timeout_ms: 5_000,
        }]
    );
    let mut failed = run.clone();
    let response = json!({ "pedidos": [{ "status": "enviado" }] });
    assert_eq!(
        sent(&run.advance(&f, Event::HttpDone(Ok(response)), &world)),
        ["Seu pedido está: enviado"]
    );
    assert_eq!(
        sent(&failed.advance(&f, Event::HttpDone(Err("timeout".into())), &world)),
        ["Não consegui consultar agora."]
    );
}

#[test]
fn set_blocks_fill_variables_tags_and_contact_attributes() {
    let f = flow(
        &["saudacao"],
        json!([
            { "id": "v", "type": "set", "target": "variable", "name": "saudacao", "value": "Oi, {{contact.name}}" },
            { "id": "t", "type": "set", "target": "tag", "value": "bot" },
            { "id": "a", "type": "set", "target": "contact_attribute", "name": "origem", "value": "{{saudacao}}" },
            { "id": "fim", "type": "end" }
        ]),
        json!([]),
    );
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    let actions = run.advance(&f, Event::Started, &world);
    assert_eq!(
        actions,
        [
            Action::AddTag("bot".into()),
            Action::SetContactAttribute {
                name: "origem".into(),
                value: "Oi, Ana".into()
            }
        ]
    );
}

#[test]
fn a_finished_run_ignores_everything_and_a_vanished_block_drops_it() {
    let f = flow(&[], json!([{ "id": "fim", "type": "end" }]), json!([]));
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    run.advance(&f, Event::Started, &world);
    assert!(run
        .advance(&f, Event::CustomerWrote("oi"), &world)
        .is_empty());
    assert_eq!(run.ended, Some(Ending::Completed));
    let mut lost = Run::new("sumiu");
    lost.advance(&f, Event::Started, &world);
    assert_eq!(lost.ended, Some(Ending::Dropped));
}

#[test]
fn json_paths_read_fields_items_and_numbers() {
    let document = json!({ "a": { "b": [10, { "c": "x" }] }, "ok": true });
    assert_eq!(lookup(&document, "a.b.0").as_deref(), Some("10"));
    assert_eq!(lookup(&document, "a.b.1.c").as_deref(), Some("x"));
    assert_eq!(lookup(&document, "ok").as_deref(), Some("true"));
    assert_eq!(lookup(&document, "a.z"), None);
    assert_eq!(lookup(&document, "a.b.9"), None);
}

fn said(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn asked_ai(actions: &[Action]) -> Vec<(AiTask, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Ai { task, text, .. } => Some((task.clone(), text.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn an_ai_reply_answers_each_message_until_it_hands_off_and_never_a_menus_choice() {
    let f = flow(
        &[],
        json!([
            { "id": "menu", "type": "menu", "text": "1 Dúvidas", "options": [{ "id": "duvidas", "label": "Dúvidas" }] },
            { "id": "ia", "type": "ai_reply", "department_id": 7, "max_turns": 2 },
            { "id": "pessoa", "type": "send_text", "text": "Chamando uma pessoa." }
        ]),
        json!([
            { "from": "menu", "output": "duvidas", "to": "ia" },
            { "from": "ia", "output": "handoff", "to": "pessoa" }
        ]),
    );
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    run.advance(&f, Event::Started, &world);
    // The menu's "1" leads to the AI, which waits for a real question.
    let chose = run.advance(&f, Event::CustomerWrote("1"), &world);
    assert!(asked_ai(&chose).is_empty(), "{chose:?}");
    assert_eq!(run.waiting, Some(Waiting::Answer));

    let asked = run.advance(&f, Event::CustomerWrote("Qual a garantia?"), &world);
    assert_eq!(
        asked_ai(&asked),
        [(AiTask::Reply, "Qual a garantia?".to_string())]
    );
    assert_eq!(run.waiting, Some(Waiting::Ai));
    // A message while the agent thinks is asked right after the answer.
    run.advance(&f, Event::CustomerWrote("E o prazo?"), &world);
    let answered = run.advance(
        &f,
        Event::AiDone(AiOutcome::Reply("12 meses.".into())),
        &world,
    );
    assert_eq!(said(&answered), ["12 meses."]);
    assert_eq!(
        asked_ai(&answered),
        [(AiTask::Reply, "E o prazo?".to_string())]
    );
    let second = run.advance(
        &f,
        Event::AiDone(AiOutcome::Reply("7 dias.".into())),
        &world,
    );
    assert_eq!(said(&second), ["7 dias."]);
    assert_eq!(run.waiting, Some(Waiting::Answer));
    // Two answers given (max_turns): the next message goes to people.
    let over = run.advance(&f, Event::CustomerWrote("E a cor?"), &world);
    assert_eq!(said(&over), ["Chamando uma pessoa."]);

    // Positive control: a handoff from the agent leaves the same way.
    let mut unsure = Run::new("inicio");
    unsure.advance(&f, Event::Started, &world);
    unsure.advance(&f, Event::CustomerWrote("1"), &world);
    unsure.advance(&f, Event::CustomerWrote("Vocês vendem tablets?"), &world);
    let handed = unsure.advance(&f, Event::AiDone(AiOutcome::Handoff), &world);
    assert_eq!(said(&handed), ["Chamando uma pessoa."]);
}

#[test]
fn an_ai_classify_block_asks_about_the_message_that_brought_the_run_and_follows_the_answer() {
    let f = flow(
        &[],
        json!([
            { "id": "humor", "type": "ai_classify", "by": "sentiment", "chain": false },
            { "id": "calma", "type": "send_text", "text": "Sinto muito.", "chain": false },
            { "id": "oba", "type": "send_text", "text": "Que bom!", "chain": false },
            { "id": "ok", "type": "send_text", "text": "Certo." }
        ]),
        json!([
            { "from": "inicio", "to": "humor" },
            { "from": "humor", "output": "negative", "to": "calma" },
            { "from": "humor", "output": "positive", "to": "oba" },
            { "from": "humor", "output": "neutral", "to": "ok" }
        ]),
    );
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    run.last_message = Some("Que absurdo".into());
    let asked = run.advance(&f, Event::Started, &world);
    assert_eq!(
        asked_ai(&asked),
        [(AiTask::Sentiment, "Que absurdo".to_string())]
    );
    let mut glad = run.clone();
    let routed = run.advance(
        &f,
        Event::AiDone(AiOutcome::Class("negative".into())),
        &world,
    );
    assert_eq!(said(&routed), ["Sinto muito."]);
    let routed = glad.advance(
        &f,
        Event::AiDone(AiOutcome::Class("positive".into())),
        &world,
    );
    assert_eq!(said(&routed), ["Que bom!"]);
}

#[test]
fn an_ai_classify_block_by_category_asks_for_its_categories_and_takes_only_those() {
    let f = flow(
        &[],
        json!([
            { "id": "assunto", "type": "ai_classify", "by": "category", "categories": [7, 9], "chain": false },
            { "id": "entrega", "type": "send_text", "text": "Veja o rastreio.", "chain": false },
            { "id": "pix", "type": "send_text", "text": "Aceitamos Pix.", "chain": false },
            { "id": "pessoas", "type": "send_text", "text": "Chamando uma pessoa." }
        ]),
        json!([
            { "from": "inicio", "to": "assunto" },
            { "from": "assunto", "output": "category-7", "to": "entrega" },
            { "from": "assunto", "output": "category-9", "to": "pix" },
            { "from": "assunto", "output": "else", "to": "pessoas" }
        ]),
    );
    let world = FakeWorld::new();
    let mut run = Run::new("inicio");
    run.last_message = Some("Cadê meu pedido?".into());
    let asked = run.advance(&f, Event::Started, &world);
    assert_eq!(
        asked_ai(&asked),
        [(
            AiTask::Category {
                categories: vec![7, 9]
            },
            "Cadê meu pedido?".to_string()
        )]
    );
    let mut stray = run.clone();
    let routed = run.advance(
        &f,
        Event::AiDone(AiOutcome::Class("category-9".into())),
        &world,
    );
    assert_eq!(said(&routed), ["Aceitamos Pix."]);
    // A category the block doesn't list goes through else.
    let routed = stray.advance(
        &f,
        Event::AiDone(AiOutcome::Class("category-8".into())),
        &world,
    );
    assert_eq!(said(&routed), ["Chamando uma pessoa."]);
}
