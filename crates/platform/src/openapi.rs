//! `GET /openapi.json`: the committed contract (`docs/platform/openapi.json`), served
//! byte for byte, and `GET /healthz`.

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use axum::Json;
use consentry_wire::Health;

/// The OpenAPI 3.1 document, embedded at build time from the repository.
pub const DOCUMENT: &str = include_str!("../../../docs/platform/openapi.json");

pub async fn document() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        DOCUMENT,
    )
}

pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}
