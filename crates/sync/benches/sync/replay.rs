//! The platform's feed pages, fetched once and then served again from memory, so that a pull
//! can be timed without the platform serving and signing on the same cores (on a real
//! deployment the platform is another machine). Every other request goes to the platform.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use super::Result;

struct Replay {
    upstream: String,
    /// `after` cursor → the page's body, exactly as the platform sent it.
    pages: BTreeMap<String, Vec<u8>>,
    http: reqwest::Client,
}

/// Fetches every page of the feed (`limit=500`, as the wallet asks) with `token` and serves
/// them again, in front of `upstream`; returns the server's base URL and the page count.
pub async fn record_and_serve(upstream: &str, token: &str) -> Result<(String, usize)> {
    let http = reqwest::Client::new();
    let mut pages = BTreeMap::new();
    let mut after = String::from("0");
    loop {
        let body = http
            .get(format!("{upstream}/v1/events?after={after}&limit=500"))
            .bearer_auth(token)
            .timeout(Duration::from_secs(60))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?
            .to_vec();
        let page: serde_json::Value = serde_json::from_slice(&body)?;
        let next = page["next_cursor"].as_str().unwrap_or_default().to_owned();
        let more = page["has_more"] == true;
        pages.insert(after, body);
        if !more {
            break;
        }
        after = next;
    }
    let count = pages.len();
    let state = Arc::new(Replay {
        upstream: upstream.to_owned(),
        pages,
        http,
    });
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let app = Router::new().fallback(serve).with_state(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}"), count))
}

async fn serve(State(replay): State<Arc<Replay>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let query = parts.uri.query().unwrap_or_default();
    if parts.uri.path() == "/v1/events" {
        let after = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("after="))
            .filter(|a| !a.is_empty())
            .unwrap_or("0");
        if let Some(page) = replay.pages.get(after) {
            return ([(header::CONTENT_TYPE, "application/json")], page.clone()).into_response();
        }
    }
    let Ok(body) = to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let url = if query.is_empty() {
        format!("{}{}", replay.upstream, parts.uri.path())
    } else {
        format!("{}{}?{query}", replay.upstream, parts.uri.path())
    };
    let mut outgoing = replay.http.request(parts.method, url).body(body);
    for (name, value) in &parts.headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            outgoing = outgoing.header(name, value);
        }
    }
    let Ok(answer) = outgoing.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let mut headers = answer.headers().clone();
    let Ok(bytes) = answer.bytes().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::TRANSFER_ENCODING);
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}
