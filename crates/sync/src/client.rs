//! The HTTP plumbing of [`PlatformClient`]: which addresses are allowed, timeouts, a cap on
//! response size, and turning every failure into a typed [`SyncError`] (never a panic).
//! The endpoints themselves are in `platform_api.rs`.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, ACCEPT_LANGUAGE, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{RetryAfter, SyncError};
use crate::languages::Languages;
use crate::secret::DeviceToken;
use crate::wire::ErrorBody;

/// Timeouts and limits of the HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Connecting (TCP + TLS).
    pub connect_timeout: Duration,
    /// A whole ordinary request; long-polls get their wait on top.
    pub request_timeout: Duration,
    /// Largest response body read; a larger one is a `bad_response`.
    pub max_response_bytes: usize,
    /// The `Accept-Language` of every request (none until a language is chosen).
    pub languages: Languages,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            max_response_bytes: 16 * 1024 * 1024,
            languages: Languages::default(),
        }
    }
}

/// A client of one platform, optionally authenticated as one device. Cheap to clone.
#[derive(Clone)]
pub struct PlatformClient {
    pub(crate) http: reqwest::Client,
    base: Url,
    pub(crate) token: Option<DeviceToken>,
    pub(crate) config: ClientConfig,
}

impl std::fmt::Debug for PlatformClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformClient")
            .field("base", &self.base.as_str())
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// A response read in full: status, headers, body.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON of type `T`, or a `bad_response`.
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, SyncError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| SyncError::bad_response(format!("unreadable {what}: {e}")))
    }
}

/// Checks and normalises a platform address: `https://…`, or `http://` on a loopback
/// address only (a bearer token never crosses a network in clear text).
pub fn parse_platform_url(text: &str) -> Result<Url, SyncError> {
    let mut url = Url::parse(text.trim()).map_err(|e| SyncError::InvalidUrl(e.to_string()))?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(SyncError::InvalidUrl(
            "the address must not carry a query, a fragment or credentials".into(),
        ));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => return Err(SyncError::InvalidUrl("the address has no host".into())),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(SyncError::InvalidUrl(
                "use https:// (plain http:// is only allowed on this computer)".into(),
            ))
        }
        other => return Err(SyncError::InvalidUrl(format!("unsupported scheme {other}"))),
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Redirects are followed (five at most) only to an address [`parse_platform_url`] accepts:
/// a platform cannot send the bearer token to a plain `http://` address off this computer.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let refused = match parse_platform_url(attempt.url().as_str()) {
            Ok(_) if attempt.previous().len() < 5 => None,
            Ok(_) => Some("too many redirects".to_owned()),
            Err(e) => Some(format!("refused a redirect to {}: {e}", attempt.url())),
        };
        match refused {
            None => attempt.follow(),
            Some(reason) => attempt.error(reason),
        }
    })
}

