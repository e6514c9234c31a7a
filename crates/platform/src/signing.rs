//! Standard Webhooks signatures, asymmetric scheme `v1a` (Ed25519).
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`; the signature is
//! `v1a,<base64 of the 64-byte Ed25519 signature>`. A `webhook-signature` value may hold
//! several space-separated signatures (during key rotation); one valid `v1a` one suffices.
//! Keys are written as in the spec: public `whpk_<base64 32 bytes>`, secret
//! `whsk_<base64 of the 32-byte seed>`.
//!
//! Key endorsements (rotation statements) use the same keys and signature text: the key
//! made before a new key signs `consentry.key-endorsement.v1.{key_id}.{public_key}`, so a
//! wallet can accept a new key only on the word of a key it already trusts.
//!
//! This module is public so that tests (and anyone implementing a client from this crate)
//! can check signatures with exactly the platform's rules.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

/// The signature scheme tag.
pub const SCHEME: &str = "v1a";
/// Prefix of an encoded public key.
pub const PUBLIC_KEY_PREFIX: &str = "whpk_";
/// Prefix of an encoded secret key.
pub const SECRET_KEY_PREFIX: &str = "whsk_";

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a key must start with {0}")]
    Prefix(&'static str),
    #[error("the key is not valid base64")]
    Base64,
    #[error("the key must be 32 bytes")]
    Length,
    #[error("the bytes are not a valid Ed25519 public key")]
    Invalid,
}

/// The exact bytes that are signed.
pub use consentry_domain::delivery_content as signed_content;

/// `v1a,<base64 signature>` over `{id}.{timestamp}.{body}`.
pub fn sign(key: &SigningKey, id: &str, timestamp: i64, body: &str) -> String {
    let signature = key.sign(signed_content(id, timestamp, body).as_bytes());
    format!("{SCHEME},{}", STANDARD.encode(signature.to_bytes()))
}

/// The `webhook-signature` value signed by every key of `keys`, in that order:
/// `v1a,<sig> v1a,<sig>` (during a rotation's overlap the active key signs first, then the
/// retired ones).
pub fn sign_all(keys: &[SigningKey], id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|key| sign(key, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// True when any `v1a` signature in `header` (space separated) verifies under `key`.
pub fn verify(key: &VerifyingKey, id: &str, timestamp: i64, body: &str, header: &str) -> bool {
    verify_any(std::slice::from_ref(key), id, timestamp, body, header)
}

/// True when the header verifies under any of `keys` (several are published during rotation).
pub use consentry_domain::verify_delivery as verify_any;

/// `whpk_<base64>`.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    format!("{PUBLIC_KEY_PREFIX}{}", STANDARD.encode(key.as_bytes()))
}

/// Reads `whpk_<base64>`.
pub fn decode_public_key(text: &str) -> Result<VerifyingKey, KeyError> {
    let bytes = decode_32(text, PUBLIC_KEY_PREFIX)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::Invalid)
}

/// `whsk_<base64 seed>`.
pub fn encode_secret_key(key: &SigningKey) -> String {
    format!("{SECRET_KEY_PREFIX}{}", STANDARD.encode(key.to_bytes()))
}

/// Reads `whsk_<base64 seed>`.
pub fn decode_secret_key(text: &str) -> Result<SigningKey, KeyError> {
    decode_32(text, SECRET_KEY_PREFIX).map(|seed| SigningKey::from_bytes(&seed))
}

fn decode_32(text: &str, prefix: &'static str) -> Result<[u8; 32], KeyError> {
    let encoded = text.strip_prefix(prefix).ok_or(KeyError::Prefix(prefix))?;
    let bytes = STANDARD.decode(encoded).map_err(|_| KeyError::Base64)?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| KeyError::Length)
}

/// What the endorsement statements are about: the first part of every endorsed content.
pub const ENDORSEMENT_CONTEXT: &str = "consentry.key-endorsement.v1";

/// The exact bytes an endorsement signs: `consentry.key-endorsement.v1.{key_id}.{public_key}`,
/// `public_key` being the endorsed key's published `whpk_<base64>` text.
pub fn endorsement_content(key_id: &str, public_key: &str) -> String {
    format!("{ENDORSEMENT_CONTEXT}.{key_id}.{public_key}")
}

/// `v1a,<base64 signature>` by `signer` over [`endorsement_content`].
pub fn endorse(signer: &SigningKey, key_id: &str, public_key: &str) -> String {
    let signature = signer.sign(endorsement_content(key_id, public_key).as_bytes());
    format!("{SCHEME},{}", STANDARD.encode(signature.to_bytes()))
}

/// True when `signature` (`v1a,<base64>`, exactly one) is `endorser`'s endorsement of the
/// key `key_id` with the published text `public_key`.
pub fn verify_endorsement(
    endorser: &VerifyingKey,
    key_id: &str,
    public_key: &str,
    signature: &str,
) -> bool {
    let Some(signature) = decode_signature(signature) else {
        return false;
    };
    endorser
        .verify_strict(
            endorsement_content(key_id, public_key).as_bytes(),
            &signature,
        )
        .is_ok()
}

fn decode_signature(text: &str) -> Option<Signature> {
    let encoded = text.strip_prefix("v1a,")?;
    let bytes = STANDARD.decode(encoded).ok()?;
    Signature::from_slice(&bytes).ok()
}

/// A signature that does not verify, for the bad-signature fault: the real one with its
/// first byte flipped, so it still looks well-formed. Every signature of a header holding
/// several is corrupted.
pub fn corrupt(signature: &str) -> String {
    if signature.contains(' ') {
        return signature
            .split(' ')
            .map(corrupt)
            .collect::<Vec<_>>()
            .join(" ");
    }
    let Some(encoded) = signature.strip_prefix("v1a,") else {
        return signature.to_owned();
    };
    match STANDARD.decode(encoded) {
        Ok(mut bytes) if !bytes.is_empty() => {
            bytes[0] ^= 0x01;
            format!("{SCHEME},{}", STANDARD.encode(bytes))
        }
        _ => signature.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_roundtrip_and_tamper() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = key.verifying_key();
        let sig = sign(&key, "evt_1", 1_700_000_000, r#"{"a":1}"#);
        assert!(sig.starts_with("v1a,"));
        assert!(verify(&public, "evt_1", 1_700_000_000, r#"{"a":1}"#, &sig));
        assert!(!verify(&public, "evt_1", 1_700_000_001, r#"{"a":1}"#, &sig));
        assert!(!verify(&public, "evt_1", 1_700_000_000, r#"{"a":2}"#, &sig));
        assert!(!verify(
            &public,
            "evt_1",
            1_700_000_000,
            r#"{"a":1}"#,
            &corrupt(&sig)
        ));
        let several = format!("v1,abc {sig}");
        assert!(verify(
            &public,
            "evt_1",
            1_700_000_000,
            r#"{"a":1}"#,
            &several
        ));
    }

    #[test]
    fn endorsement_roundtrip_and_tamper() {
        let old = SigningKey::from_bytes(&[1u8; 32]);
        let new = SigningKey::from_bytes(&[2u8; 32]);
        let public = encode_public_key(&new.verifying_key());
        assert_eq!(
            endorsement_content("key_abc", &public),
            format!("consentry.key-endorsement.v1.key_abc.{public}")
        );
        let statement = endorse(&old, "key_abc", &public);
        assert!(statement.starts_with("v1a,"));
        let endorser = old.verifying_key();
        assert!(verify_endorsement(
            &endorser, "key_abc", &public, &statement
        ));
        assert!(!verify_endorsement(
            &endorser, "key_abd", &public, &statement
        ));
        let other = encode_public_key(&old.verifying_key());
        assert!(!verify_endorsement(
            &endorser, "key_abc", &other, &statement
        ));
        assert!(!verify_endorsement(
            &new.verifying_key(),
            "key_abc",
            &public,
            &statement
        ));
        assert!(!verify_endorsement(
            &endorser,
            "key_abc",
            &public,
            &corrupt(&statement)
        ));
        // Exactly one signature, not a header list.
        assert!(!verify_endorsement(
            &endorser,
            "key_abc",
            &public,
            &format!("v1,x {statement}")
        ));
        assert!(!verify_endorsement(&endorser, "key_abc", &public, ""));
    }

    #[test]
    fn keys_roundtrip() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let secret = encode_secret_key(&key);
        assert_eq!(
            decode_secret_key(&secret).unwrap().to_bytes(),
            key.to_bytes()
        );
        let public = encode_public_key(&key.verifying_key());
        assert_eq!(decode_public_key(&public).unwrap(), key.verifying_key());
        assert_eq!(
            decode_public_key("abc"),
            Err(KeyError::Prefix(PUBLIC_KEY_PREFIX))
        );
        assert_eq!(decode_public_key("whpk_AAAA"), Err(KeyError::Length));
    }
}
