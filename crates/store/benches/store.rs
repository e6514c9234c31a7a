//! `cargo bench -p consentry-store`: the same store code against SQLCipher and plain SQLite,
//! side by side, on real files. Prints a report; asserts nothing (targets are in the issue).
//!
//! 1. ingest 100,000 events in batched transactions (events/s, ratio; median of 5), beside
//!    SQLite's own ceiling: the same rows copied by SQLite alone (`INSERT … SELECT` from a
//!    plain copy, no Rust), into the full schema and into the events table with no index but
//!    its id;
//! 2. a 1,000,000-event wallet: a 50-row keyset page at depth 0 and 900,000 (p50/p95, ratio);
//!    an FTS search (p95);
//! 3. open + first query with the raw key;
//! 4. Activity by purchase on a 1,000,000-event wallet of purchases (nine events each): a
//!    50-row page of purchases with their events at depth 0 and 900,000, a search, an app
//!    filter and the violations view (p50/p95, encrypted), beside the feed of events.
//!
//! `CONSENTRY_BENCH_SCALE=0.1` shrinks every size tenfold for a quick run;
//! `CONSENTRY_BENCH_ONLY=ingest` stops after part 1 (for profiling the ingest);
//! `CONSENTRY_BENCH_ONLY=purchases` runs part 4 alone.

use consentry_testkit::events as fixtures;

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use consentry_store::activity::{self, ActivityFilter, Direction};
use consentry_store::events::{self, IncomingEvent};
use consentry_store::history::{self, HistoryCursor, HistoryFilter};
use consentry_store::{
    open_plain_pool_for_benchmarks, purchases, search, Unlock, Wallet, WalletPaths, MIGRATOR,
};
use consentry_testkit::bench::scaled;
use sqlx::SqlitePool;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const CHUNK: u64 = 50_000;

fn cards() -> Vec<String> {
    (0..5).map(|i| format!("tok_{i}")).collect()
}

fn batch(from: u64, to: u64) -> Vec<IncomingEvent> {
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let cards = cards();
    (from..to)
        .map(|i| fixtures::incoming(fixtures::mixed(i, &cards, start)))
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Cipher,
    Plain,
}

struct Db {
    dir: tempfile::TempDir,
    wallet: Option<Wallet>,
    pool: SqlitePool,
}

async fn fresh(kind: Kind) -> Result<Db> {
    let dir = tempfile::tempdir()?;
    let now = Utc::now();
    match kind {
        Kind::Cipher => {
            let mut wallet = Wallet::new(WalletPaths::in_dir(dir.path()), None, now);
            consentry_testkit::create_with_passphrase(&mut wallet, now).await?;
            let pool = wallet.pool()?.clone();
            Ok(Db {
                dir,
                wallet: Some(wallet),
                pool,
            })
        }
        Kind::Plain => {
            let pool = open_plain_pool_for_benchmarks(&dir.path().join("plain.db")).await?;
            MIGRATOR.run(&pool).await?;
            Ok(Db {
                dir,
                wallet: None,
                pool,
            })
        }
    }
}

