//! The activity feed: every stored event, filtered (card, app, kinds, dates, violations) and
//! searched (the FTS5 index), newest first, in keyset pages; one event by id; and the
//! transaction events a receipt or reward belongs to.
//!
//! Pages are keyset, never OFFSET: a page starts strictly after the `(occurred_at, seq)` of the
//! previous page's last row, so a deep page costs what the first costs and rows arriving
//! meanwhile neither repeat nor vanish. Newer rows (arrived since the list was shown) are asked
//! for with [`Direction::Newer`], so the UI prepends them without reloading.

use chrono::{DateTime, Duration, Utc};
use consentry_domain::{Event, ViolationReason};
use sqlx::{FromRow, QueryBuilder, Row, Sqlite, SqlitePool};

use crate::error::StoreError;
use crate::tables::history::{stored_event, stored_violation, HistoryFilter};
use crate::tables::search::fts_query;
use crate::time::{from_ms, to_ms};

/// Largest page served.
pub const MAX_PAGE_SIZE: u32 = 200;

/// How far around a receipt its transaction's events are looked for: settlement can come days
/// after the purchase, and this bound keeps the lookup an index range on the card.
pub const TRANSACTION_WINDOW_DAYS: i64 = 90;

/// Which events to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    /// Card, app, kinds and date range, as for the history.
    pub events: HistoryFilter,
    /// Only events flagged as consent violations.
    pub violations_only: bool,
    /// Words typed in the search box: events whose merchant or receipt lines match, and the
    /// events of apps whose name or publisher match (every word, as a prefix).
    pub search: Option<String>,
}

impl ActivityFilter {
    /// The FTS5 query of the typed search words: `Some(None)` when nothing is searched,
    /// `None` when what was typed can match nothing (only punctuation).
    pub(crate) fn search_query(&self) -> Option<Option<String>> {
        match self.search.as_deref().map(str::trim) {
            Some(typed) if !typed.is_empty() => fts_query(typed).map(Some),
            _ => Some(None),
        }
    }

    /// Appends ` AND …` conditions: the event aliased `alias` matches this filter and, when
    /// given, `search` (its merchant or a receipt line matches the FTS5 query, or its app is one
    /// of the apps whose name matched). The FTS5 lookup is computed once per statement.
    pub(crate) fn push_match<'a>(
        &'a self,
        sql: &mut QueryBuilder<'a, Sqlite>,
        search: Option<&Search>,
        alias: &'static str,
    ) {
        self.events.push_conditions_on(sql, alias);
        if self.violations_only {
            sql.push(format_args!(
                " AND {alias}.seq IN (SELECT event_seq FROM violations)"
            ));
        }
        if let Some(search) = search {
            // `+seq` keeps SQLite from reading the hits by rowid (then sorting them all by
            // time): for many hits, and inside a purchase probe, the time-ordered index is
            // walked and each row checked against the hits instead.
            let plus = if search.dense || alias != "e" {
                "+"
            } else {
                ""
            };
            sql.push(format_args!(
                " AND ({plus}{alias}.seq IN (SELECT rowid FROM search_index \
                 WHERE search_index MATCH "
            ))
            .push_bind(search.query.clone())
            .push(" AND rowid > 0)");
            if !search.apps.is_empty() {
                sql.push(format_args!(" OR {alias}.app_id IN ("));
                let mut apps = sql.separated(", ");
                for app in &search.apps {
                    apps.push_bind(app.clone());
                }
                sql.push(")");
            }
            sql.push(")");
        }
    }
}

/// A search, resolved: the FTS5 query and the apps whose name or publisher it matches (looked
/// up first, so that an event's app is compared with a short list, or not at all when no app
/// matches: a row is then read only when its own words match), and whether the words match
/// many events.
#[derive(Debug, Clone)]
pub(crate) struct Search {
    query: String,
    apps: Vec<String>,
    /// At least [`DENSE_HITS`] events match: a page is found faster by walking the events in
    /// time order and keeping the hits (a few thousand index entries for 50 rows) than by
    /// reading and sorting every hit (each a row read, thousands at a million events).
    dense: bool,
}

/// Hits from which a search walks the events in time order instead of sorting its hits: where
/// the two cost about the same at a million events (measured with `make bench`).
pub(crate) const DENSE_HITS: i64 = 2_000;

impl Search {
    async fn resolve(pool: &SqlitePool, query: String) -> Result<Self, StoreError> {
        let hits = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!: i64" FROM
               (SELECT rowid FROM search_index WHERE search_index MATCH ?1 AND rowid > 0 LIMIT ?2)"#,
            query,
            DENSE_HITS
        )
        .fetch_one(pool)
        .await?;
        let apps = sqlx::query_scalar!(
            r#"SELECT ap.id AS "id!: String" FROM apps ap WHERE ap.rowid IN
               (SELECT -rowid FROM search_index WHERE search_index MATCH ? AND rowid < 0)
               ORDER BY ap.id"#,
            query
        )
        .fetch_all(pool)
        .await?;
        Ok(Self {
            query,
            apps,
            dense: hits >= DENSE_HITS,
        })
    }
}

