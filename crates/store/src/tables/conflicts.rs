//! Consent changes of this device that another device's change beat at the platform: listed
//! until the cardholder dismisses them or applies theirs again. One row per change (its
//! idempotency key), so a crash and a replayed refusal do not list it twice.

use chrono::{DateTime, Utc};
use consentry_domain::{ConsentAction, Grant, GrantDetails};
use sqlx::SqlitePool;
use uuid::Uuid;

use crate::error::StoreError;
use crate::tables::pan_guard::redact_card_numbers;
use crate::time::{from_ms, to_ms};

/// A conflict as it is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConflict<'a> {
    /// The refused change's idempotency key.
    pub outbox_key: Uuid,
    /// The grant it was about.
    pub grant_id: &'a str,
    /// What this device asked: grant or revoke.
    pub asked_action: ConsentAction,
    /// What this device's change asked for.
    pub asked: &'a GrantDetails,
    /// When the cardholder asked.
    pub asked_at: DateTime<Utc>,
    /// The grant as the platform holds it instead (`None`: it holds no such grant).
    pub won: Option<&'a Grant>,
    /// The device whose change that is (`platform` when no device vouched for it).
    pub won_by: Option<&'a str>,
    /// The platform's words.
    pub reason: &'a str,
}

/// An open conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub id: i64,
    pub grant_id: String,
    pub asked_action: ConsentAction,
    pub asked: GrantDetails,
    pub asked_at: DateTime<Utc>,
    pub won: Option<Grant>,
    pub won_by: Option<String>,
    pub reason: String,
    pub detected_at: DateTime<Utc>,
}

/// How a conflict stopped being open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The cardholder read it and let the other device's change stand.
    Dismissed,
    /// The cardholder made their change again, on top of the other one.
    Reapplied,
}

impl Resolution {
    fn as_str(self) -> &'static str {
        match self {
            Self::Dismissed => "dismissed",
            Self::Reapplied => "reapplied",
        }
    }
}

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    let json = serde_json::to_string(value).map_err(internal)?;
    Ok(redact_card_numbers(&json).into_owned())
}

/// Keeps a conflict; returns whether it was new (the same change found again is not).
pub async fn record(
    pool: &SqlitePool,
    conflict: &NewConflict<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let key = conflict.outbox_key.to_string();
    let asked = to_json(conflict.asked)?;
    let won = conflict.won.map(to_json).transpose()?;
    let action = conflict.asked_action.as_str();
    let scope = conflict.asked.scope.as_str();
    let reason = redact_card_numbers(conflict.reason).into_owned();
    let (asked_at, detected_at) = (to_ms(conflict.asked_at), to_ms(now));
    let done = sqlx::query!(
        "INSERT INTO conflicts (outbox_key, grant_id, app_id, card_token, scope, asked_action,
                                asked, asked_at_ms, won, won_by, reason, detected_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (outbox_key) DO NOTHING",
        key,
        conflict.grant_id,
        conflict.asked.app_id,
        conflict.asked.card_token,
        scope,
        action,
        asked,
        asked_at,
        won,
        conflict.won_by,
        reason,
        detected_at,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The open conflicts, newest first.
pub async fn open(pool: &SqlitePool) -> Result<Vec<Conflict>, StoreError> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT id AS "id!: i64", grant_id, asked_action, asked, asked_at_ms, won, won_by,
                  reason, detected_at_ms
           FROM conflicts WHERE resolved_at_ms IS NULL ORDER BY detected_at_ms DESC, id DESC"#
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Row::into_conflict).collect()
}

/// The open conflict `id`, if there is one.
pub async fn get_open(pool: &SqlitePool, id: i64) -> Result<Option<Conflict>, StoreError> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT id AS "id!: i64", grant_id, asked_action, asked, asked_at_ms, won, won_by,
                  reason, detected_at_ms
           FROM conflicts WHERE id = ? AND resolved_at_ms IS NULL"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    row.map(Row::into_conflict).transpose()
}

/// A stored conflict as its columns hold it.
struct Row {
    id: i64,
    grant_id: String,
    asked_action: String,
    asked: String,
    asked_at_ms: i64,
    won: Option<String>,
    won_by: Option<String>,
    reason: String,
    detected_at_ms: i64,
}

impl Row {
    fn into_conflict(self) -> Result<Conflict, StoreError> {
        Ok(Conflict {
            id: self.id,
            grant_id: self.grant_id,
            asked_action: self.asked_action.parse().map_err(internal)?,
            asked: serde_json::from_str(&self.asked).map_err(internal)?,
            asked_at: from_ms(self.asked_at_ms),
            won: self
                .won
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(internal)?,
            won_by: self.won_by,
            reason: self.reason,
            detected_at: from_ms(self.detected_at_ms),
        })
    }
}

/// How many conflicts are open.
pub async fn count_open(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!: i64" FROM conflicts WHERE resolved_at_ms IS NULL"#
    )
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Closes an open conflict; `None` when there is no open conflict `id`.
pub async fn resolve(
    pool: &SqlitePool,
    id: i64,
    how: Resolution,
    now: DateTime<Utc>,
) -> Result<Option<Conflict>, StoreError> {
    let Some(conflict) = get_open(pool, id).await? else {
        return Ok(None);
    };
    let (at, how) = (to_ms(now), how.as_str());
    sqlx::query!(
        "UPDATE conflicts SET resolved_at_ms = ?, resolution = ? WHERE id = ? AND resolved_at_ms IS NULL",
        at,
        how,
        id
    )
    .execute(pool)
    .await?;
    Ok(Some(conflict))
}
