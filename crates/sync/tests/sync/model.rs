//! The state-machine property: two devices of one cardholder make random grants, revokes and
//! renewals, sync through random faults (500s, dropped connections) and crash mid-sync at
//! random points. Whatever the sequence, once the faults stop: both devices and the platform
//! converge, the platform applied no change twice, and no revocation was lost.
//!
//! `CONSENTRY_SYNC_MODEL_CASES` sets the number of cases (default 12, well under a minute).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use consentry_domain::Channel;
use proptest::prelude::*;
use serde_json::json;

use crate::checks::{assert_converged, audit, outbox_rows, platform_history};
use crate::support::{key, platform_on_disk, Device, APP_SCOPES};

/// Keys the model plays with (few, so devices collide often).
const KEYS: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    Grant {
        device: usize,
        key: usize,
        channels: usize,
    },
    Revoke {
        device: usize,
        key: usize,
    },
    Renew {
        device: usize,
        key: usize,
        days: i64,
    },
    Sync {
        device: usize,
    },
    /// A sync cut off after this long, then the wallet closed and reopened with a new syncer:
    /// in-memory state lost, uncommitted transactions rolled back, as after a crash.
    Crash {
        device: usize,
        after_micros: u64,
    },
    Faults {
        error: u8,
        drop: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let device = 0..2usize;
    let k = 0..KEYS;
    prop_oneof![
        3 => (device.clone(), k.clone(), 1..=4usize)
            .prop_map(|(device, key, channels)| Op::Grant { device, key, channels }),
        3 => (device.clone(), k.clone()).prop_map(|(device, key)| Op::Revoke { device, key }),
        1 => (device.clone(), k, 1..300i64).prop_map(|(device, key, days)| Op::Renew { device, key, days }),
        3 => device.clone().prop_map(|device| Op::Sync { device }),
        2 => (device, 0..40_000u64).prop_map(|(device, after_micros)| Op::Crash { device, after_micros }),
        1 => (0..3u8, 0..3u8).prop_map(|(error, drop)| Op::Faults { error, drop }),
    ]
}

static CASES: AtomicU64 = AtomicU64::new(0);
static OPS: AtomicU64 = AtomicU64::new(0);
static CRASHES: AtomicU64 = AtomicU64::new(0);
static CHANGES: AtomicU64 = AtomicU64::new(0);
static REPLAYS: AtomicU64 = AtomicU64::new(0);
static CONFLICTS: AtomicU64 = AtomicU64::new(0);
/// Fault configurations switched on plus failed requests the devices saw.
static FAULTS: AtomicU64 = AtomicU64::new(0);

async fn run_case(ops: Vec<Op>) {
    let platform_dir = tempfile::tempdir().unwrap();
    let platform = platform_on_disk(platform_dir.path()).await;
    let a = Device::new("laptop").await;
    let enrollment = a.enroll(&platform, None).await;
    let b = Device::new("phone").await;
    b.enroll(&platform, enrollment.credentials()).await;
    crate::support::pair(&a, &b).await;
    let card = a.link_card().await;
    a.syncer.refresh_directory(Utc::now()).await.unwrap();
    b.syncer.refresh_directory(Utc::now()).await.unwrap();
    let mut devices = [a, b];
    let channels = [Channel::Card, Channel::Nfc, Channel::Voice, Channel::Online];
    let mut faults_seen = 0;
    for op in &ops {
        let now = Utc::now();
        match *op {
            Op::Grant {
                device,
                key: k,
                channels: n,
            } => {
                let (app, scope) = APP_SCOPES[k];
                devices[device]
                    .grant(&key(app, &card, scope), &channels[..n], now)
                    .await;
            }
            Op::Revoke { device, key: k } => {
                let (app, scope) = APP_SCOPES[k];
                devices[device].revoke(&key(app, &card, scope), now).await;
            }
            Op::Renew {
                device,
                key: k,
                days,
            } => {
                let (app, scope) = APP_SCOPES[k];
                let until = now + chrono::Duration::days(days);
                devices[device]
                    .renew(&key(app, &card, scope), Some(until), now)
                    .await;
            }
            Op::Sync { device } => {
                let _ = devices[device].syncer.sync_once(now).await;
            }
            Op::Crash {
                device,
                after_micros,
            } => {
                let cut = Duration::from_micros(after_micros);
                let _ = tokio::time::timeout(cut, devices[device].syncer.sync_once(now)).await;
                devices[device].crash_restart().await;
                CRASHES.fetch_add(1, Ordering::Relaxed);
            }
            Op::Faults { error, drop } => {
                let rate = |n: u8| f64::from(n) * 0.2;
                platform
                    .faults(json!({"seed": error * 3 + drop, "error_rate": rate(error),
                        "drop_after_commit_rate": rate(drop)}))
                    .await;
                faults_seen += 1;
            }
        }
    }
    platform.no_faults().await;
    for _ in 0..3 {
        for device in &devices {
            device.settle(50).await;
        }
    }
    let [a, b] = &devices;
    assert_converged(&[a, b]).await;
    let mut rows = outbox_rows(&a.pool).await;
    rows.extend(outbox_rows(&b.pool).await);
    let result = audit(&platform_history(&platform, a).await, &rows);
    assert_eq!(
        result.double_applied, 0,
        "a change was applied twice: {result:?} {ops:?}"
    );
    assert_eq!(
        result.lost, 0,
        "a change or a revocation was lost: {result:?} {ops:?}"
    );
    let mut replays = 0;
    let mut conflicts = 0;
    for device in &devices {
        let c = device.syncer.counters().await;
        replays += c.replays_suppressed;
        conflicts += c.conflicts;
        faults_seen += c.retries;
    }
    CASES.fetch_add(1, Ordering::Relaxed);
    OPS.fetch_add(ops.len() as u64, Ordering::Relaxed);
    CHANGES.fetch_add(result.changes as u64, Ordering::Relaxed);
    REPLAYS.fetch_add(replays, Ordering::Relaxed);
    CONFLICTS.fetch_add(conflicts, Ordering::Relaxed);
    FAULTS.fetch_add(faults_seen, Ordering::Relaxed);
    println!(
        "figures model (cumulative): cases {}, ops {}, crashes {}, faults {}, changes {}, duplicates suppressed {}, conflicts settled {}, double-applied 0, lost 0",
        CASES.load(Ordering::Relaxed),
        OPS.load(Ordering::Relaxed),
        CRASHES.load(Ordering::Relaxed),
        FAULTS.load(Ordering::Relaxed),
        CHANGES.load(Ordering::Relaxed),
        REPLAYS.load(Ordering::Relaxed),
        CONFLICTS.load(Ordering::Relaxed),
    );
}

fn cases() -> u32 {
    std::env::var("CONSENTRY_SYNC_MODEL_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(12)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn two_devices_converge_through_faults_and_crashes(ops in proptest::collection::vec(op(), 6..28)) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(run_case(ops));
    }
}
