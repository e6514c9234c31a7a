//! Malformed requests get a 4xx `{code, message}`: never a 5xx, a panic or a hang.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn malformed_requests_get_4xx_with_code_and_message() {
    let p = start().await;
    let w = p.enroll().await;
    let post = |path: &str, body: &str, content_type: Option<&str>| {
        let mut request = w
            .http
            .post(w.url(path))
            .bearer_auth(&w.token)
            .body(body.to_owned());
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        request.send()
    };
    let json_ct = Some("application/json");
    let cases: Vec<(&str, &str, Option<&str>, u16, &str)> = vec![
        ("/v1/cards", "{", json_ct, 400, "invalid_json"),
        ("/v1/cards", "", json_ct, 400, "invalid_json"),
        ("/v1/cards", "[1,2]", json_ct, 422, "invalid_body"),
        ("/v1/cards", "null", json_ct, 422, "invalid_body"),
        (
            "/v1/cards",
            r#"{"number":"4242424242424242"}"#,
            json_ct,
            422,
            "invalid_body",
        ),
        (
            "/v1/cards",
            r#"{"number":"4242424242424242","expiration":{"month":1,"year":2031}}"#,
            None,
            415,
            "unsupported_media_type",
        ),
        (
            "/v1/cards",
            r#"{"number":"4242424242424242","expiration":{"month":1,"year":2031}}"#,
            Some("text/plain"),
            415,
            "unsupported_media_type",
        ),
        (
            "/v1/enroll",
            r#"{"device_name":"x","extra":1}"#,
            json_ct,
            422,
            "invalid_body",
        ),
        ("/v1/enroll", "\u{0}\u{1}", json_ct, 400, "invalid_json"),
        (
            "/v1/data-requests",
            r#"{"app_id":"app_quire","kind":"everything"}"#,
            json_ct,
            422,
            "invalid_body",
        ),
        (
            "/v1/simulate/settle",
            r#"{"transaction_id":7}"#,
            json_ct,
            422,
            "invalid_body",
        ),
    ];
    for (path, body, content_type, status, code) in cases {
        let result = read(post(path, body, content_type).await.unwrap()).await;
        assert_error(&result, status, code);
    }
}

