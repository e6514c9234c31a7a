//! The machinery of a bulk write: the thread that writes an ingest call's rows, and the
//! connection settings it writes under.
//!
//! sqlx runs every statement on its connection's worker thread and binds each value there
//! with a copy; a multi-row `INSERT` through it left SQLite's thread waiting while the next
//! 1,000 rows were bound, and a call's first transaction was prepared whole before SQLite
//! started. Here the connection is taken from sqlx for the call (`lock_handle`) onto a
//! blocking thread of the runtime, which runs one prepared one-row `INSERT` per row and table
//! with the text bound in place ([`raw`]), while the caller's task prepares the next rows and
//! hands them over in small batches: SQLite starts on the first batch and never waits for
//! more than one.

use std::ffi::CStr;

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::Sqlite;
use tokio::sync::mpsc;

use super::raw::{Db, Statement, Value};
use super::rows::{Reward, Row};
use super::IngestReport;
use crate::error::StoreError;
use crate::tables::quarantine::Refusal;

/// One ingest call, as the writing thread sees it.
pub(super) struct Job {
    /// The events of each transaction, in order.
    pub transactions: Vec<usize>,
    /// What the last transaction commits besides its events.
    pub refused: Vec<Refusal>,
    pub cursor: Option<(String, String)>,
    pub received_at: DateTime<Utc>,
}

/// Writes `job` on `conn` from the rows `rows` brings, in order; runs on a blocking thread.
/// A transaction the rows stop coming in the middle of (the caller failed or gave up) is
/// rolled back; the ones before it stay committed. The connection goes back to the pool only
/// outside any transaction and with its settings restored, else it is closed.
pub(super) fn write(
    conn: PoolConnection<Sqlite>,
    job: Job,
    rows: mpsc::Receiver<Vec<Row>>,
) -> Result<IngestReport, StoreError> {
    let runtime = tokio::runtime::Handle::current();
    let mut conn = Closing { conn, clean: false };
    let settings = runtime.block_on(BulkSettings::apply(&mut conn.conn))?;
    let mut feed = Feed {
        rows,
        batch: Vec::new().into_iter(),
    };
    let result = write_transactions(&runtime, &mut conn.conn, &job, &mut feed);
    let clean = match &result {
        Ok(_) => true,
        Err(_) => runtime.block_on(end_transaction(&mut conn.conn)),
    };
    runtime.block_on(settings.restore(&mut conn.conn));
    conn.clean = clean;
    result
}

/// A connection that is closed instead of going back to the pool unless marked clean (a
/// panic or an error that may have left a transaction open).
struct Closing {
    conn: PoolConnection<Sqlite>,
    clean: bool,
}

impl Drop for Closing {
    fn drop(&mut self) {
        if !self.clean {
            self.conn.close_on_drop();
        }
    }
}

/// The rows as they arrive.
struct Feed {
    rows: mpsc::Receiver<Vec<Row>>,
    batch: std::vec::IntoIter<Row>,
}

impl Feed {
    fn next(&mut self) -> Result<Row, StoreError> {
        loop {
            if let Some(row) = self.batch.next() {
                return Ok(row);
            }
            match self.rows.blocking_recv() {
                Some(batch) => self.batch = batch.into_iter(),
                None => {
                    return Err(StoreError::Internal(
                        "the ingest stopped before all its events were prepared".into(),
                    ))
                }
            }
        }
    }
}

