//! Opens the platform's SQLite database (a file or private memory) and migrates it.
//!
//! One connection: SQLite has a single writer anyway, and with one connection every
//! read-modify-write transaction (idempotency keys, grant versions) is serialized without
//! busy retries. Long-polls hold no connection while they wait.

use std::str::FromStr;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::config::DataLocation;
use crate::error::PlatformError;

/// File name of the database inside `--data DIR`.
pub const DATABASE_FILE: &str = "platform.sqlite3";

/// Opens (creating if needed) and migrates the database.
pub async fn open(location: &DataLocation) -> Result<SqlitePool, PlatformError> {
    let options = match location {
        DataLocation::Memory => SqliteConnectOptions::from_str("sqlite::memory:")?,
        DataLocation::Directory(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| PlatformError::DataDirectory {
                path: dir.clone(),
                source,
            })?;
            SqliteConnectOptions::new()
                .filename(dir.join(DATABASE_FILE))
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
        }
    };
    let options = options.foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        // An in-memory database lives as long as its connection: never recycle it.
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}
