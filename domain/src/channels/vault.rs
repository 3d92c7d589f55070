//! Connection credentials at rest: AES-256-GCM under a key derived from
//! `PONTE_SECRET_KEY`. Each sealed value names its key by id, so a server
//! that has been given its old keys as well (`PONTE_OLD_SECRET_KEYS`) still
//! opens what they sealed, and re-seals with the current one on the next save.

use anyhow::{anyhow, bail, Context};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

use crate::secrets::{hex, SecretKey};

/// A sealed value and the id of the key that sealed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    /// Nonce followed by ciphertext and tag.
    pub bytes: Vec<u8>,
}

struct VaultKey {
    id: String,
    key: LessSafeKey,
}

/// The keys that seal and open credentials; the first one seals.
pub struct Vault {
    keys: Vec<VaultKey>,
    random: SystemRandom,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        write!(f, "Vault(keys: {ids:?})")
    }
}

const PURPOSE: &str = "channel credentials";

impl Vault {
    /// `current` seals; `previous` keys only open.
    pub fn new(current: &SecretKey, previous: &[SecretKey]) -> anyhow::Result<Self> {
        let keys = std::iter::once(current)
            .chain(previous)
            .map(|secret| {
                let material = secret.sign(PURPOSE, b"aes-256-gcm key");
                let id = hex(&secret.sign(PURPOSE, b"key id"))[..8].to_string();
                let key = UnboundKey::new(&AES_256_GCM, &material)
                    .map_err(|_| anyhow!("could not build the AES-256-GCM key"))?;
                Ok(VaultKey {
                    id,
                    key: LessSafeKey::new(key),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            keys,
            random: SystemRandom::new(),
        })
    }

    /// Seals `plain`, bound to `context` (the channel it belongs to), so a
    /// sealed value copied onto another row does not open.
    pub fn seal(&self, context: &str, plain: &[u8]) -> anyhow::Result<Sealed> {
        let current = self
            .keys
            .first()
            .ok_or_else(|| anyhow!("vault without keys"))?;
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| anyhow!("no randomness for a nonce"))?;
        let mut in_out = plain.to_vec();
        current
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut in_out,
            )
            .map_err(|_| anyhow!("sealing failed"))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&in_out);
        Ok(Sealed {
            key_id: current.id.clone(),
            bytes,
        })
    }

    pub fn open(&self, context: &str, sealed: &Sealed) -> anyhow::Result<Vec<u8>> {
        let key = self
            .keys
            .iter()
            .find(|k| k.id == sealed.key_id)
            .with_context(|| {
                format!(
                    "credentials were sealed with key {}, which this server does not have \
                     (add the old key to PONTE_OLD_SECRET_KEYS)",
                    sealed.key_id
                )
            })?;
        if sealed.bytes.len() < NONCE_LEN {
            bail!("sealed credentials are truncated");
        }
        let (nonce, ciphertext) = sealed.bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| anyhow!("sealed credentials have a bad nonce"))?;
        let mut in_out = ciphertext.to_vec();
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut in_out)
            .map_err(|_| anyhow!("sealed credentials do not open (tampered or wrong channel)"))?;
        Ok(plain.to_vec())
    }

    /// Whether a value should be re-sealed with the current key.
    pub fn is_current(&self, sealed: &Sealed) -> bool {
        self.keys.first().is_some_and(|k| k.id == sealed.key_id)
    }

    /// The id of the key new values are sealed with.
    pub fn current_key_id(&self) -> &str {
        self.keys.first().map(|k| k.id.as_str()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_in_their_context_and_with_their_key() {
        let vault = Vault::new(&SecretKey::generate(), &[]).unwrap();
        let sealed = vault.seal("channel:1", b"{\"token\":\"abc\"}").unwrap();
        assert!(
            !sealed.bytes.windows(3).any(|w| w == b"abc"),
            "not in clear"
        );
        assert_eq!(
            vault.open("channel:1", &sealed).unwrap(),
            b"{\"token\":\"abc\"}"
        );
        assert!(
            vault.open("channel:2", &sealed).is_err(),
            "bound to its row"
        );
        let mut tampered = sealed.clone();
        let last = tampered.bytes.len() - 1;
        tampered.bytes[last] ^= 1;
        assert!(vault.open("channel:1", &tampered).is_err());
        let other = Vault::new(&SecretKey::generate(), &[]).unwrap();
        assert!(other.open("channel:1", &sealed).is_err());
    }

    #[test]
    fn old_keys_still_open_after_rotation() {
        let (old, new) = (SecretKey::generate(), SecretKey::generate());
        let before = Vault::new(&old, &[]).unwrap();
        let sealed = before.seal("channel:7", b"secret").unwrap();
        let after = Vault::new(&new, &[old]).unwrap();
        assert_eq!(after.open("channel:7", &sealed).unwrap(), b"secret");
        assert!(!after.is_current(&sealed));
        assert!(after.is_current(&after.seal("channel:7", b"secret").unwrap()));
    }
}
