//! Quick replies (canned responses), typed as `/shortcut` in the composer.
//! Shared ones belong to the account; agents also keep their own.

use anyhow::Context;
use shared::inbox::QuickReply;
use shared::{ErrorCode, FieldErrors, Permission};

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{is_unique_violation, Error, Result};

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<QuickReply>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let replies = list_in(&mut tx, actor).await?;
    tx.commit().await.context("commit")?;
    Ok(replies)
}

/// The account's shared replies and the actor's own, by shortcut.
pub(crate) async fn list_in(tx: &mut Tx, actor: &Actor) -> anyhow::Result<Vec<QuickReply>> {
    let rows: Vec<(i64, String, String, bool)> = sqlx::query_as(
        "SELECT id, shortcut, content, owner_id IS NULL FROM quick_replies
          WHERE owner_id IS NULL OR owner_id = $1 ORDER BY shortcut, owner_id NULLS LAST",
    )
    .bind(actor.user_id)
    .fetch_all(&mut **tx)
    .await
    .context("listing quick replies")?;
    Ok(rows
        .into_iter()
        .map(|(id, shortcut, content, shared)| QuickReply {
            id,
            shortcut,
            content,
            shared,
        })
        .collect())
}

/// A shortcut as typed, made into one: "Pix Info" → `pix-info`, "/Olá" →
/// `ola` (spaces become dashes, accents and case go).
pub fn parse_shortcut(input: &str) -> std::result::Result<String, ErrorCode> {
    let shortcut = shared::text::fold(input.trim().trim_start_matches('/'))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-");
    if shortcut.is_empty() {
        return Err(ErrorCode::Required);
    }
    let valid = shortcut.len() <= 40
        && shortcut
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && shortcut
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if valid {
        Ok(shortcut)
    } else {
        Err(ErrorCode::InvalidCharacters)
    }
}

fn validate(shortcut: &str, content: &str) -> Result<(String, String)> {
    let mut errors = FieldErrors::new();
    let shortcut = errors.check("shortcut", parse_shortcut(shortcut));
    let content = content.trim().to_string();
    if content.is_empty() {
        errors.add("content", ErrorCode::Required);
    } else if content.chars().count() > 5000 {
        errors.add("content", ErrorCode::TooLong);
    }
    errors.into_result()?;
    Ok((shortcut.unwrap_or_default(), content))
}

/// Creates a reply: shared (needs the permission) or the actor's own.
pub async fn create(
    db: &Db,
    actor: &Actor,
    shortcut: &str,
    content: &str,
    shared: bool,
) -> Result<QuickReply> {
    if shared {
        actor.require(Permission::ManageAccountQuickReplies)?;
    }
    let (shortcut, content) = validate(shortcut, content)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO quick_replies (account_id, owner_id, shortcut, content) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(actor.account_id)
    .bind((!shared).then_some(actor.user_id))
    .bind(&shortcut)
    .bind(&content)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(err) if is_unique_violation(&err, "quick_replies_shortcut_idx") => {
            return Err(Error::field("shortcut", ErrorCode::NameTaken))
        }
        Err(err) => {
            return Err(anyhow::Error::new(err)
                .context("creating quick reply")
                .into())
        }
    };
    tx.commit().await.context("commit")?;
    Ok(QuickReply {
        id,
        shortcut,
        content,
        shared,
    })
}

/// Who may change a reply: its owner, or for shared ones the permission.
async fn lock_editable(tx: &mut Tx, actor: &Actor, id: i64) -> Result<bool> {
    let owner: Option<Option<uuid::Uuid>> = sqlx::query_scalar(
        "SELECT owner_id FROM quick_replies WHERE account_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(actor.account_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading quick reply")?;
    match owner {
        None => Err(Error::NotFound),
        Some(None) if actor.can(Permission::ManageAccountQuickReplies) => Ok(true),
        Some(None) => Err(Error::Forbidden),
        Some(Some(owner)) if owner == actor.user_id => Ok(false),
        Some(Some(_)) => Err(Error::NotFound),
    }
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    shortcut: &str,
    content: &str,
) -> Result<QuickReply> {
    let (shortcut, content) = validate(shortcut, content)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let shared = lock_editable(&mut tx, actor, id).await?;
    let updated = sqlx::query(
        "UPDATE quick_replies SET shortcut = $2, content = $3, updated_at = now()
          WHERE account_id = $4 AND id = $1",
    )
    .bind(id)
    .bind(&shortcut)
    .bind(&content)
    .bind(actor.account_id)
    .execute(&mut *tx)
    .await;
    match updated {
        Ok(_) => {}
        Err(err) if is_unique_violation(&err, "quick_replies_shortcut_idx") => {
            return Err(Error::field("shortcut", ErrorCode::NameTaken))
        }
        Err(err) => {
            return Err(anyhow::Error::new(err)
                .context("updating quick reply")
                .into())
        }
    }
    tx.commit().await.context("commit")?;
    Ok(QuickReply {
        id,
        shortcut,
        content,
        shared,
    })
}

pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    lock_editable(&mut tx, actor, id).await?;
    sqlx::query("DELETE FROM quick_replies WHERE account_id = $1 AND id = $2")
        .bind(actor.account_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("removing quick reply")?;
    tx.commit().await.context("commit")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_lowercase_words() {
        assert_eq!(parse_shortcut("/Ola").unwrap(), "ola");
        assert_eq!(parse_shortcut("bom-dia_2").unwrap(), "bom-dia_2");
        assert_eq!(parse_shortcut("/"), Err(ErrorCode::Required));
        assert_eq!(parse_shortcut("Pix Info").unwrap(), "pix-info");
        assert_eq!(parse_shortcut("  com   espaço ").unwrap(), "com-espaco");
        assert_eq!(parse_shortcut("preço!"), Err(ErrorCode::InvalidCharacters));
        assert_eq!(parse_shortcut("-x"), Err(ErrorCode::InvalidCharacters));
    }
}
