//! Unlocking: from a secret to an open pool, through explicit states.
//!
//! The order guarantees that a missing or wrong key never touches the file:
//! 1. no database file → `new` (nothing is created here; creating is a separate call);
//! 2. the secret gives candidate keys (keyring entries, or slots opened by the passphrase or
//!    the recovery key); none → `key_missing` / `key_mismatch`;
//! 3. each candidate is checked against the key file's check values (no SQLite involved);
//! 4. a read-only probe reads the schema with the candidate: HMAC failures with a key the key
//!    file vouches for mean `corrupted`, otherwise `key_mismatch`;
//! 5. only then is the file opened read-write, an interrupted rotation finished or rolled back
//!    (see `rekey.rs`), pending migrations applied after a backup.

use chrono::{DateTime, Utc};
use x25519_dalek::StaticSecret;

use crate::connect::{self, Probe, PLAINTEXT_HEADER};
use crate::error::{KeySource, StoreError};
use crate::integrity;
use crate::key::DbKey;
use crate::keyfile::{KeyFile, Slot};
use crate::keystore::KeyStore;
use crate::migrate;
use crate::passphrase;
use crate::rekey::{self, KeyringView};
use crate::secrets::{Passphrase, RecoveryKey};
use crate::state::WalletState;
use crate::wallet::{Session, Wallet};

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
    fn source(&self) -> KeySource {
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

impl Wallet {
    /// Unlocks the wallet. On failure the state tells why (`new`, `key_missing`,
    /// `key_mismatch`, `corrupted`, or still `locked` for keyring or I/O trouble) and the file
    /// is untouched.
    pub async fn unlock(&mut self, how: Unlock<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
        if self.session.is_some() {
            return Ok(());
        }
        let result = self.try_unlock(how, now).await;
        self.state = match &result {
            Ok(()) => WalletState::Unlocked,
            Err(e) => e.wallet_state().unwrap_or(WalletState::Locked),
        };
        if result.is_ok() {
            self.autolock.touch(now);
        }
        result
    }

    async fn try_unlock(&mut self, how: Unlock<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let paths = self.paths.clone();
        let db = paths.db();
        if !db.exists() {
            return Err(StoreError::WalletNotFound(paths.dir().to_path_buf()));
        }
        check_not_plaintext(&db).await?;
        let file = match how {
            Unlock::RawKey(_) => KeyFile::read(&paths.keys()).ok().flatten(),
            _ => Some(KeyFile::read_required(&paths.keys())?),
        };
        let (candidates, keyring_view) = candidates(how, file.as_ref()).await?;
        // Keys the key file does not know never reach SQLite.
        let candidates: Vec<DbKey> = match &file {
            Some(f) => candidates.into_iter().filter(|k| f.knows(k)).collect(),
            None => candidates,
        };
        if candidates.is_empty() {
            return Err(StoreError::KeyMismatch(how.source()));
        }

        let interrupted_rekey = paths.journal().exists();
        let mut chosen = None;
        let mut rejection = None;
        for key in candidates {
            if interrupted_rekey {
                // A hot rollback journal is rolled back by the first read-write open; a
                // read-only probe cannot do that. Only keys the key file vouches for get here.
                chosen = Some(key);
                break;
            }
            match connect::probe(&db, &key).await? {
                Probe::Opens => {
                    chosen = Some(key);
                    break;
                }
                Probe::Rejected(reason) => rejection = Some(reason),
            }
        }
        let Some(key) = chosen else {
            let reason = rejection.unwrap_or_default();
            return Err(match file {
                Some(_) => StoreError::Corrupted(reason),
                None => StoreError::KeyMismatch(how.source()),
            });
        };

        let (pool, pool_key) = connect::open_pool(&db, &key, false).await?;
        let keyring = match how {
            Unlock::Keyring(store) => Some((store, keyring_view)),
            _ => None,
        };
        let opened = after_open(
            &pool,
            &paths,
            file.as_ref(),
            &key,
            keyring,
            self.verify_on_unlock,
            now,
        )
        .await;
        let backup = match opened {
            Ok(backup) => backup,
            Err(e) => {
                connect::close_pool(&pool).await;
                return Err(e);
            }
        };
        self.last_backup = backup;
        self.session = Some(Session {
            pool,
            pool_key,
            key,
            wallet_id: file.map(|f| f.wallet_id),
        });
        Ok(())
    }
}

/// Settles an interrupted rotation, migrates (after a backup) and optionally verifies.
async fn after_open(
    pool: &sqlx::SqlitePool,
    paths: &crate::wallet::WalletPaths,
    file: Option<&KeyFile>,
    key: &DbKey,
    keyring: Option<(&dyn KeyStore, KeyringView)>,
    verify: bool,
    now: DateTime<Utc>,
) -> Result<Option<std::path::PathBuf>, StoreError> {
    if let Some(file) = file {
        rekey::settle_after_open(paths, file, key, keyring).await?;
    }
    let backup = migrate::backup_then_migrate(pool, &paths.db(), &paths.backups(), now).await?;
    if verify {
        integrity::check(pool).await?.into_result()?;
    }
    Ok(backup)
}

/// An unencrypted SQLite header means someone replaced or decrypted the file.
async fn check_not_plaintext(db: &std::path::Path) -> Result<(), StoreError> {
    use tokio::io::AsyncReadExt as _;
    let mut file = tokio::fs::File::open(db)
        .await
        .map_err(|e| StoreError::io("opening the wallet file", db, e))?;
    let mut header = [0u8; 16];
    let read = file
        .read(&mut header)
        .await
        .map_err(|e| StoreError::io("reading the wallet file", db, e))?;
    if read == 16 && &header == PLAINTEXT_HEADER {
        return Err(StoreError::Corrupted(
            "the wallet file is not encrypted (plain SQLite header)".into(),
        ));
    }
    if read < 16 {
        return Err(StoreError::Corrupted("the wallet file is truncated".into()));
    }
    Ok(())
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
