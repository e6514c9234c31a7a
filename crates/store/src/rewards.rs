//! Reward totals: points per program, cashback per currency, both per month. Sums are integer
//! (points, minor units) and never mix currencies; months are calendar months in UTC.

use consentry_domain::{Currency, Money};
use sqlx::SqlitePool;

use crate::error::StoreError;

/// Points of one loyalty program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramPoints {
    /// The program's name.
    pub program: String,
    /// Sum of all deltas.
    pub net: i64,
    /// The balance reported by the most recent award.
    pub latest_balance: i64,
    /// Number of awards.
    pub awards: u64,
}

/// Points of one program in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyPoints {
    /// `YYYY-MM`.
    pub month: String,
    /// The program.
    pub program: String,
    /// Sum of deltas that month.
    pub net: i64,
}

/// Cashback in one currency (and, for the monthly view, one month).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashbackTotal {
    /// `YYYY-MM` for monthly totals, `None` for all time.
    pub month: Option<String>,
    /// Announced, not yet paid (`cashback.pending` events).
    pub pending: Money,
    /// Paid out (`cashback.paid` events).
    pub paid: Money,
}

// The optional card filter has one static shape, `?1 IS NULL OR card_token = ?1`, so these
// queries are checked at compile time. `points` and `cashback` have no index on `card_token`:
// SQLite plans them as it did the filter built at runtime (same `EXPLAIN QUERY PLAN`).
// Computed columns state their Rust type (`AS "net!: i64"`): sqlx's inference for expressions
// is a guess (it calls the month and the latest balance nullable; a group is never empty).
// `GROUP BY 1` groups by the month column, whose alias now carries the override.

/// Points per program (optionally for one card), by program name.
pub async fn points_by_program(
    pool: &SqlitePool,
    card_token: Option<&str>,
) -> Result<Vec<ProgramPoints>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT program, sum(delta) AS "net!: i64", count(*) AS "awards!: i64",
                  (SELECT q.balance FROM points q WHERE q.program = p.program
                   ORDER BY q.occurred_at_ms DESC, q.event_seq DESC LIMIT 1)
                      AS "latest_balance!: i64"
           FROM points p WHERE (?1 IS NULL OR card_token = ?1)
           GROUP BY program ORDER BY program"#,
        card_token,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ProgramPoints {
            program: row.program,
            net: row.net,
            latest_balance: row.latest_balance,
            awards: u64::try_from(row.awards).unwrap_or_default(),
        })
        .collect())
}

/// Points per program per month, oldest month first.
pub async fn points_by_month(
    pool: &SqlitePool,
    card_token: Option<&str>,
) -> Result<Vec<MonthlyPoints>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT strftime('%Y-%m', occurred_at_ms / 1000, 'unixepoch') AS "month!: String",
                  program, sum(delta) AS "net!: i64"
           FROM points WHERE (?1 IS NULL OR card_token = ?1)
           GROUP BY 1, program ORDER BY 1, program"#,
        card_token,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| MonthlyPoints {
            month: row.month,
            program: row.program,
            net: row.net,
        })
        .collect())
}

fn cashback_total(
    month: Option<String>,
    code: &str,
    pending: i64,
    paid: i64,
) -> Result<CashbackTotal, StoreError> {
    let currency = Currency::new(code)
        .map_err(|e| StoreError::Internal(format!("stored currency {code:?}: {e}")))?;
    Ok(CashbackTotal {
        month,
        pending: Money::new(pending, currency),
        paid: Money::new(paid, currency),
    })
}

/// Cashback per currency, all time.
pub async fn cashback_by_currency(
    pool: &SqlitePool,
    card_token: Option<&str>,
) -> Result<Vec<CashbackTotal>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT NULL AS "month: String", currency,
                  sum(CASE WHEN status = 'pending' THEN amount_minor ELSE 0 END) AS "pending!: i64",
                  sum(CASE WHEN status = 'paid' THEN amount_minor ELSE 0 END) AS "paid!: i64"
           FROM cashback WHERE (?1 IS NULL OR card_token = ?1)
           GROUP BY 1, currency ORDER BY 1, currency"#,
        card_token,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|row| cashback_total(row.month, &row.currency, row.pending, row.paid))
        .collect()
}

/// Cashback per currency per month, oldest month first.
pub async fn cashback_by_month(
    pool: &SqlitePool,
    card_token: Option<&str>,
) -> Result<Vec<CashbackTotal>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT strftime('%Y-%m', occurred_at_ms / 1000, 'unixepoch') AS "month: String",
                  currency,
                  sum(CASE WHEN status = 'pending' THEN amount_minor ELSE 0 END) AS "pending!: i64",
                  sum(CASE WHEN status = 'paid' THEN amount_minor ELSE 0 END) AS "paid!: i64"
           FROM cashback WHERE (?1 IS NULL OR card_token = ?1)
           GROUP BY 1, currency ORDER BY 1, currency"#,
        card_token,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|row| cashback_total(row.month, &row.currency, row.pending, row.paid))
        .collect()
}
