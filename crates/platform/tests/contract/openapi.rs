use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

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
