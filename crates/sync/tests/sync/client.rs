//! The platform client: address policy, typed errors for every way a call can fail, secrets
//! that do not print, and signature checks against the committed Standard Webhooks vectors.

use std::time::Duration;

use chrono::Utc;
use consentry_sync::{
    decode_public_key, parse_platform_url, verify_any, CardholderCredentials, CardholderSecret,
    ClientConfig, DeviceToken, PlatformClient, RetryAfter, SyncError, SyncErrorCode,
};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{one_device, platform, Device};

#[test]
fn addresses_need_https_except_on_this_computer() {
    assert!(parse_platform_url("https://platform.example").is_ok());
    assert!(parse_platform_url("http://127.0.0.1:8787").is_ok());
    assert!(parse_platform_url("http://localhost:8787/").is_ok());
    assert!(parse_platform_url("http://[::1]:8787").is_ok());
    for bad in [
        "http://platform.example",
        "ftp://platform.example",
        "not a url",
        "https://user:pw@platform.example",
        "https://platform.example/?a=b",
    ] {
        let error = parse_platform_url(bad).unwrap_err();
        assert_eq!(error.code(), SyncErrorCode::InvalidInput, "{bad}");
        assert!(!error.is_retryable());
    }
    let url = parse_platform_url("https://platform.example/base").unwrap();
    assert_eq!(url.as_str(), "https://platform.example/base/");
}

#[test]
fn secrets_never_print() {
    let token = DeviceToken::new("cst_supersecret".into());
    let credentials = CardholderCredentials {
        cardholder_id: "ch_1".into(),
        secret: CardholderSecret::new("chs_supersecret".into()),
    };
    let printed = format!("{token:?} {credentials:?}");
    assert!(!printed.contains("supersecret"), "{printed}");
    assert!(printed.contains("<redacted>"));
}

#[test]
fn committed_webhook_vectors_verify() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/platform/webhook-vectors.json"
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 4);
    let mut valid = 0;
    for v in vectors {
        let key = decode_public_key(v["public_key"].as_str().unwrap()).unwrap();
        // A vector naming a cardholder is checked by that cardholder's wallet: the signed body
        // must name it too (the wallet refuses a foreign `cardholder_id` after verifying).
        let bound = v["cardholder_id"].as_str().is_none_or(|cardholder| {
            serde_json::from_str::<Value>(v["body"].as_str().unwrap()).unwrap()["cardholder_id"]
                == cardholder
        });
        let ok = bound
            && verify_any(
                &[key],
                v["id"].as_str().unwrap(),
                v["timestamp"].as_i64().unwrap(),
                v["body"].as_str().unwrap(),
                v["signature"].as_str().unwrap(),
            );
        assert_eq!(ok, v["valid"].as_bool().unwrap(), "{}", v["name"]);
        valid += usize::from(ok);
    }
    assert!(valid > 0 && valid < vectors.len());
}

#[tokio::test]
async fn unreachable_and_refused_tokens_are_typed() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = PlatformClient::new(&format!("http://127.0.0.1:{port}"), ClientConfig::default())
        .unwrap()
        .with_token(DeviceToken::new("cst_nobody".into()));
    let error = client.grants().await.unwrap_err();
    assert!(matches!(error, SyncError::Unreachable(_)), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(error.code(), SyncErrorCode::Unreachable);

    let platform = platform().await;
    let stranger = PlatformClient::new(&platform.url, ClientConfig::default())
        .unwrap()
        .with_token(DeviceToken::new("cst_stolen".into()));
    let error = stranger.grants().await.unwrap_err();
    assert!(matches!(error, SyncError::Unauthorized), "{error:?}");
    assert!(!error.is_retryable());

    let anonymous = PlatformClient::new(&platform.url, ClientConfig::default()).unwrap();
    assert!(matches!(
        anonymous.cards().await,
        Err(SyncError::NotEnrolled)
    ));

    let wrong = CardholderCredentials {
        cardholder_id: "ch_nobody".into(),
        secret: CardholderSecret::new("chs_wrong".into()),
    };
    let error = anonymous.enroll("phone", Some(&wrong)).await.unwrap_err();
    assert!(matches!(error, SyncError::InvalidCredentials), "{error:?}");
    let error = anonymous.enroll("   ", None).await.unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::InvalidInput);
}

#[tokio::test]
async fn slow_platform_times_out_and_500s_are_retryable() {
    let (platform, device, _card) = one_device().await;
    let token = device.enrollment().await.token;
    let impatient = PlatformClient::new(
        &platform.url,
        ClientConfig {
            request_timeout: Duration::from_millis(300),
            ..ClientConfig::default()
        },
    )
    .unwrap()
    .with_token(token.clone());
    platform.faults(json!({"latency_ms": 1500})).await;
    let error = impatient.cards().await.unwrap_err();
    assert!(matches!(error, SyncError::Timeout), "{error:?}");
    assert!(error.is_retryable());
    platform.faults(json!({"error_rate": 1.0})).await;
    let error = impatient.apps().await.unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::PlatformUnavailable);
    assert_eq!(error.platform_code(), Some("injected_fault"));
    assert!(error.is_retryable());
    platform.no_faults().await;
    assert_eq!(impatient.cards().await.unwrap().len(), 1);
}

