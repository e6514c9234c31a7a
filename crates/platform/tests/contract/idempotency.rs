//! `Idempotency-Key` on every request that creates something: enrollment, card links,
//! simulated purchases, settlements and reversals, data requests (consent changes are in
//! `grants.rs`). Replays, conflicts, one winner among concurrent requests, the 24-hour
//! lifetime, keys kept per cardholder, and keys that are not keys.

use serde_json::{json, Value};

use crate::support::*;

/// A key long enough for `POST /v1/enroll` (36 characters, as a UUID).
const ENROLL_KEY: &str = "5f0c7a52-8d7e-4f7e-9a51-2c3d4e5f6a7b";

async fn enroll_keyed(p: &Platform, key: &str, body: &Value) -> Keyed {
    send_keyed(p.http.post(p.url("/v1/enroll")), key, body).await
}

fn coffee(card: &str) -> Value {
    json!({"card_token": card, "amount": {"minor": 350, "currency": "EUR"},
           "merchant": "Café Lumen", "channel": "nfc"})
}

fn count(events: &[Delivered], kind: &str) -> usize {
    events.iter().filter(|e| e.kind == kind).count()
}

#[tokio::test]
async fn a_replayed_card_link_is_the_same_card_and_a_changed_one_is_refused() {
    let p = start().await;
    let w = p.enroll().await;
    // With a second device, each link is news: `card.changed` counts them.
    let _phone = w.enroll_device("phone").await;
    let link =
        json!({"number": VISA, "expiration": {"month": 12, "year": 2031}, "nickname": "Everyday"});
    let (status, first, replayed) = post_keyed(&w, "/v1/cards", "link-1", &link).await;
    assert_eq!((status.as_u16(), replayed), (201, false), "{first}");
    // The retry gets the first answer, as it was: 201, not "already linked".
    let (status, again, replayed) = post_keyed(&w, "/v1/cards", "link-1", &link).await;
    assert_eq!((status.as_u16(), replayed), (201, true), "{again}");
    assert_eq!(again, first);
    // Without the key, the same number is recognised and answered 200 (not replayed).
    let (status, existing) = w.post("/v1/cards", link.clone()).await;
    assert_eq!(status, 200, "{existing}");
    assert_eq!(existing["token"], first["token"]);

    let mut renamed = link.clone();
    renamed["nickname"] = json!("Groceries");
    let (status, error, _) = post_keyed(&w, "/v1/cards", "link-1", &renamed).await;
    assert_error(&(status, error), 409, "idempotency_key_reused");
    // A key belongs to one request, whatever the endpoint.
    let card = first["token"].as_str().unwrap();
    let (status, error, _) = post_keyed(&w, "/v1/simulate/purchase", "link-1", &coffee(card)).await;
    assert_error(&(status, error), 409, "idempotency_key_reused");

    let (_, cards) = w.get("/v1/cards").await;
    assert_eq!(cards["cards"].as_array().unwrap().len(), 1, "{cards}");
    assert_eq!(count(&w.events().await, "card.changed"), 1);
}

