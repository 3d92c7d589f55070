//! The demo's rules: customers who threaten Procon or a lawyer mark their
//! conversation critical and alert the managers; four hours without an
//! answer tags the conversation; a VIP rule left switched off. One visitor
//! already mentioned Procon, so the first sign-in finds the rule's run in
//! its log, the conversation critical and the alert in the bell (the
//! server's workers run the rule when it starts).

use serde_json::json;
use shared::rules::RuleForm;
use shared::Role;

use super::{visitor_writes, website_channel_token, DemoAccount};
use crate::channels::vault::Vault;
use crate::db::Db;
use crate::secrets::SecretKey;
use crate::{channels, rules};

/// Seeds the rules once (`false`: the account has rules already).
pub async fn demo_rules(
    db: &Db,
    vault: &Vault,
    secret: &SecretKey,
    demo: &DemoAccount,
) -> anyhow::Result<bool> {
    let admin = demo.actor(Role::GlobalAdmin);
    let fail =
        |what: &'static str| move |err: crate::Error| anyhow::anyhow!("seeding {what}: {err}");
    if !rules::list(db, &admin)
        .await
        .map_err(fail("rules"))?
        .is_empty()
    {
        return Ok(false);
    }
    for rule in [
        json!({
            "name": "Ameaça de Procon ou Justiça",
            "event": "keyword_detected",
            "keywords": ["procon", "reclame aqui", "advogado", "juizado"],
            "actions": [
                {"kind": "mark_critical"},
                {"kind": "change_priority", "priority": "urgent"},
                {"kind": "add_tag", "tag": "risco-juridico"},
                {"kind": "notify_managers", "note": "O cliente falou em Procon ou na Justiça: vale um contato do gestor."}
            ]
        }),
        json!({
            "name": "Sem resposta há 4 horas",
            "event": "no_agent_reply",
            "after_minutes": 240,
            "conditions": {"groups": [{"conditions": [
                {"kind": "status", "statuses": ["open", "in_progress"]}
            ]}]},
            "actions": [
                {"kind": "add_tag", "tag": "sem-resposta"},
                {"kind": "create_alert", "text": "Cliente esperando resposta há 4 horas."}
            ]
        }),
        json!({
            "name": "Cliente VIP irritado",
            "enabled": false,
            "event": "negative_sentiment",
            "conditions": {"groups": [{"conditions": [
                {"kind": "contact_attribute", "name": "plano", "op": "equals", "value": "ouro"}
            ]}]},
            "actions": [{"kind": "change_priority", "priority": "high"}]
        }),
    ] {
        let form: RuleForm = serde_json::from_value(rule)?;
        rules::save(db, vault, &admin, None, &form)
            .await
            .map_err(fail("rule"))?;
    }
    let Some(token) = website_channel_token(db, demo).await? else {
        return Ok(true);
    };
    let public = channels::by_public_token(db, &token)
        .await
        .map_err(fail("channel lookup"))?;
    visitor_writes(
        db,
        secret,
        &public,
        demo,
        "Roberto Nunes",
        "roberto@example.com",
        &[
            "A geladeira que comprei chegou amassada.",
            "Se não trocarem até amanhã vou reclamar no Procon.",
        ],
    )
    .await?;
    Ok(true)
}
