//! `cargo bench -p consentry-export`: export 1,000,000 events to CSV from an encrypted wallet,
//! side by side with Debian's `sqlite3` command-line tool writing the same rows as CSV from a
//! plain copy of the same data (made with `sqlcipher_export`). Prints wall times, their ratio
//! and the export's peak extra memory; asserts nothing (the targets: at least 0.8 of the
//! tool's speed, at most 50 MB of extra memory).
//!
//! The wallet is locked and unlocked again before the export, so SQLite's page cache starts
//! cold, as when the cardholder opens the app and exports. Peak memory is the process's
//! `VmHWM` after resetting it (`/proc/self/clear_refs`), minus `VmRSS` before the export.
//!
//! `CONSENTRY_BENCH_SCALE=0.1` shrinks the wallet tenfold for a quick run.
//! `CONSENTRY_BENCH_KEEP=DIR` keeps the filled wallet and its plain copy in DIR and reuses them
//! on the next run (to profile the export without filling a million events again).

use consentry_testkit::events as fixtures;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use consentry_export::{export, ExportControl, ExportFilter, ExportFormat, ExportRequest};
use consentry_store::cards;
use consentry_store::events;
use consentry_store::{open_plain_pool_for_benchmarks, Unlock, Wallet, WalletPaths, MIGRATOR};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const CHUNK: u64 = 50_000;

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or_default()
}

