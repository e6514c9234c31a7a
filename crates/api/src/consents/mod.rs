//! The permission matrix: list, grant, revoke, revoke everything. Every change is one ledger
//! entry plus one outbox row, written together by the store (`crate::changes`); sync carries
//! the outbox to the platform.
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use consentry_domain::{Grant, GrantDetails, GrantKey};
use consentry_store::cards::{self, CardStatus};
use consentry_store::outbox::{self, Delivery};
use consentry_store::{apps, grants, ledger};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::changes::{grant_one, revoke_one};
use crate::vocabulary::{Channel, GrantStatus, Money, Scope, Trigger};
use crate::{ApiError, Context, ErrorCode};

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GrantView {
    pub grant_id: String,
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
    pub channels: Vec<Channel>,
    pub trigger: Trigger,
    pub min_purchase: Option<Money>,
    pub expires_at: Option<DateTime<Utc>>,
    pub status: GrantStatus,
    pub terms_version: u32,
    pub pending_terms_version: Option<u32>,
    pub changed_at: DateTime<Utc>,
    /// When the cardholder last granted it explicitly: a renewal repeats the period from
    /// here to `expires_at` (a 90-day grant is reconfirmed for 90 more days).
    pub granted_at: DateTime<Utc>,
    /// How many days the cardholder last chose it to run for (the span from the change that
    /// set its end to that end); a renewal repeats it. `null` for a grant without an end.
    /// A change of channels, trigger or minimum that keeps the end date keeps this too.
    pub renewal_days: Option<u32>,
    /// Whether the latest change has reached the platform.
    pub sync: GrantSyncView,
}

