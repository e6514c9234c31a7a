//! The activity feed and event detail over a real SQLCipher wallet in a temp
//! dir, with events stored the way sync stores them.

pub(crate) use chrono::{DateTime, Duration, TimeZone, Utc};
pub(crate) use consentry_api::activity::detail::EventBody;
pub(crate) use consentry_api::views::ViolationReasonView;
pub(crate) use consentry_api::vocabulary::{Channel, Scope, Trigger};
pub(crate) use consentry_api::EventKind;
pub(crate) use consentry_api::{
    activity_list, event_detail, grant_revoke, grant_set, rewards_summary, ActivityListRequest,
    Context, ErrorCode, EventDetailRequest, GrantExpiry, GrantRevokeRequest, GrantSetRequest,
    RewardsSummaryRequest,
};
pub(crate) use consentry_domain::{
    Brand, Cashback, Currency, Discount, EventPayload, Expiry, FeeModel, GrantRefusal, GrantStatus,
    Money, OfferIssued, OfferRedeemed, PaymentRef, PointsAwarded, Receipt, ReceiptIssued,
    ReceiptLine, Sha256Digest, Transaction, ViolationReason,
};
pub(crate) use consentry_store::apps::{self, AppListing};
pub(crate) use consentry_store::cards::{self, NewCard};
pub(crate) use consentry_store::events::{self, IncomingEvent};
pub(crate) use sqlx::SqlitePool;

pub(crate) const CARD_A: &str = "tok_card_a";
pub(crate) const CARD_B: &str = "tok_card_b";
pub(crate) const RECEIPTS_APP: &str = "app_receipts";
pub(crate) const COFFEE_APP: &str = "app_beans";

pub(crate) fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::new("EUR").unwrap())
}

pub(crate) fn at(day: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 9, minute, 0).unwrap()
}

pub(crate) fn listing(id: &str, name: &str, publisher: &str, fee: FeeModel) -> AppListing {
    let terms = format!("Terms of {name}");
    AppListing {
        id: id.into(),
        name: name.into(),
        publisher: publisher.into(),
        description: format!("{name} does things"),
        requested_scopes: vec![
            consentry_domain::Scope::Receipts,
            consentry_domain::Scope::Points,
            consentry_domain::Scope::Cashback,
            consentry_domain::Scope::Offers,
        ],
        terms_version: 1,
        terms_hash: Sha256Digest::of_terms(&terms),
        terms_text: terms,
        fee_model: fee,
    }
}

pub(crate) async fn wallet(dir: &std::path::Path) -> (Context, SqlitePool) {
    let (ctx, pool) = crate::support::new_wallet(dir).await;
    let now = Utc::now();
    let receipts = listing(
        RECEIPTS_APP,
        "PaperLess",
        "Receipt Co",
        FeeModel::PerEvent {
            amount: eur(10),
            per: consentry_domain::Scope::Receipts,
        },
    );
    let coffee = listing(
        COFFEE_APP,
        "Bean Counter",
        "Bean Ltd",
        FeeModel::Percent { bps: 150 },
    );
    apps::upsert(&pool, &receipts, now).await.unwrap();
    apps::upsert(&pool, &coffee, now).await.unwrap();
    for (token, last4) in [(CARD_A, "4242"), (CARD_B, "1881")] {
        let card = NewCard {
            token: token.into(),
            brand: Brand::Visa,
            last4: last4.into(),
            expiry: Expiry::new(12, 2030).unwrap(),
            nickname: None,
        };
        cards::insert(&pool, &card, now).await.unwrap();
    }
    (ctx, pool)
}

pub(crate) fn event(
    id: &str,
    when: DateTime<Utc>,
    card: &str,
    app: Option<&str>,
    payload: EventPayload,
) -> IncomingEvent {
    crate::support::incoming(id, when, card, app, payload)
}

pub(crate) fn purchase(tx: &str, merchant: &str, minor: i64, commission: i64) -> Transaction {
    Transaction {
        transaction_id: tx.into(),
        amount: eur(minor),
        merchant: merchant.into(),
        channel: consentry_domain::Channel::Nfc,
        commission: eur(commission),
    }
}

pub(crate) fn payment(tx: &str, minor: i64) -> PaymentRef {
    PaymentRef {
        transaction_id: tx.into(),
        channel: consentry_domain::Channel::Nfc,
        amount: eur(minor),
    }
}

