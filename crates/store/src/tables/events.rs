//! Storing events from the platform: deduplicated by event id, in batched transactions.
//!
//! Each event becomes a row of `events` (the domain `Event` as JSON), plus a row of `points`
//! or `cashback` for rewards, a search entry (its words only: `rows::searchable_text`) for
//! transactions and receipts, and a `violations` row when the sync layer judged it outside the
//! cardholder's consent: all in the event's transaction.
//!
//! The Rust side of an event (JSON, card-number masking: [`rows`]) runs on the caller's task
//! while a thread of its own writes the rows before it ([`bulk`]), under settings made for
//! bulk writes ([`bulk::BulkSettings`]).

mod bulk;
mod raw;
mod rows;

pub(crate) use rows::{searchable_text, Searchable};
pub use rows::{stored_payload, MAX_PURCHASE_ID_BYTES};

use chrono::{DateTime, Utc};
use consentry_domain::ViolationReason;
use sqlx::{SqliteConnection, SqlitePool};

use crate::error::StoreError;
use crate::tables::quarantine::{self, Refusal};
use bulk::Job;

/// Events per transaction: large enough to amortise the commit, small enough to keep the write
/// lock short (a fraction of a second).
pub const EVENTS_PER_TRANSACTION: usize = 5_000;
/// Events prepared and handed to the writing thread at a time.
const ROWS_PER_BATCH: usize = 64;
/// Batches prepared ahead of the writing thread.
const BATCHES_AHEAD: usize = 4;

/// One verified, parsed event to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingEvent {
    /// The event.
    pub event: consentry_domain::Event,
    /// Whether its Standard Webhooks signature verified.
    pub signature_verified: bool,
    /// Set when the event arrived for a scope the cardholder had not granted (or revoked).
    pub violation: Option<ViolationReason>,
    /// Set when the event claims a time before the wallet's previous complete read of the
    /// feed (the platform held it back or back-dated it): how long before its arrival it
    /// claims to have happened, in milliseconds.
    pub late_by_ms: Option<i64>,
}

/// What an ingest call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// New events stored.
    pub inserted: u64,
    /// Events already stored (same id), skipped.
    pub duplicates: u64,
}

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// Stores `events`, skipping ids already stored.
pub async fn ingest(
    pool: &SqlitePool,
    events: &[IncomingEvent],
    received_at: DateTime<Utc>,
) -> Result<IngestReport, StoreError> {
    ingest_page(pool, events, &[], None, received_at).await
}

/// Stores `events` and moves the feed's cursor in the same transaction as the last of them,
/// so the cursor never gets ahead of what is on disk (a crash means a redelivery, which the
/// dedupe absorbs).
pub async fn ingest_with_cursor(
    pool: &SqlitePool,
    events: &[IncomingEvent],
    feed: &str,
    cursor: &str,
    received_at: DateTime<Utc>,
) -> Result<IngestReport, StoreError> {
    ingest_page(pool, events, &[], Some((feed, cursor)), received_at).await
}

/// One page of a feed, committed at once: `events`, the deliveries `refused` (quarantined)
/// and, when given, the feed's new `cursor` go in one transaction (pages hold fewer than
/// [`EVENTS_PER_TRANSACTION`] events; a larger batch commits in several, the refusals and the
/// cursor with the last). A crash leaves all of it or none of it.
pub async fn ingest_page(
    pool: &SqlitePool,
    events: &[IncomingEvent],
    refused: &[Refusal],
    cursor: Option<(&str, &str)>,
    received_at: DateTime<Utc>,
) -> Result<IngestReport, StoreError> {
    if events.is_empty() && refused.is_empty() && cursor.is_none() {
        return Ok(IngestReport::default());
    }
    let mut conn = pool.acquire().await?;
    if events.is_empty() {
        let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
        finish_page(&mut tx, refused, cursor, received_at).await?;
        tx.commit().await?;
        return Ok(IngestReport::default());
    }
    let job = Job {
        transactions: events
            .chunks(EVENTS_PER_TRANSACTION)
            .map(<[_]>::len)
            .collect(),
        refused: refused.to_vec(),
        cursor: cursor.map(|(feed, at)| (feed.to_owned(), at.to_owned())),
        received_at,
    };
    let (sender, receiver) = tokio::sync::mpsc::channel(BATCHES_AHEAD);
    let writer = tokio::task::spawn_blocking(move || bulk::write(conn, job, receiver));
    // Dropping the sender (here, or with this future) tells the writer there is no more.
    let prepared = prepare(events, sender).await;
    let written = writer.await.map_err(internal)?;
    prepared?;
    written
}

/// Prepares the rows of `events` in order and hands them to the writer a batch at a time;
/// stops early, without error, when the writer stopped (it reports why).
async fn prepare(
    events: &[IncomingEvent],
    writer: tokio::sync::mpsc::Sender<Vec<rows::Row>>,
) -> Result<(), StoreError> {
    for batch in events.chunks(ROWS_PER_BATCH) {
        let rows = batch.iter().map(rows::row).collect::<Result<Vec<_>, _>>()?;
        if writer.send(rows).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// The refusals and the cursor, in the page's (last) transaction.
async fn finish_page(
    conn: &mut SqliteConnection,
    refused: &[Refusal],
    cursor: Option<(&str, &str)>,
    received_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    for r in refused {
        quarantine::put(
            &mut *conn,
            r.event_id.as_deref(),
            &r.reason,
            r.body.as_bytes(),
            received_at,
        )
        .await?;
    }
    if let Some((feed, position)) = cursor {
        crate::tables::settings::set_sync_cursor(&mut *conn, feed, position, received_at).await?;
    }
    Ok(())
}

/// Whether an event id is already stored.
pub async fn exists(pool: &SqlitePool, id: &str) -> Result<bool, StoreError> {
    let found = sqlx::query_scalar!(r#"SELECT 1 AS "one!: i64" FROM events WHERE id = ?"#, id)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

/// The stored payloads of those of `ids` the wallet holds, by id. With [`stored_payload`] this
/// tells a repeated delivery (same payload) from an equivocation (same id, another body).
pub async fn stored_payloads(
    pool: &SqlitePool,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, String>, StoreError> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let ids = serde_json::to_string(ids).map_err(internal)?;
    let rows = sqlx::query!(
        r#"SELECT id AS "id!: String", payload AS "payload!: String" FROM events
           WHERE id IN (SELECT value FROM json_each(?))"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.payload)).collect())
}

/// How long before its arrival event `id` claims to have happened, when it was marked late.
pub async fn late_by_ms(pool: &SqlitePool, id: &str) -> Result<Option<i64>, StoreError> {
    let late = sqlx::query_scalar!(
        r#"SELECT l.late_by_ms AS "late!: i64" FROM late_events l
           JOIN events e ON e.seq = l.event_seq WHERE e.id = ?"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(late)
}

/// How many events are stored.
pub async fn count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n = sqlx::query_scalar!(r#"SELECT count(*) AS "n!: i64" FROM events"#)
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// How many stored events are flagged as consent violations.
pub async fn violation_count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n = sqlx::query_scalar!(r#"SELECT count(*) AS "n!: i64" FROM violations"#)
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}