impl PlatformClient {
    /// A client for the platform at `base_url` (not authenticated yet).
    pub fn new(base_url: &str, config: ClientConfig) -> Result<Self, SyncError> {
        let base = parse_platform_url(base_url)?;
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("consentry-sync/", env!("CARGO_PKG_VERSION")))
            .redirect(redirect_policy())
            .build()
            .map_err(|e| SyncError::Internal(format!("cannot build the HTTP client: {e}")))?;
        Ok(PlatformClient {
            http,
            base,
            token: None,
            config,
        })
    }

    /// The same client, authenticated as the device owning `token`.
    pub fn with_token(mut self, token: DeviceToken) -> Self {
        self.token = Some(token);
        self
    }

    /// The normalised platform address (with a trailing slash).
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// `base` + `path` (relative, no leading slash) + extra path segments (escaped).
    pub(crate) fn url(&self, path: &str, segments: &[&str]) -> Result<Url, SyncError> {
        let mut url = self
            .base
            .join(path)
            .map_err(|e| SyncError::Internal(e.to_string()))?;
        if !segments.is_empty() {
            let mut parts = url
                .path_segments_mut()
                .map_err(|()| SyncError::Internal("the platform URL cannot have a path".into()))?;
            for segment in segments {
                parts.push(segment);
            }
        }
        Ok(url)
    }

    pub(crate) fn authed(&self, request: RequestBuilder) -> Result<RequestBuilder, SyncError> {
        let token = self.token.as_ref().ok_or(SyncError::NotEnrolled)?;
        Ok(request.bearer_auth(token.expose_secret()))
    }

    /// Sends `request` (with the cardholder's `Accept-Language`) and reads the whole answer
    /// (at most `max_response_bytes`).
    pub(crate) async fn call(
        &self,
        request: RequestBuilder,
        timeout: Option<Duration>,
    ) -> Result<Answer, SyncError> {
        let request = match timeout {
            Some(t) => request.timeout(t),
            None => request,
        };
        let request = match self.config.languages.header() {
            Some(languages) => request.header(ACCEPT_LANGUAGE, languages),
            None => request,
        };
        let mut response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let limit = self.config.max_response_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(SyncError::bad_response(format!(
                "the answer is larger than {limit} bytes"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > limit {
                return Err(SyncError::bad_response(format!(
                    "the answer is larger than {limit} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// Attempts of a request that creates something, all under one `Idempotency-Key`.
pub(crate) const CREATE_ATTEMPTS: u32 = 3;
/// Pause before the second attempt, doubled before each later one.
const CREATE_RETRY_PAUSE: Duration = Duration::from_millis(200);

impl PlatformClient {
    /// Sends a request that creates something (a card link, an enrollment) under a new
    /// `Idempotency-Key`, and sends it again under the same key when its answer may have been
    /// lost — no answer, a timeout, a 5xx without `Retry-After` — at most
    /// [`CREATE_ATTEMPTS`] times. The platform then answers a retry with the first
    /// request's answer instead of creating a second card or cardholder. `build` makes the
    /// request afresh for each attempt (same method, URL and body).
    pub(crate) async fn call_to_create(
        &self,
        build: impl Fn() -> Result<RequestBuilder, SyncError>,
    ) -> Result<Answer, SyncError> {
        let key = uuid::Uuid::new_v4().to_string();
        let mut pause = CREATE_RETRY_PAUSE;
        let mut attempt = 1;
        loop {
            let outcome = self
                .call(build()?.header("Idempotency-Key", key.as_str()), None)
                .await;
            let lost = match &outcome {
                Err(SyncError::Unreachable(_) | SyncError::Timeout) => true,
                Ok(answer) => {
                    answer.status.is_server_error() && !answer.headers.contains_key(RETRY_AFTER)
                }
                Err(_) => false,
            };
            if !lost || attempt >= CREATE_ATTEMPTS {
                return outcome;
            }
            tokio::time::sleep(pause).await;
            pause = pause.saturating_mul(2);
            attempt += 1;
        }
    }
}

/// A transport failure, typed.
pub(crate) fn transport_error(error: reqwest::Error) -> SyncError {
    if error.is_timeout() {
        SyncError::Timeout
    } else if error.is_builder() {
        SyncError::Internal(format!("cannot build the request: {error}"))
    } else {
        // Connect, reset, a connection dropped before the status line or mid-body.
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        SyncError::Unreachable(message)
    }
}

/// Reads `Retry-After`: delta-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<RetryAfter> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        // A day at most: a hostile or broken header must not park the wallet for years.
        return Some(RetryAfter::Delay(Duration::from_secs(seconds.min(86_400))));
    }
    DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|at| RetryAfter::At(at.with_timezone(&Utc)))
}

/// The typed error for a non-success answer.
pub(crate) fn error_from(answer: &Answer) -> SyncError {
    let status = answer.status.as_u16();
    let body: Option<ErrorBody> = serde_json::from_slice(&answer.body).ok();
    let (code, message) = match body {
        Some(b) => (b.code, b.message),
        None => (
            "unknown".to_owned(),
            answer
                .status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_owned(),
        ),
    };
    match (status, code.as_str()) {
        (401, "invalid_credentials") => SyncError::InvalidCredentials,
        (401, _) => SyncError::Unauthorized,
        _ => SyncError::Platform {
            status,
            code,
            message: truncate(&message, 300),
            retry_after: retry_after(&answer.headers),
        },
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
