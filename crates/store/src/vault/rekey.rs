//! Key rotation and passphrase changes, safe against a crash at any instant.
//!
//! Rotation protocol (old key K1, new key K2):
//! 1. seal K2 for every slot as generation `next`, beside `current` (K1), in one atomic
//!    replace of the key file; in keyring mode also store K2 under `<wallet id>.next`;
//! 2. close the pool, fold the WAL into the file, switch to a rollback journal and run
//!    `PRAGMA rekey`, one SQLite transaction: until it commits the journal holds the K1 pages;
//!    the connection closes still in rollback-journal mode (no journal left once committed);
//! 3. promote `next` to `current` in the key file (atomic replace), then the keyring entry;
//! 4. reopen with K2, which switches the file back to WAL.
//!
//! A crash leaves one of these, and unlocking settles each (see [`settle_after_open`]):
//! - before 1 completes: nothing changed;
//! - between 1 and the commit of 2: the file still opens with K1 (a hot journal is rolled back
//!   by the first read-write open); `next` is discarded;
//! - between 2 and 3: the file opens with K2 only; the key file still offers it as `next`, so
//!   unlocking tries it, and promotes it;
//! - between 3 and the keyring update: the keyring's `.next` entry holds K2; it is moved over.
//!
//! A passphrase change re-seals the same key for a new passphrase: a single atomic replace of
//! the key file, so a crash leaves the old or the new passphrase working, never neither.

use crate::error::StoreError;
use crate::vault::connect;
use crate::vault::key::DbKey;
use crate::vault::keyfile::{seal_generation, KeyFile, PassphraseRecipient, RecoveryRecipient};
use crate::vault::keystore::KeyStore;
use crate::vault::passphrase::{self, KdfParams};
use crate::vault::secrets::{Passphrase, RecoveryKey};
use crate::vault::state::WalletState;
use crate::vault::unlock::{candidates, keyring_accounts, KeyringView, Unlock};
use crate::vault::wallet::{Session, Wallet, WalletPaths};

/// Milestones of a key rotation, reported to an observer (progress UI, crash tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RekeyStep {
    /// The new key is sealed beside the old one in the key file.
    NextKeySealed,
    /// The new key is in the keyring under `<wallet id>.next`.
    NextKeyInKeyring,
    /// `PRAGMA rekey` is about to run (the longest step: it rewrites every page).
    Rekeying,
    /// The file is now encrypted with the new key.
    Rekeyed,
    /// The key file names the new key as current.
    KeyFileCommitted,
    /// The keyring holds only the new key.
    KeyringUpdated,
    /// The wallet is open again with the new key.
    Reopened,
}

/// Finishes or rolls back an interrupted rotation once a key has opened the file, and repairs
/// a keyring left behind by one.
pub(crate) async fn settle_after_open(
    paths: &WalletPaths,
    file: &KeyFile,
    key: &DbKey,
    keyring: Option<(&dyn KeyStore, KeyringView)>,
) -> Result<(), StoreError> {
    let check = key.check_value(&file.wallet_id);
    let mut settled = file.clone();
    if let Some(next) = &settled.next {
        if next.key_check == check {
            tracing::warn!("finishing an interrupted key rotation");
            settled.promote_next();
        } else {
            tracing::warn!("discarding an interrupted key rotation");
            settled.discard_next();
        }
        settled.write_atomic(&paths.keys())?;
    }
    if let Some((store, view)) = keyring {
        let (main, next) = keyring_accounts(file);
        if view.main_check.as_deref() != Some(check.as_str()) {
            store.save(&main, key).await?;
        }
        if view.next_present {
            store.delete(&next).await?;
        }
    }
    Ok(())
}

impl Wallet {
    /// Replaces the database key with a new random one (see the module docs for the
    /// protocol). `keyring` is required when the wallet keeps its key in the keyring.
    pub async fn rotate_key(
        &mut self,
        keyring: Option<&dyn KeyStore>,
        observer: &mut (dyn FnMut(RekeyStep) + Send),
    ) -> Result<(), StoreError> {
        self.rotate(keyring, None, observer).await
    }

