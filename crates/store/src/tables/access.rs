//! Access transparency: what one app has delivered to the wallet (counts by event kind, first
//! and last time), what it received (the purchases behind what it delivered, per card), and
//! the consent violations flagged against it.
//!
//! Platform notices about an app (`consent.changed`, `app.terms_changed`) are not the app's
//! own access and are left out.

use chrono::{DateTime, Utc};
use consentry_domain::{EventType, ViolationReason};
use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::time::from_ms;

/// How many events of one kind an app delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindCount {
    /// The event kind.
    pub kind: EventType,
    /// How many were stored.
    pub count: u64,
}

/// One violation flagged against an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppViolation {
    /// The event's platform id.
    pub event_id: String,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
    /// What kind of event it was.
    pub kind: EventType,
    /// The card it was about, if any.
    pub card_token: Option<String>,
    /// Why it was flagged.
    pub reason: ViolationReason,
}

/// What one app did on one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardAccess {
    /// The card's platform token.
    pub card_token: String,
    /// The distinct purchases the app acted on: each one the platform shared with it.
    pub purchases: u64,
    /// The latest event the app delivered about this card.
    pub last_at: DateTime<Utc>,
    /// The latest event of each kind about this card, newest first.
    pub last_by_kind: Vec<(EventType, DateTime<Utc>)>,
}

/// What one app has delivered, from the wallet's own records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppAccess {
    /// Counts by kind, most frequent first.
    pub by_kind: Vec<KindCount>,
    /// Per card, the card it acted on most recently first.
    pub by_card: Vec<CardAccess>,
    /// The earliest event the app delivered.
    pub first_at: Option<DateTime<Utc>>,
    /// The latest event the app delivered.
    pub last_at: Option<DateTime<Utc>>,
    /// Every violation flagged against the app.
    pub violation_count: u64,
    /// The latest `limit` violations, newest first.
    pub recent_violations: Vec<AppViolation>,
}

fn internal(e: &dyn std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn count(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|e| internal(&e))
}

/// The access summary of `app_id`, with at most `limit` recent violations.
pub async fn app_access(
    pool: &SqlitePool,
    app_id: &str,
    limit: u32,
) -> Result<AppAccess, StoreError> {
    let mut tx = pool.begin().await?;
    let rows = sqlx::query!(
        r#"SELECT card_token, kind, COUNT(*) AS "count!: i64",
                  MIN(occurred_at_ms) AS "first_ms!: i64", MAX(occurred_at_ms) AS "last_ms!: i64"
           FROM events
           WHERE app_id = ? AND kind NOT IN ('consent.changed', 'app.terms_changed')
           GROUP BY card_token, kind"#,
        app_id,
    )
    .fetch_all(&mut *tx)
    .await?;
    // Each app event names the payment it stems from: counting those once per card gives
    // the purchases the platform shared with the app.
    let purchases = sqlx::query!(
        r#"SELECT card_token AS "card_token!",
                  COUNT(DISTINCT payload ->> '$.payment.transaction_id') AS "purchases!: i64"
           FROM events
           WHERE app_id = ? AND card_token IS NOT NULL
             AND kind NOT IN ('consent.changed', 'app.terms_changed')
           GROUP BY card_token"#,
        app_id,
    )
    .fetch_all(&mut *tx)
    .await?;

    let mut counts: Vec<KindCount> = Vec::new();
    let mut by_card: Vec<CardAccess> = Vec::new();
    let (mut first_ms, mut last_ms) = (None::<i64>, None::<i64>);
    for row in rows {
        let kind: EventType = row.kind.parse().map_err(|e| internal(&e))?;
        match counts.iter_mut().find(|c| c.kind == kind) {
            Some(c) => c.count += count(row.count)?,
            None => counts.push(KindCount {
                kind,
                count: count(row.count)?,
            }),
        }
        first_ms = Some(first_ms.map_or(row.first_ms, |a| a.min(row.first_ms)));
        last_ms = Some(last_ms.map_or(row.last_ms, |a| a.max(row.last_ms)));
        let Some(card_token) = row.card_token else {
            continue;
        };
        let last = from_ms(row.last_ms);
        match by_card.iter_mut().find(|c| c.card_token == card_token) {
            Some(card) => {
                card.last_at = card.last_at.max(last);
                card.last_by_kind.push((kind, last));
            }
            None => by_card.push(CardAccess {
                card_token,
                purchases: 0,
                last_at: last,
                last_by_kind: vec![(kind, last)],
            }),
        }
    }
    counts.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.kind.as_str().cmp(b.kind.as_str()))
    });
    for row in purchases {
        if let Some(card) = by_card.iter_mut().find(|c| c.card_token == row.card_token) {
            card.purchases = count(row.purchases)?;
        }
    }
    for card in &mut by_card {
        card.last_by_kind.sort_by_key(|k| std::cmp::Reverse(k.1));
    }
    by_card.sort_by(|a, b| {
        b.last_at
            .cmp(&a.last_at)
            .then(a.card_token.cmp(&b.card_token))
    });

    let violation_count = sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "count!: i64" FROM violations WHERE app_id = ?"#,
        app_id,
    )
    .fetch_one(&mut *tx)
    .await?;
    let limit = i64::from(limit);
    let rows = sqlx::query!(
        r#"SELECT e.id, e.kind, e.occurred_at_ms, v.card_token, v.reason
           FROM violations v JOIN events e ON e.seq = v.event_seq
           WHERE v.app_id = ?
           ORDER BY e.occurred_at_ms DESC, v.event_seq DESC
           LIMIT ?"#,
        app_id,
        limit,
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let recent_violations = rows
        .into_iter()
        .map(|row| {
            Ok(AppViolation {
                event_id: row.id,
                occurred_at: from_ms(row.occurred_at_ms),
                kind: row.kind.parse().map_err(|e| internal(&e))?,
                card_token: row.card_token,
                reason: serde_json::from_str(&row.reason).map_err(|e| internal(&e))?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(AppAccess {
        by_kind: counts,
        by_card,
        first_at: first_ms.map(from_ms),
        last_at: last_ms.map(from_ms),
        violation_count: count(violation_count)?,
        recent_violations,
    })
}
