//! Current grants: the projection of the consent ledger that the UI lists and the consent
//! check reads. Written only by `ledger::record` (same transaction as the ledger entry) or
//! rebuilt from the ledger.

use chrono::{DateTime, Utc};
use consentry_domain::{Grant, GrantKey};
use sqlx::{SqliteConnection, SqlitePool};

use crate::error::StoreError;
use crate::time::to_ms;

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

pub(crate) async fn upsert(
    conn: &mut SqliteConnection,
    grant: &Grant,
    ledger_seq: u64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(grant).map_err(internal)?;
    let (scope, status) = (grant.scope.as_str(), grant.status.as_str());
    let version = i64::try_from(grant.version).map_err(internal)?;
    let expires_at_ms = grant.expires_at.map(to_ms);
    let ledger_seq = i64::try_from(ledger_seq).map_err(internal)?;
    let now_ms = to_ms(now);
    sqlx::query!(
        "INSERT INTO grants (app_id, card_token, scope, grant_id, status, version, expires_at_ms,
                             grant_json, ledger_seq, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (app_id, card_token, scope) DO UPDATE SET
            grant_id = excluded.grant_id, status = excluded.status, version = excluded.version,
            expires_at_ms = excluded.expires_at_ms, grant_json = excluded.grant_json,
            ledger_seq = excluded.ledger_seq, updated_at_ms = excluded.updated_at_ms",
        grant.app_id,
        grant.card_token,
        scope,
        grant.id,
        status,
        version,
        expires_at_ms,
        json,
        ledger_seq,
        now_ms,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn parse_all(rows: Vec<String>) -> Result<Vec<Grant>, StoreError> {
    rows.iter()
        .map(|j| serde_json::from_str(j).map_err(internal))
        .collect()
}

/// One grant by app × card × scope.
pub async fn get(pool: &SqlitePool, key: &GrantKey) -> Result<Option<Grant>, StoreError> {
    let scope = key.scope.as_str();
    let json = sqlx::query_scalar!(
        "SELECT grant_json FROM grants WHERE app_id = ? AND card_token = ? AND scope = ?",
        key.app_id,
        key.card_token,
        scope,
    )
    .fetch_optional(pool)
    .await?;
    json.map(|j| serde_json::from_str(&j).map_err(internal))
        .transpose()
}

/// Every grant, by card, app and scope.
pub async fn list(pool: &SqlitePool) -> Result<Vec<Grant>, StoreError> {
    parse_all(
        sqlx::query_scalar!("SELECT grant_json FROM grants ORDER BY card_token, app_id, scope")
            .fetch_all(pool)
            .await?,
    )
}

/// The grants on one card.
pub async fn for_card(pool: &SqlitePool, card_token: &str) -> Result<Vec<Grant>, StoreError> {
    parse_all(
        sqlx::query_scalar!(
            "SELECT grant_json FROM grants WHERE card_token = ? ORDER BY app_id, scope",
            card_token,
        )
        .fetch_all(pool)
        .await?,
    )
}
