//! The device-signed form of consent changes (see `consentry_domain::SignedConsent`), kept
//! beside the ledger entries they are the proof of: this device's own changes once the
//! platform acknowledged them, other devices' changes once their signature verified.

use consentry_domain::SignedConsent;
use sqlx::SqlitePool;

use crate::error::StoreError;

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// Keeps the signed form of ledger entry `ledger_seq` (the first one kept stays).
pub async fn put(
    pool: &SqlitePool,
    ledger_seq: u64,
    signed: &SignedConsent,
) -> Result<(), StoreError> {
    let seq = i64::try_from(ledger_seq).map_err(internal)?;
    let json = serde_json::to_string(signed).map_err(internal)?;
    let grant_id = signed.statement.grant_id.as_str();
    sqlx::query!(
        "INSERT INTO signed_changes (ledger_seq, grant_id, signed) VALUES (?, ?, ?)
         ON CONFLICT (ledger_seq) DO NOTHING",
        seq,
        grant_id,
        json,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Every signed change kept, in ledger order.
pub async fn all(pool: &SqlitePool) -> Result<Vec<SignedConsent>, StoreError> {
    let rows = sqlx::query_scalar!(
        r#"SELECT signed AS "signed!: String" FROM signed_changes ORDER BY ledger_seq"#
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|json| serde_json::from_str(json).map_err(internal))
        .collect()
}
