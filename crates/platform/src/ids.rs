//! Identifiers and secrets the platform mints, and how secrets are kept (hashed).

use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// `prefix_` followed by a time-ordered UUID (v7) in simple form, e.g. `evt_0190…`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// `prefix_` followed by 32 random lowercase letters: card tokens. Wallets refuse to store
/// text with long digit runs (it could be a card number), so a token never carries digits.
pub fn new_letters_id(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let letters: String = bytes.iter().map(|b| char::from(b'a' + b % 26)).collect();
    format!("{prefix}_{letters}")
}

/// `prefix_` followed by 32 random bytes in hex: bearer tokens, cardholder secrets,
/// card tokens.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}_{}", hex::encode(bytes))
}

/// SHA-256 in hex: how bearer tokens and secrets are stored and compared.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