fn write_transactions(
    runtime: &tokio::runtime::Handle,
    conn: &mut PoolConnection<Sqlite>,
    job: &Job,
    feed: &mut Feed,
) -> Result<IngestReport, StoreError> {
    let finishing = !job.refused.is_empty() || job.cursor.is_some();
    let mut report = IngestReport::default();
    {
        let mut handle = runtime.block_on(conn.lock_handle())?;
        let db = Db::new(&mut handle);
        let mut statements = Statements::prepare(db)?;
        for (i, &n) in job.transactions.iter().enumerate() {
            let leave_open = finishing && i + 1 == job.transactions.len();
            db.exec(c"BEGIN IMMEDIATE")?;
            let (inserted, total) = statements.transaction(n, feed, &job.received_at)?;
            if !leave_open {
                db.exec(c"COMMIT")?;
            }
            report.inserted += inserted;
            report.duplicates += total - inserted;
        }
    }
    if finishing {
        runtime.block_on(async {
            let cursor = job.cursor.as_ref().map(|(f, c)| (f.as_str(), c.as_str()));
            super::finish_page(&mut *conn, &job.refused, cursor, job.received_at).await?;
            sqlx::query("COMMIT").execute(&mut **conn).await?;
            Ok::<_, StoreError>(())
        })?;
    }
    Ok(report)
}

/// Rolls back the transaction an error left open, if any; whether the connection is outside
/// any transaction now.
async fn end_transaction(conn: &mut PoolConnection<Sqlite>) -> bool {
    let Ok(mut handle) = conn.lock_handle().await else {
        return false;
    };
    let db = Db::new(&mut handle);
    if db.in_transaction() {
        let _ = db.exec(c"ROLLBACK");
    }
    !db.in_transaction()
}

const INSERT_EVENT: &CStr = c"INSERT INTO events (seq, id, kind, occurred_at_ms, card_token, \
    app_id, purchase_id, payload, signature_verified, received_at_ms) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING";
const INSERT_SEARCH: &CStr = c"INSERT INTO search_index (rowid, text) VALUES (?1, ?2)";
const INSERT_POINTS: &CStr = c"INSERT INTO points (event_seq, program, delta, balance, \
    card_token, app_id, occurred_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const INSERT_CASHBACK: &CStr = c"INSERT INTO cashback (event_seq, status, amount_minor, \
    currency, card_token, app_id, occurred_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const INSERT_VIOLATION: &CStr = c"INSERT INTO violations (event_seq, app_id, card_token, scope, \
    reason, detected_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const INSERT_LATE: &CStr = c"INSERT INTO late_events (event_seq, late_by_ms) VALUES (?1, ?2)";

/// The statements of a call, prepared once.
struct Statements<'h> {
    last_seq: Statement<'h>,
    event: Statement<'h>,
    search: Statement<'h>,
    points: Statement<'h>,
    cashback: Statement<'h>,
    violation: Statement<'h>,
    late: Statement<'h>,
}

impl<'h> Statements<'h> {
    fn prepare(db: Db<'h>) -> Result<Self, StoreError> {
        Ok(Self {
            last_seq: db.prepare(c"SELECT coalesce(max(seq), 0) FROM events")?,
            event: db.prepare(INSERT_EVENT)?,
            search: db.prepare(INSERT_SEARCH)?,
            points: db.prepare(INSERT_POINTS)?,
            cashback: db.prepare(INSERT_CASHBACK)?,
            violation: db.prepare(INSERT_VIOLATION)?,
            late: db.prepare(INSERT_LATE)?,
        })
    }

    /// Writes the next `n` rows in the open transaction; returns how many were new and how
    /// many there were. An id already stored (or met earlier in the call) is skipped whole.
    fn transaction(
        &mut self,
        n: usize,
        feed: &mut Feed,
        received_at: &DateTime<Utc>,
    ) -> Result<(u64, u64), StoreError> {
        let received_ms = crate::time::to_ms(*received_at);
        let mut seq = self.last_seq.run(&[])?;
        let mut inserted = 0;
        for _ in 0..n {
            let row = feed.next()?;
            if self.event(seq + 1, &row, received_ms)? {
                seq += 1;
                inserted += 1;
            }
        }
        Ok((inserted, n as u64))
    }

