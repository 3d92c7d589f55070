//! One connection of each kind (not connected), with customers who wrote
//! in through the real webhook paths, and the WhatsApp number's templates.

use anyhow::Context;
use serde_json::json;

use crate::actor::Actor;
use crate::channels;
use crate::db::Db;
use crate::secrets::SecretKey;

/// One connection of each kind, not connected (they point at nothing), so a
/// new user sees what connecting looks like; on the WhatsApp number, a
/// customer who wrote in, stored through the real webhook path.
pub(super) async fn demo_connections(
    db: &Db,
    secret: &SecretKey,
    admin: &Actor,
) -> anyhow::Result<()> {
    use channels::connections::{self, NewConnection};
    let vault = channels::vault::Vault::new(secret, &[])?;
    let new = NewConnection {
        kind: shared::inbox::ChannelKind::WhatsappCloud,
        name: "WhatsApp Vendas (demo)".into(),
        config: json!({
            "phone_number_id": "100000000000001",
            "access_token": "demo-token-replace-me",
            "app_secret": crate::secrets::random_token(),
            "verify_token": crate::secrets::random_token(),
            "api_base_url": "http://127.0.0.1:9",
        }),
    };
    let view = connections::create(db, &vault, admin, &new)
        .await
        .map_err(|err| anyhow::anyhow!("seeding the WhatsApp connection: {err}"))?;
    // One of every other kind, pointing at nothing, so each form is there
    // to look at.
    let nowhere = "http://127.0.0.1:9";
    let others = [
        (
            shared::inbox::ChannelKind::TwilioWhatsapp,
            "WhatsApp Twilio (demo)",
            json!({"account_sid": "AC00000000000000000000000000000000", "auth_token": "demo", "from": "+14155238886", "api_base_url": nowhere}),
        ),
        (
            shared::inbox::ChannelKind::Zapi,
            "WhatsApp Z-API (demo)",
            json!({"instance_id": "DEMO", "token": "demo", "client_token": "demo", "api_base_url": nowhere}),
        ),
        (
            shared::inbox::ChannelKind::Messenger,
            "Messenger (demo)",
            json!({"page_id": "100000000000002", "page_access_token": "demo", "app_secret": crate::secrets::random_token(), "verify_token": crate::secrets::random_token(), "api_base_url": nowhere}),
        ),
        (
            shared::inbox::ChannelKind::Instagram,
            "Instagram (demo)",
            json!({"page_id": "100000000000003", "page_access_token": "demo", "app_secret": crate::secrets::random_token(), "verify_token": crate::secrets::random_token(), "api_base_url": nowhere}),
        ),
        (
            shared::inbox::ChannelKind::Api,
            "API (demo)",
            json!({"webhook_url": format!("{nowhere}/ponte-replies")}),
        ),
    ];
    let mut ids = vec![view.id];
    for (kind, name, config) in others {
        let new = NewConnection {
            kind,
            name: name.into(),
            config,
        };
        let created = connections::create(db, &vault, admin, &new)
            .await
            .map_err(|err| anyhow::anyhow!("seeding the {kind} connection: {err}"))?;
        ids.push(created.id);
    }
    let mut tx = db.tenant(admin.account_id, None).await?;
    for &id in &ids {
        connections::set_health(
            &mut tx,
            admin.account_id,
            id,
            false,
            Some("Demo: enter your credentials to connect."),
        )
        .await?;
    }
    // Placeholders, not incidents: no "connection down" alert or mail.
    sqlx::query(
        "UPDATE channels SET health_alerted_at = now() WHERE account_id = $1 AND id = ANY($2)",
    )
    .bind(admin.account_id)
    .bind(&ids)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let connection = connections::for_webhook(db, &vault, view.id)
        .await
        .map_err(|err| anyhow::anyhow!("opening the demo connection: {err}"))?;
    // Rafael wrote the day before yesterday: his 24-hour window has closed,
    // so only a template reaches him. Beatriz wrote this morning (the
    // website's fresher conversations come first).
    whatsapp_customer(
        db,
        admin,
        &connection,
        ("5521987650002", "Rafael Souza"),
        &["Boa tarde! Entregam no Rio de Janeiro?"],
        30,
    )
    .await?;
    whatsapp_customer(
        db,
        admin,
        &connection,
        ("5511987650001", "Beatriz Almeida"),
        &[
            "Olá! Vi o anúncio no Instagram, ainda tem o tênis 42?",
            "Se tiver, quero saber o frete para Campinas.",
        ],
        3,
    )
    .await?;
    demo_templates(db, admin, view.id).await?;
    demo_mailbox(db, &vault, admin).await
}

