//! Which database keys a secret yields: the keyring's entries, or the key file's slots opened
//! by the passphrase or the recovery key. Nothing here touches the database; unlocking
//! (`open.rs`) and re-keying (`rekey.rs`) both start from these candidates.

use x25519_dalek::StaticSecret;

use crate::error::{KeySource, StoreError};
use crate::vault::key::DbKey;
use crate::vault::keyfile::{KeyFile, Slot};
use crate::vault::keystore::KeyStore;
use crate::vault::passphrase;
use crate::vault::secrets::{Passphrase, RecoveryKey};

/// The secret the cardholder unlocks with.
#[derive(Clone, Copy)]
pub enum Unlock<'a> {
    /// The key kept in the OS keyring.
    Keyring(&'a dyn KeyStore),
    /// The passphrase.
    Passphrase(&'a Passphrase),
    /// The recovery key shown at creation.
    RecoveryKey(&'a RecoveryKey),
    /// A raw database key (tools, tests, the benchmark).
    RawKey(&'a DbKey),
}

impl Unlock<'_> {
    pub(crate) fn source(&self) -> KeySource {
        match self {
            Unlock::Keyring(_) => KeySource::Keyring,
            Unlock::Passphrase(_) => KeySource::Passphrase,
            Unlock::RecoveryKey(_) => KeySource::RecoveryKey,
            Unlock::RawKey(_) => KeySource::RawKey,
        }
    }
}

impl std::fmt::Debug for Unlock<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Unlock({})", self.source())
    }
}

/// The keyring account of a wallet's current key, and of the next key during a rotation.
pub(crate) fn keyring_accounts(file: &KeyFile) -> (String, String) {
    let id = file.wallet_id.to_string();
    let next = format!("{id}.next");
    (id, next)
}

/// What the keyring held at unlock time, so unlocking can repair it.
#[derive(Debug, Default)]
pub(crate) struct KeyringView {
    pub main_check: Option<String>,
    pub next_present: bool,
}

/// The keys the secret yields, current generation first (and, for the keyring, what it held).
pub(crate) async fn candidates(
    how: Unlock<'_>,
    file: Option<&KeyFile>,
) -> Result<(Vec<DbKey>, KeyringView), StoreError> {
    let only = |keys| Ok((keys, KeyringView::default()));
    match how {
        Unlock::RawKey(key) => only(vec![key.duplicate()]),
        Unlock::Keyring(store) => {
            let file = file.ok_or(StoreError::KeyMissing)?;
            let (current, next) = keyring_accounts(file);
            let main = store.load(&current).await?;
            // Every keyring call may prompt or stall: ask for the `.next` entry only when a
            // rotation may have been interrupted (see `rekey.rs`).
            let settled = file.next.is_none()
                && main
                    .as_ref()
                    .is_some_and(|k| k.check_value(&file.wallet_id) == file.current.key_check);
            let next = if settled {
                None
            } else {
                store.load(&next).await?
            };
            let view = KeyringView {
                main_check: main.as_ref().map(|k| k.check_value(&file.wallet_id)),
                next_present: next.is_some(),
            };
            let keys: Vec<DbKey> = main.into_iter().chain(next).collect();
            if keys.is_empty() {
                return Err(StoreError::KeyMissing);
            }
            Ok((order_by_generation(file, keys), view))
        }
        Unlock::Passphrase(passphrase) => {
            let file = file.ok_or(StoreError::NoPassphrase)?;
            let recipient = file.passphrase.as_ref().ok_or(StoreError::NoPassphrase)?;
            let secret = passphrase::derive_secret_blocking(
                passphrase,
                recipient.salt_bytes().map_err(StoreError::Internal)?,
                recipient.params,
            )
            .await?;
            only(open_slots(file, Slot::Passphrase, &secret)?)
        }
        Unlock::RecoveryKey(recovery) => {
            let file = file.ok_or(StoreError::KeyMismatch(KeySource::RecoveryKey))?;
            let secret = StaticSecret::from(*recovery.expose_bytes());
            only(open_slots(file, Slot::Recovery, &secret)?)
        }
    }
}

fn open_slots(file: &KeyFile, slot: Slot, secret: &StaticSecret) -> Result<Vec<DbKey>, StoreError> {
    let mut keys = Vec::new();
    for generation in file.generations() {
        keys.extend(file.open_slot(generation, slot, secret)?);
    }
    Ok(keys)
}

/// Puts the key of the file's current generation first.
fn order_by_generation(file: &KeyFile, mut keys: Vec<DbKey>) -> Vec<DbKey> {
    keys.sort_by_key(|k| k.check_value(&file.wallet_id) != file.current.key_check);
    keys
}
