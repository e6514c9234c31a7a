//! Notifications: per-app switches, what a round notifies (never a card number), the unread
//! count.

use crate::wallet_fixtures::*;

#[tokio::test]
async fn switches_are_per_app_on_by_default_and_persist() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _pool) = wallet(dir.path()).await;
    let prefs = notification_prefs_get(&ctx, NotificationPrefsGetRequest {})
        .await
        .unwrap();
    let names: Vec<_> = prefs.apps.iter().map(|a| a.app_name.as_str()).collect();
    assert_eq!(names, ["Bean Counter", "PaperLess"]);
    assert!(prefs.apps.iter().all(|a| a.enabled));
    assert_eq!(prefs.locale, NoticeLocale::En);

    let off = NotificationPrefsSetRequest {
        app_id: Some(COFFEE_APP.into()),
        enabled: Some(false),
        locale: Some(NoticeLocale::Fr),
    };
    notification_prefs_set(&ctx, off).await.unwrap();
    let prefs = notification_prefs_get(&ctx, NotificationPrefsGetRequest {})
        .await
        .unwrap();
    let coffee = prefs.apps.iter().find(|a| a.app_id == COFFEE_APP).unwrap();
    assert!(!coffee.enabled);
    assert!(prefs
        .apps
        .iter()
        .any(|a| a.app_id == RECEIPTS_APP && a.enabled));
    assert_eq!(prefs.locale, NoticeLocale::Fr);

    let unknown = NotificationPrefsSetRequest {
        app_id: Some("app_nope".into()),
        enabled: Some(true),
        locale: None,
    };
    let err = notification_prefs_set(&ctx, unknown).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    let half = NotificationPrefsSetRequest {
        app_id: Some(COFFEE_APP.into()),
        enabled: None,
        locale: None,
    };
    let err = notification_prefs_set(&ctx, half).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let json = r#"{"appId":"x","enabled":true,"locale":null,"extra":1}"#;
    assert!(serde_json::from_str::<NotificationPrefsSetRequest>(json).is_err());
}

#[tokio::test]
async fn a_round_notifies_new_receipts_and_rewards_of_enabled_apps_without_card_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    let now = Utc::now();
    let old = receipt_event(
        "evt_old_receipt",
        now - Duration::days(1),
        "tx_old",
        "Old Shop",
        500,
    );
    events::ingest(&pool, &[old], now).await.unwrap();
    // The first round starts from the newest event: history is not replayed.
    assert!(poll_notices(&ctx, now).await.unwrap().is_empty());

    let off = NotificationPrefsSetRequest {
        app_id: Some(COFFEE_APP.into()),
        enabled: Some(false),
        locale: None,
    };
    notification_prefs_set(&ctx, off).await.unwrap();
    let batch = [
        settled(
            "evt_tx",
            now,
            "tx_1",
            "Café Rose",
            880,
            consentry_domain::Channel::Nfc,
        ),
        event(
            "evt_receipt",
            now,
            Some(RECEIPTS_APP),
            receipt("tx_1", &format!("Café Rose {PAN}"), 880),
        ),
        event("evt_points", now, Some(COFFEE_APP), points("tx_1", 9)),
        event(
            "evt_cashback",
            now,
            Some(RECEIPTS_APP),
            EventPayload::CashbackPaid(Cashback {
                amount: eur(150),
                destination: "FR76 •••• 1234".into(),
                payment: Some(payment("tx_1", 880)),
            }),
        ),
    ];
    events::ingest(&pool, &batch, now).await.unwrap();
    let notices = poll_notices(&ctx, now).await.unwrap();
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(
        notices[0].title.starts_with("Receipt from Café Rose"),
        "{notices:?}"
    );
    assert_eq!(notices[0].body, "PaperLess: €8.80 · card •••• 4242");
    assert_eq!(notices[1].title, "Cashback paid: €1.50");
    // A click opens the event each one is about.
    assert_eq!(notices[0].event_id.as_deref(), Some("evt_receipt"));
    assert_eq!(notices[1].event_id.as_deref(), Some("evt_cashback"));
    for notice in &notices {
        let text = format!("{} {}", notice.title, notice.body);
        assert!(!text.contains(PAN), "{text}");
        assert!(
            !consentry_store::pan_guard::contains_card_number(&text),
            "{text}"
        );
    }
    // Nothing new: nothing twice.
    assert!(poll_notices(&ctx, now).await.unwrap().is_empty());

    let fr = NotificationPrefsSetRequest {
        locale: Some(NoticeLocale::Fr),
        ..Default::default()
    };
    notification_prefs_set(&ctx, fr).await.unwrap();
    let on = NotificationPrefsSetRequest {
        app_id: Some(COFFEE_APP.into()),
        enabled: Some(true),
        locale: None,
    };
    notification_prefs_set(&ctx, on).await.unwrap();
    let more = event("evt_points_2", now, Some(COFFEE_APP), points("tx_1", 3));
    events::ingest(&pool, &[more], now).await.unwrap();
    let notices = poll_notices(&ctx, now).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].title, "+3 points Bean Club");
    assert_eq!(
        notices[0].body,
        "Bean Counter · solde 103 · carte •••• 4242"
    );
}

