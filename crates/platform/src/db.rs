//! Opens the platform's SQLite database (a file or private memory) and migrates it.
//!
//! One connection: SQLite has a single writer anyway, and with one connection every
//! read-modify-write transaction (idempotency keys, grant versions) is serialized without
//! busy retries. Long-polls hold no connection while they wait.
//!
//! On disk the database is the platform's alone: its directory is made 0700 and the
//! database files (the database, `-wal`, `-shm`) 0600, whatever the umask.

use std::path::Path;
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
            let private = |result: std::io::Result<()>| {
                result.map_err(|source| PlatformError::DataDirectory {
                    path: dir.clone(),
                    source,
                })
            };
            private(private_directory(dir))?;
            // Created (empty) with its mode before SQLite opens it, so it is never readable
            // by others, not even for a moment.
            private(private_file(&dir.join(DATABASE_FILE)))?;
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
    if let DataLocation::Directory(dir) = location {
        // SQLite makes new side files with the database's mode, but opens one left behind
        // (by a crash, say) as it finds it.
        private_side_files(dir).map_err(|source| PlatformError::DataDirectory {
            path: dir.clone(),
            source,
        })?;
    }
    Ok(pool)
}

/// The files SQLite keeps next to the database.
const SIDE_FILE_SUFFIXES: [&str; 3] = ["-wal", "-shm", "-journal"];

#[cfg(unix)]
fn private_directory(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    // An existing file keeps the mode it was created with: tighten it.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(unix)]
fn private_side_files(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    for suffix in SIDE_FILE_SUFFIXES {
        let path = dir.join(format!("{DATABASE_FILE}{suffix}"));
        match std::fs::metadata(&path) {
            Ok(meta) if meta.permissions().mode() & 0o777 != 0o600 => {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_directory(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(not(unix))]
fn private_file(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn private_side_files(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}
