//! Connection settings for a SQLCipher wallet file, and the read-only probe that tells a wrong
//! key from a damaged file without writing a byte.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions as _, Connection as _, SqliteConnection};

use crate::error::{is_corruption, StoreError};
use crate::key::DbKey;

/// Connections in the pool: SQLite allows one writer; the rest serve reads in WAL mode.
const POOL_SIZE: u32 = 4;
/// How long a connection waits for another's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The first 16 bytes of every *unencrypted* SQLite file.
pub(crate) const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

fn base_options(path: &Path, key: &DbKey) -> SqliteConnectOptions {
    // sqlx sends `key` before every other pragma, as SQLCipher requires.
    SqliteConnectOptions::new()
        .filename(path)
        .pragma("key", key.pragma_value().as_str().to_owned())
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .pragma("temp_store", "MEMORY")
        // Decrypting a page costs more than reading it: keep more of them (32 MiB each).
        .pragma("cache_size", "-32768")
        // sqlx logs each statement it runs, including the `PRAGMA key = "x'…'"` it sends on
        // connect: with statement logging on, a debug-level subscriber would record the key.
        .disable_statement_logging()
}

/// Read-write settings: WAL journal (encrypted like the main file), `synchronous = FULL` so a
/// committed consent change survives a power cut, temporary storage in memory.
pub(crate) fn read_write_options(path: &Path, key: &DbKey, create: bool) -> SqliteConnectOptions {
    base_options(path, key)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
}

/// Read-only settings for probing: never creates, never writes, sets no journal mode.
fn read_only_options(path: &Path, key: &DbKey) -> SqliteConnectOptions {
    base_options(path, key)
        .create_if_missing(false)
        .read_only(true)
}

/// Opens the wallet's pool and proves SQLCipher is what got linked.
pub(crate) async fn open_pool(
    path: &Path,
    key: &DbKey,
    create: bool,
) -> Result<SqlitePool, StoreError> {
    let pool = SqlitePoolOptions::new()
        .max_connections(POOL_SIZE)
        .min_connections(0)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(read_write_options(path, key, create))
        .await?;
    let cipher: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
        .fetch_optional(&pool)
        .await?;
    if cipher.as_deref().is_none_or(str::is_empty) {
        close_pool(&pool).await;
        return Err(StoreError::NotEncrypted);
    }
    Ok(pool)
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
    Ok(read_write_options(path, key, false).connect().await?)
}

/// Creates a new database file and opens one connection to it, after proving that SQLCipher
/// is linked (never write a wallet unencrypted).
pub(crate) async fn open_single_creating(
    path: &Path,
    key: &DbKey,
) -> Result<SqliteConnection, StoreError> {
    let mut conn = read_write_options(path, key, true).connect().await?;
    let cipher: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
        .fetch_optional(&mut conn)
        .await?;
    if cipher.as_deref().is_none_or(str::is_empty) {
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
    let mut conn = match read_only_options(path, key).connect().await {
        Ok(conn) => conn,
        Err(e) if is_corruption(&e) => return Ok(Probe::Rejected(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    let cipher: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
        .fetch_optional(&mut conn)
        .await?;
    if cipher.as_deref().is_none_or(str::is_empty) {
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