fn pct(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort_unstable();
    samples[(samples.len() * p / 100).min(samples.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

async fn ingest_rate(kind: Kind, events: &[IncomingEvent]) -> Result<f64> {
    let db = fresh(kind).await?;
    let started = Instant::now();
    let report = events::ingest(&db.pool, events, Utc::now()).await?;
    let took = started.elapsed();
    assert_eq!(report.inserted, events.len() as u64);
    db.pool.close().await;
    Ok(events.len() as f64 / took.as_secs_f64())
}

/// How the ceiling runs are shaped.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// The wallet's schema.
    Full,
    /// The events, points and cashback tables with no index but the event id's (dedupe).
    Bare,
}

/// Events/s of SQLite copying the rows of `staging` (a plain wallet holding the events) into a
/// fresh wallet, in the ingest's transactions and under its settings: what the store could
/// reach if the Rust side cost nothing.
async fn sqlite_alone_rate(kind: Kind, shape: Shape, staging: &Path, n: u64) -> Result<f64> {
    let db = fresh(kind).await?;
    let mut conn = db.pool.acquire().await?;
    if shape == Shape::Bare {
        sqlx::raw_sql(
            "DROP INDEX events_by_time; DROP INDEX events_by_card; DROP INDEX events_by_app; \
             DROP INDEX events_by_kind; DROP INDEX events_by_purchase; \
             DROP INDEX points_by_program; \
             DROP INDEX cashback_by_currency; DROP TABLE search_index;",
        )
        .execute(&mut *conn)
        .await?;
    }
    sqlx::raw_sql("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768")
        .execute(&mut *conn)
        .await?;
    // `KEY ''`: the staging copy is plain, whatever the main file is.
    sqlx::query("ATTACH ? AS s KEY ''")
        .bind(staging.to_string_lossy().into_owned())
        .execute(&mut *conn)
        .await?;
    let _: i64 = sqlx::query_scalar("SELECT sum(length(payload)) FROM s.events")
        .fetch_one(&mut *conn)
        .await?;
    let mut statements = vec![
        "INSERT INTO events SELECT * FROM s.events WHERE seq BETWEEN ? AND ?",
        "INSERT INTO points SELECT * FROM s.points WHERE event_seq BETWEEN ? AND ?",
        "INSERT INTO cashback SELECT * FROM s.cashback WHERE event_seq BETWEEN ? AND ?",
    ];
    if shape == Shape::Full {
        statements.push(
            "INSERT INTO search_index (rowid, text) \
             SELECT seq, text FROM s.search_rows WHERE seq BETWEEN ? AND ?",
        );
    }
    let per_tx = events::EVENTS_PER_TRANSACTION as i64;
    let started = Instant::now();
    let mut from = 1;
    while from <= i64::try_from(n)? {
        let to = from + per_tx - 1;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        for sql in &statements {
            sqlx::query(sql)
                .bind(from)
                .bind(to)
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        from = to + 1;
    }
    let took = started.elapsed();
    let copied: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&mut *conn)
        .await?;
    assert_eq!(u64::try_from(copied)?, n);
    drop(conn);
    db.pool.close().await;
    Ok(n as f64 / took.as_secs_f64())
}

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

async fn fill(db: &Db, total: u64) -> Result<Duration> {
    let started = Instant::now();
    let mut from = 0;
    while from < total {
        let to = (from + CHUNK).min(total);
        events::ingest(&db.pool, &batch(from, to), Utc::now()).await?;
        from = to;
    }
    Ok(started.elapsed())
}

async fn page_times(
    pool: &SqlitePool,
    cursor: Option<HistoryCursor>,
    runs: usize,
) -> Result<Vec<Duration>> {
    let filter = HistoryFilter::default();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let page = history::page(pool, &filter, cursor, 50).await?;
        times.push(started.elapsed());
        assert_eq!(page.items.len(), 50);
    }
    Ok(times)
}

async fn cursor_at_depth(pool: &SqlitePool, depth: u64) -> Result<HistoryCursor> {
    // OFFSET only here, once, to find where page 18,001 starts.
    let (ms, seq): (i64, i64) = sqlx::query_as(
        "SELECT occurred_at_ms, seq FROM events ORDER BY occurred_at_ms DESC, seq DESC LIMIT 1 OFFSET ?",
    )
    .bind(i64::try_from(depth - 1)?)
    .fetch_one(pool)
    .await?;
    Ok(format!("{ms}.{seq}").parse()?)
}

async fn search_times(pool: &SqlitePool, runs: usize) -> Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let query = ["coffee", "crois", "green grocer", "oat latte", "cinema"][i % 5];
        let started = Instant::now();
        let hits = search::search(pool, query, 20).await?;
        times.push(started.elapsed());
        assert!(!hits.is_empty(), "{query}");
    }
    Ok(times)
}

struct Big {
    fill: Duration,
    top: Vec<Duration>,
    deep: Vec<Duration>,
    search: Vec<Duration>,
    bytes: u64,
}

async fn big_wallet(kind: Kind, total: u64, depth: u64) -> Result<(Db, Big)> {
    let db = fresh(kind).await?;
    let fill_time = fill(&db, total).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&db.pool)
        .await?;
    let bytes = dir_size(db.dir.path());
    let cursor = cursor_at_depth(&db.pool, depth).await?;
    // Warm up, then measure.
    page_times(&db.pool, None, 20).await?;
    page_times(&db.pool, Some(cursor), 20).await?;
    let top = page_times(&db.pool, None, 300).await?;
    let deep = page_times(&db.pool, Some(cursor), 300).await?;
    search_times(&db.pool, 10).await?;
    let search = search_times(&db.pool, 200).await?;
    Ok((
        db,
        Big {
            fill: fill_time,
            top,
            deep,
            search,
            bytes,
        },
    ))
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or_default()
}