    /// Writes `row` as event `seq` with its rows in the other tables; false when its id is
    /// stored already.
    fn event(&mut self, seq: i64, row: &Row, received_ms: i64) -> Result<bool, StoreError> {
        use Value::{Int, Text};
        let card = Text(&row.card_token);
        let app = Value::from(row.app_id.as_deref());
        let changed = self.event.run(&[
            Int(seq),
            Text(&row.id),
            Text(row.kind),
            Int(row.occurred_at_ms),
            card,
            app,
            Value::from(row.purchase_id.as_deref()),
            Text(&row.payload),
            Int(i64::from(row.signature_verified)),
            Int(received_ms),
        ])?;
        if changed == 0 {
            return Ok(false);
        }
        if let Some(text) = &row.search {
            self.search.run(&[Int(seq), Text(text)])?;
        }
        let at = Int(row.occurred_at_ms);
        match &row.reward {
            Some(Reward::Points {
                program,
                delta,
                balance,
            }) => {
                self.points.run(&[
                    Int(seq),
                    Text(program),
                    Int(*delta),
                    Int(*balance),
                    card,
                    app,
                    at,
                ])?;
            }
            Some(Reward::Cashback {
                status,
                amount_minor,
                currency,
            }) => {
                self.cashback.run(&[
                    Int(seq),
                    Text(status),
                    Int(*amount_minor),
                    Text(currency),
                    card,
                    app,
                    at,
                ])?;
            }
            None => {}
        }
        if let Some((reason, scope)) = &row.violation {
            self.violation.run(&[
                Int(seq),
                Text(row.app_id.as_deref().unwrap_or_default()),
                card,
                Text(scope),
                Text(reason),
                Int(received_ms),
            ])?;
        }
        if let Some(late) = row.late_by_ms {
            self.late.run(&[Int(seq), Int(late)])?;
        }
        Ok(true)
    }
}

/// Settings for the length of one ingest call, put back afterwards.
///
/// - `synchronous = NORMAL`: events may skip the fsync of each commit (WAL keeps the file
///   consistent). A commit lost to a power cut loses the feed cursor with it, so the platform
///   redelivers those events. Consent changes keep `synchronous = FULL` on every connection.
/// - A page cache of at least [`BULK_CACHE_KIB`], so a transaction's dirty pages (about 5 MB
///   for 5,000 events) never spill into the WAL before its commit.
///
/// The WAL checkpoint is left as it is: letting the WAL grow during the call and checkpointing
/// once at its end measured no faster (the event rows, most of the bytes, are copied once
/// either way), and a WAL left large would make the next small write pay for the copy.
pub(super) struct BulkSettings {
    cache_size: i64,
}

/// Page cache during the ingest, in KiB (what the wallet's connections already use).
const BULK_CACHE_KIB: i64 = 32_768;

impl BulkSettings {
    pub async fn apply(conn: &mut PoolConnection<Sqlite>) -> Result<Self, StoreError> {
        let cache_size: i64 = sqlx::query_scalar("PRAGMA cache_size")
            .fetch_one(&mut **conn)
            .await?;
        let settings = Self { cache_size };
        // `cache_size` counts pages when positive, KiB when negative.
        let bulk = if cache_size < 0 {
            cache_size.min(-BULK_CACHE_KIB)
        } else {
            -BULK_CACHE_KIB
        };
        let applied = sqlx::query(&format!(
            "PRAGMA synchronous = NORMAL; PRAGMA cache_size = {bulk}"
        ))
        .persistent(false)
        .execute(&mut **conn)
        .await;
        if let Err(e) = applied {
            settings.restore(conn).await;
            return Err(e.into());
        }
        Ok(settings)
    }

    /// Puts the connection's settings back; a connection that cannot be put back is closed
    /// instead of returning to the pool relaxed.
    pub async fn restore(self, conn: &mut PoolConnection<Sqlite>) {
        let restored = sqlx::query(&format!(
            "PRAGMA synchronous = FULL; PRAGMA cache_size = {}",
            self.cache_size
        ))
        .persistent(false)
        .execute(&mut **conn)
        .await;
        if restored.is_err() {
            conn.close_on_drop();
        }
    }
}