pub(crate) fn receipt(tx: &str, merchant: &str) -> EventPayload {
    let line = |description: &str, quantity: u32, unit: i64, tax: i64| ReceiptLine {
        quantity,
        description: description.into(),
        unit_price: eur(unit),
        tax: eur(tax),
        total: eur(unit * i64::from(quantity) + tax),
    };
    let lines = vec![
        line("Flat white", 2, 300, 60),
        line("Croissant", 1, 200, 20),
    ];
    EventPayload::ReceiptIssued(ReceiptIssued {
        payment: payment(tx, 880),
        receipt: Receipt {
            transaction_id: tx.into(),
            merchant: merchant.into(),
            total: eur(880),
            lines,
        },
    })
}

/// 120 plain purchases on card A (one a minute from 1 March), then a coffee purchase on card B
/// with its receipt, settlement and points.
pub(crate) async fn seed_feed(pool: &SqlitePool) {
    let mut batch: Vec<IncomingEvent> = (0..120)
        .map(|i| {
            let day = 1 + i / 60;
            let minute = i % 60;
            event(
                &format!("evt_tx_{i}"),
                at(day, minute),
                CARD_A,
                None,
                EventPayload::TransactionAuthorized(purchase(
                    &format!("tx_{i}"),
                    "Grocer Market",
                    1000 + i64::from(i),
                    0,
                )),
            )
        })
        .collect();
    batch.push(event(
        "evt_coffee_auth",
        at(5, 0),
        CARD_B,
        None,
        EventPayload::TransactionAuthorized(purchase("tx_coffee", "Café Rose", 880, 0)),
    ));
    batch.push(event(
        "evt_coffee_receipt",
        at(5, 1),
        CARD_B,
        Some(RECEIPTS_APP),
        receipt("tx_coffee", "Café Rose"),
    ));
    batch.push(event(
        "evt_coffee_points",
        at(5, 2),
        CARD_B,
        Some(COFFEE_APP),
        EventPayload::PointsAwarded(PointsAwarded {
            program: "Bean Club".into(),
            delta: 9,
            balance: 109,
            payment: Some(payment("tx_coffee", 880)),
        }),
    ));
    batch.push(event(
        "evt_coffee_settled",
        at(6, 0),
        CARD_B,
        None,
        EventPayload::TransactionSettled(purchase("tx_coffee", "Café Rose", 880, 23)),
    ));
    events::ingest(pool, &batch, at(7, 0)).await.unwrap();
}

pub(crate) fn all() -> ActivityListRequest {
    ActivityListRequest::default()
}

/// The full detail of the event `id`, which must exist.
pub(crate) async fn detail_of(
    ctx: &Context,
    id: &str,
) -> consentry_api::activity::detail::EventDetail {
    event_detail(ctx, EventDetailRequest { id: id.into() })
        .await
        .unwrap()
}

/// The feed's first page with the filters `set` puts on [`all`].
pub(crate) async fn list_where(
    ctx: &Context,
    set: impl FnOnce(&mut ActivityListRequest),
) -> consentry_api::ActivityPage {
    let mut request = all();
    set(&mut request);
    activity_list(ctx, request).await.unwrap()
}

