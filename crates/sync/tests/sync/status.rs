//! The status the UI shows, pushed on a watch channel, and the background loop: long-polls
//! the feed, drains on `wake`, stops on shutdown.

use std::time::Duration;

use chrono::Utc;
use consentry_domain::{Channel, Scope};
use consentry_sync::SyncErrorCode;
use serde_json::json;

use crate::checks::platform_history;
use crate::support::{key, one_device, RECEIPTS_APP};

#[tokio::test]
async fn the_status_follows_errors_and_recoveries() {
    let (platform, device, card) = one_device().await;
    let mut updates = device.syncer.subscribe();
    device
        .grant(
            &key(RECEIPTS_APP, &card, Scope::Receipts),
            &[Channel::Card],
            Utc::now(),
        )
        .await;
    platform.faults(json!({"error_rate": 1.0})).await;
    assert!(device.syncer.sync_once(Utc::now()).await.is_err());
    assert!(updates.has_changed().unwrap());
    let status = updates.borrow_and_update().clone();
    assert!(status.enrolled && !status.syncing);
    assert_eq!(status.pending_outbox, 1);
    let error = status.last_error.unwrap();
    assert_eq!(error.code, SyncErrorCode::PlatformUnavailable);
    assert!(!error.message.is_empty());
    assert!(status.next_retry_at.is_some());
    assert!(status.last_success_at.is_none());

    platform.no_faults().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    device.syncer.sync_once(Utc::now()).await.unwrap();
    let status = updates.borrow_and_update().clone();
    assert_eq!(status.pending_outbox, 0);
    assert!(status.last_error.is_none() && status.next_retry_at.is_none());
    assert!(status.last_success_at.is_some());
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["pending_outbox"], 0);
}

#[tokio::test]
async fn the_background_loop_long_polls_and_drains_when_woken() {
    let (platform, device, card) = one_device().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let syncer = device.syncer.clone();
    let background = tokio::spawn(async move {
        syncer
            .run(async {
                let _ = stopped.await;
            })
            .await;
    });
    let mut updates = device.syncer.subscribe();

    // A consent change, then a wake: it reaches the platform without a sync call.
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    device
        .grant(&k, &[Channel::Card, Channel::Nfc], Utc::now())
        .await;
    device.syncer.wake();
    tokio::time::timeout(Duration::from_secs(10), async {
        while platform_history(&platform, &device).await.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the change was sent");

    // A purchase: its events arrive through the long-poll.
    let before = device.syncer.status().events_received;
    platform.purchase(&device, &card, 4200, "nfc").await;
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if updates.borrow_and_update().events_received > before {
                break;
            }
            updates.changed().await.unwrap();
        }
    })
    .await
    .expect("events arrived by themselves");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), background)
        .await
        .expect("the loop stops on shutdown")
        .unwrap();
}
