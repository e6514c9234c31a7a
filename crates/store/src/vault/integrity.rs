//! Integrity checks: SQLCipher's page HMACs and SQLite's structural check.

use sqlx::SqlitePool;

use crate::error::{is_corruption, StoreError};

/// What the checks found. Empty lists mean the file is intact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Pages whose HMAC does not verify (`PRAGMA cipher_integrity_check`): tampering or rot.
    pub hmac_failures: Vec<String>,
    /// Structural problems (`PRAGMA quick_check`), when the pages themselves verified.
    pub structural: Vec<String>,
}

impl IntegrityReport {
    /// Whether nothing was found.
    pub fn is_intact(&self) -> bool {
        self.hmac_failures.is_empty() && self.structural.is_empty()
    }

    /// `Ok` when intact, else `Corrupted` with the first finding.
    pub fn into_result(self) -> Result<(), StoreError> {
        match self.hmac_failures.first().or(self.structural.first()) {
            None => Ok(()),
            Some(first) => Err(StoreError::Corrupted(format!(
                "{} problem(s); first: {first}",
                self.hmac_failures.len() + self.structural.len()
            ))),
        }
    }
}

/// Reads every page of the wallet and verifies it (`PRAGMA cipher_integrity_check`), then
/// checks the b-tree structure (`PRAGMA quick_check`). Reads the whole file: seconds on a big
/// wallet, so the app runs it on demand or in the background, not on every query.
pub async fn check(pool: &SqlitePool) -> Result<IntegrityReport, StoreError> {
    let mut conn = pool.acquire().await?;
    let hmac_failures: Vec<String> = sqlx::query_scalar("PRAGMA cipher_integrity_check")
        .fetch_all(&mut *conn)
        .await?;
    if !hmac_failures.is_empty() {
        return Ok(IntegrityReport {
            hmac_failures,
            structural: Vec::new(),
        });
    }
    let structural = match sqlx::query_scalar::<_, String>("PRAGMA quick_check")
        .fetch_all(&mut *conn)
        .await
    {
        Ok(rows) => rows.into_iter().filter(|r| r != "ok").collect(),
        Err(e) if is_corruption(&e) => vec![e.to_string()],
        Err(e) => return Err(e.into()),
    };
    Ok(IntegrityReport {
        hmac_failures,
        structural,
    })
}
