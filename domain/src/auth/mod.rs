//! Signing up, in and out.

pub mod confirmation;
pub mod passwords;
pub mod recovery;
pub mod sessions;
pub mod throttle;

use anyhow::Context;
use serde_json::json;
use shared::activity::SessionEndReason;
use shared::audit::AuditAction;
use shared::values::{DisplayName, EmailAddress, NewPassword, Slug};
use shared::{ErrorCode, FieldErrors, Role};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{set_tenant, Db, Tx};
use crate::error::{is_unique_violation, Error, Result};
use crate::mail::Outbox;
pub use sessions::{AuthenticatedSession, StartedSession};

/// The sign-up form as typed.
#[derive(Clone, Debug, Default)]
pub struct SignUpForm {
    pub company_name: String,
    pub slug: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

struct ValidSignUp {
    company_name: DisplayName,
    slug: Slug,
    name: DisplayName,
    email: EmailAddress,
    password: NewPassword,
}

impl TryFrom<&SignUpForm> for ValidSignUp {
    type Error = Error;

    fn try_from(form: &SignUpForm) -> Result<Self> {
        let mut errors = FieldErrors::new();
        let company_name = errors.check("company_name", DisplayName::parse(&form.company_name));
        let slug_input = if form.slug.trim().is_empty() {
            Slug::suggest_from(&form.company_name)
        } else {
            form.slug.clone()
        };
        let slug = errors.check("slug", Slug::parse(&slug_input));
        let name = errors.check("name", DisplayName::parse(&form.name));
        let email = errors.check("email", EmailAddress::parse(&form.email));
        let password = errors.check("password", NewPassword::parse(&form.password));
        errors.into_result()?;
        match (company_name, slug, name, email, password) {
            (Some(company_name), Some(slug), Some(name), Some(email), Some(password)) => Ok(Self {
                company_name,
                slug,
                name,
                email,
                password,
            }),
            _ => Err(Error::Unexpected(anyhow::anyhow!(
                "validation passed with a missing value"
            ))),
        }
    }
}

/// Where a request came from, for sessions, throttling and the audit log.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The language the person is reading in (for the mail we send them).
    pub locale: shared::Locale,
}

pub struct SignedIn {
    pub session: StartedSession,
    pub user_id: Uuid,
    pub account_id: Uuid,
}

/// Creates a company account, its first user as Global admin, and a session.
#[tracing::instrument(skip(db, outbox, form), fields(slug = %form.slug))]
pub async fn sign_up(
    db: &Db,
    outbox: Outbox<'_>,
    form: &SignUpForm,
    client: &ClientInfo,
) -> Result<SignedIn> {
    let valid = ValidSignUp::try_from(form)?;
    // Each sign-up counts, successful or not: accounts are not free to mint.
    let network = throttle::network_of(client.ip.as_deref());
    throttle::begin(
        db,
        &throttle::sign_up_rules(&network),
        throttle::SIGN_UP_WINDOW_MINUTES,
    )
    .await?;
    let password_hash = passwords::hash(&valid.password).await?;
    let user_id = Uuid::now_v7();
    let account_id = Uuid::now_v7();

    // The confirmation mail sent below counts against the person's resends.
    confirmation::count_first_link(db, user_id).await?;
    let mut tx = db.anonymous().await?;
    let inserted_user =
        sqlx::query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(valid.email.as_str())
            .bind(valid.name.as_str())
            .bind(&password_hash)
            .execute(&mut *tx)
            .await;
    if let Err(err) = inserted_user {
        if is_unique_violation(&err, "users_email_key") {
            return Err(Error::field("email", ErrorCode::EmailTaken));
        }
        return Err(anyhow::Error::new(err).context("creating user").into());
    }

    set_tenant(&mut tx, account_id, Some(user_id)).await?;
    let inserted_account = sqlx::query("INSERT INTO accounts (id, name, slug) VALUES ($1, $2, $3)")
        .bind(account_id)
        .bind(valid.company_name.as_str())
        .bind(valid.slug.as_str())
        .execute(&mut *tx)
        .await;
    if let Err(err) = inserted_account {
        if is_unique_violation(&err, "accounts_slug_key") {
            return Err(Error::field("slug", ErrorCode::SlugTaken));
        }
        return Err(anyhow::Error::new(err).context("creating account").into());
    }
    add_membership(&mut tx, account_id, user_id, Role::GlobalAdmin).await?;

    let actor = Actor {
        user_id,
        account_id,
        role: Role::GlobalAdmin,
        name: valid.name.to_string(),
        email: valid.email.to_string(),
        ip: client.ip.clone(),
    };
    audit::record(
        &mut tx,
        &actor,
        AuditAction::SignUp,
        Some(Target::new("account", account_id)),
        json!({ "company_name": valid.company_name.as_str(), "slug": valid.slug.as_str() }),
    )
    .await?;
    let session = sessions::start(
        &mut tx,
        user_id,
        account_id,
        client.ip.as_deref(),
        client.user_agent.as_deref(),
    )
    .await?;
    confirmation::send_link(
        &mut tx,
        outbox,
        user_id,
        &valid.email,
        valid.name.as_str(),
        client.locale,
    )
    .await?;
    tx.commit().await.context("commit sign-up")?;
    Ok(SignedIn {
        session,
        user_id,
        account_id,
    })
}

pub(crate) async fn add_membership(
    tx: &mut Tx,
    account_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, user_id) DO UPDATE SET role = EXCLUDED.role, active = true, updated_at = now()",
    )
    .bind(account_id)
    .bind(user_id)
    .bind(role)
    .execute(&mut **tx)
    .await
    .context("adding membership")?;
    Ok(())
}

/// Who proved their password.
pub(crate) struct Credentials {
    pub user_id: Uuid,
    pub name: String,
}

