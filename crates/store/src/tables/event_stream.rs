//! Reading selected events in ONE streamed query, for callers that need every selected event
//! and nothing else (the export's CSV tables).
//!
//! Why not the keyset pages of [`crate::selection::Pages`]: a page is a new statement (a new
//! index seek, a new row buffer) every 500 rows, and each stored event is decoded as a whole
//! domain `Event`, whose flattened, tagged payload makes serde buffer every field first. Here:
//!
//! - one statement, in one read transaction (a consistent snapshot), streamed row by row;
//! - on a dedicated connection: a small page cache (a streamed scan reads each page once, so a
//!   big cache only costs memory) and a deep row channel, so SQLite runs ahead of the consumer
//!   on the other core instead of waking it for every row;
//! - the envelope comes from the table's columns and the payload is decoded straight into the
//!   struct of its kind (the `kind` column says which), which serde reads in one pass.
//!
//! Rows come as [`HistoryItem`]s, in batches, so callers can report progress and stop
//! between batches.

use std::future::poll_fn;
use std::str::FromStr as _;

use chrono::{DateTime, Utc};
use consentry_domain::{Event, EventPayload, EventType};
use futures_core::stream::BoxStream;
use serde_json::from_str;
use sqlx::sqlite::SqliteRow;
use sqlx::{Connection as _, QueryBuilder, Row as _, SqliteConnection};
use sqlx::{Sqlite, SqlitePool};

use crate::history::HistoryItem;
use crate::selection::EventSelection;
use crate::StoreError;

/// Rows per batch: progress and cancellation are checked between batches.
pub const BATCH: usize = 500;
/// Page cache of the reader's connection, in KiB (the wallet's connections keep 32 MiB).
const CACHE_KIB: u32 = 4096;

/// A connection of its own for one long read, with the wallet's key and settings.
pub struct EventReader {
    conn: SqliteConnection,
}

impl EventReader {
    /// Takes a connection out of `pool` (already keyed: the key is not in the pool's options,
    /// see `vault::connect`), tuned for one long scan; it is closed, not returned, at
    /// [`EventReader::close`].
    pub async fn open(pool: &SqlitePool) -> Result<Self, StoreError> {
        let mut conn = pool.acquire().await?.detach();
        // Reads only: this connection never takes the write lock.
        let tune = format!("PRAGMA cache_size = -{CACHE_KIB}; PRAGMA query_only = ON");
        sqlx::query(&tune).execute(&mut conn).await?;
        Ok(Self { conn })
    }

    /// How many events match (the progress estimate).
    pub async fn count(&mut self, selection: &EventSelection) -> Result<u64, StoreError> {
        let n: i64 = selection
            .count_query()
            .build_query_scalar()
            .fetch_one(&mut self.conn)
            .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// The events `query` selects, a batch at a time.
    pub fn batches<'c>(&'c mut self, query: &'c mut EventQuery) -> Batches<'c> {
        Batches {
            rows: query.0.build().fetch(&mut self.conn),
            done: false,
        }
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

/// The query of a selection's events, newest first (the history's order); the stream of
/// [`EventReader::batches`] borrows its text.
pub struct EventQuery(QueryBuilder<'static, Sqlite>);

impl EventQuery {
    pub fn new(selection: &EventSelection) -> Self {
        Self(events_query(selection))
    }
}

fn events_query(selection: &EventSelection) -> QueryBuilder<'static, Sqlite> {
    let mut sql = QueryBuilder::new(
        "SELECT e.seq, e.kind, e.id, e.occurred_at_ms, e.card_token, e.app_id, \
         e.signature_verified, e.received_at_ms, v.reason, e.payload \
         FROM events e LEFT JOIN violations v ON v.event_seq = e.seq WHERE 1 = 1",
    );
    selection.push_conditions(&mut sql);
    sql.push(" ORDER BY e.occurred_at_ms DESC, e.seq DESC");
    sql
}

/// The rows of one selection's query, a batch at a time ([`EventReader::batches`]).
pub struct Batches<'c> {
    rows: BoxStream<'c, Result<SqliteRow, sqlx::Error>>,
    done: bool,
}

impl Batches<'_> {
    /// The next batch (never empty), or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Vec<HistoryItem>>, StoreError> {
        let mut items = Vec::with_capacity(BATCH);
        while !self.done && items.len() < BATCH {
            match poll_fn(|cx| self.rows.as_mut().poll_next(cx)).await {
                Some(row) => items.push(item(&row?)?),
                None => self.done = true,
            }
        }
        Ok((!items.is_empty()).then_some(items))
    }
}

