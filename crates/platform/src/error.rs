//! Errors: [`PlatformError`] for starting and running the server, [`ApiError`] for the
//! `{code, message}` body every failed request gets.
//!
//! Messages of 4xx errors are written for the client and are never logged: a rejected body
//! may contain a card number. Messages that quote the request (serde's, say) have any card
//! number masked all the same. 5xx causes are logged, and the client only sees "internal".

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use consentry_domain::redact_card_numbers;
use serde_json::{Map, Value};

/// Why the platform could not start or stopped unexpectedly.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot prepare the data directory {path}: {source}")]
    DataDirectory {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("the HTTP server failed: {0}")]
    Serve(std::io::Error),
    #[error("the server task ended abnormally: {0}")]
    Task(String),
}

/// A failed request: HTTP status, a stable machine `code`, a human `message`, and
/// optionally extra fields (e.g. `current` on a version conflict).
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub extra: Map<String, Value>,
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        let message: String = message.into();
        let message = match redact_card_numbers(&message) {
            std::borrow::Cow::Borrowed(_) => message,
            std::borrow::Cow::Owned(masked) => masked,
        };
        ApiError {
            status,
            code,
            message,
            extra: Map::new(),
        }
    }

    /// Adds a field next to `code` and `message`.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// A failure of ours. The cause is logged here; the client gets no detail.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the platform failed to handle this request; it is safe to retry",
        )
    }

    /// The JSON body: `{"code": ..., "message": ..., ...extra}`.
    pub fn body(&self) -> Value {
        let mut body = self.extra.clone();
        body.insert("code".into(), Value::from(self.code));
        body.insert("message".into(), Value::from(self.message.clone()));
        Value::Object(body)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Unknown path.
pub async fn route_not_found() -> ApiError {
    ApiError::not_found("not_found", "no such endpoint; see /openapi.json")
}

/// Known path, wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept that method; see /openapi.json",
    )
}

/// A handler panicked (a bug): answer 500 `{code, message}` instead of dropping the connection.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a request handler panicked").into_response()
}
