//! A selection of events (dates, cards, apps, kinds) and what can be asked of it: counts, keyset
//! pages, and per-card statement spans. The export reads the wallet only through this module
//! and [`crate::event_stream`].
//!
//! Keyset pages filter on one card and one app in SQL; several cards or apps are filtered on
//! each page. Pages come newest first, like the activity feed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use consentry_domain::EventType;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use crate::history::{self, HistoryCursor, HistoryFilter, HistoryItem, MAX_PAGE_SIZE};
use crate::StoreError;

/// Which events: every field narrows; an empty list selects all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSelection {
    /// From this time, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Until this time, exclusive.
    pub until: Option<DateTime<Utc>>,
    /// Card tokens; empty: every card.
    pub cards: Vec<String>,
    /// App ids; empty: every app (and platform events without one).
    pub apps: Vec<String>,
    /// Kinds; empty: every kind.
    pub kinds: Vec<EventType>,
}

impl EventSelection {
    /// Whether `kind` is selected.
    pub fn includes_kind(&self, kind: EventType) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    /// The same selection narrowed to those of `kinds` that are selected; `None` when none is.
    pub fn only_kinds(&self, kinds: &[EventType]) -> Option<Self> {
        let kept: Vec<EventType> = kinds
            .iter()
            .copied()
            .filter(|k| self.includes_kind(*k))
            .collect();
        if kept.is_empty() {
            return None;
        }
        let mut narrowed = self.clone();
        narrowed.kinds = kept;
        Some(narrowed)
    }

    /// The same selection narrowed to one card.
    pub fn only_card(&self, token: &str) -> Self {
        let mut narrowed = self.clone();
        narrowed.cards = vec![token.to_owned()];
        narrowed
    }

    /// Appends ` AND …` conditions on the `events` table aliased `e`.
    pub(crate) fn push_conditions(&self, sql: &mut QueryBuilder<'_, Sqlite>) {
        push_in(sql, "e.card_token", &self.cards);
        push_in(sql, "e.app_id", &self.apps);
        let kinds: Vec<String> = self.kinds.iter().map(|k| k.as_str().to_owned()).collect();
        push_in(sql, "e.kind", &kinds);
        if let Some(from) = self.from {
            sql.push(" AND e.occurred_at_ms >= ")
                .push_bind(from.timestamp_millis());
        }
        if let Some(until) = self.until {
            sql.push(" AND e.occurred_at_ms < ")
                .push_bind(until.timestamp_millis());
        }
    }

    /// The query counting the selected events.
    pub(crate) fn count_query(&self) -> QueryBuilder<'static, Sqlite> {
        let mut sql = QueryBuilder::new("SELECT count(*) FROM events e WHERE 1 = 1");
        self.push_conditions(&mut sql);
        sql
    }

    /// How many events match.
    pub async fn count(&self, pool: &SqlitePool) -> Result<u64, StoreError> {
        let n: i64 = self
            .count_query()
            .build_query_scalar()
            .fetch_one(pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// How many events match, per kind.
    pub async fn count_by_kind(
        &self,
        pool: &SqlitePool,
    ) -> Result<HashMap<EventType, u64>, StoreError> {
        let mut sql = QueryBuilder::new("SELECT e.kind, count(*) FROM events e WHERE 1 = 1");
        self.push_conditions(&mut sql);
        sql.push(" GROUP BY e.kind");
        let rows: Vec<(String, i64)> = sql.build_query_as().fetch_all(pool).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, n)| Some((kind.parse().ok()?, u64::try_from(n).ok()?)))
            .collect())
    }

    /// Per card and currency of the selected events' `amount`: the first and last time and
    /// the number of events (one aggregate query), ordered by card then currency.
    pub async fn spans_by_card_and_currency(
        &self,
        pool: &SqlitePool,
    ) -> Result<Vec<CardCurrencySpan>, StoreError> {
        let mut sql = QueryBuilder::new(
            "SELECT e.card_token, e.payload ->> '$.amount.currency' AS currency, \
             min(e.occurred_at_ms), max(e.occurred_at_ms), count(*) FROM events e WHERE 1 = 1",
        );
        self.push_conditions(&mut sql);
        sql.push(" GROUP BY 1, 2 ORDER BY 1, 2");
        let rows: Vec<(String, String, i64, i64, i64)> =
            sql.build_query_as().fetch_all(pool).await?;
        Ok(rows
            .into_iter()
            .map(
                |(card_token, currency, first_ms, last_ms, events)| CardCurrencySpan {
                    card_token,
                    currency,
                    first_ms,
                    last_ms,
                    events: u64::try_from(events).unwrap_or_default(),
                },
            )
            .collect())
    }

    /// The selected events, page by page.
    pub fn pages(&self, pool: &SqlitePool) -> Pages {
        let single = |values: &[String]| match values {
            [one] => Some(one.clone()),
            _ => None,
        };
        let several = |values: &[String]| {
            (values.len() > 1).then(|| values.iter().cloned().collect::<HashSet<_>>())
        };
        let filter = HistoryFilter {
            card_token: single(&self.cards),
            app_id: single(&self.apps),
            kinds: self.kinds.clone(),
            from: self.from,
            until: self.until,
        };
        Pages {
            next: Some(None),
            pool: pool.clone(),
            filter,
            cards: several(&self.cards),
            apps: several(&self.apps),
        }
    }
}

