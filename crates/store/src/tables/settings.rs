//! Small key-value state: wallet identity and preferences, plus the sync cursors.

use chrono::{DateTime, Utc};
use sqlx::SqliteExecutor;

use crate::error::StoreError;
use crate::tables::pan_guard;

/// The wallet id, written at creation.
pub const WALLET_ID: &str = "wallet_id";
/// Idle minutes before auto-lock (`0` = never).
pub const AUTO_LOCK_MINUTES: &str = "auto_lock_minutes";

/// Reads a setting.
pub async fn get(db: impl SqliteExecutor<'_>, key: &str) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar!("SELECT value FROM settings WHERE key = ?", key)
            .fetch_optional(db)
            .await?,
    )
}

/// Reads a setting holding a whole number (`None` when absent or not a number).
pub async fn get_i64(db: impl SqliteExecutor<'_>, key: &str) -> Result<Option<i64>, StoreError> {
    Ok(get(db, key).await?.and_then(|v| v.parse().ok()))
}

/// Writes a setting (refuses values that contain a card number).
pub async fn put(
    db: impl SqliteExecutor<'_>,
    key: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    pan_guard::refuse("setting", value)?;
    put_generated(db, key, value, now).await
}

/// Writes a value this program generated (an id), which the card-number guard must not judge:
/// a random UUID's digit groups can, rarely, look like a Luhn-valid card number.
pub(crate) async fn put_generated(
    db: impl SqliteExecutor<'_>,
    key: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let now_ms = now.timestamp_millis();
    sqlx::query!(
        "INSERT INTO settings (key, value, updated_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms",
        key,
        value,
        now_ms,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes a setting (nothing happens when it is absent).
pub async fn delete(db: impl SqliteExecutor<'_>, key: &str) -> Result<(), StoreError> {
    sqlx::query!("DELETE FROM settings WHERE key = ?", key)
        .execute(db)
        .await?;
    Ok(())
}

/// Where the feed named `feed` was last read up to.
pub async fn sync_cursor(
    db: impl SqliteExecutor<'_>,
    feed: &str,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar!("SELECT cursor FROM sync_cursors WHERE feed = ?", feed)
            .fetch_optional(db)
            .await?,
    )
}

/// Records the feed position. Callers write it in the same transaction as the events it
/// covers when they can (pass the transaction as `db`).
pub async fn set_sync_cursor(
    db: impl SqliteExecutor<'_>,
    feed: &str,
    cursor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let now_ms = now.timestamp_millis();
    sqlx::query!(
        "INSERT INTO sync_cursors (feed, cursor, updated_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, updated_at_ms = excluded.updated_at_ms",
        feed,
        cursor,
        now_ms,
    )
    .execute(db)
    .await?;
    Ok(())
}
