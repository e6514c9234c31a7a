//! The rewards summary: totals per currency, app and month, over the same seeded wallet as
//! the activity tests.

use crate::activity::*;

#[tokio::test]
async fn rewards_add_up_per_currency_app_and_month() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    let now = Utc::now();
    let day = Duration::days(1);
    let cb = |minor: i64, tx: &str| Cashback {
        amount: eur(minor),
        destination: "FR76 •••• 1234".into(),
        payment: Some(payment(tx, 10_000)),
    };
    let offer = |id: &str, expires: Option<DateTime<Utc>>| {
        EventPayload::OfferIssued(OfferIssued {
            offer_id: id.into(),
            code: format!("CODE-{id}"),
            description: format!("Offer {id}"),
            discount: Discount::Percent { bps: 500 },
            expires_at: expires,
            payment: None,
        })
    };
    let batch = vec![
        // tx1: settled with 150 commission; receipts app issued a receipt, coffee app cashback.
        event(
            "t1a",
            now - day * 3,
            CARD_A,
            None,
            EventPayload::TransactionAuthorized(purchase("tx1", "Shop", 10_000, 0)),
        ),
        event(
            "t1r",
            now - day * 3,
            CARD_A,
            Some(RECEIPTS_APP),
            receipt("tx1", "Shop"),
        ),
        event(
            "t1c",
            now - day * 3,
            CARD_A,
            Some(COFFEE_APP),
            EventPayload::CashbackPending(cb(200, "tx1")),
        ),
        event(
            "t1s",
            now - day * 2,
            CARD_A,
            None,
            EventPayload::TransactionSettled(purchase("tx1", "Shop", 10_000, 160)),
        ),
        event(
            "t1p",
            now - day * 2,
            CARD_A,
            Some(COFFEE_APP),
            EventPayload::CashbackPaid(cb(200, "tx1")),
        ),
        // tx2: still pending; tx3: reversed, so its cashback was cancelled.
        event(
            "t2c",
            now - day,
            CARD_A,
            Some(COFFEE_APP),
            EventPayload::CashbackPending(cb(50, "tx2")),
        ),
        event(
            "t3c",
            now - day,
            CARD_A,
            Some(COFFEE_APP),
            EventPayload::CashbackPending(cb(70, "tx3")),
        ),
        event(
            "t3x",
            now - day,
            CARD_A,
            None,
            EventPayload::TransactionReversed(purchase("tx3", "Shop", 10_000, 0)),
        ),
        event(
            "p1",
            now - day,
            CARD_A,
            Some(COFFEE_APP),
            EventPayload::PointsAwarded(PointsAwarded {
                program: "Bean Club".into(),
                delta: 40,
                balance: 140,
                payment: None,
            }),
        ),
        event(
            "p2",
            now,
            CARD_A,
            Some(COFFEE_APP),
            EventPayload::PointsAwarded(PointsAwarded {
                program: "Bean Club".into(),
                delta: 10,
                balance: 150,
                payment: None,
            }),
        ),
        event(
            "o_late",
            now - day,
            CARD_A,
            Some(COFFEE_APP),
            offer("late", Some(now + day * 5)),
        ),
        event(
            "o_soon",
            now - day,
            CARD_A,
            Some(COFFEE_APP),
            offer("soon", Some(now + day * 2)),
        ),
        event(
            "o_none",
            now - day,
            CARD_A,
            Some(COFFEE_APP),
            offer("none", None),
        ),
        event(
            "o_past",
            now - day * 9,
            CARD_A,
            Some(COFFEE_APP),
            offer("past", Some(now - day)),
        ),
        event(
            "o_used",
            now - day,
            CARD_A,
            Some(COFFEE_APP),
            offer("used", Some(now + day)),
        ),
        event(
            "o_used_r",
            now,
            CARD_A,
            Some(COFFEE_APP),
            EventPayload::OfferRedeemed(OfferRedeemed {
                offer_id: "used".into(),
                code: "CODE-used".into(),
                payment: None,
            }),
        ),
    ];
    events::ingest(&pool, &batch, now).await.unwrap();

    let summary = rewards_summary(&ctx, RewardsSummaryRequest::default())
        .await
        .unwrap();
    assert_eq!(summary.months.len(), 12);
    assert_eq!(
        summary.months.last().unwrap(),
        &now.format("%Y-%m").to_string()
    );

    assert_eq!(summary.points.len(), 1);
    let club = &summary.points[0];
    assert_eq!(
        (
            club.program.as_str(),
            club.balance,
            club.earned,
            club.awards
        ),
        ("Bean Club", 150, 50, 2)
    );

    assert_eq!(summary.cashback.len(), 1);
    let totals = &summary.cashback[0];
    assert_eq!(
        (
            totals.currency.as_str(),
            totals.paid.minor,
            totals.pending.minor,
            totals.cancelled.minor
        ),
        ("EUR", 200, 50, 70)
    );

    let offers: Vec<_> = summary.offers.iter().map(|o| o.offer_id.as_str()).collect();
    assert_eq!(
        offers,
        ["soon", "late", "none"],
        "soonest expiry first, no expiry last"
    );
    assert_eq!(summary.offers[0].app_name.as_deref(), Some("Bean Counter"));

    assert_eq!(summary.top_apps[0].app_id, COFFEE_APP);
    assert_eq!(summary.top_apps[0].cashback[0].minor, 250);
    assert_eq!(summary.top_apps[0].points, 50);

    // 160 on tx1: 1.5 % of €100 (150) for the coffee app, €0.10 per receipt for the other.
    let commission: Vec<_> = summary
        .commission_by_app
        .iter()
        .map(|c| (c.app_id.as_deref(), c.amount.minor, c.purchases))
        .collect();
    assert_eq!(
        commission,
        [(Some(COFFEE_APP), 150, 1), (Some(RECEIPTS_APP), 10, 1)]
    );
    let monthly_commission: i64 = summary
        .commission_by_month
        .iter()
        .map(|c| c.amount.minor)
        .sum();
    assert_eq!(monthly_commission, 160);

    let paid: i64 = summary.cashback_by_month.iter().map(|c| c.paid.minor).sum();
    let pending: i64 = summary
        .cashback_by_month
        .iter()
        .map(|c| c.pending.minor)
        .sum();
    assert_eq!((paid, pending), (200, 50));
    let points: i64 = summary.points_by_month.iter().map(|p| p.points).sum();
    assert_eq!(points, 50);

    let other_card = rewards_summary(
        &ctx,
        RewardsSummaryRequest {
            card_token: Some(CARD_B.into()),
            months: Some(3),
        },
    )
    .await
    .unwrap();
    assert!(
        other_card.points.is_empty()
            && other_card.cashback.is_empty()
            && other_card.offers.is_empty()
    );
    assert_eq!(other_card.months.len(), 3);
    let bad = rewards_summary(
        &ctx,
        RewardsSummaryRequest {
            card_token: None,
            months: Some(0),
        },
    )
    .await;
    assert_eq!(bad.unwrap_err().code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn an_empty_wallet_has_an_empty_feed_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _pool) = wallet(dir.path()).await;
    let page = activity_list(&ctx, all()).await.unwrap();
    assert!(page.items.is_empty() && page.next_cursor.is_none());
    let summary = rewards_summary(&ctx, RewardsSummaryRequest::default())
        .await
        .unwrap();
    assert!(summary.cashback.is_empty() && summary.commission_by_app.is_empty());
    assert_eq!(summary.apps.len(), 2);
}