#[tokio::test]
async fn a_replayed_enrollment_is_the_same_cardholder_and_device() {
    let p = start().await;
    let body = json!({"device_name": "Ada's laptop"});
    let (status, first, replayed) = enroll_keyed(&p, ENROLL_KEY, &body).await;
    assert_eq!((status.as_u16(), replayed), (201, false), "{first}");
    let (status, again, replayed) = enroll_keyed(&p, ENROLL_KEY, &body).await;
    assert_eq!((status.as_u16(), replayed), (201, true), "{again}");
    assert_eq!(again, first, "same cardholder, secret, device and token");
    // The replayed token is the device's: it works.
    let w = Wallet::from_enrollment(&p, &again);
    let (status, devices) = w.get("/v1/devices").await;
    assert_eq!(status, 200, "{devices}");
    assert_eq!(devices["devices"].as_array().unwrap().len(), 1);

    let (status, error, _) =
        enroll_keyed(&p, ENROLL_KEY, &json!({"device_name": "Ada's phone"})).await;
    assert_error(&(status, error), 409, "idempotency_key_reused");

    // A second device under the cardholder's credentials: its key is the cardholder's.
    let second = json!({"device_name": "Ada's phone", "cardholder_id": w.cardholder_id,
                        "cardholder_secret": w.secret});
    let key = "second-device-0123456789abcdef-0001";
    let (status, phone, _) = enroll_keyed(&p, key, &second).await;
    assert_eq!(status, 201, "{phone}");
    assert!(phone["cardholder_secret"].is_null());
    let (status, phone_again, replayed) = enroll_keyed(&p, key, &second).await;
    assert_eq!((status.as_u16(), replayed), (201, true));
    assert_eq!(phone_again, phone);
    let (_, devices) = w.get("/v1/devices").await;
    assert_eq!(devices["devices"].as_array().unwrap().len(), 2, "{devices}");
    // The same key with a wrong secret is refused as a wrong secret, never replayed.
    let mut wrong = second.clone();
    wrong["cardholder_secret"] = json!("chs_wrong");
    let (status, error, replayed) = enroll_keyed(&p, key, &wrong).await;
    assert_error(&(status, error), 401, "invalid_credentials");
    assert!(!replayed);
}

#[tokio::test]
async fn replayed_purchases_settlements_and_data_requests_happen_once() {
    let (_p, w, card) = enrolled_with_card().await;
    let (status, bought, replayed) =
        post_keyed(&w, "/v1/simulate/purchase", "buy-1", &coffee(&card)).await;
    assert_eq!((status.as_u16(), replayed), (201, false), "{bought}");
    let (status, again, replayed) =
        post_keyed(&w, "/v1/simulate/purchase", "buy-1", &coffee(&card)).await;
    assert_eq!((status.as_u16(), replayed), (201, true));
    assert_eq!(again, bought);
    let mut dearer = coffee(&card);
    dearer["amount"]["minor"] = json!(450);
    let (status, error, _) = post_keyed(&w, "/v1/simulate/purchase", "buy-1", &dearer).await;
    assert_error(&(status, error), 409, "idempotency_key_reused");

    let txn = json!({"transaction_id": bought["transaction"]["id"]});
    let (status, settled, _) = post_keyed(&w, "/v1/simulate/settle", "settle-1", &txn).await;
    assert_eq!(status, 200, "{settled}");
    let (status, again, replayed) = post_keyed(&w, "/v1/simulate/settle", "settle-1", &txn).await;
    assert_eq!((status.as_u16(), replayed), (200, true));
    assert_eq!(again, settled);
    // Without its key, a retried settlement is told the transaction is settled already.
    assert_error(
        &w.post("/v1/simulate/settle", txn.clone()).await,
        409,
        "transaction_not_pending",
    );
    // Reversing it is another request, under another key: refused on its merits.
    let (status, error, _) = post_keyed(&w, "/v1/simulate/reverse", "reverse-1", &txn).await;
    assert_error(&(status, error), 409, "transaction_not_pending");

    let events = w.events().await;
    assert_eq!(count(&events, "transaction.authorized"), 1);
    assert_eq!(count(&events, "transaction.settled"), 1);

    let ask = json!({"app_id": "app_quire", "kind": "access"});
    let (status, asked, _) = post_keyed(&w, "/v1/data-requests", "dsr-1", &ask).await;
    assert_eq!(status, 201, "{asked}");
    let (status, again, replayed) = post_keyed(&w, "/v1/data-requests", "dsr-1", &ask).await;
    assert_eq!((status.as_u16(), replayed), (201, true));
    assert_eq!(again["id"], asked["id"]);
    let (_, list) = w.get("/v1/data-requests").await;
    assert_eq!(list["data_requests"].as_array().unwrap().len(), 1, "{list}");

    // Without a key nothing changes: two requests, two purchases.
    w.purchase(&card, 100, "EUR", "Kiosk", "card").await;
    w.purchase(&card, 100, "EUR", "Kiosk", "card").await;
    assert_eq!(count(&w.events().await, "transaction.authorized"), 3);
}

