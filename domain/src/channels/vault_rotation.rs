//! Retiring an old `PONTE_SECRET_KEY`: every value sealed with an earlier
//! key is opened and sealed again with the current one, so the old key can
//! leave `PONTE_OLD_SECRET_KEYS`. Run by `ponte reseal-secrets` as the
//! schema owner (every account's rows), one transaction per column.

use anyhow::Context;
use sqlx::PgPool;

use super::vault::{Sealed, Vault};

/// A sealed column and how its rows' contexts are written (each value is
/// bound to its row: the context is part of what the key authenticates).
pub struct SealedColumn {
    pub table: &'static str,
    pub bytes: &'static str,
    pub key_id: &'static str,
    /// A SQL expression over the row giving its context.
    pub context: &'static str,
}

/// Every sealed column, next to the module that seals it.
const SEALED: [SealedColumn; 5] = [
    // channels::connections: a connection's credentials.
    SealedColumn {
        table: "channels",
        bytes: "credentials",
        key_id: "credentials_key_id",
        context: "public_token",
    },
    // ai::providers: an AI provider's API key.
    SealedColumn {
        table: "ai_providers",
        bytes: "api_key",
        key_id: "api_key_key_id",
        context: "'ai-provider:' || id",
    },
    // rules: a rule's webhook signing secret.
    SealedColumn {
        table: "rules",
        bytes: "signing_secret",
        key_id: "signing_secret_key_id",
        context: "'rule:' || id",
    },
    // mail::accounts: an SMTP server's password.
    SealedColumn {
        table: "smtp_accounts",
        bytes: "password",
        key_id: "password_key_id",
        context: "'smtp_account_password'",
    },
    // mail: queued mail's content.
    SealedColumn {
        table: "outgoing_mail",
        bytes: "content",
        key_id: "content_key_id",
        context: "'outgoing_mail'",
    },
];

/// How many values of each table were sealed again.
pub async fn reseal_all(owner: &PgPool, vault: &Vault) -> anyhow::Result<Vec<(&'static str, u64)>> {
    let mut resealed = Vec::new();
    for column in &SEALED {
        resealed.push((column.table, reseal(owner, vault, column).await?));
    }
    Ok(resealed)
}

async fn reseal(owner: &PgPool, vault: &Vault, column: &SealedColumn) -> anyhow::Result<u64> {
    let SealedColumn {
        table,
        bytes,
        key_id,
        context,
    } = column;
    let mut tx = owner.begin().await.context("begin")?;
    let stale: Vec<(i64, String, Vec<u8>, String)> = sqlx::query_as(&format!(
        "SELECT id, {context}, {bytes}, {key_id} FROM {table}
          WHERE {bytes} IS NOT NULL AND {key_id} IS DISTINCT FROM $1 FOR UPDATE"
    ))
    .bind(vault.current_key_id())
    .fetch_all(&mut *tx)
    .await
    .with_context(|| format!("reading {table}.{bytes}"))?;
    for (id, row_context, sealed_bytes, sealed_key_id) in &stale {
        let sealed = Sealed {
            key_id: sealed_key_id.clone(),
            bytes: sealed_bytes.clone(),
        };
        let plain = vault
            .open(row_context, &sealed)
            .with_context(|| format!("opening {table} {id}"))?;
        let fresh = vault.seal(row_context, &plain)?;
        sqlx::query(&format!(
            "UPDATE {table} SET {bytes} = $2, {key_id} = $3 WHERE id = $1"
        ))
        .bind(id)
        .bind(&fresh.bytes)
        .bind(&fresh.key_id)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("sealing {table} {id} again"))?;
    }
    tx.commit().await.context("commit")?;
    Ok(stale.len() as u64)
}
