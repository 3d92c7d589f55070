//! The demo account a new user signs in to (`ponte seed-demo`). Idempotent:
//! running it again changes nothing that exists.

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::values::NewPassword;
use shared::Role;
use sqlx::PgPool;
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::auth::{add_membership, passwords};
use crate::db::{set_tenant, Db, Tx};
use crate::secrets::SecretKey;
use crate::{channels, contacts, departments, messages, quick_replies};

mod agents;
mod connections;
mod desk;
mod flow;
mod rules;
mod visitors;

use connections::demo_connections;
use desk::{demo_departments, demo_service_desk, DemoSla};
use visitors::{demo_categories, visitor_writes};

pub use agents::demo_agents;
pub use flow::demo_flow;
pub use rules::demo_rules;

pub const DEMO_SLUG: &str = "demo";
pub const DEMO_PASSWORD: &str = "ponte-demo-2026";
/// The demo people: the local part of their e-mail (`admin` →
/// `admin@<slug>.ponte.dev`), name and role.
pub const DEMO_USERS: [(&str, &str, Role); 3] = [
    ("admin", "Ana Admin", Role::GlobalAdmin),
    ("supervisor", "Sérgio Supervisor", Role::Supervisor),
    ("agent", "Alice Atendente", Role::Agent),
];

/// The e-mail of a demo person in the demo-like account `slug`.
pub fn demo_email(local: &str, slug: &str) -> String {
    format!("{local}@{slug}.ponte.dev")
}

pub struct DemoAccount {
    pub account_id: Uuid,
    pub slug: String,
    pub created: bool,
    /// (e-mail, user id) of the demo people, in `DEMO_USERS` order.
    pub users: Vec<(String, Uuid)>,
}

impl DemoAccount {
    /// The demo person with this role, acting in the demo account.
    pub fn actor(&self, role: Role) -> Actor {
        let index = DEMO_USERS
            .iter()
            .position(|(_, _, r)| *r == role)
            .unwrap_or(0);
        let (_, name, role) = DEMO_USERS[index];
        Actor {
            user_id: self.users[index].1,
            account_id: self.account_id,
            role,
            name: name.into(),
            email: self.users[index].0.clone(),
            ip: None,
        }
    }
}

pub async fn demo(owner: &PgPool, db: &Db) -> anyhow::Result<DemoAccount> {
    demo_with(owner, db, DEMO_SLUG).await
}

/// A demo-like account under another slug, with its own people
/// (`admin@<slug>.ponte.dev`, …): tests and browser tests get one each
/// instead of sharing (and changing) the demo.
pub async fn demo_with(owner: &PgPool, db: &Db, slug: &str) -> anyhow::Result<DemoAccount> {
    let existing: Option<Uuid> = sqlx::query_scalar("SELECT id FROM accounts WHERE slug = $1")
        .bind(slug)
        .fetch_optional(owner)
        .await
        .context("looking for the demo account")?;
    let created = existing.is_none();
    let account_id = existing.unwrap_or_else(Uuid::now_v7);

    let mut tx = db.anonymous().await?;
    set_tenant(&mut tx, account_id, None).await?;
    if created {
        let name = if slug == DEMO_SLUG {
            "Demo".to_string()
        } else {
            format!("Demo {slug}")
        };
        sqlx::query("INSERT INTO accounts (id, name, slug, support_email) VALUES ($1, $2, $3, $4)")
            .bind(account_id)
            .bind(name.chars().take(120).collect::<String>())
            .bind(slug)
            .bind(demo_email("suporte", slug))
            .execute(&mut *tx)
            .await
            .context("creating the demo account")?;
    }
    let password = NewPassword::parse(DEMO_PASSWORD)
        .map_err(|code| anyhow::anyhow!("demo password: {code}"))?;
    let mut users = Vec::new();
    for (local, name, role) in DEMO_USERS {
        let email = demo_email(local, slug);
        let user_id = ensure_user(&mut tx, &email, name, &password).await?;
        let is_member: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM memberships WHERE account_id = $1 AND user_id = $2)",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await
        .context("checking demo membership")?;
        if !is_member {
            add_membership(&mut tx, account_id, user_id, role).await?;
        }
        users.push((email.to_string(), user_id));
    }
    if created {
        if let Some((_, admin_id)) = users.first() {
            let actor = Actor {
                user_id: *admin_id,
                account_id,
                role: Role::GlobalAdmin,
                name: "Ana Admin".into(),
                email: users[0].0.clone(),
                ip: None,
            };
            audit::record(
                &mut tx,
                &actor,
                AuditAction::SignUp,
                Some(Target::new("account", account_id)),
                json!({ "seed": "demo" }),
            )
            .await?;
        }
    }
    tx.commit().await.context("commit demo seed")?;
    Ok(DemoAccount {
        account_id,
        slug: slug.to_string(),
        created,
        users,
    })
}