/// Checks `password` for `email`, throttled (see [`throttle`]) and, when
/// wrong, recorded in the audit log. Every path that verifies a password
/// goes through here. `None`: wrong e-mail or password (already recorded).
pub(crate) async fn check_password(
    db: &Db,
    email: &EmailAddress,
    password: &str,
    client: &ClientInfo,
) -> Result<Option<Credentials>> {
    let network = throttle::network_of(client.ip.as_deref());
    let attempt = throttle::begin(
        db,
        &throttle::password_rules(email.as_str(), &network),
        throttle::WINDOW_MINUTES,
    )
    .await?;
    let user: Option<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, name, password_hash FROM user_credentials($1)")
            .bind(email.as_str())
            .fetch_optional(db.pool())
            .await
            .context("looking up user")?;
    let (user, stored_hash) = match user {
        Some((id, name, hash)) => (Some((id, name)), Some(hash)),
        None => (None, None),
    };
    // No connection is held while argon2 runs.
    let password_ok = passwords::verify(password, stored_hash).await?;
    match user {
        Some((user_id, name)) if password_ok => {
            throttle::succeeded(
                db,
                attempt,
                &[throttle::email_and_network_rule(email.as_str(), &network)],
            )
            .await?;
            Ok(Some(Credentials { user_id, name }))
        }
        _ => {
            record_failed_sign_in(db, email, user.map(|(id, _)| id), client).await?;
            Ok(None)
        }
    }
}

/// A wrong password goes into the audit log of the account the person last
/// worked in (the platform chain for unknown e-mails).
async fn record_failed_sign_in(
    db: &Db,
    email: &EmailAddress,
    user_id: Option<Uuid>,
    client: &ClientInfo,
) -> Result<()> {
    let mut tx = match user_id {
        Some(user_id) => db.as_user(user_id).await?,
        None => db.anonymous().await?,
    };
    let account_id = match user_id {
        Some(user_id) => preferred_account(&mut tx, user_id).await?,
        None => None,
    };
    if let Some(account_id) = account_id {
        set_tenant(&mut tx, account_id, None).await?;
    }
    audit::append(
        &mut tx,
        account_id,
        None,
        email.as_str(),
        AuditAction::SignInFailed,
        None,
        json!({ "email": email.as_str() }),
        client.ip.as_deref(),
    )
    .await?;
    tx.commit().await.context("commit failed sign-in")?;
    Ok(())
}

/// Checks the password (throttled) and starts a session in the account the
/// user last worked in.
#[tracing::instrument(skip(db, password, client))]
pub async fn sign_in(
    db: &Db,
    email: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<SignedIn> {
    let email = EmailAddress::parse(email).map_err(|code| Error::field("email", code))?;
    if password.is_empty() {
        return Err(Error::field("password", ErrorCode::Required));
    }
    let Credentials { user_id, name } = check_password(db, &email, password, client)
        .await?
        .ok_or(Error::InvalidCredentials)?;

    let mut tx = db.as_user(user_id).await?;
    let Some(account_id) = preferred_account(&mut tx, user_id).await? else {
        return Err(Error::Deactivated);
    };
    set_tenant(&mut tx, account_id, Some(user_id)).await?;
    let session = sessions::start(
        &mut tx,
        user_id,
        account_id,
        client.ip.as_deref(),
        client.user_agent.as_deref(),
    )
    .await?;
    let role = member_role(&mut tx, account_id, user_id).await?;
    let actor = Actor {
        user_id,
        account_id,
        role,
        name,
        email: email.to_string(),
        ip: client.ip.clone(),
    };
    audit::record(&mut tx, &actor, AuditAction::SignIn, None, json!({})).await?;
    tx.commit().await.context("commit sign-in")?;
    Ok(SignedIn {
        session,
        user_id,
        account_id,
    })
}

/// The account of the user's latest session if they still belong to it,
/// else their first account; `None` when they belong to none.
pub(crate) async fn preferred_account(tx: &mut Tx, user_id: Uuid) -> anyhow::Result<Option<Uuid>> {
    let accounts = sessions::my_accounts_in(tx).await?;
    let last_used: Option<Uuid> = sqlx::query_scalar(
        "SELECT account_id FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding the last used account")?;
    Ok(last_used
        .filter(|id| accounts.iter().any(|a| a.id == *id))
        .or_else(|| accounts.first().map(|a| a.id)))
}

async fn member_role(tx: &mut Tx, account_id: Uuid, user_id: Uuid) -> anyhow::Result<Role> {
    sqlx::query_scalar("SELECT role FROM memberships WHERE account_id = $1 AND user_id = $2")
        .bind(account_id)
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await
        .context("reading membership role")
}

/// Ends the session and the work session, and records it; `reason` says
/// whether the person or the account's auto-logout did.
pub async fn sign_out(
    db: &Db,
    session: &AuthenticatedSession,
    reason: SessionEndReason,
) -> Result<()> {
    let mut tx = db
        .tenant(session.actor.account_id, Some(session.actor.user_id))
        .await?;
    sqlx::query("UPDATE sessions SET revoked_at = now() WHERE id = $1 AND user_id = $2")
        .bind(session.session_id)
        .bind(session.actor.user_id)
        .execute(&mut *tx)
        .await
        .context("revoking session")?;
    crate::activity::end(
        &mut tx,
        session.actor.account_id,
        session.actor.user_id,
        reason,
        None,
    )
    .await?;
    let detail = match reason {
        SessionEndReason::AutoLogout => json!({ "reason": reason.as_str() }),
        _ => json!({}),
    };
    audit::record(&mut tx, &session.actor, AuditAction::SignOut, None, detail).await?;
    tx.commit().await.context("commit sign-out")?;
    Ok(())
}
