//! The wallet file: one SQLCipher database per cardholder, opened through sqlx.
//!
//! - [`Wallet`] creates, unlocks ([`Unlock`]), locks and re-keys it, through explicit
//!   [`WalletState`]s; a missing or wrong key never creates a new wallet nor touches the file.
//! - The raw 256-bit database key ([`DbKey`]) lives in the OS keyring ([`KeyringStore`]); the
//!   passphrase (Argon2id) and the recovery key shown at creation also unlock it
//!   (`wallet.keys.json` holds the sealed slots).
//! - Queries are grouped by what they touch: [`cards`], [`apps`], [`ledger`] (consent ledger,
//!   grants and outbox written together), [`outbox`], [`events`] (batched ingest),
//!   [`history`] (keyset pagination), [`activity`] (the filtered, searched feed),
//!   [`rewards`] and [`reward_stats`], [`search`] (FTS5), [`integrity`].
//!
//! Every function takes time as a parameter (`now`), never reads the clock.

mod connect;
mod error;
mod key;
mod keyfile;
mod keystore;
mod migrate;
mod open;
mod passphrase;
mod rekey;
mod seal;
mod secrets;
mod state;
mod time;
mod wallet;
mod wallet_id;

pub mod access;
pub mod activity;
pub mod admission;
pub mod apps;
pub mod arrivals;
pub mod cards;
pub mod claims;
pub mod events;
pub mod feed_gaps;
pub mod grants;
pub mod history;
pub mod integrity;
pub mod ledger;
pub mod outbox;
pub mod pan_guard;
pub mod platform_claims;
pub mod quarantine;
pub mod reward_stats;
pub mod rewards;
pub mod search;
pub mod settings;
pub mod signed_changes;

pub use connect::open_plain_pool_for_benchmarks;
pub use error::{IoProblem, KeyFileProblem, KeySource, StoreError};
pub use key::{DbKey, DB_KEY_LEN};
pub use keyfile::KEY_FILE_FORMAT;
pub use keystore::{
    KeyStore, KeyStoreError, KeyStoreFuture, KeyringStore, DEFAULT_KEYRING_TIMEOUT, KEYRING_SERVICE,
};
pub use migrate::{pending_migrations, MIGRATOR};
pub use open::Unlock;
pub use passphrase::KdfParams;
pub use rekey::RekeyStep;
pub use secrets::{Passphrase, RecoveryKey, MIN_PASSPHRASE_CHARS};
pub use state::{AutoLock, WalletState};
pub use wallet::{CreateOptions, Created, Wallet, WalletPaths};
pub use wallet_id::WalletId;
