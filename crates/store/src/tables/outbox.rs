//! Consent changes waiting for the platform's acknowledgement. Rows are written with their
//! ledger entry (see `ledger::record`) and drained in ledger order by the sync crate, each
//! sent with its idempotency key so a retry after a crash is applied at most once.

use chrono::{DateTime, Utc};
use consentry_domain::LedgerEntry;
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;

use crate::error::StoreError;
use crate::time::{from_ms, to_ms};

/// Longest error text kept per row.
const MAX_ERROR_CHARS: usize = 500;

/// One pending consent change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Sent as the `Idempotency-Key`; a UUIDv7.
    pub idempotency_key: Uuid,
    /// The ledger entry it carries.
    pub entry: LedgerEntry,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Not before this time.
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the change was made.
    pub created_at: DateTime<Utc>,
}

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

pub(crate) async fn enqueue(
    conn: &mut SqliteConnection,
    entry: &LedgerEntry,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let key = crate::time::uuid_v7(now);
    let payload = serde_json::to_string(entry).map_err(internal)?;
    let (key_text, seq, at) = (
        key.to_string(),
        i64::try_from(entry.seq).map_err(internal)?,
        to_ms(now),
    );
    sqlx::query!(
        "INSERT INTO outbox (idempotency_key, ledger_seq, payload, attempts, next_attempt_at_ms,
                             created_at_ms)
         VALUES (?, ?, ?, 0, ?, ?)",
        key_text,
        seq,
        payload,
        at,
        at,
    )
    .execute(&mut *conn)
    .await?;
    Ok(key)
}

/// An outbox row's columns, as `next_batch` reads them.
struct Row {
    idempotency_key: String,
    payload: String,
    attempts: i64,
    next_attempt_at_ms: i64,
    last_error: Option<String>,
    created_at_ms: i64,
}

fn from_row(row: Row) -> Result<OutboxItem, StoreError> {
    Ok(OutboxItem {
        idempotency_key: row.idempotency_key.parse().map_err(internal)?,
        entry: serde_json::from_str(&row.payload).map_err(internal)?,
        attempts: u32::try_from(row.attempts).map_err(internal)?,
        next_attempt_at: from_ms(row.next_attempt_at_ms),
        last_error: row.last_error,
        created_at: from_ms(row.created_at_ms),
    })
}

/// The next changes to send, oldest first, at most `limit`. Empty while the oldest pending
/// change is waiting for its retry time: changes are delivered in ledger order, so a later
/// change never overtakes an earlier one.
pub async fn next_batch(
    pool: &SqlitePool,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<OutboxItem>, StoreError> {
    let limit = i64::from(limit);
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT idempotency_key AS "idempotency_key!: String", payload, attempts,
                  next_attempt_at_ms, last_error, created_at_ms
           FROM outbox WHERE acked_at_ms IS NULL ORDER BY ledger_seq LIMIT ?"#,
        limit,
    )
    .fetch_all(pool)
    .await?;
    let items: Vec<OutboxItem> = rows.into_iter().map(from_row).collect::<Result<_, _>>()?;
    match items.first() {
        Some(head) if head.next_attempt_at > now => Ok(Vec::new()),
        _ => Ok(items),
    }
}

/// How many changes wait for the platform.
pub async fn pending_count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!: i64" FROM outbox WHERE acked_at_ms IS NULL"#
    )
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Records a failed attempt and when to try again.
pub async fn mark_failed(
    pool: &SqlitePool,
    key: Uuid,
    error: &str,
    next_attempt_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let error: String = crate::tables::pan_guard::redact_card_numbers(error)
        .chars()
        .take(MAX_ERROR_CHARS)
        .collect();
    let (at, key_text) = (to_ms(next_attempt_at), key.to_string());
    let done = sqlx::query!(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at_ms = ?
         WHERE idempotency_key = ? AND acked_at_ms IS NULL",
        error,
        at,
        key_text,
    )
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound {
            what: "pending outbox item",
            id: key.to_string(),
        });
    }
    Ok(())
}

