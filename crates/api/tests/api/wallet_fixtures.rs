//! A wallet with apps, a card and events stored the way sync stores them, for the
//! notifications, export and claims tests.

pub(crate) use std::sync::Arc;

pub(crate) use chrono::{DateTime, Duration, Utc};
pub(crate) use consentry_api::export::{ExportFormat, ExportRequest};
pub(crate) use consentry_api::native::{Answer, Asked, ScriptedNative};
pub(crate) use consentry_api::rewards::claims::{
    missing_reward_save_at, missing_rewards_at, DAYS_KEY,
};
pub(crate) use consentry_api::vocabulary::{Channel, Scope, Trigger};
pub(crate) use consentry_api::{
    activity_mark_seen, activity_unread, export_cancel, export_history, export_history_to,
    grant_set, notification_prefs_get, notification_prefs_set, poll_notices,
    ActivityMarkSeenRequest, ActivityUnreadRequest, Context, ErrorCode, ExportCancelRequest,
    GrantExpiry, GrantSetRequest, MissingRewardSaveRequest, NoticeLocale,
    NotificationPrefsGetRequest, NotificationPrefsSetRequest,
};
pub(crate) use consentry_domain::{
    Cashback, Currency, EventPayload, FeeModel, Money, PaymentRef, PointsAwarded, Receipt,
    ReceiptIssued, ReceiptLine, Sha256Digest, Transaction,
};
pub(crate) use consentry_store::apps::{self, AppListing};
pub(crate) use consentry_store::cards::{self};
pub(crate) use consentry_store::events::{self, IncomingEvent};
pub(crate) use consentry_store::settings;
pub(crate) use sqlx::SqlitePool;

pub(crate) const CARD: &str = "tok_card_a";
pub(crate) const RECEIPTS_APP: &str = "app_receipts";
pub(crate) const COFFEE_APP: &str = "app_beans";
/// A Luhn-valid test card number: must never reach a notification.
pub(crate) const PAN: &str = "4242424242424242";

pub(crate) fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::new("EUR").unwrap())
}

pub(crate) fn listing(id: &str, name: &str) -> AppListing {
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

pub(crate) async fn wallet(dir: &std::path::Path) -> (Context, SqlitePool) {
    wallet_answering(dir, Arc::new(ScriptedNative::default())).await
}

/// [`wallet`], the person's answers to native dialogs scripted by `native`.
pub(crate) async fn wallet_answering(
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
    let card = consentry_testkit::visa(CARD, "4242");
    cards::insert(&pool, &card, now).await.unwrap();
    (ctx, pool)
}

pub(crate) fn event(
    id: &str,
    when: DateTime<Utc>,
    app: Option<&str>,
    payload: EventPayload,
) -> IncomingEvent {
    crate::support::incoming(id, when, CARD, app, payload)
}

/// The settlement of `tx(tx_id, merchant, minor, channel)`, no app's event.
pub(crate) fn settled(
    id: &str,
    when: DateTime<Utc>,
    tx_id: &str,
    merchant: &str,
    minor: i64,
    channel: consentry_domain::Channel,
) -> IncomingEvent {
    let payment = tx(tx_id, merchant, minor, channel);
    event(id, when, None, EventPayload::TransactionSettled(payment))
}

/// The receipts app's receipt for `tx_id`.
pub(crate) fn receipt_event(
    id: &str,
    when: DateTime<Utc>,
    tx_id: &str,
    merchant: &str,
    minor: i64,
) -> IncomingEvent {
    event(
        id,
        when,
        Some(RECEIPTS_APP),
        receipt(tx_id, merchant, minor),
    )
}

pub(crate) fn tx(
    id: &str,
    merchant: &str,
    minor: i64,
    channel: consentry_domain::Channel,
) -> Transaction {
    Transaction {
        transaction_id: id.into(),
        amount: eur(minor),
        merchant: merchant.into(),
        channel,
        commission: eur(10),
    }
}

pub(crate) fn payment(id: &str, minor: i64) -> PaymentRef {
    PaymentRef {
        transaction_id: id.into(),
        channel: consentry_domain::Channel::Nfc,
        amount: eur(minor),
    }
}

pub(crate) fn receipt(tx_id: &str, merchant: &str, minor: i64) -> EventPayload {
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

pub(crate) fn points(tx_id: &str, delta: i64) -> EventPayload {
    EventPayload::PointsAwarded(PointsAwarded {
        program: "Bean Club".into(),
        delta,
        balance: 100 + delta,
        payment: Some(payment(tx_id, 880)),
    })
}

pub(crate) async fn grant(ctx: &Context, app: &str, scope: Scope, channels: Vec<Channel>) {
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
