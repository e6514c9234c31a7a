use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

fn committed() -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo_file("docs/platform/openapi.json")).unwrap())
        .unwrap()
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let p = start().await;
    let response = p.http.get(p.url("/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let served = response.text().await.unwrap();
    let on_disk = std::fs::read_to_string(repo_file("docs/platform/openapi.json")).unwrap();
    assert_eq!(served, on_disk, "rebuild: the served document is stale");
    let doc = committed();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
}

fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                ops.insert((method.to_owned(), path.clone()));
            }
        }
    }
    ops
}

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let doc = committed();
    let documented = documented_operations(&doc);
    let routed: BTreeSet<(String, String)> = consentry_platform::ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(documented, routed);
    for (method, path) in &documented {
        let op = &doc["paths"][path][method];
        assert!(op["operationId"].is_string(), "{method} {path}");
        assert!(op["summary"].is_string(), "{method} {path}");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|k| k.starts_with('2')),
            "{method} {path}"
        );
        if path.starts_with("/v1/") {
            assert!(
                responses.contains_key("4XX") || responses.keys().any(|k| k.starts_with('4')),
                "{method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let p = start().await;
    let doc = committed();
    for (method, path) in documented_operations(&doc) {
        let concrete = path.replace('{', "x").replace('}', "");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (status, body) = read(
            p.http
                .request(method.clone(), p.url(&concrete))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_ne!(body["code"], "not_found", "{method} {path}");
        assert_ne!(status, 405, "{method} {path}");
        assert!(status.as_u16() < 500, "{method} {path}: {status}");
    }
}

#[test]
fn error_codes_used_by_the_server_are_documented() {
    let doc = committed();
    let codes: BTreeSet<String> = doc["components"]["schemas"]["Error"]["properties"]["code"]
        ["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let sources = std::fs::read_dir(repo_file("crates/platform/src")).unwrap();
    let mut used = BTreeSet::new();
    for entry in sources {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (i, _) in text.match_indices("ApiError::") {
            let rest = &text[i..];
            if let Some(start) = rest.find('"') {
                let after = &rest[start + 1..];
                let end = after.find('"').unwrap();
                let candidate = &after[..end];
                if rest[..start].len() < 60
                    && candidate
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_')
                {
                    used.insert(candidate.to_owned());
                }
            }
        }
    }
    let missing: Vec<_> = used.difference(&codes).collect();
    assert!(missing.is_empty(), "undocumented error codes: {missing:?}");
}

fn example<'a>(doc: &'a Value, path: &str, method: &str, at: &[&str]) -> &'a Value {
    let mut value = &doc["paths"][path][method];
    for key in at {
        value = &value[*key];
    }
    assert!(!value.is_null(), "{method} {path} {at:?}");
    value
}

/// The documented device links, signed changes and pairing proof are real: they verify.
#[tokio::test]
async fn the_device_signed_examples_verify() {
    use consentry_domain::{
        pairing_proof, pairing_receipt, proofs_match, DeviceChain, DeviceLink, Grant, SignedConsent,
    };
    let doc = committed();
    let json = ["content", "application/json", "examples"];
    let chain_at = [
        &["responses", "200"][..],
        &json[..],
        &["two devices", "value", "links"],
    ]
    .concat();
    let links: Vec<DeviceLink> =
        serde_json::from_value(example(&doc, "/v1/devices/chain", "get", &chain_at).clone())
            .unwrap();
    let chain = DeviceChain::verify(&links, &links[0].cardholder_id).unwrap();

    let puts_at = [&["requestBody"][..], &json[..]].concat();
    let puts = example(&doc, "/v1/grants/{grant_id}", "put", &puts_at);
    for (name, put) in puts.as_object().unwrap() {
        let body = &put["value"];
        let signed: SignedConsent = serde_json::from_value(body["signed"].clone()).unwrap();
        signed
            .verify(&chain.keys)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(signed.statement.action.as_str(), body["action"], "{name}");
        assert_eq!(
            signed.statement.base_version,
            body["base_version"].as_u64().unwrap(),
            "{name}"
        );
    }
    // The grant beside a signed change is the state it produced.
    let listed_at = [
        &["responses", "200"][..],
        &json[..],
        &["grants", "value", "grants"],
    ]
    .concat();
    let conflict_at = [
        &["responses", "409"][..],
        &json[..],
        &["stale version", "value", "current"],
    ]
    .concat();
    let listed = &example(&doc, "/v1/grants", "get", &listed_at)[0];
    let current = example(&doc, "/v1/grants/{grant_id}", "put", &conflict_at);
    for item in [listed, current] {
        let (grant, signed) = split_signed(item);
        let grant: Grant = serde_json::from_value(grant).unwrap();
        let signed: SignedConsent = serde_json::from_value(signed).unwrap();
        signed.verify(&chain.keys).unwrap();
        assert!(signed.statement.produced(&grant), "{item}");
    }
    // The pairing proof is the one of the code the example names, and the terms hash is the
    // seeded app_quire terms'.
    let pairing_at = [&["responses", "201"][..], &json[..], &["pending", "value"]].concat();
    let pairing = example(&doc, "/v1/devices/pairings", "post", &pairing_at);
    assert!(proofs_match(
        pairing["proof"].as_str().unwrap(),
        &pairing_proof(
            "K7P2-9XQ4",
            &links[0].cardholder_id,
            pairing["device_id"].as_str().unwrap(),
            pairing["public_key"].as_str().unwrap()
        )
    ));
    // The second link's receipt is the one of the same code, over the chain's root.
    assert!(proofs_match(
        links[1].pairing_receipt.as_deref().unwrap(),
        &pairing_receipt(
            "K7P2-9XQ4",
            &links[0].cardholder_id,
            &links[0].device_id,
            &links[0].public_key,
            &links[1].device_id,
            &links[1].public_key,
        )
    ));
    let p = start().await;
    let w = p.enroll().await;
    let quire = w.terms_hash("app_quire", 3).await;
    assert_eq!(listed["signed"]["statement"]["terms_hash"], quire.to_hex());
}

/// The document's signing keys are a real platform's: one started with `--signing-seed 2013`
/// publishes exactly the `listKeys` examples, and after a rotation exactly the rotated ones
/// (ids, public keys, endorsements).
#[tokio::test]
async fn the_example_keys_are_those_of_a_platform_seeded_2013() {
    let doc = committed();
    let json = ["content", "application/json", "examples"];
    let examples_at = [&["responses", "200"][..], &json[..]].concat();
    let examples = example(&doc, "/v1/keys", "get", &examples_at);
    let p = start_with(consentry_platform::PlatformConfig {
        signing_seed: Some(2013),
        ..config()
    })
    .await;
    let comparable = |keys: &Value| -> Vec<Value> {
        keys.as_array()
            .unwrap()
            .iter()
            .map(|k| {
                json!([
                    k["key_id"],
                    k["public_key"],
                    k["status"],
                    k["endorsement"],
                    k["signs_until"].is_null()
                ])
            })
            .collect()
    };
    let (_, served) = p.get_public("/v1/keys").await;
    assert_eq!(
        comparable(&served["keys"]),
        comparable(&examples["keys"]["value"]["keys"])
    );
    let (status, _) = p
        .admin(Method::POST, "/v1/admin/keys/rotate", json!({}))
        .await;
    assert_eq!(status, 200);
    let (_, rotated) = p.get_public("/v1/keys").await;
    assert_eq!(
        comparable(&rotated["keys"]),
        comparable(&examples["after one rotation"]["value"]["keys"])
    );
}

/// The signing key of a platform seeded 2013 at `position` (0: its first key), derived as the
/// reference platform derives seeded keys.
fn seeded_key(position: u64) -> ed25519_dalek::SigningKey {
    use rand::SeedableRng as _;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2013 + position);
    ed25519_dalek::SigningKey::generate(&mut rng)
}

