//! `cargo bench -p consentry-platform --bench feed`: signed events served per second from
//! the feed, and purchases simulated per second, against a real in-memory platform over
//! loopback HTTP. Bounded: a few thousand requests, a few seconds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use consentry_domain::{ConsentAction, ConsentStatement, DeviceKey, DeviceLink, Trigger};
use consentry_platform::{serve, PlatformConfig};
use serde_json::{json, Value};

const PURCHASES: usize = 1_000;
const CONCURRENCY: usize = 4;
const FEED_PASSES: usize = 5;

async fn call(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("request");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("json")
}

#[tokio::main]
async fn main() {
    let platform = serve(PlatformConfig::default()).await.expect("platform");
    let base = platform.base_url();
    let http = reqwest::Client::new();
    let enrolled = call(
        http.post(format!("{base}/v1/enroll"))
            .json(&json!({"device_name": "bench"})),
    )
    .await;
    let token = enrolled["token"].as_str().unwrap().to_owned();
    let (cardholder, device) = (
        enrolled["cardholder_id"].as_str().unwrap(),
        enrolled["device_id"].as_str().unwrap(),
    );
    // Consent changes are signed by a device in the cardholder's chain: this one, as root.
    let key = DeviceKey::from_seed(&[42; 32]);
    let root = DeviceLink::root(cardholder, device, &key, chrono::Utc::now()).unwrap();
    call(
        http.post(format!("{base}/v1/devices/chain"))
            .bearer_auth(&token)
            .json(&root),
    )
    .await;
    let card = call(
        http.post(format!("{base}/v1/cards"))
            .bearer_auth(&token)
            .json(
                &json!({"number": "4242424242424242", "expiration": {"month": 12, "year": 2031}}),
            ),
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let apps = call(http.get(format!("{base}/v1/apps")).bearer_auth(&token)).await;
    let mut grants = 0;
    for app in apps["apps"].as_array().unwrap() {
        for scope in app["requested_scopes"].as_array().unwrap() {
            grants += 1;
            let mut body = json!({"action": "grant", "base_version": 0, "app_id": app["id"], "card_token": card,
                "scope": scope, "channels": ["card", "nfc", "online", "voice"], "trigger": "authorization",
                "terms_version": app["terms"]["version"]});
            let statement = ConsentStatement {
                grant_id: format!("g{grants}"),
                action: ConsentAction::Grant,
                app_id: app["id"].as_str().unwrap().to_owned(),
                card_token: card.clone(),
                scope: serde_json::from_value(scope.clone()).unwrap(),
                channels: serde_json::from_value(body["channels"].clone()).unwrap(),
                trigger: Trigger::Authorization,
                min_purchase: None,
                expires_at: None,
                terms_version: u32::try_from(app["terms"]["version"].as_u64().unwrap()).unwrap(),
                terms_hash: app["terms"]["hash"].as_str().unwrap().parse().unwrap(),
                base_version: 0,
                at: chrono::Utc::now(),
                device_id: device.to_owned(),
            };
            body["signed"] = json!(statement.sign(&key).unwrap());
            call(
                http.put(format!("{base}/v1/grants/g{grants}"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("k{grants}"))
                    .json(&body),
            )
            .await;
        }
    }

    // Purchases: each authorizes, runs the consent rule over every grant and appends the
    // transaction event plus one event per granted scope.
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..CONCURRENCY {
        let (http, base, token, card) = (http.clone(), base.clone(), token.clone(), card.clone());
        workers.push(tokio::spawn(async move {
            for i in 0..PURCHASES / CONCURRENCY {
                let merchant = if (worker + i) % 2 == 0 {
                    "Café Lumen"
                } else {
                    "Marché Frais"
                };
                call(
                    http.post(format!("{base}/v1/simulate/purchase"))
                        .bearer_auth(&token)
                        .json(&json!({
                    "card_token": card, "amount": {"minor": 350 + i, "currency": "EUR"},
                    "merchant": merchant, "channel": "nfc"})),
                )
                .await;
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let purchase_time = started.elapsed();

    // The feed: every event, signed at delivery, in pages of 500.
    let started = Instant::now();
    let mut served = 0usize;
    for _ in 0..FEED_PASSES {
        let mut cursor = String::new();
        loop {
            let page = call(
                http.get(format!("{base}/v1/events?after={cursor}&limit=500"))
                    .bearer_auth(&token),
            )
            .await;
            served += page["events"].as_array().unwrap().len();
            cursor = page["next_cursor"].as_str().unwrap().to_owned();
            if page["has_more"] != true {
                break;
            }
        }
    }
    let feed_time = started.elapsed();
    platform.shutdown().await.expect("shutdown");

    let rate = |n: usize, t: Duration| n as f64 / t.as_secs_f64();
    let events_per_purchase = 1 + grants;
    println!("platform bench (in-memory SQLite, loopback HTTP, {grants} grants on the card)");
    println!(
        "  purchases simulated: {PURCHASES} in {:.2} s = {:.0} purchases/s ({CONCURRENCY} clients, {events_per_purchase} events each)",
        purchase_time.as_secs_f64(),
        rate(PURCHASES, purchase_time)
    );
    println!(
        "  signed events served: {served} in {:.2} s = {:.0} events/s (pages of 500, signed at delivery)",
        feed_time.as_secs_f64(),
        rate(served, feed_time)
    );
}
