//! A hostile network between the wallet and the real platform: a forwarding proxy that can
//! answer `503 Retry-After`, and forge, tamper with or inject feed deliveries — what the
//! platform's own fault injection cannot do (it never lies about bodies).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::Utc;
use ed25519_dalek::{Signer as _, SigningKey};
use rand::rngs::StdRng;
use rand::SeedableRng as _;
use serde_json::{json, Value};

use crate::support::SEED;

/// What to do to the next non-empty feed page.
#[derive(Debug, Clone)]
pub enum Tamper {
    /// Add a delivery with this body, signed by a key the platform never published.
    Forge(String),
    /// Change the body of the first delivery of this event type, keeping its signature.
    AlterFirst(&'static str),
    /// Add a delivery with this body, validly signed with the platform's own key.
    Inject(String),
    /// Add a delivery with this body, signed with the platform's own key but stamped this
    /// many seconds in the past (what a replayed capture looks like).
    InjectStale(String, i64),
    /// Add a delivery with this body signed by the key with this 32-byte seed.
    SignedWith([u8; 32], String),
    /// Add this raw JSON as a delivery (e.g. with a field of the wrong type).
    Raw(Value),
}

#[derive(Debug, Default)]
pub struct Hostility {
    /// Answer the next N `PUT /v1/grants/…` with 503 (or `put_refusal_status`) and
    /// `Retry-After`.
    pub put_unavailable: u32,
    pub retry_after_secs: u64,
    /// The status of those answers instead of 503 (429: rate limited).
    pub put_refusal_status: Option<u16>,
    /// Applied together to the next feed page that has deliveries.
    pub next_page: VecDeque<Tamper>,
    /// `PUT /v1/grants/…` requests that reached the proxy.
    pub puts: u32,
    /// Events whose delivery is padded past any sane size, in every page that holds them.
    pub oversize_ids: Vec<String>,
    /// Keys added to every `GET /v1/keys` answer.
    pub extra_keys: Vec<Value>,
    /// `GET /v1/keys` requests that reached the proxy.
    pub keys_fetches: u32,
    /// Cards added to every `GET /v1/cards` answer.
    pub extra_cards: Vec<Value>,
    /// Held this long before every `GET /v1/events` is forwarded (a slow feed).
    pub feed_delay: Option<std::time::Duration>,
    /// Served instead of the real answer to every `GET /v1/devices/chain`.
    pub chain: Option<Value>,
    /// The body of the last `POST /v1/devices/pairings` that went through.
    pub pairing_request: Option<Value>,
    /// Forward the next N `POST`s, then lose their answers: the connection drops before the
    /// status line, after the platform did the work.
    pub lose_answers: u32,
    /// Every `POST` that reached the proxy: its path and `Idempotency-Key`.
    pub posts: Vec<(String, Option<String>)>,
}

pub struct Proxy {
    pub url: String,
    pub hostility: Arc<Mutex<Hostility>>,
}

struct ProxyState {
    target: String,
    http: reqwest::Client,
    hostility: Arc<Mutex<Hostility>>,
}

/// The platform's active signing key: the platform derives it from `signing_seed` + 0.
pub fn platform_key() -> SigningKey {
    SigningKey::generate(&mut StdRng::seed_from_u64(SEED))
}

pub fn sign(key: &SigningKey, id: &str, timestamp: i64, body: &str) -> String {
    let signature = key.sign(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1a,{}", STANDARD.encode(signature.to_bytes()))
}

pub async fn start(target: &str) -> Proxy {
    let hostility = Arc::new(Mutex::new(Hostility::default()));
    let state = Arc::new(ProxyState {
        target: target.trim_end_matches('/').to_owned(),
        http: reqwest::Client::new(),
        hostility: hostility.clone(),
    });
    let app = axum::Router::new().fallback(forward).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Proxy { url, hostility }
}

fn item_for(body: &str, key: &SigningKey, cursor: &str) -> Value {
    item_at(body, key, cursor, 0)
}

fn item_at(body: &str, key: &SigningKey, cursor: &str, age_seconds: i64) -> Value {
    let event: Value = serde_json::from_str(body).unwrap_or(json!({}));
    let id = event["id"].as_str().unwrap_or("evt_unreadable").to_owned();
    let timestamp = Utc::now().timestamp() - age_seconds;
    json!({"id": id, "cursor": cursor, "timestamp": timestamp, "body": body,
           "signature": sign(key, &id, timestamp, body)})
}

fn tamper(page: &mut Value, script: Vec<Tamper>) {
    let Some(items) = page["events"].as_array_mut() else {
        return;
    };
    let cursor = items
        .last()
        .and_then(|i| i["cursor"].as_str())
        .unwrap_or("0")
        .to_owned();
    // Injected bodies name the page's cardholder, as the platform's own do, unless they
    // name one themselves.
    let cardholder = items
        .first()
        .and_then(|i| serde_json::from_str::<Value>(i["body"].as_str()?).ok())
        .and_then(|b| b["cardholder_id"].as_str().map(str::to_owned));
    let bind = |body: String| -> String {
        match (serde_json::from_str::<Value>(&body), &cardholder) {
            (Ok(Value::Object(mut event)), Some(id)) if !event.contains_key("cardholder_id") => {
                event.insert("cardholder_id".into(), Value::String(id.clone()));
                Value::Object(event).to_string()
            }
            _ => body,
        }
    };
    for t in script {
        match t {
            Tamper::Forge(body) => {
                items.push(item_for(
                    &bind(body),
                    &SigningKey::from_bytes(&[9u8; 32]),
                    &cursor,
                ));
            }
            Tamper::Inject(body) => items.push(item_for(&bind(body), &platform_key(), &cursor)),
            Tamper::InjectStale(body, age) => {
                items.push(item_at(&bind(body), &platform_key(), &cursor, age));
            }
            Tamper::SignedWith(seed, body) => {
                items.push(item_for(
                    &bind(body),
                    &SigningKey::from_bytes(&seed),
                    &cursor,
                ));
            }
            Tamper::Raw(item) => items.push(item),
            Tamper::AlterFirst(kind) => {
                let found = items.iter_mut().find(|i| {
                    serde_json::from_str::<Value>(i["body"].as_str().unwrap_or("{}"))
                        .is_ok_and(|b| b["type"] == kind)
                });
                if let Some(item) = found {
                    let body = item["body"].as_str().unwrap_or_default().to_owned();
                    // Same length, one digit different: what a bit flip on the way does.
                    let altered = body.replacen("\"minor\":", "\"minor\":9", 1);
                    item["body"] = Value::String(altered);
                }
            }
        }
    }
}

async fn forward(State(state): State<Arc<ProxyState>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), 1 << 24)
        .await
        .unwrap_or_default();
    if method == axum::http::Method::PUT && path.starts_with("/v1/grants/") {
        let mut h = state.hostility.lock().unwrap();
        h.puts += 1;
        if h.put_unavailable > 0 {
            h.put_unavailable -= 1;
            let mut response = match h.put_refusal_status {
                Some(429) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    r#"{"code":"rate_limited","message":"too many requests"}"#,
                )
                    .into_response(),
                _ => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    r#"{"code":"maintenance","message":"back soon"}"#,
                )
                    .into_response(),
            };
            response.headers_mut().insert(
                "retry-after",
                HeaderValue::from_str(&h.retry_after_secs.to_string()).unwrap(),
            );
            return response;
        }
    }
    let mut lose_answer = false;
    if method == axum::http::Method::POST {
        let mut h = state.hostility.lock().unwrap();
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        h.posts.push((path.clone(), key));
        if h.lose_answers > 0 {
            h.lose_answers -= 1;
            lose_answer = true;
        }
    }
    if method == axum::http::Method::POST && path == "/v1/devices/pairings" {
        state.hostility.lock().unwrap().pairing_request = serde_json::from_slice(&body).ok();
    }
    if path == "/v1/events" {
        let delay = state.hostility.lock().unwrap().feed_delay;
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
    }
    if method == axum::http::Method::GET && path == "/v1/devices/chain" {
        if let Some(chain) = state.hostility.lock().unwrap().chain.clone() {
            return (StatusCode::OK, axum::Json(chain)).into_response();
        }
    }
    let mut outgoing = state.http.request(
        reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(),
        format!("{}{path_and_query}", state.target),
    );
    for name in ["authorization", "idempotency-key", "content-type"] {
        if let Some(value) = headers.get(name) {
            outgoing = outgoing.header(name, value.as_bytes());
        }
    }
    let Ok(answer) = outgoing.body(body).send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
    if lose_answer {
        let _ = answer.bytes().await;
        return Response::new(Body::new(LostAnswer));
    }
    let mut out_headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        if matches!(
            name.as_str(),
            "content-type" | "idempotent-replayed" | "retry-after"
        ) || name.as_str().starts_with("webhook-")
        {
            out_headers.insert(
                axum::http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                HeaderValue::from_bytes(value.as_bytes()).unwrap(),
            );
        }
    }
    let mut bytes: Bytes = answer.bytes().await.unwrap_or_default();
    if path == "/v1/keys" {
        state.hostility.lock().unwrap().keys_fetches += 1;
    }
    if path == "/v1/keys" && status == StatusCode::OK {
        let extra = state.hostility.lock().unwrap().extra_keys.clone();
        if let (false, Ok(mut list)) = (extra.is_empty(), serde_json::from_slice::<Value>(&bytes)) {
            if let Some(keys) = list["keys"].as_array_mut() {
                keys.extend(extra);
            }
            bytes = Bytes::from(list.to_string());
        }
    }
    if path == "/v1/cards" && method == axum::http::Method::GET && status == StatusCode::OK {
        let extra = state.hostility.lock().unwrap().extra_cards.clone();
        if let (false, Ok(mut list)) = (extra.is_empty(), serde_json::from_slice::<Value>(&bytes)) {
            if let Some(cards) = list["cards"].as_array_mut() {
                cards.extend(extra);
            }
            bytes = Bytes::from(list.to_string());
        }
    }
    if path == "/v1/events" && status == StatusCode::OK {
        let oversize = state.hostility.lock().unwrap().oversize_ids.clone();
        if let (false, Ok(mut page)) =
            (oversize.is_empty(), serde_json::from_slice::<Value>(&bytes))
        {
            for item in page["events"].as_array_mut().into_iter().flatten() {
                if oversize.iter().any(|id| item["id"] == id.as_str()) {
                    item["body"] = Value::String("x".repeat(256 * 1024));
                }
            }
            bytes = Bytes::from(page.to_string());
        }
        if let Ok(mut page) = serde_json::from_slice::<Value>(&bytes) {
            let has_items = page["events"].as_array().is_some_and(|a| !a.is_empty());
            let script: Vec<Tamper> = if has_items {
                state
                    .hostility
                    .lock()
                    .unwrap()
                    .next_page
                    .drain(..)
                    .collect()
            } else {
                Vec::new()
            };
            if !script.is_empty() {
                tamper(&mut page, script);
                bytes = Bytes::from(page.to_string());
            }
        }
    }
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = out_headers;
    response
}

/// A response body that fails before its first byte: hyper closes the connection without a
/// status line, as if the network had dropped the answer.
struct LostAnswer;

impl http_body::Body for LostAnswer {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "the answer was lost on the way",
        ))))
    }
}

/// A purchase on `card` (so the next feed page has deliveries), `tampers` applied to that
/// page, and passes until `device` has settled.
pub async fn deliver(
    platform: &crate::support::Platform,
    proxy: &Proxy,
    device: &crate::support::Device,
    card: &str,
    minor: i64,
    tampers: impl IntoIterator<Item = Tamper>,
) {
    platform.purchase(device, card, minor, "card").await;
    proxy.hostility.lock().unwrap().next_page.extend(tampers);
    device.settle(3).await;
}
