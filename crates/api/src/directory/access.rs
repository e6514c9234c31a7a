//! Access transparency per app: what it received (the purchases on each card the platform
//! shared with it, and when it last acted under each permission), what it delivered to the
//! wallet (counts by event kind, first and last access), and the consent violations flagged
//! against it, from the wallet's own records.

use chrono::{DateTime, Utc};
use consentry_store::cards::CardStatus;
use consentry_store::{access, apps, cards};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::views::EventKind;
use crate::views::ViolationReasonView;
use crate::vocabulary::Scope;
use crate::{ApiError, Context, ErrorCode};

/// How many recent violations [`app_access`] lists.
pub const RECENT_VIOLATIONS: u32 = 5;

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppAccessRequest {
    pub app_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccessCount {
    pub kind: EventKind,
    pub count: u32,
}

/// When the app last acted under one permission (a scope) on a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LastUse {
    pub scope: Scope,
    pub at: DateTime<Utc>,
}

/// What the app received on one card.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccessOnCard {
    pub card_token: String,
    /// The card's last four digits, while the wallet knows the card (also once unlinked).
    pub card_last4: Option<String>,
    /// The card is no longer linked (or the wallet never held it).
    pub card_gone: bool,
    /// The purchases the platform shared with the app, as far as what it sent shows: every
    /// distinct payment behind its receipts, points, cashback, offers, recommendations, posts.
    pub purchases: u32,
    pub last_access: DateTime<Utc>,
    /// When it last acted under each permission on this card, newest first.
    pub last_by_scope: Vec<LastUse>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccessViolation {
    /// The event's id (open it in Activity for the evidence).
    pub event_id: String,
    pub occurred_at: DateTime<Utc>,
    pub kind: EventKind,
    /// The permission the app would have needed.
    pub scope: Option<Scope>,
    pub card_token: Option<String>,
    pub reason: ViolationReasonView,
    /// The reason in plain English (the UI shows its own translation of `reason`).
    pub message: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppAccess {
    pub app_id: String,
    /// What it received, per card, the card it acted on most recently first.
    pub by_card: Vec<AccessOnCard>,
    /// Events the app delivered, by kind, most frequent first.
    pub counts: Vec<AccessCount>,
    pub total: u32,
    pub first_access: Option<DateTime<Utc>>,
    pub last_access: Option<DateTime<Utc>>,
    /// Every violation flagged against the app.
    pub violation_count: u32,
    /// The latest few, newest first.
    pub recent_violations: Vec<AccessViolation>,
}

fn small(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub async fn app_access(ctx: &Context, request: AppAccessRequest) -> Result<AppAccess, ApiError> {
    let pool = ctx.pool().await?;
    if apps::get(&pool, &request.app_id).await?.is_none() {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no app {} in the directory", request.app_id),
        ));
    }
    let summary = access::app_access(&pool, &request.app_id, RECENT_VIOLATIONS).await?;
    let counts: Vec<AccessCount> = summary
        .by_kind
        .iter()
        .map(|c| AccessCount {
            kind: c.kind.into(),
            count: small(c.count),
        })
        .collect();
    let total = small(summary.by_kind.iter().map(|c| c.count).sum());
    let held = cards::list(&pool).await?;
    let by_card = summary
        .by_card
        .into_iter()
        .map(|c| {
            let card = held.iter().find(|h| h.token == c.card_token);
            let mut last_by_scope: Vec<LastUse> = Vec::new();
            for (kind, at) in &c.last_by_kind {
                let Some(scope) = kind.scope().map(Scope::from) else {
                    continue;
                };
                // Newest first already: the first time a scope appears is its latest use.
                if !last_by_scope.iter().any(|u| u.scope == scope) {
                    last_by_scope.push(LastUse { scope, at: *at });
                }
            }
            AccessOnCard {
                card_last4: card.map(|h| h.last4.clone()),
                card_gone: card.is_none_or(|h| h.status == CardStatus::Unlinked),
                card_token: c.card_token,
                purchases: small(c.purchases),
                last_access: c.last_at,
                last_by_scope,
            }
        })
        .collect();
    let recent_violations = summary
        .recent_violations
        .into_iter()
        .map(|v| AccessViolation {
            event_id: v.event_id,
            occurred_at: v.occurred_at,
            kind: v.kind.into(),
            scope: v.kind.scope().map(Scope::from),
            card_token: v.card_token,
            message: v.reason.to_string(),
            reason: ViolationReasonView::from(&v.reason),
        })
        .collect();
    Ok(AppAccess {
        app_id: request.app_id,
        by_card,
        counts,
        total,
        first_access: summary.first_at,
        last_access: summary.last_at,
        violation_count: small(summary.violation_count),
        recent_violations,
    })
}
