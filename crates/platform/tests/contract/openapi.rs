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
