//! Idempotency keys with Stripe's semantics, for every request that creates or changes
//! something (consent changes, enrollment, card links, simulated payments, data requests):
//! the first answer to a key is stored; the same key with the same request gets that answer
//! again (with `Idempotent-Replayed: true`), the same key with a different request gets 409
//! `idempotency_key_reused`. The lookup, the work and the stored answer share one
//! transaction, so concurrent requests with one key have one winner.
//!
//! "Same request" means same method, path and JSON value (object keys in any order,
//! whitespace ignored). Keys belong to their caller ([`Scope`]): a cardholder's key never
//! meets another cardholder's. A key lives [`LIFETIME_HOURS`]: after that its answer is no
//! longer replayed and the request is a new one; expired keys are deleted whenever a key is
//! stored.
//!
//! What the database holds of a key is its SHA-256 ([`hash_secret`]): it is the client's
//! text, and a key that happened to hold a digit run like a card number must not land in the
//! database (rows stored by an older platform hold the key itself; lookups find both). The
//! stored answer is sealed under a key derived from the `Idempotency-Key` (ChaCha20-Poly1305):
//! an enrollment's answer holds a bearer token and a cardholder secret, which the database
//! otherwise keeps only as hashes.

use crate::db::Conn;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::ids::hash_secret;

/// The start of a cardholder's idempotent request in a handler: `(tx, now)`, the request's
/// transaction and the clock's time, or — from the handler, at once — the stored answer of an
/// earlier identical request under its key ([`Idempotency::replay`]).
macro_rules! begin_or_replay {
    ($state:expr, $idempotency:expr, $scope:expr) => {{
        let now = $state.clock.now();
        let mut tx = $crate::db::begin_for(&$state.db, $scope.as_str()).await?;
        if let Some(replay) = $idempotency.replay(&mut tx, $scope, now).await? {
            return Ok(replay);
        }
        (tx, now)
    }};
}
pub(crate) use begin_or_replay;

pub const HEADER: &str = "idempotency-key";
/// Response header set on a replayed response.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
const MAX_KEY: usize = 255;
/// Shortest key `POST /v1/enroll` takes: a new cardholder's retry is tied to its first
/// request by the key alone (there is no caller yet), so it must be unguessable, e.g. a UUID.
pub const MIN_ENROLL_KEY: usize = 32;
/// How long a key's answer is replayed.
pub const LIFETIME_HOURS: i64 = 24;

/// The `Idempotency-Key` header where it is required (consent changes).
pub fn key_from(headers: &HeaderMap) -> Result<String, ApiError> {
    optional_key(headers)?.ok_or_else(|| {
        ApiError::bad_request(
            "idempotency_key_missing",
            "send an `Idempotency-Key` header (a UUID per consent change) so retries are safe",
        )
    })
}

/// The `Idempotency-Key` header where it is optional: absent is `None`; present, it must be
/// 1 to 255 visible ASCII characters (an empty one is refused, not ignored).
pub fn optional_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
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
    Ok(Some(key.to_owned()))
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

/// Whose keys these are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// A cardholder's (any of its devices, or an enrollment with its credentials).
    Cardholder(&'a str),
    /// Enrollments of new cardholders: no caller yet, so they share one scope and a key
    /// must be unguessable ([`MIN_ENROLL_KEY`]).
    NewCardholder,
}

impl Scope<'_> {
    /// As stored in `idempotency_keys.cardholder_id`: the cardholder id, or empty (no
    /// cardholder id is); also the lock a request in this scope takes on PostgreSQL
    /// ([`crate::db::begin_for`]), so every new enrollment shares one.
    pub fn as_str(&self) -> &str {
        match self {
            Scope::Cardholder(id) => id,
            Scope::NewCardholder => "",
        }
    }
}

/// One request that may be retried under a key: the key (if the client sent one) and the
/// request's fingerprint.
#[derive(Debug, Clone)]
pub struct Idempotency {
    key: Option<String>,
    request_hash: String,
}

