//! The demo's AI agents: the global assistant with the shop's policies
//! (deliveries, returns, payments), Suporte's agent with the headphones'
//! warranty and troubleshooting, and the sentiment agent — all on the
//! offline engine, so they answer on a fresh install — and a flow an agent
//! starts by hand, "Dúvidas com IA", that lets Suporte's agent answer until
//! it is unsure or the customer asks for a person.

use serde_json::json;
use shared::ai_agents::{AgentKind, AiAgentForm, KnowledgeForm};
use shared::flows::FlowDefinition;
use shared::Role;

use super::DemoAccount;
use crate::ai::agents::{self, knowledge};
use crate::db::Db;
use crate::{departments, flows};

const POLICIES: [(&str, &str); 3] = [
    (
        "Entregas",
        "Prazos de entrega\n\n\
         Entregamos em todo o Brasil. O prazo de entrega para as capitais do Sudeste é de 2 a 4 \
         dias úteis; para o Sul, de 3 a 5 dias úteis; para o Nordeste, o Norte e o Centro-Oeste, \
         de 5 a 8 dias úteis.\n\n\
         O código de rastreio chega por e-mail assim que o pedido é despachado, e o rastreio da \
         entrega fica no site dos Correios.",
    ),
    (
        "Trocas e devoluções",
        "Você pode trocar ou devolver um produto em até 7 dias após o recebimento, sem custo, \
         pelo direito de arrependimento.\n\n\
         Para trocar um produto com defeito, o prazo é de 90 dias: abrimos a troca e enviamos a \
         etiqueta de postagem por e-mail.",
    ),
    (
        "Pagamentos",
        "Aceitamos Pix, boleto bancário e cartão de crédito em até 10 vezes sem juros.\n\n\
         O boleto vence em 3 dias úteis, e o pedido é liberado após a compensação do pagamento, \
         em até 2 dias úteis.",
    ),
];

const HEADPHONES: (&str, &str) = (
    "Fones: garantia e problemas comuns",
    "Garantia\n\n\
     Todos os fones têm garantia de 12 meses contra defeitos de fabricação. Guarde a nota fiscal: \
     ela é pedida para abrir a garantia.\n\n\
     Fone que não liga ou não carrega\n\n\
     Deixe o fone carregando por 2 horas com o cabo original e segure o botão de energia por 10 \
     segundos para reiniciar. Se o fone ainda não ligar, abrimos a garantia.\n\n\
     Fone que não conecta no Bluetooth\n\n\
     Esqueça o fone nas configurações de Bluetooth do celular, desligue e ligue o fone e pareie de \
     novo. O fone conecta em um aparelho por vez.",
);

/// Seeds the agents and their flow once (`false`: the account has agents
/// already, or no Suporte department).
pub async fn demo_agents(db: &Db, demo: &DemoAccount) -> anyhow::Result<bool> {
    let admin = demo.actor(Role::GlobalAdmin);
    let fail =
        |what: &'static str| move |err: crate::Error| anyhow::anyhow!("seeding {what}: {err}");
    if !agents::list(db, &admin)
        .await
        .map_err(fail("agents"))?
        .is_empty()
    {
        return Ok(false);
    }
    let Some(suporte) = departments::list(db, &admin)
        .await
        .map_err(fail("departments"))?
        .into_iter()
        .find(|d| d.name == "Suporte")
        .map(|d| d.id)
    else {
        return Ok(false);
    };
    let agent = |kind, department_id, name: &str, instructions: &str| AiAgentForm {
        kind,
        department_id,
        name: name.into(),
        instructions: instructions.into(),
        provider_id: None,
    };
    let global = agents::save(
        db,
        &admin,
        None,
        &agent(
            AgentKind::Global,
            None,
            "Assistente Demo",
            "Fale de forma cordial e breve, tratando o cliente por você. Nunca prometa descontos \
             nem prazos fora da política.",
        ),
    )
    .await
    .map_err(fail("the global agent"))?;
    let support = agents::save(
        db,
        &admin,
        None,
        &agent(
            AgentKind::Department,
            Some(suporte),
            "Suporte técnico",
            "Ajude com defeitos e dúvidas de uso dos fones; passe a uma pessoa quando o cliente \
             quiser abrir a garantia.",
        ),
    )
    .await
    .map_err(fail("Suporte's agent"))?;
    agents::save(
        db,
        &admin,
        None,
        &agent(AgentKind::Sentiment, None, "Leitor de sentimento", ""),
    )
    .await
    .map_err(fail("the sentiment agent"))?;
    for (agent_id, (title, body)) in POLICIES
        .iter()
        .map(|doc| (global.id, doc))
        .chain([(support.id, &HEADPHONES)])
    {
        let document = KnowledgeForm {
            title: title.to_string(),
            body: body.to_string(),
        };
        knowledge::save(db, &admin, agent_id, None, &document)
            .await
            .map_err(fail("a knowledge document"))?;
    }
    let definition: FlowDefinition = serde_json::from_value(questions_flow(suporte))?;
    let flow = flows::create(db, &admin, "Dúvidas com IA", Some(&definition))
        .await
        .map_err(fail("the AI flow"))?;
    flows::publish(db, &admin, flow.id)
        .await
        .map_err(fail("publishing the AI flow"))?;
    Ok(true)
}

fn questions_flow(suporte: i64) -> serde_json::Value {
    let at = |x: i32, y: i32| json!({ "x": x, "y": y });
    json!({
        "schema": 1,
        "variables": [],
        "blocks": [
            {"id": "pelo_atendente", "type": "start", "position": at(0, 0),
             "trigger": {"kind": "manual"}},
            {"id": "convite", "type": "send_text", "position": at(0, 140),
             "text": "Oi! Sou o assistente virtual do Suporte. Me conte sua dúvida."},
            {"id": "ia", "type": "ai_reply", "position": at(0, 280),
             "department_id": suporte, "max_turns": 5},
            {"id": "pessoa", "type": "send_text", "position": at(0, 420),
             "text": "Vou passar você para uma pessoa da nossa equipe."},
            {"id": "para_suporte", "type": "transfer", "position": at(0, 560),
             "department_id": suporte}
        ],
        "edges": [
            {"from": "pelo_atendente", "to": "convite"},
            {"from": "convite", "to": "ia"},
            {"from": "ia", "output": "handoff", "to": "pessoa"},
            {"from": "pessoa", "to": "para_suporte"}
        ]
    })
}
