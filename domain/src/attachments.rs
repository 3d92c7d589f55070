//! Files attached to messages: stored under the data folder, typed by what
//! their bytes are (not what their name or the browser claims), served only
//! to those who may see them.

use anyhow::Context;
use shared::inbox::{AttachmentView, ContentType};
use shared::{ErrorCode, Permission};
use std::path::{Path, PathBuf};
use uuid::Uuid;

use crate::actor::Actor;
use crate::conversations;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::messages::url_segment;
use crate::secrets::{random_token, sha256};

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

    fn path_of(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }
}

/// Who uploads: an agent, or a customer through a channel.
#[derive(Clone, Copy, Debug)]
pub enum Uploader {
    Agent(Uuid),
    Contact(i64),
}

/// Types accepted, by the MIME type sniffed from the content. HTML, SVG,
/// scripts and executables are refused: served back, they could run.
const ALLOWED: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "audio/mpeg",
    "audio/ogg",
    "audio/x-wav",
    "audio/wav",
    "audio/aac",
    "audio/m4a",
    "audio/x-m4a",
    "audio/x-flac",
    "audio/webm",
    "audio/opus",
    "audio/amr",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "video/x-matroska",
    "video/3gpp",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/x-ole-storage",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/rtf",
    "text/plain",
];

/// The MIME type of `bytes`, judged from their content.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if let Some(kind) = infer::get(bytes) {
        return Some(kind.mime_type());
    }
    // Plain text: valid UTF-8, no NULs, and not markup a browser could render.
    let text = std::str::from_utf8(bytes).ok()?;
    let looks_like_markup = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<');
    (!text.contains('\0') && !looks_like_markup).then_some("text/plain")
}

/// The sniffed type if it is one we accept, else `None`.
pub fn accepted_type(bytes: &[u8]) -> Option<&'static str> {
    sniff(bytes).filter(|mime| ALLOWED.contains(mime))
}

pub fn content_type_of(mime: &str) -> ContentType {
    match mime.split('/').next() {
        Some("image") => ContentType::Image,
        Some("audio") => ContentType::Audio,
        Some("video") => ContentType::Video,
        _ => ContentType::File,
    }
}

/// A file name without paths or control characters, at most 200 chars.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// Stores an upload for `account_id`, checking the account's size limit and
/// the content's type. The file is linked to a message when one is sent.
pub async fn store(
    db: &Db,
    storage: &Storage,
    account_id: Uuid,
    uploader: Uploader,
    conversation_id: Option<i64>,
    file_name: &str,
    bytes: &[u8],
) -> Result<AttachmentView> {
    let mut tx = db
        .tenant(
            account_id,
            match uploader {
                Uploader::Agent(id) => Some(id),
                Uploader::Contact(_) => None,
            },
        )
        .await?;
    let limit_mb: i32 =
        sqlx::query_scalar("SELECT attachment_limit_mb FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await
            .context("reading the attachment limit")?;
    if bytes.len() as u64 > u64::from(limit_mb.unsigned_abs()) * 1024 * 1024 {
        return Err(Error::field("file", ErrorCode::FileTooLarge));
    }
    if bytes.is_empty() {
        return Err(Error::field("file", ErrorCode::Required));
    }
    let mime = sniff(bytes)
        .filter(|m| ALLOWED.contains(m))
        .ok_or_else(|| Error::field("file", ErrorCode::FileTypeNotAllowed))?;
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
    tokio::fs::write(&path, bytes)
        .await
        .with_context(|| format!("writing {}", path.display()))?;
    let (uploaded_by, uploaded_by_contact) = match uploader {
        Uploader::Agent(id) => (Some(id), None),
        Uploader::Contact(id) => (None, Some(id)),
    };
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO attachments (account_id, conversation_id, storage_key, file_name, content_type, size_bytes, sha256,
                                  uploaded_by, uploaded_by_contact)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(account_id)
    .bind(conversation_id)
    .bind(&key)
    .bind(&file_name)
    .bind(mime)
    .bind(bytes.len() as i64)
    .bind(sha256(bytes).to_vec())
    .bind(uploaded_by)
    .bind(uploaded_by_contact)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(err) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(anyhow::Error::new(err)
                .context("recording attachment")
                .into());
        }
    };
    tx.commit().await.context("commit")?;
    Ok(AttachmentView {
        id,
        url: format!("/attachments/{id}/{}", url_segment(&file_name)),
        file_name,
        content_type: mime.to_string(),
        size_bytes: bytes.len() as i64,
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
    fn types_come_from_the_bytes() {
        let png = [
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R',
        ];
        assert_eq!(accepted_type(&png), Some("image/png"));
        assert_eq!(accepted_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            accepted_type("olá, tudo bem?".as_bytes()),
            Some("text/plain")
        );
    }

    #[test]
    fn markup_binaries_and_executables_are_refused() {
        assert_eq!(accepted_type(b"<html><script>alert(1)</script>"), None);
        assert_eq!(accepted_type(b"  <svg onload=alert(1)>"), None);
        assert_eq!(accepted_type(&[0xff, 0x00, 0xfe, 0x01]), None);
        let mut elf = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
        elf.resize(128, 0);
        assert_eq!(accepted_type(&elf), None);
        let mut exe = b"MZ".to_vec();
        exe.resize(128, 0);
        assert_eq!(accepted_type(&exe), None);
    }

    #[test]
    fn file_names_lose_their_paths() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\ana\\foto.png"), "foto.png");
        assert_eq!(clean_file_name(".bashrc"), "bashrc");
        assert_eq!(clean_file_name("  "), "file");
    }
}
