//! Activity by purchase: the feed with one row per purchase instead of one per event.
//!
//! A purchase is the events of one card that name one transaction id (`events.purchase_id`:
//! its authorization, settlement or reversal, and the receipts, points, cashback, offers,
//! recommendations and posts the apps produced for it). Only the card's own events join: an
//! event naming another card's transaction is a purchase of its own card, however alike the
//! ids. Events about no purchase (consent and card changes, terms, app events without a
//! payment) stay rows of their own.
//!
//! A purchase is listed once, at its newest event that matches the filter: so searching a
//! receipt line or filtering by an app finds the purchase, and a reaction arriving later
//! brings its purchase back to the top, like a conversation in a mail client. Each row comes
//! with the purchase's events (newest first, at most [`MAX_EVENTS`]) and how many there are
//! and how many were received outside the cardholder's consent, counted over all of them.
//! Paging is the feed's keyset ([`crate::activity`]) on the listed event.

use std::collections::HashMap;

use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::tables::activity::{
    listed_page, ActivityCursor, ActivityFilter, ActivityRow, Direction, Listing, PurchaseKey,
    RawRow,
};

/// Most events served with one purchase (a real purchase has about ten; a platform that names
/// one transaction in thousands of events gets the newest ones, and the true count).
pub const MAX_EVENTS: u32 = 100;

/// A purchase and its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    /// The transaction id its events name.
    pub transaction_id: String,
    /// Its events, newest first (at most [`MAX_EVENTS`]).
    pub events: Vec<ActivityRow>,
    /// How many events it has in all.
    pub event_count: u64,
    /// How many of them were received outside the cardholder's consent.
    pub violation_count: u64,
}

/// One row of the feed by purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The event the row sits at: an event of its own, or the purchase's newest matching
    /// event. Its cursor is the row's.
    pub row: ActivityRow,
    /// The purchase, when the event belongs to one.
    pub purchase: Option<Purchase>,
}

/// One page of the feed by purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchasePage {
    /// Newest first.
    pub entries: Vec<Entry>,
    /// Where the next (older) page starts; `None` at the end. Always `None` for `Newer`.
    pub next: Option<ActivityCursor>,
    /// For `Newer`: more newer rows remain beyond this page.
    pub more_newer: bool,
}

/// A page of at most `limit` rows: events of their own and purchases with at least one event
/// matching `filter`, each purchase once, with its events.
pub async fn page(
    pool: &SqlitePool,
    filter: &ActivityFilter,
    direction: Direction,
    limit: u32,
) -> Result<PurchasePage, StoreError> {
    let listed = listed_page(pool, filter, direction, limit, Listing::Purchases).await?;
    let keys: Vec<&PurchaseKey> = listed.rows.iter().filter_map(|(_, k)| k.as_ref()).collect();
    let mut purchases = purchases_of(pool, &keys).await?;
    let entries = listed
        .rows
        .into_iter()
        .map(|(row, key)| {
            let purchase = key.and_then(|key| purchases.remove(&key));
            Entry { row, purchase }
        })
        .collect();
    Ok(PurchasePage {
        entries,
        next: listed.next,
        more_newer: listed.more_newer,
    })
}

/// The purchases `keys` name, with their newest events: one statement. The ranking reads only
/// `events_by_purchase` (and the violations' keys); payloads are read for the kept events.
async fn purchases_of(
    pool: &SqlitePool,
    keys: &[&PurchaseKey],
) -> Result<HashMap<PurchaseKey, Purchase>, StoreError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let keys = serde_json::to_string(
        &keys
            .iter()
            .map(|k| [k.card_token.as_str(), k.purchase_id.as_str()])
            .collect::<Vec<_>>(),
    )
    .map_err(|e| StoreError::Internal(format!("purchase keys: {e}")))?;
    let most = i64::from(MAX_EVENTS);
    let rows = sqlx::query!(
        r#"WITH ranked AS (
               SELECT e.seq, e.card_token, e.purchase_id,
                      row_number() OVER (PARTITION BY e.card_token, e.purchase_id
                                         ORDER BY e.occurred_at_ms DESC, e.seq DESC) AS rank,
                      count(*) OVER (PARTITION BY e.card_token, e.purchase_id) AS events,
                      count(f.event_seq) OVER (PARTITION BY e.card_token, e.purchase_id) AS flagged
               FROM json_each(?1) AS k
               JOIN events e ON e.card_token = k.value ->> 0 AND e.purchase_id = k.value ->> 1
               LEFT JOIN violations f ON f.event_seq = e.seq
           )
           SELECT r.card_token AS "card_token!: String", r.purchase_id AS "purchase_id!: String",
                  r.events AS "events!: i64", r.flagged AS "flagged!: i64",
                  e.seq AS "seq!: i64", e.payload AS "payload!: String",
                  e.signature_verified AS "signature_verified!: bool",
                  e.received_at_ms AS "received_at_ms!: i64", v.reason AS "violation?: String",
                  c.last4 AS "card_last4?: String", c.nickname AS "card_nickname?: String",
                  a.name AS "app_name?: String"
           FROM ranked r JOIN events e ON e.seq = r.seq
           LEFT JOIN violations v ON v.event_seq = e.seq
           LEFT JOIN cards c ON c.token = e.card_token LEFT JOIN apps a ON a.id = e.app_id
           WHERE r.rank <= ?2
           ORDER BY r.card_token, r.purchase_id, r.rank"#,
        keys,
        most,
    )
    .fetch_all(pool)
    .await?;
    let mut purchases: HashMap<PurchaseKey, Purchase> = HashMap::new();
    for r in rows {
        let row = ActivityRow::try_from(RawRow {
            seq: r.seq,
            payload: r.payload,
            signature_verified: r.signature_verified,
            received_at_ms: r.received_at_ms,
            violation: r.violation,
            card_last4: r.card_last4,
            card_nickname: r.card_nickname,
            app_name: r.app_name,
        })?;
        let key = PurchaseKey {
            card_token: r.card_token,
            purchase_id: r.purchase_id,
        };
        purchases
            .entry(key)
            .or_insert_with_key(|key| Purchase {
                transaction_id: key.purchase_id.clone(),
                events: Vec::new(),
                event_count: u64::try_from(r.events).unwrap_or_default(),
                violation_count: u64::try_from(r.flagged).unwrap_or_default(),
            })
            .events
            .push(row);
    }
    Ok(purchases)
}
