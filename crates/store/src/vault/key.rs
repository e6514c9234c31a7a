//! The database key: 32 random bytes that SQLCipher uses directly (raw key, no KDF on open).

use std::fmt;

use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::vault::wallet_id::WalletId;

/// Length of a database key in bytes (256 bits).
pub const DB_KEY_LEN: usize = 32;

/// The SQLCipher key of one wallet file.
///
/// It is a secret: `Debug` prints `<redacted>`, it implements no `Serialize`, no `Display`
/// and no `Clone` that would leave copies behind silently, and its bytes are zeroized on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DbKey([u8; DB_KEY_LEN]);

impl DbKey {
    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; DB_KEY_LEN];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Wraps existing key bytes (read from a key slot or the keyring).
    pub fn from_bytes(bytes: [u8; DB_KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hex digits (either case), as kept in the OS keyring.
    pub fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = Zeroizing::new([0u8; DB_KEY_LEN]);
        hex::decode_to_slice(text.trim(), bytes.as_mut()).ok()?;
        Some(Self(*bytes))
    }

    /// The key bytes. Callers must not copy them into memory that outlives the call.
    pub fn expose_bytes(&self) -> &[u8; DB_KEY_LEN] {
        &self.0
    }

    /// Upper-case hex, as SQLCipher's raw-key syntax and the keyring entry use it.
    pub fn to_hex_upper(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode_upper(self.0))
    }

    /// SQLCipher's raw-key syntax for `sqlite3_key_v2`: `x'<64 hex>'`, in a buffer sized
    /// once (no reallocation leaves a copy behind) and wiped on drop.
    pub(crate) fn raw_key_blob(&self) -> Zeroizing<Vec<u8>> {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut blob = Zeroizing::new(Vec::with_capacity(DB_KEY_LEN * 2 + 3));
        blob.extend_from_slice(b"x'");
        for byte in self.0 {
            blob.push(HEX[usize::from(byte >> 4)]);
            blob.push(HEX[usize::from(byte & 0x0f)]);
        }
        blob.push(b'\'');
        blob
    }

    /// A short public fingerprint that tells, without SQLite, whether this key belongs to a
    /// wallet generation (stored in the key file). A 256-bit random key cannot be recovered
    /// from its hash, so publishing it costs nothing.
    pub fn check_value(&self, wallet: &WalletId) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"consentry.db-key-check.v1\0");
        hasher.update(wallet.to_string().as_bytes());
        hasher.update([0u8]);
        hasher.update(self.0);
        hex::encode(&hasher.finalize()[..16])
    }

    /// A second handle to the same key, for handing the key to a short-lived task.
    pub(crate) fn duplicate(&self) -> Self {
        Self(self.0)
    }
}

impl fmt::Debug for DbKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbKey(<redacted>)")
    }
}

impl PartialEq for DbKey {
    /// Constant-time comparison: never leaks how many leading bytes matched.
    fn eq(&self, other: &Self) -> bool {
        let mut diff = 0u8;
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            diff |= a ^ b;
        }
        diff == 0
    }
}

impl Eq for DbKey {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = DbKey::from_bytes([0xAB; DB_KEY_LEN]);
        let shown = format!("{key:?}");
        assert_eq!(shown, "DbKey(<redacted>)");
        assert!(!shown.to_lowercase().contains("ab"));
    }

    #[test]
    fn hex_round_trip_and_pragma_syntax() {
        let key = DbKey::generate();
        let hex = key.to_hex_upper();
        assert_eq!(hex.len(), 64);
        assert_eq!(DbKey::from_hex(&hex), Some(key.duplicate()));
        assert_eq!(DbKey::from_hex(&hex.to_lowercase()), Some(key.duplicate()));
        let blob = key.raw_key_blob();
        assert_eq!(blob.len(), 67);
        assert!(blob.starts_with(b"x'") && blob.ends_with(b"'"));
        assert_eq!(&blob[2..66], hex.as_bytes());
        assert_eq!(DbKey::from_hex("zz"), None);
    }

    #[test]
    fn check_value_depends_on_key_and_wallet() {
        let a = WalletId::generate();
        let b = WalletId::generate();
        let key = DbKey::generate();
        assert_eq!(key.check_value(&a), key.check_value(&a));
        assert_ne!(key.check_value(&a), key.check_value(&b));
        assert_ne!(key.check_value(&a), DbKey::generate().check_value(&a));
    }
}