/// SQL for `sqlite3` that writes the same tables as the CSV export (same columns, same order,
/// same text), for the kinds the benchmark mix holds.
fn sqlite3_script(out: &Path) -> String {
    let money = |minor: &str| {
        format!(
            "printf('%s%d.%02d', CASE WHEN ({minor}) < 0 THEN '-' ELSE '' END, abs({minor}) / 100, abs({minor}) % 100)"
        )
    };
    let common = "e.id, strftime('%Y-%m-%dT%H:%M:%SZ', e.occurred_at_ms / 1000, 'unixepoch'), e.card_token, \
        coalesce(c.last4, ''), e.app_id, CASE e.signature_verified WHEN 1 THEN 'true' ELSE 'false' END, \
        coalesce(v.reason ->> '$.kind', ''), ''";
    let from = "FROM events e LEFT JOIN cards c ON c.token = e.card_token LEFT JOIN violations v ON v.event_seq = e.seq";
    let order = "ORDER BY e.occurred_at_ms DESC, e.seq DESC";
    let header = |cols: &str| {
        format!("event_id,occurred_at,card_token,card_last4,app_id,signature_verified,violation,violation_detail,{cols}")
    };
    let tables: Vec<(String, String, String)> = vec![
        ("transaction_settled".into(), header("transaction_id,merchant,channel,amount,commission,currency"),
         format!("SELECT {common}, e.payload ->> '$.transaction_id', e.payload ->> '$.merchant', e.payload ->> '$.channel', {}, {}, e.payload ->> '$.amount.currency' {from} WHERE e.kind = 'transaction.settled' {order}",
            money("e.payload ->> '$.amount.minor'"), money("e.payload ->> '$.commission.minor'"))),
        ("receipt_issued".into(), header("transaction_id,merchant,channel,line_count,tax,total,currency"),
         format!("SELECT {common}, e.payload ->> '$.receipt.transaction_id', e.payload ->> '$.receipt.merchant', e.payload ->> '$.payment.channel', json_array_length(e.payload, '$.receipt.lines'), {}, {}, e.payload ->> '$.receipt.total.currency' {from} WHERE e.kind = 'receipt.issued' {order}",
            money("(SELECT sum(l.value ->> '$.tax.minor') FROM json_each(e.payload, '$.receipt.lines') l)"), money("e.payload ->> '$.receipt.total.minor'"))),
        ("receipt_lines".into(), "event_id,occurred_at,card_token,card_last4,app_id,transaction_id,line_no,description,quantity,unit_price,tax,total,currency".into(),
         format!("SELECT e.id, strftime('%Y-%m-%dT%H:%M:%SZ', e.occurred_at_ms / 1000, 'unixepoch'), e.card_token, coalesce(c.last4, ''), e.app_id, e.payload ->> '$.receipt.transaction_id', l.key + 1, l.value ->> '$.description', l.value ->> '$.quantity', {}, {}, {}, l.value ->> '$.total.currency' FROM events e LEFT JOIN cards c ON c.token = e.card_token, json_each(e.payload, '$.receipt.lines') l WHERE e.kind = 'receipt.issued' {order}, l.key",
            money("l.value ->> '$.unit_price.minor'"), money("l.value ->> '$.tax.minor'"), money("l.value ->> '$.total.minor'"))),
        ("points_awarded".into(), header("program,delta,balance,transaction_id"),
         format!("SELECT {common}, e.payload ->> '$.program', e.payload ->> '$.delta', e.payload ->> '$.balance', coalesce(e.payload ->> '$.payment.transaction_id', '') {from} WHERE e.kind = 'points.awarded' {order}")),
        ("cashback_pending".into(), header("amount,currency,destination,transaction_id"),
         format!("SELECT {common}, {}, e.payload ->> '$.amount.currency', e.payload ->> '$.destination', coalesce(e.payload ->> '$.payment.transaction_id', '') {from} WHERE e.kind = 'cashback.pending' {order}", money("e.payload ->> '$.amount.minor'"))),
        ("cashback_paid".into(), header("amount,currency,destination,transaction_id"),
         format!("SELECT {common}, {}, e.payload ->> '$.amount.currency', e.payload ->> '$.destination', coalesce(e.payload ->> '$.payment.transaction_id', '') {from} WHERE e.kind = 'cashback.paid' {order}", money("e.payload ->> '$.amount.minor'"))),
        ("offer_issued".into(), header("offer_id,code,description,discount_bps,discount_amount,discount_currency,expires_at,transaction_id"),
         format!("SELECT {common}, e.payload ->> '$.offer_id', e.payload ->> '$.code', e.payload ->> '$.description', e.payload ->> '$.discount.bps', '', '', '', coalesce(e.payload ->> '$.payment.transaction_id', '') {from} WHERE e.kind = 'offer.issued' {order}")),
        ("recommendation_made".into(), header("text,product,transaction_id"),
         format!("SELECT {common}, e.payload ->> '$.text', coalesce(e.payload ->> '$.product', ''), coalesce(e.payload ->> '$.payment.transaction_id', '') {from} WHERE e.kind = 'recommendation.made' {order}")),
        ("social_posted".into(), header("network,text,transaction_id"),
         format!("SELECT {common}, e.payload ->> '$.network', e.payload ->> '$.text', coalesce(e.payload ->> '$.payment.transaction_id', '') {from} WHERE e.kind = 'social.posted' {order}")),
    ];
    let mut script = String::from(".mode csv\n.headers off\n");
    for (name, header, select) in tables {
        let path = out.join(format!("{name}.csv"));
        // The header as its own row, then the rows: `.headers on` would print SQL expressions.
        script.push_str(&format!(
            ".output {}\nSELECT {};\n",
            path.display(),
            header
                .split(',')
                .map(|h| format!("'{h}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        script.push_str(&format!("{select};\n"));
    }
    script
}

/// Creates the wallet and its plain copy with the same `total` events; returns the time taken.
async fn fill(
    paths: &WalletPaths,
    plain: &Path,
    total: u64,
    now: chrono::DateTime<Utc>,
) -> Result<Duration> {
    let mut wallet = Wallet::new(paths.clone(), None, now);
    consentry_testkit::create_with_passphrase(&mut wallet, now).await?;
    let pool = wallet.pool()?.clone();
    // The same cards and events go into the wallet and into a plain (unencrypted) copy.
    let plain_pool = open_plain_pool_for_benchmarks(plain).await?;
    MIGRATOR.run(&plain_pool).await?;
    let tokens: Vec<String> = (0..5).map(|i| format!("tok_{i}")).collect();
    for target in [&pool, &plain_pool] {
        for (i, token) in tokens.iter().enumerate() {
            let last4 = format!("{:04}", 1000 + i);
            cards::insert(target, &consentry_testkit::visa(token, &last4), now).await?;
        }
    }
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let filled = Instant::now();
    let mut from = 0;
    while from < total {
        let to = (from + CHUNK).min(total);
        let batch: Vec<_> = (from..to)
            .map(|i| fixtures::incoming(fixtures::mixed(i, &tokens, start)))
            .collect();
        events::ingest(&pool, &batch, now).await?;
        events::ingest(&plain_pool, &batch, now).await?;
        from = to;
    }
    let fill = filled.elapsed();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&plain_pool)
        .await?;
    plain_pool.close().await;
    // Locked here and unlocked again before the export, so SQLite's page cache starts cold.
    wallet.lock().await;
    Ok(fill)
}

async fn run() -> Result<()> {
    let total = consentry_testkit::bench::scaled(1_000_000).max(1_000);
    // `CONSENTRY_BENCH_KEEP=DIR` keeps the filled wallet in DIR and reuses it on the next run
    // (for profiling the export without filling a million events each time).
    let kept = std::env::var_os("CONSENTRY_BENCH_KEEP").map(PathBuf::from);
    let temp = tempfile::tempdir()?;
    let dir = kept.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let paths = WalletPaths::in_dir(dir.join("wallet"));
    let plain = dir.join("plain.db");
    let now = Utc::now();
    let phrase = consentry_testkit::passphrase();
    let reuse = kept.is_some()
        && plain.exists()
        && std::fs::read_to_string(dir.join("filled")).is_ok_and(|n| n == total.to_string());
    let fill = if reuse {
        Duration::ZERO
    } else {
        fill(&paths, &plain, total, now).await?
    };
    if kept.is_some() {
        std::fs::write(dir.join("filled"), total.to_string())?;
    }
    let mut wallet = Wallet::new(paths, None, now);
    wallet.unlock(Unlock::Passphrase(&phrase), now).await?;
    let pool = wallet.pool()?.clone();
    println!(
        "consentry-export benchmark: {total} events ({} s to fill), CSV, all kinds",
        fill.as_secs()
    );

    // Ours.
    let ours = dir.join("ours");
    let _ = std::fs::remove_dir_all(&ours);
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = status_kb("VmRSS:");
    let started = Instant::now();
    let summary = export(
        &pool,
        &ExportRequest {
            format: ExportFormat::Csv,
            destination: ours.clone(),
            filter: ExportFilter::default(),
            password: None,
            now,
        },
        &ExportControl::default(),
    )
    .await?;
    let ours_time = started.elapsed();
    let peak_extra_mb = status_kb("VmHWM:").saturating_sub(rss_before) as f64 / 1024.0;

    // sqlite3 on the plain copy.
    let theirs = dir.join("sqlite3");
    let _ = std::fs::remove_dir_all(&theirs);
    std::fs::create_dir(&theirs)?;
    let script = dir.join("export.sql");
    std::fs::write(&script, sqlite3_script(&theirs))?;
    let started = Instant::now();
    let status = Command::new("sqlite3")
        .arg("-bail")
        .arg(&plain)
        .arg(format!(".read {}", script.display()))
        .status()?;
    let theirs_time = started.elapsed();
    if !status.success() {
        return Err("sqlite3 failed".into());
    }

    let secs = |d: Duration| d.as_secs_f64();
    println!("  consentry CSV export (SQLCipher)  {:>7.2} s  {:>9.0} events/s  {} rows in {} files, {:.0} MB",
        secs(ours_time), summary.events as f64 / secs(ours_time), summary.events, summary.files.len(), summary.bytes as f64 / 1e6);
    println!(
        "  sqlite3 -csv (plain copy)         {:>7.2} s  {:>9.0} events/s",
        secs(theirs_time),
        summary.events as f64 / secs(theirs_time)
    );
    println!(
        "  speed ratio (ours / sqlite3)      {:>7.2}     (target >= 0.8)",
        secs(theirs_time) / secs(ours_time)
    );
    println!(
        "  peak extra memory                 {:>7.1} MB  (target <= 50 MB; VmRSS before {} MB)",
        peak_extra_mb,
        rss_before / 1024
    );
    // sqlite3 quotes more than it must (any text with a space, empty strings): compare the
    // values, with quotes removed (the benchmark's text holds no quote or comma).
    let mut same = 0;
    let mut compared = 0;
    for entry in std::fs::read_dir(&theirs)? {
        let theirs_file: PathBuf = entry?.path();
        let name = theirs_file
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        compared += 1;
        let unquoted = |p: &Path| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .replace('"', "")
        };
        let (a, b) = (unquoted(&theirs_file), unquoted(&ours.join(&name)));
        if a == b {
            same += 1;
        } else {
            let first = a.lines().zip(b.lines()).find(|(x, y)| x != y);
            println!(
                "  differs: {} (sqlite3 {} lines, ours {}; first difference: {:?})",
                name.to_string_lossy(),
                a.lines().count(),
                b.lines().count(),
                first
            );
        }
    }
    println!("  same values in {same} of the {compared} files sqlite3 wrote");
    Ok(())
}

fn main() -> Result<()> {
    consentry_testkit::bench::main(run)
}