/// Where a grant's latest change stands with the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum GrantSyncState {
    /// The platform has it (or it came from the platform).
    Synced,
    /// Waiting to be sent (offline, or not sent yet).
    Pending,
    /// An attempt failed; it is retried at `nextAttemptAt`.
    Failed,
    /// The platform settled it otherwise (a conflict with another device, or a refusal):
    /// the grant shows the platform's state; `lastError` says why.
    NotApplied,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GrantSyncView {
    pub state: GrantSyncState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl GrantSyncView {
    const SYNCED: GrantSyncView = GrantSyncView {
        state: GrantSyncState::Synced,
        attempts: 0,
        last_error: None,
        next_attempt_at: None,
    };

    /// A change recorded just now.
    fn queued(now: DateTime<Utc>) -> Self {
        Self {
            state: GrantSyncState::Pending,
            attempts: 0,
            last_error: None,
            next_attempt_at: Some(now),
        }
    }

    fn of(delivery: &Delivery) -> Self {
        match delivery {
            Delivery::Pending {
                attempts,
                last_error,
                next_attempt_at,
            } => Self {
                state: if last_error.is_some() {
                    GrantSyncState::Failed
                } else {
                    GrantSyncState::Pending
                },
                attempts: *attempts,
                last_error: last_error.clone(),
                next_attempt_at: Some(*next_attempt_at),
            },
            Delivery::Delivered { .. } => Self::SYNCED,
            Delivery::NotApplied { reason } => Self {
                state: GrantSyncState::NotApplied,
                attempts: 0,
                last_error: reason.clone(),
                next_attempt_at: None,
            },
        }
    }
}

impl GrantView {
    /// A grant whose change was recorded just now and waits for the platform.
    fn queued(grant: &Grant, periods: &RenewalPeriods, now: DateTime<Utc>) -> Self {
        Self {
            sync: GrantSyncView::queued(now),
            renewal_days: periods.of(grant),
            ..Self::from(grant)
        }
    }
}

/// Per grant, the number of days its end was last set for, read from the ledger: the entry
/// that last changed a grant's end date says when the cardholder chose it and what it was.
struct RenewalPeriods(HashMap<String, Option<u32>>);

impl RenewalPeriods {
    async fn load(pool: &SqlitePool) -> Result<Self, ApiError> {
        let mut last: HashMap<String, (Option<DateTime<Utc>>, Option<u32>)> = HashMap::new();
        for entry in ledger::entries(pool).await? {
            let end = entry.grant.expires_at;
            let days = end.map(|end| whole_days(end - entry.at));
            match last.get_mut(&entry.grant_id) {
                Some((seen, _)) if *seen == end => {}
                Some(slot) => *slot = (end, days),
                None => {
                    last.insert(entry.grant_id, (end, days));
                }
            }
        }
        Ok(Self(
            last.into_iter().map(|(id, (_, days))| (id, days)).collect(),
        ))
    }

    /// The period of `grant`; without a ledger entry for it, the span from its last grant.
    fn of(&self, grant: &Grant) -> Option<u32> {
        let end = grant.expires_at?;
        match self.0.get(&grant.id) {
            Some(days) => *days,
            None => Some(whole_days(end - grant.granted_at)),
        }
    }
}

/// A span in whole days, at least one.
fn whole_days(span: Duration) -> u32 {
    let days = (span.num_seconds() + 43_200).div_euclid(86_400);
    u32::try_from(days.max(1)).unwrap_or(u32::MAX)
}

impl From<&Grant> for GrantView {
    fn from(grant: &Grant) -> Self {
        Self {
            grant_id: grant.id.clone(),
            app_id: grant.app_id.clone(),
            card_token: grant.card_token.clone(),
            scope: grant.scope.into(),
            channels: grant.channels.iter().map(|c| (*c).into()).collect(),
            trigger: grant.trigger.into(),
            min_purchase: grant.min_purchase.as_ref().map(Money::from),
            expires_at: grant.expires_at,
            status: grant.status.into(),
            terms_version: grant.terms_version,
            pending_terms_version: grant.pending_terms_version,
            changed_at: grant.changed_at,
            granted_at: grant.granted_at,
            renewal_days: None,
            sync: GrantSyncView::SYNCED,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrantsListRequest {
    pub app_id: Option<String>,
    pub card_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct GrantList {
    pub grants: Vec<GrantView>,
}

pub async fn grants_list(ctx: &Context, request: GrantsListRequest) -> Result<GrantList, ApiError> {
    let pool = ctx.pool().await?;
    let deliveries = outbox::latest_by_grant(&pool).await?;
    let periods = RenewalPeriods::load(&pool).await?;
    let grants = grants::list(&pool)
        .await?
        .iter()
        .filter(|g| {
            g.key()
                .matches(request.app_id.as_deref(), request.card_token.as_deref())
        })
        .map(|g| GrantView {
            sync: deliveries
                .get(&g.id)
                .map_or(GrantSyncView::SYNCED, GrantSyncView::of),
            renewal_days: periods.of(g),
            ..GrantView::from(g)
        })
        .collect();
    Ok(GrantList { grants })
}

/// When a grant ends.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantExpiry {
    Never,
    /// 1 to 3650 days from now.
    Days {
        days: u32,
    },
    /// The end of this day (UTC), `YYYY-MM-DD`.
    Date {
        date: String,
    },
    /// The end the grant already has (none stays none): a change of channels, trigger or
    /// minimum that leaves the end date alone.
    Keep,
}

impl GrantExpiry {
    /// When a grant given now ends; `current` is the end of the grant it replaces, if any.
    fn at(
        &self,
        now: DateTime<Utc>,
        current: Option<&Grant>,
    ) -> Result<Option<DateTime<Utc>>, ApiError> {
        match self {
            Self::Never => Ok(None),
            Self::Keep => current.map(|g| g.expires_at).ok_or_else(|| {
                ApiError::invalid_input("expiry: there is no permission whose end date to keep")
            }),
            Self::Days { days } if (1..=3650).contains(days) => {
                Ok(Some(now + Duration::days(i64::from(*days))))
            }
            Self::Days { .. } => Err(ApiError::invalid_input("expiry: 1 to 3650 days")),
            Self::Date { date } => {
                let day = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                    .map_err(|_| ApiError::invalid_input("expiry: a date as YYYY-MM-DD"))?;
                let end = day.and_hms_opt(23, 59, 59).map(|t| t.and_utc());
                match end {
                    Some(end) if end > now => Ok(Some(end)),
                    _ => Err(ApiError::invalid_input(
                        "expiry: the date must be in the future",
                    )),
                }
            }
        }
    }
}

/// Grant (or change) one app × card × scope permission.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrantSetRequest {
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
    pub channels: Vec<Channel>,
    pub trigger: Trigger,
    pub min_purchase: Option<Money>,
    pub expiry: GrantExpiry,
}

/// The view of `grant`, just changed here and waiting for the platform, which sync is told
/// of.
async fn queued(
    ctx: &Context,
    pool: &SqlitePool,
    grant: &Grant,
    now: DateTime<Utc>,
) -> Result<GrantView, ApiError> {
    ctx.sync().wake().await;
    let periods = RenewalPeriods::load(pool).await?;
    Ok(GrantView::queued(grant, &periods, now))
}

fn key_of(app_id: &str, card_token: &str, scope: Scope) -> GrantKey {
    GrantKey {
        app_id: app_id.to_owned(),
        card_token: card_token.to_owned(),
        scope: scope.into(),
    }
}

pub async fn grant_set(ctx: &Context, request: GrantSetRequest) -> Result<GrantView, ApiError> {
    let pool = ctx.pool().await?;
    let now = Utc::now();
    let app = apps::get(&pool, &request.app_id).await?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("no app {} in the directory", request.app_id),
        )
    })?;
    if request.channels.is_empty() {
        return Err(ApiError::invalid_input(
            "choose at least one payment channel",
        ));
    }
    let linked = cards::get(&pool, &request.card_token)
        .await?
        .is_some_and(|card| card.status != CardStatus::Unlinked);
    if !linked {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no linked card {}", request.card_token),
        ));
    }
    let key = key_of(&request.app_id, &request.card_token, request.scope);
    let current = grants::get(&pool, &key).await?;
    let details = GrantDetails {
        app_id: request.app_id.clone(),
        card_token: request.card_token.clone(),
        scope: request.scope.into(),
        channels: request
            .channels
            .iter()
            .map(|c| (*c).into())
            .collect::<BTreeSet<_>>(),
        trigger: request.trigger.into(),
        min_purchase: request
            .min_purchase
            .as_ref()
            .map(TryInto::try_into)
            .transpose()?,
        expires_at: request.expiry.at(now, current.as_ref())?,
    };
    let grant = grant_one(&pool, details, &app.listing, now).await?;
    queued(ctx, &pool, &grant, now).await
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrantRevokeRequest {
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
}

