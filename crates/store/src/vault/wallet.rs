//! The wallet handle: where the files are, whether it is open, creating it, locking it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::vault::connect;
use crate::vault::key::DbKey;
use crate::vault::keyfile::{
    owner_only, seal_generation, sync_dir, KeyFile, PassphraseRecipient, RecoveryRecipient,
    KEY_FILE_FORMAT,
};
use crate::vault::keystore::KeyStore;
use crate::vault::migrate;
use crate::vault::passphrase::{self, KdfParams};
use crate::vault::secrets::{Passphrase, RecoveryKey};
use crate::vault::state::{AutoLock, WalletState};
use crate::vault::wallet_id::WalletId;

/// The files of one wallet, all inside one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletPaths {
    dir: PathBuf,
}

impl WalletPaths {
    /// The wallet that lives in `dir` (the app's data folder, or a temp dir in tests).
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The SQLCipher database.
    pub fn db(&self) -> PathBuf {
        self.dir.join("wallet.db")
    }

    /// Its write-ahead log.
    pub fn wal(&self) -> PathBuf {
        self.dir.join("wallet.db-wal")
    }

    /// Its WAL index.
    pub fn shm(&self) -> PathBuf {
        self.dir.join("wallet.db-shm")
    }

    /// Its rollback journal (present only while a rekey runs, or after one was interrupted).
    pub fn journal(&self) -> PathBuf {
        self.dir.join("wallet.db-journal")
    }

    /// The key file (public key slots, KDF parameters, key check values).
    pub fn keys(&self) -> PathBuf {
        self.dir.join("wallet.keys.json")
    }

    /// Copies made before migrations.
    pub fn backups(&self) -> PathBuf {
        self.dir.join("backups")
    }

    fn creating(&self) -> PathBuf {
        self.dir.join("wallet.db.creating")
    }
}

/// How a new wallet keeps its key. The recovery key is always made.
#[derive(Clone, Copy)]
pub struct CreateOptions<'a> {
    /// Keep the database key in this key store (the OS keyring).
    pub keyring: Option<&'a dyn KeyStore>,
    /// Also (or instead) protect the key with this passphrase.
    pub passphrase: Option<&'a Passphrase>,
    /// Argon2id cost for the passphrase.
    pub kdf: KdfParams,
}

impl std::fmt::Debug for CreateOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateOptions")
            .field("keyring", &self.keyring.is_some())
            .field("passphrase", &self.passphrase.is_some())
            .field("kdf", &self.kdf)
            .finish()
    }
}

/// What creating a wallet hands back once.
#[derive(Debug)]
pub struct Created {
    /// The new wallet's id.
    pub wallet_id: WalletId,
    /// Show it to the cardholder once; it is not stored anywhere.
    pub recovery_key: RecoveryKey,
}

/// An open wallet's connection and key; dropping it zeroizes the key, its own copy and the
/// one the pool keys new connections with (clones of the pool may outlive the session).
pub(crate) struct Session {
    pub pool: SqlitePool,
    pub pool_key: connect::PoolKey,
    pub key: DbKey,
    pub wallet_id: Option<WalletId>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.pool_key.wipe();
    }
}

/// One cardholder's wallet: its files, its state, and while unlocked its connection pool.
pub struct Wallet {
    pub(crate) paths: WalletPaths,
    pub(crate) state: WalletState,
    pub(crate) session: Option<Session>,
    pub(crate) autolock: AutoLock,
    pub(crate) verify_on_unlock: bool,
    pub(crate) last_backup: Option<PathBuf>,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("dir", &self.paths.dir)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// A handle on the wallet in `paths`, locked (or `new` when there is no file). No I/O
    /// beyond checking which files exist.
    pub fn new(paths: WalletPaths, idle_limit: Option<Duration>, now: DateTime<Utc>) -> Self {
        let state = if paths.db().exists() {
            WalletState::Locked
        } else {
            WalletState::New
        };
        Self {
            paths,
            state,
            session: None,
            autolock: AutoLock::new(idle_limit, now),
            verify_on_unlock: false,
            last_backup: None,
        }
    }

