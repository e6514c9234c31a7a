//! Identifiers and secrets the platform mints, and how secrets are kept (hashed).
//!
//! Nothing minted here carries a decimal digit: wallets refuse (or mask) text holding a run
//! of digits that could be a card number, so an id or a secret with such a run by chance
//! would be refused by the wallet, or shown to the cardholder altered.

use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// `prefix_` followed by the 128 bits of a time-ordered UUID (v7), one letter per 4 bits
/// (`a` = 0 … `p` = 15), e.g. `evt_abjdlcnb…`: 32 letters. The letters keep the order of
/// the UUID's bytes, so ids sort by creation time, byte for byte as the UUIDs would.
pub fn new_id(prefix: &str) -> String {
    format!(
        "{prefix}_{}",
        nibble_letters(uuid::Uuid::now_v7().as_bytes())
    )
}

/// `prefix_` followed by 32 random lowercase letters: card tokens.
pub fn new_letters_id(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let letters: String = bytes.iter().map(|b| char::from(b'a' + b % 26)).collect();
    format!("{prefix}_{letters}")
}

/// `prefix_` followed by 32 random bytes as 64 letters `a`–`p` (4 bits each): bearer
/// tokens and cardholder secrets.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}_{}", nibble_letters(&bytes))
}

/// Each byte as two letters, high nibble first: `0x00` → `aa`, `0x1f` → `bp`, `0xff` → `pp`.
/// Like hex, but with `a`–`p` for 0–15, so the text sorts as the bytes do.
pub fn nibble_letters(bytes: &[u8]) -> String {
    let letter = |nibble: u8| char::from(b'a' + (nibble & 0x0f));
    bytes
        .iter()
        .flat_map(|b| [letter(b >> 4), letter(*b)])
        .collect()
}

/// SHA-256 in hex: how bearer tokens, secrets and idempotency keys are stored and compared.
/// Hashes stay inside the platform's database.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nibble_letters_spell_the_bytes() {
        assert_eq!(nibble_letters(&[0x00, 0x1f, 0xa5, 0xff]), "aabpkfpp");
        assert_eq!(nibble_letters(&[]), "");
    }

    #[test]
    fn ids_are_32_letters_after_the_prefix() {
        let id = new_id("evt");
        let letters = id.strip_prefix("evt_").unwrap_or_default();
        assert_eq!(letters.len(), 32, "{id}");
        assert!(letters.bytes().all(|b| (b'a'..=b'p').contains(&b)), "{id}");
        let secret = new_secret("cst");
        assert_eq!(secret.len(), "cst_".len() + 64, "{secret}");
        assert!(!secret.bytes().any(|b| b.is_ascii_digit()), "{secret}");
    }
}