/// Revoke one permission: effective locally at once, queued for the platform.
pub async fn grant_revoke(
    ctx: &Context,
    request: GrantRevokeRequest,
) -> Result<GrantView, ApiError> {
    let pool = ctx.pool().await?;
    let key = key_of(&request.app_id, &request.card_token, request.scope);
    let grant = grants::get(&pool, &key)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "there is no such permission"))?;
    if grant.status == consentry_domain::GrantStatus::Revoked {
        return Ok(GrantView::from(&grant));
    }
    let now = Utc::now();
    let revoked = revoke_one(&pool, &grant, now).await?;
    queued(ctx, &pool, &revoked, now).await
}

/// Revoke everything on a card (a lost card), or everything an app holds, or both filters.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RevokeAllRequest {
    pub card_token: Option<String>,
    pub app_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RevokeAllResult {
    pub revoked: Vec<GrantView>,
}

pub async fn revoke_all(
    ctx: &Context,
    request: RevokeAllRequest,
) -> Result<RevokeAllResult, ApiError> {
    if request.card_token.is_none() && request.app_id.is_none() {
        return Err(ApiError::invalid_input("name a card, an app, or both"));
    }
    let pool = ctx.pool().await?;
    let now = Utc::now();
    let mut revoked = Vec::new();
    let periods = RenewalPeriods::load(&pool).await?;
    for grant in grants::list(&pool).await? {
        let matches = grant
            .key()
            .matches(request.app_id.as_deref(), request.card_token.as_deref());
        if matches && grant.status != consentry_domain::GrantStatus::Revoked {
            let grant = revoke_one(&pool, &grant, now).await?;
            revoked.push(GrantView::queued(&grant, &periods, now));
        }
    }
    if !revoked.is_empty() {
        ctx.sync().wake().await;
    }
    Ok(RevokeAllResult { revoked })
}