    /// Also run the full page-HMAC integrity check on every unlock (reads the whole file).
    pub fn verify_integrity_on_unlock(mut self, verify: bool) -> Self {
        self.verify_on_unlock = verify;
        self
    }

    /// The files.
    pub fn paths(&self) -> &WalletPaths {
        &self.paths
    }

    /// The current state.
    pub fn state(&self) -> WalletState {
        self.state
    }

    /// The wallet id (from the key file), when unlocked.
    pub fn wallet_id(&self) -> Option<WalletId> {
        self.session.as_ref().and_then(|s| s.wallet_id)
    }

    /// The backup made before the last migration, if the last unlock migrated.
    pub fn last_backup(&self) -> Option<&Path> {
        self.last_backup.as_deref()
    }

    /// The connection pool; `Locked` unless unlocked. Clone it freely: it closes on lock.
    pub fn pool(&self) -> Result<&SqlitePool, StoreError> {
        self.session
            .as_ref()
            .map(|s| &s.pool)
            .ok_or(StoreError::Locked)
    }

    /// A copy of the raw database key, for the cardholder who wants to open their own wallet
    /// in another SQLCipher tool (`PRAGMA key = "x'…'"`). `Locked` unless unlocked.
    pub fn raw_key(&self) -> Result<DbKey, StoreError> {
        self.session
            .as_ref()
            .map(|s| s.key.duplicate())
            .ok_or(StoreError::Locked)
    }

    /// Records activity for the idle timer.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        self.autolock.touch(now);
    }

    /// The idle time after which the wallet should lock, if any.
    pub fn autolock_limit(&self) -> Option<Duration> {
        self.autolock.idle_limit()
    }

    /// The idle timer.
    pub fn autolock(&mut self) -> &mut AutoLock {
        &mut self.autolock
    }

    /// Whether the wallet is unlocked and has been idle past its limit at `now`.
    pub fn should_lock(&self, now: DateTime<Utc>) -> bool {
        self.session.is_some() && self.autolock.should_lock(now)
    }

    /// Closes the pool, folds the WAL into the file and drops the key from memory.
    pub async fn lock(&mut self) {
        if let Some(session) = self.session.take() {
            connect::close_pool(&session.pool).await;
            if let Err(e) = connect::checkpoint_and_close(&self.paths.db(), &session.key).await {
                // The WAL stays beside the file, encrypted; the next unlock replays it.
                tracing::warn!(error = %e, "could not fold the WAL into the wallet file on lock");
            }
            drop(session);
        }
        self.state = if self.paths.db().exists() {
            WalletState::Locked
        } else {
            WalletState::New
        };
    }

    /// Creates a new wallet and leaves it unlocked. Refuses if a database file exists.
    ///
    /// Order matters for crash safety: the keyring entry and the key file are written first,
    /// the database is built under a temporary name and renamed into place last, so a crash
    /// never leaves a database that no stored key opens.
    pub async fn create(
        &mut self,
        options: CreateOptions<'_>,
        now: DateTime<Utc>,
    ) -> Result<Created, StoreError> {
        let paths = self.paths.clone();
        refuse_existing_artifacts(&paths)?;
        if let Some(p) = options.passphrase {
            p.validate_new()?;
        }
        tokio::fs::create_dir_all(&paths.dir)
            .await
            .map_err(|e| StoreError::io("creating the wallet folder", &paths.dir, e))?;
        crate::vault::keyfile::owner_only_dir(&paths.dir)?;

        let wallet_id = WalletId::generate();
        let key = DbKey::generate();
        let recovery_key = RecoveryKey::generate();
        let passphrase = match options.passphrase {
            Some(p) => {
                let salt = passphrase::new_salt();
                let secret =
                    passphrase::derive_secret_blocking(p, salt.to_vec(), options.kdf).await?;
                Some(PassphraseRecipient::new(options.kdf, &salt, &secret))
            }
            None => None,
        };
        let recovery = RecoveryRecipient::of(&recovery_key);
        let current = seal_generation(&wallet_id, &recovery, passphrase.as_ref(), &key, 1)?;
        let file = KeyFile {
            format: KEY_FILE_FORMAT,
            wallet_id,
            created_at: now,
            keyring: options.keyring.is_some(),
            recovery,
            passphrase,
            current,
            next: None,
            next_recovery: None,
        };

        if let Some(store) = options.keyring {
            store.save(&wallet_id.to_string(), &key).await?;
        }
        if let Err(e) = write_files(&paths, &file, &key, now).await {
            // Leave nothing half-made behind: no key file, no keyring entry for a wallet that
            // does not exist.
            let _ = remove_if_exists(&paths.creating()).await;
            let _ = std::fs::remove_file(paths.keys());
            if let Some(store) = options.keyring {
                let _ = store.delete(&wallet_id.to_string()).await;
            }
            return Err(e);
        }

        let (pool, pool_key) = connect::open_pool(&paths.db(), &key, false).await?;
        self.session = Some(Session {
            pool,
            pool_key,
            key,
            wallet_id: Some(wallet_id),
        });
        self.state = WalletState::Unlocked;
        self.autolock.touch(now);
        Ok(Created {
            wallet_id,
            recovery_key,
        })
    }
}

