//! Deliveries that could not be accepted (bad signature, unknown type, malformed): kept for
//! inspection instead of being dropped, with card numbers masked.

use chrono::{DateTime, Utc};
use sqlx::{SqliteExecutor, SqlitePool};

use crate::error::StoreError;
use crate::tables::pan_guard::redact_card_numbers;
use crate::time::{from_ms, to_ms};

/// Largest body kept, in bytes (a hostile feed must not fill the disk through here).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// One quarantined delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// Local id.
    pub id: i64,
    /// The event id, when it could be read.
    pub event_id: Option<String>,
    /// Why it was refused.
    pub reason: String,
    /// The body as received (lossy UTF-8, truncated, card numbers masked).
    pub body: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// A refused delivery, to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The event id, when it could be read.
    pub event_id: Option<String>,
    /// Why it was refused.
    pub reason: String,
    /// The body as received.
    pub body: String,
}

/// Keeps a refused delivery.
pub async fn put(
    db: impl SqliteExecutor<'_>,
    event_id: Option<&str>,
    reason: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let kept = &body[..body.len().min(MAX_BODY_BYTES)];
    let text = String::from_utf8_lossy(kept);
    let event_id = event_id.map(|e| redact_card_numbers(e).into_owned());
    let reason = redact_card_numbers(reason);
    let body = redact_card_numbers(&text);
    let (reason, body, at) = (reason.as_ref(), body.as_ref(), to_ms(now));
    let id = sqlx::query_scalar!(
        r#"INSERT INTO quarantine (event_id, reason, body, received_at_ms) VALUES (?, ?, ?, ?)
           RETURNING id AS "id!: i64""#,
        event_id,
        reason,
        body,
        at,
    )
    .fetch_one(db)
    .await?;
    Ok(id)
}

/// The most recent quarantined deliveries.
pub async fn recent(pool: &SqlitePool, limit: u32) -> Result<Vec<Quarantined>, StoreError> {
    let limit = i64::from(limit);
    let rows = sqlx::query!(
        r#"SELECT id AS "id!: i64", event_id, reason, body, received_at_ms FROM quarantine
           ORDER BY id DESC LIMIT ?"#,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Quarantined {
            id: row.id,
            event_id: row.event_id,
            reason: row.reason,
            body: row.body,
            received_at: from_ms(row.received_at_ms),
        })
        .collect())
}

/// How many deliveries are kept in quarantine.
pub async fn count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n = sqlx::query_scalar!(r#"SELECT count(*) AS "n!: i64" FROM quarantine"#)
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}
