//! Schema migrations: embedded with `sqlx::migrate!`, timestamped, additive, never edited once
//! released. Before applying pending migrations to an existing wallet, the file is copied to
//! `backups/` (still encrypted with the same key), so a failed upgrade loses nothing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::vault::keyfile::sync_dir;

/// Every migration of the wallet schema, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Versions the database has applied successfully (empty for a new database).
async fn applied_versions(pool: &SqlitePool) -> Result<HashSet<i64>, StoreError> {
    let has_table: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    if has_table == 0 {
        return Ok(HashSet::new());
    }
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
            .fetch_all(pool)
            .await?;
    Ok(versions.into_iter().collect())
}

/// Migrations this build knows that the database has not applied yet.
pub async fn pending_migrations(pool: &SqlitePool) -> Result<Vec<i64>, StoreError> {
    let applied = applied_versions(pool).await?;
    Ok(MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
        .map(|m| m.version)
        .collect())
}

/// Applies pending migrations; copies the file to `backups_dir` first unless the database is
/// still empty. Returns the backup's path, if one was made.
pub(crate) async fn backup_then_migrate(
    pool: &SqlitePool,
    db_path: &Path,
    backups_dir: &Path,
    now: DateTime<Utc>,
) -> Result<Option<PathBuf>, StoreError> {
    let pending = pending_migrations(pool).await?;
    if pending.is_empty() {
        // Still let sqlx compare the checksums of what was applied: an edited release fails.
        MIGRATOR.run_direct(&mut *pool.acquire().await?).await?;
        return Ok(None);
    }
    // A database with no tables yet has nothing to lose; any other is copied first.
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_schema")
        .fetch_one(pool)
        .await?;
    let backup = if tables == 0 {
        None
    } else {
        let current = applied_versions(pool)
            .await?
            .into_iter()
            .max()
            .unwrap_or_default();
        Some(backup(pool, db_path, backups_dir, current, now).await?)
    };
    MIGRATOR.run_direct(&mut *pool.acquire().await?).await?;
    Ok(backup)
}

/// Copies the database file after folding the WAL into it, so the copy is complete on its own.
async fn backup(
    pool: &SqlitePool,
    db_path: &Path,
    backups_dir: &Path,
    schema_version: i64,
    now: DateTime<Utc>,
) -> Result<PathBuf, StoreError> {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await?;
    tokio::fs::create_dir_all(backups_dir)
        .await
        .map_err(|e| StoreError::io("creating the backups folder", backups_dir, e))?;
    crate::vault::keyfile::owner_only_dir(backups_dir)?;
    let name = format!(
        "wallet-{}-schema-{schema_version}.db",
        now.format("%Y%m%dT%H%M%S%.3fZ")
    );
    let target = backups_dir.join(name);
    let partial = target.with_extension("db.partial");
    tokio::fs::copy(db_path, &partial)
        .await
        .map_err(|e| StoreError::io("copying the wallet before migrating to", &partial, e))?;
    let file = tokio::fs::File::open(&partial)
        .await
        .map_err(|e| StoreError::io("opening the backup", &partial, e))?;
    file.sync_all()
        .await
        .map_err(|e| StoreError::io("syncing the backup", &partial, e))?;
    tokio::fs::rename(&partial, &target)
        .await
        .map_err(|e| StoreError::io("naming the backup", &target, e))?;
    sync_dir(&target)?;
    tracing::info!(backup = %target.display(), "backed up the wallet before migrating");
    Ok(target)
}
