//! What the rewards screen adds up: points per program and app, the
//! outcome of each cashback (pending, paid, cancelled), points per app and month, open offers
//! by soonest expiry, and each transaction's platform commission with the apps that acted on it.
//!
//! Months are calendar months in UTC (`YYYY-MM`); sums are integers and never mix currencies.
//! The optional card filter has one static shape, `?1 IS NULL OR card_token = ?1`, so these
//! queries are checked at compile time.

use chrono::{DateTime, Duration, Utc};
use consentry_domain::{Event, EventType};
use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::tables::history::stored_event;
use crate::time::to_ms;

/// Points of one program, as awarded by one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramPoints {
    /// The program's name.
    pub program: String,
    /// The app that awards them.
    pub app_id: Option<String>,
    /// Sum of all deltas.
    pub net: i64,
    /// The balance reported by the most recent award.
    pub latest_balance: i64,
    /// Number of awards.
    pub awards: u64,
}

/// Points per program and app, by program name.
pub async fn points_by_program(
    pool: &SqlitePool,
    card_token: Option<&str>,
) -> Result<Vec<ProgramPoints>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT program, app_id, sum(delta) AS "net!: i64", count(*) AS "awards!: i64",
                  (SELECT q.balance FROM points q
                   WHERE q.program = p.program AND q.app_id IS p.app_id
                     AND (?1 IS NULL OR q.card_token = ?1)
                   ORDER BY q.occurred_at_ms DESC, q.event_seq DESC LIMIT 1)
                      AS "latest_balance!: i64"
           FROM points p WHERE (?1 IS NULL OR card_token = ?1)
           GROUP BY program, app_id ORDER BY program, app_id"#,
        card_token,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ProgramPoints {
            program: row.program,
            app_id: row.app_id,
            net: row.net,
            latest_balance: row.latest_balance,
            awards: u64::try_from(row.awards).unwrap_or_default(),
        })
        .collect())
}

/// Points one app awarded in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyAppPoints {
    /// `YYYY-MM`.
    pub month: String,
    /// The app.
    pub app_id: Option<String>,
    /// Sum of deltas that month.
    pub net: i64,
}

/// Points per app per month in `[from, until)`, oldest month first.
pub async fn points_by_app_month(
    pool: &SqlitePool,
    card_token: Option<&str>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<MonthlyAppPoints>, StoreError> {
    let (from, until) = (to_ms(from), to_ms(until));
    let rows = sqlx::query!(
        r#"SELECT strftime('%Y-%m', occurred_at_ms / 1000, 'unixepoch') AS "month!: String",
                  app_id, sum(delta) AS "net!: i64"
           FROM points
           WHERE (?1 IS NULL OR card_token = ?1) AND occurred_at_ms >= ?2 AND occurred_at_ms < ?3
           GROUP BY 1, app_id ORDER BY 1, app_id"#,
        card_token,
        from,
        until,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| MonthlyAppPoints {
            month: row.month,
            app_id: row.app_id,
            net: row.net,
        })
        .collect())
}

/// Where one cashback stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CashbackState {
    /// Announced; the purchase has not settled yet.
    Pending,
    /// Paid out.
    Paid,
    /// Announced, but the purchase settled or was reversed without a payment (the platform
    /// cancels cashback whose grant was withdrawn before settlement, or on a reversal).
    Cancelled,
}

/// One app's cashback on one purchase (or one unattached cashback event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashbackOutcome {
    /// The app that gives it.
    pub app_id: Option<String>,
    /// ISO 4217 code.
    pub currency: String,
    /// Its state.
    pub state: CashbackState,
    /// The amount: what was paid when paid, else what was announced.
    pub amount_minor: i64,
    /// When it was announced (or paid, when it was never announced).
    pub earned_at_ms: i64,
    /// When it was paid.
    pub paid_at_ms: Option<i64>,
}