#[tokio::test]
async fn the_feed_pages_by_keyset_without_repeats_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    seed_feed(&pool).await;

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let request = ActivityListRequest {
            cursor: cursor.clone(),
            limit: Some(50),
            ..all()
        };
        let page = activity_list(&ctx, request).await.unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|i| (i.occurred_at, i.id.clone())));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    // 120 purchases of one event, and the coffee purchase's four events in one row.
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 121);
    assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "newest first");
    let mut ids: Vec<_> = seen.iter().map(|(_, id)| id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 121, "no row twice");

    let card_b = list_where(&ctx, |r| r.card_token = Some(CARD_B.into())).await;
    assert_eq!(card_b.items.len(), 1, "one purchase");
    let coffee = card_b.items[0].group.as_ref().expect("a purchase");
    assert_eq!(coffee.events.len(), 4);
    let receipt = coffee
        .events
        .iter()
        .find(|i| i.id == "evt_coffee_receipt")
        .unwrap();
    assert_eq!(receipt.card_last4.as_deref(), Some("1881"));
    assert_eq!(receipt.app_name.as_deref(), Some("PaperLess"));
    assert_eq!(receipt.merchant.as_deref(), Some("Café Rose"));
    assert_eq!(receipt.amount.as_ref().map(|m| m.minor), Some(880));
    assert!(!receipt.violation);

    let by_app = list_where(&ctx, |r| r.app_id = Some(COFFEE_APP.into())).await;
    assert_eq!(by_app.items.len(), 1);
    assert_eq!(by_app.items[0].points, Some(9));
    assert_eq!(by_app.items[0].label.as_deref(), Some("Bean Club"));

    let kinds = list_where(&ctx, |r| {
        r.kinds = vec![EventKind::TransactionSettled, EventKind::ReceiptIssued]
    })
    .await;
    // The coffee purchase holds both kinds: one row, at its settlement (the newest).
    let got: Vec<_> = kinds.items.iter().map(|i| i.kind).collect();
    assert_eq!(got, [EventKind::TransactionSettled]);
    assert_eq!(kinds.items[0].group.as_ref().unwrap().event_count, 4);

    let day_two = list_where(&ctx, |r| {
        r.from = Some(at(2, 0));
        r.until = Some(at(2, 30));
    })
    .await;
    assert_eq!(day_two.items.len(), 30);
}

#[tokio::test]
async fn search_finds_merchants_receipt_lines_and_apps() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    seed_feed(&pool).await;
    let search = |text: &str| ActivityListRequest {
        search: Some(text.into()),
        ..all()
    };

    // The merchant (diacritics ignored) finds the purchase once, with every event inside it,
    // the points (no merchant of their own) included.
    let cafe = activity_list(&ctx, search("cafe ros")).await.unwrap();
    let ids: Vec<_> = cafe.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["evt_coffee_settled"]);
    let inside: Vec<_> = cafe.items[0]
        .group
        .as_ref()
        .unwrap()
        .events
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(
        inside,
        [
            "evt_coffee_settled",
            "evt_coffee_points",
            "evt_coffee_receipt",
            "evt_coffee_auth"
        ]
    );
    let croissant = activity_list(&ctx, search("croiss")).await.unwrap();
    assert_eq!(
        croissant.items.len(),
        1,
        "a receipt line finds the purchase"
    );
    assert_eq!(croissant.items[0].id, "evt_coffee_receipt");
    assert_eq!(
        croissant.items[0].group.as_ref().unwrap().transaction_id,
        "tx_coffee"
    );
    let app = activity_list(&ctx, search("bean counter")).await.unwrap();
    assert_eq!(app.items.len(), 1, "the purchase the app reacted to");
    assert_eq!(app.items[0].id, "evt_coffee_points");
    assert_eq!(app.items[0].group.as_ref().unwrap().event_count, 4);
    let narrowed = activity_list(
        &ctx,
        ActivityListRequest {
            card_token: Some(CARD_A.into()),
            ..search("cafe")
        },
    )
    .await
    .unwrap();
    assert!(narrowed.items.is_empty(), "search and filters combine");
    assert!(activity_list(&ctx, search("\"*"))
        .await
        .unwrap()
        .items
        .is_empty());
}

#[tokio::test]
async fn newer_events_come_without_reloading_and_bad_requests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    seed_feed(&pool).await;
    let first = list_where(&ctx, |r| r.limit = Some(10)).await;
    let head = first.items[0].cursor.clone();

    let fresh: Vec<_> = (0..3)
        .map(|i| {
            event(
                &format!("evt_new_{i}"),
                at(20, i),
                CARD_A,
                None,
                EventPayload::TransactionAuthorized(purchase(
                    &format!("tx_new_{i}"),
                    "Bakery",
                    500,
                    0,
                )),
            )
        })
        .collect();
    events::ingest(&pool, &fresh, at(20, 5)).await.unwrap();

    let newer = list_where(&ctx, |r| {
        r.newer_than = Some(head.clone());
        r.limit = Some(2);
    })
    .await;
    let ids: Vec<_> = newer.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        ["evt_new_1", "evt_new_0"],
        "the closest first, newest on top"
    );
    assert!(newer.more_newer);
    assert!(newer.next_cursor.is_none());
    let rest = list_where(&ctx, |r| r.newer_than = Some(newer.items[0].cursor.clone())).await;
    assert_eq!(rest.items.len(), 1);
    assert!(!rest.more_newer);

    for bad in [
        ActivityListRequest {
            cursor: Some("nope".into()),
            ..all()
        },
        ActivityListRequest {
            cursor: Some(head.clone()),
            newer_than: Some(head.clone()),
            ..all()
        },
        ActivityListRequest {
            limit: Some(0),
            ..all()
        },
        ActivityListRequest {
            from: Some(at(3, 0)),
            until: Some(at(2, 0)),
            ..all()
        },
        ActivityListRequest {
            search: Some("x".repeat(201)),
            ..all()
        },
    ] {
        let err = activity_list(&ctx, bad).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    }
    let unknown =
        serde_json::from_str::<ActivityListRequest>(r#"{"kinds":[],"violationsOnly":false,"x":1}"#);
    assert!(unknown.is_err());
    let parsed: ActivityListRequest = serde_json::from_str(
        r#"{"cardToken":null,"appId":null,"kinds":["receipt.issued"],"from":null,"until":null,
            "violationsOnly":false,"search":null,"cursor":null,"newerThan":null,"limit":null}"#,
    )
    .unwrap();
    assert_eq!(parsed.kinds, [EventKind::ReceiptIssued]);
}

