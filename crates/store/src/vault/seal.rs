//! Key slots: the database key sealed to a public key (X25519 + XChaCha20-Poly1305).
//!
//! Why public-key slots: rotating the database key must re-wrap it for the passphrase and the
//! recovery key, but neither secret is at hand while the wallet is merely unlocked (the recovery
//! key was shown once and forgotten). Sealing to each slot's *public* key needs no secret; only
//! opening a slot does (Argon2id of the passphrase, or the recovery key itself).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::error::StoreError;
use crate::vault::key::{DbKey, DB_KEY_LEN};

/// One sealed copy of the database key, as stored in the key file (base64 fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedKey {
    /// The sender's one-time public key.
    pub ephemeral_public: String,
    /// 24-byte XChaCha20 nonce.
    pub nonce: String,
    /// The encrypted key plus its 16-byte tag.
    pub ciphertext: String,
}

fn wrapping_key(shared: &[u8; 32], ephemeral: &PublicKey, recipient: &PublicKey) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"consentry.seal.v1\0");
    hasher.update(shared);
    hasher.update(ephemeral.as_bytes());
    hasher.update(recipient.as_bytes());
    hasher.finalize().into()
}

/// Seals `key` so that only the holder of `recipient`'s secret can open it. `context` is bound
/// as associated data (wallet id, slot, generation), so a slot cannot be moved elsewhere.
pub(crate) fn seal(
    key: &DbKey,
    recipient: &PublicKey,
    context: &[u8],
) -> Result<SealedKey, StoreError> {
    let ephemeral_secret = StaticSecret::random_from_rng(OsRng);
    let ephemeral = PublicKey::from(&ephemeral_secret);
    let shared = ephemeral_secret.diffie_hellman(recipient);
    if !shared.was_contributory() {
        return Err(StoreError::Internal(
            "a key slot's public key is a low-order point".into(),
        ));
    }
    let wrap = Zeroizing::new(wrapping_key(shared.as_bytes(), &ephemeral, recipient));
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(wrap.as_ref().into());
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: key.expose_bytes(),
                aad: context,
            },
        )
        .map_err(|_| StoreError::Internal("sealing the key failed".into()))?;
    Ok(SealedKey {
        ephemeral_public: B64.encode(ephemeral.as_bytes()),
        nonce: B64.encode(nonce),
        ciphertext: B64.encode(ciphertext),
    })
}

/// Opens a sealed key with the slot's secret. `None` means "not this secret" (wrong passphrase,
/// wrong recovery key, or a slot edited on disk): the AEAD tag does not verify.
pub(crate) fn open(
    sealed: &SealedKey,
    secret: &StaticSecret,
    context: &[u8],
) -> Result<Option<DbKey>, StoreError> {
    let (ephemeral, nonce, ciphertext) = sealed.parts().map_err(StoreError::Internal)?;
    let ephemeral = PublicKey::from(ephemeral);
    let recipient = PublicKey::from(secret);
    let shared = secret.diffie_hellman(&ephemeral);
    if !shared.was_contributory() {
        return Ok(None);
    }
    let wrap = Zeroizing::new(wrapping_key(shared.as_bytes(), &ephemeral, &recipient));
    let cipher = XChaCha20Poly1305::new(wrap.as_ref().into());
    let Ok(plain) = cipher.decrypt(
        XNonce::from_slice(&nonce),
        Payload {
            msg: &ciphertext,
            aad: context,
        },
    ) else {
        return Ok(None);
    };
    let plain = Zeroizing::new(plain);
    let bytes: [u8; DB_KEY_LEN] = plain
        .as_slice()
        .try_into()
        .map_err(|_| StoreError::Internal("a key slot holds a key of the wrong length".into()))?;
    Ok(Some(DbKey::from_bytes(bytes)))
}

/// Base64 of a public key, as the key file stores it.
pub(crate) fn encode_public(key: &PublicKey) -> String {
    B64.encode(key.as_bytes())
}

/// Reads a base64 public key from the key file; the error says what is wrong.
pub(crate) fn decode_public(text: &str) -> Result<PublicKey, String> {
    let bytes: [u8; 32] = B64
        .decode(text)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| "a public key is not 32 bytes of base64".to_owned())?;
    Ok(PublicKey::from(bytes))
}

/// A sealed key's decoded parts: the ephemeral public key, the nonce, the ciphertext.
pub(crate) type SealedParts = ([u8; 32], [u8; 24], Vec<u8>);

impl SealedKey {
    /// The decoded parts; the error says which is not what it should be (the key file is
    /// checked with this when it is read).
    pub(crate) fn parts(&self) -> Result<SealedParts, String> {
        let malformed = |what: &str| format!("a key slot's {what} is malformed");
        let ephemeral: [u8; 32] = B64
            .decode(&self.ephemeral_public)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| malformed("ephemeral_public"))?;
        let nonce: [u8; 24] = B64
            .decode(&self.nonce)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| malformed("nonce"))?;
        let ciphertext = B64
            .decode(&self.ciphertext)
            .map_err(|_| malformed("ciphertext"))?;
        Ok((ephemeral, nonce, ciphertext))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_wrong_secret_or_context() {
        let secret = StaticSecret::random_from_rng(OsRng);
        let public = PublicKey::from(&secret);
        let key = DbKey::generate();
        let sealed = seal(&key, &public, b"ctx").unwrap();
        assert_eq!(
            open(&sealed, &secret, b"ctx").unwrap(),
            Some(key.duplicate())
        );
        let other = StaticSecret::random_from_rng(OsRng);
        assert_eq!(open(&sealed, &other, b"ctx").unwrap(), None);
        assert_eq!(open(&sealed, &secret, b"other ctx").unwrap(), None);
        let mut tampered = sealed.clone();
        tampered.nonce = B64.encode([0u8; 24]);
        assert_eq!(open(&tampered, &secret, b"ctx").unwrap(), None);
    }
}
