//! Storing events from the platform: deduplicated by event id, in batched transactions of
//! multi-row INSERT statements (a one-row INSERT costs sqlx ~20 µs of overhead whatever the
//! row, so rows go 1,000 to a statement).
//!
//! Each event becomes a row of `events` (the domain `Event` as JSON), plus a row of `points`
//! or `cashback` for rewards, a search entry (its words only: `rows::searchable_text`) for
//! transactions and receipts, and a `violations` row when the sync layer judged it outside the
//! cardholder's consent: all in the event's transaction.
//!
//! The Rust side of an event (JSON, card-number masking: [`rows`]) runs while SQLite writes the
//! rows before it ([`bulk::overlap`]), under settings made for bulk writes
//! ([`bulk::BulkSettings`]).

mod bulk;
mod rows;

pub(crate) use rows::{searchable_text, Searchable};
pub use rows::{stored_payload, MAX_PURCHASE_ID_BYTES};

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use consentry_domain::ViolationReason;
use sqlx::{SqliteConnection, SqlitePool};

use crate::error::StoreError;
use crate::tables::quarantine::{self, Refusal};
use crate::time::to_ms;
use bulk::{overlap, values_sql, BulkSettings};
use rows::{Preparing, Reward, Row};

/// Rows per INSERT statement.
pub const ROWS_PER_STATEMENT: usize = 1000;
/// Events per transaction: large enough to amortise the commit, small enough to keep the write
/// lock short (a fraction of a second).
pub const EVENTS_PER_TRANSACTION: usize = 5_000;
/// Events of the next transaction prepared between two checks of whether SQLite is done with
/// its statement (a few tens of microseconds of work).
const PREPARED_PER_SLICE: usize = 8;

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
    let settings = BulkSettings::apply(&mut conn).await?;
    let page = Page {
        refused,
        cursor,
        received_at,
    };
    let result = ingest_chunks(&mut conn, events, &page).await;
    settings.restore(&mut conn).await;
    result
}

/// What a page commits besides its events.
struct Page<'a> {
    refused: &'a [Refusal],
    cursor: Option<(&'a str, &'a str)>,
    received_at: DateTime<Utc>,
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

async fn ingest_chunks(
    conn: &mut SqliteConnection,
    events: &[IncomingEvent],
    page: &Page<'_>,
) -> Result<IngestReport, StoreError> {
    let received_ms = to_ms(page.received_at);
    let mut report = IngestReport::default();
    let mut chunks = events.chunks(EVENTS_PER_TRANSACTION);
    let mut current = chunks.next().map(Preparing::new);
    while let Some(preparing) = current.take() {
        let rows = preparing.finish()?;
        let mut next = chunks.next().map(Preparing::new);
        let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
        let total = rows.len() as u64;
        let inserted = write_chunk(&mut tx, rows, next.as_mut(), received_ms).await?;
        if next.is_none() {
            finish_page(&mut tx, page.refused, page.cursor, page.received_at).await?;
        }
        overlap(tx.commit(), || prepare_some(&mut next.as_mut())).await?;
        report.inserted += inserted;
        report.duplicates += total - inserted;
        current = next;
    }
    Ok(report)
}

/// Prepares a slice of the next transaction's events, if there is one; whether any are left.
fn prepare_some(next: &mut Option<&mut Preparing<'_>>) -> bool {
    next.as_deref_mut()
        .is_some_and(|next| next.advance(PREPARED_PER_SLICE))
}