/// Marks one pending change acknowledged; 1 if it was pending, 0 if not (already
/// acknowledged, or unknown).
async fn ack(
    conn: &mut SqliteConnection,
    key: &str,
    platform_version: i64,
    at_ms: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query!(
        "UPDATE outbox SET acked_at_ms = ?, platform_version = ?
         WHERE idempotency_key = ? AND acked_at_ms IS NULL",
        at_ms,
        platform_version,
        key,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Records the platform's acknowledgement. Idempotent: acknowledging twice keeps the first.
/// Returns whether this call was the first acknowledgement.
pub async fn mark_acked(
    pool: &SqlitePool,
    key: Uuid,
    platform_version: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let key_text = key.to_string();
    if ack(
        &mut *pool.acquire().await?,
        &key_text,
        platform_version,
        to_ms(now),
    )
    .await?
        == 1
    {
        return Ok(true);
    }
    let exists = sqlx::query_scalar!(
        r#"SELECT 1 AS "one!: i64" FROM outbox WHERE idempotency_key = ?"#,
        key_text,
    )
    .fetch_optional(pool)
    .await?;
    match exists {
        Some(_) => Ok(false),
        None => Err(StoreError::NotFound {
            what: "outbox item",
            id: key.to_string(),
        }),
    }
}

/// Records several acknowledgements in one transaction, so a whole wave of changes costs one
/// commit. Keys already acknowledged (or unknown) are skipped. Returns how many were first
/// acknowledgements.
pub async fn mark_acked_many(
    pool: &SqlitePool,
    acks: &[(Uuid, i64)],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    if acks.is_empty() {
        return Ok(0);
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut first = 0;
    let at = to_ms(now);
    for (key, platform_version) in acks {
        first += ack(&mut tx, &key.to_string(), *platform_version, at).await?;
    }
    tx.commit().await?;
    Ok(first)
}

/// Where the latest consent change of one grant stands with the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Not acknowledged yet; `last_error` and `next_attempt_at` once an attempt failed.
    Pending {
        attempts: u32,
        last_error: Option<String>,
        next_attempt_at: DateTime<Utc>,
    },
    /// The platform applied it.
    Delivered { at: DateTime<Utc> },
    /// Settled without being applied (a conflict or a refusal); the reason is kept.
    NotApplied { reason: Option<String> },
}

/// The delivery of the latest local change of each grant that has one, by grant id.
pub async fn latest_by_grant(
    pool: &SqlitePool,
) -> Result<std::collections::HashMap<String, Delivery>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT grant_id AS "grant_id!: String", attempts AS "attempts!: i64",
                  last_error AS "last_error?: String",
                  next_attempt_at_ms AS "next_attempt_at_ms!: i64",
                  acked_at_ms AS "acked_at_ms?: i64", platform_version AS "platform_version?: i64"
           FROM (SELECT l.grant_id, o.attempts, o.last_error, o.next_attempt_at_ms, o.acked_at_ms,
                        o.platform_version,
                        row_number() OVER (PARTITION BY l.grant_id ORDER BY o.ledger_seq DESC)
                            AS n
                 FROM outbox o JOIN consent_ledger l ON l.seq = o.ledger_seq)
           WHERE n = 1"#,
    )
    .fetch_all(pool)
    .await?;
    let mut out = std::collections::HashMap::with_capacity(rows.len());
    for row in rows {
        let delivery = match (row.acked_at_ms, row.platform_version) {
            (None, _) => Delivery::Pending {
                attempts: u32::try_from(row.attempts).map_err(internal)?,
                last_error: row.last_error,
                next_attempt_at: from_ms(row.next_attempt_at_ms),
            },
            (Some(_), Some(v)) if v < 0 => Delivery::NotApplied {
                reason: row.last_error,
            },
            (Some(at), _) => Delivery::Delivered { at: from_ms(at) },
        };
        out.insert(row.grant_id, delivery);
    }
    Ok(out)
}

/// Makes every pending change due now (the cardholder asked to sync now). Returns how many
/// were waiting for a later retry.
pub async fn retry_now(pool: &SqlitePool, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let now_ms = to_ms(now);
    let done = sqlx::query!(
        "UPDATE outbox SET next_attempt_at_ms = ?
         WHERE acked_at_ms IS NULL AND next_attempt_at_ms > ?",
        now_ms,
        now_ms,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Sets the feed horizon of every acknowledged change that has none and was acknowledged at
/// or before `read_started_at`: a complete read of the feed that started after the
/// acknowledgement reached `cursor`, so everything the platform made before it knew of the
/// change lies at or before `cursor`.
pub async fn set_feed_horizons(
    pool: &SqlitePool,
    read_started_at: DateTime<Utc>,
    cursor: u64,
) -> Result<u64, StoreError> {
    let started = to_ms(read_started_at);
    let cursor = i64::try_from(cursor).map_err(internal)?;
    let done = sqlx::query!(
        "UPDATE outbox SET feed_horizon = ?
         WHERE feed_horizon IS NULL AND acked_at_ms IS NOT NULL AND acked_at_ms <= ?",
        cursor,
        started,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// A revocation the platform acknowledged, with its feed horizon once known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcknowledgedRevocation {
    /// The ledger entry of the revocation.
    pub ledger_seq: u64,
    pub acked_at: DateTime<Utc>,
    /// See [`set_feed_horizons`].
    pub feed_horizon: Option<u64>,
}

/// Every revocation made here that the platform acknowledged.
pub async fn acknowledged_revocations(
    pool: &SqlitePool,
) -> Result<Vec<AcknowledgedRevocation>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT o.ledger_seq, o.acked_at_ms AS "acked_at_ms!: i64", o.feed_horizon
           FROM outbox o JOIN consent_ledger l ON l.seq = o.ledger_seq
           WHERE o.acked_at_ms IS NOT NULL AND l.action = 'revoke'
           ORDER BY o.ledger_seq"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AcknowledgedRevocation {
            ledger_seq: u64::try_from(r.ledger_seq).unwrap_or_default(),
            acked_at: from_ms(r.acked_at_ms),
            feed_horizon: r.feed_horizon.and_then(|h| u64::try_from(h).ok()),
        })
        .collect())
}
