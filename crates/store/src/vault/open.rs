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

use crate::error::StoreError;
use crate::vault::connect::{self, Probe, PLAINTEXT_HEADER};
use crate::vault::integrity;
use crate::vault::key::DbKey;
use crate::vault::keyfile::KeyFile;
use crate::vault::keystore::KeyStore;
use crate::vault::migrate;
use crate::vault::rekey;
use crate::vault::state::WalletState;
use crate::vault::unlock::{candidates, KeyringView, Unlock};
use crate::vault::wallet::{Session, Wallet};

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
                // A hot rollback journal is rolled back by the first read-write open (a
                // read-only probe cannot). It is sealed with the key the file had when it was
                // written, so each key the key file vouches for gets a read-write open in turn:
                // one that does not fit the journal fails on its first page, writing nothing.
                match connect::open_pool(&db, &key, false).await {
                    Ok(opened) => {
                        chosen = Some((key, opened));
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "a vouched key did not roll back the journal");
                        rejection = Some(e.to_string());
                        continue;
                    }
                }
            }
            match connect::probe(&db, &key).await? {
                Probe::Opens => {
                    let opened = connect::open_pool(&db, &key, false).await?;
                    chosen = Some((key, opened));
                    break;
                }
                Probe::Rejected(reason) => rejection = Some(reason),
            }
        }
        let Some((key, (pool, pool_key))) = chosen else {
            let reason = rejection.unwrap_or_default();
            return Err(match file {
                Some(_) => StoreError::Corrupted(reason),
                None => StoreError::KeyMismatch(how.source()),
            });
        };

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
    paths: &crate::vault::wallet::WalletPaths,
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
