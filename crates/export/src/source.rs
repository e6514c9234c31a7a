//! Reading the events to export: the store's keyset pages (`history::page`), never the whole
//! table, with the filter resolved against the wallet.
//!
//! The store filters on one card and one app; several cards or apps are filtered here, on
//! each page. Pages come newest first, like the activity feed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use consentry_domain::EventType;
use consentry_store::history::{self, HistoryCursor, HistoryFilter, HistoryItem, MAX_PAGE_SIZE};
use consentry_store::{apps, cards};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use crate::error::ExportError;
use crate::options::ExportFilter;

/// The filter, resolved against the wallet: card tokens, known app ids, explicit kinds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Card tokens; empty: every card.
    pub cards: Vec<String>,
    /// App ids; empty: every app (and platform events without one).
    pub apps: Vec<String>,
    /// Kinds; empty: every kind.
    pub kinds: Vec<EventType>,
}

impl Selection {
    /// Resolves `filter`: a 4-digit card is every card with those last digits; a card or app
    /// must be known to the wallet (a typo would otherwise export nothing, silently).
    pub async fn resolve(pool: &SqlitePool, filter: &ExportFilter) -> Result<Self, ExportError> {
        let linked = cards::list(pool).await?;
        let mut tokens = Vec::new();
        for wanted in &filter.cards {
            let wanted = wanted.trim();
            let by_last4: Vec<&str> =
                if wanted.len() == 4 && wanted.bytes().all(|b| b.is_ascii_digit()) {
                    linked
                        .iter()
                        .filter(|c| c.last4 == wanted)
                        .map(|c| c.token.as_str())
                        .collect()
                } else {
                    Vec::new()
                };
            if !by_last4.is_empty() {
                tokens.extend(by_last4.into_iter().map(str::to_owned));
            } else if linked.iter().any(|c| c.token == wanted)
                || has_events(pool, "card_token", wanted).await?
            {
                tokens.push(wanted.to_owned());
            } else {
                return Err(ExportError::UnknownCard(wanted.to_owned()));
            }
        }
        let mut app_ids = Vec::new();
        for wanted in &filter.apps {
            let wanted = wanted.trim();
            if apps::get(pool, wanted).await?.is_some()
                || has_events(pool, "app_id", wanted).await?
            {
                app_ids.push(wanted.to_owned());
            } else {
                return Err(ExportError::UnknownApp(wanted.to_owned()));
            }
        }
        tokens.sort_unstable();
        tokens.dedup();
        app_ids.sort_unstable();
        app_ids.dedup();
        let kinds = filter.kinds_or_all();
        Ok(Self {
            from: filter.from,
            until: filter.until,
            cards: tokens,
            apps: app_ids,
            kinds: if kinds.len() == EventType::ALL.len() {
                Vec::new()
            } else {
                kinds
            },
        })
    }

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
    pub fn push_conditions(&self, sql: &mut QueryBuilder<'_, Sqlite>) {
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

    /// How many events match (the progress estimate).
    pub async fn count(&self, pool: &SqlitePool) -> Result<u64, ExportError> {
        let mut sql = QueryBuilder::new("SELECT count(*) FROM events e WHERE 1 = 1");
        self.push_conditions(&mut sql);
        let n: i64 = sql
            .build_query_scalar()
            .fetch_one(pool)
            .await
            .map_err(consentry_store::StoreError::from)?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// The matching events, page by page.
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

async fn has_events(pool: &SqlitePool, column: &str, value: &str) -> Result<bool, ExportError> {
    let sql = format!("SELECT 1 FROM events WHERE {column} = ? LIMIT 1");
    let found: Option<i64> = sqlx::query_scalar(&sql)
        .bind(value)
        .fetch_optional(pool)
        .await
        .map_err(consentry_store::StoreError::from)?;
    Ok(found.is_some())
}

/// Keyset pages of the selected events, newest first.
///
/// Pages are read one after the other on purpose: reading ahead overlaps decryption with
/// writing, but spreads the reads over more pooled connections, each with its own page cache
/// (32 MiB), which breaks the export's memory budget.
pub(crate) struct Pages {
    pool: SqlitePool,
    filter: HistoryFilter,
    cards: Option<HashSet<String>>,
    apps: Option<HashSet<String>>,
    /// Where the next page starts; `None` once the last page was read.
    next: Option<Option<HistoryCursor>>,
}

impl Pages {
    /// The next page (possibly empty after filtering), or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Vec<HistoryItem>>, ExportError> {
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

/// Cards and apps by id, for the `card_last4` columns and the JSON document's directory.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    pub cards: Vec<cards::Card>,
    pub apps: Vec<apps::CachedApp>,
    last4: HashMap<String, String>,
}

impl Directory {
    pub async fn load(pool: &SqlitePool) -> Result<Self, ExportError> {
        let cards = cards::list(pool).await?;
        let apps = apps::list(pool).await?;
        let last4 = cards
            .iter()
            .map(|c| (c.token.clone(), c.last4.clone()))
            .collect();
        Ok(Self { cards, apps, last4 })
    }

    /// The last 4 digits of a linked card, `""` for a token the wallet no longer knows.
    pub fn last4(&self, token: &str) -> &str {
        self.last4.get(token).map_or("", String::as_str)
    }
}

impl Selection {
    /// How many events match, per kind (the progress estimate of per-kind passes).
    pub async fn count_by_kind(
        &self,
        pool: &SqlitePool,
    ) -> Result<HashMap<EventType, u64>, ExportError> {
        let mut sql = QueryBuilder::new("SELECT e.kind, count(*) FROM events e WHERE 1 = 1");
        self.push_conditions(&mut sql);
        sql.push(" GROUP BY e.kind");
        let rows: Vec<(String, i64)> = sql
            .build_query_as()
            .fetch_all(pool)
            .await
            .map_err(consentry_store::StoreError::from)?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, n)| Some((kind.parse().ok()?, u64::try_from(n).ok()?)))
            .collect())
    }
}
