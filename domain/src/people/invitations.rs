//! Invitations: an admin invites an address with a role; the link (mailed,
//! and shown once to copy) lets a newcomer create a login, or someone signed
//! in with that address join.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;
use shared::accounts::{InvitationLink, InvitationPreview, PendingInvitation};
use shared::audit::AuditAction;
use shared::values::{DisplayName, EmailAddress, NewPassword};
use shared::{ConflictReason, ErrorCode, FieldErrors, Permission, Role};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::auth::{self, passwords, sessions, ClientInfo, SignedIn};
use crate::db::{set_tenant, Db, Tx};
use crate::error::{is_unique_violation, Error, Result};
use crate::mail::{self, Outbox, SystemMail};
use crate::secrets::{random_token, token_hash};

pub const INVITATION_DAYS: i64 = 7;

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: i64,
    email: String,
    role: Role,
    invited_by: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

pub async fn pending_invitations(db: &Db, actor: &Actor) -> Result<Vec<PendingInvitation>> {
    actor.require(Permission::ManageUsers)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let rows: Vec<InvitationRow> = sqlx::query_as(
        "SELECT i.id, i.email, i.role, u.name AS invited_by, i.created_at, i.expires_at
           FROM invitations i LEFT JOIN users u ON u.id = i.invited_by
          WHERE i.account_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
            AND i.expires_at > now()
          ORDER BY i.created_at DESC",
    )
    .bind(actor.account_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing invitations")?;
    tx.commit().await.context("commit")?;
    Ok(rows
        .into_iter()
        .map(|r| PendingInvitation {
            id: r.id,
            email: r.email,
            role: r.role,
            invited_by: r.invited_by.unwrap_or_default(),
            created_at: r.created_at,
            expires_at: r.expires_at,
        })
        .collect())
}

/// Invites `email` with `role`. Returns the link to send; it exists only now.
pub async fn invite(
    db: &Db,
    outbox: Outbox<'_>,
    actor: &Actor,
    email: &str,
    role: &str,
) -> Result<InvitationLink> {
    actor.require(Permission::ManageUsers)?;
    let mut errors = FieldErrors::new();
    let email = errors.check("email", EmailAddress::parse(email));
    let role = errors.check("role", role.parse::<Role>());
    errors.into_result()?;
    let (Some(email), Some(role)) = (email, role) else {
        return Err(anyhow::anyhow!("validation passed with a missing value").into());
    };

    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let already_member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                         WHERE m.account_id = $1 AND u.email = $2)",
    )
    .bind(actor.account_id)
    .bind(email.as_str())
    .fetch_one(&mut *tx)
    .await
    .context("checking membership")?;
    if already_member {
        return Err(Error::field("email", ErrorCode::AlreadyMember));
    }
    // A new invitation for the same address replaces older pending ones.
    sqlx::query(
        "UPDATE invitations SET revoked_at = now()
          WHERE account_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(actor.account_id)
    .bind(email.as_str())
    .execute(&mut *tx)
    .await
    .context("replacing older invitations")?;
    let token = random_token();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invitations (account_id, email, role, token_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6::int)) RETURNING id",
    )
    .bind(actor.account_id)
    .bind(email.as_str())
    .bind(role)
    .bind(token_hash(&token))
    .bind(actor.user_id)
    .bind(INVITATION_DAYS as i32)
    .fetch_one(&mut *tx)
    .await
    .context("creating invitation")?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::UserInvited,
        Some(Target::new("invitation", id)),
        json!({ "email": email.as_str(), "role": role }),
    )
    .await?;
    let url = outbox.link(&format!("/invite/{token}"));
    let emailed = mail_invitation(&mut tx, outbox, actor, &email, role, &url).await?;
    tx.commit().await.context("commit")?;
    Ok(InvitationLink {
        invitation_id: id,
        email: email.to_string(),
        url,
        emailed,
    })
}

