//! Every signing key after the first is endorsed by the key made before it, and a wallet
//! that pinned its enrollment keys can follow rotations on endorsements alone.

use std::collections::BTreeMap;

use consentry_platform::signing;
use ed25519_dalek::VerifyingKey;
use reqwest::Method;
use serde_json::{json, Value};
use sqlx::Connection as _;

use crate::support::*;

/// What a wallet trusts: key id → public key.
type Trusted = BTreeMap<String, VerifyingKey>;

fn pin(keys: &[Value]) -> Trusted {
    keys.iter()
        .map(|k| {
            (
                k["key_id"].as_str().unwrap().to_owned(),
                signing::decode_public_key(k["public_key"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

/// A wallet's rule: accept a published key only when a key it already trusts endorsed it
/// (repeatedly, so a chain of several rotations is followed). A known id with another
/// public key is never accepted. Returns the ids it refused.
fn extend_trust(trusted: &mut Trusted, published: &[Value]) -> Vec<String> {
    loop {
        let mut grew = false;
        for key in published {
            let id = key["key_id"].as_str().unwrap();
            let text = key["public_key"].as_str().unwrap();
            let Ok(public) = signing::decode_public_key(text) else {
                continue;
            };
            if trusted.contains_key(id) {
                continue;
            }
            let endorsement = &key["endorsement"];
            let Some(endorser) = endorsement["signed_by"]
                .as_str()
                .and_then(|by| trusted.get(by))
            else {
                continue;
            };
            let signature = endorsement["signature"].as_str().unwrap_or_default();
            if signing::verify_endorsement(endorser, id, text, signature) {
                trusted.insert(id.to_owned(), public);
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    published
        .iter()
        .filter(|key| {
            let id = key["key_id"].as_str().unwrap();
            let same = signing::decode_public_key(key["public_key"].as_str().unwrap())
                .is_ok_and(|k| trusted.get(id) == Some(&k));
            !same
        })
        .map(|key| key["key_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn keys(p: &Platform) -> Vec<Value> {
    let (status, body) = p.get_public("/v1/keys").await;
    assert_eq!(status, 200, "{body}");
    body["keys"].as_array().unwrap().clone()
}

async fn rotate(p: &Platform) -> Vec<Value> {
    let (status, body) = p
        .admin(Method::POST, "/v1/admin/keys/rotate", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    body["keys"].as_array().unwrap().clone()
}

/// Checks that `key` is endorsed by the key named in its endorsement, found in `known`.
fn assert_endorsed(key: &Value, known: &BTreeMap<String, Value>) {
    let endorsement = &key["endorsement"];
    let by = endorsement["signed_by"].as_str().unwrap();
    let signature = endorsement["signature"].as_str().unwrap();
    assert!(signature.starts_with("v1a,"), "{signature}");
    let endorser = &known[by];
    let endorser_key =
        signing::decode_public_key(endorser["public_key"].as_str().unwrap()).unwrap();
    let id = key["key_id"].as_str().unwrap();
    let public = key["public_key"].as_str().unwrap();
    assert!(
        signing::verify_endorsement(&endorser_key, id, public, signature),
        "{id} endorsed by {by}"
    );
    assert_eq!(
        signing::endorsement_content(id, public),
        format!("consentry.key-endorsement.v1.{id}.{public}")
    );
}

#[tokio::test]
async fn the_first_key_is_unendorsed_and_the_next_is_endorsed_by_it() {
    let p = start().await;
    let (status, enrollment) = p.post_enroll(&json!({"device_name": "laptop"})).await;
    assert_eq!(status, 201);
    let published = enrollment["signing_keys"].as_array().unwrap().clone();
    assert_eq!(
        published,
        keys(&p).await,
        "the same keys, endorsements included"
    );
    assert_eq!(published.len(), 2);
    let (first, next) = (&published[0], &published[1]);
    assert!(first.as_object().unwrap().contains_key("endorsement"));
    assert_eq!(first["endorsement"], Value::Null);
    assert_eq!(next["endorsement"]["signed_by"], first["key_id"]);
    let known: BTreeMap<String, Value> = published
        .iter()
        .map(|k| (k["key_id"].as_str().unwrap().to_owned(), k.clone()))
        .collect();
    assert_endorsed(next, &known);
    // The endorsement is by the first key, not by the next key itself.
    let own = signing::decode_public_key(next["public_key"].as_str().unwrap()).unwrap();
    assert!(!signing::verify_endorsement(
        &own,
        next["key_id"].as_str().unwrap(),
        next["public_key"].as_str().unwrap(),
        next["endorsement"]["signature"].as_str().unwrap()
    ));
}

#[tokio::test]
async fn after_two_rotations_the_chain_from_the_first_key_verifies() {
    let (p, w, card) = enrolled_with_card().await;
    let at_enrollment = keys(&p).await;
    let mut seen: BTreeMap<String, Value> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut remember = |list: &[Value], seen: &mut BTreeMap<String, Value>| {
        for key in list {
            let id = key["key_id"].as_str().unwrap().to_owned();
            if let Some(before) = seen.get(&id) {
                // Only the status moves on (next → active → retired), and a retired key's
                // `signs_until` (its overlap).
                let mut same = key.clone();
                same["status"] = before["status"].clone();
                same["signs_until"] = before["signs_until"].clone();
                assert_eq!(before, &same, "{id} never changes");
            } else {
                order.push(id.clone());
                seen.insert(id, key.clone());
            }
        }
    };
    remember(&at_enrollment, &mut seen);
    let once = rotate(&p).await;
    remember(&once, &mut seen);
    let twice = rotate(&p).await;
    remember(&twice, &mut seen);
    assert_eq!(keys(&p).await, twice);
    assert_eq!(order.len(), 4, "key 0, 1, 2 and 3");
    let statuses: Vec<&str> = twice
        .iter()
        .map(|k| k["status"].as_str().unwrap())
        .collect();
    // Both retired keys are still within their overlap: published, co-signing.
    assert_eq!(statuses, ["retired", "retired", "active", "next"]);

    // Key 0 has no endorsement; key n is endorsed by key n-1, all the way.
    assert_eq!(seen[&order[0]]["endorsement"], Value::Null);
    for pair in order.windows(2) {
        let key = &seen[&pair[1]];
        assert_eq!(key["endorsement"]["signed_by"], pair[0].as_str());
        assert_endorsed(key, &seen);
    }
    // Every published key except the very first carries one, in every list.
    for list in [&at_enrollment, &once, &twice] {
        for key in list.iter() {
            if key["key_id"] != order[0].as_str() {
                assert_endorsed(key, &seen);
            }
        }
    }

    // The wallet pinned the enrollment keys and missed both rotations: the endorsements
    // take it from there to the newest key, and the feed verifies under the active one.
    let mut trusted = pin(&at_enrollment);
    assert_eq!(extend_trust(&mut trusted, &twice), Vec::<String>::new());
    assert!(trusted.contains_key(&order[3]));
    w.purchase(&card, 100, "EUR", "Café Lumen", "nfc").await;
    let wallet = Wallet {
        keys: trusted.values().copied().collect(),
        ..w
    };
    assert_eq!(wallet.events().await.len(), 1);
}

#[tokio::test]
async fn a_wallet_that_missed_three_rotations_still_follows_the_chain() {
    let p = start().await;
    let mut trusted = pin(&keys(&p).await);
    for _ in 0..3 {
        rotate(&p).await;
    }
    let published = keys(&p).await;
    assert_eq!(extend_trust(&mut trusted, &published), Vec::<String>::new());
    assert_eq!(trusted.len(), 5);
}

#[tokio::test]
async fn tampered_or_foreign_endorsements_are_refused() {
    let p = start().await;
    let pinned = keys(&p).await;
    let published = rotate(&p).await;
    let newest = published[2].clone();
    assert_eq!(newest["status"], "next");

    // The genuine list is accepted.
    let mut trusted = pin(&pinned);
    assert!(extend_trust(&mut trusted, &published).is_empty());

    let newest_id = newest["key_id"].as_str().unwrap().to_owned();
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut flipped = newest.clone();
    flipped["endorsement"]["signature"] = json!(signing::corrupt(
        newest["endorsement"]["signature"].as_str().unwrap()
    ));
    cases.push(("a flipped signature byte", flipped));
    let mut unendorsed = newest.clone();
    unendorsed["endorsement"] = Value::Null;
    cases.push(("no endorsement", unendorsed));
    // Someone else's key, endorsed by itself.
    let intruder = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    let intruder_public = signing::encode_public_key(&intruder.verifying_key());
    let mut swapped = newest.clone();
    swapped["public_key"] = json!(intruder_public);
    cases.push((
        "the public key swapped under the endorsement",
        swapped.clone(),
    ));
    let mut self_endorsed = swapped.clone();
    self_endorsed["key_id"] = json!("key_intruder");
    self_endorsed["endorsement"] = json!({
        "signed_by": "key_intruder",
        "signature": signing::endorse(&intruder, "key_intruder", &intruder_public),
    });
    cases.push(("self-endorsed", self_endorsed));
    // The real endorser's signature moved onto another id.
    let mut renamed = newest.clone();
    renamed["key_id"] = json!("key_renamed");
    cases.push(("the id changed", renamed));

    for (what, forged) in cases {
        let id = forged["key_id"].as_str().unwrap().to_owned();
        let signature = forged["endorsement"]["signature"].as_str().unwrap_or("");
        let by = forged["endorsement"]["signed_by"].as_str().unwrap_or("");
        if let Some(endorser) = pin(&published).get(by) {
            assert!(
                !signing::verify_endorsement(
                    endorser,
                    &id,
                    forged["public_key"].as_str().unwrap(),
                    signature
                ),
                "{what}"
            );
        }
        // A wallet that knows only its enrollment keys refuses the forged key.
        let mut trusted = pin(&pinned);
        let list = vec![published[0].clone(), published[1].clone(), forged];
        let refused = extend_trust(&mut trusted, &list);
        assert_eq!(refused, vec![id.clone()], "{what}");
        assert!(!trusted.contains_key(&id), "{what}");
        assert!(!trusted.contains_key(&newest_id), "{what}");
    }
}

/// Keys stored by a platform from before endorsements get theirs at start, and keep them.
#[tokio::test]
async fn keys_stored_without_endorsements_are_endorsed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_in(dir.path()).await;
    rotate(&p).await;
    let before = rotate(&p).await;
    p.running.shutdown().await.unwrap();

    let mut conn = open_database(dir.path()).await;
    let cleared = sqlx::query("UPDATE signing_keys SET endorsement = NULL")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(cleared.rows_affected(), 4);
    conn.close().await.unwrap();

    let p = start_in(dir.path()).await;
    let after = keys(&p).await;
    assert_eq!(
        after, before,
        "Ed25519 is deterministic: the same endorsements"
    );
    p.running.shutdown().await.unwrap();

    let mut conn = open_database(dir.path()).await;
    let stored: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT position, endorsement FROM signing_keys ORDER BY position")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(stored.len(), 4);
    assert!(stored[0].1.is_none());
    assert!(stored[1..].iter().all(|(_, e)| e.is_some()), "{stored:?}");

    // A stored endorsement that does not verify stops the platform from starting.
    sqlx::query(
        "UPDATE signing_keys SET endorsement = json_set(endorsement, '$.signed_by', 'key_other')
         WHERE position = 3",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let failed = consentry_platform::serve(consentry_platform::PlatformConfig {
        data: consentry_platform::DataLocation::Directory(dir.path().to_path_buf()),
        ..config()
    })
    .await;
    let error = failed
        .err()
        .expect("a forged endorsement is refused")
        .to_string();
    assert!(error.contains("endorsement"), "{error}");
}

#[test]
fn committed_endorsement_vectors_verify() {
    let text = std::fs::read_to_string(repo_file("docs/platform/webhook-vectors.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let vectors = doc["endorsements"].as_array().unwrap();
    assert!(vectors.iter().any(|v| v["valid"] == true));
    assert!(vectors.iter().any(|v| v["valid"] == false));
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let signer = signing::decode_public_key(v["signer_public_key"].as_str().unwrap()).unwrap();
        let (id, public) = (
            v["key_id"].as_str().unwrap(),
            v["public_key"].as_str().unwrap(),
        );
        assert_eq!(
            v["content"].as_str().unwrap(),
            signing::endorsement_content(id, public),
            "{name}"
        );
        assert_eq!(
            signing::verify_endorsement(&signer, id, public, v["signature"].as_str().unwrap()),
            v["valid"] == true,
            "{name}"
        );
    }
}
