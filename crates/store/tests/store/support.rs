//! Helpers shared by the test modules.

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use consentry_store::{
    CreateOptions, Created, KdfParams, Passphrase, StoreError, Wallet, WalletPaths,
};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub const PASSPHRASE: &str = "correct horse battery staple";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

pub fn passphrase() -> Passphrase {
    Passphrase::new(PASSPHRASE.to_owned())
}

/// SHA-256 of a file's bytes.
pub fn file_digest(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// A wallet in a fresh temp dir, protected by [`PASSPHRASE`] (cheap KDF), left unlocked.
pub async fn passphrase_wallet() -> (TempDir, Wallet, Created) {
    let dir = tempfile::tempdir().unwrap();
    let mut wallet = Wallet::new(WalletPaths::in_dir(dir.path().join("w")), None, now());
    let created = create_with_passphrase(&mut wallet).await.unwrap();
    (dir, wallet, created)
}

/// Creates `wallet` protected by [`PASSPHRASE`] (cheap KDF), no keyring.
pub async fn create_with_passphrase(wallet: &mut Wallet) -> Result<Created, StoreError> {
    let phrase = passphrase();
    wallet
        .create(
            CreateOptions {
                keyring: None,
                passphrase: Some(&phrase),
                kdf: KdfParams::INSECURE_FOR_TESTS,
            },
            now(),
        )
        .await
}
