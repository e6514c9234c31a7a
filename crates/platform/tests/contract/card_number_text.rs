//! The platform keeps no card number: client text that holds one (a nickname, a device
//! name, a merchant, terms, a grant id, fault settings) gets 422 `card_number_in_text`
//! before anything is stored. Only `number` of `POST /v1/cards` may hold one.

use consentry_domain::contains_card_number;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

/// 422 `card_number_in_text`, naming `field`, never repeating the number.
fn assert_refused(result: &(StatusCode, Value), field: &str) {
    assert_error(result, 422, "card_number_in_text");
    assert_eq!(result.1["field"], field, "{}", result.1);
    let message = result.1["message"].as_str().unwrap();
    assert!(message.contains(field), "{message}");
    let text = result.1.to_string();
    assert!(
        !text.contains("4111") && !text.contains("1111 1111"),
        "{text}"
    );
}

async fn enroll_named(p: &Platform, body: Value) -> (StatusCode, Value) {
    p.post_enroll(&body).await
}

#[tokio::test]
async fn every_free_text_field_refuses_a_card_number_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (p, w, card) = enrolled_with_card_in(dir.path()).await;
    let terms_before = w.terms_version("app_quire").await;
    let (_, faults_before) = p.admin(Method::GET, "/v1/admin/faults", json!({})).await;

    for spelling in CARD_NUMBER_SPELLINGS {
        let text = format!("paid with {spelling} today");
        assert!(contains_card_number(&text));

        let nickname = w
            .post(
                "/v1/cards",
                json!({"number": MASTERCARD, "expiration": {"month": 12, "year": 2031}, "nickname": text}),
            )
            .await;
        assert_refused(&nickname, "nickname");
        // The number alone as the nickname, too.
        let bare = w
            .post(
                "/v1/cards",
                json!({"number": MASTERCARD, "expiration": {"month": 12, "year": 2031}, "nickname": spelling}),
            )
            .await;
        assert_refused(&bare, "nickname");

        assert_refused(
            &enroll_named(&p, json!({"device_name": text})).await,
            "device_name",
        );
        assert_refused(
            &enroll_named(
                &p,
                json!({"device_name": spelling, "cardholder_id": w.cardholder_id, "cardholder_secret": w.secret}),
            )
            .await,
            "device_name",
        );

        let purchase = w
            .post(
                "/v1/simulate/purchase",
                json!({"card_token": card, "amount": {"minor": 500, "currency": "EUR"}, "merchant": text, "channel": "nfc"}),
            )
            .await;
        assert_refused(&purchase, "merchant");

        let terms = p
            .admin(
                Method::POST,
                "/v1/apps/app_quire/terms",
                json!({"version": terms_before + 1, "text": format!("Support line: {text}")}),
            )
            .await;
        assert_refused(&terms, "text");

        let faults = p
            .admin(
                Method::PUT,
                "/v1/admin/faults",
                json!({"bad_signature_event_ids": [text]}),
            )
            .await;
        assert_refused(&faults, "bad_signature_event_ids");
        let faults = p
            .admin(
                Method::PUT,
                "/v1/admin/faults",
                json!({"bad_signature_event_types": [spelling]}),
            )
            .await;
        assert_refused(&faults, "bad_signature_event_types");
    }

    // A grant id is a path segment: spaces are no identifier (400), the other two are read
    // as card numbers (422). Neither is stored.
    let grant = |app: &str| {
        json!({"action": "grant", "base_version": 0, "app_id": app, "card_token": card, "scope": "receipts",
               "channels": ["nfc"], "trigger": "authorization", "terms_version": terms_before})
    };
    for id in ["g-4111111111111111", "4111-1111-1111-1111"] {
        let (status, body, _) = w.put_grant(id, "key-card-id", &grant("app_quire")).await;
        assert_refused(&(status, body), "grant_id");
    }
    let (status, body, _) = w
        .put_grant(
            "4111%201111%201111%201111",
            "key-card-id",
            &grant("app_quire"),
        )
        .await;
    assert_error(&(status, body), 400, "invalid_identifier");

    // Nothing of it was kept.
    let (_, cards) = w.get("/v1/cards").await;
    assert_eq!(cards["cards"].as_array().unwrap().len(), 1, "{cards}");
    assert_eq!(cards["cards"][0]["nickname"], Value::Null);
    assert!(w.events().await.is_empty(), "no purchase, no grant");
    let (_, grants) = w.get("/v1/grants").await;
    assert_eq!(grants["grants"], json!([]));
    assert_eq!(w.terms_version("app_quire").await, terms_before);
    let (_, faults_after) = p.admin(Method::GET, "/v1/admin/faults", json!({})).await;
    assert_eq!(faults_after, faults_before);
    // The key of the refused grant was not spent: the same key works for a good request.
    let (status, _, replayed) = w
        .put_grant("g-receipts", "key-card-id", &grant("app_quire"))
        .await;
    assert_eq!(status, 201);
    assert!(!replayed);

    p.running.shutdown().await.unwrap();
    assert_no_card_number_on_disk(dir.path());
}

