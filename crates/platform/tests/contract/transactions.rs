use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn scheduled_settlement_happens_by_the_platform_clock() {
    let p = start().await;
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    let (status, purchase) = w
        .post(
            "/v1/simulate/purchase",
            json!({"card_token": card, "amount": {"minor": 4200, "currency": "USD"},
            "merchant": "Metro Fuel", "channel": "card", "settle_after_ms": 3_600_000}),
        )
        .await;
    assert_eq!(status, 201, "{purchase}");
    assert_eq!(purchase["transaction"]["status"], "authorized");
    assert!(purchase["transaction"]["settle_at"].is_string());
    p.advance_clock(3601).await;
    let kinds = w.kinds_after("").await;
    assert_eq!(
        kinds.iter().map(|k| k.0.as_str()).collect::<Vec<_>>(),
        ["transaction.authorized", "transaction.settled"]
    );
    let txn = purchase["transaction"]["id"].as_str().unwrap();
    let again = w
        .post("/v1/simulate/settle", json!({"transaction_id": txn}))
        .await;
    assert_error(&again, 409, "transaction_not_pending");
    assert_eq!(again.1["transaction"]["status"], "settled");
}

#[tokio::test]
async fn a_short_real_time_settlement_and_a_scheduled_reversal() {
    let p = start().await;
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    w.grant("c", "app_cashcove", &card, "cashback", json!({}))
        .await;
    let (_, reversed) = w
        .post("/v1/simulate/purchase", json!({"card_token": card, "amount": {"minor": 2500, "currency": "EUR"},
            "merchant": "Marché Frais", "channel": "nfc", "settle_after_ms": 50, "outcome": "reverse"}))
        .await;
    assert_eq!(reversed["transaction"]["commission"]["minor"], 13);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let kinds = w.kinds_after("").await;
        if kinds.iter().any(|k| k.0 == "transaction.reversed") {
            let reversed_event = w
                .events()
                .await
                .into_iter()
                .find(|e| e.kind == "transaction.reversed")
                .unwrap();
            assert_eq!(
                reversed_event.body["commission"],
                json!({"minor": 0, "currency": "EUR"})
            );
            assert!(!kinds.iter().any(|k| k.0 == "cashback.paid"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the settler did not reverse in time"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn explicit_reverse_and_unknown_transactions() {
    let p = start().await;
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    let purchase = w.purchase(&card, 100, "EUR", "Café Lumen", "voice").await;
    let txn = purchase["transaction"]["id"].as_str().unwrap();
    let (status, body) = w
        .post("/v1/simulate/reverse", json!({"transaction_id": txn}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["transaction"]["status"], "reversed");
    assert!(body["transaction"]["finalized_at"].is_string());
    assert_error(
        &w.post("/v1/simulate/settle", json!({"transaction_id": txn}))
            .await,
        409,
        "transaction_not_pending",
    );
    assert_error(
        &w.post("/v1/simulate/settle", json!({"transaction_id": "txn_nope"}))
            .await,
        404,
        "transaction_not_found",
    );
    let other = p.enroll().await;
    assert_error(
        &other
            .post("/v1/simulate/reverse", json!({"transaction_id": txn}))
            .await,
        404,
        "transaction_not_found",
    );
}

#[tokio::test]
async fn purchase_input_is_validated() {
    let p = start().await;
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    let base = json!({"card_token": card, "amount": {"minor": 100, "currency": "EUR"}, "merchant": "Café Lumen", "channel": "nfc"});
    let cases = [
        (
            json!({"amount": {"minor": 0, "currency": "EUR"}}),
            422,
            "invalid_amount",
        ),
        (
            json!({"amount": {"minor": -5, "currency": "EUR"}}),
            422,
            "invalid_amount",
        ),
        (
            json!({"amount": {"minor": 100_000_001, "currency": "EUR"}}),
            422,
            "invalid_amount",
        ),
        (
            json!({"amount": {"minor": 1, "currency": "eur"}}),
            422,
            "invalid_body",
        ),
        (json!({"merchant": " "}), 422, "invalid_merchant"),
        (json!({"channel": "fax"}), 422, "invalid_body"),
        (
            json!({"settle_after_ms": 999_999_999_999u64}),
            422,
            "invalid_settle_after",
        ),
        (json!({"outcome": "chargeback"}), 422, "invalid_body"),
        (json!({"card_token": "card_nope"}), 422, "card_not_found"),
    ];
    for (patch, status, code) in cases {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        assert_error(&w.post("/v1/simulate/purchase", body).await, status, code);
    }
}
