//! Notifications (per-app switches, what a round notifies, unread count), export progress and
//! cancel, and missing-reward claims, over a real SQLCipher wallet in a temp dir.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use consentry_api::export::{ExportFormat, ExportRequest};
use consentry_api::native::{Answer, Asked, ScriptedNative};
use consentry_api::rewards::claims::{missing_reward_save_at, missing_rewards_at, DAYS_KEY};
use consentry_api::vocabulary::{Channel, Scope, Trigger};
use consentry_api::{
    activity_mark_seen, activity_unread, export_cancel, export_history, export_history_to,
    grant_set, notification_prefs_get, notification_prefs_set, poll_notices,
    ActivityMarkSeenRequest, ActivityUnreadRequest, Context, ErrorCode, ExportCancelRequest,
    GrantExpiry, GrantSetRequest, MissingRewardSaveRequest, NoticeLocale,
    NotificationPrefsGetRequest, NotificationPrefsSetRequest,
};
use consentry_domain::{
    Brand, Cashback, Currency, Event, EventPayload, Expiry, FeeModel, Money, PaymentRef,
    PointsAwarded, Receipt, ReceiptIssued, ReceiptLine, Sha256Digest, Transaction,
};
use consentry_store::apps::{self, AppListing};
use consentry_store::cards::{self, NewCard};
use consentry_store::events::{self, IncomingEvent};
use consentry_store::settings;
use sqlx::SqlitePool;

const CARD: &str = "tok_card_a";
const RECEIPTS_APP: &str = "app_receipts";
const COFFEE_APP: &str = "app_beans";
/// A Luhn-valid test card number: must never reach a notification.
const PAN: &str = "4242424242424242";

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::new("EUR").unwrap())
}

fn listing(id: &str, name: &str) -> AppListing {
    let terms = format!("Terms of {name}");
    AppListing {
        id: id.into(),
        name: name.into(),
        publisher: format!("{name} Ltd"),
        description: format!("{name} does things"),
        requested_scopes: vec![
            consentry_domain::Scope::Receipts,
            consentry_domain::Scope::Points,
            consentry_domain::Scope::Cashback,
        ],
        terms_version: 1,
        terms_hash: Sha256Digest::of_terms(&terms),
        terms_text: terms,
        fee_model: FeeModel::Percent { bps: 100 },
    }
}

async fn wallet(dir: &std::path::Path) -> (Context, SqlitePool) {
    wallet_answering(dir, Arc::new(ScriptedNative::default())).await
}

/// [`wallet`], the person's answers to native dialogs scripted by `native`.
async fn wallet_answering(
    dir: &std::path::Path,
    native: Arc<ScriptedNative>,
) -> (Context, SqlitePool) {
    let (ctx, pool) = crate::support::new_wallet_answering(dir, native).await;
    let now = Utc::now();
    apps::upsert(&pool, &listing(RECEIPTS_APP, "PaperLess"), now)
        .await
        .unwrap();
    apps::upsert(&pool, &listing(COFFEE_APP, "Bean Counter"), now)
        .await
        .unwrap();
    let card = NewCard {
        token: CARD.into(),
        brand: Brand::Visa,
        last4: "4242".into(),
        expiry: Expiry::new(12, 2030).unwrap(),
        nickname: None,
    };
    cards::insert(&pool, &card, now).await.unwrap();
    (ctx, pool)
}

fn event(id: &str, when: DateTime<Utc>, app: Option<&str>, payload: EventPayload) -> IncomingEvent {
    IncomingEvent {
        event: Event {
            id: id.into(),
            occurred_at: when,
            card_token: CARD.into(),
            app_id: app.map(str::to_owned),
            payload,
        },
        signature_verified: true,
        violation: None,
        late_by_ms: None,
    }
}

fn tx(id: &str, merchant: &str, minor: i64, channel: consentry_domain::Channel) -> Transaction {
    Transaction {
        transaction_id: id.into(),
        amount: eur(minor),
        merchant: merchant.into(),
        channel,
        commission: eur(10),
    }
}

fn payment(id: &str, minor: i64) -> PaymentRef {
    PaymentRef {
        transaction_id: id.into(),
        channel: consentry_domain::Channel::Nfc,
        amount: eur(minor),
    }
}

fn receipt(tx_id: &str, merchant: &str, minor: i64) -> EventPayload {
    EventPayload::ReceiptIssued(ReceiptIssued {
        payment: payment(tx_id, minor),
        receipt: Receipt {
            transaction_id: tx_id.into(),
            merchant: merchant.into(),
            lines: vec![ReceiptLine {
                quantity: 1,
                description: "Flat white".into(),
                unit_price: eur(minor - 40),
                tax: eur(40),
                total: eur(minor),
            }],
            total: eur(minor),
        },
    })
}

