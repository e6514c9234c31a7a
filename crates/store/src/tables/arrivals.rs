//! Events in arrival order (`seq`), for what is new since a mark: the unread count (events
//! received since the cardholder last looked at Activity) and the desktop notifications
//! (events received since the last one notified). The feed's own order is by occurrence
//! ([`crate::tables::activity`]); a late delivery of an old event is still new here.

use consentry_domain::EventType;
use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::tables::activity::{ActivityRow, RawRow};

/// The newest arrival (`0` for an empty wallet).
pub async fn latest_seq(pool: &SqlitePool) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar!(r#"SELECT COALESCE(MAX(seq), 0) AS "seq!: i64" FROM events"#)
            .fetch_one(pool)
            .await?,
    )
}

/// How many events arrived after `seq`, counting no further than `cap`: what is new is
/// counted for a badge, and a wallet never looked at would otherwise have its whole history
/// read (every page of a million events) each time the count is asked for.
pub async fn count_after(pool: &SqlitePool, seq: i64, cap: u32) -> Result<u64, StoreError> {
    let cap = i64::from(cap);
    let count = sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "count!: i64" FROM (SELECT 1 FROM events WHERE seq > ? LIMIT ?)"#,
        seq,
        cap
    )
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Up to `limit` events of `kinds` that arrived after `seq`, oldest arrival first, with what
/// the feed shows beside them (card last 4, app name, violation).
pub async fn after(
    pool: &SqlitePool,
    seq: i64,
    kinds: &[EventType],
    limit: u32,
) -> Result<Vec<ActivityRow>, StoreError> {
    let kinds = serde_json::to_string(&kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>())
        .map_err(|e| StoreError::Internal(format!("kinds: {e}")))?;
    let limit = i64::from(limit);
    let rows = sqlx::query_as!(
        RawRow,
        r#"SELECT e.seq AS "seq!: i64", e.payload, e.signature_verified AS "signature_verified: bool",
                  e.received_at_ms, v.reason AS "violation?: String",
                  c.last4 AS "card_last4?: String", c.nickname AS "card_nickname?: String",
                  a.name AS "app_name?: String"
           FROM events e LEFT JOIN violations v ON v.event_seq = e.seq
           LEFT JOIN cards c ON c.token = e.card_token LEFT JOIN apps a ON a.id = e.app_id
           WHERE e.seq > ?1 AND e.kind IN (SELECT value FROM json_each(?2))
           ORDER BY e.seq LIMIT ?3"#,
        seq,
        kinds,
        limit,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(ActivityRow::try_from).collect()
}
