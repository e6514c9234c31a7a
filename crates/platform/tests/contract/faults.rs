use std::time::{Duration, Instant};

use consentry_platform::{signing, FaultConfig, PlatformConfig};
use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn error_rate_and_latency() {
    let p = start().await;
    let w = p.enroll().await;
    p.faults(json!({"error_rate": 1.0})).await;
    assert_error(&w.get("/v1/cards").await, 500, "injected_fault");
    // Operator endpoints and health are never broken.
    let (status, _) = p.get_public("/healthz").await;
    assert_eq!(status, 200);
    let (status, current) = p.admin(Method::GET, "/v1/admin/faults", json!({})).await;
    assert_eq!(
        (status.as_u16(), current["error_rate"].as_f64()),
        (200, Some(1.0))
    );

    p.faults(json!({"latency_ms": 300})).await;
    let started = Instant::now();
    let (status, _) = w.get("/v1/cards").await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    p.admin_refused(
        Method::PUT,
        "/v1/admin/faults",
        json!({"error_rate": 2.0}),
        422,
        "invalid_faults",
    )
    .await;
    p.admin_refused(
        Method::PUT,
        "/v1/admin/faults",
        json!({"chaos": true}),
        422,
        "invalid_body",
    )
    .await;
    let not_admin = read(
        p.http
            .put(p.url("/v1/admin/faults"))
            .bearer_auth(&w.token)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&not_admin, 403, "forbidden");
}

#[tokio::test]
async fn dropped_connection_after_commit_then_idempotent_retry() {
    let (p, w, card) = enrolled_with_card().await;
    p.faults(json!({"drop_after_commit_rate": 1.0})).await;
    let body = json!({"action": "grant", "base_version": 0, "app_id": "app_quire", "card_token": card,
        "scope": "receipts", "channels": ["nfc"], "trigger": "authorization", "terms_version": 3});
    // Signed once: the retry below sends the very same request.
    let body = w.sign_change("g1", &body).await;
    let attempt = w
        .http
        .put(w.url("/v1/grants/g1"))
        .bearer_auth(&w.token)
        .header("Idempotency-Key", "once")
        .json(&body)
        .send()
        .await;
    assert!(attempt.is_err(), "the client never sees the answer");
    p.faults(json!({})).await;
    let (status, grant, replayed) = w.put_grant("g1", "once", &body).await;
    assert_eq!((status.as_u16(), replayed), (201, true), "{grant}");
    assert_eq!(grant["version"], 1);
    let changes = w.count_events("consent.changed").await;
    assert_eq!(changes, 1, "committed exactly once");
}

#[tokio::test]
async fn delivery_faults_duplicates_order_staleness_and_bad_signatures() {
    let (p, w, card) = enrolled_with_card().await;
    w.grant_defaults("g1", "app_quire", &card, "receipts").await;
    for _ in 0..4 {
        w.purchase(&card, 300, "EUR", "Café Lumen", "nfc").await;
    }
    let (clean, _) = w.page("").await;
    assert_eq!(clean.len(), 9);

    p.faults(json!({"duplicate_rate": 1.0})).await;
    let (events, _) = w.page("").await;
    assert_eq!(events.len(), 18);
    assert!(events.chunks(2).all(|pair| pair[0].id == pair[1].id));

    p.faults(json!({"out_of_order_rate": 1.0, "seed": 3})).await;
    let (events, _) = w.page("").await;
    let cursors: Vec<u64> = events.iter().map(|e| e.cursor.parse().unwrap()).collect();
    assert_eq!(cursors.len(), 9);
    assert!(cursors.windows(2).any(|w| w[0] > w[1]), "{cursors:?}");

    p.faults(json!({"stale_timestamp_rate": 1.0, "stale_by_seconds": 7200}))
        .await;
    let (events, _) = w.page("").await;
    let now = chrono::Utc::now().timestamp();
    assert!(
        events.iter().all(|e| (now - e.timestamp - 7200).abs() < 60),
        "signed, but two hours old"
    );

    p.faults(json!({"bad_signature_event_types": ["receipt.issued"], "bad_signature_event_ids": [clean[0].id]})).await;
    let (_, page) = w.get("/v1/events").await;
    for item in page["events"].as_array().unwrap() {
        let body: serde_json::Value = serde_json::from_str(item["body"].as_str().unwrap()).unwrap();
        let valid = signing::verify_any(
            &w.keys,
            item["id"].as_str().unwrap(),
            item["timestamp"].as_i64().unwrap(),
            item["body"].as_str().unwrap(),
            item["signature"].as_str().unwrap(),
        );
        let chosen = body["type"] == "receipt.issued" || item["id"] == clean[0].id.as_str();
        assert_eq!(valid, !chosen, "{}", body["type"]);
    }
}

#[tokio::test]
async fn faults_from_the_config_are_reproducible_by_seed() {
    let run = |seed| async move {
        let faults = FaultConfig {
            seed,
            error_rate: 0.5,
            ..FaultConfig::default()
        };
        let p = start_with(PlatformConfig { faults, ..config() }).await;
        let mut pattern = Vec::new();
        for _ in 0..24 {
            pattern.push(p.get_public("/v1/keys").await.0.as_u16());
        }
        pattern
    };
    let a = run(11).await;
    assert_eq!(a, run(11).await);
    assert_ne!(a, run(12).await);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
}