#[tokio::test]
async fn a_locked_wallet_notifies_nothing_and_the_unread_count_becomes_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _pool) = wallet(dir.path()).await;
    let unread = ctx.subscribe_unread();
    consentry_api::wallet_lock(&ctx, consentry_api::WalletLockRequest {})
        .await
        .unwrap();
    assert!(poll_notices(&ctx, Utc::now()).await.unwrap().is_empty());
    assert_eq!(*unread.borrow(), None);
}

#[tokio::test]
async fn unread_counts_arrivals_since_activity_was_opened() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    let unread = ctx.subscribe_unread();
    let now = Utc::now();
    let batch = [
        receipt_event("evt_1", now, "tx_1", "Shop", 500),
        event("evt_2", now, Some(COFFEE_APP), points("tx_1", 5)),
    ];
    events::ingest(&pool, &batch, now).await.unwrap();
    let count = activity_unread(&ctx, ActivityUnreadRequest {})
        .await
        .unwrap();
    assert_eq!(count.count, 2);
    assert_eq!(*unread.borrow(), Some(2));

    let seen = activity_mark_seen(&ctx, ActivityMarkSeenRequest {})
        .await
        .unwrap();
    assert_eq!(seen.count, 0);
    assert_eq!(*unread.borrow(), Some(0));

    // A late delivery of an old event is still new.
    let late = event(
        "evt_late",
        now - Duration::days(30),
        Some(COFFEE_APP),
        points("tx_0", 1),
    );
    events::ingest(&pool, &[late], now).await.unwrap();
    poll_notices(&ctx, now).await.unwrap();
    assert_eq!(*unread.borrow(), Some(1));
    let count = activity_unread(&ctx, ActivityUnreadRequest {})
        .await
        .unwrap();
    assert_eq!(count.count, 1);
}

#[tokio::test]
async fn the_unread_count_stops_at_its_cap_and_the_tray_says_at_least() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    let now = Utc::now();
    let cap = consentry_api::UNREAD_CAP;
    let batch: Vec<_> = (0..=cap)
        .map(|n| {
            event(
                &format!("evt_{n}"),
                now,
                Some(COFFEE_APP),
                points(&format!("tx_{n}"), 1),
            )
        })
        .collect();
    events::ingest(&pool, &batch, now).await.unwrap();
    let count = activity_unread(&ctx, ActivityUnreadRequest {})
        .await
        .unwrap();
    assert_eq!(count.count, u64::from(cap));
    let label = consentry_api::notifications::tray_label(&ctx, Some(count.count)).await;
    assert_eq!(label, format!("Consentry — {cap}+ new"));
    let below = consentry_api::notifications::tray_label(&ctx, Some(u64::from(cap) - 1)).await;
    assert_eq!(below, format!("Consentry — {} new", cap - 1));
}