/// Queues the invitation mail, in the account's default language; returns
/// whether an SMTP server (the account's own or the server's) will send it.
async fn mail_invitation(
    tx: &mut Tx,
    outbox: Outbox<'_>,
    actor: &Actor,
    email: &EmailAddress,
    role: Role,
    url: &str,
) -> Result<bool> {
    let (account_name, locale, own_smtp): (String, String, bool) = sqlx::query_as(
        "SELECT name, default_locale,
                EXISTS (SELECT 1 FROM smtp_accounts s WHERE s.account_id = a.id AND s.is_default)
           FROM accounts a WHERE id = $1",
    )
    .bind(actor.account_id)
    .fetch_one(&mut **tx)
    .await
    .context("reading the account's name")?;
    let mail = SystemMail::Invitation {
        account_name: &account_name,
        invited_by: &actor.name,
        role,
        link: url,
    };
    let locale = locale.parse().unwrap_or_default();
    mail::queue(
        tx,
        outbox.vault,
        Some(actor.account_id),
        email,
        &mail,
        locale,
    )
    .await?;
    Ok(outbox.sending || own_smtp)
}

/// Issues a fresh link for a pending invitation (the old link stops working).
pub async fn renew_invitation(
    db: &Db,
    outbox: Outbox<'_>,
    actor: &Actor,
    invitation_id: i64,
) -> Result<InvitationLink> {
    actor.require(Permission::ManageUsers)?;
    let token = random_token();
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let renewed: Option<(String, Role)> = sqlx::query_as(
        "UPDATE invitations SET token_hash = $3, expires_at = now() + make_interval(days => $4::int)
          WHERE account_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
      RETURNING email, role",
    )
    .bind(actor.account_id)
    .bind(invitation_id)
    .bind(token_hash(&token))
    .bind(INVITATION_DAYS as i32)
    .fetch_optional(&mut *tx)
    .await
    .context("renewing invitation")?;
    let (email, role) = renewed.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::InvitationRenewed,
        Some(Target::new("invitation", invitation_id)),
        json!({ "email": email }),
    )
    .await?;
    let url = outbox.link(&format!("/invite/{token}"));
    let address =
        EmailAddress::parse(&email).map_err(|_| anyhow::anyhow!("stored e-mail is invalid"))?;
    let emailed = mail_invitation(&mut tx, outbox, actor, &address, role, &url).await?;
    tx.commit().await.context("commit")?;
    Ok(InvitationLink {
        invitation_id,
        email,
        url,
        emailed,
    })
}

