use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn scheduled_settlement_happens_by_the_platform_clock() {
    let (p, w, card) = enrolled_with_card().await;
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
    let (_p, w, card) = enrolled_with_card().await;
    w.grant_defaults("c", "app_cashcove", &card, "cashback")
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
    let (p, w, card) = enrolled_with_card().await;
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
    let (_p, w, card) = enrolled_with_card().await;
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

/// `GET /v1/currencies` is public and lists what the server takes: at each currency's
/// published maximum a purchase is authorized, one minor unit above it is refused, and a code
/// outside the list is refused whatever its amount.
#[tokio::test]
async fn purchases_follow_the_published_currencies() {
    let p = start().await;
    let (status, listed) = p.get_public("/v1/currencies").await;
    assert_eq!(status, 200);
    assert_eq!(
        listed,
        serde_json::to_value(consentry_wire::currencies::accepted()).unwrap()
    );
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    let purchase = |minor: i64, currency: &str| {
        json!({"card_token": card, "amount": {"minor": minor, "currency": currency},
               "merchant": "Café Lumen", "channel": "nfc"})
    };
    let currencies = listed["currencies"].as_array().unwrap();
    for code in ["EUR", "JPY", "KWD", "CLF"] {
        let info = currencies.iter().find(|c| c["code"] == code).unwrap();
        let max = info["max_purchase_minor"].as_i64().unwrap();
        let min = info["min_purchase_minor"].as_i64().unwrap();
        assert_eq!(
            max,
            1_000_000 * 10i64.pow(info["exponent"].as_u64().unwrap() as u32)
        );
        let (status, _) = w.post("/v1/simulate/purchase", purchase(max, code)).await;
        assert_eq!(status, 201, "{code} at its maximum");
        let (status, _) = w.post("/v1/simulate/purchase", purchase(min, code)).await;
        assert_eq!(status, 201, "{code} at its minimum");
        assert_error(
            &w.post("/v1/simulate/purchase", purchase(max + 1, code))
                .await,
            422,
            "invalid_amount",
        );
        assert_error(
            &w.post("/v1/simulate/purchase", purchase(min - 1, code))
                .await,
            422,
            "invalid_amount",
        );
    }
    for unlisted in ["XAU", "XTS", "EURO", "usd"] {
        assert!(!currencies.iter().any(|c| c["code"] == unlisted));
        assert_error(
            &w.post("/v1/simulate/purchase", purchase(100, unlisted))
                .await,
            422,
            "invalid_body",
        );
    }
}
