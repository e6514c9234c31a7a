//! Opens the platform's database — SQLite (a file or private memory) or PostgreSQL — and
//! migrates it; and the transactions that keep it correct when several platform processes
//! share one PostgreSQL database.
//!
//! Every query is written once, in the SQL both databases read (numbered `$n` placeholders,
//! `ON CONFLICT`, integers read as `i64`, times as RFC 3339 text), and runs through sqlx's
//! `Any` driver. The schemas are `migrations/` (SQLite) and `migrations-postgres/`.
//!
//! **SQLite**: one connection. SQLite has a single writer anyway, and with one connection
//! every read-modify-write transaction (idempotency keys, grant versions) is serialized
//! without busy retries. Long-polls hold no connection while they wait. On disk the
//! database is the platform's alone: its directory is made 0700 and the database files (the
//! database, `-wal`, `-shm`) 0600, whatever the umask.
//!
//! **PostgreSQL**: a pool per process, any number of processes. What SQLite's single writer
//! gave for free is rebuilt with advisory locks held until commit:
//! - [`begin_for`] (a transaction that changes one cardholder's rows) takes that
//!   cardholder's lock, so two instances never interleave one cardholder's read-modify-write
//!   (idempotency keys, grant versions, points balances) and — the feed cursor — an event
//!   seq taken later for the cardholder always commits later;
//! - [`begin_exclusive`] (the settler, publishing terms, rotating keys, first start) takes
//!   the platform lock, which every [`begin_for`] shares.
//!
//! On SQLite both are a plain transaction.

use std::path::{Path, PathBuf};
use std::str::FromStr;
#[cfg(feature = "postgres")]
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, Executor as _};

use crate::error::PlatformError;

/// The platform's connection pool (either database).
pub type Pool = sqlx::AnyPool;
/// One connection, or a transaction (`&mut *tx`).
pub type Conn = sqlx::AnyConnection;
/// A transaction on the pool.
pub type Tx = sqlx::Transaction<'static, Any>;

/// Where the platform keeps its database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataLocation {
    /// A private in-memory SQLite database, gone when the platform stops (tests, demo mode).
    Memory,
    /// `platform.sqlite3` inside this directory, created if missing.
    Directory(PathBuf),
    /// A PostgreSQL database (`postgres://…`), which several platform processes may serve
    /// at once.
    Postgres(DatabaseUrl),
}

/// A database URL; it may hold a password, so `Debug` shows only its scheme.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// A `postgres://` or `postgresql://` URL; anything else is refused.
    pub fn postgres(url: &str) -> Result<DatabaseUrl, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl(url.to_owned()))
        } else {
            Err("the database URL must start with postgres:// (or postgresql://)".into())
        }
    }

    /// The URL itself, for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl(postgres://…)")
    }
}

/// File name of the database inside `--data DIR`.
pub const DATABASE_FILE: &str = "platform.sqlite3";

/// Connections per process on PostgreSQL.
#[cfg(feature = "postgres")]
const POSTGRES_CONNECTIONS: u32 = 16;

/// Which database a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The database a pool connects to, from its URL (no connection taken).
    pub fn of_pool(pool: &Pool) -> Backend {
        if pool
            .connect_options()
            .database_url
            .scheme()
            .starts_with("postgres")
        {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn of(conn: &Conn) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Opens (creating if needed) and migrates the database.
pub async fn open(location: &DataLocation) -> Result<Pool, PlatformError> {
    sqlx::any::install_default_drivers();
    let pool = match location {
        DataLocation::Memory => sqlite_pool("sqlite::memory:").await?,
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
            let file = dir.join(DATABASE_FILE);
            private(private_file(&file))?;
            let url = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&file)
                .create_if_missing(true);
            let url = sqlx::ConnectOptions::to_url_lossy(&url);
            sqlite_pool(url.as_str()).await?
        }
        DataLocation::Postgres(url) => postgres_pool(url).await?,
    };
    match location {
        DataLocation::Postgres(_) => sqlx::migrate!("./migrations-postgres").run(&pool).await?,
        _ => sqlx::migrate!("./migrations").run(&pool).await?,
    }
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

#[cfg(feature = "postgres")]
async fn postgres_pool(url: &DatabaseUrl) -> Result<Pool, PlatformError> {
    let options = AnyConnectOptions::from_str(url.expose())?;
    Ok(AnyPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?)
}

#[cfg(not(feature = "postgres"))]
async fn postgres_pool(_url: &DatabaseUrl) -> Result<Pool, PlatformError> {
    Err(PlatformError::Config(
        "this build of the platform has no PostgreSQL support (cargo feature `postgres`)".into(),
    ))
}

async fn sqlite_pool(url: &str) -> Result<Pool, PlatformError> {
    let options = AnyConnectOptions::from_str(url)?;
    Ok(AnyPoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        // An in-memory database lives as long as its connection: never recycle it.
        .idle_timeout(None)
        .max_lifetime(None)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // A file database writes ahead; memory ignores it. Foreign keys are on.
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON;",
                )
                .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?)
}

/// A transaction that changes `cardholder`'s rows (see the module documentation).
pub async fn begin_for(pool: &Pool, cardholder: &str) -> Result<Tx, sqlx::Error> {
    let mut tx = pool.begin().await?;
    lock_for(&mut tx, cardholder).await?;
    Ok(tx)
}

/// Takes `cardholder`'s lock in a transaction begun without it (before its first write),
/// for a handler that learns whose rows it changes from the request's content.
pub async fn lock_for(tx: &mut Conn, cardholder: &str) -> Result<(), sqlx::Error> {
    if Backend::of(tx) == Backend::Postgres {
        sqlx::query(
            "SELECT pg_advisory_xact_lock_shared(0), pg_advisory_xact_lock(1, hashtext($1))",
        )
        .bind(cardholder)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// A transaction that may change any cardholder's rows or the platform's own (see the
/// module documentation).
pub async fn begin_exclusive(pool: &Pool) -> Result<Tx, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if Backend::of(&tx) == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(0)")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// Tells every platform process on the PostgreSQL database that `channel` changed
/// (`NOTIFY`, on a connection of the pool, outside any transaction). PostgreSQL only: on
/// SQLite there is one process and nobody to tell ([`crate::state::Shared::tell_others`]
/// checks).
pub async fn notify(pool: &Pool, channel: Channel, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel.name())
        .bind(payload)
        .execute(pool)
        .await?;
    Ok(())
}

/// What other platform processes on the same database are told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Events were committed: wake long-polls.
    Feed,
    /// The platform clock moved forward (payload: the offset in milliseconds).
    Clock,
}

impl Channel {
    #[cfg(feature = "postgres")]
    pub const ALL: [Channel; 2] = [Channel::Feed, Channel::Clock];

    pub fn name(self) -> &'static str {
        match self {
            Channel::Feed => "consentry_feed",
            Channel::Clock => "consentry_clock",
        }
    }

    #[cfg(feature = "postgres")]
    pub fn from_name(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.name() == name)
    }
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
