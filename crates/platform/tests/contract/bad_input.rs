//! Malformed requests get a 4xx `{code, message}`: never a 5xx, a panic or a hang.

use reqwest::Method;
use serde_json::json;

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
    let result = read(
        p.http
            .post(p.url("/v1/enroll"))
            .json(&huge)
            .send()
            .await
            .unwrap(),
    )
    .await;
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
    assert_error(
        &read(p.http.get(p.url("/v2/cards")).send().await.unwrap()).await,
        404,
        "not_found",
    );
    assert_error(
        &read(p.http.get(p.url("/")).send().await.unwrap()).await,
        404,
        "not_found",
    );
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
    let back = with_admin
        .admin(
            Method::POST,
            "/v1/admin/clock",
            json!({"advance_seconds": -5}),
        )
        .await;
    assert_error(&back, 422, "invalid_clock");
}
