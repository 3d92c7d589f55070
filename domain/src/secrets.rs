//! Random tokens, their stored hashes, and the server's secret key.

use anyhow::{bail, Context};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;

/// The 32-byte key from `PONTE_SECRET_KEY`. Derives per-purpose keys; never
/// prints.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub fn from_base64(encoded: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .context("PONTE_SECRET_KEY is not valid base64")?;
        let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) else {
            bail!(
                "PONTE_SECRET_KEY must decode to exactly 32 bytes, got {}",
                bytes.len()
            );
        };
        Ok(Self(key))
    }

    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self(key)
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// HMAC-SHA256 of `message` under a key derived for `purpose`, so one
    /// secret can serve several independent uses.
    pub fn sign(&self, purpose: &str, message: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Constant-time check of a signature made by [`SecretKey::sign`].
    pub fn verify(&self, purpose: &str, message: &[u8], signature: &[u8]) -> bool {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(message);
        mac.verify_slice(signature).is_ok()
    }

    /// The login role the server uses when no runtime URL is configured: a
    /// member of `ponte_app`, named and passworded from this key, so every
    /// instance sharing the key agrees, and clusters shared by several
    /// installations (development and tests, say) never collide.
    pub fn runtime_db_role(&self) -> String {
        format!(
            "ponte_app_{}",
            &hex(&self.sign("ponte_app database role", b""))[..10]
        )
    }

    pub fn runtime_db_password(&self) -> String {
        hex(&self.sign("ponte_app database password", b""))[..40].to_string()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// A fresh random token, URL-safe, 256 bits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored in place of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Compares secrets in time independent of where they differ (hashing both
/// first, so lengths leak nothing either).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (sha256(a), sha256(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |diff, (x, y)| diff | (x ^ y))
        == 0
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn from_base64url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_key_requires_32_bytes() {
        assert!(SecretKey::from_base64(&STANDARD.encode([1u8; 16])).is_err());
        assert!(SecretKey::from_base64("not base64!").is_err());
        let key = SecretKey::generate();
        assert!(SecretKey::from_base64(&key.to_base64()).is_ok());
    }

    #[test]
    fn signatures_depend_on_purpose_and_verify() {
        let key = SecretKey::generate();
        let a = key.sign("visitor", b"42");
        assert_ne!(a, key.sign("other", b"42"));
        assert!(key.verify("visitor", b"42", &a));
        assert!(!key.verify("visitor", b"43", &a));
    }

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_eq!(token_hash(&a).len(), 32);
    }
}
