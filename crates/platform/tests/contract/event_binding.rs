//! Every event body names, inside the signed bytes, the cardholder it is for: a delivery
//! captured from one cardholder's feed cannot pass as another's.

use consentry_platform::signing;
use serde_json::{json, Value};
use sqlx::Connection as _;

use crate::support::*;

/// A cardholder with a card, a receipts grant and two purchases.
async fn busy_wallet(p: &Platform, merchant: &str) -> Wallet {
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    w.grant_defaults("g1", "app_quire", &card, "receipts").await;
    w.purchase(&card, 1200, "EUR", merchant, "nfc").await;
    w.purchase(&card, 800, "EUR", merchant, "card").await;
    w
}

#[tokio::test]
async fn every_delivery_names_its_own_cardholder_inside_the_signed_body() {
    let p = start().await;
    let ada = busy_wallet(&p, "Café Lumen").await;
    let bob = busy_wallet(&p, "Sunset Diner").await;
    assert_ne!(ada.cardholder_id, bob.cardholder_id);
    for wallet in [&ada, &bob] {
        let events = wallet.events().await;
        // consent.changed, then per purchase: transaction.authorized and receipt.issued.
        assert_eq!(events.len(), 5, "{events:?}");
        for event in &events {
            assert_eq!(
                event.body["cardholder_id"],
                wallet.cardholder_id.as_str(),
                "{}",
                event.kind
            );
            // Still an event the wallet decodes (the field is beside the envelope).
            assert!(event.body["card_token"].is_string());
        }
    }

    // A delivery served to Ada: her id is in the signed bytes, and changing it to Bob's
    // breaks the signature.
    let (status, page) = ada.get("/v1/events?limit=1").await;
    assert_eq!(status, 200);
    let item = &page["events"][0];
    let raw = item["body"].as_str().unwrap();
    let id = item["id"].as_str().unwrap();
    let timestamp = item["timestamp"].as_i64().unwrap();
    let signature = item["signature"].as_str().unwrap();
    assert!(raw.contains(&format!("\"cardholder_id\":\"{}\"", ada.cardholder_id)));
    assert!(signing::verify_any(
        &ada.keys, id, timestamp, raw, signature
    ));
    let replayed = raw.replace(&ada.cardholder_id, &bob.cardholder_id);
    assert_ne!(replayed, raw);
    assert!(!signing::verify_any(
        &bob.keys, id, timestamp, &replayed, signature
    ));
    let mut dropped: Value = serde_json::from_str(raw).unwrap();
    dropped.as_object_mut().unwrap().remove("cardholder_id");
    assert!(!signing::verify_any(
        &ada.keys,
        id,
        timestamp,
        &dropped.to_string(),
        signature
    ));

    // The single-event endpoint serves the same bound bytes.
    let response = ada
        .http
        .get(ada.url(&format!("/v1/events/{id}")))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["cardholder_id"], ada.cardholder_id.as_str());
    // And Bob cannot fetch Ada's event at all.
    assert_error(
        &bob.get(&format!("/v1/events/{id}")).await,
        404,
        "event_not_found",
    );
}

#[tokio::test]
async fn events_of_every_kind_carry_the_cardholder() {
    let (p, w, card) = enrolled_with_card().await;
    for (grant, app, scope) in [
        ("g-points", "app_beanstamp", "points"),
        ("g-cashback", "app_cashcove", "cashback"),
        ("g-offers", "app_couponeer", "offers"),
        ("g-nudge", "app_nudge", "recommendations"),
        ("g-social", "app_tastemaker", "social_posts"),
    ] {
        w.grant_defaults(grant, app, &card, scope).await;
    }
    let step = w.purchase(&card, 3000, "EUR", "Café Lumen", "nfc").await;
    let (status, _) = w
        .post(
            "/v1/simulate/settle",
            json!({"transaction_id": step["transaction"]["id"]}),
        )
        .await;
    assert_eq!(status, 200);
    let terms = w.terms_version("app_nudge").await;
    let (status, _) = p
        .admin(
            reqwest::Method::POST,
            "/v1/apps/app_nudge/terms",
            json!({"version": terms + 1, "text": "New terms for the nudge app."}),
        )
        .await;
    assert_eq!(status, 200);
    let events = w.events().await;
    let kinds: std::collections::BTreeSet<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for kind in [
        "consent.changed",
        "transaction.authorized",
        "transaction.settled",
        "points.awarded",
        "cashback.pending",
        "cashback.paid",
        "offer.issued",
        "recommendation.made",
        "social.posted",
        "app.terms_changed",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    // `verify` (support) already asserted the cardholder on each; say it here too.
    assert!(events
        .iter()
        .all(|e| e.body["cardholder_id"] == w.cardholder_id.as_str()));
}

/// Events stored by a platform from before the binding get the field when the platform
/// starts again (the migration), and are delivered signed with it.
#[tokio::test]
async fn stored_bodies_without_a_cardholder_get_one_by_migration() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_in(dir.path()).await;
    let ada = busy_wallet(&p, "Café Lumen").await;
    let bob = busy_wallet(&p, "Sunset Diner").await;
    p.running.shutdown().await.unwrap();

    // Make the database look like an older platform's: bodies without the field, and the
    // migration not yet applied.
    let mut conn = open_database(dir.path()).await;
    sqlx::query("UPDATE events SET body = json_remove(body, '$.cardholder_id')")
        .execute(&mut conn)
        .await
        .unwrap();
    let stripped: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE json_extract(body, '$.cardholder_id') IS NULL",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(stripped, 10);
    let removed = sqlx::query("DELETE FROM _sqlx_migrations WHERE description LIKE '%cardholder%'")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(removed.rows_affected(), 1);
    conn.close().await.unwrap();

    let p = start_in(dir.path()).await;
    for wallet in [ada, bob] {
        let wallet = wallet.on(&p);
        let events = wallet.events().await;
        assert_eq!(events.len(), 5);
        for event in events {
            assert_eq!(event.body["cardholder_id"], wallet.cardholder_id.as_str());
        }
    }
}