fn points(tx_id: &str, delta: i64) -> EventPayload {
    EventPayload::PointsAwarded(PointsAwarded {
        program: "Bean Club".into(),
        delta,
        balance: 100 + delta,
        payment: Some(payment(tx_id, 880)),
    })
}

async fn grant(ctx: &Context, app: &str, scope: Scope, channels: Vec<Channel>) {
    let request = GrantSetRequest {
        app_id: app.into(),
        card_token: CARD.into(),
        scope,
        channels,
        trigger: Trigger::Authorization,
        min_purchase: None,
        expiry: GrantExpiry::Never,
    };
    grant_set(ctx, request).await.unwrap();
}

mod notifications {
    use super::*;

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
        let old = event(
            "evt_old_receipt",
            now - Duration::days(1),
            Some(RECEIPTS_APP),
            receipt("tx_old", "Old Shop", 500),
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
            event(
                "evt_tx",
                now,
                None,
                EventPayload::TransactionSettled(tx(
                    "tx_1",
                    "Café Rose",
                    880,
                    consentry_domain::Channel::Nfc,
                )),
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
            event(
                "evt_1",
                now,
                Some(RECEIPTS_APP),
                receipt("tx_1", "Shop", 500),
            ),
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
}

mod export_progress {
    use super::*;

    fn request() -> ExportRequest {
        ExportRequest {
            format: ExportFormat::Json,
            from: None,
            to: None,
            cards: vec![],
            apps: vec![],
            kinds: vec![],
            password: None,
        }
    }

    async fn some_events(pool: &SqlitePool, n: usize) {
        let now = Utc::now();
        let batch: Vec<_> = (0..n)
            .map(|i| {
                event(
                    &format!("evt_{i}"),
                    now - Duration::minutes(i as i64),
                    Some(COFFEE_APP),
                    points("tx_1", 1),
                )
            })
            .collect();
        events::ingest(pool, &batch, now).await.unwrap();
    }

    /// The page names no path: the backend asks in the save dialog, whose title says the
    /// file is not encrypted, and writes only where the person pointed it.
    #[tokio::test]
    async fn the_save_dialog_decides_where_and_a_cancel_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let says = Arc::new(ScriptedNative::default());
        let (ctx, pool) = wallet_answering(dir.path(), says.clone()).await;
        some_events(&pool, 3).await;
        let named = serde_json::json!({"format": "json", "destination": "/tmp/stolen.json",
            "from": null, "to": null, "password": null});
        assert!(serde_json::from_value::<ExportRequest>(named).is_err());

        let files = || {
            let mut names: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            names
        };
        let before = files();
        let err = export_history(&ctx, request()).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Cancelled);
        assert_eq!(files(), before, "nothing written");
        let [Asked::Save(dialog)] = &says.asked()[..] else {
            panic!("{:?}", says.asked());
        };
        assert!(dialog.title.contains("not encrypted"), "{dialog:?}");
        assert!(dialog.file_name.starts_with("consentry-"), "{dialog:?}");
        assert!(dialog.file_name.ends_with(".json"), "{dialog:?}");
        assert_eq!(dialog.extensions, ["json"]);

        // A wrong request is refused before anything is asked.
        let mut wrong = request();
        wrong.from = Some("yesterday".into());
        assert_eq!(
            export_history(&ctx, wrong).await.unwrap_err().code,
            ErrorCode::InvalidInput
        );
        assert_eq!(says.asked().len(), 1);

        let out = dir.path().join("mine.json");
        says.push(Answer::SaveAt(out.clone()));
        let summary = export_history(&ctx, request()).await.unwrap();
        assert_eq!(summary.destination, out.display().to_string());
        assert_eq!(summary.events, 3);
    }

    #[tokio::test]
    async fn progress_is_published_and_ends_not_running() {
        let dir = tempfile::tempdir().unwrap();
        let (ctx, pool) = wallet(dir.path()).await;
        some_events(&pool, 30).await;
        let progress = ctx.subscribe_export_progress();
        let out = dir.path().join("out.json");
        let summary = export_history_to(&ctx, request(), out.clone())
            .await
            .unwrap();
        assert_eq!(summary.events, 30);
        let last = *progress.borrow();
        assert_eq!(last.run, 1);
        assert!(!last.running);
        assert!(last.rows_done >= 30, "{last:?}");
        assert!(last.total_estimate >= last.rows_done);
        assert!(out.exists());
    }