async fn ensure_user(
    tx: &mut Tx,
    email: &str,
    name: &str,
    password: &NewPassword,
) -> anyhow::Result<Uuid> {
    let existing: Option<Uuid> = sqlx::query_scalar("SELECT id FROM user_credentials($1)")
        .bind(email)
        .fetch_optional(&mut **tx)
        .await
        .context("looking up demo user")?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO users (id, email, name, password_hash, email_confirmed_at) VALUES ($1, $2, $3, $4, now())")
        .bind(id)
        .bind(email)
        .bind(name)
        .bind(passwords::hash(password).await?)
        .execute(&mut **tx)
        .await
        .context("creating demo user")?;
    Ok(id)
}

/// The demo account's inbox: a department, the website channel (embedded
/// on `/demo/widget`), quick replies, attributes, and a few conversations.
/// Only on first run; later runs leave the data people played with alone.
pub async fn demo_inbox(db: &Db, secret: &SecretKey, demo: &DemoAccount) -> anyhow::Result<bool> {
    let admin = demo.actor(Role::GlobalAdmin);
    let mut tx = db.tenant(demo.account_id, None).await?;
    let has_channels: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM channels)")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    if has_channels {
        return Ok(false);
    }
    let fail =
        |what: &'static str| move |err: crate::Error| anyhow::anyhow!("seeding {what}: {err}");

    let support = departments::create(db, &admin, "Suporte")
        .await
        .map_err(fail("department"))?;
    let members: Vec<Uuid> = demo.users[1..].iter().map(|(_, id)| *id).collect();
    let policy = |name: &str, first: u32, next: u32, resolution: u32| shared::sla::SlaPolicyForm {
        name: name.into(),
        first_response_minutes: Some(first),
        next_response_minutes: Some(next),
        resolution_minutes: Some(resolution),
        business_hours_only: true,
        pause_while_waiting: true,
    };
    let actor = &admin;
    let save_policy = |form: shared::sla::SlaPolicyForm| async move {
        crate::service_desk::sla::save(db, actor, None, &form)
            .await
            .map(|saved| saved.id)
            .map_err(fail("SLA policy"))
    };
    let sla = DemoSla {
        standard: save_policy(policy("Padrão", 30, 60, 8 * 60)).await?,
        urgent: save_policy(policy("Urgente", 10, 15, 2 * 60)).await?,
    };
    for (department, form) in demo_departments(&members, &sla) {
        departments::save(db, &admin, department.then_some(support.id), &form)
            .await
            .map_err(fail("departments"))?;
    }
    crate::service_desk::calendars::update_settings(db, &admin, &demo_service_desk())
        .await
        .map_err(fail("business hours"))?;
    let channel = channels::create_website(
        db,
        &admin,
        &channels::WebsiteForm {
            name: "Site Demo".into(),
            allowed_origins: "http://localhost:3000\nhttp://127.0.0.1:3000".into(),
            greeting: "Olá! Como podemos ajudar?".into(),
            color: "#1d4ed8".into(),
            prechat_form: false,
            default_department_id: None,
            language: None,
        },
    )
    .await
    .map_err(fail("website channel"))?;
    // Open to everyone, and Sérgio's team may configure it too.
    crate::access::save_channel_access(
        db,
        &admin,
        channel.id,
        &shared::access::ChannelAccessSettings {
            restricted: false,
            grants: vec![shared::access::Grant {
                role: Some(Role::Supervisor),
                user_id: None,
                level: shared::access::ChannelAccess::Manage,
            }],
        },
    )
    .await
    .map_err(fail("channel access"))?;
    for (shortcut, content) in [
        (
            "ola",
            "Olá {{contact.name}}! Sou {{agent.name}}, da Demo. Como posso ajudar?",
        ),
        (
            "obrigado",
            "Obrigado pelo contato! Qualquer coisa, é só chamar por aqui.",
        ),
        (
            "prazo",
            "O prazo de entrega é de 3 a 5 dias úteis após a confirmação do pagamento.",
        ),
        (
            "nota-fiscal",
            "Emitimos nota fiscal para CPF e CNPJ: é só informar os dados da empresa ao finalizar a compra.",
        ),
    ] {
        quick_replies::create(db, &admin, shortcut, content, true)
            .await
            .map_err(fail("quick reply"))?;
    }
    contacts::define_attribute(db, &admin, "Plano", "plano", "list", "bronze, prata, ouro")
        .await
        .map_err(fail("attribute"))?;
    contacts::define_attribute(db, &admin, "Cliente desde", "cliente_desde", "date", "")
        .await
        .map_err(fail("attribute"))?;

    let public = channels::by_public_token(db, &channel.public_token)
        .await
        .map_err(fail("channel lookup"))?;
    let agent = demo.actor(Role::Agent);
    let script: [(&str, &str, &[&str], Option<&str>); 4] = [
        (
            "Mariana Costa",
            "mariana@example.com",
            &[
                "Oi, meu pedido 4821 ainda não chegou.",
                "Comprei há 8 dias.",
                "É a segunda vez que isso acontece, que decepção.",
            ],
            Some("Oi Mariana! Vou verificar agora mesmo."),
        ),
        (
            "João Pereira",
            "joao@example.com",
            &["Vocês emitem nota fiscal para CNPJ?"],
            None,
        ),
        (
            "Ana Souza",
            "ana@example.com",
            &["Quero trocar o tamanho de uma camiseta."],
            Some("Claro! Qual tamanho você prefere?"),
        ),
        (
            "Carlos Lima",
            "carlos@example.com",
            &["Bom dia! O site está fora do ar?"],
            None,
        ),
    ];
    for (name, email, lines, reply) in script {
        let number = visitor_writes(db, secret, &public, demo, name, email, lines).await?;
        if let (Some(text), Some(number)) = (reply, number) {
            messages::send(
                db,
                &agent,
                number,
                &messages::Reply {
                    body: text.into(),
                    ..Default::default()
                },
            )
            .await
            .map_err(fail("agent reply"))?;
        }
    }
    demo_connections(db, secret, &admin).await?;
    demo_categories(db, secret, &public, demo).await?;
    let agents: Vec<Uuid> = demo.users[1..].iter().map(|(_, id)| *id).collect();
    crate::activity::seed_history(db, demo.account_id, &agents, 90).await?;
    Ok(true)
}

/// The public token of a demo-like account's first website channel.
pub async fn website_channel_token(db: &Db, demo: &DemoAccount) -> anyhow::Result<Option<String>> {
    let mut tx = db.tenant(demo.account_id, None).await?;
    let token = sqlx::query_scalar(
        "SELECT public_token FROM channels WHERE account_id = $1 AND kind = 'website' ORDER BY id LIMIT 1",
    )
    .bind(demo.account_id)
    .fetch_optional(&mut *tx)
    .await
    .context("finding the website channel")?;
    tx.commit().await?;
    Ok(token)
}

/// The public token of the demo account's website channel, if seeded.
pub async fn demo_channel_token(db: &Db) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar("SELECT demo_widget_token()")
        .fetch_one(db.pool())
        .await
        .context("finding the demo channel")
}