/// Writes one transaction's events; returns how many were new.
async fn write_chunk(
    conn: &mut SqliteConnection,
    rows: Vec<Row<'_>>,
    mut next: Option<&mut Preparing<'_>>,
    received_ms: i64,
) -> Result<u64, StoreError> {
    let base: i64 = overlap(
        sqlx::query_scalar!(r#"SELECT coalesce(max(seq), 0) AS "n!: i64" FROM events"#)
            .fetch_one(&mut *conn),
        || prepare_some(&mut next),
    )
    .await?;

    // Dedupe before inserting: look the ids up in one statement (normally none exist), drop
    // repeats within the chunk, then insert plain rows. Cheaper than `ON CONFLICT … RETURNING`,
    // whose returned rows cost sqlx a round trip each.
    let ids = serde_json::to_string(&rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())
        .map_err(internal)?;
    let stored: Vec<String> = overlap(
        sqlx::query_scalar!(
            r#"SELECT id AS "id!: String" FROM events WHERE id IN (SELECT value FROM json_each(?))"#,
            ids
        )
        .fetch_all(&mut *conn),
        || prepare_some(&mut next),
    )
    .await?;
    let keep: Vec<bool> = {
        let mut seen: HashSet<&str> = stored.iter().map(String::as_str).collect();
        rows.iter()
            .map(|row| seen.insert(row.id.as_str()))
            .collect()
    };
    let mut new: Vec<Row<'_>> = rows
        .into_iter()
        .zip(keep)
        .filter_map(|(row, keep)| keep.then_some(row))
        .collect();
    let seqs: Vec<i64> = (base + 1..).take(new.len()).collect();

    insert_events(conn, &mut new, &seqs, &mut next, received_ms).await?;
    insert_search_rows(conn, &mut new, &seqs, &mut next).await?;
    insert_rewards(conn, &mut new, &seqs, &mut next).await?;
    insert_violations(conn, &new, &seqs, &mut next, received_ms).await?;
    insert_late(conn, &new, &seqs, &mut next).await?;
    Ok(new.len() as u64)
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

/// Rows in the next statement when `left` rows remain: [`ROWS_PER_STATEMENT`], then the largest
/// power of two that fits. A prepared statement stays in sqlx's per-connection cache and a
/// 1,000-row `INSERT` holds about 0.7 MB there, so the rest of a transaction goes in at most ten
/// shapes that every later call reuses, instead of a new cached shape for every length.
fn statement_rows(left: usize) -> usize {
    if left >= ROWS_PER_STATEMENT {
        ROWS_PER_STATEMENT
    } else {
        1 << left.max(1).ilog2()
    }
}

/// Runs `prefix (…), (…)` over `items`, [`statement_rows`] at a time, binding an item's
/// `columns` parameters with `bind`, while the next transaction's events are prepared. Items
/// own their values, so binding moves them instead of copying.
async fn insert_rows<T, B>(
    conn: &mut SqliteConnection,
    prefix: &str,
    columns: usize,
    items: Vec<T>,
    next: &mut Option<&mut Preparing<'_>>,
    bind: B,
) -> Result<(), StoreError>
where
    B: for<'q> Fn(Query<'q>, T) -> Query<'q>,
{
    let full = values_sql(prefix, columns, ROWS_PER_STATEMENT);
    let mut items = items.into_iter();
    while items.len() > 0 {
        let rows = statement_rows(items.len());
        let smaller;
        let sql = if rows == ROWS_PER_STATEMENT {
            full.as_str()
        } else {
            smaller = values_sql(prefix, columns, rows);
            smaller.as_str()
        };
        let mut query = sqlx::query(sql);
        for item in items.by_ref().take(rows) {
            query = bind(query, item);
        }
        overlap(query.execute(&mut *conn), || prepare_some(next)).await?;
    }
    Ok(())
}

async fn insert_events(
    conn: &mut SqliteConnection,
    new: &mut [Row<'_>],
    seqs: &[i64],
    next: &mut Option<&mut Preparing<'_>>,
    received_ms: i64,
) -> Result<(), StoreError> {
    let items: Vec<_> = new
        .iter_mut()
        .zip(seqs)
        .map(|(row, &seq)| {
            (
                seq,
                std::mem::take(&mut row.id),
                row.kind,
                row.occurred_at_ms,
                row.card_token.clone(),
                row.app_id.clone(),
                row.purchase_id.take(),
                std::mem::take(&mut row.payload),
                row.source.signature_verified,
            )
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO events (seq, id, kind, occurred_at_ms, card_token, app_id, purchase_id, \
         payload, signature_verified, received_at_ms) VALUES ",
        10,
        items,
        next,
        |query, (seq, id, kind, at, card, app, purchase, payload, verified)| {
            query
                .bind(seq)
                .bind(id)
                .bind(kind)
                .bind(at)
                .bind(card)
                .bind(app)
                .bind(purchase)
                .bind(payload)
                .bind(verified)
                .bind(received_ms)
        },
    )
    .await
}

async fn insert_search_rows(
    conn: &mut SqliteConnection,
    new: &mut [Row<'_>],
    seqs: &[i64],
    next: &mut Option<&mut Preparing<'_>>,
) -> Result<(), StoreError> {
    let items: Vec<_> = new
        .iter_mut()
        .zip(seqs)
        .filter_map(|(row, &seq)| row.search.take().map(|text| (seq, text)))
        .collect();
    insert_rows(
        conn,
        "INSERT INTO search_index (rowid, text) VALUES ",
        2,
        items,
        next,
        |query, (seq, text)| query.bind(seq).bind(text),
    )
    .await
}

async fn insert_rewards(
    conn: &mut SqliteConnection,
    new: &mut [Row<'_>],
    seqs: &[i64],
    next: &mut Option<&mut Preparing<'_>>,
) -> Result<(), StoreError> {
    let mut points = Vec::new();
    let mut cashback = Vec::new();
    for (row, &seq) in new.iter_mut().zip(seqs) {
        let common = (
            seq,
            row.card_token.clone(),
            row.app_id.clone(),
            row.occurred_at_ms,
        );
        match row.reward.take() {
            Some(Reward::Points {
                program,
                delta,
                balance,
            }) => points.push((common, program, delta, balance)),
            Some(Reward::Cashback {
                status,
                amount_minor,
                currency,
            }) => cashback.push((common, status, amount_minor, currency)),
            None => {}
        }
    }
    insert_rows(
        conn,
        "INSERT INTO points (event_seq, program, delta, balance, card_token, app_id, \
         occurred_at_ms) VALUES ",
        7,
        points,
        next,
        |query, ((seq, card, app, at), program, delta, balance)| {
            query
                .bind(seq)
                .bind(program)
                .bind(delta)
                .bind(balance)
                .bind(card)
                .bind(app)
                .bind(at)
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO cashback (event_seq, status, amount_minor, currency, card_token, app_id, \
         occurred_at_ms) VALUES ",
        7,
        cashback,
        next,
        |query, ((seq, card, app, at), status, minor, currency)| {
            query
                .bind(seq)
                .bind(status)
                .bind(minor)
                .bind(currency)
                .bind(card)
                .bind(app)
                .bind(at)
        },
    )
    .await
}

async fn insert_violations(
    conn: &mut SqliteConnection,
    new: &[Row<'_>],
    seqs: &[i64],
    next: &mut Option<&mut Preparing<'_>>,
    received_ms: i64,
) -> Result<(), StoreError> {
    let mut items = Vec::new();
    for (row, &seq) in new.iter().zip(seqs) {
        let Some(reason) = &row.source.violation else {
            continue;
        };
        let scope = row.source.event.scope().map_or("none", |s| s.as_str());
        let reason = serde_json::to_string(reason).map_err(internal)?;
        items.push((
            seq,
            row.app_id.clone().unwrap_or_default(),
            row.card_token.clone(),
            scope,
            reason,
        ));
    }
    insert_rows(
        conn,
        "INSERT INTO violations (event_seq, app_id, card_token, scope, reason, detected_at_ms) \
         VALUES ",
        6,
        items,
        next,
        |query, (seq, app, card, scope, reason)| {
            query
                .bind(seq)
                .bind(app)
                .bind(card)
                .bind(scope)
                .bind(reason)
                .bind(received_ms)
        },
    )
    .await
}

async fn insert_late(
    conn: &mut SqliteConnection,
    new: &[Row<'_>],
    seqs: &[i64],
    next: &mut Option<&mut Preparing<'_>>,
) -> Result<(), StoreError> {
    let items: Vec<(i64, i64)> = new
        .iter()
        .zip(seqs)
        .filter_map(|(row, &seq)| row.source.late_by_ms.map(|late| (seq, late)))
        .collect();
    insert_rows(
        conn,
        "INSERT INTO late_events (event_seq, late_by_ms) VALUES ",
        2,
        items,
        next,
        |query, (seq, late)| query.bind(seq).bind(late),
    )
    .await
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

#[cfg(test)]
mod tests {
    use super::{statement_rows, ROWS_PER_STATEMENT};

    #[test]
    fn a_transaction_goes_in_full_statements_then_few_shapes() {
        let mut shapes = std::collections::BTreeSet::new();
        for total in 1..=3 * ROWS_PER_STATEMENT + 7 {
            let mut left = total;
            let mut statements = 0;
            while left > 0 {
                let rows = statement_rows(left);
                assert!(rows >= 1 && rows <= left, "{rows} of {left}");
                shapes.insert(rows);
                left -= rows;
                statements += 1;
            }
            assert!(
                statements <= total / ROWS_PER_STATEMENT + 10,
                "{total}: {statements}"
            );
        }
        // The full statement and the powers of two below it, nothing else.
        assert_eq!(
            shapes.len(),
            1 + (ROWS_PER_STATEMENT - 1).ilog2() as usize + 1
        );
        assert!(shapes
            .iter()
            .all(|&n| n == ROWS_PER_STATEMENT || n.is_power_of_two()));
    }
}