/// A one-shot HTTP server answering every request with `response` (raw bytes).
async fn raw_server(response: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let _ = socket.write_all(&response).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

fn http(status: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The HTTPS rule holds across redirects: a platform on this computer may redirect to another
/// loopback address, never to plain `http://` elsewhere (the bearer token would cross the
/// network in clear text).
#[tokio::test]
async fn redirects_follow_the_https_rule() {
    let token = DeviceToken::new("cst_x".into());
    let cards = raw_server(http("200 OK", "", r#"{"cards": []}"#)).await;
    let to_loopback = raw_server(http(
        "307 Temporary Redirect",
        &format!("location: {cards}/v1/cards\r\n"),
        "",
    ))
    .await;
    let client = PlatformClient::new(&to_loopback, ClientConfig::default())
        .unwrap()
        .with_token(token.clone());
    assert!(client.cards().await.unwrap().is_empty());
    for target in [
        "http://platform.example/v1/cards",
        "http://192.0.2.1/v1/cards",
    ] {
        let away = raw_server(http(
            "307 Temporary Redirect",
            &format!("location: {target}\r\n"),
            "",
        ))
        .await;
        let client = PlatformClient::new(&away, ClientConfig::default())
            .unwrap()
            .with_token(token.clone());
        let error = client.cards().await.unwrap_err();
        assert!(
            matches!(&error, SyncError::Unreachable(m) if m.contains("refused a redirect to http://")),
            "{target}: {error:?}"
        );
    }
}

#[tokio::test]
async fn off_contract_answers_are_bad_responses_never_panics() {
    let token = DeviceToken::new("cst_x".into());
    let cases: Vec<(Vec<u8>, SyncErrorCode)> = vec![
        (
            http("200 OK", "", "this is not json"),
            SyncErrorCode::BadResponse,
        ),
        (
            http("200 OK", "", r#"{"grants": [{"id": 3}]}"#),
            SyncErrorCode::BadResponse,
        ),
        (
            http(
                "200 OK",
                "",
                r#"{"events": [], "next_cursor": "x", "has_more": false}"#,
            ),
            SyncErrorCode::BadResponse,
        ),
        (
            http("418 I'm a teapot", "", "<html>"),
            SyncErrorCode::Rejected,
        ),
        (
            b"HTTP/1.1 200 OK\r\ncontent-length: 999999999\r\n\r\n{".to_vec(),
            SyncErrorCode::BadResponse,
        ),
        (b"garbage\r\n\r\n".to_vec(), SyncErrorCode::Unreachable),
    ];
    for (answer, code) in cases {
        let url = raw_server(answer).await;
        let client = PlatformClient::new(&url, ClientConfig::default())
            .unwrap()
            .with_token(token.clone());
        let grants = client.grants().await.map(|_| ());
        let feed = client.events(0, 10, Duration::ZERO).await.map(|_| ());
        let error = grants.err().or(feed.err()).expect("an error");
        assert!(
            error.code() == code || error.code() == SyncErrorCode::BadResponse,
            "{code:?}: {error:?}"
        );
    }
    let url = raw_server(http(
        "503 Service Unavailable",
        "retry-after: 7\r\n",
        r#"{"code":"maintenance","message":"back soon"}"#,
    ))
    .await;
    let client = PlatformClient::new(&url, ClientConfig::default())
        .unwrap()
        .with_token(token);
    let error = client.cards().await.unwrap_err();
    assert_eq!(
        error.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(7)))
    );
    assert_eq!(error.platform_code(), Some("maintenance"));
    assert!(error.is_retryable());
    let now = Utc::now();
    assert_eq!(
        RetryAfter::Delay(Duration::from_secs(7)).not_before(now),
        now + chrono::Duration::seconds(7)
    );
}

#[tokio::test]
async fn enrollment_is_kept_in_the_wallet_and_survives_a_restart() {
    let platform = platform().await;
    let mut device = Device::new("laptop").await;
    assert!(!device.syncer.status().enrolled);
    let error = device.syncer.sync_once(Utc::now()).await.unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::NotEnrolled);
    let enrollment = device.enroll(&platform, None).await;
    assert!(enrollment.credentials().is_some());
    assert!(!format!("{enrollment:?}").contains(enrollment.token.expose_secret()));
    let summary = enrollment.summary();
    assert!(summary.can_add_devices && !summary.signing_key_ids.is_empty());
    device.restart().await;
    assert_eq!(device.enrollment().await, enrollment);
    assert!(device.syncer.status().enrolled);
    // A second device of the same cardholder sees the same cards.
    device.link_card().await;
    let phone = Device::new("phone").await;
    phone.enroll(&platform, enrollment.credentials()).await;
    let cards = phone.syncer.client().await.unwrap().cards().await.unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].last4, "4242");
}
