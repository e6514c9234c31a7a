//! What the contract document itself says, read from `docs/platform/openapi.json` as it was
//! when the suite was built: the error codes, and the shape every error body must have.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;

/// The contract this suite checks.
const OPENAPI: &str = include_str!("../../../docs/platform/openapi.json");

/// Request bodies up to this size are accepted (the README: "bodies ≤ 64 KiB").
pub const BODY_LIMIT: usize = 64 * 1024;

/// The documented error codes (`Error.code`'s enum).
pub fn error_codes() -> &'static BTreeSet<String> {
    static CODES: OnceLock<BTreeSet<String>> = OnceLock::new();
    CODES.get_or_init(|| {
        let document: Value = serde_json::from_str(OPENAPI).unwrap_or(Value::Null);
        document["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
            .as_array()
            .map(|codes| {
                codes
                    .iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// How an error answer departs from the documented `Error` (empty: it does not): a 4xx
/// status, a JSON object with a documented `code` and a non-empty `message`, and the optional
/// fields with their documented types. Given the answer's status, `Content-Type` and body.
pub fn error_problems(status: u16, content_type: &str, json: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if status >= 500 {
        problems.push(format!(
            "status {status}: the contract answers bad input with 4xx, never 5xx"
        ));
    }
    if !content_type.starts_with("application/json") {
        problems.push(format!(
            "Content-Type is {content_type:?}, not application/json"
        ));
    }
    let Some(body) = json.as_object() else {
        problems.push("the body is not a JSON object `{code, message}`".to_owned());
        return problems;
    };
    match body.get("code").and_then(Value::as_str) {
        None => problems.push("no string `code`".to_owned()),
        Some(code) if !error_codes().contains(code) => {
            problems.push(format!("`code` {code:?} is not a documented code"));
        }
        Some(_) => {}
    }
    if body
        .get("message")
        .and_then(Value::as_str)
        .is_none_or(|m| m.trim().is_empty())
    {
        problems.push("no non-empty string `message`".to_owned());
    }
    if body.get("field").is_some_and(|f| !f.is_string()) {
        problems.push("`field` is not a string".to_owned());
    }
    if body
        .get("current")
        .is_some_and(|c| !(c.is_object() || c.is_null()))
    {
        problems.push("`current` is neither a grant nor null".to_owned());
    }
    if body
        .get("current_terms_version")
        .is_some_and(|v| v.as_u64().is_none_or(|v| v < 1))
    {
        problems.push("`current_terms_version` is not an integer ≥ 1".to_owned());
    }
    if body.get("transaction").is_some_and(|t| !t.is_object()) {
        problems.push("`transaction` is not a transaction".to_owned());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_codes_are_read_from_the_contract() {
        let codes = error_codes();
        for code in [
            "unauthorized",
            "idempotency_key_reused",
            "version_conflict",
            "payload_too_large",
        ] {
            assert!(codes.contains(code), "{code} missing from {codes:?}");
        }
        assert!(!codes.contains("teapot"));
    }
}
