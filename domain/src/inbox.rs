//! The agent's workspace: what the inbox needs besides the list itself, and
//! who is online.

use anyhow::Context;
use shared::inbox::{AgentOption, Availability, InboxContext};
use uuid::Uuid;

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::{channels, departments, quick_replies};

/// A member counts as online while a server instance has seen a live
/// connection of theirs within this window (instances refresh every 20 s).
pub const ONLINE_WINDOW_SECS: i32 = 60;

/// Departments, the connections the actor sees, assignable agents, tags
/// and quick replies, in one transaction.
pub async fn context(db: &Db, actor: &Actor) -> Result<InboxContext> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let departments = departments::options_in(&mut tx).await?;
    let reach = crate::access::scope_in(&mut tx, actor).await?.channels;
    let mut channels = channels::list_in(&mut tx).await?;
    channels.retain(|c| reach.contains(c.id));
    let agents = agents_in(&mut tx).await?;
    let tags: Vec<String> = sqlx::query_scalar("SELECT name FROM tags ORDER BY name LIMIT 500")
        .fetch_all(&mut *tx)
        .await
        .context("listing tags")?;
    let quick_replies = quick_replies::list_in(&mut tx, actor).await?;
    let (limit, surveys): (i32, bool) = sqlx::query_as(
        "SELECT attachment_limit_mb, satisfaction_survey FROM accounts WHERE id = $1",
    )
    .bind(actor.account_id)
    .fetch_one(&mut *tx)
    .await
    .context("reading attachment limit")?;
    let categories = crate::categories::setup_in(&mut tx, actor.account_id).await?;
    tx.commit().await.context("commit")?;
    Ok(InboxContext {
        departments,
        channels,
        agents,
        tags,
        quick_replies,
        attachment_limit_mb: limit.unsigned_abs(),
        categories,
        survey_skippable: surveys && actor.can(shared::Permission::ResolveWithoutSurvey),
    })
}

/// Active members who can take conversations (not auditors), with presence.
async fn agents_in(tx: &mut Tx) -> anyhow::Result<Vec<AgentOption>> {
    let rows: Vec<(Uuid, String, bool, Availability, Vec<i64>)> = sqlx::query_as(
        "SELECT u.id, u.name,
                COALESCE(m.last_seen_at > now() - make_interval(secs => $1), false), m.availability,
                COALESCE((SELECT array_agg(dm.department_id) FROM department_members dm WHERE dm.user_id = u.id), '{}')
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.active AND m.role <> 'auditor'
          ORDER BY lower(u.name)",
    )
    .bind(f64::from(ONLINE_WINDOW_SECS))
    .fetch_all(&mut **tx)
    .await
    .context("listing agents")?;
    Ok(rows
        .into_iter()
        .map(
            |(user_id, name, online, availability, department_ids)| AgentOption {
                user_id,
                name,
                online,
                availability,
                department_ids,
            },
        )
        .collect())
}

/// The actor's own availability.
pub async fn availability(db: &Db, actor: &Actor) -> Result<Availability> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let availability = sqlx::query_scalar(
        "SELECT availability FROM memberships WHERE account_id = $1 AND user_id = $2",
    )
    .bind(actor.account_id)
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await
    .context("reading availability")?;
    tx.commit().await.context("commit")?;
    Ok(availability)
}

/// The actor says they are available, away or offline; everyone's inbox
/// shows it at once.
pub async fn set_availability(db: &Db, actor: &Actor, availability: Availability) -> Result<()> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    sqlx::query("UPDATE memberships SET availability = $3 WHERE account_id = $1 AND user_id = $2")
        .bind(actor.account_id)
        .bind(actor.user_id)
        .bind(availability)
        .execute(&mut *tx)
        .await
        .context("saving availability")?;
    crate::activity::availability_changed(&mut tx, actor.account_id, actor.user_id, availability)
        .await?;
    crate::realtime::publish(
        &mut tx,
        actor.account_id,
        crate::realtime::Signal::AvailabilityChanged {
            user_id: actor.user_id,
            availability,
        },
    )
    .await?;
    // Back online: the queue may have waited for them.
    crate::service_desk::wake_distribution(&mut tx).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Records that these members have live connections (called by each server
/// instance every few seconds for the sockets it holds).
pub async fn touch_presence(db: &Db, account_id: Uuid, user_ids: &[Uuid]) -> Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    sqlx::query(
        "UPDATE memberships SET last_seen_at = now() WHERE account_id = $1 AND user_id = ANY($2)",
    )
    .bind(account_id)
    .bind(user_ids)
    .execute(&mut *tx)
    .await
    .context("recording presence")?;
    tx.commit().await.context("commit")?;
    Ok(())
}
