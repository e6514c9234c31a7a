//! The cardholder's history of events, newest first, in pages.
//!
//! Keyset pagination, never OFFSET: a page starts strictly after the cursor
//! `(occurred_at, seq)` of the previous page's last row, so page 18,000 costs what page 1 costs
//! (an index seek), and rows arriving meanwhile neither repeat nor vanish across pages.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use consentry_domain::{Event, EventType, ViolationReason};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::error::StoreError;
use crate::time::{from_ms, to_ms};

/// Largest page served.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Which events to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only this card.
    pub card_token: Option<String>,
    /// Only this app.
    pub app_id: Option<String>,
    /// Only these kinds (any of them).
    pub kinds: Vec<EventType>,
    /// Occurred at or after.
    pub from: Option<DateTime<Utc>>,
    /// Occurred strictly before.
    pub until: Option<DateTime<Utc>>,
}

impl HistoryFilter {
    /// Appends this filter's ` AND …` conditions on `events e` to a query.
    pub(crate) fn push_conditions<'a>(&'a self, sql: &mut QueryBuilder<'a, Sqlite>) {
        self.push_conditions_on(sql, "e");
    }

    /// Appends this filter's ` AND …` conditions on the events table aliased `alias`.
    pub(crate) fn push_conditions_on<'a>(
        &'a self,
        sql: &mut QueryBuilder<'a, Sqlite>,
        alias: &'static str,
    ) {
        if let Some(card) = &self.card_token {
            sql.push(format_args!(" AND {alias}.card_token = "))
                .push_bind(card);
        }
        if let Some(app) = &self.app_id {
            sql.push(format_args!(" AND {alias}.app_id = "))
                .push_bind(app);
        }
        if !self.kinds.is_empty() {
            sql.push(format_args!(" AND {alias}.kind IN ("));
            let mut kinds = sql.separated(", ");
            for kind in &self.kinds {
                kinds.push_bind(kind.as_str());
            }
            sql.push(")");
        }
        if let Some(from) = self.from {
            sql.push(format_args!(" AND {alias}.occurred_at_ms >= "))
                .push_bind(to_ms(from));
        }
        if let Some(until) = self.until {
            sql.push(format_args!(" AND {alias}.occurred_at_ms < "))
                .push_bind(to_ms(until));
        }
    }
}

/// Where the next page starts. Opaque to callers: `Display`/`FromStr` as `"<ms>.<seq>"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HistoryCursor {
    pub(crate) occurred_at_ms: i64,
    pub(crate) seq: i64,
}

impl HistoryCursor {
    /// Appends the keyset seek `AND (e.occurred_at_ms, e.seq) <op> (cursor)`; `op` is `<`
    /// (older) or `>` (newer).
    pub(crate) fn push_seek(self, sql: &mut QueryBuilder<'_, Sqlite>, op: &'static str) {
        sql.push(" AND (e.occurred_at_ms, e.seq) ")
            .push(op)
            .push(" (")
            .push_bind(self.occurred_at_ms)
            .push(", ")
            .push_bind(self.seq)
            .push(")");
    }
}

impl fmt::Display for HistoryCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.occurred_at_ms, self.seq)
    }
}

impl FromStr for HistoryCursor {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || StoreError::invalid("cursor", "not a cursor of this list");
        let (ms, seq) = s.split_once('.').ok_or_else(bad)?;
        Ok(Self {
            occurred_at_ms: ms.parse().map_err(|_| bad())?,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }
}

/// One event in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryItem {
    /// Local arrival number.
    pub seq: i64,
    /// The event.
    pub event: Event,
    /// Whether its signature verified.
    pub signature_verified: bool,
    /// Set when it arrived outside the cardholder's consent.
    pub violation: Option<ViolationReason>,
    /// When the wallet received it.
    pub received_at: DateTime<Utc>,
}

/// The event stored as `events.payload` for `seq`.
pub(crate) fn stored_event(seq: i64, payload: &str) -> Result<Event, StoreError> {
    serde_json::from_str(payload)
        .map_err(|e| StoreError::Internal(format!("stored event {seq}: {e}")))
}

/// The reason stored as `violations.reason` for `seq`, if the event is flagged.
pub(crate) fn stored_violation(
    seq: i64,
    reason: Option<&str>,
) -> Result<Option<ViolationReason>, StoreError> {
    reason
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| StoreError::Internal(format!("stored violation {seq}: {e}")))
}

/// One page and where the next one starts (`None` at the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    /// The events, newest first.
    pub items: Vec<HistoryItem>,
    /// Pass it back for the next page.
    pub next: Option<HistoryCursor>,
}

/// A page of at most `limit` events matching `filter`, after `cursor` (`None`: the newest).
///
/// Built at runtime (`QueryBuilder`), not checked by `sqlx::query!`: the filter is dynamic (any
/// subset of card, app, date range and cursor, and an `IN` list as long as `kinds`). A static
/// `(? IS NULL OR col = ?)` form would keep SQLite from picking the `events_by_card` /
/// `events_by_app` / `events_by_kind` index for the keyset seek, which is what keeps a deep page
/// as cheap as the first.
pub async fn page(
    pool: &SqlitePool,
    filter: &HistoryFilter,
    cursor: Option<HistoryCursor>,
    limit: u32,
) -> Result<HistoryPage, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE_SIZE);
    let mut sql: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
        "SELECT e.seq, e.occurred_at_ms, e.payload, e.signature_verified, e.received_at_ms, \
         v.reason AS violation FROM events e LEFT JOIN violations v ON v.event_seq = e.seq \
         WHERE 1 = 1",
    );
    filter.push_conditions(&mut sql);
    if let Some(c) = cursor {
        c.push_seek(&mut sql, "<");
    }
    sql.push(" ORDER BY e.occurred_at_ms DESC, e.seq DESC LIMIT ")
        .push_bind(i64::from(limit) + 1);

    let rows = sql.build().fetch_all(pool).await?;
    let more = rows.len() > limit as usize;
    let mut items = Vec::with_capacity(limit as usize);
    let mut last = None;
    for row in rows.iter().take(limit as usize) {
        let seq: i64 = row.try_get("seq")?;
        let occurred_at_ms: i64 = row.try_get("occurred_at_ms")?;
        items.push(HistoryItem {
            seq,
            event: stored_event(seq, row.try_get("payload")?)?,
            signature_verified: row.try_get("signature_verified")?,
            violation: stored_violation(seq, row.try_get("violation")?)?,
            received_at: from_ms(row.try_get("received_at_ms")?),
        });
        last = Some(HistoryCursor {
            occurred_at_ms,
            seq,
        });
    }
    Ok(HistoryPage {
        items,
        next: if more { last } else { None },
    })
}
