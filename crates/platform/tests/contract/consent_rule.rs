//! Only apps holding a matching grant react: card, scope, channel, trigger, minimum
//! purchase, not expired, not revoked, terms current.

use serde_json::{json, Value};

use crate::support::*;

fn reasons(purchase: &Value) -> Vec<(String, String, String)> {
    purchase["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["grant_id"].as_str().unwrap().to_owned(),
                d["outcome"].as_str().unwrap().to_owned(),
                d["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn only_matching_grants_produce_events() {
    let (p, w, card) = enrolled_with_card().await;
    let other_card = w.link_card(MASTERCARD).await;
    w.grant(
        "g-receipts",
        "app_quire",
        &card,
        "receipts",
        json!({"channels": ["nfc"]}),
    )
    .await;
    w.grant_defaults("g-points", "app_beanstamp", &card, "points")
        .await;
    let (status, _, _) = w
        .put_grant(
            "g-points",
            "revoke-points",
            &json!({"action": "revoke", "base_version": 1}),
        )
        .await;
    assert_eq!(status, 200);
    let soon = (chrono::Utc::now() + chrono::TimeDelta::hours(1)).to_rfc3339();
    w.grant(
        "g-cashback",
        "app_cashcove",
        &card,
        "cashback",
        json!({"expires_at": soon}),
    )
    .await;
    w.grant(
        "g-offers",
        "app_couponeer",
        &card,
        "offers",
        json!({"channels": ["online"]}),
    )
    .await;
    w.grant(
        "g-recs",
        "app_nudge",
        &card,
        "recommendations",
        json!({"min_purchase": {"minor": 5000, "currency": "EUR"}}),
    )
    .await;
    w.grant(
        "g-usd-min",
        "app_beanstamp",
        &card,
        "offers",
        json!({"min_purchase": {"minor": 100, "currency": "USD"}}),
    )
    .await;
    w.grant(
        "g-social",
        "app_tastemaker",
        &card,
        "social_posts",
        json!({"trigger": "settlement"}),
    )
    .await;
    w.grant_defaults("g-other-card", "app_greenleaf", &other_card, "points")
        .await;
    p.advance_clock(2 * 3600).await;
    let cursor = w.cursor().await;

    let purchase = w.purchase(&card, 1234, "EUR", "Café Lumen", "nfc").await;
    let expected = [
        ("g-receipts", "reacted", ""),
        ("g-points", "skipped", "not_active"),
        ("g-cashback", "skipped", "expired"),
        ("g-offers", "skipped", "channel_not_granted"),
        ("g-recs", "skipped", "below_minimum"),
        ("g-usd-min", "skipped", "currency_mismatch"),
        ("g-social", "skipped", "other_trigger"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into()))
        .collect();
    assert_eq!(reasons(&purchase), expected);
    assert_eq!(
        w.kinds_after(&cursor).await,
        pairs(&[
            ("transaction.authorized", ""),
            ("receipt.issued", "app_quire")
        ])
    );
    // The receipt is the cardholder's purchase, itemised, and adds up (checked on decode).
    let events = w.events().await;
    let receipt = events.iter().find(|e| e.kind == "receipt.issued").unwrap();
    assert_eq!(
        receipt.body["receipt"]["total"],
        json!({"minor": 1234, "currency": "EUR"})
    );
    assert_eq!(receipt.body["payment"]["channel"], "nfc");

    // Settlement: only the settlement-triggered grant reacts now.
    let cursor = w.cursor().await;
    let txn = purchase["transaction"]["id"].as_str().unwrap();
    let (status, settled) = w
        .post("/v1/simulate/settle", json!({"transaction_id": txn}))
        .await;
    assert_eq!(status, 200, "{settled}");
    assert_eq!(
        w.kinds_after(&cursor).await,
        pairs(&[
            ("transaction.settled", ""),
            ("social.posted", "app_tastemaker")
        ])
    );
    let post = w
        .events()
        .await
        .into_iter()
        .find(|e| e.kind == "social.posted")
        .unwrap();
    assert!(
        !post.body["text"].as_str().unwrap().contains("12.34"),
        "amounts are never posted"
    );
}

#[tokio::test]
async fn a_purchase_without_grants_only_reports_the_transaction() {
    let (_p, w, card) = enrolled_with_card().await;
    let purchase = w.purchase(&card, 999, "USD", "Sunset Diner", "card").await;
    assert_eq!(purchase["decisions"], json!([]));
    assert_eq!(
        purchase["transaction"]["commission"],
        json!({"minor": 0, "currency": "USD"})
    );
    assert_eq!(
        w.kinds_after("").await,
        pairs(&[("transaction.authorized", "")])
    );
}

#[tokio::test]
async fn every_scope_reacts_with_its_event() {
    let (_p, w, card) = enrolled_with_card().await;
    w.grant_defaults("a", "app_quire", &card, "receipts").await;
    w.grant_defaults("b", "app_beanstamp", &card, "points")
        .await;
    w.grant_defaults("c", "app_cashcove", &card, "cashback")
        .await;
    w.grant_defaults("d", "app_couponeer", &card, "offers")
        .await;
    w.grant_defaults("e", "app_nudge", &card, "recommendations")
        .await;
    w.grant_defaults("f", "app_tastemaker", &card, "social_posts")
        .await;
    let cursor = w.cursor().await;
    let first = w.purchase(&card, 1234, "EUR", "Café Lumen", "nfc").await;
    assert_eq!(
        w.kinds_after(&cursor).await,
        pairs(&[
            ("transaction.authorized", ""),
            ("receipt.issued", "app_quire"),
            ("points.awarded", "app_beanstamp"),
            ("cashback.pending", "app_cashcove"),
            ("offer.issued", "app_couponeer"),
            ("recommendation.made", "app_nudge"),
            ("social.posted", "app_tastemaker"),
        ])
    );
    // Commission: 1.5 % (Bean & Stamp) + 0.5 % (Cashcove) of €12.34, €0.10 per receipt,
    // $0.05 per offer at the reference rate (€0.05), $0.02 per post (€0.02).
    assert_eq!(
        first["transaction"]["commission"],
        json!({"minor": 19 + 6 + 10 + 5 + 2, "currency": "EUR"})
    );
    let events = w.events().await;
    let authorized = events
        .iter()
        .find(|e| e.kind == "transaction.authorized")
        .unwrap();
    assert_eq!(
        authorized.body["commission"],
        first["transaction"]["commission"]
    );
    let points = events.iter().find(|e| e.kind == "points.awarded").unwrap();
    assert_eq!(
        (
            points.body["delta"].as_i64(),
            points.body["balance"].as_i64()
        ),
        (Some(12), Some(12))
    );

    // Back at the same café: the open offer is redeemed, points add up.
    let cursor = w.cursor().await;
    w.purchase(&card, 500, "EUR", "Café Lumen", "nfc").await;
    let later = w.events().await;
    let later: Vec<_> = later
        .iter()
        .filter(|e| e.cursor.parse::<u64>().unwrap() > cursor.parse::<u64>().unwrap())
        .collect();
    assert!(later.iter().any(|e| e.kind == "offer.redeemed"));
    let points = later.iter().find(|e| e.kind == "points.awarded").unwrap();
    assert_eq!(points.body["balance"], 17);

    // Cashback: paid at settlement into a masked account.
    let txn = first["transaction"]["id"].as_str().unwrap();
    let cursor = w.cursor().await;
    w.post("/v1/simulate/settle", json!({"transaction_id": txn}))
        .await;
    let kinds = w.kinds_after(&cursor).await;
    assert_eq!(
        kinds,
        pairs(&[
            ("transaction.settled", ""),
            ("cashback.paid", "app_cashcove")
        ])
    );
    let paid = w
        .events()
        .await
        .into_iter()
        .find(|e| e.kind == "cashback.paid")
        .unwrap();
    assert_eq!(paid.body["amount"], json!({"minor": 25, "currency": "EUR"}));
    assert!(paid.body["destination"].as_str().unwrap().contains("••••"));
}

#[tokio::test]
async fn revoking_between_authorization_and_settlement_cancels_cashback() {
    let (_p, w, card) = enrolled_with_card().await;
    w.grant_defaults("c", "app_cashcove", &card, "cashback")
        .await;
    let purchase = w
        .purchase(&card, 10_000, "EUR", "Halcyon Books", "online")
        .await;
    w.put_grant(
        "c",
        "revoke-c",
        &json!({"action": "revoke", "base_version": 1}),
    )
    .await;
    let cursor = w.cursor().await;
    let txn = purchase["transaction"]["id"].as_str().unwrap();
    w.post("/v1/simulate/settle", json!({"transaction_id": txn}))
        .await;
    assert_eq!(
        w.kinds_after(&cursor).await,
        pairs(&[("transaction.settled", "")])
    );
}
