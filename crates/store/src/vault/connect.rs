//! Connection settings for a SQLCipher wallet file, and the read-only probe that tells a wrong
//! key from a damaged file without writing a byte.

use std::path::Path;
use std::str::FromStr as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions as _, Connection as _, SqliteConnection};

use crate::error::{is_corruption, StoreError};
use crate::vault::key::DbKey;

/// Connections in the pool: SQLite allows one writer; the rest serve reads in WAL mode.
const POOL_SIZE: u32 = 4;
/// How long a connection waits for another's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The first 16 bytes of every *unencrypted* SQLite file.
pub(crate) const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Settings of every connection. The key is not among them: sqlx would keep it as a `String`
/// in the options and send it as SQL text (copies that outlive the lock); [`apply_key`] hands
/// it to SQLCipher's C API right after connecting instead. Until then nothing may touch the
/// file, so only pragmas that do not read it are set here.
fn base_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .pragma("temp_store", "MEMORY")
        // Rows SQLite may read ahead of the consumer (sqlx's default is 50): long scans
        // (the export) keep SQLite busy while the writer formats.
        .row_buffer_size(2048)
        .disable_statement_logging()
}

/// Read-write settings (the journal settings follow the key: see [`apply_key`]).
fn read_write_options(path: &Path, create: bool) -> SqliteConnectOptions {
    base_options(path).create_if_missing(create)
}

/// Read-only settings for probing: never creates, never writes, sets no journal mode.
fn read_only_options(path: &Path) -> SqliteConnectOptions {
    base_options(path).create_if_missing(false).read_only(true)
}

/// How a connection is used once keyed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// WAL journal (encrypted like the main file), `synchronous = FULL` so a committed
    /// consent change survives a power cut, a larger page cache.
    ReadWrite,
    /// Nothing that writes.
    ReadOnly,
}

/// Gives `key` to SQLCipher for `conn` through `sqlite3_key_v2`, from a zeroizing buffer (no
/// SQL text, nothing cached), then applies the settings that read the file.
async fn apply_key(
    conn: &mut SqliteConnection,
    key: &DbKey,
    mode: Mode,
) -> Result<(), sqlx::Error> {
    {
        let mut handle = conn.lock_handle().await?;
        key_handle(handle.as_raw_handle(), key, false)?;
    }
    configure(conn, mode).await
}