#[tokio::test]
async fn a_receipt_in_full_with_its_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    seed_feed(&pool).await;
    let detail = detail_of(&ctx, "evt_coffee_receipt").await;
    let EventBody::Receipt(body) = &detail.body else {
        panic!("not a receipt: {:?}", detail.body);
    };
    assert_eq!(body.merchant, "Café Rose");
    assert_eq!(body.lines.len(), 2);
    assert_eq!(body.lines[0].description, "Flat white");
    assert_eq!((body.tax.minor, body.total.minor), (80, 880));
    assert_eq!(body.payment.channel, Channel::Nfc);
    assert_eq!(detail.item.app_name.as_deref(), Some("PaperLess"));
    assert_eq!(detail.item.card_last4.as_deref(), Some("1881"));
    assert!(detail.signature_verified);
    assert!(detail.violation.is_none());
    let steps: Vec<_> = detail
        .transaction
        .iter()
        .map(|s| (s.event_id.as_str(), s.commission.minor))
        .collect();
    assert_eq!(steps, [("evt_coffee_auth", 0), ("evt_coffee_settled", 23)]);

    let json = serde_json::to_value(&detail).unwrap();
    assert_eq!(json["body"]["kind"], "receipt");
    assert_eq!(json["body"]["lines"][0]["unitPrice"]["minor"], 300);
    assert_eq!(json["item"]["kind"], "receipt.issued");

    let missing = event_detail(
        &ctx,
        EventDetailRequest {
            id: "evt_nope".into(),
        },
    )
    .await;
    assert_eq!(missing.unwrap_err().code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_violation_comes_with_the_grant_history_that_proves_it() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    let grant = GrantSetRequest {
        app_id: COFFEE_APP.into(),
        card_token: CARD_A.into(),
        scope: Scope::Points,
        channels: vec![Channel::Card, Channel::Nfc],
        trigger: Trigger::Authorization,
        min_purchase: None,
        expiry: GrantExpiry::Never,
    };
    grant_set(&ctx, grant).await.unwrap();
    let revoke = GrantRevokeRequest {
        app_id: COFFEE_APP.into(),
        card_token: CARD_A.into(),
        scope: Scope::Points,
    };
    grant_revoke(&ctx, revoke).await.unwrap();

    let later = Utc::now() + Duration::minutes(5);
    let mut flagged = event(
        "evt_points_after_revoke",
        later,
        CARD_A,
        Some(COFFEE_APP),
        EventPayload::PointsAwarded(PointsAwarded {
            program: "Bean Club".into(),
            delta: 5,
            balance: 5,
            payment: None,
        }),
    );
    flagged.violation = Some(ViolationReason::Refused {
        refusal: GrantRefusal::NotActive {
            status: GrantStatus::Revoked,
        },
    });
    events::ingest(&pool, &[flagged], later).await.unwrap();

    let list = list_where(&ctx, |r| r.violations_only = true).await;
    assert_eq!(list.items.len(), 1);
    assert!(list.items[0].violation);

    let detail = detail_of(&ctx, "evt_points_after_revoke").await;
    let violation = detail.violation.expect("flagged");
    assert!(
        matches!(violation.reason, ViolationReasonView::NotActive { .. }),
        "{:?}",
        violation.reason
    );
    assert_eq!(violation.scope, Some(Scope::Points));
    let actions: Vec<_> = violation
        .grant_history
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["grant", "revoke"]);
    let json = serde_json::to_value(&violation.reason).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "not_active", "status": "revoked"})
    );
}