    #[tokio::test]
    async fn cancel_stops_the_running_export_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (ctx, pool) = wallet(dir.path()).await;
        // Enough rows that the export is still running when the cancel arrives.
        some_events(&pool, 20_000).await;
        let nothing = export_cancel(&ctx, ExportCancelRequest {}).await.unwrap();
        assert!(!nothing.cancelled);

        let ctx = std::sync::Arc::new(ctx);
        let mut progress = ctx.subscribe_export_progress();
        let out = dir.path().join("cancelled.json");
        let running = {
            let ctx = ctx.clone();
            let out = out.clone();
            tokio::spawn(async move { export_history_to(&ctx, request(), out).await })
        };
        // The run is registered (and cancellable) before it writes anything. Waiting for its
        // number (which only grows) cannot miss it, as waiting for `running` could if the run
        // ended first.
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            progress.wait_for(|p| p.run >= 1),
        )
        .await
        .expect("the export never started")
        .unwrap();
        let cancel = export_cancel(&ctx, ExportCancelRequest {}).await.unwrap();
        assert!(cancel.cancelled);
        let err = running.await.unwrap().unwrap_err();
        assert_eq!(err.code, ErrorCode::Cancelled, "{err:?}");
        assert!(err.message.contains("cancel"), "{err:?}");
        assert!(!out.exists());
        assert!(!progress.borrow().running);
        // The next export runs normally.
        export_history_to(&ctx, request(), out).await.unwrap();
        assert_eq!(progress.borrow().run, 2);
    }
}

mod missing_rewards {
    use super::*;

    #[tokio::test]
    async fn a_granted_app_that_did_not_act_within_n_days_is_listed_with_its_claim_pack() {
        let dir = tempfile::tempdir().unwrap();
        let (ctx, pool) = wallet(dir.path()).await;
        grant(
            &ctx,
            COFFEE_APP,
            Scope::Points,
            vec![Channel::Card, Channel::Nfc],
        )
        .await;
        grant(&ctx, COFFEE_APP, Scope::Cashback, vec![Channel::Nfc]).await;
        grant(&ctx, RECEIPTS_APP, Scope::Receipts, vec![Channel::Nfc]).await;
        // Offers are not a reward a cardholder can claim.
        let t0 = Utc::now() + Duration::minutes(1);
        let nfc = consentry_domain::Channel::Nfc;
        let batch = [
            // Receipts app acted, coffee app did not: one claim, with the receipt.
            event(
                "evt_s1",
                t0,
                None,
                EventPayload::TransactionSettled(tx("tx_1", "Café Rose", 880, nfc)),
            ),
            event(
                "evt_r1",
                t0,
                Some(RECEIPTS_APP),
                receipt("tx_1", "Café Rose", 880),
            ),
            // Both acted: nothing to claim.
            event(
                "evt_s2",
                t0 + Duration::minutes(1),
                None,
                EventPayload::TransactionSettled(tx("tx_2", "Book Nook", 1200, nfc)),
            ),
            event(
                "evt_r2",
                t0,
                Some(RECEIPTS_APP),
                receipt("tx_2", "Book Nook", 1200),
            ),
            event("evt_p2", t0, Some(COFFEE_APP), points("tx_2", 12)),
            // Reversed: nothing owed.
            event(
                "evt_s3",
                t0 + Duration::minutes(2),
                None,
                EventPayload::TransactionSettled(tx("tx_3", "Shoe Shop", 5000, nfc)),
            ),
            event(
                "evt_v3",
                t0 + Duration::minutes(3),
                None,
                EventPayload::TransactionReversed(tx("tx_3", "Shoe Shop", 5000, nfc)),
            ),
            // A channel no grant covers: nothing owed.
            event(
                "evt_s4",
                t0 + Duration::minutes(4),
                None,
                EventPayload::TransactionSettled(tx(
                    "tx_4",
                    "Voice Pizza",
                    2000,
                    consentry_domain::Channel::Voice,
                )),
            ),
            // Before any grant existed: nothing owed.
            event(
                "evt_s5",
                t0 - Duration::hours(1),
                None,
                EventPayload::TransactionSettled(tx("tx_5", "Early Bird", 300, nfc)),
            ),
        ];
        events::ingest(&pool, &batch, t0).await.unwrap();

        // Within N (3) days: still time for the apps.
        let soon = missing_rewards_at(&pool, t0 + Duration::days(2))
            .await
            .unwrap();
        assert_eq!(soon.days, 3);
        assert!(soon.items.is_empty(), "{:?}", soon.items);

        let later = missing_rewards_at(&pool, t0 + Duration::days(4))
            .await
            .unwrap();
        assert_eq!(later.items.len(), 1, "{:?}", later.items);
        let claim = &later.items[0];
        assert_eq!(claim.transaction_id, "tx_1");
        assert_eq!(claim.merchant, "Café Rose");
        assert_eq!(claim.amount.minor, 880);
        assert_eq!(claim.card_last4.as_deref(), Some("4242"));
        assert_eq!(claim.app_id, COFFEE_APP);
        assert_eq!(claim.app_name.as_deref(), Some("Bean Counter"));
        assert_eq!(claim.channel, Channel::Nfc);
        assert_eq!(claim.due_by, t0 + Duration::days(3));
        let scopes: Vec<_> = claim.grants.iter().map(|g| g.scope).collect();
        assert_eq!(scopes, [Scope::Points, Scope::Cashback]);
        assert!(claim
            .grants
            .iter()
            .all(|g| g.ledger_hash.len() == 64 && g.ledger_seq > 0));
        let receipt = claim.receipt.as_ref().unwrap();
        assert_eq!(receipt.app_id.as_deref(), Some(RECEIPTS_APP));
        assert_eq!(receipt.total.minor, 880);
        assert_eq!(receipt.lines.len(), 1);

        // N is a setting.
        settings::put(&pool, DAYS_KEY, "1", Utc::now())
            .await
            .unwrap();
        let one_day = missing_rewards_at(&pool, t0 + Duration::days(2))
            .await
            .unwrap();
        assert_eq!(one_day.days, 1);
        assert_eq!(one_day.items.len(), 1);

        // Points arriving late settle the claim.
        let late = event(
            "evt_p1",
            t0 + Duration::days(5),
            Some(COFFEE_APP),
            points("tx_1", 8),
        );
        events::ingest(&pool, &[late], t0 + Duration::days(5))
            .await
            .unwrap();
        let settled = missing_rewards_at(&pool, t0 + Duration::days(6))
            .await
            .unwrap();
        assert!(settled.items.is_empty());
    }

