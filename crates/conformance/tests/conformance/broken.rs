//! Deliberately broken platforms: a proxy in front of the reference platform that breaks one
//! rule of the contract, and a stub that fails every request. The same proxy, breaking
//! nothing, spreads requests over several instances of one platform.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;
use tokio::net::TcpListener;

/// Which rule the proxy breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakage {
    /// Every 4xx answer becomes a plain-text 500.
    ErrorsAs500,
    /// Deliveries carry a signature that verifies nothing.
    BadSignatures,
    /// Every request gets a fresh `Idempotency-Key` (one is added when missing): retries are
    /// new requests.
    ForgetsIdempotencyKeys,
    /// `wait` is dropped from feed requests: no long-poll.
    NoLongPoll,
    /// Deliveries keep only their first signature: a retired key does not co-sign during the
    /// rotation's overlap.
    SingleSignature,
}

struct Proxy {
    /// Each request goes to the next one, in turn.
    upstreams: Vec<String>,
    next: AtomicUsize,
    breakage: Option<Breakage>,
    http: reqwest::Client,
}

/// A server on a loopback port answering with `app`; its base URL. It runs until the test's
/// runtime ends.
async fn serve(app: Router) -> String {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// The reference platform at `upstream`, behind a proxy that breaks `breakage`.
pub async fn proxy(upstream: &str, breakage: Breakage) -> String {
    start_proxy(vec![upstream.to_owned()], Some(breakage)).await
}

/// Instances of one platform behind a proxy that sends each request to the next instance in
/// turn and breaks nothing.
pub async fn spread(upstreams: &[String]) -> String {
    start_proxy(upstreams.to_vec(), None).await
}

async fn start_proxy(upstreams: Vec<String>, breakage: Option<Breakage>) -> String {
    let state = Arc::new(Proxy {
        upstreams,
        next: AtomicUsize::new(0),
        breakage,
        http: reqwest::Client::new(),
    });
    serve(Router::new().fallback(forward).with_state(state)).await
}

/// A platform that answers every request with 500 `internal`.
pub async fn always_500() -> String {
    serve(Router::new().fallback(|| async {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "application/json")],
            r#"{"code":"internal","message":"everything is broken"}"#,
        )
    }))
    .await
}

const BOGUS_SIGNATURE: [u8; 64] = [7; 64];

fn bogus_signature() -> String {
    format!("v1a,{}", STANDARD.encode(BOGUS_SIGNATURE))
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path().to_owned();
    let mut query = parts.uri.query().unwrap_or_default().to_owned();
    if proxy.breakage == Some(Breakage::NoLongPoll) && path == "/v1/events" {
        query = query
            .split('&')
            .filter(|pair| !pair.starts_with("wait="))
            .collect::<Vec<_>>()
            .join("&");
    }
    let turn = proxy.next.fetch_add(1, Ordering::Relaxed) % proxy.upstreams.len();
    let upstream = &proxy.upstreams[turn];
    let url = if query.is_empty() {
        format!("{upstream}{path}")
    } else {
        format!("{upstream}{path}?{query}")
    };
    let mut outgoing = proxy.http.request(parts.method.clone(), url);
    for (name, value) in &parts.headers {
        if name == "host" || name == "content-length" {
            continue;
        }
        if proxy.breakage == Some(Breakage::ForgetsIdempotencyKeys) && name == "idempotency-key" {
            continue;
        }
        outgoing = outgoing.header(name, value);
    }
    if proxy.breakage == Some(Breakage::ForgetsIdempotencyKeys) && parts.method != "GET" {
        outgoing = outgoing.header("idempotency-key", uuid::Uuid::new_v4().to_string());
    }
    let Ok(answer) = outgoing.body(body).send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let mut headers = answer.headers().clone();
    let Ok(bytes) = answer.bytes().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    if proxy.breakage == Some(Breakage::ErrorsAs500) && status.is_client_error() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }
    let mut bytes = bytes.to_vec();
    if proxy.breakage == Some(Breakage::BadSignatures) {
        if path == "/v1/events" {
            if let Ok(mut page) = serde_json::from_slice::<Value>(&bytes) {
                for item in page["events"].as_array_mut().into_iter().flatten() {
                    item["signature"] = Value::from(bogus_signature());
                }
                bytes = serde_json::to_vec(&page).unwrap_or_default();
            }
        } else if headers.contains_key("webhook-signature") {
            if let Ok(value) = HeaderValue::from_str(&bogus_signature()) {
                headers.insert(HeaderName::from_static("webhook-signature"), value);
            }
        }
    }
    if proxy.breakage == Some(Breakage::SingleSignature) {
        let first = |signatures: &str| signatures.split(' ').next().unwrap_or_default().to_owned();
        if path == "/v1/events" {
            if let Ok(mut page) = serde_json::from_slice::<Value>(&bytes) {
                for item in page["events"].as_array_mut().into_iter().flatten() {
                    let kept = first(item["signature"].as_str().unwrap_or_default());
                    item["signature"] = Value::from(kept);
                }
                bytes = serde_json::to_vec(&page).unwrap_or_default();
            }
        } else if let Some(signatures) = headers.get("webhook-signature") {
            let kept = first(signatures.to_str().unwrap_or_default());
            if let Ok(value) = HeaderValue::from_str(&kept) {
                headers.insert(HeaderName::from_static("webhook-signature"), value);
            }
        }
    }
    headers.remove("content-length");
    headers.remove("transfer-encoding");
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}
