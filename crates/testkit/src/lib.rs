//! What the tests and benchmarks of every crate start from, so that each does not grow its own
//! copy: a real SQLCipher wallet in a temp dir (passphrase-protected with a cheap KDF, so tests
//! stay fast; no keyring unless a test asks for one), a fixed "now", small fixtures, and (with
//! the `platform` feature) the reference platform on a loopback port.
//!
//! A dev-dependency only: nothing here ships.

#![allow(
    clippy::expect_used,
    reason = "test support: a setup that fails ends the test, with the reason"
)]

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use consentry_domain::{Brand, Currency, Expiry, Money};
use consentry_store::cards::NewCard;
use consentry_store::{
    CreateOptions, Created, KdfParams, Passphrase, StoreError, Unlock, Wallet, WalletPaths,
};
use sqlx::SqlitePool;
use tempfile::TempDir;

#[cfg(feature = "webdriver")]
pub mod app;
pub mod bench;
pub mod events;
#[cfg(feature = "webdriver")]
pub mod memscan;
#[cfg(feature = "platform")]
pub mod platform;
#[cfg(feature = "platform")]
pub mod postgres;
pub mod session_bus;

/// The passphrase of every test wallet.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// [`PASSPHRASE`] as the store takes it.
pub fn passphrase() -> Passphrase {
    Passphrase::new(PASSPHRASE.to_owned())
}

/// A fixed "now" for tests that must not depend on the clock: 2026-11-27 12:00 UTC.
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Creates `wallet` protected by [`PASSPHRASE`] (cheap KDF), no keyring; it stays unlocked.
pub async fn create_with_passphrase(
    wallet: &mut Wallet,
    now: DateTime<Utc>,
) -> Result<Created, StoreError> {
    let phrase = passphrase();
    wallet
        .create(
            CreateOptions {
                keyring: None,
                passphrase: Some(&phrase),
                kdf: KdfParams::INSECURE_FOR_TESTS,
            },
            now,
        )
        .await
}

/// A new, unlocked passphrase wallet in `dir` (created if missing).
///
/// # Panics
/// When the wallet cannot be created: the test cannot go on.
pub async fn new_wallet(dir: &Path, now: DateTime<Utc>) -> (Wallet, Created) {
    let mut wallet = Wallet::new(WalletPaths::in_dir(dir), None, now);
    let created = create_with_passphrase(&mut wallet, now)
        .await
        .expect("create a test wallet");
    (wallet, created)
}

/// The wallet in `dir`, unlocked with [`PASSPHRASE`].
///
/// # Panics
/// When it does not open: the test cannot go on.
pub async fn open_wallet(dir: &Path, now: DateTime<Utc>) -> Wallet {
    let mut wallet = Wallet::new(WalletPaths::in_dir(dir), None, now);
    wallet
        .unlock(Unlock::Passphrase(&passphrase()), now)
        .await
        .expect("unlock the test wallet");
    wallet
}

/// A new wallet in a temp dir of its own (removed when dropped), unlocked.
pub struct TempWallet {
    pub dir: TempDir,
    pub wallet: Wallet,
    pub created: Created,
    pub pool: SqlitePool,
}

impl TempWallet {
    /// # Panics
    /// When no temp dir or wallet can be made.
    pub async fn new(now: DateTime<Utc>) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (wallet, created) = new_wallet(&dir.path().join("wallet"), now).await;
        let pool = wallet.pool().expect("an unlocked wallet").clone();
        Self {
            dir,
            wallet,
            created,
            pool,
        }
    }

    /// Where the wallet's files are.
    pub fn wallet_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("wallet")
    }
}

/// `minor` cents of euro.
pub fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

/// A Visa card as the wallet stores it after linking: token, last 4, expiry 12/2030.
///
/// # Panics
/// Never: the expiry is a constant valid date.
pub fn visa(token: &str, last4: &str) -> NewCard {
    NewCard {
        token: token.to_owned(),
        brand: Brand::Visa,
        last4: last4.to_owned(),
        expiry: Expiry::new(12, 2030).expect("a valid expiry"),
        nickname: None,
    }
}
