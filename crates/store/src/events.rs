//! Storing events from the platform: deduplicated by event id, in batched transactions of
//! multi-row INSERT statements (a one-row INSERT costs sqlx ~20 µs of overhead whatever the
//! row, so rows go 100 to a statement).
//!
//! Each event becomes a row of `events` (the domain `Event` as JSON), plus a row of `points`
//! or `cashback` for rewards, a search entry for transactions and receipts, and a `violations`
//! row when the sync layer judged it outside the cardholder's consent: all in the event's
//! transaction.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use consentry_domain::{Event, EventPayload, ViolationReason};
use sqlx::{Sqlite, SqliteConnection, SqlitePool};

use crate::error::StoreError;
use crate::pan_guard::{redact_card_numbers, redact_json_text};
use crate::time::to_ms;

/// Rows per INSERT statement.
pub const ROWS_PER_STATEMENT: usize = 100;
/// Events per transaction: large enough to amortise the commit (an fsync), small enough to
/// keep the write lock short.
pub const EVENTS_PER_TRANSACTION: usize = 5_000;

/// One verified, parsed event to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingEvent {
    /// The event.
    pub event: Event,
    /// Whether its Standard Webhooks signature verified.
    pub signature_verified: bool,
    /// Set when the event arrived for a scope the cardholder had not granted (or revoked).
    pub violation: Option<ViolationReason>,
}

/// What an ingest call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// New events stored.
    pub inserted: u64,
    /// Events already stored (same id), skipped.
    pub duplicates: u64,
}

/// An event made ready for its rows.
struct Prepared<'a> {
    seq: i64,
    source: &'a IncomingEvent,
    id: String,
    card_token: String,
    app_id: Option<String>,
    payload: String,
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
    ingest_inner(pool, events, None, received_at).await
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
    ingest_inner(pool, events, Some((feed, cursor)), received_at).await
}

async fn ingest_inner(
    pool: &SqlitePool,
    events: &[IncomingEvent],
    cursor: Option<(&str, &str)>,
    received_at: DateTime<Utc>,
) -> Result<IngestReport, StoreError> {
    let mut report = IngestReport::default();
    let chunks: Vec<&[IncomingEvent]> = events.chunks(EVENTS_PER_TRANSACTION).collect();
    let last = chunks.len().saturating_sub(1);
    if chunks.is_empty() {
        if let Some((feed, position)) = cursor {
            crate::settings::set_sync_cursor(pool, feed, position, received_at).await?;
        }
        return Ok(report);
    }
    // Events may skip the fsync of each commit (synchronous = NORMAL; WAL keeps the file
    // consistent): a commit lost to a power cut loses the feed cursor with it, so the platform
    // redelivers those events. Consent changes keep synchronous = FULL on every connection.
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA synchronous = NORMAL")
        .execute(&mut *conn)
        .await?;
    let result = async {
        for (index, chunk) in chunks.into_iter().enumerate() {
            let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
            let inserted = ingest_chunk(&mut tx, chunk, received_at).await?;
            if index == last {
                if let Some((feed, position)) = cursor {
                    crate::settings::set_sync_cursor(&mut *tx, feed, position, received_at).await?;
                }
            }
            tx.commit().await?;
            report.inserted += inserted;
            report.duplicates += chunk.len() as u64 - inserted;
        }
        Ok::<_, StoreError>(())
    }
    .await;
    if sqlx::query("PRAGMA synchronous = FULL")
        .execute(&mut *conn)
        .await
        .is_err()
    {
        // Never hand a relaxed connection back to the pool.
        conn.close_on_drop();
    }
    result?;
    Ok(report)
}

async fn ingest_chunk(
    conn: &mut SqliteConnection,
    chunk: &[IncomingEvent],
    received_at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let base: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM events")
        .fetch_one(&mut *conn)
        .await?;
    let mut prepared = Vec::with_capacity(chunk.len());
    for (offset, source) in chunk.iter().enumerate() {
        let json = serde_json::to_string(&source.event).map_err(internal)?;
        prepared.push(Prepared {
            seq: base + 1 + offset as i64,
            source,
            id: redact_card_numbers(&source.event.id).into_owned(),
            card_token: redact_card_numbers(&source.event.card_token).into_owned(),
            app_id: source
                .event
                .app_id
                .as_deref()
                .map(|a| redact_card_numbers(a).into_owned()),
            payload: redact_json_text(&json).into_owned(),
        });
    }

    let received_ms = to_ms(received_at);
    // Dedupe before inserting: look the ids up (normally none exist), drop repeats within the
    // chunk, then insert plain rows. Cheaper than `ON CONFLICT … RETURNING`, whose returned
    // rows cost sqlx a round trip each.
    let mut seen: HashSet<&str> = HashSet::with_capacity(prepared.len());
    for rows in prepared.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id FROM events WHERE id IN ({})",
            vec!["?"; rows.len()].join(", ")
        );
        let mut query = sqlx::query_scalar::<Sqlite, String>(&sql);
        for p in rows {
            query = query.bind(&p.id);
        }
        for id in query.fetch_all(&mut *conn).await? {
            if let Some(p) = rows.iter().find(|p| p.id == id) {
                seen.insert(p.id.as_str());
            }
        }
    }
    let new: Vec<&Prepared<'_>> = prepared
        .iter()
        .filter(|p| seen.insert(p.id.as_str()))
        .collect();
    for rows in new.chunks(ROWS_PER_STATEMENT) {
        let sql = insert_sql(
            "INSERT INTO events (seq, id, kind, occurred_at_ms, card_token, app_id, payload, \
             signature_verified, received_at_ms) VALUES ",
            9,
            rows.len(),
            "",
        );
        let mut query = sqlx::query(&sql);
        for p in rows {
            query = query
                .bind(p.seq)
                .bind(&p.id)
                .bind(p.source.event.event_type().as_str())
                .bind(to_ms(p.source.event.occurred_at))
                .bind(&p.card_token)
                .bind(p.app_id.as_deref())
                .bind(&p.payload)
                .bind(p.source.signature_verified)
                .bind(received_ms);
        }
        query.execute(&mut *conn).await?;
    }
    insert_rewards(conn, &new).await?;
    insert_search_rows(conn, &new).await?;
    insert_violations(conn, &new, received_ms).await?;
    Ok(new.len() as u64)
}

