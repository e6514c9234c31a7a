//! Idempotency keys with Stripe's semantics: the first response to a key is stored; the
//! same key with the same request gets that response again, the same key with a different
//! request gets 409 `idempotency_key_reused`.
//!
//! "Same request" means same method, path and JSON value (object keys in any order,
//! whitespace ignored).
//!
//! A key is stored as its SHA-256 ([`hash_secret`]): it is the client's text, and a key
//! that happened to hold a digit run like a card number must not land in the database
//! (rows stored by an older platform hold the key itself; lookups find both).

use axum::http::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

use crate::error::ApiError;
use crate::ids::hash_secret;

pub const HEADER: &str = "idempotency-key";
/// Response header set on a replayed response.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
const MAX_KEY: usize = 255;

/// The `Idempotency-Key` header: required, 1 to 255 visible ASCII characters.
pub fn key_from(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers.get(HEADER).ok_or_else(|| {
        ApiError::bad_request(
            "idempotency_key_missing",
            "send an `Idempotency-Key` header (a UUID per consent change) so retries are safe",
        )
    })?;
    let key = value
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "idempotency_key_invalid",
                format!("the Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters"),
            )
        })?;
    Ok(key.to_owned())
}

/// JSON with object keys sorted, recursively, and no whitespace.
pub fn canonical_json(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = serde_json::Map::new();
                for (k, v) in entries {
                    out.insert(k.clone(), sorted(v));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// Fingerprint of a request.
pub fn request_hash(method: &str, path: &str, body: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b" ");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical_json(body).as_bytes());
    hex::encode(hasher.finalize())
}

/// A stored response.
pub struct Stored {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

pub async fn lookup(
    conn: &mut SqliteConnection,
    cardholder_id: &str,
    key: &str,
) -> Result<Option<Stored>, ApiError> {
    let row: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT request_hash, status, body FROM idempotency_keys
         WHERE cardholder_id = ? AND key IN (?, ?) LIMIT 1",
    )
    .bind(cardholder_id)
    .bind(hash_secret(key))
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(request_hash, status, body)| Stored {
        request_hash,
        status: u16::try_from(status).unwrap_or(500),
        body,
    }))
}

pub async fn store(
    conn: &mut SqliteConnection,
    cardholder_id: &str,
    key: &str,
    stored: &Stored,
    now: &str,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO idempotency_keys (cardholder_id, key, request_hash, status, body, created_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(cardholder_id)
    .bind(hash_secret(key))
    .bind(&stored.request_hash)
    .bind(i64::from(stored.status))
    .bind(&stored.body)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ignores_key_order_and_whitespace() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": {"y": [1, 2], "x": null}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":null,"y":[1,2]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(request_hash("PUT", "/p", &a), request_hash("PUT", "/p", &b));
        assert_ne!(request_hash("PUT", "/p", &a), request_hash("PUT", "/q", &a));
    }
}
