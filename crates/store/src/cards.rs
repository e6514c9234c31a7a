//! Linked cards: the platform token, the brand, the last four digits, the expiry, a nickname,
//! a status. There is deliberately no way to hand this module a full card number.

use chrono::{DateTime, Utc};
use consentry_domain::{Brand, Expiry};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};

use crate::error::StoreError;
use crate::pan_guard;
use crate::time::{from_ms, to_ms};

/// Longest nickname, in characters.
pub const MAX_NICKNAME_CHARS: usize = 64;

/// Where a linked card stands in the wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    /// Linked and usable.
    Active,
    /// Temporarily paused by the cardholder: apps get nothing from it.
    Paused,
    /// Past its expiry date.
    Expired,
    /// Unlinked by the cardholder; kept for the history it has.
    Unlinked,
}

impl CardStatus {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CardStatus::Active => "active",
            CardStatus::Paused => "paused",
            CardStatus::Expired => "expired",
            CardStatus::Unlinked => "unlinked",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "active" => CardStatus::Active,
            "paused" => CardStatus::Paused,
            "expired" => CardStatus::Expired,
            "unlinked" => CardStatus::Unlinked,
            other => {
                return Err(StoreError::Internal(format!(
                    "unknown card status {other:?} in the database"
                )))
            }
        })
    }
}

/// A card to link, as the platform's tokenization answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCard {
    /// The platform's token for the card.
    pub token: String,
    /// The network.
    pub brand: Brand,
    /// The last four digits.
    pub last4: String,
    /// Expiry month and year.
    pub expiry: Expiry,
    /// The cardholder's name for it ("Groceries card").
    pub nickname: Option<String>,
}

/// A linked card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The platform's token.
    pub token: String,
    /// The network.
    pub brand: Brand,
    /// The last four digits.
    pub last4: String,
    /// Expiry month and year.
    pub expiry: Expiry,
    /// The cardholder's name for it.
    pub nickname: Option<String>,
    /// Its status.
    pub status: CardStatus,
    /// When it was linked.
    pub linked_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

fn validate_token(token: &str) -> Result<(), StoreError> {
    if token.is_empty() || token.len() > 128 {
        return Err(StoreError::invalid(
            "card token",
            "must be 1 to 128 characters",
        ));
    }
    pan_guard::refuse("card token", token)?;
    if longest_digit_run(token) >= 12 {
        return Err(StoreError::invalid(
            "card token",
            "must not contain long numbers",
        ));
    }
    Ok(())
}

fn validate_nickname(nickname: Option<&str>) -> Result<(), StoreError> {
    let Some(nickname) = nickname else {
        return Ok(());
    };
    if nickname.chars().count() > MAX_NICKNAME_CHARS {
        return Err(StoreError::invalid(
            "nickname",
            format!("at most {MAX_NICKNAME_CHARS} characters"),
        ));
    }
    pan_guard::refuse("nickname", nickname)?;
    if longest_digit_run(nickname) >= 12 {
        return Err(StoreError::invalid(
            "nickname",
            "must not contain long numbers",
        ));
    }
    Ok(())
}

fn longest_digit_run(text: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in text.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Links a card. A token already linked is an error (`Invalid`), never a silent overwrite.
pub async fn insert(
    pool: &SqlitePool,
    card: &NewCard,
    now: DateTime<Utc>,
) -> Result<Card, StoreError> {
    validate_token(&card.token)?;
    if card.last4.len() != 4 || !card.last4.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::invalid("last4", "must be exactly four digits"));
    }
    let nickname = card
        .nickname
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    validate_nickname(nickname)?;
    let result = sqlx::query(
        "INSERT INTO cards (token, brand, last4, exp_month, exp_year, nickname, status,
                            linked_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)",
    )
    .bind(&card.token)
    .bind(card.brand.as_str())
    .bind(&card.last4)
    .bind(i64::from(card.expiry.month()))
    .bind(i64::from(card.expiry.year()))
    .bind(nickname)
    .bind(to_ms(now))
    .bind(to_ms(now))
    .execute(pool)
    .await;
    match result {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(StoreError::invalid(
                "card token",
                "this card is already linked",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    get(pool, &card.token)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "card",
            id: card.token.clone(),
        })
}

const COLUMNS: &str =
    "token, brand, last4, exp_month, exp_year, nickname, status, linked_at_ms, updated_at_ms";

fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Card, StoreError> {
    let brand: String = row.try_get("brand")?;
    let month: i64 = row.try_get("exp_month")?;
    let year: i64 = row.try_get("exp_year")?;
    let expiry = u8::try_from(month)
        .ok()
        .zip(u16::try_from(year).ok())
        .and_then(|(m, y)| Expiry::new(m, y).ok())
        .ok_or_else(|| {
            StoreError::Internal(format!("bad expiry {month}/{year} in the database"))
        })?;
    Ok(Card {
        token: row.try_get("token")?,
        brand: brand
            .parse()
            .map_err(|e| StoreError::Internal(format!("{e}")))?,
        last4: row.try_get("last4")?,
        expiry,
        nickname: row.try_get("nickname")?,
        status: CardStatus::parse(row.try_get::<&str, _>("status")?)?,
        linked_at: from_ms(row.try_get("linked_at_ms")?),
        updated_at: from_ms(row.try_get("updated_at_ms")?),
    })
}

/// One card by token.
pub async fn get(pool: &SqlitePool, token: &str) -> Result<Option<Card>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM cards WHERE token = ?"))
        .bind(token)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every card, in the order they were linked.
pub async fn list(pool: &SqlitePool) -> Result<Vec<Card>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM cards ORDER BY linked_at_ms, token"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

async fn update(
    pool: &SqlitePool,
    token: &str,
    sql: &str,
    value: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Card, StoreError> {
    let done = sqlx::query(sql)
        .bind(value)
        .bind(to_ms(now))
        .bind(token)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound {
            what: "card",
            id: token.to_owned(),
        });
    }
    get(pool, token).await?.ok_or_else(|| StoreError::NotFound {
        what: "card",
        id: token.to_owned(),
    })
}

/// Renames a card (`None` or blank clears the nickname).
pub async fn set_nickname(
    pool: &SqlitePool,
    token: &str,
    nickname: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Card, StoreError> {
    let nickname = nickname.map(str::trim).filter(|n| !n.is_empty());
    validate_nickname(nickname)?;
    update(
        pool,
        token,
        "UPDATE cards SET nickname = ?, updated_at_ms = ? WHERE token = ?",
        nickname,
        now,
    )
    .await
}

/// Changes a card's status.
pub async fn set_status(
    pool: &SqlitePool,
    token: &str,
    status: CardStatus,
    now: DateTime<Utc>,
) -> Result<Card, StoreError> {
    update(
        pool,
        token,
        "UPDATE cards SET status = ?, updated_at_ms = ? WHERE token = ?",
        Some(status.as_str()),
        now,
    )
    .await
}

/// Forgets a card entirely (its events and consent ledger entries stay). Returns whether it
/// existed.
pub async fn delete(pool: &SqlitePool, token: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM cards WHERE token = ?")
        .bind(token)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
