//! The machinery of a bulk write: the connection settings it runs under, multi-row statement
//! text, and running Rust work while SQLite works.

use std::future::Future;
use std::task::Poll;

use sqlx::pool::PoolConnection;
use sqlx::Sqlite;

use crate::error::StoreError;

/// Runs `statement` on sqlx's SQLite worker thread and, while it runs, calls `work` on this
/// thread a slice at a time; returns the statement's output.
///
/// sqlx hands a statement to its worker on the future's first poll. Between slices of `work`
/// the statement is polled again, so this thread stops preparing as soon as SQLite is done
/// and hands it the next statement: SQLite's thread — the ingest's bottleneck — never waits
/// for more than one slice of preparation. `work` returns whether it has more to do; once it
/// has none this simply waits for the statement.
pub(super) async fn overlap<F: Future>(statement: F, mut work: impl FnMut() -> bool) -> F::Output {
    let mut statement = std::pin::pin!(statement);
    let mut more = true;
    std::future::poll_fn(|cx| loop {
        if let Poll::Ready(done) = statement.as_mut().poll(cx) {
            return Poll::Ready(done);
        }
        if !more {
            return Poll::Pending;
        }
        more = work();
    })
    .await
}

/// `prefix (?, …), (?, …)` for `rows` rows of `columns` parameters.
pub(super) fn values_sql(prefix: &str, columns: usize, rows: usize) -> String {
    let mut group = String::with_capacity(columns * 3 + 2);
    group.push('(');
    for i in 0..columns {
        group.push_str(if i == 0 { "?" } else { ", ?" });
    }
    group.push(')');
    let mut sql = String::with_capacity(prefix.len() + rows * (group.len() + 2));
    sql.push_str(prefix);
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&group);
    }
    sql
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