    /// Replaces the recovery key with `new`: a key rotation whose new key is sealed to `new`
    /// instead of the old recovery key. Once it completes the old recovery key opens nothing,
    /// not even a copy of the old key file (the database is re-encrypted under a key it never
    /// sealed). A crash leaves the old recovery key working (before the re-encryption
    /// commits) or the new one (after), with the passphrase and the keyring working
    /// throughout; so show `new` to the cardholder *before* calling this.
    pub async fn replace_recovery_key(
        &mut self,
        new: &RecoveryKey,
        keyring: Option<&dyn KeyStore>,
        observer: &mut (dyn FnMut(RekeyStep) + Send),
    ) -> Result<(), StoreError> {
        self.rotate(keyring, Some(RecoveryRecipient::of(new)), observer)
            .await
    }

    async fn rotate(
        &mut self,
        keyring: Option<&dyn KeyStore>,
        new_recovery: Option<RecoveryRecipient>,
        observer: &mut (dyn FnMut(RekeyStep) + Send),
    ) -> Result<(), StoreError> {
        let paths = self.paths.clone();
        let mut file = KeyFile::read_required(&paths.keys())?;
        let keyring = match (file.keyring, keyring) {
            (true, None) => {
                return Err(StoreError::invalid(
                    "keyring",
                    "this wallet keeps its key in the keyring: pass the key store",
                ))
            }
            (true, Some(store)) => Some(store),
            (false, _) => None,
        };
        let session = self.session.take().ok_or(StoreError::Locked)?;
        let wallet_id = session.wallet_id;
        let old_key = session.key.duplicate();
        connect::close_pool(&session.pool).await;
        drop(session);
        self.state = WalletState::Locked;

        let new_key = DbKey::generate();
        let result = rotate(
            &paths,
            &mut file,
            (&old_key, &new_key),
            new_recovery,
            keyring,
            observer,
        )
        .await;
        // Reopen with whichever key the file now has: the new one after success; after a
        // failure, the old one unless the rekey itself had committed. A key that does not fit
        // fails at connect, before anything is written.
        let order = match result {
            Ok(()) => [new_key, old_key],
            Err(_) => [old_key, new_key],
        };
        let mut last_error = None;
        for key in order {
            match connect::open_pool(&paths.db(), &key, false).await {
                Ok((pool, pool_key)) => {
                    self.session = Some(Session {
                        pool,
                        pool_key,
                        key,
                        wallet_id,
                    });
                    self.state = WalletState::Unlocked;
                    result?;
                    observer(RekeyStep::Reopened);
                    return Ok(());
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(match (result, last_error) {
            (Err(e), _) => e,
            (Ok(()), Some(e)) => e,
            (Ok(()), None) => StoreError::Internal("no key reopened the wallet".into()),
        })
    }

    /// Sets or changes the passphrase (the wallet must be unlocked; the api layer decides
    /// whether to ask for the current one first).
    pub async fn change_passphrase(
        &mut self,
        new: &Passphrase,
        kdf: KdfParams,
    ) -> Result<(), StoreError> {
        new.validate_new()?;
        let key = self.raw_key()?;
        let mut file = KeyFile::read_required(&self.paths.keys())?;
        if file.next.is_some() {
            return Err(StoreError::Internal("a key rotation is unfinished".into()));
        }
        let salt = passphrase::new_salt();
        let secret = passphrase::derive_secret_blocking(new, salt.to_vec(), kdf).await?;
        file.passphrase = Some(PassphraseRecipient::new(kdf, &salt, &secret));
        file.current = file.seal_generation(&key, file.current.number)?;
        file.write_atomic(&self.paths.keys())
    }

    /// Whether `how` opens this (unlocked) wallet's current key: asked again before the
    /// passphrase or the keyring entry changes, so an open window alone cannot change them.
    pub async fn proves(&self, how: Unlock<'_>) -> Result<bool, StoreError> {
        let session = self.session.as_ref().ok_or(StoreError::Locked)?;
        let file = KeyFile::read_required(&self.paths.keys())?;
        let (keys, _) = candidates(how, Some(&file)).await?;
        Ok(keys.contains(&session.key))
    }

    /// Where the key is kept: (in the OS keyring, sealed to a passphrase); `None` without a
    /// readable key file.
    pub fn key_homes(&self) -> Option<(bool, bool)> {
        let file = KeyFile::read(&self.paths.keys()).ok().flatten()?;
        Some((file.keyring, file.passphrase.is_some()))
    }

    /// Takes the key out of `store`. Refused without a passphrase (the recovery key alone
    /// is not a way to unlock every day). The key file says so first, then the entry goes:
    /// a crash in between leaves an entry nobody uses, never a wallet that claims one.
    pub async fn remove_key_from(&mut self, store: &dyn KeyStore) -> Result<(), StoreError> {
        self.session.as_ref().ok_or(StoreError::Locked)?;
        let mut file = KeyFile::read_required(&self.paths.keys())?;
        if file.passphrase.is_none() {
            return Err(StoreError::Invalid {
                field: "keyring",
                reason: "set a passphrase first: without the keyring it is how the wallet unlocks"
                    .into(),
            });
        }
        let (main, next) = keyring_accounts(&file);
        if file.keyring {
            file.keyring = false;
            file.write_atomic(&self.paths.keys())?;
        }
        store.delete(&main).await?;
        store.delete(&next).await?;
        Ok(())
    }

    /// Stores the current key in `store` (after unlocking with the recovery key because the
    /// keyring entry was lost, or to switch a passphrase-only wallet to the keyring).
    pub async fn save_key_to(&mut self, store: &dyn KeyStore) -> Result<(), StoreError> {
        let key = self.raw_key()?;
        let mut file = KeyFile::read_required(&self.paths.keys())?;
        let (main, _) = keyring_accounts(&file);
        store.save(&main, &key).await?;
        if !file.keyring {
            file.keyring = true;
            file.write_atomic(&self.paths.keys())?;
        }
        Ok(())
    }
}

async fn rotate(
    paths: &WalletPaths,
    file: &mut KeyFile,
    (old_key, new_key): (&DbKey, &DbKey),
    new_recovery: Option<RecoveryRecipient>,
    keyring: Option<&dyn KeyStore>,
    observer: &mut (dyn FnMut(RekeyStep) + Send),
) -> Result<(), StoreError> {
    let number = file.current.number + 1;
    file.next = Some(seal_generation(
        &file.wallet_id,
        new_recovery.as_ref().unwrap_or(&file.recovery),
        file.passphrase.as_ref(),
        new_key,
        number,
    )?);
    file.next_recovery = new_recovery;
    file.write_atomic(&paths.keys())?;
    observer(RekeyStep::NextKeySealed);
    let (main, next) = keyring_accounts(file);
    if let Some(store) = keyring {
        store.save(&next, new_key).await?;
        observer(RekeyStep::NextKeyInKeyring);
    }

    let mut conn = connect::open_single(&paths.db(), old_key).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut conn)
        .await?;
    observer(RekeyStep::Rekeying);
    connect::rekey(&mut conn, new_key).await?;
    observer(RekeyStep::Rekeyed);
    // Back to WAL only once the key file names the new key (the reopen does it): switching
    // rewrites the header through a rollback journal sealed with the new key, and a crash
    // inside that switch would leave a hot journal that the key file's current (old) key
    // cannot roll back.
    sqlx::Connection::close(conn).await?;

    file.promote_next();
    file.write_atomic(&paths.keys())?;
    observer(RekeyStep::KeyFileCommitted);
    if let Some(store) = keyring {
        store.save(&main, new_key).await?;
        store.delete(&next).await?;
        observer(RekeyStep::KeyringUpdated);
    }
    Ok(())
}