async fn open_times(db: &mut Db, runs: usize) -> Result<Vec<Duration>> {
    let Some(wallet) = db.wallet.as_mut() else {
        return Ok(Vec::new());
    };
    let key = wallet.raw_key()?;
    let paths = wallet.paths().clone();
    wallet.lock().await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let mut reopened = Wallet::new(paths.clone(), None, Utc::now());
        reopened.unlock(Unlock::RawKey(&key), Utc::now()).await?;
        let _: i64 = sqlx::query_scalar("SELECT count(*) FROM cards")
            .fetch_one(reopened.pool()?)
            .await?;
        times.push(started.elapsed());
        reopened.lock().await;
    }
    Ok(times)
}

async fn plain_open_times(path: &Path, runs: usize) -> Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let pool = open_plain_pool_for_benchmarks(path).await?;
        let _: i64 = sqlx::query_scalar("SELECT count(*) FROM cards")
            .fetch_one(&pool)
            .await?;
        times.push(started.elapsed());
        pool.close().await;
    }
    Ok(times)
}

/// Events `from..to` of a wallet of purchases ([`fixtures::purchase`], nine events each), one
/// purchase a minute over five cards; every 10,000th purchase is at "Rare Books", and one
/// social post in 1,000 arrived without consent.
fn purchase_batch(from: u64, to: u64) -> Vec<IncomingEvent> {
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let cards = cards();
    let mut out = Vec::with_capacity(((to - from) * 9) as usize);
    for n in from..to {
        let card = &cards[(n % cards.len() as u64) as usize];
        let at = start + chrono::Duration::minutes(n as i64);
        for mut event in fixtures::purchase(n, card, 300 + (n % 4000) as i64, at) {
            if n % 10_000 == 0 {
                if let consentry_domain::EventPayload::TransactionAuthorized(t)
                | consentry_domain::EventPayload::TransactionSettled(t) = &mut event.payload
                {
                    t.merchant = "Rare Books".to_owned();
                }
            }
            let flagged = n % 1_000 == 0
                && matches!(
                    event.payload,
                    consentry_domain::EventPayload::SocialPosted(_)
                );
            let mut incoming = fixtures::incoming(event);
            if flagged {
                incoming.violation = Some(consentry_domain::ViolationReason::NeverGranted);
            }
            out.push(incoming);
        }
    }
    out
}

/// p50 and p95 of `runs` calls of `call` (after five to warm up).
async fn timed<F, Fut>(runs: usize, mut call: F) -> Result<(Duration, Duration)>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    for i in 0..5 {
        call(i).await?;
    }
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let started = Instant::now();
        call(i).await?;
        times.push(started.elapsed());
    }
    Ok((pct(&mut times, 50), pct(&mut times, 95)))
}

async fn purchases_part(total: u64, depth: u64) -> Result<()> {
    let db = fresh(Kind::Cipher).await?;
    let started = Instant::now();
    let purchases_n = total / 9;
    let mut from = 0;
    while from < purchases_n {
        let to = (from + CHUNK / 9).min(purchases_n);
        events::ingest(&db.pool, &purchase_batch(from, to), Utc::now()).await?;
        from = to;
    }
    let filled = started.elapsed();
    let stored = events::count(&db.pool).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&db.pool)
        .await?;
    let deep = cursor_at_depth(&db.pool, depth).await?;
    println!(
        "Activity by purchase: {stored}-event wallet of {purchases_n} purchases (nine events each), SQLCipher, filled in {:.1} s; 50-row pages, p50/p95 of 200:",
        filled.as_secs_f64()
    );
    let all = ActivityFilter::default();
    let search_for = |text: &str| ActivityFilter {
        search: Some(text.to_owned()),
        ..ActivityFilter::default()
    };
    let app = ActivityFilter {
        events: HistoryFilter {
            app_id: Some("app_social".to_owned()),
            ..HistoryFilter::default()
        },
        ..ActivityFilter::default()
    };
    let violations = ActivityFilter {
        violations_only: true,
        ..ActivityFilter::default()
    };
    let cases: [(&str, &ActivityFilter, Option<HistoryCursor>); 7] = [
        ("purchases, depth 0", &all, None),
        ("purchases, deep", &all, Some(deep)),
        ("app filter (a reaction's app)", &app, None),
        ("violations view", &violations, None),
        ("search a rare merchant", &search_for("rare books"), None),
        ("search a receipt line", &search_for("noteb"), None),
        ("search a common merchant", &search_for("blue bottle"), None),
    ];
    for (label, filter, cursor) in cases {
        let pool = &db.pool;
        let rows = purchases::page(pool, filter, Direction::Older(cursor), 50)
            .await?
            .entries
            .len();
        let (g50, g95) = timed(200, |_| async move {
            purchases::page(pool, filter, Direction::Older(cursor), 50).await?;
            Ok(())
        })
        .await?;
        let (e50, e95) = timed(200, |_| async move {
            activity::page(pool, filter, Direction::Older(cursor), 50).await?;
            Ok(())
        })
        .await?;
        println!(
            "  {label:<32} {rows:>2} rows by purchase p50 {} p95 {}  | events p50 {} p95 {}",
            ms(g50),
            ms(g95),
            ms(e50),
            ms(e95)
        );
    }
    let (d50, d95) = timed(200, |_| async {
        activity::page(&db.pool, &all, Direction::Older(None), 200).await?;
        Ok(())
    })
    .await?;
    println!(
        "  (a 200-event page of the feed of events, for scale: p50 {} p95 {})",
        ms(d50),
        ms(d95)
    );
    println!("  (the window asks for 100-row pages; the search box waits 250 ms after typing)");
    Ok(())
}

