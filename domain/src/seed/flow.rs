//! The demo's example flow: on the website channel, a greeting, a menu
//! "1 Vendas / 2 Suporte" and the handoff to the chosen department (an agent
//! may also start it at the menu, from a conversation) — and
//! one visitor who already went through it, so the flow list has a run to
//! count and the inbox a conversation with the bot's messages.

use serde_json::json;
use shared::flows::FlowDefinition;
use shared::Role;

use super::{visitor_writes, website_channel_token, DemoAccount};
use crate::db::Db;
use crate::secrets::SecretKey;
use crate::{channels, departments, flows};

/// Seeds the flow once (`false`: the account has flows already, or no
/// website channel yet).
pub async fn demo_flow(db: &Db, secret: &SecretKey, demo: &DemoAccount) -> anyhow::Result<bool> {
    let admin = demo.actor(Role::GlobalAdmin);
    let fail =
        |what: &'static str| move |err: crate::Error| anyhow::anyhow!("seeding {what}: {err}");
    if !flows::list(db, &admin)
        .await
        .map_err(fail("flows"))?
        .is_empty()
    {
        return Ok(false);
    }
    let Some(token) = website_channel_token(db, demo).await? else {
        return Ok(false);
    };
    let public = channels::by_public_token(db, &token)
        .await
        .map_err(fail("channel lookup"))?;
    let existing = departments::list(db, &admin)
        .await
        .map_err(fail("departments"))?;
    let department = |name: &str| existing.iter().find(|d| d.name == name).map(|d| d.id);
    let suporte =
        department("Suporte").ok_or_else(|| anyhow::anyhow!("the demo has no Suporte"))?;
    let vendas = match department("Vendas") {
        Some(id) => id,
        None => {
            departments::create(db, &admin, "Vendas")
                .await
                .map_err(fail("department"))?
                .id
        }
    };
    let definition: FlowDefinition = serde_json::from_value(reception(public.id, vendas, suporte))?;
    let flow = flows::create(db, &admin, "Recepção do site", Some(&definition))
        .await
        .map_err(fail("flow"))?;
    flows::publish(db, &admin, flow.id)
        .await
        .map_err(fail("publishing the flow"))?;
    visitor_writes(
        db,
        secret,
        &public,
        demo,
        "Beatriz Alves",
        "beatriz@example.com",
        &["Oi! Meu fone parou de funcionar.", "2"],
    )
    .await?;
    Ok(true)
}

fn reception(channel_id: i64, vendas: i64, suporte: i64) -> serde_json::Value {
    let at = |x: i32, y: i32| json!({ "x": x, "y": y });
    json!({
        "schema": 1,
        "variables": [],
        "blocks": [
            {"id": "inicio", "type": "start", "position": at(0, 0),
             "trigger": {"kind": "new_conversation", "channel_ids": [channel_id]}},
            {"id": "pelo_atendente", "type": "start", "position": at(360, 140),
             "trigger": {"kind": "manual"}},
            {"id": "ola", "type": "send_text", "position": at(0, 140),
             "text": "Olá! Eu sou o assistente virtual da Demo."},
            {"id": "menu", "type": "menu", "position": at(0, 280),
             "text": "Com quem você quer falar?",
             "options": [{"id": "vendas", "label": "Vendas"}, {"id": "suporte", "label": "Suporte"}],
             "retry_message": "Responda 1 para Vendas ou 2 para Suporte, por favor.",
             "max_retries": 2},
            {"id": "para_vendas", "type": "transfer", "position": at(-180, 440), "department_id": vendas},
            {"id": "para_suporte", "type": "transfer", "position": at(180, 440), "department_id": suporte}
        ],
        "edges": [
            {"from": "inicio", "to": "ola"},
            {"from": "ola", "to": "menu"},
            {"from": "pelo_atendente", "to": "menu"},
            {"from": "menu", "output": "vendas", "to": "para_vendas"},
            {"from": "menu", "output": "suporte", "to": "para_suporte"},
            {"from": "menu", "output": "invalid", "to": "para_suporte"}
        ]
    })
}
