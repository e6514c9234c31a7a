//! The crash test: a separate process (this test binary, re-run as `crash::child`) makes
//! consent changes and syncs them through a faulty platform while being SIGKILLed at random
//! points, run after run. Afterwards the platform has applied every change exactly once and
//! the wallet's ledger, outbox and the platform agree.
//!
//! `CONSENTRY_SYNC_CRASH_RUNS` sets the number of runs (default 40, about 15 s).

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use consentry_domain::{Channel, GrantStatus};
use consentry_store::ledger::{self, LedgerCheck};
use consentry_sync::SyncCounters;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde_json::json;

use crate::checks::{assert_converged, audit, outbox_rows, platform_history};
use crate::support::{key, platform_on_disk, test_config, Device, APP_SCOPES};

const CHILD: &str = "CONSENTRY_SYNC_CRASH_CHILD";
const CHILD_CARD: &str = "CONSENTRY_SYNC_CRASH_CARD";
const CHILD_SEED: &str = "CONSENTRY_SYNC_CRASH_SEED";
/// Consent changes one child makes (it is usually killed before).
const STEPS: usize = 12;

/// The child: a no-op in a normal test run.
#[tokio::test]
async fn child() {
    let (Ok(dir), Ok(card), Ok(seed)) = (
        std::env::var(CHILD),
        std::env::var(CHILD_CARD),
        std::env::var(CHILD_SEED),
    ) else {
        return;
    };
    let device = Device::open("laptop", std::path::Path::new(&dir), test_config("laptop")).await;
    let mut rng = StdRng::seed_from_u64(seed.parse().unwrap());
    let channels = [Channel::Card, Channel::Nfc, Channel::Voice, Channel::Online];
    for step in 0..STEPS {
        let (app, scope) = APP_SCOPES[rng.gen_range(0..4)];
        let k = key(app, &card, scope);
        let now = Utc::now();
        let current = device.grant_of(&k).await;
        let choice = rng.gen_range(0..3);
        match current.map(|g| g.status) {
            Some(GrantStatus::Active) if choice == 0 => {
                device.revoke(&k, now).await;
            }
            Some(GrantStatus::Active) if choice == 1 => {
                device
                    .renew(
                        &k,
                        Some(now + chrono::Duration::days(rng.gen_range(1..400))),
                        now,
                    )
                    .await;
            }
            _ => {
                let n = rng.gen_range(1..=4);
                device.grant(&k, &channels[..n], now).await;
            }
        }
        println!("RECORDED {step}");
        let _ = device.syncer.sync_once(Utc::now()).await;
        let counters = device.syncer.counters().await;
        println!("COUNTERS {}", serde_json::to_string(&counters).unwrap());
    }
}

fn add(total: &mut SyncCounters, run: &SyncCounters) {
    total.changes_sent += run.changes_sent;
    total.changes_applied += run.changes_applied;
    total.replays_suppressed += run.replays_suppressed;
    total.retries += run.retries;
}

#[tokio::test]
async fn sigkill_at_random_points_never_loses_or_repeats_a_change() {
    let runs: u64 = std::env::var("CONSENTRY_SYNC_CRASH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(40);
    let started = Instant::now();
    let platform_dir = tempfile::tempdir().unwrap();
    let platform = platform_on_disk(platform_dir.path()).await;
    let mut device = Device::new("laptop").await;
    device.enroll(&platform, None).await;
    let card = device.link_card().await;
    device.syncer.refresh_directory(Utc::now()).await.unwrap();
    let wallet_dir = device.wallet_dir.clone();
    device.wallet.lock().await;
    platform
        .faults(
            json!({"seed": 3, "error_rate": 0.15, "drop_after_commit_rate": 0.25, "latency_ms": 3}),
        )
        .await;

    let mut rng = StdRng::seed_from_u64(2014);
    let mut totals = SyncCounters::default();
    let (mut kills, mut recorded) = (0, 0);
    for run in 0..runs {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash::child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, &wallet_dir)
            .env(CHILD_CARD, &card)
            .env(CHILD_SEED, run.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(rng.gen_range(20..450))).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        recorded += out.lines().filter(|l| l.starts_with("RECORDED")).count();
        if let Some(last) = out
            .lines()
            .filter_map(|l| l.strip_prefix("COUNTERS "))
            .next_back()
        {
            add(&mut totals, &serde_json::from_str(last).unwrap());
        }
    }

    // The survivor: the same wallet, a fault-free platform, until everything is through.
    platform.no_faults().await;
    let survivor = Device::open("laptop", &wallet_dir, test_config("laptop")).await;
    survivor.settle(20).await;
    add(&mut totals, &survivor.syncer.counters().await);
    let history = platform_history(&platform, &survivor).await;
    let rows = outbox_rows(&survivor.pool).await;
    let a = audit(&history, &rows);
    assert!(a.changes >= recorded, "{a:?} vs {recorded} recorded");
    assert_eq!(
        a.applied, a.changes,
        "each change applied exactly once: {a:?}"
    );
    assert_eq!(
        (a.double_applied, a.lost, a.not_applied),
        (0, 0, 0),
        "{a:?}"
    );
    assert_eq!(
        ledger::verify(&survivor.pool).await.unwrap(),
        LedgerCheck::Intact {
            entries: a.changes as u64
        }
    );
    assert_converged(&[&survivor]).await;
    assert!(
        kills > runs / 2,
        "most runs were killed mid-way ({kills}/{runs})"
    );
    println!(
        "figures crash: runs {runs}, SIGKILLs {kills}, changes {}, requests sent {}, faults seen {}, \
         duplicates suppressed {}, applied {}, double-applied {}, lost {} ({:.1} s)",
        a.changes,
        totals.changes_sent,
        totals.retries,
        totals.replays_suppressed,
        a.applied,
        a.double_applied,
        a.lost,
        started.elapsed().as_secs_f64()
    );
}