/// `n` requests sent at once, all with one key and one body.
async fn at_once(
    n: usize,
    request: impl Fn() -> reqwest::RequestBuilder,
    key: &str,
    body: &Value,
) -> Vec<Keyed> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (request, key, body) = (request(), key.to_owned(), body.clone());
            tokio::spawn(async move { send_keyed(request, &key, &body).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

/// One winner: every answer is the winner's, exactly one not marked as a replay.
fn one_winner(results: &[Keyed], status: u16) -> Value {
    let first = &results[0].1;
    for (got, body, _) in results {
        assert_eq!(got.as_u16(), status, "{body}");
        assert_eq!(body, first);
    }
    let fresh = results.iter().filter(|r| !r.2).count();
    assert_eq!(
        fresh, 1,
        "one request did the work, the others were replays"
    );
    first.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_requests_with_one_key_create_one_thing() {
    let (p, w, card) = enrolled_with_card().await;

    let purchase = coffee(&card);
    let results = at_once(
        20,
        || {
            w.http
                .post(w.url("/v1/simulate/purchase"))
                .bearer_auth(&w.token)
        },
        "together",
        &purchase,
    )
    .await;
    one_winner(&results, 201);
    assert_eq!(count(&w.events().await, "transaction.authorized"), 1);

    let second = json!({"device_name": "phone", "cardholder_id": w.cardholder_id,
                        "cardholder_secret": w.secret});
    let results = at_once(20, || p.http.post(p.url("/v1/enroll")), ENROLL_KEY, &second).await;
    one_winner(&results, 201);
    let (_, devices) = w.get("/v1/devices").await;
    assert_eq!(devices["devices"].as_array().unwrap().len(), 2, "{devices}");

    let link = json!({"number": MASTERCARD, "expiration": {"month": 1, "year": 2032}});
    let results = at_once(
        20,
        || w.http.post(w.url("/v1/cards")).bearer_auth(&w.token),
        "link-together",
        &link,
    )
    .await;
    one_winner(&results, 201);
    let (_, cards) = w.get("/v1/cards").await;
    assert_eq!(cards["cards"].as_array().unwrap().len(), 2, "{cards}");
}

#[tokio::test]
async fn a_key_is_replayed_for_24_hours_and_is_new_after() {
    let (p, w, card) = enrolled_with_card().await;
    let (status, first, _) = post_keyed(&w, "/v1/simulate/purchase", "day", &coffee(&card)).await;
    assert_eq!(status, 201, "{first}");
    p.advance_clock(24 * 3600 - 60).await;
    let (_, again, replayed) = post_keyed(&w, "/v1/simulate/purchase", "day", &coffee(&card)).await;
    assert!(replayed, "a minute before the 24 hours");
    assert_eq!(again, first);
    p.advance_clock(61).await;
    let (status, later, replayed) =
        post_keyed(&w, "/v1/simulate/purchase", "day", &coffee(&card)).await;
    assert_eq!((status.as_u16(), replayed), (201, false), "{later}");
    assert_ne!(later["transaction"]["id"], first["transaction"]["id"]);
    // The new answer is the key's now.
    let (_, third, replayed) = post_keyed(&w, "/v1/simulate/purchase", "day", &coffee(&card)).await;
    assert!(replayed);
    assert_eq!(third, later);
    assert_eq!(count(&w.events().await, "transaction.authorized"), 2);
}

#[tokio::test]
async fn a_key_is_the_cardholders_own() {
    let p = start().await;
    let ada = p.enroll().await;
    let bob = p.enroll().await;
    let ask = json!({"app_id": "app_quire", "kind": "deletion"});
    let (status, ada_request, _) = post_keyed(&ada, "/v1/data-requests", "mine", &ask).await;
    assert_eq!(status, 201, "{ada_request}");
    // Bob's identical request under the same key is his own, new request.
    let (status, bob_request, replayed) = post_keyed(&bob, "/v1/data-requests", "mine", &ask).await;
    assert_eq!((status.as_u16(), replayed), (201, false), "{bob_request}");
    assert_ne!(bob_request["id"], ada_request["id"]);
    // And a different body under it is no conflict for him either.
    let other = json!({"app_id": "app_quire", "kind": "access"});
    let bob_card = bob.link_card(VISA).await;
    let (status, _, replayed) =
        post_keyed(&bob, "/v1/simulate/purchase", "mine-2", &coffee(&bob_card)).await;
    assert_eq!((status.as_u16(), replayed), (201, false));
    let (status, body, _) = post_keyed(&ada, "/v1/data-requests", "mine-2", &other).await;
    assert_eq!(status, 201, "{body}");
    for w in [&ada, &bob] {
        let (_, list) = w.get("/v1/data-requests").await;
        assert_eq!(list["data_requests"][0]["kind"], "deletion");
    }
    // Another device of the same cardholder shares its keys: a retry from either is a replay.
    let phone = ada.enroll_device("phone").await;
    let (status, replay, replayed) = post_keyed(&phone, "/v1/data-requests", "mine", &ask).await;
    assert_eq!((status.as_u16(), replayed), (201, true));
    assert_eq!(replay, ada_request);
}

#[tokio::test]
async fn keys_that_are_not_keys_are_refused_before_anything_happens() {
    let (p, w, card) = enrolled_with_card().await;
    let purchase = coffee(&card);
    let longest = "k".repeat(255);
    let (status, body, _) = post_keyed(&w, "/v1/simulate/purchase", &longest, &purchase).await;
    assert_eq!(status, 201, "255 characters is a key: {body}");
    for bad in [
        "k".repeat(256),
        "k".repeat(10_000),
        String::new(),
        "two words".into(),
    ] {
        for path in ["/v1/cards", "/v1/simulate/purchase", "/v1/data-requests"] {
            let (status, error, _) = post_keyed(&w, path, &bad, &purchase).await;
            let result = (status, error);
            assert_error(&result, 400, "idempotency_key_invalid");
            assert!(
                result.1["message"].as_str().unwrap().contains("1 to 255"),
                "{}",
                result.1
            );
        }
    }
    // Not ASCII: refused too.
    let response = w
        .http
        .post(w.url("/v1/simulate/purchase"))
        .bearer_auth(&w.token)
        .header(
            "Idempotency-Key",
            reqwest::header::HeaderValue::from_bytes("clé".as_bytes()).unwrap(),
        )
        .json(&purchase)
        .send()
        .await
        .unwrap();
    assert_error(&read(response).await, 400, "idempotency_key_invalid");
    // Enrollment keys are at least 32 characters; none of these enrolled anyone.
    for short in ["1", "short-key", &"k".repeat(31)] {
        let result = enroll_keyed(&p, short, &json!({"device_name": "x"})).await;
        assert_error(
            &(result.0, result.1.clone()),
            400,
            "idempotency_key_invalid",
        );
        assert!(
            result.1["message"]
                .as_str()
                .unwrap()
                .contains("at least 32"),
            "{}",
            result.1
        );
    }
    let (status, _, _) = enroll_keyed(&p, &"k".repeat(32), &json!({"device_name": "x"})).await;
    assert_eq!(status, 201);
    assert_eq!(count(&w.events().await, "transaction.authorized"), 1);
}

#[tokio::test]
async fn a_card_link_whose_answer_was_lost_is_replayed_on_retry() {
    let p = start().await;
    let w = p.enroll().await;
    p.faults(json!({"drop_after_commit_rate": 1.0})).await;
    let link = json!({"number": VISA, "expiration": {"month": 12, "year": 2031}});
    let attempt = w
        .http
        .post(w.url("/v1/cards"))
        .bearer_auth(&w.token)
        .header("Idempotency-Key", "lost")
        .json(&link)
        .send()
        .await;
    assert!(attempt.is_err(), "the client never sees the answer");
    p.faults(json!({})).await;
    let (status, card, replayed) = post_keyed(&w, "/v1/cards", "lost", &link).await;
    assert_eq!((status.as_u16(), replayed), (201, true), "{card}");
    let (_, cards) = w.get("/v1/cards").await;
    assert_eq!(cards["cards"].as_array().unwrap().len(), 1);
    assert_eq!(cards["cards"][0]["token"], card["token"]);
}
