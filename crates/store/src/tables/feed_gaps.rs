//! Stretches of the platform's feed the wallet skipped because it could not read them after
//! a bounded number of tries (an oversized or unreadable delivery, a stale one the platform
//! keeps serving). Skipping keeps every event behind them flowing; an open gap is shown to
//! the cardholder and retried until it is read or the cardholder's platform stops serving it.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::tables::pan_guard::redact_card_numbers;
use crate::time::{from_ms, to_ms};

/// Longest error text kept.
const MAX_ERROR_CHARS: usize = 500;

/// One skipped stretch of the feed: positions `after_cursor` < p <= `until_cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedGap {
    pub id: i64,
    pub after_cursor: u64,
    pub until_cursor: u64,
    /// The delivery known to be the cause, when there is one.
    pub event_id: Option<String>,
    /// Why it was skipped (the last error).
    pub error: String,
    pub tries: u32,
    pub opened_at: DateTime<Utc>,
    pub last_try_at: DateTime<Utc>,
    /// Set once it was read after all.
    pub closed_at: Option<DateTime<Utc>>,
}

fn clean(error: &str) -> String {
    redact_card_numbers(error)
        .chars()
        .take(MAX_ERROR_CHARS)
        .collect()
}

fn position(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Invalid {
        field: "feed position",
        reason: format!("{value} is beyond the largest stored position"),
    })
}

/// Records a skipped stretch; returns its id.
pub async fn open(
    pool: &SqlitePool,
    after_cursor: u64,
    until_cursor: u64,
    event_id: Option<&str>,
    error: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let after = position(after_cursor)?;
    let until = position(until_cursor)?;
    let event_id = event_id.map(clean);
    let error = clean(error);
    let at = to_ms(now);
    let id = sqlx::query_scalar!(
        r#"INSERT INTO feed_gaps (after_cursor, until_cursor, event_id, error, opened_at_ms,
                                 last_try_at_ms)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING id AS "id!: i64""#,
        after,
        until,
        event_id,
        error,
        at,
        at,
    )
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// The gaps still open, oldest first.
pub async fn open_gaps(pool: &SqlitePool) -> Result<Vec<FeedGap>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!: i64", after_cursor, until_cursor, event_id, error, tries,
                  opened_at_ms, last_try_at_ms, closed_at_ms
           FROM feed_gaps WHERE closed_at_ms IS NULL ORDER BY id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| FeedGap {
            id: r.id,
            after_cursor: u64::try_from(r.after_cursor).unwrap_or_default(),
            until_cursor: u64::try_from(r.until_cursor).unwrap_or_default(),
            event_id: r.event_id,
            error: r.error,
            tries: u32::try_from(r.tries).unwrap_or(u32::MAX),
            opened_at: from_ms(r.opened_at_ms),
            last_try_at: from_ms(r.last_try_at_ms),
            closed_at: r.closed_at_ms.map(from_ms),
        })
        .collect())
}

/// How many gaps are open.
pub async fn open_count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!: i64" FROM feed_gaps WHERE closed_at_ms IS NULL"#
    )
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Notes one more failed try of gap `id`.
pub async fn retried(
    pool: &SqlitePool,
    id: i64,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let error = clean(error);
    let at = to_ms(now);
    sqlx::query!(
        "UPDATE feed_gaps SET tries = tries + 1, error = ?, last_try_at_ms = ? WHERE id = ?",
        error,
        at,
        id,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Closes gap `id`: what it skipped was read after all.
pub async fn close(pool: &SqlitePool, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    let at = to_ms(now);
    sqlx::query!(
        "UPDATE feed_gaps SET closed_at_ms = ?, last_try_at_ms = ? WHERE id = ?",
        at,
        at,
        id,
    )
    .execute(pool)
    .await?;
    Ok(())
}
