//! Website visitors who write in, and the conversations an agent answered
//! and wrapped up with a category.

use anyhow::Context;
use shared::Role;

use crate::db::Db;
use crate::secrets::SecretKey;
use crate::{categories, channels, conversations, messages, widget};

use super::DemoAccount;

/// A website visitor writes `lines` (the first opens a conversation);
/// returns the conversation's number.
pub(super) async fn visitor_writes(
    db: &Db,
    secret: &SecretKey,
    public: &channels::PublicChannel,
    demo: &DemoAccount,
    name: &str,
    email: &str,
    lines: &[&str],
) -> anyhow::Result<Option<i64>> {
    let visitor = demo_visitor(secret, public);
    visitor_says(db, &visitor, demo, name, email, lines).await
}

/// A new visitor of the demo's website.
fn demo_visitor(secret: &SecretKey, public: &channels::PublicChannel) -> widget::Visitor {
    let token = widget::issue_visitor_token(secret, &public.public_token);
    let visitor_id =
        widget::verify_visitor_token(secret, &public.public_token, &token).unwrap_or_default();
    widget::Visitor {
        channel: public.clone(),
        visitor_id,
        token,
    }
}

/// `visitor` writes each line; returns their conversation's number.
async fn visitor_says(
    db: &Db,
    visitor: &widget::Visitor,
    demo: &DemoAccount,
    name: &str,
    email: &str,
    lines: &[&str],
) -> anyhow::Result<Option<i64>> {
    let fail =
        |what: &'static str| move |err: crate::Error| anyhow::anyhow!("seeding {what}: {err}");
    let mut number = None;
    for line in lines {
        let message = widget::VisitorMessage {
            body: line.to_string(),
            name: Some(name.into()),
            email: Some(email.into()),
            ..Default::default()
        };
        widget::send(db, visitor, &message)
            .await
            .map_err(fail("visitor message"))?;
        if number.is_none() {
            let (_, conversation) = widget::whereabouts(db, visitor)
                .await
                .map_err(fail("conversation"))?
                .unwrap_or_default();
            let mut tx = db.tenant(demo.account_id, None).await?;
            number = sqlx::query_scalar("SELECT number FROM conversations WHERE id = $1")
                .bind(conversation)
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
        }
    }
    Ok(number)
}

/// The interaction categories, and one conversation the agent answered
/// and wrapped up with a category.
pub(super) async fn demo_categories(
    db: &Db,
    secret: &SecretKey,
    public: &channels::PublicChannel,
    demo: &DemoAccount,
) -> anyhow::Result<()> {
    let fail =
        |what: &'static str| move |err: crate::Error| anyhow::anyhow!("seeding {what}: {err}");
    let supervisor = demo.actor(Role::Supervisor);
    let agent = demo.actor(Role::Agent);
    let mut hours = None;
    for (parent, children) in [
        ("Pedidos", &["Entrega", "Troca e devolução"][..]),
        ("Financeiro", &["Nota fiscal", "Pagamento"][..]),
        ("Dúvidas gerais", &["Horário de atendimento"][..]),
    ] {
        let form = categories::CategoryForm {
            name: parent.into(),
            ..Default::default()
        };
        let parent = categories::create(db, &supervisor, &form)
            .await
            .map_err(fail("category"))?;
        for child in children {
            let form = categories::CategoryForm {
                name: (*child).into(),
                description: String::new(),
                parent_id: Some(parent.id),
            };
            let created = categories::create(db, &supervisor, &form)
                .await
                .map_err(fail("category"))?;
            if *child == "Horário de atendimento" {
                hours = Some(created.id);
            }
        }
    }
    // The account surveys its customers: Paula rates her answer below.
    crate::satisfaction::set_survey(db, &demo.actor(Role::GlobalAdmin), true)
        .await
        .map_err(fail("satisfaction survey"))?;
    let paula = demo_visitor(secret, public);
    let (name, email) = ("Paula Rocha", "paula@example.com");
    let lines = ["Tem atendimento no sábado?"];
    let number = visitor_says(db, &paula, demo, name, email, &lines)
        .await?
        .context("the visitor's conversation")?;
    conversations::assign(db, &agent, number, Some(agent.user_id), None, None)
        .await
        .map_err(fail("assignment"))?;
    let reply = messages::Reply {
        body: "Sim! Aos sábados atendemos das 9h às 13h.".into(),
        ..Default::default()
    };
    messages::send(db, &agent, number, &reply)
        .await
        .map_err(fail("agent reply"))?;
    conversations::wrap_up(
        db,
        &agent,
        number,
        &hours.into_iter().collect::<Vec<_>>(),
        false,
    )
    .await
    .map_err(fail("wrap-up"))?;
    let answers = ["9", "Resposta rápida e clara, obrigada!"];
    visitor_says(db, &paula, demo, name, email, &answers).await?;
    Ok(())
}