/// `prefix (?, …), (?, …) suffix` for `rows` rows of `columns` parameters.
fn insert_sql(prefix: &str, columns: usize, rows: usize, suffix: &str) -> String {
    let group = format!("({})", vec!["?"; columns].join(", "));
    let mut sql = String::with_capacity(prefix.len() + rows * (group.len() + 2) + suffix.len());
    sql.push_str(prefix);
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&group);
    }
    sql.push_str(suffix);
    sql
}

async fn insert_rewards(
    conn: &mut SqliteConnection,
    new: &[&Prepared<'_>],
) -> Result<(), StoreError> {
    let points: Vec<(&Prepared<'_>, &str, i64, i64)> = new
        .iter()
        .filter_map(|p| match &p.source.event.payload {
            EventPayload::PointsAwarded(a) => Some((*p, a.program.as_str(), a.delta, a.balance)),
            _ => None,
        })
        .collect();
    for rows in points.chunks(ROWS_PER_STATEMENT) {
        let sql = insert_sql(
            "INSERT INTO points (event_seq, program, delta, balance, card_token, app_id, \
             occurred_at_ms) VALUES ",
            7,
            rows.len(),
            "",
        );
        let mut query = sqlx::query(&sql);
        for (p, program, delta, balance) in rows {
            query = query
                .bind(p.seq)
                .bind(redact_card_numbers(program))
                .bind(delta)
                .bind(balance)
                .bind(&p.card_token)
                .bind(p.app_id.as_deref())
                .bind(to_ms(p.source.event.occurred_at));
        }
        query.execute(&mut *conn).await?;
    }

    let cashback: Vec<(&Prepared<'_>, &str, i64, &str)> = new
        .iter()
        .filter_map(|p| match &p.source.event.payload {
            EventPayload::CashbackPending(c) => {
                Some((*p, "pending", c.amount.minor, c.amount.currency.code()))
            }
            EventPayload::CashbackPaid(c) => {
                Some((*p, "paid", c.amount.minor, c.amount.currency.code()))
            }
            _ => None,
        })
        .collect();
    for rows in cashback.chunks(ROWS_PER_STATEMENT) {
        let sql = insert_sql(
            "INSERT INTO cashback (event_seq, status, amount_minor, currency, card_token, app_id, \
             occurred_at_ms) VALUES ",
            7,
            rows.len(),
            "",
        );
        let mut query = sqlx::query(&sql);
        for (p, status, minor, currency) in rows {
            query = query
                .bind(p.seq)
                .bind(*status)
                .bind(minor)
                .bind(*currency)
                .bind(&p.card_token)
                .bind(p.app_id.as_deref())
                .bind(to_ms(p.source.event.occurred_at));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The search text of an event, if it has one.
fn search_text(event: &Event) -> Option<(&'static str, String)> {
    match &event.payload {
        EventPayload::TransactionAuthorized(t)
        | EventPayload::TransactionSettled(t)
        | EventPayload::TransactionReversed(t) => Some(("transaction", t.merchant.clone())),
        EventPayload::ReceiptIssued(r) => {
            let mut text = r.receipt.merchant.clone();
            for line in &r.receipt.lines {
                text.push(' ');
                text.push_str(&line.description);
            }
            Some(("receipt", text))
        }
        _ => None,
    }
}

async fn insert_search_rows(
    conn: &mut SqliteConnection,
    new: &[&Prepared<'_>],
) -> Result<(), StoreError> {
    let rows: Vec<(i64, &str, String)> = new
        .iter()
        .filter_map(|p| {
            search_text(&p.source.event)
                .map(|(source, text)| (p.seq, source, redact_card_numbers(&text).into_owned()))
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = insert_sql(
            "INSERT INTO search_index (rowid, text, source) VALUES ",
            3,
            chunk.len(),
            "",
        );
        let mut query = sqlx::query(&sql);
        for (seq, source, text) in chunk {
            query = query.bind(seq).bind(text).bind(*source);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_violations(
    conn: &mut SqliteConnection,
    new: &[&Prepared<'_>],
    received_ms: i64,
) -> Result<(), StoreError> {
    for p in new {
        let Some(reason) = &p.source.violation else {
            continue;
        };
        let scope = p.source.event.scope().map_or("none", |s| s.as_str());
        sqlx::query(
            "INSERT INTO violations (event_seq, app_id, card_token, scope, reason, detected_at_ms)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(p.seq)
        .bind(p.app_id.as_deref().unwrap_or_default())
        .bind(&p.card_token)
        .bind(scope)
        .bind(serde_json::to_string(reason).map_err(internal)?)
        .bind(received_ms)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Whether an event id is already stored.
pub async fn exists(pool: &SqlitePool, id: &str) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM events WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

/// How many events are stored.
pub async fn count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// How many stored events are flagged as consent violations.
pub async fn violation_count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM violations")
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}
