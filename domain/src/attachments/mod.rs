//! Files attached to messages: stored under the data folder, typed by what
//! their bytes are (not what their name or the browser claims), served only
//! to those who may see them.

pub mod links;
mod receive;
mod sniff;

use anyhow::Context;
use shared::inbox::{AttachmentView, ContentType};
use shared::{ErrorCode, Permission};
use std::path::{Path, PathBuf};
use std::time::Duration;
use uuid::Uuid;

use crate::actor::Actor;
use crate::conversations;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::messages::url_segment;
use crate::secrets::random_token;
pub use receive::IncomingFile;
pub use sniff::{accepted_type, clean_file_name, content_type_of, sniff, HEAD_BYTES};

/// Uploads not sent with a message within this long are removed.
pub const PENDING_UPLOAD_TTL: Duration = Duration::from_secs(24 * 3600);

/// Where attachment files live: `<data dir>/attachments/<account>/<yyyy-mm>/<random>`.
#[derive(Clone, Debug)]
pub struct Storage {
    root: PathBuf,
}

impl Storage {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("attachments"),
        }
    }

    pub(crate) fn path_of(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    /// Starts receiving an upload of at most `limit_bytes`.
    pub async fn receive(&self, limit_bytes: u64) -> Result<IncomingFile> {
        IncomingFile::create(&self.root.join(receive::INCOMING_DIR), limit_bytes).await
    }

    /// Removes partial uploads left behind by a crash.
    pub async fn remove_abandoned_incoming(&self, older_than: Duration) -> anyhow::Result<usize> {
        let dir = self.root.join(receive::INCOMING_DIR);
        let mut entries = match tokio::fs::read_dir(&dir).await {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(err).with_context(|| format!("reading {}", dir.display())),
        };
        let mut removed = 0;
        while let Some(entry) = entries.next_entry().await.context("listing uploads")? {
            let old = entry
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|at| at.elapsed().ok())
                .is_some_and(|age| age > older_than);
            if old && tokio::fs::remove_file(entry.path()).await.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    async fn remove(&self, key: &str) {
        let path = self.path_of(key);
        if let Err(err) = tokio::fs::remove_file(&path).await {
            if err.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %path.display(), error = %err, "could not remove an attachment file");
            }
        }
    }
}