pub async fn revoke_invitation(db: &Db, actor: &Actor, invitation_id: i64) -> Result<()> {
    actor.require(Permission::ManageUsers)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let email: Option<String> = sqlx::query_scalar(
        "UPDATE invitations SET revoked_at = now()
          WHERE account_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
      RETURNING email",
    )
    .bind(actor.account_id)
    .bind(invitation_id)
    .fetch_optional(&mut *tx)
    .await
    .context("revoking invitation")?;
    let email = email.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::InvitationRevoked,
        Some(Target::new("invitation", invitation_id)),
        json!({ "email": email }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct InvitationByToken {
    id: i64,
    account_id: Uuid,
    account_name: String,
    email: String,
    role: Role,
    expires_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

async fn invitation_by_token(db: &Db, token: &str) -> Result<InvitationByToken> {
    let row: Option<InvitationByToken> = sqlx::query_as("SELECT * FROM invitation_by_token($1)")
        .bind(token_hash(token))
        .fetch_optional(db.pool())
        .await
        .context("looking up invitation")?;
    let row = row.ok_or(Error::LinkExpired)?;
    if row.accepted_at.is_some() || row.revoked_at.is_some() || row.expires_at <= Utc::now() {
        return Err(Error::LinkExpired);
    }
    Ok(row)
}

async fn user_exists(db: &Db, email: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT user_exists($1)")
        .bind(email)
        .fetch_one(db.pool())
        .await
        .context("checking for an existing user")?)
}

/// What the invitation page shows; `signed_in` is the browser's current
/// person, if any.
pub async fn preview_invitation(
    db: &Db,
    token: &str,
    signed_in: Option<&Actor>,
) -> Result<InvitationPreview> {
    let invitation = invitation_by_token(db, token).await?;
    Ok(InvitationPreview {
        existing_user: user_exists(db, &invitation.email).await?,
        account_name: invitation.account_name,
        email: invitation.email,
        role: invitation.role,
        signed_in_as: signed_in.map(|a| a.email.clone()),
    })
}

/// How the invitee proves who they are.
pub enum Invitee<'a> {
    /// Signed in (through the normal, throttled sign-in) as some person.
    SignedIn(&'a Actor),
    /// A newcomer choosing a name and password for a new login.
    Newcomer { name: &'a str, password: &'a str },
}

/// Accepts an invitation and starts a session in the inviting account.
///
/// Someone who already has a Ponte login accepts by being signed in as that
/// login: the invitation link never checks a password, so it cannot serve
/// as a password oracle for whoever sent the invitation.
pub async fn accept_invitation(
    db: &Db,
    token: &str,
    invitee: Invitee<'_>,
    client: &ClientInfo,
) -> Result<SignedIn> {
    let invitation = invitation_by_token(db, token).await?;
    let (user_id, user_name, mut tx) = match invitee {
        Invitee::SignedIn(actor) => {
            if actor.email != invitation.email {
                return Err(Error::Conflict(ConflictReason::InvitationForAnotherUser));
            }
            // Whoever signed up with an address they don't own must not
            // join the accounts that invite that address.
            let mut tx = db.as_user(actor.user_id).await?;
            if !auth::confirmation::is_confirmed(&mut tx, actor.user_id).await? {
                return Err(Error::Conflict(ConflictReason::ConfirmEmailFirst));
            }
            (actor.user_id, actor.name.clone(), tx)
        }
        Invitee::Newcomer { name, password } => {
            if user_exists(db, &invitation.email).await? {
                return Err(Error::Conflict(ConflictReason::SignInToAccept));
            }
            let mut errors = FieldErrors::new();
            let name = errors.check("name", DisplayName::parse(name));
            let password = errors.check("password", NewPassword::parse(password));
            errors.into_result()?;
            let (Some(name), Some(password)) = (name, password) else {
                return Err(anyhow::anyhow!("validation passed with a missing value").into());
            };
            let user_id = Uuid::now_v7();
            let hash = passwords::hash(&password).await?;
            let mut tx = db.anonymous().await?;
            let inserted = sqlx::query(
                // The invitation reached this address (or its sender vouches
                // for it by handing over the link): confirmed.
                "INSERT INTO users (id, email, name, password_hash, email_confirmed_at)
                 VALUES ($1, $2, $3, $4, now())",
            )
            .bind(user_id)
            .bind(&invitation.email)
            .bind(name.as_str())
            .bind(hash)
            .execute(&mut *tx)
            .await;
            if let Err(err) = inserted {
                if is_unique_violation(&err, "users_email_key") {
                    return Err(Error::Conflict(ConflictReason::EmailTaken));
                }
                return Err(anyhow::Error::new(err).context("creating invitee").into());
            }
            (user_id, name.to_string(), tx)
        }
    };

    set_tenant(&mut tx, invitation.account_id, Some(user_id)).await?;
    auth::add_membership(&mut tx, invitation.account_id, user_id, invitation.role).await?;
    let accepted = sqlx::query(
        "UPDATE invitations SET accepted_at = now()
          WHERE account_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(invitation.account_id)
    .bind(invitation.id)
    .execute(&mut *tx)
    .await
    .context("marking invitation accepted")?;
    if accepted.rows_affected() == 0 {
        return Err(Error::LinkExpired);
    }
    let actor = Actor {
        user_id,
        account_id: invitation.account_id,
        role: invitation.role,
        name: user_name,
        email: invitation.email.clone(),
        ip: client.ip.clone(),
    };
    audit::record(
        &mut tx,
        &actor,
        AuditAction::InvitationAccepted,
        Some(Target::new("invitation", invitation.id)),
        json!({ "role": invitation.role }),
    )
    .await?;
    let session = sessions::start(
        &mut tx,
        user_id,
        invitation.account_id,
        client.ip.as_deref(),
        client.user_agent.as_deref(),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(SignedIn {
        session,
        user_id,
        account_id: invitation.account_id,
    })
}