/// A purchase's row says what the cardholder looks for (merchant, amount, card, state), keeps a
/// violation inside it visible, and holds every event; events about no purchase stay rows.
#[tokio::test]
async fn a_purchase_is_one_row_with_its_state_and_what_the_apps_did() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    seed_feed(&pool).await;
    // Coffee is reversed the next day; a post on it arrived without consent.
    let mut post = event(
        "evt_coffee_post",
        at(5, 3),
        CARD_B,
        Some(COFFEE_APP),
        EventPayload::SocialPosted(consentry_domain::SocialPosted {
            network: "mastodon".into(),
            text: "Coffee!".into(),
            payment: Some(payment("tx_coffee", 880)),
        }),
    );
    post.violation = Some(ViolationReason::NeverGranted);
    let reversed = event(
        "evt_coffee_reversed",
        at(6, 30),
        CARD_B,
        None,
        EventPayload::TransactionReversed(purchase("tx_coffee", "Café Rose", 880, 0)),
    );
    // Only a receipt names this purchase (its transaction never reached the wallet).
    let lone_receipt = event(
        "evt_lone_receipt",
        at(8, 0),
        CARD_A,
        Some(RECEIPTS_APP),
        receipt("tx_unseen", "Book Nook"),
    );
    events::ingest(&pool, &[post, reversed, lone_receipt], at(9, 0))
        .await
        .unwrap();

    let page = list_where(&ctx, |r| r.limit = Some(3)).await;
    let ids: Vec<_> = page.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        ["evt_lone_receipt", "evt_coffee_reversed", "evt_tx_119"]
    );

    let lone = page.items[0].group.as_ref().unwrap();
    assert_eq!(lone.state, None, "no transaction event yet");
    assert_eq!(lone.merchant.as_deref(), Some("Book Nook"));
    assert_eq!(lone.amount.as_ref().map(|m| m.minor), Some(880));
    assert_eq!(lone.transaction_event_id, None);

    let coffee = page.items[1].group.as_ref().unwrap();
    assert_eq!(coffee.transaction_id, "tx_coffee");
    assert_eq!(
        coffee.state,
        Some(consentry_api::activity::detail::TransactionStatus::Reversed)
    );
    assert_eq!(coffee.merchant.as_deref(), Some("Café Rose"));
    assert_eq!(coffee.amount.as_ref().map(|m| m.minor), Some(880));
    assert_eq!(coffee.channel, Some(Channel::Nfc));
    assert_eq!(
        coffee.transaction_event_id.as_deref(),
        Some("evt_coffee_reversed")
    );
    assert_eq!(coffee.purchased_at, at(5, 0));
    assert_eq!((coffee.event_count, coffee.violation_count), (6, 1));
    let flagged: Vec<_> = coffee
        .events
        .iter()
        .filter(|i| i.violation)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(flagged, ["evt_coffee_post"]);
    assert!(coffee.events.iter().all(|i| i.group.is_none()));
    assert_eq!(page.items[1].card_last4.as_deref(), Some("1881"));
    assert_eq!(page.items[2].group.as_ref().unwrap().event_count, 1);

    // The violations view lists the purchase at the flagged event.
    let violations = list_where(&ctx, |r| r.violations_only = true).await;
    let ids: Vec<_> = violations.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["evt_coffee_post"]);
    assert_eq!(violations.items[0].group.as_ref().unwrap().event_count, 6);

    // The wire shape the window reads.
    let json = serde_json::to_value(&page).unwrap();
    let group = &json["items"][1]["group"];
    assert_eq!(group["state"], "reversed");
    assert_eq!(group["violationCount"], 1);
    assert_eq!(group["events"][0]["id"], "evt_coffee_reversed");
    assert!(group["events"][0]["group"].is_null());
    assert!(json["items"][1]["cursor"].is_string());

    // Each event inside still opens in full.
    let detail = detail_of(&ctx, "evt_coffee_receipt").await;
    assert_eq!(detail.transaction.len(), 3, "authorized, settled, reversed");
    assert!(detail.item.group.is_none());
}
