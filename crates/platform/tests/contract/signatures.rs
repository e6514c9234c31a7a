use consentry_platform::signing;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

#[test]
fn committed_vectors_verify() {
    let text = std::fs::read_to_string(repo_file("docs/platform/webhook-vectors.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["scheme"], "v1a");
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 12);
    // The extended vectors are there: a foreign cardholder's, and dual signatures.
    assert!(vectors
        .iter()
        .any(|v| v["cardholder_id"].is_string() && v["valid"] == false));
    assert!(vectors.iter().any(|v| v["signature"]
        .as_str()
        .unwrap()
        .split(' ')
        .filter(|s| s.starts_with("v1a,"))
        .count()
        == 2));
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let public = signing::decode_public_key(v["public_key"].as_str().unwrap()).unwrap();
        let (id, ts, body, sig) = (
            v["id"].as_str().unwrap(),
            v["timestamp"].as_i64().unwrap(),
            v["body"].as_str().unwrap(),
            v["signature"].as_str().unwrap(),
        );
        // A vector naming a cardholder is checked by that cardholder's wallet: the signed
        // body must name it too.
        let bound = v["cardholder_id"].as_str().is_none_or(|cardholder| {
            serde_json::from_str::<Value>(body).unwrap()["cardholder_id"] == cardholder
        });
        assert_eq!(
            signing::verify(&public, id, ts, body, sig) && bound,
            v["valid"] == true,
            "{name}"
        );
        if v["valid"] == true {
            // Ed25519 is deterministic: the secret key reproduces the signature exactly.
            let secret = signing::decode_secret_key(v["secret_key"].as_str().unwrap()).unwrap();
            assert_eq!(secret.verifying_key(), public, "{name}");
            let own = signing::sign(&secret, id, ts, body);
            assert!(sig.split(' ').any(|part| part == own), "{name}");
        }
    }
}

#[tokio::test]
async fn single_event_carries_standard_webhooks_headers() {
    let (_p, w, card) = enrolled_with_card().await;
    let purchase = w.purchase(&card, 100, "EUR", "Café Lumen", "nfc").await;
    let id = purchase["event_ids"][0].as_str().unwrap();
    let response = w.get_response(&format!("/v1/events/{id}")).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    assert_eq!(headers["webhook-id"], id);
    assert_eq!(headers["content-type"], "application/json");
    let timestamp: i64 = headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let signature = headers["webhook-signature"].to_str().unwrap();
    assert!(signature.starts_with("v1a,"));
    assert!(signing::verify_any(
        &w.keys, id, timestamp, &body, signature
    ));
    assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 60);
    // The same bytes as in the feed.
    let feed = w.events().await;
    assert_eq!(feed[0].body, serde_json::from_str::<Value>(&body).unwrap());
}

/// The key at `index` of a key list.
fn key_at(keys: &Value, index: usize) -> ed25519_dalek::VerifyingKey {
    signing::decode_public_key(keys["keys"][index]["public_key"].as_str().unwrap()).unwrap()
}

/// Whether the delivery `item` verifies under `key` alone.
fn verifies(key: &ed25519_dalek::VerifyingKey, item: &Value) -> bool {
    signing::verify(
        key,
        item["id"].as_str().unwrap(),
        item["timestamp"].as_i64().unwrap(),
        item["body"].as_str().unwrap(),
        item["signature"].as_str().unwrap(),
    )
}

/// Rotates the platform's keys (the admin call must succeed); its answer.
async fn rotate(p: &Platform) -> Value {
    let (status, keys) = p
        .admin(Method::POST, "/v1/admin/keys/rotate", json!({}))
        .await;
    assert_eq!(status, 200, "{keys}");
    keys
}

/// The `status` of each key of a key list, in its order.
fn statuses(keys: &Value) -> Vec<&str> {
    keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["status"].as_str().unwrap())
        .collect()
}

