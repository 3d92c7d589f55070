//! Public links to an agent's file, for providers that fetch what we send by
//! URL (WhatsApp Cloud's `link`, Twilio's `MediaUrl`, Z-API, Messenger):
//! signed with the server key and expiring, so a link is good for that
//! file only, and only for a day.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{stored, FileRow, Storage, StoredFile};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::messages::url_segment;
use crate::secrets::{base64url, from_base64url, SecretKey};

/// Providers fetch a file within minutes; a day covers their retries.
pub const LINK_LIFETIME_HOURS: i64 = 24;
const PURPOSE: &str = "outbound media link";

fn signed_part(account_id: Uuid, attachment_id: i64, expires: i64) -> String {
    format!("{account_id}.{attachment_id}.{expires}")
}

/// `/media/{account}/{attachment}/{expires}/{signature}/{file name}`.
pub fn link_path(
    key: &SecretKey,
    account_id: Uuid,
    attachment_id: i64,
    file_name: &str,
    now: DateTime<Utc>,
) -> String {
    let expires = now.timestamp() + LINK_LIFETIME_HOURS * 3600;
    let signature = base64url(&key.sign(
        PURPOSE,
        signed_part(account_id, attachment_id, expires).as_bytes(),
    ));
    format!(
        "/media/{account_id}/{attachment_id}/{expires}/{signature}/{}",
        url_segment(file_name)
    )
}

/// Whether a link's parts are ours and not expired (before any database work).
pub fn link_is_valid(
    key: &SecretKey,
    account_id: Uuid,
    attachment_id: i64,
    expires: i64,
    signature: &str,
    now: DateTime<Utc>,
) -> bool {
    let Some(signature) = from_base64url(signature) else {
        return false;
    };
    expires >= now.timestamp()
        && key.verify(
            PURPOSE,
            signed_part(account_id, attachment_id, expires).as_bytes(),
            &signature,
        )
}

/// The file behind a valid link: one an agent sent in a reply that was not
/// deleted since.
pub async fn open_by_link(
    db: &Db,
    storage: &Storage,
    account_id: Uuid,
    attachment_id: i64,
) -> Result<StoredFile> {
    let mut tx = db.tenant(account_id, None).await?;
    let row: Option<FileRow> = sqlx::query_as(
        "SELECT a.storage_key, a.file_name, a.content_type, a.size_bytes, a.conversation_id, NULL::bigint AS number,
                a.uploaded_by, a.uploaded_by_contact
           FROM attachments a
          WHERE a.account_id = $1 AND a.id = $2
            AND EXISTS (SELECT 1 FROM messages m WHERE m.account_id = $1 AND m.attachment_id = a.id
                           AND m.kind = 'outgoing' AND m.deleted_at IS NULL)",
    )
    .bind(account_id)
    .bind(attachment_id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading a linked attachment")?;
    tx.commit().await.context("commit")?;
    Ok(stored(storage, row.ok_or(Error::NotFound)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_one_file_and_expire() {
        let key = SecretKey::generate();
        let account = Uuid::new_v4();
        let now = Utc::now();
        let path = link_path(&key, account, 7, "foto da loja.png", now);
        let parts: Vec<&str> = path.split('/').collect();
        assert_eq!(parts[1], "media");
        let expires: i64 = parts[4].parse().unwrap();
        let signature = parts[5];
        assert!(parts[6].starts_with("foto"));
        assert!(link_is_valid(&key, account, 7, expires, signature, now));
        assert!(
            !link_is_valid(&key, account, 8, expires, signature, now),
            "another file"
        );
        assert!(
            !link_is_valid(&key, Uuid::new_v4(), 7, expires, signature, now),
            "another account"
        );
        assert!(
            !link_is_valid(&key, account, 7, expires + 1, signature, now),
            "a longer life"
        );
        let later = now + chrono::Duration::hours(LINK_LIFETIME_HOURS + 1);
        assert!(
            !link_is_valid(&key, account, 7, expires, signature, later),
            "expired"
        );
        assert!(
            !link_is_valid(&SecretKey::generate(), account, 7, expires, signature, now),
            "another key"
        );
        assert!(!link_is_valid(
            &key,
            account,
            7,
            expires,
            "not base64!",
            now
        ));
    }
}