/// An e-mail connection (mail arrives by its inbound-parse URL; replies
/// wait for an SMTP server) with a customer's mail in HTML that quotes an
/// earlier exchange.
async fn demo_mailbox(
    db: &Db,
    vault: &channels::vault::Vault,
    admin: &Actor,
) -> anyhow::Result<()> {
    use channels::connections::{self, NewConnection};
    let new = NewConnection {
        kind: shared::inbox::ChannelKind::Email,
        name: "E-mail Suporte (demo)".into(),
        config: json!({"address": "suporte@demo.ponte.dev", "from_name": "Loja Demo"}),
    };
    let view = connections::create(db, vault, admin, &new)
        .await
        .map_err(|err| anyhow::anyhow!("seeding the e-mail connection: {err}"))?;
    let connection = connections::for_webhook(db, vault, view.id)
        .await
        .map_err(|err| anyhow::anyhow!("opening the demo e-mail connection: {err}"))?;
    let mail = "From: Carla Mendes <carla.mendes@example.com>\r\n\
To: suporte@demo.ponte.dev\r\nSubject: Troca de produto - pedido 4821\r\n\
Message-ID: <demo-4821@example.com>\r\nDate: Tue, 01 Dec 2026 09:12:00 -0300\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n\
<p>Bom dia!</p><p>O t\u{ea}nis do pedido <b>4821</b> veio no tamanho 40, mas pedi 41. \
Como fa\u{e7}o a troca?</p><p>Obrigada,<br>Carla</p>\
<div class=\"gmail_quote\">Em seg., 30 de nov. de 2026, Loja Demo escreveu:\
<blockquote>Seu pedido 4821 foi enviado.</blockquote></div>\r\n";
    let stored = channels::webhooks::store(db, &connection, mail.as_bytes(), json!({}))
        .await
        .map_err(|err| anyhow::anyhow!("storing the demo mail: {err}"))?;
    if let Some(id) = stored {
        channels::webhooks::process_now(db, admin.account_id, id)
            .await
            .map_err(|err| anyhow::anyhow!("processing the demo mail: {err}"))?;
    }
    Ok(())
}

/// A customer's messages through the real webhook path, dated `hours_ago`.
async fn whatsapp_customer(
    db: &Db,
    admin: &Actor,
    connection: &channels::connections::Connection,
    (wa_id, name): (&str, &str),
    lines: &[&str],
    hours_ago: i32,
) -> anyhow::Result<()> {
    let messages: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(i, text)| json!({"from": wa_id, "id": format!("wamid.demo.{wa_id}.{i}"), "type": "text", "text": {"body": text}}))
        .collect();
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "demo", "changes": [{
        "field": "messages",
        "value": {"contacts": [{"wa_id": wa_id, "profile": {"name": name}}], "messages": messages}
    }]}]});
    let stored = channels::webhooks::store(db, connection, body.to_string().as_bytes(), json!({}))
        .await
        .map_err(|err| anyhow::anyhow!("storing the demo webhook: {err}"))?;
    if let Some(id) = stored {
        channels::webhooks::process_now(db, admin.account_id, id)
            .await
            .map_err(|err| anyhow::anyhow!("processing the demo webhook: {err}"))?;
    }
    // What was just stored on this number moves back in time.
    let mut tx = db.tenant(admin.account_id, None).await?;
    for sql in [
        "UPDATE messages SET created_at = created_at - make_interval(hours => $3)
          WHERE account_id = $1 AND channel_id = $2 AND created_at > now() - interval '5 minutes'",
        "UPDATE conversations SET created_at = created_at - make_interval(hours => $3),
                last_activity_at = last_activity_at - make_interval(hours => $3),
                waiting_since = waiting_since - make_interval(hours => $3)
          WHERE account_id = $1 AND channel_id = $2 AND created_at > now() - interval '5 minutes'",
    ] {
        sqlx::query(sql)
            .bind(admin.account_id)
            .bind(connection.id)
            .bind(hours_ago)
            .execute(&mut *tx)
            .await
            .context("dating the demo WhatsApp conversation")?;
    }
    tx.commit().await?;
    Ok(())
}

/// Templates on the demo number, as an admin would type them in.
async fn demo_templates(db: &Db, admin: &Actor, channel_id: i64) -> anyhow::Result<()> {
    use channels::templates::{self, TemplateForm};
    use shared::connections::TemplateCategory;
    let forms = [
        (
            "retomar_atendimento",
            TemplateCategory::Utility,
            "Olá {{1}}! Aqui é da Loja Demo. Podemos continuar seu atendimento?",
        ),
        (
            "pedido_enviado",
            TemplateCategory::Utility,
            "Olá {{1}}, seu pedido {{2}} saiu para entrega. Qualquer dúvida, é só responder.",
        ),
    ];
    for (name, category, body) in forms {
        let form = TemplateForm {
            name: name.into(),
            language: "pt_BR".into(),
            category,
            body: body.into(),
        };
        templates::save(db, admin, channel_id, &form)
            .await
            .map_err(|err| anyhow::anyhow!("seeding the {name} template: {err:#}"))?;
    }
    Ok(())
}
