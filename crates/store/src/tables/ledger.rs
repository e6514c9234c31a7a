//! The consent ledger on disk: every consent change appended as a hash-chained row, in the
//! same transaction as the grant it produces and (for changes made here) its outbox row.

use chrono::{DateTime, Utc};
use consentry_domain::{ConsentChange, Grant, Ledger, LedgerEntry};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;

use crate::error::StoreError;
use crate::tables::pan_guard;
use crate::time::to_ms;

/// Where a consent change comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOrigin {
    /// Made by the cardholder on this device: queued in the outbox for the platform.
    Local,
    /// Received from the platform (`consent.changed`): recorded, not sent back.
    Remote,
}

/// What recording a change wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The new ledger entry (with its sequence number and hash).
    pub entry: LedgerEntry,
    /// The outbox idempotency key, for local changes.
    pub outbox_key: Option<Uuid>,
}

/// The outcome of checking the stored chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerCheck {
    /// Every link verifies.
    Intact {
        /// How many entries there are.
        entries: u64,
    },
    /// The first broken link.
    Broken {
        /// Its sequence number.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
}

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// Appends `change` to the ledger. In ONE transaction: the ledger row, the grant's new state
/// (`grant`, as the domain transition produced it; `None` for entries that change no state,
/// like `conflict`), and for [`ChangeOrigin::Local`] the outbox row with a fresh UUIDv7
/// idempotency key. Either all of it is on disk or none of it.
pub async fn record(
    pool: &SqlitePool,
    change: ConsentChange,
    grant: Option<&Grant>,
    origin: ChangeOrigin,
    now: DateTime<Utc>,
) -> Result<Recorded, StoreError> {
    for (field, text) in [
        ("device id", change.device_id.as_str()),
        ("grant id", change.grant_id.as_str()),
        ("app id", change.grant.app_id.as_str()),
        ("card token", change.grant.card_token.as_str()),
    ] {
        pan_guard::refuse(field, text)?;
    }
    if let Some(grant) = grant {
        if grant.key() != change.grant.key() {
            return Err(StoreError::invalid(
                "grant",
                "the grant is not the one the consent change is about",
            ));
        }
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let prev = last_entry(&mut tx).await?;
    let entry = LedgerEntry::next(prev.as_ref(), change);
    insert_entry(&mut tx, &entry).await?;
    if let Some(grant) = grant {
        crate::tables::grants::upsert(&mut tx, grant, entry.seq, now).await?;
    }
    let outbox_key = match origin {
        ChangeOrigin::Remote => None,
        ChangeOrigin::Local => Some(crate::tables::outbox::enqueue(&mut tx, &entry, now).await?),
    };
    tx.commit().await?;
    Ok(Recorded { entry, outbox_key })
}

async fn last_entry(conn: &mut SqliteConnection) -> Result<Option<LedgerEntry>, StoreError> {
    let json = sqlx::query_scalar!("SELECT entry FROM consent_ledger ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    json.map(|j| serde_json::from_str(&j).map_err(internal))
        .transpose()
}

async fn insert_entry(conn: &mut SqliteConnection, entry: &LedgerEntry) -> Result<(), StoreError> {
    let json = serde_json::to_string(entry).map_err(internal)?;
    let seq = i64::try_from(entry.seq).map_err(internal)?;
    let (entry_hash, prev_hash) = (entry.hash.to_hex(), entry.prev_hash.to_hex());
    let (action, scope) = (entry.action.as_str(), entry.grant.scope.as_str());
    let occurred_at_ms = to_ms(entry.at);
    let terms_version = i64::from(entry.terms_version);
    let terms_hash = entry.terms_hash.to_hex();
    sqlx::query!(
        "INSERT INTO consent_ledger (seq, entry_hash, prev_hash, action, grant_id, app_id,
             card_token, scope, device_id, occurred_at_ms, terms_version, terms_hash, entry)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        seq,
        entry_hash,
        prev_hash,
        action,
        entry.grant_id,
        entry.grant.app_id,
        entry.grant.card_token,
        scope,
        entry.device_id,
        occurred_at_ms,
        terms_version,
        terms_hash,
        json,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The whole ledger, in order.
pub async fn entries(pool: &SqlitePool) -> Result<Vec<LedgerEntry>, StoreError> {
    let rows = sqlx::query_scalar!("SELECT entry FROM consent_ledger ORDER BY seq")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|j| serde_json::from_str(j).map_err(internal))
        .collect()
}

/// How many entries the ledger holds.
pub async fn count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n = sqlx::query_scalar!(r#"SELECT count(*) AS "n!: i64" FROM consent_ledger"#)
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Up to `limit` entries after the one numbered `after_seq` (0: from the start), in order: the
/// ledger a page at a time.
pub async fn entries_after(
    pool: &SqlitePool,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<LedgerEntry>, StoreError> {
    let rows = sqlx::query!(
        "SELECT seq, entry FROM consent_ledger WHERE seq > ? ORDER BY seq LIMIT ?",
        after_seq,
        limit
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            serde_json::from_str(&row.entry)
                .map_err(|e| StoreError::Internal(format!("ledger entry {}: {e}", row.seq)))
        })
        .collect()
}

/// Checks the stored chain: each row's columns agree with its entry, and the entries form an
/// unbroken hash chain from genesis. Reports the first broken link.
pub async fn verify(pool: &SqlitePool) -> Result<LedgerCheck, StoreError> {
    let rows = sqlx::query!(
        "SELECT seq, entry_hash, prev_hash, action, grant_id, app_id, card_token, scope,
                device_id, occurred_at_ms, terms_version, terms_hash, entry
         FROM consent_ledger ORDER BY seq",
    )
    .fetch_all(pool)
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let position = index as u64 + 1;
        let broken = |reason: String| LedgerCheck::Broken {
            seq: position,
            reason,
        };
        let entry: LedgerEntry = match serde_json::from_str(&row.entry) {
            Ok(entry) => entry,
            Err(e) => return Ok(broken(format!("unreadable entry: {e}"))),
        };
        let columns_agree = row.seq == i64::try_from(entry.seq).unwrap_or(-1)
            && row.entry_hash == entry.hash.to_hex()
            && row.prev_hash == entry.prev_hash.to_hex()
            && row.action == entry.action.as_str()
            && row.grant_id == entry.grant_id
            && row.app_id == entry.grant.app_id
            && row.card_token == entry.grant.card_token
            && row.scope == entry.grant.scope.as_str()
            && row.device_id == entry.device_id
            && row.occurred_at_ms == to_ms(entry.at)
            && row.terms_version == i64::from(entry.terms_version)
            && row.terms_hash == entry.terms_hash.to_hex();
        if !columns_agree {
            return Ok(broken(
                "its columns disagree with its entry (it was altered)".into(),
            ));
        }
        entries.push(entry);
    }
    Ok(match Ledger::verify(&entries) {
        Ok(()) => LedgerCheck::Intact {
            entries: entries.len() as u64,
        },
        Err(link) => LedgerCheck::Broken {
            seq: link.seq,
            reason: link.reason.to_string(),
        },
    })
}

/// Rewrites the grants (the projection) from a replay of the whole ledger (repair, or after an import).
/// Returns how many grants there are.
pub async fn rebuild_grants(pool: &SqlitePool, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let entries = entries(pool).await?;
    let replayed = Ledger::replay(&entries);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query!("DELETE FROM grants").execute(&mut *tx).await?;
    for (key, grant) in &replayed {
        let last_seq = entries
            .iter()
            .rev()
            .find(|e| e.key() == *key)
            .map_or(0, |e| e.seq);
        crate::tables::grants::upsert(&mut tx, grant, last_seq, now).await?;
    }
    tx.commit().await?;
    Ok(replayed.len())
}
