//! What the wallet refused to believe from the platform, for Settings → Platform: deliveries
//! set aside (forged, unendorsed key, equivocation, poison values, unreadable), stretches of
//! the feed skipped and still retried, and signing keys refused. Nothing here is an event of
//! the history; all of it stays in the wallet for the cardholder (and support) to inspect.

use chrono::{DateTime, Utc};
use consentry_store::{feed_gaps, platform_claims, quarantine};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::vocabulary::{GrantStatus, Scope};
use crate::{ApiError, Context};

/// How many set-aside deliveries the report lists (the newest).
pub const SET_ASIDE_LISTED: u32 = 50;

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PlatformTrustRequest {}

/// Why a delivery was set aside: the codes the UI words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SetAsideReason {
    /// Its signature verifies under no key the wallet trusts.
    BadSignature,
    /// Signed with a key the platform listed but no trusted key endorsed.
    UnendorsedKey,
    /// Signed for another cardholder (a replay).
    ForeignCardholder,
    /// The same event id delivered again with another body.
    Equivocation,
    /// A value the history cannot hold (a card number in a number or an identifier, an
    /// out-of-range number, control or bidirectional characters, an oversized text, a date
    /// out of range).
    Inadmissible,
    /// Not an event the wallet can read (malformed JSON, wrong types, unknown type).
    Unreadable,
    /// Anything else.
    Other,
}

impl SetAsideReason {
    fn of(reason: &str) -> SetAsideReason {
        let code = reason.split(':').next().unwrap_or_default().trim();
        match code {
            "bad_signature" => SetAsideReason::BadSignature,
            "unendorsed_key" => SetAsideReason::UnendorsedKey,
            "foreign_cardholder" => SetAsideReason::ForeignCardholder,
            "equivocation" => SetAsideReason::Equivocation,
            "inadmissible" => SetAsideReason::Inadmissible,
            "malformed" | "unknown_type" | "invalid" | "id_mismatch" | "unreadable_delivery" => {
                SetAsideReason::Unreadable
            }
            _ => SetAsideReason::Other,
        }
    }
}

/// One delivery set aside.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetAsideView {
    pub event_id: Option<String>,
    pub reason: SetAsideReason,
    /// The technical reason, as recorded (card numbers masked).
    pub detail: String,
    pub received_at: DateTime<Utc>,
}

/// One stretch of the feed skipped and retried.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FeedGapView {
    /// Feed positions after this one …
    pub after: String,
    /// … up to this one.
    pub until: String,
    pub event_id: Option<String>,
    /// The last error, as recorded.
    pub detail: String,
    pub tries: u32,
    pub opened_at: DateTime<Utc>,
    pub last_try_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlatformTrust {
    /// Every delivery set aside, newest first, at most [`SET_ASIDE_LISTED`].
    pub set_aside: Vec<SetAsideView>,
    /// How many deliveries are set aside in all.
    pub set_aside_total: u64,
    /// Open gaps, oldest first.
    pub gaps: Vec<FeedGapView>,
    /// Signing keys the platform lists that no trusted key endorsed.
    pub unendorsed_keys: u64,
    /// Grant states the platform reported that no device of the cardholder signed, newest
    /// first, at most [`SET_ASIDE_LISTED`].
    pub claims: Vec<PlatformClaimView>,
    /// This device is in the cardholder's device chain.
    pub paired: bool,
}

/// A grant state only the platform vouches for.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlatformClaimView {
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
    /// The status it claims (`active`, `revoked`, …).
    pub status: GrantStatus,
    /// Why it is not the cardholder's decision (technical).
    pub detail: String,
    pub event_id: Option<String>,
    pub received_at: DateTime<Utc>,
}

pub async fn platform_trust(
    ctx: &Context,
    _request: PlatformTrustRequest,
) -> Result<PlatformTrust, ApiError> {
    let pool = ctx.pool().await?;
    let set_aside = quarantine::recent(&pool, SET_ASIDE_LISTED)
        .await?
        .into_iter()
        .map(|q| SetAsideView {
            reason: SetAsideReason::of(&q.reason),
            event_id: q.event_id,
            detail: q.reason,
            received_at: q.received_at,
        })
        .collect();
    let gaps = feed_gaps::open_gaps(&pool)
        .await?
        .into_iter()
        .map(|g| FeedGapView {
            after: g.after_cursor.to_string(),
            until: g.until_cursor.to_string(),
            event_id: g.event_id,
            detail: g.error,
            tries: g.tries,
            opened_at: g.opened_at,
            last_try_at: g.last_try_at,
        })
        .collect();
    let claims = platform_claims::recent(&pool, SET_ASIDE_LISTED)
        .await?
        .into_iter()
        .map(|c| PlatformClaimView {
            app_id: c.claimed.app_id,
            card_token: c.claimed.card_token,
            scope: c.claimed.scope.into(),
            status: c.claimed.status.into(),
            detail: c.reason,
            event_id: c.event_id,
            received_at: c.received_at,
        })
        .collect();
    let status = ctx.sync().current();
    Ok(PlatformTrust {
        claims,
        paired: status.paired,
        set_aside,
        set_aside_total: quarantine::count(&pool).await?,
        gaps,
        unendorsed_keys: status.unendorsed_keys,
    })
}