async fn run() -> Result<()> {
    let ingest_n = scaled(100_000);
    let total = scaled(1_000_000);
    let depth = scaled(900_000);
    println!("consentry-store benchmark (sqlx 0.8, SQLCipher 4.5 raw key vs plain SQLite; WAL; synchronous=FULL, NORMAL inside event ingest)");
    println!();
    if std::env::var("CONSENTRY_BENCH_ONLY").is_ok_and(|only| only == "purchases") {
        return purchases_part(total, depth).await;
    }

    // 1. Ingest, beside SQLite's own ceiling for the same rows. The machine's load moves
    // single runs by ±15 % or more: each round runs ours and the ceiling back to back, both
    // kinds, and the ratios are the medians of the rounds' ratios.
    let events = batch(0, ingest_n);
    let staging = fresh(Kind::Plain).await?;
    events::ingest(&staging.pool, &events, Utc::now()).await?;
    // The search index keeps no text to copy: the staging copy gets the indexed text beside it.
    sqlx::raw_sql(
        "CREATE TABLE search_rows (seq INTEGER PRIMARY KEY, text TEXT NOT NULL); \
         INSERT INTO search_rows \
         SELECT seq, payload ->> '$.merchant' FROM events WHERE kind LIKE 'transaction.%' \
         UNION ALL \
         SELECT seq, (payload ->> '$.receipt.merchant') || coalesce(( \
             SELECT group_concat(' ' || (line.value ->> '$.description'), '') \
             FROM json_each(payload, '$.receipt.lines') AS line), '') \
         FROM events WHERE kind = 'receipt.issued' \
         ORDER BY 1;",
    )
    .execute(&staging.pool)
    .await?;
    staging.pool.close().await;
    let staging_db = staging.dir.path().join("plain.db");
    let (mut cipher, mut plain, mut alone_c, mut alone_p) = (vec![], vec![], vec![], vec![]);
    for _ in 0..5 {
        cipher.push(ingest_rate(Kind::Cipher, &events).await?);
        alone_c.push(sqlite_alone_rate(Kind::Cipher, Shape::Full, &staging_db, ingest_n).await?);
        plain.push(ingest_rate(Kind::Plain, &events).await?);
        alone_p.push(sqlite_alone_rate(Kind::Plain, Shape::Full, &staging_db, ingest_n).await?);
    }
    let of_ceiling =
        |ours: &[f64], alone: &[f64]| median(ours.iter().zip(alone).map(|(o, a)| o / a).collect());
    let (c, p) = (median(cipher.clone()), median(plain.clone()));
    println!(
        "ingest {ingest_n} events, batched ({} per tx), median of 5:",
        events::EVENTS_PER_TRANSACTION
    );
    println!(
        "  SQLCipher     {:>10.0} events/s   (runs: {:.0?})",
        c, cipher
    );
    println!(
        "  plain SQLite  {:>10.0} events/s   (runs: {:.0?})",
        p, plain
    );
    println!(
        "  ratio plain/cipher {:.3}   (target <= 1.15; >= 200,000 events/s encrypted)",
        p / c
    );
    println!("  SQLite alone, the same rows (INSERT … SELECT from a plain copy: no Rust, no sqlx per row), median of 5, each run right after ours:");
    let (ac, ap) = (median(alone_c.clone()), median(alone_p.clone()));
    println!(
        "    {:<28} SQLCipher {ac:>8.0} events/s  plain {ap:>8.0} events/s  ratio {:.3}   | the store reaches {:.2} (SQLCipher, target >= 0.85) and {:.2} (plain) of it (medians of the rounds' ratios: {:.2?} / {:.2?})",
        "wallet schema",
        ap / ac,
        of_ceiling(&cipher, &alone_c),
        of_ceiling(&plain, &alone_p),
        cipher.iter().zip(&alone_c).map(|(o, a)| o / a).collect::<Vec<_>>(),
        plain.iter().zip(&alone_p).map(|(o, a)| o / a).collect::<Vec<_>>(),
    );
    let (mut bc, mut bp) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        bc.push(sqlite_alone_rate(Kind::Cipher, Shape::Bare, &staging_db, ingest_n).await?);
        bp.push(sqlite_alone_rate(Kind::Plain, Shape::Bare, &staging_db, ingest_n).await?);
    }
    let (bc, bp) = (median(bc), median(bp));
    println!(
        "    {:<28} SQLCipher {bc:>8.0} events/s  plain {bp:>8.0} events/s  ratio {:.3}   (median of 3)",
        "events table, id index only",
        bp / bc
    );
    println!();
    drop(events);
    if std::env::var("CONSENTRY_BENCH_ONLY").is_ok_and(|only| only == "ingest") {
        return Ok(());
    }

    // 2. The big wallets.
    let (mut cdb, mut cb) = big_wallet(Kind::Cipher, total, depth).await?;
    let (pdb, mut pb) = big_wallet(Kind::Plain, total, depth).await?;
    println!("{total}-event wallet (filled in {:.1} s encrypted / {:.1} s plain; {:.0} MB / {:.0} MB on disk):",
        cb.fill.as_secs_f64(), pb.fill.as_secs_f64(), cb.bytes as f64 / 1e6, pb.bytes as f64 / 1e6);
    let deep_label = format!("50-row page, depth {depth}");
    for (label, c, p) in [
        ("50-row page, depth 0".to_owned(), &mut cb.top, &mut pb.top),
        (deep_label, &mut cb.deep, &mut pb.deep),
    ] {
        let (c50, c95, p50, p95) = (pct(c, 50), pct(c, 95), pct(p, 50), pct(p, 95));
        println!(
            "  {label:<28}  SQLCipher p50 {} p95 {}  | plain p50 {} p95 {}  | ratio p50 {:.2} p95 {:.2}",
            ms(c50), ms(c95), ms(p50), ms(p95),
            c50.as_secs_f64() / p50.as_secs_f64(),
            c95.as_secs_f64() / p95.as_secs_f64()
        );
    }
    println!("  (target: ratio <= 1.5, p95 <= 5 ms)");
    println!(
        "  FTS search (20 hits, 5 queries)  SQLCipher p50 {} p95 {}  | plain p50 {} p95 {}   (target p95 <= 30 ms)",
        ms(pct(&mut cb.search, 50)), ms(pct(&mut cb.search, 95)),
        ms(pct(&mut pb.search, 50)), ms(pct(&mut pb.search, 95))
    );
    println!();

    // 3. Open + first query.
    let plain_path = pdb.dir.path().join("plain.db");
    pdb.pool.close().await;
    let mut copen = open_times(&mut cdb, 30).await?;
    let mut popen = plain_open_times(&plain_path, 30).await?;
    println!(
        "open + first query on the {total}-event wallet: SQLCipher raw key (unlock: key check, read-only probe, pool, migration check) p50 {} p95 {}  | plain pool p50 {} p95 {}",
        ms(pct(&mut copen, 50)), ms(pct(&mut copen, 95)),
        ms(pct(&mut popen, 50)), ms(pct(&mut popen, 95))
    );
    println!();
    drop((cdb, pdb));

    // 4. Activity by purchase.
    purchases_part(total, depth).await
}

fn main() -> Result<()> {
    consentry_testkit::bench::main(run)
}
