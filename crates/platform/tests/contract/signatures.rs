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
    assert!(vectors.len() >= 3);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let public = signing::decode_public_key(v["public_key"].as_str().unwrap()).unwrap();
        let (id, ts, body, sig) = (
            v["id"].as_str().unwrap(),
            v["timestamp"].as_i64().unwrap(),
            v["body"].as_str().unwrap(),
            v["signature"].as_str().unwrap(),
        );
        assert_eq!(
            signing::verify(&public, id, ts, body, sig),
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
    let p = start().await;
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    let purchase = w.purchase(&card, 100, "EUR", "Café Lumen", "nfc").await;
    let id = purchase["event_ids"][0].as_str().unwrap();
    let response = w
        .http
        .get(w.url(&format!("/v1/events/{id}")))
        .bearer_auth(&w.token)
        .send()
        .await
        .unwrap();
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

#[tokio::test]
async fn rotation_switches_to_the_published_next_key() {
    let p = start().await;
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    w.purchase(&card, 100, "EUR", "Café Lumen", "nfc").await;
    let (before, _) = w.page("").await;
    let (status, keys) = p
        .admin(Method::POST, "/v1/admin/keys/rotate", json!({}))
        .await;
    assert_eq!(status, 200, "{keys}");
    let statuses: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["retired", "active", "next"]);
    let (status, listed) = read(w.http.get(w.url("/v1/keys")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(listed, keys);

    // The wallet only knows the keys from enrollment; the new active one was among them.
    let (after, page) = w.page("").await;
    let old_active =
        signing::decode_public_key(keys["keys"][0]["public_key"].as_str().unwrap()).unwrap();
    let item = &page["events"][0];
    assert!(!signing::verify(
        &old_active,
        item["id"].as_str().unwrap(),
        item["timestamp"].as_i64().unwrap(),
        item["body"].as_str().unwrap(),
        item["signature"].as_str().unwrap()
    ));
    assert_eq!(before.len(), after.len());
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