/// A position in the feed: the history's keyset cursor (`"<ms>.<seq>"`).
pub use crate::tables::history::HistoryCursor as ActivityCursor;

/// Which side of a cursor to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The newest page (`None`) or the page older than the cursor.
    Older(Option<ActivityCursor>),
    /// Events newer than the cursor (the head of the list the UI shows), the closest first
    /// served, returned newest first.
    Newer(ActivityCursor),
}

/// One stored event with what the feed shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
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
    /// The card's last four digits, if the card is still in the wallet.
    pub card_last4: Option<String>,
    /// The cardholder's name for the card.
    pub card_nickname: Option<String>,
    /// The app's name, if the app is in the cached directory.
    pub app_name: Option<String>,
}

impl ActivityRow {
    /// This row's position, for [`Direction`].
    pub fn cursor(&self) -> ActivityCursor {
        ActivityCursor {
            occurred_at_ms: to_ms(self.event.occurred_at),
            seq: self.seq,
        }
    }
}

/// One page of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityPage {
    /// Newest first.
    pub rows: Vec<ActivityRow>,
    /// Where the next (older) page starts; `None` at the end. Always `None` for `Newer`.
    pub next: Option<ActivityCursor>,
    /// For `Newer`: more newer events remain beyond this page (ask again from its first row).
    pub more_newer: bool,
}

const COLUMNS: &str = "SELECT e.seq, e.payload, e.signature_verified, e.received_at_ms, \
    v.reason AS violation, c.last4 AS card_last4, c.nickname AS card_nickname, \
    a.name AS app_name, e.card_token AS group_card, e.purchase_id AS group_id \
    FROM events e LEFT JOIN violations v ON v.event_seq = e.seq \
    LEFT JOIN cards c ON c.token = e.card_token LEFT JOIN apps a ON a.id = e.app_id";

/// What a row of a page stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    /// Every matching event.
    Events,
    /// Every event of its own, and each purchase once, at its newest matching event
    /// ([`crate::purchases`]).
    Purchases,
}

/// A purchase: the card and the transaction id (the `events` columns `card_token` and
/// `purchase_id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PurchaseKey {
    pub card_token: String,
    pub purchase_id: String,
}

/// A page of rows, each with the purchase it belongs to: what [`page`] and
/// [`crate::purchases::page`] are made of.
pub(crate) struct ListedPage {
    pub rows: Vec<(ActivityRow, Option<PurchaseKey>)>,
    pub next: Option<ActivityCursor>,
    pub more_newer: bool,
}

/// A page of at most `limit` events matching `filter`.
///
/// Built at runtime (`QueryBuilder`), like the history page and for the same reason: the filter
/// is any subset of card, app, kinds, dates, violations, search and cursor, and a static
/// `? IS NULL OR …` form would keep SQLite from choosing the `events_by_*` index for the seek.
/// A search is two FTS5 lookups: the apps whose name matches, first, then the events whose
/// merchant or lines match, whose rowids feed the keyset scan; a search that matches nothing is
/// an empty page, not an error.
pub async fn page(
    pool: &SqlitePool,
    filter: &ActivityFilter,
    direction: Direction,
    limit: u32,
) -> Result<ActivityPage, StoreError> {
    let listed = listed_page(pool, filter, direction, limit, Listing::Events).await?;
    Ok(ActivityPage {
        rows: listed.rows.into_iter().map(|(row, _)| row).collect(),
        next: listed.next,
        more_newer: listed.more_newer,
    })
}