fn item(row: &SqliteRow) -> Result<HistoryItem, StoreError> {
    let seq: i64 = row.try_get(0)?;
    let kind: &str = row.try_get(1)?;
    let payload: &str = row.try_get(9)?;
    let corrupt = |what: &str, e: &dyn std::fmt::Display| {
        StoreError::Internal(format!("stored {what} {seq}: {e}"))
    };
    let kind = EventType::from_str(kind).map_err(|e| corrupt("event kind", &e))?;
    let violation: Option<&str> = row.try_get(8)?;
    let occurred_at_ms: i64 = row.try_get(3)?;
    let event = Event {
        id: row.try_get(2)?,
        occurred_at: occurred_at(payload, occurred_at_ms),
        card_token: row.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
        app_id: row.try_get(5)?,
        payload: decode_payload(kind, payload).map_err(|e| corrupt("event", &e))?,
    };
    Ok(HistoryItem {
        seq,
        event,
        signature_verified: row.try_get(6)?,
        violation: violation
            .map(from_str)
            .transpose()
            .map_err(|e| corrupt("violation", &e))?,
        received_at: millis(row.try_get(7)?),
    })
}

fn millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The event's own `occurred_at` (the column holds whole milliseconds; the event may be more
/// precise). The stored JSON is serde's compact output, envelope first, so the first
/// `"occurred_at":"` is the envelope's: a string value would have its quotes escaped.
fn occurred_at(payload: &str, ms: i64) -> DateTime<Utc> {
    const KEY: &str = "\"occurred_at\":\"";
    payload
        .find(KEY)
        .map(|at| &payload[at + KEY.len()..])
        .and_then(|rest| rest.split_once('"'))
        .and_then(|(text, _)| DateTime::parse_from_rfc3339(text).ok())
        .map_or_else(|| millis(ms), |t| t.with_timezone(&Utc))
}

/// The payload of a stored event of `kind`: its struct is read from the event's JSON, whose
/// other keys (the envelope, `type`) it ignores.
fn decode_payload(kind: EventType, json: &str) -> serde_json::Result<EventPayload> {
    use EventPayload as P;
    Ok(match kind {
        EventType::TransactionAuthorized => P::TransactionAuthorized(from_str(json)?),
        EventType::TransactionSettled => P::TransactionSettled(from_str(json)?),
        EventType::TransactionReversed => P::TransactionReversed(from_str(json)?),
        EventType::ReceiptIssued => P::ReceiptIssued(from_str(json)?),
        EventType::PointsAwarded => P::PointsAwarded(from_str(json)?),
        EventType::CashbackPending => P::CashbackPending(from_str(json)?),
        EventType::CashbackPaid => P::CashbackPaid(from_str(json)?),
        EventType::OfferIssued => P::OfferIssued(from_str(json)?),
        EventType::OfferRedeemed => P::OfferRedeemed(from_str(json)?),
        EventType::RecommendationMade => P::RecommendationMade(from_str(json)?),
        EventType::SocialPosted => P::SocialPosted(from_str(json)?),
        EventType::ConsentChanged => P::ConsentChanged(from_str(json)?),
        EventType::AppTermsChanged => P::AppTermsChanged(from_str(json)?),
        EventType::CardChanged => P::CardChanged(from_str(json)?),
    })
}
