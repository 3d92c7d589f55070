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

pub const DEMO_SLUG: &str = "demo";
pub const DEMO_PASSWORD: &str = "ponte-demo-2026";
pub const DEMO_USERS: [(&str, &str, Role); 3] = [
    ("admin@demo.ponte.dev", "Ana Admin", Role::GlobalAdmin),
    (
        "supervisor@demo.ponte.dev",
        "Sérgio Supervisor",
        Role::Supervisor,
    ),
    ("agent@demo.ponte.dev", "Alice Atendente", Role::Agent),
];

pub struct DemoAccount {
    pub account_id: Uuid,
    pub created: bool,
    /// (e-mail, user id) of the demo people, in `DEMO_USERS` order.
    pub users: Vec<(String, Uuid)>,
}

pub async fn demo(owner: &PgPool, db: &Db) -> anyhow::Result<DemoAccount> {
    let existing: Option<Uuid> = sqlx::query_scalar("SELECT id FROM accounts WHERE slug = $1")
        .bind(DEMO_SLUG)
        .fetch_optional(owner)
        .await
        .context("looking for the demo account")?;
    let created = existing.is_none();
    let account_id = existing.unwrap_or_else(Uuid::now_v7);

    let mut tx = db.anonymous().await?;
    set_tenant(&mut tx, account_id, None).await?;
    if created {
        sqlx::query("INSERT INTO accounts (id, name, slug, support_email) VALUES ($1, 'Demo', $2, 'suporte@demo.ponte.dev')")
            .bind(account_id)
            .bind(DEMO_SLUG)
            .execute(&mut *tx)
            .await
            .context("creating the demo account")?;
    }
    let password = NewPassword::parse(DEMO_PASSWORD)
        .map_err(|code| anyhow::anyhow!("demo password: {code}"))?;
    let mut users = Vec::new();
    for (email, name, role) in DEMO_USERS {
        let user_id = ensure_user(&mut tx, email, name, &password).await?;
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
                email: DEMO_USERS[0].0.into(),
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
    let existing: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut **tx)
        .await
        .context("looking up demo user")?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(email)
        .bind(name)
        .bind(passwords::hash(password).await?)
        .execute(&mut **tx)
        .await
        .context("creating demo user")?;
    Ok(id)
}