impl Idempotency {
    pub fn new(key: Option<String>, method: &str, path: &str, body: &Value) -> Idempotency {
        Idempotency {
            key,
            request_hash: request_hash(method, path, body),
        }
    }

    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// First thing in the request's transaction: the stored answer of an earlier identical
    /// request under this key, or 409 `idempotency_key_reused` for a different one. `None`:
    /// no key, or a key not used (or expired).
    pub async fn replay(
        &self,
        conn: &mut Conn,
        scope: Scope<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<Response>, ApiError> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        let Some(stored) = lookup(conn, scope, key, now).await? else {
            return Ok(None);
        };
        if stored.request_hash != self.request_hash {
            return Err(ApiError::conflict(
                "idempotency_key_reused",
                "this Idempotency-Key was already used with a different request; use a new key for a new request",
            ));
        }
        Ok(Some(respond(stored.status, stored.body, true)))
    }

    /// The answer, stored under the key (when there is one) in the request's transaction:
    /// commit it with the work it describes.
    pub async fn answer(
        &self,
        conn: &mut Conn,
        scope: Scope<'_>,
        status: StatusCode,
        body: String,
        now: DateTime<Utc>,
    ) -> Result<Response, ApiError> {
        if let Some(key) = &self.key {
            let stored = Stored {
                request_hash: self.request_hash.clone(),
                status: status.as_u16(),
                body,
            };
            store(conn, scope, key, &stored, now).await?;
            return Ok(respond(stored.status, stored.body, false));
        }
        Ok(respond(status.as_u16(), body, false))
    }

    /// [`Idempotency::answer`] with `value` as its JSON body.
    pub async fn answer_json(
        &self,
        conn: &mut Conn,
        scope: Scope<'_>,
        status: StatusCode,
        value: &impl Serialize,
        now: DateTime<Utc>,
    ) -> Result<Response, ApiError> {
        let body = serde_json::to_string(value)?;
        self.answer(conn, scope, status, body, now).await
    }
}

