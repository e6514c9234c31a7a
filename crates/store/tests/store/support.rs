//! Helpers shared by the test modules.

use std::path::Path;

use chrono::{DateTime, Utc};
use consentry_store::events::IncomingEvent;
use consentry_store::{Created, RecoveryKey, StoreError, Unlock, Wallet, WalletPaths};
pub use consentry_testkit::passphrase;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub fn now() -> DateTime<Utc> {
    consentry_testkit::fixed_now()
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
    consentry_testkit::create_with_passphrase(wallet, now()).await
}

/// The wallet in `dir`, opened again with [`PASSPHRASE`](consentry_testkit::PASSPHRASE).
pub async fn open_with_passphrase(dir: std::path::PathBuf) -> Wallet {
    consentry_testkit::open_wallet(&dir, now()).await
}

/// Unlocks `wallet` with [`PASSPHRASE`](consentry_testkit::PASSPHRASE); it must open.
pub async fn unlock_with_passphrase(wallet: &mut Wallet) {
    wallet
        .unlock(Unlock::Passphrase(&passphrase()), now())
        .await
        .unwrap();
}

/// Unlocking `wallet` that way fails: the error.
/// Unlocks `wallet` with the recovery key it was created with.
pub async fn unlock_with_recovery(wallet: &mut Wallet, created: &Created) {
    let recovery = RecoveryKey::parse(&created.recovery_key.reveal()).unwrap();
    wallet
        .unlock(Unlock::RecoveryKey(&recovery), now())
        .await
        .unwrap();
}

pub async fn refused(wallet: &mut Wallet, unlock: Unlock<'_>) -> StoreError {
    wallet.unlock(unlock, now()).await.unwrap_err()
}

/// The fixtures' mixed events `ids` on `cards` from `start`, as the feed delivers them.
pub fn mixed_events(
    ids: std::ops::Range<u64>,
    cards: &[String],
    start: DateTime<Utc>,
) -> Vec<IncomingEvent> {
    ids.map(|i| {
        consentry_testkit::events::incoming(consentry_testkit::events::mixed(i, cards, start))
    })
    .collect()
}