    #[tokio::test]
    async fn a_claim_pack_saves_as_json_and_an_unknown_one_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let says = Arc::new(ScriptedNative::default());
        let (ctx, pool) = wallet_answering(dir.path(), says.clone()).await;
        grant(&ctx, COFFEE_APP, Scope::Points, vec![Channel::Nfc]).await;
        let t0 = Utc::now() + Duration::minutes(1);
        let settled = event(
            "evt_s1",
            t0,
            None,
            EventPayload::TransactionSettled(tx(
                "tx_1",
                "Café Rose",
                880,
                consentry_domain::Channel::Nfc,
            )),
        );
        events::ingest(&pool, &[settled], t0).await.unwrap();
        let when = t0 + Duration::days(4);
        let out = dir.path().join("claim.json");
        let request = MissingRewardSaveRequest {
            transaction_id: "tx_1".into(),
            app_id: COFFEE_APP.into(),
        };
        // Cancelled in the save dialog: nothing written.
        let err = missing_reward_save_at(&ctx, request.clone(), when)
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Cancelled);
        let [Asked::Save(dialog)] = &says.asked()[..] else {
            panic!("{:?}", says.asked());
        };
        assert_eq!(
            dialog.file_name,
            format!("claim-cafe-rose-{}-app_beans.json", t0.format("%Y-%m-%d"))
        );
        says.push(Answer::SaveAt(out.clone()));
        let saved = missing_reward_save_at(&ctx, request, when).await.unwrap();
        assert_eq!(saved.destination, out.display().to_string());
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(json["format"], "consentry.claim-pack/1");
        assert_eq!(json["merchant"], "Café Rose");
        assert_eq!(json["cardLast4"], "4242");
        assert_eq!(json["grants"][0]["scope"], "points");
        assert!(json["receipt"].is_null());
        assert_eq!(saved.bytes, std::fs::metadata(&out).unwrap().len());
        assert!(!json.to_string().contains(PAN));

        let unknown = MissingRewardSaveRequest {
            transaction_id: "tx_nope".into(),
            app_id: COFFEE_APP.into(),
        };
        let err = missing_reward_save_at(&ctx, unknown, when)
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound);
        assert_eq!(says.asked().len(), 2, "nothing asked for an unknown claim");
    }
}