/// Every cashback by outcome: `cashback.pending` and `cashback.paid` events of the same app and
/// purchase (`payment.transaction_id`) are one cashback; a pending one whose purchase settled or
/// was reversed without a payment was cancelled. Oldest first.
pub async fn cashback_outcomes(
    pool: &SqlitePool,
    card_token: Option<&str>,
) -> Result<Vec<CashbackOutcome>, StoreError> {
    // Grouped per app × purchase (a cashback without a purchase is its own group); the set of
    // closed purchases gets an automatic index for the join.
    let rows = sqlx::query!(
        r#"WITH cb AS (
               SELECT c.event_seq, c.status, c.amount_minor, c.currency, c.app_id,
                      c.occurred_at_ms, e.payload ->> '$.payment.transaction_id' AS tx
               FROM cashback c JOIN events e ON e.seq = c.event_seq
               WHERE (?1 IS NULL OR c.card_token = ?1)
           ),
           grouped AS (
               SELECT app_id, currency, tx,
                      coalesce(min(CASE WHEN status = 'pending' THEN occurred_at_ms END),
                               min(occurred_at_ms)) AS earned_at_ms,
                      max(CASE WHEN status = 'paid' THEN occurred_at_ms END) AS paid_at_ms,
                      sum(CASE WHEN status = 'pending' THEN amount_minor ELSE 0 END) AS announced,
                      sum(CASE WHEN status = 'paid' THEN amount_minor ELSE 0 END) AS paid
               FROM cb GROUP BY app_id, currency, coalesce(tx, 'event:' || event_seq)
           ),
           closed AS (
               SELECT DISTINCT payload ->> '$.transaction_id' AS tx FROM events
               WHERE kind IN ('transaction.settled', 'transaction.reversed')
                 AND (?1 IS NULL OR card_token = ?1)
           )
           SELECT g.app_id AS "app_id?: String", g.currency AS "currency!: String",
                  g.earned_at_ms AS "earned_at_ms!: i64", g.paid_at_ms AS "paid_at_ms?: i64",
                  g.announced AS "announced!: i64", g.paid AS "paid!: i64",
                  (g.tx IS NOT NULL AND g.tx IN (SELECT tx FROM closed)) AS "closed!: bool"
           FROM grouped g ORDER BY g.earned_at_ms"#,
        card_token,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (state, amount_minor) = if row.paid_at_ms.is_some() {
                (CashbackState::Paid, row.paid)
            } else if row.closed {
                (CashbackState::Cancelled, row.announced)
            } else {
                (CashbackState::Pending, row.announced)
            };
            CashbackOutcome {
                app_id: row.app_id,
                currency: row.currency,
                state,
                amount_minor,
                earned_at_ms: row.earned_at_ms,
                paid_at_ms: row.paid_at_ms,
            }
        })
        .collect())
}

/// An offer not redeemed and not expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOffer {
    /// The `offer.issued` event.
    pub event: Event,
    /// The app's name, if cached.
    pub app_name: Option<String>,
    /// The card's last four digits, if still linked.
    pub card_last4: Option<String>,
}

/// Offers issued, not redeemed, and not expired at `now`: soonest expiry first, then those
/// without an expiry (newest first); at most `limit`.
pub async fn open_offers(
    pool: &SqlitePool,
    card_token: Option<&str>,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<OpenOffer>, StoreError> {
    let now_s = now.timestamp();
    let limit = i64::from(limit.clamp(1, 500));
    let rows = sqlx::query!(
        r#"SELECT e.seq AS "seq!: i64", e.payload AS "payload!: String",
                  a.name AS "app_name?: String", c.last4 AS "card_last4?: String"
           FROM events e LEFT JOIN apps a ON a.id = e.app_id
           LEFT JOIN cards c ON c.token = e.card_token
           WHERE e.kind = 'offer.issued' AND (?1 IS NULL OR e.card_token = ?1)
             AND (e.payload ->> '$.expires_at' IS NULL
                  OR unixepoch(e.payload ->> '$.expires_at') > ?2)
             AND e.payload ->> '$.offer_id' NOT IN (
                 SELECT r.payload ->> '$.offer_id' FROM events r
                 WHERE r.kind = 'offer.redeemed' AND r.payload ->> '$.offer_id' IS NOT NULL)
           ORDER BY e.payload ->> '$.expires_at' IS NULL,
                    unixepoch(e.payload ->> '$.expires_at'), e.occurred_at_ms DESC
           LIMIT ?3"#,
        card_token,
        now_s,
        limit,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(OpenOffer {
                event: stored_event(row.seq, &row.payload)?,
                app_name: row.app_name,
                card_last4: row.card_last4,
            })
        })
        .collect()
}

