use serde_json::{json, Value};

use crate::support::*;

async fn link(
    wallet: &Wallet,
    number: Value,
    month: u8,
    year: u16,
) -> (reqwest::StatusCode, Value) {
    wallet
        .post(
            "/v1/cards",
            json!({"number": number, "expiration": {"month": month, "year": year}}),
        )
        .await
}

#[tokio::test]
async fn tokenization_returns_brand_and_last4_only() {
    let p = start().await;
    let w = p.enroll().await;
    let cases = [
        ("4242 4242 4242 4242", "visa", "4242"),
        ("5555-5555-5555-4444", "mastercard", "4444"),
        ("378282246310005", "amex", "0005"),
        ("6011111111111117", "discover", "1117"),
    ];
    for (number, brand, last4) in cases {
        let (status, card) = w
            .post("/v1/cards", json!({"number": number, "expiration": {"month": 1, "year": 2031}, "nickname": "Main"}))
            .await;
        assert_eq!(status, 201, "{card}");
        assert_eq!(card["brand"], brand);
        assert_eq!(card["last4"], last4);
        assert_eq!(card["status"], "active");
        assert_eq!(card["expiration"], json!({"month": 1, "year": 2031}));
        assert!(card["token"].as_str().unwrap().starts_with("card_"));
        let text = card.to_string();
        assert!(
            !text.contains(&number.replace([' ', '-'], "")),
            "the number is never returned"
        );
    }
    let (_, list) = w.get("/v1/cards").await;
    assert_eq!(list["cards"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn precise_422_errors_never_repeat_the_number() {
    let p = start().await;
    let w = p.enroll().await;
    let cases = [
        (json!("4242 4242 4242 4241"), 12, 2031, "card_number_luhn"),
        (json!("4242 4242 4242"), 12, 2031, "card_number_length"),
        (json!("4242x4242"), 12, 2031, "card_number_invalid"),
        (json!(""), 12, 2031, "card_number_invalid"),
        (json!(4242424242424242u64), 12, 2031, "card_number_invalid"),
        (
            json!("3530111333300000"),
            12,
            2031,
            "card_brand_unsupported",
        ),
        (json!("4242424242424242"), 13, 2031, "expiration_invalid"),
        (json!("4242424242424242"), 1, 2020, "card_expired"),
    ];
    for (number, month, year, code) in cases {
        let result = link(&w, number.clone(), month, year).await;
        assert_error(&result, 422, code);
        let message = result.1["message"].as_str().unwrap();
        assert!(!message.contains("42424242"), "{message}");
    }
    let long = w
        .post("/v1/cards", json!({"number": VISA, "expiration": {"month": 1, "year": 2031}, "nickname": "x".repeat(41)}))
        .await;
    assert_error(&long, 422, "invalid_nickname");
}

#[tokio::test]
async fn removing_a_card() {
    let (_p, w, card) = enrolled_with_card().await;
    w.grant_defaults("g1", "app_quire", &card, "receipts").await;
    let (status, removed) = w.delete(&format!("/v1/cards/{card}")).await;
    assert_eq!(status, 200);
    assert_eq!(removed["status"], "removed");
    let (_, grants) = w.get("/v1/grants").await;
    assert_eq!(grants["grants"][0]["status"], "revoked");
    let last = w.events().await.pop().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.body["action"].as_str()),
        ("consent.changed", Some("revoke"))
    );
    let (_, list) = w.get("/v1/cards").await;
    assert_eq!(list["cards"], json!([]));
    assert_error(
        &w.delete(&format!("/v1/cards/{card}")).await,
        404,
        "card_not_found",
    );
    assert_error(
        &w.delete("/v1/cards/card_unknown").await,
        404,
        "card_not_found",
    );
}

#[tokio::test]
async fn the_card_number_is_never_written_to_disk() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_in(dir.path()).await;
    let w = p.enroll().await;
    let digits = "5555555555554444";
    let card = w.link_card(MASTERCARD).await;
    w.grant_defaults("g1", "app_quire", &card, "receipts").await;
    w.purchase(&card, 1234, "EUR", "Café Lumen", "nfc").await;
    // A failing attempt too: rejected numbers must not leak either.
    link(&w, json!("5555555555554443"), 1, 2031).await;
    p.running.shutdown().await.unwrap();
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        // SQLite removes its -wal and -shm files as the last connection closes, which may
        // happen between the listing and the read: a file gone by then holds nothing.
        let bytes = match std::fs::read(entry.unwrap().path()) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("read a platform file: {e}"),
        };
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(digits) && !text.contains("5555555555554443"));
        scanned += bytes.len();
    }
    assert!(scanned > 0);
}

/// A stored time the platform cannot read fails that request with `internal`; the platform
/// keeps serving the rest.
#[tokio::test]
async fn an_unreadable_stored_time_is_an_internal_error_for_that_request() {
    use sqlx::Connection as _;

    let dir = tempfile::tempdir().unwrap();
    let p = start_in(dir.path()).await;
    let w = p.enroll().await;
    w.link_card("4242 4242 4242 4242").await;
    p.running.shutdown().await.unwrap();

    let mut conn = open_database(dir.path()).await;
    sqlx::query("UPDATE cards SET created_at = 'yesterday'")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let p = start_in(dir.path()).await;
    let w = w.on(&p);
    assert_error(&w.get("/v1/cards").await, 500, "internal");
    assert_eq!(w.get("/v1/apps").await.0, 200);
}

#[tokio::test]
async fn a_card_has_one_token_per_cardholder_whichever_device_links_it() {
    let p = start().await;
    let laptop = p.enroll().await;
    let (status, first) = link(&laptop, json!("4242 4242 4242 4242"), 12, 2031).await;
    assert_eq!(status, 201, "{first}");
    // The same number again, written differently: the card it has, nothing new.
    let (status, again) = link(&laptop, json!("4242-4242-4242-4242"), 12, 2031).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["token"], first["token"]);
    // Another device of the same cardholder gets the same token.
    let phone = laptop.enroll_device("phone").await;
    let (status, from_phone) = link(&phone, json!("4242424242424242"), 12, 2031).await;
    assert_eq!(status, 200, "{from_phone}");
    assert_eq!(from_phone["token"], first["token"]);
    let (_, cards) = phone.get("/v1/cards").await;
    assert_eq!(cards["cards"].as_array().unwrap().len(), 1, "{cards}");
    // Another cardholder linking the same number has a card of its own.
    let stranger = p.enroll().await;
    let (status, theirs) = link(&stranger, json!("4242 4242 4242 4242"), 12, 2031).await;
    assert_eq!(status, 201, "{theirs}");
    assert_ne!(theirs["token"], first["token"]);
    // Unlinked, then linked again: a new card (the old token stays unlinked).
    let token = first["token"].as_str().unwrap();
    let (status, _) = laptop.delete(&format!("/v1/cards/{token}")).await;
    assert_eq!(status, 200);
    let (status, relinked) = link(&laptop, json!("4242 4242 4242 4242"), 12, 2031).await;
    assert_eq!(status, 201, "{relinked}");
    assert_ne!(relinked["token"], first["token"]);
    // Nothing that identifies the number is in the platform's answers.
    for answer in [&first, &again, &from_phone, &relinked] {
        assert!(!answer.to_string().contains("4242424242424242"));
        assert!(answer.get("fingerprint").is_none());
    }
}
