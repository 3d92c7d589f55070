//! Receiving an upload: streamed to a temporary file as it arrives, hashed
//! on the way, its first bytes kept for sniffing, and refused the moment it
//! passes the account's size limit — a large body never sits in memory.

use anyhow::Context;
use sha2::{Digest, Sha256};
use shared::ErrorCode;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

use super::sniff::HEAD_BYTES;
use crate::error::{Error, Result};
use crate::secrets::random_token;

/// Where uploads are written while they arrive (under the attachments root).
pub(super) const INCOMING_DIR: &str = "incoming";

/// An upload being received. Dropped without being stored, its temporary
/// file is removed.
pub struct IncomingFile {
    path: PathBuf,
    file: Option<tokio::fs::File>,
    hasher: Sha256,
    head: Vec<u8>,
    size: u64,
    limit: u64,
}

impl IncomingFile {
    pub(super) async fn create(dir: &Path, limit: u64) -> Result<Self> {
        tokio::fs::create_dir_all(dir)
            .await
            .with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(random_token());
        let file = tokio::fs::File::create(&path)
            .await
            .with_context(|| format!("creating {}", path.display()))?;
        Ok(Self {
            path,
            file: Some(file),
            hasher: Sha256::new(),
            head: Vec::with_capacity(HEAD_BYTES),
            size: 0,
            limit,
        })
    }

    /// Appends a chunk; `FileTooLarge` as soon as the limit is passed.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(Error::field("file", ErrorCode::FileTooLarge));
        }
        let room = HEAD_BYTES.saturating_sub(self.head.len());
        self.head.extend_from_slice(&chunk[..room.min(chunk.len())]);
        self.hasher.update(chunk);
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("upload already finished"))?;
        file.write_all(chunk)
            .await
            .with_context(|| format!("writing {}", self.path.display()))?;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub(super) fn head(&self) -> &[u8] {
        &self.head
    }

    /// Flushes and closes the file: its path, size and SHA-256.
    pub(super) async fn finish(&mut self) -> Result<(PathBuf, u64, Vec<u8>)> {
        if let Some(mut file) = self.file.take() {
            file.flush()
                .await
                .with_context(|| format!("flushing {}", self.path.display()))?;
        }
        let digest = std::mem::take(&mut self.hasher).finalize().to_vec();
        Ok((self.path.clone(), self.size, digest))
    }
}

impl Drop for IncomingFile {
    fn drop(&mut self) {
        // Stored files were moved away; anything left here is abandoned.
        let _ = std::fs::remove_file(&self.path);
    }
}