/// Refuses to create a wallet where any file of one is: the database, its WAL, WAL index or
/// journal, the key file (without it a restored database opens with nothing), or backups.
/// The error names the file. The one exception is a creation that crashed: its marker
/// (`wallet.db.creating`, made before the key file) is there and no database, so the key file
/// beside it never opened anything.
fn refuse_existing_artifacts(paths: &WalletPaths) -> Result<(), StoreError> {
    let crashed_creation = paths.creating().exists() && !paths.db().exists();
    for file in [
        paths.db(),
        paths.wal(),
        paths.shm(),
        paths.journal(),
        paths.keys(),
    ] {
        let ours = crashed_creation && file == paths.keys();
        if !ours && std::fs::symlink_metadata(&file).is_ok() {
            return Err(StoreError::WalletExists(file));
        }
    }
    let backups = paths.backups();
    if std::fs::read_dir(&backups).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(StoreError::WalletExists(backups));
    }
    Ok(())
}

/// Writes the key file, builds the database under a temporary name, renames it into place.
/// The temporary file is made first: until the rename it marks the key file as this
/// creation's own (see [`refuse_existing_artifacts`]).
async fn write_files(
    paths: &WalletPaths,
    file: &KeyFile,
    key: &DbKey,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let building = paths.creating();
    remove_if_exists(&building).await?;
    tokio::fs::File::create(&building)
        .await
        .map_err(|e| StoreError::io("marking the wallet being created", &building, e))?;
    file.write_atomic(&paths.keys())?;
    // One plain connection, not a pool: its close is a barrier, so the file is complete
    // (WAL folded in) before it is renamed into place.
    let mut conn = connect::open_single_creating(&building, key).await?;
    let built = async {
        owner_only(&building)?;
        build_schema(&mut conn, &file.wallet_id, now).await
    }
    .await;
    sqlx::Connection::close(conn).await?;
    built?;
    tokio::fs::rename(&building, paths.db())
        .await
        .map_err(|e| StoreError::io("moving the new wallet into place at", &paths.db(), e))?;
    sync_dir(&paths.db())
}

/// Applies every migration to a new database and records its id.
async fn build_schema(
    conn: &mut sqlx::SqliteConnection,
    wallet_id: &WalletId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    migrate::MIGRATOR.run_direct(&mut *conn).await?;
    crate::tables::settings::put_generated(
        &mut *conn,
        crate::tables::settings::WALLET_ID,
        &wallet_id.to_string(),
        now,
    )
    .await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn remove_if_exists(path: &Path) -> Result<(), StoreError> {
    for p in [
        path.to_path_buf(),
        PathBuf::from(format!("{}-wal", path.display())),
        PathBuf::from(format!("{}-shm", path.display())),
    ] {
        match tokio::fs::remove_file(&p).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io("removing an unfinished wallet", &p, e)),
        }
    }
    Ok(())
}
