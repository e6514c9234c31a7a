//! The wallet file: one SQLCipher database per cardholder, opened through sqlx. Two wings:
//!
//! - [`vault`]: the file and its keys. [`Wallet`] creates, unlocks ([`Unlock`]), locks and
//!   re-keys it through explicit [`WalletState`]s; the raw database key ([`DbKey`]) lives in
//!   the OS keyring ([`KeyringStore`]) and is sealed in `wallet.keys.json` to the passphrase
//!   (Argon2id) and the recovery key; [`integrity`] checks the file. A missing or wrong key
//!   never creates a new wallet nor touches the file.
//! - [`tables`]: the queries, one module per thing they touch ([`cards`], [`apps`],
//!   [`ledger`] with the grants and outbox it writes together, [`events`] (batched ingest),
//!   [`history`], [`activity`], [`reward_stats`], [`search`], …). They take a pool and know
//!   nothing of keys. The vault uses one table (`settings`, for the wallet id); tables never
//!   use the vault.
//!
//! Every function takes time as a parameter (`now`), never reads the clock.

mod error;
pub mod tables;
mod time;
pub mod vault;

pub use tables::{
    access, activity, admission, apps, arrivals, cards, claims, conflicts, devices, event_stream,
    events, feed_gaps, grants, history, ledger, outbox, pan_guard, platform_claims, purchases,
    quarantine, reward_stats, search, selection, settings, signed_changes,
};
pub use vault::integrity;

pub use error::{IoProblem, KeyFileProblem, KeySource, StoreError};
pub use vault::connect::open_plain_pool_for_benchmarks;
pub use vault::key::{DbKey, DB_KEY_LEN};
pub use vault::keyfile::KEY_FILE_FORMAT;
pub use vault::keystore::{
    KeyStore, KeyStoreError, KeyStoreFuture, KeyringStore, DEFAULT_KEYRING_TIMEOUT, KEYRING_SERVICE,
};
pub use vault::migrate::{pending_migrations, MIGRATOR};
pub use vault::passphrase::KdfParams;
pub use vault::rekey::RekeyStep;
pub use vault::secrets::{Passphrase, RecoveryKey, MIN_PASSPHRASE_CHARS};
pub use vault::state::{AutoLock, WalletState};
pub use vault::unlock::Unlock;
pub use vault::wallet::{CreateOptions, Created, Wallet, WalletPaths};
pub use vault::wallet_id::WalletId;
