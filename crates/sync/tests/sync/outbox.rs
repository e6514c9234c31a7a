//! The outbox drain against the real platform with its fault injection: order per grant,
//! exactly once through 500s, latency, timeouts and dropped connections, `Retry-After`, and a
//! crash between sending and recording the answer.

use std::time::Duration;

use chrono::Utc;
use consentry_domain::{Channel, Scope};
use consentry_sync::{SyncConfig, SyncErrorCode};
use serde_json::json;

use crate::checks::{assert_converged, audit, audit_devices, outbox_rows, platform_history};
use crate::support::{
    key, laptop_behind_proxy, one_device, platform, test_config, Device, ALL_CHANNELS, APP_SCOPES,
    RECEIPTS_APP,
};

#[tokio::test]
async fn changes_of_one_grant_arrive_in_order_and_once() {
    let (platform, device, card) = one_device().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    let now = Utc::now();
    device.grant(&k, &[Channel::Card], now).await;
    device.revoke(&k, now).await;
    device
        .grant(&k, &[Channel::Nfc, Channel::Online], now)
        .await;
    device
        .renew(&k, Some(now + chrono::Duration::days(90)), now)
        .await;
    let report = device.syncer.sync_once(Utc::now()).await.unwrap();
    assert_eq!(report.counters.changes_applied, 4);
    assert_eq!(report.pending_outbox, 0);
    let history = platform_history(&platform, &device).await;
    let actions: Vec<&str> = history
        .values()
        .flatten()
        .map(|a| a.action.as_str())
        .collect();
    assert_eq!(actions, ["grant", "revoke", "grant", "renew"]);
    let a = audit(&history, &outbox_rows(&device.pool).await);
    assert_eq!(
        (a.changes, a.applied, a.double_applied, a.lost),
        (4, 4, 0, 0)
    );
    assert_converged(&[&device]).await;
}

#[tokio::test]
async fn exactly_once_through_500s_latency_and_dropped_connections() {
    let (platform, device, card) = one_device().await;
    platform
        .faults(
            json!({"seed": 5, "error_rate": 0.3, "latency_ms": 5, "drop_after_commit_rate": 0.4}),
        )
        .await;
    let now = Utc::now();
    let mut recorded = 0;
    for round in 0..3 {
        for (app, scope) in APP_SCOPES {
            let k = key(app, &card, *scope);
            match round {
                0 => {
                    device.grant(&k, ALL_CHANNELS, now).await;
                }
                1 => {
                    device.revoke(&k, now).await;
                }
                _ => {
                    device.grant(&k, &[Channel::Nfc], now).await;
                }
            }
            recorded += 1;
        }
    }
    device.settle(400).await;
    platform.no_faults().await;
    device.settle(5).await;
    let counters = device.syncer.counters().await;
    let history = platform_history(&platform, &device).await;
    let a = audit(&history, &outbox_rows(&device.pool).await);
    assert_eq!(a.changes, recorded);
    assert_eq!(
        (a.applied, a.double_applied, a.lost),
        (recorded, 0, 0),
        "{a:?}"
    );
    assert!(
        counters.retries > 0 && counters.replays_suppressed > 0,
        "{counters:?}"
    );
    assert_converged(&[&device]).await;
    println!(
        "figures outbox-faults: changes {recorded}, sent {}, faults seen {}, duplicates suppressed {}, lost {}",
        counters.changes_sent, counters.retries, counters.replays_suppressed, a.lost
    );
}

#[tokio::test]
async fn a_crash_between_send_and_ack_resends_the_same_request() {
    let (platform, mut device, card) = one_device().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    device.grant(&k, &[Channel::Card], Utc::now()).await;
    // The platform commits, the answer never arrives: as good as a crash before the ack.
    platform
        .faults(json!({"drop_after_commit_rate": 1.0}))
        .await;
    let error = device.syncer.drain_outbox(Utc::now()).await.unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::Unreachable);
    assert_eq!(device.syncer.status().pending_outbox, 1);
    platform.no_faults().await;
    device.restart().await;
    let report = device.syncer.drain_outbox(Utc::now()).await.unwrap();
    assert_eq!(report.counters.replays_suppressed, 1, "{report:?}");
    assert_eq!(report.counters.changes_applied, 0);
    let history = platform_history(&platform, &device).await;
    assert_eq!(history.values().flatten().count(), 1, "applied once");
    // The next change builds on the acknowledged version.
    device.revoke(&k, Utc::now()).await;
    device.syncer.drain_outbox(Utc::now()).await.unwrap();
    let a = audit_devices(&platform, &[&device]).await;
    assert_eq!((a.applied, a.double_applied, a.lost), (2, 0, 0));
}

