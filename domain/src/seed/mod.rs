//! The demo account a new user signs in to (`ponte seed-demo`). Idempotent:
//! running it again changes nothing that exists.

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::departments::{
    Calendar, ClockTime, DepartmentForm, DepartmentMember, Distribution, Holiday, LocalizedText,
    Opening, ServiceDeskSettings, WalletFallback, WeeklyHours,
};
use shared::values::NewPassword;
use shared::Role;
use sqlx::PgPool;
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::auth::{add_membership, passwords};
use crate::db::{set_tenant, Db, Tx};
use crate::secrets::SecretKey;
use crate::{
    categories, channels, contacts, conversations, departments, messages, quick_replies, widget,
};

mod agents;
mod flow;
mod rules;

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

/// The demo's SLA policies: the default and the one for urgent conversations.
struct DemoSla {
    standard: i64,
    urgent: i64,
}

/// Suporte (the widget's department; distributed by hand) and Cobrança
/// (round-robin, its own hours, an out-of-hours reply and the SLA policies).
/// `true`: the existing Suporte.
fn demo_departments(members: &[Uuid], sla: &DemoSla) -> Vec<(bool, DepartmentForm)> {
    let seats = |capacity| {
        members
            .iter()
            .map(|&user_id| DepartmentMember {
                user_id,
                max_conversations: capacity,
            })
            .collect()
    };
    let mut finance_messages = LocalizedText::new();
    finance_messages.insert(
        "pt-BR".into(),
        "Olá! A Cobrança atende de segunda a sexta, das 9h às 17h. Respondemos assim que abrirmos."
            .into(),
    );
    finance_messages.insert(
        "en".into(),
        "Hi! Billing answers Monday to Friday, 9 am to 5 pm. We will reply as soon as we open."
            .into(),
    );
    vec![
        (
            true,
            DepartmentForm {
                name: "Suporte".into(),
                description: "Dúvidas de uso, problemas técnicos e pedidos do site.".into(),
                channel_id: None,
                members: seats(8),
                distribution: Distribution::Manual,
                calendar: None,
                out_of_hours_messages: LocalizedText::new(),
                sla_policy_id: None,
                sla_by_priority: Default::default(),
                grants: vec![],
            },
        ),
        (
            false,
            DepartmentForm {
                name: "Cobrança".into(),
                description: "Boletos, notas fiscais e segunda via.".into(),
                channel_id: None,
                members: seats(5),
                distribution: Distribution::RoundRobin,
                calendar: Some(Calendar {
                    business_hours: Some(WeeklyHours::weekdays(
                        ClockTime::at(9, 0),
                        ClockTime::at(17, 0),
                    )),
                    holidays: vec![],
                }),
                out_of_hours_messages: finance_messages,
                sla_policy_id: Some(sla.standard),
                sla_by_priority: [(shared::inbox::Priority::Urgent, sla.urgent)].into(),
                // Supervisors held to their own departments still assign Cobrança's.
                grants: vec![shared::access::Grant {
                    role: Some(Role::Supervisor),
                    user_id: None,
                    level: shared::access::DepartmentAccess::Assign,
                }],
            },
        ),
    ]
}

/// Brazilian office hours and national holidays.
fn demo_service_desk() -> ServiceDeskSettings {
    let mut hours = WeeklyHours::weekdays(ClockTime::at(8, 0), ClockTime::at(18, 0));
    hours.sat.push(Opening {
        open: ClockTime::at(8, 0),
        close: ClockTime::at(12, 0),
    });
    let holidays = [
        "--01-01", "--04-21", "--05-01", "--09-07", "--10-12", "--11-02", "--11-15", "--11-20",
        "--12-25",
    ]
    .into_iter()
    .filter_map(|h| Holiday::parse(h).ok())
    .collect();
    ServiceDeskSettings {
        calendar: Calendar {
            business_hours: Some(hours),
            holidays,
        },
        wallet_routing: false,
        wallet_owner_offline: WalletFallback::Distribute,
        reroute_reopened: false,
        time_zone: String::new(),
        locale: shared::Locale::PtBr,
    }
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

/// A website visitor writes `lines` (the first opens a conversation);
/// returns the conversation's number.
async fn visitor_writes(
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
async fn demo_categories(
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

/// One connection of each kind, not connected (they point at nothing), so a
/// new user sees what connecting looks like; on the WhatsApp number, a
/// customer who wrote in, stored through the real webhook path.
async fn demo_connections(db: &Db, secret: &SecretKey, admin: &Actor) -> anyhow::Result<()> {
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
