//! What a missing-reward claim is built from: settled, unreversed card payments in a time
//! range, and every app event that refers to one payment. The judgement (which app should
//! have acted, under which grant) is the api crate's; these are the two lookups it needs.

use chrono::{DateTime, Duration, Utc};
use consentry_domain::Event;
use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::tables::history::stored_event;
use crate::time::to_ms;

/// How long before a settlement an app event about the same payment may be dated (a receipt
/// issued at authorization, days before settlement). Bounds the lookup to an index range.
pub const EARLY_EVENT_DAYS: i64 = 14;

/// A settled payment, with the card's last four digits when the card is still linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledPayment {
    /// The `transaction.settled` event.
    pub event: Event,
    pub card_last4: Option<String>,
}

/// Settlements that occurred in `[from, until)` and were not reversed, newest first, at most
/// `limit` of them.
pub async fn settled_payments(
    pool: &SqlitePool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<SettledPayment>, StoreError> {
    let (from, until, limit) = (to_ms(from), to_ms(until), i64::from(limit));
    let rows = sqlx::query!(
        r#"SELECT e.seq AS "seq!: i64", e.payload, c.last4 AS "card_last4?: String"
           FROM events e LEFT JOIN cards c ON c.token = e.card_token
           WHERE e.kind = 'transaction.settled'
             AND e.occurred_at_ms >= ?1 AND e.occurred_at_ms < ?2
             AND NOT EXISTS (
                 SELECT 1 FROM events r
                 WHERE r.card_token = e.card_token AND r.occurred_at_ms >= e.occurred_at_ms
                   AND r.kind = 'transaction.reversed'
                   AND r.payload ->> '$.transaction_id' = e.payload ->> '$.transaction_id')
           ORDER BY e.occurred_at_ms DESC, e.seq DESC LIMIT ?3"#,
        from,
        until,
        limit,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(SettledPayment {
                event: stored_event(row.seq, &row.payload)?,
                card_last4: row.card_last4,
            })
        })
        .collect()
}

/// Every app event on `card_token` that names `transaction_id` as its payment, dated from
/// [`EARLY_EVENT_DAYS`] before `settled_at` on, oldest first.
pub async fn app_events_for_payment(
    pool: &SqlitePool,
    card_token: &str,
    transaction_id: &str,
    settled_at: DateTime<Utc>,
) -> Result<Vec<Event>, StoreError> {
    let from = to_ms(settled_at - Duration::days(EARLY_EVENT_DAYS));
    let rows = sqlx::query!(
        r#"SELECT e.seq AS "seq!: i64", e.payload
           FROM events e
           WHERE e.card_token = ?1 AND e.occurred_at_ms >= ?2 AND e.app_id IS NOT NULL
             AND e.payload ->> '$.payment.transaction_id' = ?3
           ORDER BY e.occurred_at_ms, e.seq"#,
        card_token,
        from,
        transaction_id,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|row| stored_event(row.seq, &row.payload))
        .collect()
}