#[tokio::test]
async fn oversized_bodies_unknown_paths_and_methods() {
    let p = start().await;
    let w = p.enroll().await;
    let huge = json!({"device_name": "x".repeat(100_000)});
    let result = p.post_enroll(&huge).await;
    assert_error(&result, 413, "payload_too_large");
    let big_grant = read(
        w.http
            .put(w.url("/v1/grants/g1"))
            .bearer_auth(&w.token)
            .header("idempotency-key", "k")
            .json(&json!({"action": "revoke", "base_version": 0, "pad": "x".repeat(100_000)}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&big_grant, 413, "payload_too_large");
    assert_error(&p.get_public("/v2/cards").await, 404, "not_found");
    assert_error(&p.get_public("/").await, 404, "not_found");
    assert_error(&w.delete("/v1/grants").await, 405, "method_not_allowed");
    let patch = read(
        p.http
            .request(Method::PATCH, p.url("/v1/cards"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&patch, 405, "method_not_allowed");
    let long_key = w
        .put_grant(
            "g1",
            &"k".repeat(300),
            &json!({"action": "revoke", "base_version": 0}),
        )
        .await;
    assert_error(&(long_key.0, long_key.1), 400, "idempotency_key_invalid");
    let long_id = w
        .put_grant(
            &"g".repeat(65),
            "k",
            &json!({"action": "revoke", "base_version": 0}),
        )
        .await;
    assert_error(&(long_id.0, long_id.1), 400, "invalid_identifier");
}

#[tokio::test]
async fn admin_endpoints_without_a_configured_token_are_disabled() {
    let p = start_with(consentry_platform::PlatformConfig::default()).await;
    let result = read(
        p.http
            .post(p.url("/v1/admin/clock"))
            .bearer_auth("guess")
            .json(&json!({"advance_seconds": 1}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&result, 403, "admin_disabled");
    let result = read(
        p.http
            .post(p.url("/v1/admin/keys/rotate"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&result, 401, "unauthorized");
    let with_admin = start().await;
    with_admin
        .admin_refused(
            Method::POST,
            "/v1/admin/clock",
            json!({"advance_seconds": -5}),
            422,
            "invalid_clock",
        )
        .await;
}

/// An integer written with a zero fraction (`1.0`, `12e2`) is an integer, as the document's
/// JSON Schema reads it: accepted wherever the document says integer, and the same request
/// as `1` for idempotency. A fraction (`1.5`), a number beyond 2^53 written with a fraction,
/// and integers outside the field's type are refused with the typed 422.
#[tokio::test]
async fn integers_may_be_written_with_a_zero_fraction_and_nothing_else() {
    let p = start().await;
    let w = p.enroll().await;
    let raw = |method: Method, path: &str, body: String, key: Option<&str>| {
        let mut request = w
            .http
            .request(method, w.url(path))
            .bearer_auth(&w.token)
            .header("content-type", "application/json")
            .body(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        async move {
            let response = request.send().await.unwrap();
            let replayed = response.headers().get("idempotent-replayed").is_some();
            let (status, body) = read(response).await;
            (status, body, replayed)
        }
    };
    // A card linked with `12.0` and `2031.0`.
    let (status, card, _) = raw(
        Method::POST,
        "/v1/cards",
        r#"{"number":"4242424242424242","expiration":{"month":12.0,"year":2031.0}}"#.into(),
        None,
    )
    .await;
    assert_eq!(status, 201, "{card}");
    assert_eq!(card["expiration"], json!({"month": 12, "year": 2031}));
    let token = card["token"].as_str().unwrap().to_owned();
    let purchase = |minor: &str| {
        format!(
            r#"{{"card_token":"{token}","amount":{{"minor":{minor},"currency":"EUR"}},"merchant":"Café Lumen","channel":"nfc","settle_after_ms":60000.0}}"#
        )
    };
    // Accepted, and read as the integer it is.
    for written in ["1234.0", "1.234e3", "123400e-2"] {
        let (status, step, _) = raw(
            Method::POST,
            "/v1/simulate/purchase",
            purchase(written),
            None,
        )
        .await;
        assert_eq!(status, 201, "{written}: {step}");
        assert_eq!(step["transaction"]["amount"]["minor"], 1234, "{written}");
    }
    // `1234` and `1234.0` under one key are one request: the second is a replay.
    let (first, _, replayed) = raw(
        Method::POST,
        "/v1/simulate/purchase",
        purchase("1234"),
        Some("int-forms"),
    )
    .await;
    assert_eq!((first.as_u16(), replayed), (201, false));
    let (again, _, replayed) = raw(
        Method::POST,
        "/v1/simulate/purchase",
        purchase("1234.0"),
        Some("int-forms"),
    )
    .await;
    assert_eq!((again.as_u16(), replayed), (201, true));
    // Refused: a fraction, huge values, a float too large to be exact.
    for written in [
        "1234.5",
        "0.5",
        "1e30",
        "9007199254740993.0",
        "9223372036854775808",
        "-9223372036854775809",
        "1e400",
    ] {
        let (status, body, _) = raw(
            Method::POST,
            "/v1/simulate/purchase",
            purchase(written),
            None,
        )
        .await;
        assert!(
            status == 422 && body["code"] == "invalid_body"
                || status == 400 && body["code"] == "invalid_json",
            "{written}: {status} {body}"
        );
        assert!(body["message"].is_string(), "{written}: {body}");
        assert_eq!(body.as_object().unwrap().len(), 2, "{written}: {body}");
    }
    // A consent change with its versions written `0.0` and `3.0`, statement included.
    let terms = w.terms_version("app_quire").await;
    let change = json!({
        "action": "grant", "base_version": 0, "app_id": "app_quire", "card_token": token,
        "scope": "receipts", "channels": ["card"], "trigger": "authorization",
        "terms_version": terms,
    });
    let mut signed = w.sign_change("g-float", &change).await;
    let as_float = |v: &Value| json!(v.as_u64().unwrap() as f64);
    signed["base_version"] = as_float(&signed["base_version"]);
    signed["terms_version"] = as_float(&signed["terms_version"]);
    let statement = &mut signed["signed"]["statement"];
    statement["base_version"] = as_float(&statement["base_version"]);
    statement["terms_version"] = as_float(&statement["terms_version"]);
    let text = serde_json::to_string(&signed).unwrap();
    assert!(text.contains(r#""base_version":0.0"#), "{text}");
    let (status, grant, _) = raw(Method::PUT, "/v1/grants/g-float", text, Some("g-float")).await;
    assert_eq!(status, 201, "{grant}");
    assert_eq!(grant["version"], 1);
    // `1.5` as a version, and a version beyond u64, are refused before anything is stored.
    for written in ["1.5", "18446744073709551616"] {
        let body = format!(r#"{{"action":"revoke","base_version":{written}}}"#);
        let (status, error, _) = raw(Method::PUT, "/v1/grants/g-float", body, Some(written)).await;
        assert_eq!(
            (status.as_u16(), &error["code"]),
            (422, &json!("invalid_body")),
            "{written}: {error}"
        );
    }
}