pub use consentry_domain::AppAction;

/// A purchase's platform commission as its latest transaction event states it (authorized so
/// far, settled, or zero once reversed), with the apps that acted on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionCommission {
    /// The platform's id of the purchase.
    pub transaction_id: String,
    /// When its latest state was reached.
    pub at_ms: i64,
    /// The purchase amount, minor units.
    pub amount_minor: i64,
    /// The purchase (and commission) currency.
    pub currency: String,
    /// The commission, minor units.
    pub commission_minor: i64,
    /// The apps' events on it.
    pub actions: Vec<AppAction>,
}

/// How far app events may come after the transaction event that counts.
const ACTION_WINDOW: Duration = Duration::days(90);

/// The commission of every purchase whose latest transaction event lies in `[from, until)`,
/// with a non-zero commission, ordered by purchase.
pub async fn commissions(
    pool: &SqlitePool,
    card_token: Option<&str>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<TransactionCommission>, StoreError> {
    let (from_ms, until_ms) = (to_ms(from), to_ms(until));
    let (acts_from, acts_until) = (to_ms(from - ACTION_WINDOW), to_ms(until + ACTION_WINDOW));
    let rows = sqlx::query!(
        r#"WITH latest AS (
               SELECT payload ->> '$.transaction_id' AS tx, occurred_at_ms,
                      payload ->> '$.amount.minor' AS amount_minor,
                      payload ->> '$.amount.currency' AS currency,
                      payload ->> '$.commission.minor' AS commission_minor,
                      row_number() OVER (PARTITION BY payload ->> '$.transaction_id'
                                         ORDER BY occurred_at_ms DESC, seq DESC) AS rn
               FROM events
               WHERE kind IN ('transaction.authorized', 'transaction.settled',
                              'transaction.reversed')
                 AND (?1 IS NULL OR card_token = ?1)
                 AND occurred_at_ms >= ?4 AND occurred_at_ms < ?3
           ),
           acts AS (
               SELECT payload ->> '$.payment.transaction_id' AS tx, app_id, kind,
                      count(*) AS n
               FROM events
               WHERE app_id IS NOT NULL AND (?1 IS NULL OR card_token = ?1)
                 AND occurred_at_ms >= ?4 AND occurred_at_ms < ?5
                 AND payload ->> '$.payment.transaction_id' IS NOT NULL
               GROUP BY 1, 2, 3
           )
           SELECT l.tx AS "tx!: String", l.occurred_at_ms AS "at_ms!: i64",
                  l.amount_minor AS "amount_minor!: i64", l.currency AS "currency!: String",
                  l.commission_minor AS "commission_minor!: i64",
                  a.app_id AS "app_id?: String", a.kind AS "kind?: String", a.n AS "n?: i64"
           FROM latest l LEFT JOIN acts a ON a.tx = l.tx
           WHERE l.rn = 1 AND l.occurred_at_ms >= ?2 AND l.commission_minor <> 0
           ORDER BY l.tx, a.app_id, a.kind"#,
        card_token,
        from_ms,
        until_ms,
        acts_from,
        acts_until,
    )
    .fetch_all(pool)
    .await?;
    let mut out: Vec<TransactionCommission> = Vec::new();
    for row in rows {
        if out.last().is_none_or(|t| t.transaction_id != row.tx) {
            out.push(TransactionCommission {
                transaction_id: row.tx.clone(),
                at_ms: row.at_ms,
                amount_minor: row.amount_minor,
                currency: row.currency.clone(),
                commission_minor: row.commission_minor,
                actions: Vec::new(),
            });
        }
        let (Some(app_id), Some(kind), Some(n)) = (row.app_id, row.kind, row.n) else {
            continue;
        };
        let Ok(kind) = kind.parse::<EventType>() else {
            continue;
        };
        if let Some(current) = out.last_mut() {
            current.actions.push(AppAction {
                app_id,
                kind,
                count: u32::try_from(n).unwrap_or(u32::MAX),
            });
        }
    }
    Ok(out)
}
