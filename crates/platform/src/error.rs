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
use consentry_wire::{ErrorBody, Transaction};
use serde_json::Value;

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

/// A failed request: HTTP status, a stable machine `code`, a human `message`, and the fields
/// a few codes add (e.g. `current` on a version conflict), as in [`ErrorBody`].
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    current: Option<Option<Value>>,
    current_terms_version: Option<u32>,
    transaction: Option<Box<Transaction>>,
    field: Option<String>,
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
            current: None,
            current_terms_version: None,
            transaction: None,
            field: None,
        }
    }

    /// `current`: the grant as it is now, with its signed change; `None` writes `null` (no grant).
    pub fn with_current(mut self, current: Option<Value>) -> Self {
        self.current = Some(current);
        self
    }

    /// `current_terms_version`: the app's current terms version.
    pub fn with_current_terms_version(mut self, version: u32) -> Self {
        self.current_terms_version = Some(version);
        self
    }

    /// `transaction`: the transaction as it is now.
    pub fn with_transaction(mut self, transaction: Transaction) -> Self {
        self.transaction = Some(Box::new(transaction));
        self
    }

    /// `field`: the request field at fault.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
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

    /// The body: `{code, message}` and the fields this code adds.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            current: self.current.clone(),
            current_terms_version: self.current_terms_version,
            transaction: self.transaction.as_deref().cloned(),
            field: self.field.clone(),
            ..ErrorBody::new(self.code, self.message.clone())
        }
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