fn assert_no_card_number_on_disk(dir: &std::path::Path) {
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        // SQLite may remove its -wal/-shm files between the listing and the read.
        let bytes = match std::fs::read(entry.unwrap().path()) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{e}"),
        };
        let text = String::from_utf8_lossy(&bytes);
        for spelling in CARD_NUMBER_SPELLINGS {
            assert!(!text.contains(spelling), "{spelling} is on disk");
        }
        scanned += bytes.len();
    }
    assert!(scanned > 0);
}

#[tokio::test]
async fn text_with_digits_that_are_no_card_number_is_accepted() {
    let p = start().await;
    let w = p.enroll().await;
    let nickname = "Visa 4242 (2031)";
    let device = "Pixel 8 Pro, bought 2026-12-05";
    // Fails the Luhn check, and an unknown network's range: no card number.
    let merchant = "Depot 4111 1111 1111 1112 / 9000123412341234";
    let terms = "Version 2, 2026-12-05. Call 0800 123 456 789 for help.";
    for text in [nickname, device, merchant, terms] {
        assert!(!contains_card_number(text), "{text}");
    }
    let (status, card) = w
        .post(
            "/v1/cards",
            json!({"number": VISA, "expiration": {"month": 12, "year": 2031}, "nickname": nickname}),
        )
        .await;
    assert_eq!(status, 201, "{card}");
    assert_eq!(card["nickname"], nickname);
    let (status, body) = enroll_named(&p, json!({"device_name": device})).await;
    assert_eq!(status, 201, "{body}");
    let token = card["token"].as_str().unwrap();
    let step = w.purchase(token, 700, "EUR", merchant, "online").await;
    assert_eq!(step["transaction"]["merchant"], merchant);
    let version = w.terms_version("app_quire").await + 1;
    let (status, app) = p
        .admin(
            Method::POST,
            "/v1/apps/app_quire/terms",
            json!({"version": version, "text": terms}),
        )
        .await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(app["terms"]["text"], terms);
}

#[tokio::test]
async fn an_idempotency_key_that_looks_like_a_card_number_works_and_is_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (p, w, card) = enrolled_with_card_in(dir.path()).await;
    let terms = w.terms_version("app_quire").await;
    let body = json!({"action": "grant", "base_version": 0, "app_id": "app_quire", "card_token": card,
                      "scope": "receipts", "channels": ["nfc"], "trigger": "authorization", "terms_version": terms});
    let key = CARD_NUMBER_SPELLINGS[2];
    let (status, first, replayed) = w.put_grant("g1", key, &body).await;
    assert_eq!((status.as_u16(), replayed), (201, false), "{first}");
    let (status, again, replayed) = w.put_grant("g1", key, &body).await;
    assert_eq!((status.as_u16(), replayed), (201, true));
    assert_eq!(again, first);
    let revoke = json!({"action": "revoke", "base_version": 1});
    let (status, reused, _) = w.put_grant("g1", key, &revoke).await;
    assert_error(&(status, reused), 409, "idempotency_key_reused");
    p.running.shutdown().await.unwrap();
    assert_no_card_number_on_disk(dir.path());
}

#[tokio::test]
async fn error_messages_that_quote_the_request_mask_card_numbers() {
    let p = start().await;
    let w = p.enroll().await;
    // serde quotes a wrongly typed value; the number must not come back.
    let typed = enroll_named(&p, json!({"device_name": 4111111111111111u64})).await;
    assert_error(&typed, 422, "invalid_body");
    let message = typed.1["message"].as_str().unwrap();
    assert!(!message.contains("4111111111111111"), "{message}");
    assert!(message.contains("1111"), "masked, last 4 kept: {message}");
    let unknown = w
        .post(
            "/v1/simulate/settle",
            json!({"transaction_id": "txn_x", "4111 1111 1111 1111": 1}),
        )
        .await;
    assert_error(&unknown, 422, "invalid_body");
    assert!(
        !unknown.1["message"]
            .as_str()
            .unwrap()
            .contains("4111 1111 1111 1111"),
        "{}",
        unknown.1
    );
}
