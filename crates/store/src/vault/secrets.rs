//! What the cardholder types to unlock without a keyring: a passphrase, or the recovery key
//! shown once at creation. Both are secrets: redacted `Debug`, no `Serialize`, zeroized on drop.

use std::fmt;

use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::StoreError;

/// Shortest passphrase accepted when one is set or changed (in characters).
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// A passphrase typed by the cardholder.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

impl Passphrase {
    /// Takes ownership of the typed text (the caller's `String` moves in, so no copy remains).
    pub fn new(text: String) -> Self {
        Self(text)
    }

    pub(crate) fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// A second owned copy for a blocking task; zeroized on drop like the first.
    pub(crate) fn duplicate(&self) -> Self {
        Self(self.0.clone())
    }

    /// Checks the rules for a *new* passphrase (unlocking accepts whatever was set before).
    pub fn validate_new(&self) -> Result<(), StoreError> {
        if self.0.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(StoreError::PassphraseTooShort {
                min_chars: MIN_PASSPHRASE_CHARS,
            });
        }
        Ok(())
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// Crockford's base32 alphabet: no I, L, O, U, so it survives being read aloud or handwritten.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SECRET_LEN: usize = 32;
/// 256 secret bits take 52 base32 characters; 4 more carry a checksum against typos.
const SECRET_CHARS: usize = 52;
const CHECK_CHARS: usize = 4;
const GROUP: usize = 4;

/// The recovery key: 256 random bits, shown once as 14 groups of 4 characters, e.g.
/// `7K3M-Q9X2-…`. It unlocks the wallet when the keyring entry or the passphrase is lost.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct RecoveryKey([u8; SECRET_LEN]);

impl RecoveryKey {
    /// A new random recovery key (256 bits from the OS).
    pub fn generate() -> Self {
        let mut bytes = [0u8; SECRET_LEN];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub(crate) fn expose_bytes(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }

    /// Parses what the cardholder typed: case, spaces and dashes do not matter, and the look-alike
    /// letters O, I and L read as 0, 1 and 1. A typo is reported as such, not as a wrong key.
    pub fn parse(typed: &str) -> Result<Self, StoreError> {
        let mut chars = Zeroizing::new(Vec::with_capacity(SECRET_CHARS + CHECK_CHARS));
        for c in typed.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '\t' | '\n' | '\r' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            let value = ALPHABET
                .iter()
                .position(|&a| char::from(a) == c)
                .ok_or(StoreError::RecoveryKeyMalformed)?;
            chars.push(value as u8);
        }
        if chars.len() != SECRET_CHARS + CHECK_CHARS {
            return Err(StoreError::RecoveryKeyMalformed);
        }
        let mut bytes = Zeroizing::new([0u8; SECRET_LEN]);
        let mut acc: u32 = 0;
        let mut bits = 0u32;
        let mut out = 0usize;
        for &v in &chars[..SECRET_CHARS] {
            acc = (acc << 5) | u32::from(v);
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                if out < SECRET_LEN {
                    bytes[out] = (acc >> bits) as u8;
                    out += 1;
                }
                acc &= (1 << bits) - 1;
            }
        }
        let key = Self(*bytes);
        let expected = checksum_chars(&key.0);
        if chars[SECRET_CHARS..] != expected {
            return Err(StoreError::RecoveryKeyMalformed);
        }
        Ok(key)
    }

    /// The grouped text to show the cardholder once (`XXXX-XXXX-…`). Zeroized when dropped.
    pub fn reveal(&self) -> Zeroizing<String> {
        let mut symbols = Zeroizing::new(Vec::with_capacity(SECRET_CHARS + CHECK_CHARS));
        let mut acc: u32 = 0;
        let mut bits = 0u32;
        for &byte in &self.0 {
            acc = (acc << 8) | u32::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                symbols.push(((acc >> bits) & 31) as u8);
            }
            acc &= (1 << bits) - 1;
        }
        if bits > 0 {
            symbols.push(((acc << (5 - bits)) & 31) as u8);
        }
        symbols.extend_from_slice(&checksum_chars(&self.0));
        let mut text = Zeroizing::new(String::with_capacity(70));
        for (i, &v) in symbols.iter().enumerate() {
            if i > 0 && i % GROUP == 0 {
                text.push('-');
            }
            text.push(char::from(ALPHABET[usize::from(v)]));
        }
        text
    }
}

fn checksum_chars(secret: &[u8; SECRET_LEN]) -> [u8; CHECK_CHARS] {
    let digest = Sha256::digest([b"consentry.recovery-check.v1\0".as_slice(), secret].concat());
    let word = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    let mut out = [0u8; CHECK_CHARS];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = ((word >> (27 - 5 * i as u32)) & 31) as u8;
    }
    out
}

/// Compares in constant time (a typed key is checked against the one shown).
impl PartialEq for RecoveryKey {
    fn eq(&self, other: &Self) -> bool {
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl Eq for RecoveryKey {}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reveal_parse_round_trip_with_sloppy_typing() {
        let key = RecoveryKey::generate();
        let shown = key.reveal();
        assert_eq!(shown.len(), 56 + 13);
        let parsed = RecoveryKey::parse(&shown).unwrap();
        assert_eq!(parsed.0, key.0);
        let sloppy = shown
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(RecoveryKey::parse(&sloppy).unwrap().0, key.0);
    }

    #[test]
    fn a_typo_is_caught_by_the_checksum() {
        let key = RecoveryKey::generate();
        let shown = key.reveal().to_string();
        let mut chars: Vec<char> = shown.chars().collect();
        chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
        let typo: String = chars.into_iter().collect();
        assert!(matches!(
            RecoveryKey::parse(&typo),
            Err(StoreError::RecoveryKeyMalformed)
        ));
        assert!(matches!(
            RecoveryKey::parse("ABCD"),
            Err(StoreError::RecoveryKeyMalformed)
        ));
        assert!(matches!(
            RecoveryKey::parse("U!"),
            Err(StoreError::RecoveryKeyMalformed)
        ));
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        assert_eq!(
            format!("{:?}", Passphrase::new("hunter22".into())),
            "Passphrase(<redacted>)"
        );
        assert_eq!(
            format!("{:?}", RecoveryKey::generate()),
            "RecoveryKey(<redacted>)"
        );
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(Passphrase::new("short".into()).validate_new().is_err());
        assert!(Passphrase::new("long enough".into()).validate_new().is_ok());
    }
}