/// A JSON answer, marked as a replay when it is one.
fn respond(status: u16, body: String, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if replayed {
        headers.insert(
            HeaderName::from_static(REPLAYED_HEADER),
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// A stored answer.
struct Stored {
    request_hash: String,
    status: u16,
    body: String,
}

/// Keys stored at or before this time have expired.
fn expired_at_or_before(now: DateTime<Utc>) -> String {
    rfc3339(now - TimeDelta::hours(LIFETIME_HOURS))
}

async fn lookup(
    conn: &mut Conn,
    scope: Scope<'_>,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<Stored>, ApiError> {
    let row: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT request_hash, status, body FROM idempotency_keys
         WHERE cardholder_id = $1 AND key IN ($2, $3) AND created_at > $4 LIMIT 1",
    )
    .bind(scope.as_str())
    .bind(hash_secret(key))
    .bind(key)
    .bind(expired_at_or_before(now))
    .fetch_optional(&mut *conn)
    .await?;
    let Some((request_hash, status, body)) = row else {
        return Ok(None);
    };
    let status = u16::try_from(status).unwrap_or(500);
    let body = match body.strip_prefix(SEALED) {
        Some(sealed) => unseal(scope, key, &request_hash, status, sealed)?,
        None => body,
    };
    Ok(Some(Stored {
        request_hash,
        status,
        body,
    }))
}

async fn store(
    conn: &mut Conn,
    scope: Scope<'_>,
    key: &str,
    stored: &Stored,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    // Also frees this key if it had expired.
    prune(conn, now).await?;
    let sealed = seal(
        scope,
        key,
        &stored.request_hash,
        stored.status,
        &stored.body,
    )?;
    sqlx::query(
        "INSERT INTO idempotency_keys (cardholder_id, key, request_hash, status, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(scope.as_str())
    .bind(hash_secret(key))
    .bind(&stored.request_hash)
    .bind(i64::from(stored.status))
    .bind(format!("{SEALED}{sealed}"))
    .bind(rfc3339(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes every key older than [`LIFETIME_HOURS`]; returns how many.
pub async fn prune(conn: &mut Conn, now: DateTime<Utc>) -> Result<u64, ApiError> {
    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at <= $1")
        .bind(expired_at_or_before(now))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Marks a sealed body (a plain one is JSON, which starts with `{`).
const SEALED: &str = "sealed1:";

/// The sealing key: the `Idempotency-Key` and its scope, hashed apart from the lookup hash.
fn sealing_key(scope: Scope<'_>, key: &str) -> Key {
    let mut hasher = Sha256::new();
    hasher.update(b"consentry.idempotency.seal.v1\0");
    hasher.update(scope.as_str().as_bytes());
    hasher.update(b"\0");
    hasher.update(key.as_bytes());
    let bytes: [u8; 32] = hasher.finalize().into();
    Key::from(bytes)
}

/// What a sealed body is bound to: a row's body cannot be moved to another request or status.
fn bound_to(request_hash: &str, status: u16) -> Vec<u8> {
    format!("{request_hash} {status}").into_bytes()
}

fn seal(
    scope: Scope<'_>,
    key: &str,
    request_hash: &str,
    status: u16,
    body: &str,
) -> Result<String, ApiError> {
    let nonce_bytes: [u8; 12] = rand::random();
    let cipher = ChaCha20Poly1305::new(&sealing_key(scope, key));
    let aad = bound_to(request_hash, status);
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce_bytes),
            Payload {
                msg: body.as_bytes(),
                aad: &aad,
            },
        )
        .map_err(|_| ApiError::internal("cannot seal an idempotent answer"))?;
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&ciphertext);
    Ok(B64.encode(out))
}

fn unseal(
    scope: Scope<'_>,
    key: &str,
    request_hash: &str,
    status: u16,
    sealed: &str,
) -> Result<String, ApiError> {
    let unreadable = || ApiError::internal("a stored idempotent answer does not open");
    let bytes = B64.decode(sealed).map_err(|_| unreadable())?;
    if bytes.len() < 12 {
        return Err(unreadable());
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    let cipher = ChaCha20Poly1305::new(&sealing_key(scope, key));
    let aad = bound_to(request_hash, status);
    let plain = cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| unreadable())?;
    String::from_utf8(plain).map_err(|_| unreadable())
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

    async fn database() -> crate::db::Pool {
        crate::db::open(&crate::db::DataLocation::Memory)
            .await
            .unwrap()
    }

    async fn rows(conn: &mut Conn) -> Vec<(String, String)> {
        sqlx::query_as("SELECT key, body FROM idempotency_keys ORDER BY created_at")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
    }

    fn t(hours: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + TimeDelta::hours(hours)
    }

    fn request(key: &str, body: &str) -> Idempotency {
        let body: Value = serde_json::from_str(body).unwrap();
        Idempotency::new(Some(key.into()), "POST", "/v1/cards", &body)
    }

    async fn body_of(response: Response) -> (bool, String) {
        let replayed = response.headers().contains_key(REPLAYED_HEADER);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (replayed, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_key_replays_for_24_hours_then_is_pruned_by_the_next_stored_key() {
        let pool = database().await;
        let mut conn = pool.acquire().await.unwrap();
        let me = Scope::Cardholder("ch_me");
        let first = request("key-1", r#"{"n": 1}"#);
        let answer = first
            .answer(
                &mut conn,
                me,
                StatusCode::CREATED,
                r#"{"token":"a"}"#.into(),
                t(0),
            )
            .await
            .unwrap();
        assert_eq!(body_of(answer).await, (false, r#"{"token":"a"}"#.into()));

        let just_before = t(24) - TimeDelta::milliseconds(1);
        let replay = first.replay(&mut conn, me, just_before).await.unwrap();
        assert_eq!(
            body_of(replay.expect("replayed")).await,
            (true, r#"{"token":"a"}"#.into())
        );
        // At 24 hours the key is gone for lookups, before any prune ran.
        assert!(first.replay(&mut conn, me, t(24)).await.unwrap().is_none());
        assert_eq!(rows(&mut conn).await.len(), 1);

        // Another key stored then deletes it; the same key may start over.
        request("key-2", r#"{"n": 2}"#)
            .answer(&mut conn, me, StatusCode::CREATED, "{}".into(), t(24))
            .await
            .unwrap();
        assert_eq!(rows(&mut conn).await.len(), 1, "the expired key was pruned");
        let again = request("key-1", r#"{"n": 3}"#);
        again
            .answer(&mut conn, me, StatusCode::CREATED, "{}".into(), t(25))
            .await
            .unwrap();
        assert!(again.replay(&mut conn, me, t(25)).await.unwrap().is_some());
        assert_eq!(prune(&mut conn, t(49)).await.unwrap(), 2);
        assert!(rows(&mut conn).await.is_empty());
    }

    #[tokio::test]
    async fn keys_belong_to_their_scope_and_answers_are_sealed() {
        let pool = database().await;
        let mut conn = pool.acquire().await.unwrap();
        let secret_answer = r#"{"token":"cst_secret_token"}"#;
        let enroll = request(
            "0123456789abcdef0123456789abcdef",
            r#"{"device_name": "x"}"#,
        );
        enroll
            .answer(
                &mut conn,
                Scope::NewCardholder,
                StatusCode::CREATED,
                secret_answer.into(),
                t(0),
            )
            .await
            .unwrap();
        // Neither the key nor the answer is readable in the row.
        let stored = rows(&mut conn).await;
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].0.contains("0123456789abcdef"), "{stored:?}");
        assert!(stored[0].1.starts_with(SEALED), "{stored:?}");
        assert!(!stored[0].1.contains("cst_secret_token"), "{stored:?}");
        // Another scope does not see it; the right one does.
        let other = Scope::Cardholder("ch_other");
        assert!(enroll
            .replay(&mut conn, other, t(1))
            .await
            .unwrap()
            .is_none());
        let replay = enroll
            .replay(&mut conn, Scope::NewCardholder, t(1))
            .await
            .unwrap();
        assert_eq!(body_of(replay.unwrap()).await.1, secret_answer);
        // A sealed answer moved to another request does not open.
        sqlx::query("UPDATE idempotency_keys SET status = 200")
            .execute(&mut *conn)
            .await
            .unwrap();
        let error = enroll
            .replay(&mut conn, Scope::NewCardholder, t(1))
            .await
            .unwrap_err();
        assert_eq!(error.code, "internal");
    }

    #[tokio::test]
    async fn a_different_request_under_a_key_is_refused_and_no_key_stores_nothing() {
        let pool = database().await;
        let mut conn = pool.acquire().await.unwrap();
        let me = Scope::Cardholder("ch_me");
        request("k", r#"{"n": 1}"#)
            .answer(&mut conn, me, StatusCode::CREATED, "{}".into(), t(0))
            .await
            .unwrap();
        let error = request("k", r#"{"n": 2}"#)
            .replay(&mut conn, me, t(0))
            .await
            .unwrap_err();
        assert_eq!(
            (error.status, error.code),
            (StatusCode::CONFLICT, "idempotency_key_reused")
        );
        let keyless = Idempotency::new(None, "POST", "/v1/cards", &Value::Null);
        keyless
            .answer(&mut conn, me, StatusCode::CREATED, "{}".into(), t(0))
            .await
            .unwrap();
        assert!(keyless.replay(&mut conn, me, t(0)).await.unwrap().is_none());
        assert_eq!(rows(&mut conn).await.len(), 1);
    }
}