/// The events of one card in one currency, as [`EventSelection::spans_by_card_and_currency`]
/// finds them. The currency is the stored text; the caller decides what a bad one means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardCurrencySpan {
    pub card_token: String,
    pub currency: String,
    pub first_ms: i64,
    pub last_ms: i64,
    pub events: u64,
}

fn push_in(sql: &mut QueryBuilder<'_, Sqlite>, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    sql.push(format!(" AND {column} IN ("));
    let mut list = sql.separated(", ");
    for value in values {
        list.push_bind(value.clone());
    }
    sql.push(")");
}

/// Whether any stored event is on this card token (a card unlinked since still has history).
pub async fn any_event_on_card(pool: &SqlitePool, token: &str) -> Result<bool, StoreError> {
    let found = sqlx::query_scalar!(
        r#"SELECT 1 AS "one!: i64" FROM events WHERE card_token = ? LIMIT 1"#,
        token
    )
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// Whether any stored event is from this app (an app gone from the directory still has history).
pub async fn any_event_from_app(pool: &SqlitePool, app_id: &str) -> Result<bool, StoreError> {
    let found = sqlx::query_scalar!(
        r#"SELECT 1 AS "one!: i64" FROM events WHERE app_id = ? LIMIT 1"#,
        app_id
    )
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// Keyset pages of the selected events, newest first.
///
/// Pages are read one after the other on purpose: reading ahead overlaps decryption with
/// writing, but spreads the reads over more pooled connections, each with its own page cache
/// (32 MiB), which breaks the export's memory budget.
pub struct Pages {
    pool: SqlitePool,
    filter: HistoryFilter,
    cards: Option<HashSet<String>>,
    apps: Option<HashSet<String>>,
    /// Where the next page starts; `None` once the last page was read.
    next: Option<Option<HistoryCursor>>,
}

impl Pages {
    /// The next page (possibly empty after filtering), or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Vec<HistoryItem>>, StoreError> {
        let Some(cursor) = self.next else {
            return Ok(None);
        };
        let page = history::page(&self.pool, &self.filter, cursor, MAX_PAGE_SIZE).await?;
        self.next = page.next.map(Some);
        let mut items = page.items;
        if self.cards.is_some() || self.apps.is_some() {
            items.retain(|item| {
                self.cards
                    .as_ref()
                    .is_none_or(|c| c.contains(&item.event.card_token))
                    && self
                        .apps
                        .as_ref()
                        .is_none_or(|a| item.event.app_id.as_ref().is_some_and(|id| a.contains(id)))
            });
        }
        Ok(Some(items))
    }
}
