//! Reward totals: points per program, cashback per currency, both per month. Sums are integer
//! (points, minor units) and never mix currencies; months are calendar months in UTC.

use consentry_domain::{Currency, Money};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

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

const MONTH: &str = "strftime('%Y-%m', occurred_at_ms / 1000, 'unixepoch')";

fn card_filter<'a>(sql: &mut QueryBuilder<'a, Sqlite>, card_token: Option<&'a str>) {
    match card_token {
        Some(card) => {
            sql.push(" WHERE card_token = ").push_bind(card);
        }
        None => {
            sql.push(" WHERE 1 = 1");
        }
    }
}

/// Points per program (optionally for one card), by program name.
pub async fn points_by_program(
    pool: &SqlitePool,
    card_token: Option<&str>,
) -> Result<Vec<ProgramPoints>, StoreError> {
    let mut sql = QueryBuilder::new(
        "SELECT program, sum(delta) AS net, count(*) AS awards,
                (SELECT q.balance FROM points q WHERE q.program = p.program
                 ORDER BY q.occurred_at_ms DESC, q.event_seq DESC LIMIT 1) AS latest_balance
         FROM points p",
    );
    card_filter(&mut sql, card_token);
    sql.push(" GROUP BY program ORDER BY program");
    let rows = sql.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok(ProgramPoints {
                program: row.try_get("program")?,
                net: row.try_get("net")?,
                latest_balance: row.try_get("latest_balance")?,
                awards: u64::try_from(row.try_get::<i64, _>("awards")?).unwrap_or_default(),
            })
        })
        .collect()
}

/// Points per program per month, oldest month first.
pub async fn points_by_month(
    pool: &SqlitePool,
    card_token: Option<&str>,
) -> Result<Vec<MonthlyPoints>, StoreError> {
    let mut sql = QueryBuilder::new(format!(
        "SELECT {MONTH} AS month, program, sum(delta) AS net FROM points"
    ));
    card_filter(&mut sql, card_token);
    sql.push(" GROUP BY month, program ORDER BY month, program");
    let rows = sql.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok(MonthlyPoints {
                month: row.try_get("month")?,
                program: row.try_get("program")?,
                net: row.try_get("net")?,
            })
        })
        .collect()
}

async fn cashback(
    pool: &SqlitePool,
    card_token: Option<&str>,
    monthly: bool,
) -> Result<Vec<CashbackTotal>, StoreError> {
    let month = if monthly { MONTH } else { "NULL" };
    let mut sql = QueryBuilder::new(format!(
        "SELECT {month} AS month, currency,
                sum(CASE WHEN status = 'pending' THEN amount_minor ELSE 0 END) AS pending,
                sum(CASE WHEN status = 'paid' THEN amount_minor ELSE 0 END) AS paid
         FROM cashback"
    ));
    card_filter(&mut sql, card_token);
    sql.push(" GROUP BY month, currency ORDER BY month, currency");
    let rows = sql.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let code: String = row.try_get("currency")?;
            let currency = Currency::new(&code)
                .map_err(|e| StoreError::Internal(format!("stored currency {code:?}: {e}")))?;
            Ok(CashbackTotal {
                month: row.try_get("month")?,
                pending: Money::new(row.try_get("pending")?, currency),
                paid: Money::new(row.try_get("paid")?, currency),
            })
        })
        .collect()
}

/// Cashback per currency, all time.
pub async fn cashback_by_currency(
    pool: &SqlitePool,
    card_token: Option<&str>,
) -> Result<Vec<CashbackTotal>, StoreError> {
    cashback(pool, card_token, false).await
}

/// Cashback per currency per month, oldest month first.
pub async fn cashback_by_month(
    pool: &SqlitePool,
    card_token: Option<&str>,
) -> Result<Vec<CashbackTotal>, StoreError> {
    cashback(pool, card_token, true).await
}
