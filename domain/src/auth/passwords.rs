//! argon2id password hashing, off the async executor and capped: each hash
//! costs 19 MiB and tens of milliseconds of a core, so at most one per core
//! runs at a time, a bounded queue waits, and beyond it callers are told to
//! come back (a flood of sign-ins cannot exhaust memory or starve requests).

use anyhow::Context;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use shared::values::NewPassword;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::LazyLock;
use std::time::Duration;
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

/// Hashes waiting beyond this many are refused at once.
const MAX_WAITING: usize = 64;
/// A hash that waited this long is refused rather than left hanging.
const MAX_WAIT: Duration = Duration::from_secs(10);

static RUNNING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Runs argon2 work on the blocking pool once a slot is free.
async fn run_capped<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T> {
    let busy = || Error::Busy {
        retry_after_secs: 5,
    };
    if WAITING.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        return Err(busy());
    }
    let permit = tokio::time::timeout(MAX_WAIT, RUNNING.acquire()).await;
    WAITING.fetch_sub(1, Ordering::SeqCst);
    let _permit = match permit {
        Ok(Ok(permit)) => permit,
        _ => return Err(busy()),
    };
    Ok(tokio::task::spawn_blocking(work)
        .await
        .context("password hashing task")??)
}

/// Hashes with argon2id's recommended defaults (19 MiB, 2 passes).
pub async fn hash(password: &NewPassword) -> Result<String> {
    let password = password.expose().to_string();
    run_capped(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
    })
    .await
}

/// Checks `password` against a stored hash. With `None` it checks against a
/// dummy hash, so an unknown e-mail costs the same time as a wrong password.
pub async fn verify(password: &str, stored_hash: Option<String>) -> Result<bool> {
    let password = password.to_string();
    let known_user = stored_hash.is_some();
    let stored = stored_hash.unwrap_or_else(|| DUMMY_HASH.to_string());
    let matches = run_capped(move || {
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| anyhow::anyhow!("stored password hash is malformed: {e}"))?;
        Ok::<_, anyhow::Error>(
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
        )
    })
    .await?;
    Ok(known_user && matches)
}

/// argon2id hash of a random string nobody knows, with the default parameters.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$TIcfuJ8w9DvQ1D7ZyXK0u5Yv0vCpY1jv0CChbYw5p5w";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_reject() {
        let password = NewPassword::parse("correct horse battery").unwrap();
        let hashed = hash(&password).await.unwrap();
        assert!(hashed.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(hashed.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse battery", Some(hashed)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        assert!(!verify("anything", None).await.unwrap());
    }
}
