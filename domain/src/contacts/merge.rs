//! Merging two contacts who are one person (the same customer on WhatsApp
//! and on the website, say): identities, conversations, notes and files
//! move to the one kept; empty fields are filled from the other, which
//! stays only as a pointer and leaves searches.

use anyhow::Context;
use serde_json::json;
use shared::audit::AuditAction;
use shared::inbox::ContactView;
use shared::{ErrorCode, Permission};

use super::{ensure_visible, ContactRow, CONTACT_COLUMNS};
use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::realtime::{self, Signal};

pub async fn merge(db: &Db, actor: &Actor, keep: i64, other: i64) -> Result<ContactView> {
    actor.require(Permission::EditContacts)?;
    if keep == other {
        return Err(Error::field("other_id", ErrorCode::InvalidValue));
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    ensure_visible(&mut tx, actor, keep).await?;
    ensure_visible(&mut tx, actor, other).await?;
    // Both rows locked, in id order (no deadlock with a merge the other way).
    let merged_already: Vec<(i64, Option<i64>, String)> = sqlx::query_as(
        "SELECT id, merged_into, name FROM contacts WHERE account_id = $1 AND id IN ($2, $3)
          ORDER BY id FOR UPDATE",
    )
    .bind(actor.account_id)
    .bind(keep)
    .bind(other)
    .fetch_all(&mut *tx)
    .await
    .context("locking the contacts")?;
    if merged_already.len() != 2 || merged_already.iter().any(|(_, into, _)| into.is_some()) {
        return Err(Error::NotFound);
    }
    // Each keeps its own address on a channel they share: replies and the
    // widget would not know whose conversation is whose.
    let share_a_channel: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM contact_identities k JOIN contact_identities o ON o.channel_id = k.channel_id
                         WHERE k.account_id = $1 AND k.contact_id = $2 AND o.account_id = $1 AND o.contact_id = $3)",
    )
    .bind(actor.account_id)
    .bind(keep)
    .bind(other)
    .fetch_one(&mut *tx)
    .await
    .context("comparing the contacts' channels")?;
    if share_a_channel {
        return Err(Error::field("other_id", ErrorCode::ContactsShareAChannel));
    }
    let other_name = merged_already
        .iter()
        .find(|(id, _, _)| *id == other)
        .map(|(_, _, name)| name.clone())
        .unwrap_or_default();
    // Open widgets know their visitor by contact: they follow the move.
    let moved_identities: Vec<(i64, String)> = sqlx::query_as(
        "UPDATE contact_identities SET contact_id = $2 WHERE account_id = $1 AND contact_id = $3
         RETURNING channel_id, external_id",
    )
    .bind(actor.account_id)
    .bind(keep)
    .bind(other)
    .fetch_all(&mut *tx)
    .await
    .context("moving the identities")?;
    for (channel_id, external_id) in moved_identities {
        realtime::publish(
            &mut tx,
            actor.account_id,
            Signal::ContactIdentified {
                channel_id,
                external_id,
                contact_id: keep,
            },
        )
        .await?;
    }
    for sql in [
        "UPDATE contact_notes SET contact_id = $2 WHERE account_id = $1 AND contact_id = $3",
        "UPDATE attachments SET uploaded_by_contact = $2 WHERE account_id = $1 AND uploaded_by_contact = $3",
        "UPDATE media_downloads SET contact_id = $2 WHERE account_id = $1 AND contact_id = $3",
        // What the kept contact lacks, the other fills; what it has, it keeps.
        "UPDATE contacts k SET
                name = CASE WHEN k.name = '' THEN o.name ELSE k.name END,
                phone = COALESCE(k.phone, o.phone), email = COALESCE(k.email, o.email),
                avatar_url = COALESCE(k.avatar_url, o.avatar_url),
                attributes = o.attributes || k.attributes,
                tags = ARRAY(SELECT DISTINCT unnest(k.tags || o.tags) ORDER BY 1),
                is_lead = k.is_lead AND o.is_lead, updated_at = now()
           FROM contacts o
          WHERE k.account_id = $1 AND k.id = $2 AND o.account_id = $1 AND o.id = $3",
        "UPDATE contacts SET merged_into = $2, phone = NULL, email = NULL, updated_at = now()
          WHERE account_id = $1 AND id = $3",
    ] {
        sqlx::query(sql)
            .bind(actor.account_id)
            .bind(keep)
            .bind(other)
            .execute(&mut *tx)
            .await
            .context("merging contacts")?;
    }
    let moved: Vec<i64> = sqlx::query_scalar(
        "UPDATE conversations SET contact_id = $2, updated_at = now()
          WHERE account_id = $1 AND contact_id = $3 RETURNING id",
    )
    .bind(actor.account_id)
    .bind(keep)
    .bind(other)
    .fetch_all(&mut *tx)
    .await
    .context("moving conversations")?;
    for conversation_id in moved.iter().copied() {
        realtime::publish(
            &mut tx,
            actor.account_id,
            Signal::ConversationChanged { conversation_id },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::ContactsMerged,
        Some(Target::new("contact", keep)),
        json!({ "merged": other, "merged_name": other_name, "conversations": moved.len() }),
    )
    .await?;
    let row: ContactRow = sqlx::query_as(&format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_id = $1 AND id = $2"
    ))
    .bind(actor.account_id)
    .bind(keep)
    .fetch_one(&mut *tx)
    .await
    .context("reading the merged contact")?;
    tx.commit().await.context("commit")?;
    Ok(row.into())
}
