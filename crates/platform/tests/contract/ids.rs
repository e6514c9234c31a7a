//! Ids and secrets the platform mints never hold a digit (a wallet would take a lucky digit
//! run for a card number), and ids stay ordered by creation time.

use consentry_platform::ids::{new_id, new_secret};
use serde_json::json;

use crate::support::*;

fn assert_no_digit(what: &str, text: &str) {
    assert!(
        !text.bytes().any(|b| b.is_ascii_digit()),
        "{what} holds a digit: {text}"
    );
}

#[test]
fn ten_thousand_fresh_ids_hold_no_digit_and_sort_in_creation_order() {
    let ids: Vec<String> = (0..10_000).map(|_| new_id("evt")).collect();
    for id in &ids {
        assert_no_digit("an id", id);
        let letters = id.strip_prefix("evt_").unwrap();
        assert_eq!(letters.len(), 32, "{id}");
        assert!(letters.bytes().all(|b| (b'a'..=b'p').contains(&b)), "{id}");
        assert!(!consentry_domain::contains_card_number(id));
    }
    // Strictly increasing: creation order is lexicographic order, and no id repeats.
    for pair in ids.windows(2) {
        assert!(pair[0] < pair[1], "{} then {}", pair[0], pair[1]);
    }
    let mut shuffled = ids.clone();
    shuffled.reverse();
    shuffled.sort();
    assert_eq!(shuffled, ids);
}

#[test]
fn ids_carry_the_uuid_v7_bits_so_the_time_reads_back() {
    let before = chrono::Utc::now().timestamp_millis();
    let id = new_id("txn");
    let after = chrono::Utc::now().timestamp_millis();
    // The first 12 letters are the 48-bit Unix time in milliseconds, 4 bits per letter.
    let millis = id["txn_".len().."txn_".len() + 12]
        .bytes()
        .fold(0i64, |acc, b| acc * 16 + i64::from(b - b'a'));
    assert!((before..=after).contains(&millis), "{id}: {millis}");
}

#[test]
fn secrets_hold_no_digit_either() {
    for _ in 0..1_000 {
        let secret = new_secret("cst");
        assert_no_digit("a secret", &secret);
        assert_eq!(secret.len(), "cst_".len() + 64);
    }
}

#[tokio::test]
async fn every_id_the_platform_hands_out_is_digit_free_and_events_sort_by_id() {
    let p = start().await;
    let (_, enrollment) = p.post_enroll(&json!({"device_name": "laptop"})).await;
    for field in ["cardholder_id", "cardholder_secret", "device_id", "token"] {
        assert_no_digit(field, enrollment[field].as_str().unwrap());
    }
    for key in enrollment["signing_keys"].as_array().unwrap() {
        assert_no_digit("key_id", key["key_id"].as_str().unwrap());
    }
    let w = Wallet::from_enrollment(&p, &enrollment);
    w.post_root_link().await;
    let card = w.link_card(VISA).await;
    assert_no_digit("card token", &card);
    for (grant, app, scope) in [
        ("g-points", "app_beanstamp", "points"),
        ("g-cashback", "app_cashcove", "cashback"),
        ("g-offers", "app_couponeer", "offers"),
        ("g-receipts", "app_quire", "receipts"),
    ] {
        w.grant_defaults(grant, app, &card, scope).await;
    }
    let mut minted: Vec<(String, String)> = Vec::new();
    for _ in 0..3 {
        let step = w.purchase(&card, 2500, "EUR", "Café Lumen", "nfc").await;
        minted.push((
            "transaction id".into(),
            step["transaction"]["id"].as_str().unwrap().to_owned(),
        ));
    }
    let (_, dsr) = w
        .post(
            "/v1/data-requests",
            json!({"app_id": "app_quire", "kind": "access"}),
        )
        .await;
    minted.push(("data request id".into(), dsr["id"].as_str().unwrap().into()));
    let events = w.events().await;
    assert!(events.len() > 6, "{}", events.len());
    for event in &events {
        minted.push(("event id".into(), event.id.clone()));
        if let Some(offer) = event.body["offer_id"].as_str() {
            minted.push(("offer id".into(), offer.to_owned()));
        }
    }
    assert!(minted.iter().any(|(what, _)| what == "offer id"));
    for (what, id) in &minted {
        assert_no_digit(what, id);
    }
    // The feed is in creation order, and so are the ids.
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
}