/// Every signature in the document verifies under the published example keys: each feed
/// delivery (`{id, timestamp, body, signature}`) under a key of the `listKeys` examples, each
/// key endorsement under the key it names; device links and signed changes are checked by
/// `the_device_signed_examples_verify`. No signature is left unchecked.
#[test]
fn every_signed_example_verifies_under_the_example_keys() {
    use consentry_platform::signing;
    let doc = committed();
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    let listed = &doc["paths"]["/v1/keys"]["get"]["responses"]["200"]["content"]
        ["application/json"]["examples"];
    for example in listed.as_object().unwrap().values() {
        for key in example["value"]["keys"].as_array().unwrap() {
            keys.insert(
                key["key_id"].as_str().unwrap().to_owned(),
                key["public_key"].as_str().unwrap().to_owned(),
            );
        }
    }
    assert_eq!(
        keys["key_oppdnjnnfpoccnad"],
        signing::encode_public_key(&seeded_key(0).verifying_key())
    );
    let verifying: Vec<_> = keys
        .values()
        .map(|k| signing::decode_public_key(k).unwrap())
        .collect();
    let (mut deliveries, mut endorsements, mut device_signed, mut total) = (0, 0, 0, 0);
    let mut endorsements_verified = 0;
    let mut stack = vec![&doc];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(signature) = map.get("signature").and_then(Value::as_str) {
                    total += 1;
                    if let (Some(id), Some(timestamp), Some(body)) = (
                        map.get("id").and_then(Value::as_str),
                        map.get("timestamp").and_then(Value::as_i64),
                        map.get("body").and_then(Value::as_str),
                    ) {
                        assert!(
                            signing::verify_any(&verifying, id, timestamp, body, signature),
                            "the delivery {id} does not verify under the example keys; signed by the first example key it is {}",
                            signing::sign(&seeded_key(0), id, timestamp, body)
                        );
                        deliveries += 1;
                    } else if map.contains_key("signed_by") {
                        endorsements += 1;
                    } else if map.contains_key("statement") || map.contains_key("added_by") {
                        device_signed += 1;
                    }
                }
                if let (Some(endorsement), Some(id), Some(public_key)) = (
                    map.get("endorsement").filter(|e| !e.is_null()),
                    map.get("key_id").and_then(Value::as_str),
                    map.get("public_key").and_then(Value::as_str),
                ) {
                    let signer = endorsement["signed_by"].as_str().unwrap();
                    let signer = signing::decode_public_key(&keys[signer]).unwrap();
                    assert!(
                        signing::verify_endorsement(
                            &signer,
                            id,
                            public_key,
                            endorsement["signature"].as_str().unwrap()
                        ),
                        "the endorsement of {id} does not verify"
                    );
                    endorsements_verified += 1;
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    assert!(deliveries >= 1 && endorsements >= 2 && device_signed >= 4);
    assert_eq!(endorsements, endorsements_verified);
    assert_eq!(
        total,
        deliveries + endorsements + device_signed,
        "a signature of an unknown kind"
    );
}
