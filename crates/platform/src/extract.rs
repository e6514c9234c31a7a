//! Request extractors whose rejections are `{code, message}` 4xx errors instead of axum's
//! plain-text ones (JSON bodies, query strings and path parameters), and the checks every
//! stored piece of client text goes through.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use consentry_domain::contains_card_number;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::idempotency::{self, Idempotency};

/// A JSON body; every request type denies unknown fields. Integers may be written with a
/// zero fraction ([`integral_numbers`]).
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json(req.headers())?;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| body_rejection(&r))?;
        let (body, _) = parse_json(&bytes)?;
        Ok(ApiJson(body))
    }
}

/// Reads a JSON body as `T` and as the JSON value it holds, integers written with a zero
/// fraction made integers ([`integral_numbers`]) in both: `1.0` is read as `1`, as a JSON
/// Schema reader counts it, so a field the document calls an integer takes either form.
/// Errors are axum's JSON rejections mapped onto our codes.
pub fn parse_json<T: DeserializeOwned>(bytes: &Bytes) -> Result<(T, Value), ApiError> {
    let direct = axum::Json::<T>::from_bytes(bytes);
    let mut value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(_) => {
            return Err(direct
                .err()
                .map_or_else(invalid_body, |r| json_rejection(&r)))
        }
    };
    let changed = integral_numbers(&mut value);
    match direct {
        Ok(axum::Json(body)) => Ok((body, value)),
        Err(rejection) if !changed => Err(json_rejection(&rejection)),
        Err(_) => match serde_json::from_value::<T>(value.clone()) {
            Ok(body) => Ok((body, value)),
            Err(e) => Err(ApiError::unprocessable("invalid_body", e.to_string())),
        },
    }
}

fn invalid_body() -> ApiError {
    ApiError::bad_request("invalid_body", "the request body could not be read")
}

/// Largest magnitude up to which every integer is exactly an `f64` (2^53): a number written
/// with a fraction beyond it may have been rounded, so it is not taken for an integer.
const EXACT_F64_INTEGERS: f64 = 9_007_199_254_740_992.0;

/// Makes every number written with a zero fraction (`1.0`, `2e3`) an integer, as JSON Schema
/// reads it (`{"type": "integer"}` accepts `1.0`), up to 2^53 in magnitude. Numbers with a
/// fraction (`1.5`) and larger ones stay as they are, so a field read as an integer refuses
/// them (422 `invalid_body`). True when anything changed.
pub fn integral_numbers(value: &mut Value) -> bool {
    match value {
        Value::Number(number) => {
            let Some(float) = number.as_f64().filter(|_| number.is_f64()) else {
                return false;
            };
            if float.fract() != 0.0 || float.abs() > EXACT_F64_INTEGERS {
                return false;
            }
            // In range and integral: the conversion is exact.
            let integer = float as i64;
            *value = Value::from(integer);
            true
        }
        Value::Array(items) => {
            items
                .iter_mut()
                .map(integral_numbers)
                .filter(|c| *c)
                .count()
                > 0
        }
        Value::Object(map) => {
            map.values_mut()
                .map(integral_numbers)
                .filter(|c| *c)
                .count()
                > 0
        }
        _ => false,
    }
}

/// A JSON body that may be retried under an `Idempotency-Key` (optional): the body, and
/// the key with the request's fingerprint (over the JSON value as [`parse_json`] reads it, so
/// `1.0` and `1` are one request). The key is checked first, then the content type, size and
/// JSON as [`ApiJson`] does.
pub struct IdempotentJson<T> {
    pub body: T,
    pub idempotency: Idempotency,
}

impl<T, S> FromRequest<S> for IdempotentJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let key = idempotency::optional_key(req.headers())?;
        require_json(req.headers())?;
        let method = req.method().as_str().to_owned();
        let path = req.uri().path().to_owned();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| body_rejection(&r))?;
        let (body, value) = parse_json::<T>(&bytes)?;
        Ok(IdempotentJson {
            body,
            idempotency: Idempotency::new(key, &method, &path, &value),
        })
    }
}

/// 415 unless the body is declared JSON (`application/json` or `application/*+json`).
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json")
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
    if is_json {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        ))
    }
}

/// A body that could not be read: 413 over the limit, else 400.
pub fn body_rejection(rejection: &BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::bad_request("invalid_body", "the request body could not be read")
    }
}

/// Maps axum's JSON rejections onto our codes. The serde message names the offending
/// field; it is returned to the caller only, never logged.
pub fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::bad_request(
            "invalid_json",
            format!(
                "the body is not valid JSON: {}",
                strip_prefix(rejection.body_text())
            ),
        ),
        JsonRejection::JsonDataError(_) => {
            ApiError::unprocessable("invalid_body", strip_prefix(rejection.body_text()))
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => ApiError::bad_request("invalid_body", "the request body could not be read"),
    }
}

/// 413 for a body over the configured limit.
pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the request body is larger than this platform accepts",
    )
}

fn strip_prefix(text: String) -> String {
    const PREFIXES: [&str; 3] = [
        "Failed to deserialize the JSON body into the target type: ",
        "Failed to parse the request body as JSON: ",
        "Failed to deserialize query string: ",
    ];
    PREFIXES
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .map_or_else(|| text.clone(), str::to_owned)
}

/// A query string; request types deny unknown parameters.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn query_rejection(rejection: &QueryRejection) -> ApiError {
    ApiError::bad_request("invalid_query", strip_prefix(rejection.body_text()))
}

/// Path parameters.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_rejection(&rejection)),
        }
    }
}

fn path_rejection(rejection: &PathRejection) -> ApiError {
    ApiError::bad_request("invalid_path", rejection.body_text())
}

/// Checks a client-chosen identifier (grant id, idempotency key): 1 to `max` characters
/// of letters, digits, `-`, `_`, `.` and `:`.
pub fn check_identifier(what: &str, value: &str, max: usize) -> Result<(), ApiError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    if value.is_empty() || value.len() > max || !value.chars().all(allowed) {
        return Err(ApiError::bad_request(
            "invalid_identifier",
            format!(
                "{what} must be 1 to {max} characters of letters, digits, '-', '_', '.' or ':'"
            ),
        ));
    }
    Ok(())
}

/// Refuses client text that holds a card number, before anything is stored: 422
/// `card_number_in_text` with `field` naming it. The message never repeats the number.
/// What "a card number" is, is the wallet's rule too: [`consentry_domain::contains_card_number`].
pub fn refuse_card_number(field: &str, text: &str) -> Result<(), ApiError> {
    if contains_card_number(text) {
        return Err(ApiError::unprocessable(
            "card_number_in_text",
            format!("{field} seems to contain a card number; the platform stores no card number outside tokenization: remove it"),
        )
        .with_field(field));
    }
    Ok(())
}

/// Refuses keys outside `known` in a JSON object, as `deny_unknown_fields` would: for wire
/// types that are domain types, which ignore unknown fields. 422 `invalid_body`.
pub fn deny_unknown_keys(value: &Value, known: &[&str]) -> Result<(), ApiError> {
    let object = value
        .as_object()
        .ok_or_else(|| ApiError::unprocessable("invalid_body", "expected a JSON object"))?;
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(ApiError::unprocessable(
            "invalid_body",
            format!(
                "unknown field `{key}`, expected one of {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}
