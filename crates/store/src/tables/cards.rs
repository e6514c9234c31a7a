//! Linked cards: the platform token, the brand, the last four digits, the expiry, a nickname,
//! a status. There is deliberately no way to hand this module a full card number.

use chrono::{DateTime, Utc};
use consentry_domain::{Brand, Expiry};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteQueryResult;
use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::tables::pan_guard;
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

/// A nickname the wallet keeps: at most 40 characters, no card number.
pub fn validate_nickname(nickname: Option<&str>) -> Result<(), StoreError> {
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
    let brand = card.brand.as_str();
    let (month, year) = (
        i64::from(card.expiry.month()),
        i64::from(card.expiry.year()),
    );
    let now_ms = to_ms(now);
    let result = sqlx::query!(
        "INSERT INTO cards (token, brand, last4, exp_month, exp_year, nickname, status,
                            linked_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)",
        card.token,
        brand,
        card.last4,
        month,
        year,
        nickname,
        now_ms,
        now_ms,
    )
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

/// A `cards` row as stored; [`Card`] is the checked form.
struct CardRow {
    token: String,
    brand: String,
    last4: String,
    exp_month: i64,
    exp_year: i64,
    nickname: Option<String>,
    status: String,
    linked_at_ms: i64,
    updated_at_ms: i64,
}

impl TryFrom<CardRow> for Card {
    type Error = StoreError;

    fn try_from(row: CardRow) -> Result<Self, StoreError> {
        let (month, year) = (row.exp_month, row.exp_year);
        let expiry = u8::try_from(month)
            .ok()
            .zip(u16::try_from(year).ok())
            .and_then(|(m, y)| Expiry::new(m, y).ok())
            .ok_or_else(|| {
                StoreError::Internal(format!("bad expiry {month}/{year} in the database"))
            })?;
        Ok(Card {
            token: row.token,
            brand: row
                .brand
                .parse()
                .map_err(|e| StoreError::Internal(format!("{e}")))?,
            last4: row.last4,
            expiry,
            nickname: row.nickname,
            status: CardStatus::parse(&row.status)?,
            linked_at: from_ms(row.linked_at_ms),
            updated_at: from_ms(row.updated_at_ms),
        })
    }
}

/// One card by token.
pub async fn get(pool: &SqlitePool, token: &str) -> Result<Option<Card>, StoreError> {
    let row = sqlx::query_as!(
        CardRow,
        "SELECT token, brand, last4, exp_month, exp_year, nickname, status,
                linked_at_ms, updated_at_ms
         FROM cards WHERE token = ?",
        token,
    )
    .fetch_optional(pool)
    .await?;
    row.map(Card::try_from).transpose()
}

/// Every card, in the order they were linked.
pub async fn list(pool: &SqlitePool) -> Result<Vec<Card>, StoreError> {
    let rows = sqlx::query_as!(
        CardRow,
        "SELECT token, brand, last4, exp_month, exp_year, nickname, status,
                linked_at_ms, updated_at_ms
         FROM cards ORDER BY linked_at_ms, token",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Card::try_from).collect()
}

/// The currency of the latest purchase the wallet has seen on the card: the currency its
/// purchases are made in, so the one a minimum purchase on it must be in.
pub async fn purchase_currency(
    pool: &SqlitePool,
    token: &str,
) -> Result<Option<String>, StoreError> {
    let currency = sqlx::query_scalar!(
        r#"SELECT payload ->> '$.amount.currency' AS "currency?: String"
           FROM events
           WHERE card_token = ?
             AND kind IN ('transaction.authorized', 'transaction.settled', 'transaction.reversed')
           ORDER BY occurred_at_ms DESC, seq DESC
           LIMIT 1"#,
        token,
    )
    .fetch_optional(pool)
    .await?;
    Ok(currency.flatten())
}

/// The card after an UPDATE of it, or `NotFound` when the UPDATE touched no row.
async fn updated(
    pool: &SqlitePool,
    token: &str,
    done: &SqliteQueryResult,
) -> Result<Card, StoreError> {
    let not_found = || StoreError::NotFound {
        what: "card",
        id: token.to_owned(),
    };
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    get(pool, token).await?.ok_or_else(not_found)
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
    let now_ms = to_ms(now);
    let done = sqlx::query!(
        "UPDATE cards SET nickname = ?, updated_at_ms = ? WHERE token = ?",
        nickname,
        now_ms,
        token,
    )
    .execute(pool)
    .await?;
    updated(pool, token, &done).await
}

/// Changes a card's status.
pub async fn set_status(
    pool: &SqlitePool,
    token: &str,
    status: CardStatus,
    now: DateTime<Utc>,
) -> Result<Card, StoreError> {
    let (status, now_ms) = (status.as_str(), to_ms(now));
    let done = sqlx::query!(
        "UPDATE cards SET status = ?, updated_at_ms = ? WHERE token = ?",
        status,
        now_ms,
        token,
    )
    .execute(pool)
    .await?;
    updated(pool, token, &done).await
}

/// Forgets a card entirely (its events and consent ledger entries stay). Returns whether it
/// existed.
pub async fn delete(pool: &SqlitePool, token: &str) -> Result<bool, StoreError> {
    let done = sqlx::query!("DELETE FROM cards WHERE token = ?", token)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
