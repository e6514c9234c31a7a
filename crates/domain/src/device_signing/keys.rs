//! A device's key pair, `dpk_` public keys and `v1a` signatures.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

use super::SigningError;

const SIGNATURE_PREFIX: &str = "v1a,";
const PUBLIC_KEY_PREFIX: &str = "dpk_";

/// A device's Ed25519 key pair. The secret never leaves the wallet; `Debug` hides it.
pub struct DeviceKey(SigningKey);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DeviceKey")
            .field(&self.public_key())
            .finish()
    }
}

impl DeviceKey {
    /// From a 32-byte secret seed (kept encrypted in the wallet).
    pub fn from_seed(seed: &[u8; 32]) -> DeviceKey {
        DeviceKey(SigningKey::from_bytes(seed))
    }

    /// The secret seed, to store (the caller wipes its copy).
    pub fn seed(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.0.to_bytes())
    }

    /// `dpk_<base64>`.
    pub fn public_key(&self) -> String {
        encode_public_key(&self.0.verifying_key())
    }

    pub(super) fn sign(&self, text: &str) -> String {
        format!(
            "{SIGNATURE_PREFIX}{}",
            STANDARD.encode(self.0.sign(text.as_bytes()).to_bytes())
        )
    }
}

/// `dpk_<base64 of the 32 bytes>`.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    format!("{PUBLIC_KEY_PREFIX}{}", STANDARD.encode(key.as_bytes()))
}

/// Reads `dpk_<base64>`.
pub fn decode_public_key(text: &str) -> Result<VerifyingKey, SigningError> {
    let bytes = text
        .strip_prefix(PUBLIC_KEY_PREFIX)
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or(SigningError::BadPublicKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| SigningError::BadPublicKey)
}

/// Whether one `v1a,<base64>` signature of `header` (space-separated, as Standard Webhooks
/// allows) verifies `content` under `key`. Feed deliveries, key endorsements, device links
/// and consent statements are all checked with it.
pub fn verify_v1a(key: &VerifyingKey, content: &[u8], header: &str) -> bool {
    header.split(' ').any(|candidate| {
        candidate
            .strip_prefix(SIGNATURE_PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .and_then(|b| Signature::from_slice(&b).ok())
            .is_some_and(|s| key.verify(content, &s).is_ok())
    })
}

/// The text a feed delivery's signatures cover: `{id}.{timestamp}.{body}` (Standard Webhooks).
pub fn delivery_content(id: &str, timestamp: i64, body: &str) -> String {
    format!("{id}.{timestamp}.{body}")
}

/// Whether one `v1a` signature in `header` verifies the delivery under one of `keys` (several
/// are published while the platform rotates its key).
pub fn verify_delivery(
    keys: &[VerifyingKey],
    id: &str,
    timestamp: i64,
    body: &str,
    header: &str,
) -> bool {
    let content = delivery_content(id, timestamp, body);
    keys.iter()
        .any(|key| verify_v1a(key, content.as_bytes(), header))
}

/// Whether `signature` (a `v1a` header) verifies `text` under `key`.
pub(super) fn verify_text(key: &VerifyingKey, text: &str, signature: &str) -> bool {
    verify_v1a(key, text.as_bytes(), signature)
}
