//! The cardholder's devices as the platform last listed them: names for the ids that ledger
//! entries, conflicts and card changes carry, and which devices were removed (and when).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::tables::pan_guard::redact_card_numbers;
use crate::time::{from_ms, to_ms};

/// One device of the cardholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    pub name: String,
    pub added_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
}

/// Records the platform's list: new devices are added, known ones take the listed name and
/// removal. A device the platform no longer lists is kept (its name still explains old
/// changes), and a removal is never undone by a later list.
pub async fn remember(
    pool: &SqlitePool,
    listed: &[Device],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let at = to_ms(now);
    let mut tx = pool.begin().await?;
    for device in listed {
        let name = redact_card_numbers(&device.name).into_owned();
        let added = to_ms(device.added_at);
        let removed = device.removed_at.map(to_ms);
        sqlx::query!(
            "INSERT INTO devices (device_id, name, added_at_ms, removed_at_ms, listed_at_ms)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (device_id) DO UPDATE SET
                 name = excluded.name,
                 removed_at_ms = coalesce(devices.removed_at_ms, excluded.removed_at_ms),
                 listed_at_ms = excluded.listed_at_ms",
            device.device_id,
            name,
            added,
            removed,
            at,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Every device known, in the order they were added.
pub async fn list(pool: &SqlitePool) -> Result<Vec<Device>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT device_id AS "device_id!", name, added_at_ms, removed_at_ms
           FROM devices ORDER BY added_at_ms, device_id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Device {
            device_id: r.device_id,
            name: r.name,
            added_at: from_ms(r.added_at_ms),
            removed_at: r.removed_at_ms.map(from_ms),
        })
        .collect())
}

/// Device names by id.
pub async fn names(pool: &SqlitePool) -> Result<HashMap<String, String>, StoreError> {
    Ok(list(pool)
        .await?
        .into_iter()
        .map(|d| (d.device_id, d.name))
        .collect())
}

/// When `device_id` was removed, if it was.
pub async fn removed_at(
    pool: &SqlitePool,
    device_id: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let at = sqlx::query_scalar!(
        "SELECT removed_at_ms FROM devices WHERE device_id = ?",
        device_id
    )
    .fetch_optional(pool)
    .await?;
    Ok(at.flatten().map(from_ms))
}

/// Forgets every device: the wallet now belongs to another cardholder, whose devices the
/// platform lists at the next pass.
pub async fn forget_all(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query!("DELETE FROM devices").execute(pool).await?;
    Ok(())
}