async fn configure(conn: &mut SqliteConnection, mode: Mode) -> Result<(), sqlx::Error> {
    if mode == Mode::ReadWrite {
        // Decrypting a page costs more than reading it: keep more of them (32 MiB each).
        sqlx::query(
            "PRAGMA cache_size = -32768; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL",
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// `sqlite3_key_v2` (or `sqlite3_rekey_v2` when `rekey`) with SQLCipher's raw-key syntax
/// `x'<64 hex>'`, built in and wiped from a zeroizing buffer; SQLCipher copies it into its
/// own memory, which it wipes when the connection closes.
#[allow(unsafe_code)]
fn key_handle(
    db: std::ptr::NonNull<libsqlite3_sys::sqlite3>,
    key: &DbKey,
    rekey: bool,
) -> Result<(), sqlx::Error> {
    let blob = key.raw_key_blob();
    let len = std::os::raw::c_int::try_from(blob.len())
        .map_err(|_| sqlx::Error::Protocol("the key is too long".into()))?;
    let main = c"main";
    // SAFETY: `db` is the connection's open handle, locked for this call by
    // `lock_handle`; `blob` lives across the call and SQLCipher copies its `len` bytes before
    // returning; `main` is a NUL-terminated string that outlives the call.
    let rc = unsafe {
        if rekey {
            libsqlite3_sys::sqlite3_rekey_v2(db.as_ptr(), main.as_ptr(), blob.as_ptr().cast(), len)
        } else {
            libsqlite3_sys::sqlite3_key_v2(db.as_ptr(), main.as_ptr(), blob.as_ptr().cast(), len)
        }
    };
    if rc == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Protocol(format!(
            "SQLCipher refused the {} (code {rc})",
            if rekey { "new key" } else { "key" }
        )))
    }
}

/// Re-encrypts the open database `conn` under `new_key` (`sqlite3_rekey_v2`).
pub(crate) async fn rekey(conn: &mut SqliteConnection, new_key: &DbKey) -> Result<(), StoreError> {
    let mut handle = conn.lock_handle().await?;
    key_handle(handle.as_raw_handle(), new_key, true)?;
    Ok(())
}

/// The key the pool keys its new connections with, shared with the session that opened it:
/// [`PoolKey::wipe`] (on lock) zeroizes it, whoever still holds a clone of the pool.
#[derive(Clone, Default)]
pub(crate) struct PoolKey(Arc<Mutex<Option<DbKey>>>);

impl PoolKey {
    fn new(key: &DbKey) -> Self {
        Self(Arc::new(Mutex::new(Some(key.duplicate()))))
    }

    /// Drops (and so zeroizes) the key; connections made afterwards fail.
    pub(crate) fn wipe(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

impl std::fmt::Debug for PoolKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PoolKey(<redacted>)")
    }
}

/// Opens the wallet's pool and proves SQLCipher is what got linked. Each connection is keyed
/// as it is made, from the returned [`PoolKey`].
pub(crate) async fn open_pool(
    path: &Path,
    key: &DbKey,
    create: bool,
) -> Result<(SqlitePool, PoolKey), StoreError> {
    let pool_key = PoolKey::new(key);
    let keying = pool_key.clone();
    let pool = SqlitePoolOptions::new()
        .max_connections(POOL_SIZE)
        .min_connections(0)
        .idle_timeout(None)
        .max_lifetime(None)
        .after_connect(move |conn, _meta| {
            let keying = keying.clone();
            Box::pin(async move {
                {
                    let mut handle = conn.lock_handle().await?;
                    let held = keying.0.lock().unwrap_or_else(PoisonError::into_inner);
                    let key = held.as_ref().ok_or(sqlx::Error::PoolClosed)?;
                    key_handle(handle.as_raw_handle(), key, false)?;
                }
                configure(conn, Mode::ReadWrite).await
            })
        })
        .connect_with(read_write_options(path, create))
        .await?;
    if !cipher_linked(&pool).await? {
        close_pool(&pool).await;
        pool_key.wipe();
        return Err(StoreError::NotEncrypted);
    }
    Ok((pool, pool_key))
}

/// Closes every connection of `pool` and returns once SQLite has closed them, or after a few
/// seconds with a warning.
///
/// `Pool::close` alone is not that barrier in sqlx 0.8: a connection whose return to the pool
/// races with `close` is closed a little later by a background task. Note also that when two
/// connections close at the same instant neither folds the WAL into the file (each sees the
/// other): callers that need the file whole use [`checkpoint_and_close`] afterwards.
pub(crate) async fn close_pool(pool: &SqlitePool) {
    pool.close().await;
    for _ in 0..1000 {
        if pool.size() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        pool.close().await;
    }
    tracing::warn!(
        open = pool.size(),
        "connections still open after closing the pool"
    );
}

/// Opens one connection, folds the WAL into the main file and closes: as the only connection,
/// SQLite then removes the WAL, leaving one self-contained (encrypted) file.
pub(crate) async fn checkpoint_and_close(path: &Path, key: &DbKey) -> Result<(), StoreError> {
    let mut conn = open_single(path, key).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// Opens one read-write connection outside the pool (for rekeying, checkpointing).
pub(crate) async fn open_single(path: &Path, key: &DbKey) -> Result<SqliteConnection, StoreError> {
    let mut conn = read_write_options(path, false).connect().await?;
    apply_key(&mut conn, key, Mode::ReadWrite).await?;
    Ok(conn)
}

/// Whether the connection runs SQLCipher (`PRAGMA cipher_version` names one): a wallet is never
/// written or read unencrypted.
async fn cipher_linked(db: impl sqlx::SqliteExecutor<'_>) -> Result<bool, StoreError> {
    let cipher: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
        .fetch_optional(db)
        .await?;
    Ok(cipher.as_deref().is_some_and(|c| !c.is_empty()))
}

/// Creates a new database file and opens one connection to it, after proving that SQLCipher
/// is linked (never write a wallet unencrypted).
pub(crate) async fn open_single_creating(
    path: &Path,
    key: &DbKey,
) -> Result<SqliteConnection, StoreError> {
    let mut conn = read_write_options(path, true).connect().await?;
    apply_key(&mut conn, key, Mode::ReadWrite).await?;
    if !cipher_linked(&mut conn).await? {
        let _ = conn.close().await;
        return Err(StoreError::NotEncrypted);
    }
    Ok(conn)
}

/// What the read-only probe found.
#[derive(Debug)]
pub(crate) enum Probe {
    /// The key opens the file and the schema reads.
    Opens,
    /// SQLCipher rejects the key or the first pages (HMAC failure, "not a database").
    Rejected(String),
}

/// Opens the file read-only with `key` and reads the schema. Never writes to the file.
pub(crate) async fn probe(path: &Path, key: &DbKey) -> Result<Probe, StoreError> {
    let mut conn = read_only_options(path).connect().await?;
    match apply_key(&mut conn, key, Mode::ReadOnly).await {
        Ok(()) => {}
        Err(e) if is_corruption(&e) => {
            let _ = conn.close().await;
            return Ok(Probe::Rejected(e.to_string()));
        }
        Err(e) => return Err(e.into()),
    }
    if !cipher_linked(&mut conn).await? {
        let _ = conn.close().await;
        return Err(StoreError::NotEncrypted);
    }
    let outcome = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_schema")
        .fetch_one(&mut conn)
        .await;
    let _ = conn.close().await;
    match outcome {
        Ok(_) => Ok(Probe::Opens),
        Err(e) if is_corruption(&e) => Ok(Probe::Rejected(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Opens a plain, unencrypted SQLite pool: only for the benchmark's side-by-side comparison.
#[doc(hidden)]
pub async fn open_plain_pool_for_benchmarks(path: &Path) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .create_if_missing(true)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .pragma("temp_store", "MEMORY")
        .pragma("cache_size", "-32768")
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .disable_statement_logging();
    Ok(SqlitePoolOptions::new()
        .max_connections(POOL_SIZE)
        .connect_with(options)
        .await?)
}