/// [`page`] for either [`Listing`]. For purchases, an event is a row unless a newer event of
/// its purchase (same card, same `purchase_id`) also matches the filter: the purchase's
/// `events_by_purchase` entries are probed for it, so each row costs a few index steps more
/// than an event's and every filter keeps its index range scan.
pub(crate) async fn listed_page(
    pool: &SqlitePool,
    filter: &ActivityFilter,
    direction: Direction,
    limit: u32,
    listing: Listing,
) -> Result<ListedPage, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE_SIZE);
    let Some(search) = filter.search_query() else {
        return Ok(ListedPage {
            rows: Vec::new(),
            next: None,
            more_newer: false,
        });
    };
    let search = match search {
        Some(query) => Some(Search::resolve(pool, query).await?),
        None => None,
    };
    let mut sql: QueryBuilder<'_, Sqlite> = QueryBuilder::new(COLUMNS);
    sql.push(" WHERE 1 = 1");
    filter.push_match(&mut sql, search.as_ref(), "e");
    if listing == Listing::Purchases {
        sql.push(
            " AND (e.purchase_id IS NULL OR NOT EXISTS (SELECT 1 FROM events m \
             WHERE m.card_token = e.card_token AND m.purchase_id = e.purchase_id \
             AND (m.occurred_at_ms, m.seq) > (e.occurred_at_ms, e.seq)",
        );
        filter.push_match(&mut sql, search.as_ref(), "m");
        sql.push("))");
    }
    let newer = match direction {
        Direction::Older(Some(c)) => {
            c.push_seek(&mut sql, "<");
            false
        }
        Direction::Older(None) => false,
        Direction::Newer(c) => {
            c.push_seek(&mut sql, ">");
            true
        }
    };
    sql.push(if newer {
        " ORDER BY e.occurred_at_ms ASC, e.seq ASC LIMIT "
    } else {
        " ORDER BY e.occurred_at_ms DESC, e.seq DESC LIMIT "
    })
    .push_bind(i64::from(limit) + 1);

    let fetched = sql.build().fetch_all(pool).await?;
    let more = fetched.len() > limit as usize;
    let mut rows = fetched
        .iter()
        .take(limit as usize)
        .map(|row| {
            let card: Option<String> = row.try_get("group_card")?;
            let purchase: Option<String> = row.try_get("group_id")?;
            let key = card
                .zip(purchase)
                .map(|(card_token, purchase_id)| PurchaseKey {
                    card_token,
                    purchase_id,
                });
            Ok((ActivityRow::try_from(RawRow::from_row(row)?)?, key))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    if newer {
        rows.reverse();
        return Ok(ListedPage {
            rows,
            next: None,
            more_newer: more,
        });
    }
    let next = if more {
        rows.last().map(|(row, _)| row.cursor())
    } else {
        None
    };
    Ok(ListedPage {
        rows,
        next,
        more_newer: false,
    })
}

/// The columns of one feed row ([`COLUMNS`]), as the page query and the compile-time-checked
/// lookups return them.
#[derive(sqlx::FromRow)]
pub(crate) struct RawRow {
    pub(crate) seq: i64,
    pub(crate) payload: String,
    pub(crate) signature_verified: bool,
    pub(crate) received_at_ms: i64,
    pub(crate) violation: Option<String>,
    pub(crate) card_last4: Option<String>,
    pub(crate) card_nickname: Option<String>,
    pub(crate) app_name: Option<String>,
}

impl TryFrom<RawRow> for ActivityRow {
    type Error = StoreError;

    fn try_from(raw: RawRow) -> Result<Self, Self::Error> {
        let seq = raw.seq;
        Ok(ActivityRow {
            seq,
            event: stored_event(seq, &raw.payload)?,
            signature_verified: raw.signature_verified,
            violation: stored_violation(seq, raw.violation.as_deref())?,
            received_at: from_ms(raw.received_at_ms),
            card_last4: raw.card_last4,
            card_nickname: raw.card_nickname,
            app_name: raw.app_name,
        })
    }
}

/// One event by its id (the platform's), `None` if the wallet has no such event.
pub async fn by_id(pool: &SqlitePool, id: &str) -> Result<Option<ActivityRow>, StoreError> {
    let raw = sqlx::query_as!(
        RawRow,
        r#"SELECT e.seq AS "seq!: i64", e.payload, e.signature_verified AS "signature_verified: bool",
                  e.received_at_ms, v.reason AS "violation?: String",
                  c.last4 AS "card_last4?: String", c.nickname AS "card_nickname?: String",
                  a.name AS "app_name?: String"
           FROM events e LEFT JOIN violations v ON v.event_seq = e.seq
           LEFT JOIN cards c ON c.token = e.card_token LEFT JOIN apps a ON a.id = e.app_id
           WHERE e.id = ?"#,
        id,
    )
    .fetch_optional(pool)
    .await?;
    raw.map(ActivityRow::try_from).transpose()
}

/// The transaction events (authorized, settled, reversed) of `transaction_id` on `card_token`,
/// within [`TRANSACTION_WINDOW_DAYS`] of `around`, oldest first.
pub async fn transaction_events(
    pool: &SqlitePool,
    card_token: &str,
    transaction_id: &str,
    around: DateTime<Utc>,
) -> Result<Vec<ActivityRow>, StoreError> {
    let window = Duration::days(TRANSACTION_WINDOW_DAYS);
    let (from, until) = (to_ms(around - window), to_ms(around + window));
    let rows = sqlx::query_as!(
        RawRow,
        r#"SELECT e.seq AS "seq!: i64", e.payload, e.signature_verified AS "signature_verified: bool",
                  e.received_at_ms, v.reason AS "violation?: String",
                  c.last4 AS "card_last4?: String", c.nickname AS "card_nickname?: String",
                  a.name AS "app_name?: String"
           FROM events e LEFT JOIN violations v ON v.event_seq = e.seq
           LEFT JOIN cards c ON c.token = e.card_token LEFT JOIN apps a ON a.id = e.app_id
           WHERE e.card_token = ?1 AND e.occurred_at_ms >= ?2 AND e.occurred_at_ms < ?3
             AND e.kind IN ('transaction.authorized', 'transaction.settled', 'transaction.reversed')
             AND e.payload ->> '$.transaction_id' = ?4
           ORDER BY e.occurred_at_ms, e.seq"#,
        card_token,
        from,
        until,
        transaction_id,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(ActivityRow::try_from).collect()
}
