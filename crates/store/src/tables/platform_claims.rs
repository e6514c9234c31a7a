//! What the platform claimed about consent that no device of the cardholder signed: a grant
//! state it reported (by the feed's `consent.changed` or by `GET /v1/grants`) without a device
//! signature that verifies against the cardholder's device chain. Kept apart from the consent
//! ledger — the ledger holds only the cardholder's decisions — and shown as the platform's
//! claim. One row per grant version claimed.

use chrono::{DateTime, Utc};
use consentry_domain::Grant;
use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::tables::pan_guard::redact_card_numbers;
use crate::time::{from_ms, to_ms};

/// One claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformClaim {
    pub id: i64,
    /// The grant state as the platform stated it.
    pub claimed: Grant,
    /// Why it is not the cardholder's decision.
    pub reason: String,
    /// The `consent.changed` event that carried it, if any.
    pub event_id: Option<String>,
    pub received_at: DateTime<Utc>,
}

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// Keeps a claim; a claim of the same grant version already kept is left as it is. Returns
/// whether it was new.
pub async fn put(
    pool: &SqlitePool,
    claimed: &Grant,
    reason: &str,
    event_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let json = serde_json::to_string(claimed).map_err(internal)?;
    let json = redact_card_numbers(&json).into_owned();
    let version = i64::try_from(claimed.version).map_err(internal)?;
    let status = claimed.status.as_str();
    let scope = claimed.scope.as_str();
    let reason = redact_card_numbers(reason).into_owned();
    let at = to_ms(now);
    let done = sqlx::query!(
        "INSERT INTO platform_claims (grant_id, grant_version, app_id, card_token, scope,
                                      claimed_status, claimed, reason, event_id, received_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (grant_id, grant_version) DO NOTHING",
        claimed.id,
        version,
        claimed.app_id,
        claimed.card_token,
        scope,
        status,
        json,
        reason,
        event_id,
        at,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The most recent claims, newest first.
pub async fn recent(pool: &SqlitePool, limit: u32) -> Result<Vec<PlatformClaim>, StoreError> {
    let limit = i64::from(limit);
    let rows = sqlx::query!(
        r#"SELECT id AS "id!: i64", claimed, reason, event_id, received_at_ms
           FROM platform_claims ORDER BY id DESC LIMIT ?"#,
        limit
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(PlatformClaim {
                id: r.id,
                claimed: serde_json::from_str(&r.claimed).map_err(internal)?,
                reason: r.reason,
                event_id: r.event_id,
                received_at: from_ms(r.received_at_ms),
            })
        })
        .collect()
}

/// How many claims are kept.
pub async fn count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n = sqlx::query_scalar!(r#"SELECT count(*) AS "n!: i64" FROM platform_claims"#)
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Whether the event `event_id` carried a claim (Activity shows it as the platform's claim).
pub async fn is_claim_event(pool: &SqlitePool, event_id: &str) -> Result<bool, StoreError> {
    let found = sqlx::query_scalar!(
        r#"SELECT 1 AS "one!: i64" FROM platform_claims WHERE event_id = ?"#,
        event_id
    )
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}