/// Rotation by dual signatures: during the overlap every delivery carries the new active key's
/// signature and then the retired key's, so a client that trusts only the old key or only the
/// new one verifies; after the overlap only the new key signs.
#[tokio::test]
async fn rotation_signs_with_old_and_new_keys_during_the_overlap_then_only_the_new() {
    let (p, w, card) = enrolled_with_card().await;
    w.purchase(&card, 100, "EUR", "Café Lumen", "nfc").await;
    let (before, page) = w.page("").await;
    let (status, at_enrollment) = p.get_public("/v1/keys").await;
    assert_eq!(status, 200);
    // Before any rotation: one signature, by the active key.
    let item = &page["events"][0];
    assert_eq!(item["signature"].as_str().unwrap().split(' ').count(), 1);
    assert!(verifies(&key_at(&at_enrollment, 0), item));
    assert!(!verifies(&key_at(&at_enrollment, 1), item));

    let keys = rotate(&p).await;
    assert_eq!(statuses(&keys), ["retired", "active", "next"]);
    // The retired key co-signs for the overlap (7 days by default); the others never.
    let until =
        chrono::DateTime::parse_from_rfc3339(keys["keys"][0]["signs_until"].as_str().unwrap())
            .unwrap()
            .timestamp();
    let in_a_week = chrono::Utc::now().timestamp() + 7 * 24 * 3600;
    assert!((until - in_a_week).abs() < 60, "{keys}");
    assert_eq!(keys["keys"][1]["signs_until"], Value::Null);
    assert_eq!(keys["keys"][2]["signs_until"], Value::Null);
    let (status, listed) = p.get_public("/v1/keys").await;
    assert_eq!(status, 200);
    assert_eq!(listed, keys);

    let (old, new) = (key_at(&keys, 0), key_at(&keys, 1));
    let (during, page) = w.page("").await;
    assert_eq!(before.len(), during.len());
    let item = &page["events"][0];
    let signatures: Vec<&str> = item["signature"].as_str().unwrap().split(' ').collect();
    assert_eq!(signatures.len(), 2, "{item}");
    // The active key's first, then the retired key's; each verifies under its key only.
    let alone = |signature: &str| {
        let mut one = item.clone();
        one["signature"] = json!(signature);
        one
    };
    assert!(verifies(&new, &alone(signatures[0])) && !verifies(&old, &alone(signatures[0])));
    assert!(verifies(&old, &alone(signatures[1])) && !verifies(&new, &alone(signatures[1])));
    // A client knowing only the old key, or only the new one, verifies the whole header.
    assert!(verifies(&old, item));
    assert!(verifies(&new, item));
    // The single-event endpoint signs the same way.
    let id = item["id"].as_str().unwrap();
    let response = w.get_response(&format!("/v1/events/{id}")).await;
    let header = response.headers()["webhook-signature"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(header.split(' ').count(), 2, "{header}");

    // After the overlap: only the new key signs, and the old key is still published (the
    // last retired one) but no longer co-signing.
    p.advance_clock(7 * 24 * 3600 + 1).await;
    let (_, page) = w.page("").await;
    let item = &page["events"][0];
    assert_eq!(item["signature"].as_str().unwrap().split(' ').count(), 1);
    assert!(verifies(&new, item));
    assert!(!verifies(&old, item));
    let (_, listed) = p.get_public("/v1/keys").await;
    assert_eq!(listed["keys"][0]["status"], "retired");
    assert_eq!(listed["keys"][0]["signs_until"], Value::Null);
}

/// Two rotations within one overlap: the active key and both retired keys sign, newest first,
/// and all three are published; the bad-signature fault spoils every one of them.
#[tokio::test]
async fn two_rotations_in_one_overlap_sign_three_times_and_a_fault_spoils_all() {
    let (p, w, card) = enrolled_with_card().await;
    w.purchase(&card, 100, "EUR", "Café Lumen", "nfc").await;
    p.admin(Method::POST, "/v1/admin/keys/rotate", json!({}))
        .await;
    p.advance_clock(3600).await;
    let keys = rotate(&p).await;
    assert_eq!(statuses(&keys), ["retired", "retired", "active", "next"]);
    let (_, page) = w.page("").await;
    let item = page["events"][0].clone();
    let signatures: Vec<String> = item["signature"]
        .as_str()
        .unwrap()
        .split(' ')
        .map(str::to_owned)
        .collect();
    assert_eq!(signatures.len(), 3);
    for (signature, index) in signatures.iter().zip([2, 1, 0]) {
        let mut one = item.clone();
        one["signature"] = json!(signature);
        assert!(
            verifies(&key_at(&keys, index), &one),
            "signature of key {index}"
        );
    }
    // The first retired key's overlap ends an hour before the second's.
    p.advance_clock(7 * 24 * 3600 - 1800).await;
    let (_, page) = w.page("").await;
    assert_eq!(
        page["events"][0]["signature"]
            .as_str()
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    let (_, listed) = p.get_public("/v1/keys").await;
    let ids: Vec<&str> = listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        3,
        "key 0 is neither co-signing nor the last retired: {listed}"
    );

    p.faults(json!({"bad_signature_rate": 1.0})).await;
    let (_, page) = w.get("/v1/events").await;
    let item = &page["events"][0];
    assert_eq!(item["signature"].as_str().unwrap().split(' ').count(), 2);
    for index in 0..3 {
        assert!(!verifies(&key_at(&keys, index), item), "key {index}");
    }
}

#[tokio::test]
async fn seeded_keys_are_reproducible() {
    let a = start().await;
    let b = start().await;
    let (_, ka) = read(a.http.get(a.url("/v1/keys")).send().await.unwrap()).await;
    let (_, kb) = read(b.http.get(b.url("/v1/keys")).send().await.unwrap()).await;
    assert_eq!(ka["keys"][0]["public_key"], kb["keys"][0]["public_key"]);
    let c = start_with(consentry_platform::PlatformConfig::default()).await;
    let (_, kc) = read(c.http.get(c.url("/v1/keys")).send().await.unwrap()).await;
    assert_ne!(ka["keys"][0]["public_key"], kc["keys"][0]["public_key"]);
}
