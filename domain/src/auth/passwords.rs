//! argon2id password hashing, off the async executor.

use anyhow::Context;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use shared::values::NewPassword;

/// Hashes with argon2id's recommended defaults (19 MiB, 2 passes).
pub async fn hash(password: &NewPassword) -> anyhow::Result<String> {
    let password = password.expose().to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
    })
    .await
    .context("password hashing task")?
}

/// Checks `password` against a stored hash. With `None` it checks against a
/// dummy hash, so an unknown e-mail costs the same time as a wrong password.
pub async fn verify(password: &str, stored_hash: Option<String>) -> anyhow::Result<bool> {
    let password = password.to_string();
    let known_user = stored_hash.is_some();
    let stored = stored_hash.unwrap_or_else(|| DUMMY_HASH.to_string());
    let matches = tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| anyhow::anyhow!("stored password hash is malformed: {e}"))?;
        Ok::<_, anyhow::Error>(
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
        )
    })
    .await
    .context("password verification task")??;
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