/// The largest upload the account accepts, in bytes.
pub async fn limit_bytes(db: &Db, account_id: Uuid) -> Result<u64> {
    let mut tx = db.tenant(account_id, None).await?;
    let limit_mb: i32 =
        sqlx::query_scalar("SELECT attachment_limit_mb FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await
            .context("reading the attachment limit")?;
    tx.commit().await.context("commit")?;
    Ok(u64::from(limit_mb.unsigned_abs()) * 1024 * 1024)
}

/// Deletes uploads never sent with a message (across accounts), and their
/// files. Safe to run on every instance at once.
pub async fn remove_stale_uploads(db: &Db, storage: &Storage) -> Result<usize> {
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT * FROM take_stale_uploads(make_interval(secs => $1), 500)")
            .bind(PENDING_UPLOAD_TTL.as_secs_f64())
            .fetch_all(db.pool())
            .await
            .context("removing stale uploads")?;
    for key in &keys {
        storage.remove(key).await;
    }
    Ok(keys.len())
}

/// Who uploads: an agent, a customer through a channel, or Ponte itself
/// (a file a flow sends, fetched from its URL).
#[derive(Clone, Copy, Debug)]
pub enum Uploader {
    Agent(Uuid),
    Contact(i64),
    Automation,
}

/// Stores a received upload for `account_id`, checking the content's type.
/// The file is linked to a conversation when a message is sent with it.
pub async fn store(
    db: &Db,
    storage: &Storage,
    account_id: Uuid,
    uploader: Uploader,
    file_name: &str,
    mut incoming: IncomingFile,
) -> Result<AttachmentView> {
    if incoming.size() == 0 {
        return Err(Error::field("file", ErrorCode::Required));
    }
    let mime = accepted_type(incoming.head())
        .ok_or_else(|| Error::field("file", ErrorCode::FileTypeNotAllowed))?;
    let (temp_path, size, digest) = incoming.finish().await?;
    let file_name = clean_file_name(file_name);
    let key = format!(
        "{account_id}/{}/{}",
        chrono::Utc::now().format("%Y-%m"),
        random_token()
    );
    let path = storage.path_of(&key);
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    tokio::fs::rename(&temp_path, &path)
        .await
        .with_context(|| format!("moving the upload to {}", path.display()))?;
    let (uploaded_by, uploaded_by_contact) = match uploader {
        Uploader::Agent(id) => (Some(id), None),
        Uploader::Contact(id) => (None, Some(id)),
        Uploader::Automation => (None, None),
    };
    let recorded = async {
        let mut tx = db.tenant(account_id, uploaded_by).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachments (account_id, storage_key, file_name, content_type, size_bytes, sha256,
                                      uploaded_by, uploaded_by_contact)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(account_id)
        .bind(&key)
        .bind(&file_name)
        .bind(mime)
        .bind(size as i64)
        .bind(&digest)
        .bind(uploaded_by)
        .bind(uploaded_by_contact)
        .fetch_one(&mut *tx)
        .await
        .context("recording attachment")?;
        tx.commit().await.context("commit")?;
        anyhow::Ok(id)
    }
    .await;
    let id = match recorded {
        Ok(id) => id,
        Err(err) => {
            storage.remove(&key).await;
            return Err(err.into());
        }
    };
    Ok(AttachmentView {
        id,
        url: format!("/attachments/{id}/{}", url_segment(&file_name)),
        file_name,
        content_type: mime.to_string(),
        size_bytes: size as i64,
    })
}

/// A stored file, ready to stream.
#[derive(Debug)]
pub struct StoredFile {
    pub path: PathBuf,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

impl StoredFile {
    /// Images, audio and video display in the page; everything else downloads.
    pub fn inline(&self) -> bool {
        matches!(
            content_type_of(&self.content_type),
            ContentType::Image | ContentType::Audio | ContentType::Video
        )
    }
}

#[derive(sqlx::FromRow)]
struct FileRow {
    storage_key: String,
    file_name: String,
    content_type: String,
    size_bytes: i64,
    conversation_id: Option<i64>,
    number: Option<i64>,
    uploaded_by: Option<Uuid>,
    uploaded_by_contact: Option<i64>,
}

async fn file_row(
    db: &Db,
    account_id: Uuid,
    user: Option<Uuid>,
    attachment_id: i64,
) -> Result<FileRow> {
    let mut tx = db.tenant(account_id, user).await?;
    let row: Option<FileRow> = sqlx::query_as(
        "SELECT a.storage_key, a.file_name, a.content_type, a.size_bytes, a.conversation_id, c.number,
                a.uploaded_by, a.uploaded_by_contact
           FROM attachments a LEFT JOIN conversations c ON c.id = a.conversation_id
          WHERE a.id = $1",
    )
    .bind(attachment_id)
    .fetch_optional(&mut *tx)
    .await
    .context("reading attachment")?;
    tx.commit().await.context("commit")?;
    row.ok_or(Error::NotFound)
}

/// An attachment for an agent: of a conversation they may see, or their own
/// upload not sent yet. A deleted message's file needs "see deleted".
pub async fn open_for_agent(
    db: &Db,
    storage: &Storage,
    actor: &Actor,
    attachment_id: i64,
) -> Result<StoredFile> {
    let row = file_row(db, actor.account_id, Some(actor.user_id), attachment_id).await?;
    match row.number {
        Some(number) => {
            conversations::get(db, actor, number).await?;
            let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
            let only_deleted: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM messages WHERE attachment_id = $1)
                    AND NOT EXISTS (SELECT 1 FROM messages WHERE attachment_id = $1 AND deleted_at IS NULL)",
            )
            .bind(attachment_id)
            .fetch_one(&mut *tx)
            .await
            .context("checking deletion")?;
            tx.commit().await.context("commit")?;
            if only_deleted && !actor.can(Permission::SeeDeletedMessages) {
                return Err(Error::NotFound);
            }
        }
        None if row.uploaded_by == Some(actor.user_id) => {}
        None => return Err(Error::NotFound),
    }
    Ok(stored(storage, row))
}

/// An attachment for a website visitor: only from their own conversation
/// (or their own pending upload), and never from a deleted message.
pub async fn open_for_contact(
    db: &Db,
    storage: &Storage,
    account_id: Uuid,
    contact_id: i64,
    attachment_id: i64,
) -> Result<StoredFile> {
    let row = file_row(db, account_id, None, attachment_id).await?;
    let mut tx = db.tenant(account_id, None).await?;
    let allowed: bool = match row.conversation_id {
        Some(conversation_id) => sqlx::query_scalar(
            "SELECT EXISTS (
                SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.attachment_id = $1 AND m.conversation_id = $2 AND c.contact_id = $3
                   AND m.kind IN ('incoming', 'outgoing') AND m.deleted_at IS NULL)",
        )
        .bind(attachment_id)
        .bind(conversation_id)
        .bind(contact_id)
        .fetch_one(&mut *tx)
        .await
        .context("checking visitor access")?,
        None => row.uploaded_by_contact == Some(contact_id),
    };
    tx.commit().await.context("commit")?;
    if !allowed {
        return Err(Error::NotFound);
    }
    Ok(stored(storage, row))
}

fn stored(storage: &Storage, row: FileRow) -> StoredFile {
    StoredFile {
        path: storage.path_of(&row.storage_key),
        file_name: row.file_name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_paths() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\ana\\foto.png"), "foto.png");
        assert_eq!(clean_file_name(".bashrc"), "bashrc");
        assert_eq!(clean_file_name("  "), "file");
    }
}