#[tokio::test]
async fn timeouts_back_off_and_then_drain() {
    let platform = platform().await;
    let config = SyncConfig {
        client: consentry_sync::ClientConfig {
            request_timeout: Duration::from_millis(400),
            ..Default::default()
        },
        ..test_config("laptop")
    };
    let device = Device::with_config("laptop", config).await;
    device.enroll(&platform, None).await;
    let card = device.link_card().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    device.grant(&k, &[Channel::Card], Utc::now()).await;
    platform.faults(json!({"latency_ms": 1000})).await;
    let error = device.syncer.sync_once(Utc::now()).await.unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::Timeout);
    let status = device.syncer.status();
    assert_eq!(status.pending_outbox, 1);
    assert_eq!(
        status.last_error.map(|e| e.code),
        Some(SyncErrorCode::Timeout)
    );
    assert!(status.next_retry_at.is_some());
    // The platform applied it after all (it was only slow): the retry is a replay.
    platform.no_faults().await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    device.settle(10).await;
    assert!(device.syncer.status().last_error.is_none());
    let a = audit_devices(&platform, &[&device]).await;
    assert_eq!((a.applied, a.double_applied, a.lost), (1, 0, 0));
}

/// A 429 (the contract's rate limit) is honoured like a 503: nothing is sent before
/// `Retry-After`, then the same change goes through once.
#[tokio::test]
async fn a_rate_limit_429_is_honoured_until_retry_after() {
    let (_platform, proxy, device, card) = laptop_behind_proxy().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    device.grant(&k, &[Channel::Card], Utc::now()).await;
    {
        let mut h = proxy.hostility.lock().unwrap();
        h.put_unavailable = 1;
        h.retry_after_secs = 30;
        h.put_refusal_status = Some(429);
    }
    let before = Utc::now();
    let error = device.syncer.drain_outbox(before).await.unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::RateLimited);
    assert!(error.is_retryable());
    let retry_at = device.syncer.status().next_retry_at.unwrap();
    assert!(
        retry_at >= before + chrono::Duration::seconds(30) - chrono::Duration::milliseconds(1),
        "{retry_at} vs {before}"
    );
    // 29 s later: still nothing sent.
    let report = device
        .syncer
        .drain_outbox(before + chrono::Duration::seconds(29))
        .await
        .unwrap();
    assert_eq!(report.counters.changes_sent, 0);
    assert_eq!(proxy.hostility.lock().unwrap().puts, 1);
    let report = device
        .syncer
        .drain_outbox(before + chrono::Duration::seconds(31))
        .await
        .unwrap();
    assert_eq!(report.counters.changes_applied, 1);
    assert_eq!(proxy.hostility.lock().unwrap().puts, 2);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (_platform, proxy, device, card) = laptop_behind_proxy().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    device.grant(&k, &[Channel::Card], Utc::now()).await;
    {
        let mut h = proxy.hostility.lock().unwrap();
        h.put_unavailable = 1;
        h.retry_after_secs = 2;
    }
    let before = Utc::now();
    let error = device.syncer.drain_outbox(before).await.unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::PlatformUnavailable);
    let retry_at = device.syncer.status().next_retry_at.unwrap();
    // Stored to the millisecond.
    let floor = before + chrono::Duration::seconds(2) - chrono::Duration::milliseconds(1);
    assert!(retry_at >= floor, "{retry_at} vs {before}");
    // Not before the platform said so: nothing is sent.
    let report = device.syncer.drain_outbox(Utc::now()).await.unwrap();
    assert_eq!(report.counters.changes_sent, 0);
    assert_eq!(proxy.hostility.lock().unwrap().puts, 1);
    // Then it goes through (time is a parameter: no need to wait).
    let report = device
        .syncer
        .drain_outbox(before + chrono::Duration::seconds(3))
        .await
        .unwrap();
    assert_eq!(report.counters.changes_applied, 1);
}
