//! The wallet file and its keys: creating, unlocking, locking and re-keying [`crate::Wallet`],
//! the key file (`wallet.keys.json`, [`keyfile`]) and its sealed slots ([`seal`]), the
//! secrets people type ([`secrets`], [`passphrase`]), the OS keyring ([`keystore`]), SQLCipher
//! connections ([`connect`]), migrations with their backups ([`migrate`]) and the integrity
//! check ([`integrity`]).

pub(crate) mod connect;
pub mod integrity;
pub(crate) mod key;
pub(crate) mod keyfile;
pub(crate) mod keystore;
pub(crate) mod migrate;
pub(crate) mod open;
pub(crate) mod passphrase;
pub(crate) mod rekey;
pub(crate) mod seal;
pub(crate) mod secrets;
pub(crate) mod state;
pub(crate) mod unlock;
pub(crate) mod wallet;
pub(crate) mod wallet_id;
