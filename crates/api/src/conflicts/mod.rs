//! Conflicts the cardholder can see: a change of theirs that the platform set aside because
//! another device changed the same permission first. Listed (what they asked, what won,
//! when) until dismissed, or applied again on top of what won.

use chrono::{DateTime, Utc};
use consentry_domain::{ConsentAction, GrantStatus};
use consentry_store::conflicts::{self, Conflict, Resolution};
use consentry_store::{apps, grants};
use consentry_sync::PLATFORM_DEVICE;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::changes::{grant_one, revoke_one};
use crate::device_names::DeviceNames;
use crate::vocabulary::{GrantStatus as GrantStatusView, Scope};
use crate::{ApiError, Context, ErrorCode};

/// One open conflict.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConflictView {
    pub id: i64,
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
    /// What this device asked: `grant` or `revoke`.
    pub asked: String,
    pub asked_at: DateTime<Utc>,
    /// The permission as the platform holds it instead; `null` when it holds none.
    pub won_status: Option<GrantStatusView>,
    pub won_at: Option<DateTime<Utc>>,
    /// The name of the device whose change won; `null` when the platform alone made it, or
    /// when the wallet does not know that device (yet).
    pub won_by: Option<String>,
    /// The change that won is the platform's alone: no device of the cardholder vouched for it.
    pub won_by_platform: bool,
    /// The platform's words.
    pub reason: String,
    pub detected_at: DateTime<Utc>,
}

impl ConflictView {
    fn named(c: &Conflict, names: &DeviceNames) -> Self {
        Self {
            id: c.id,
            app_id: c.asked.app_id.clone(),
            card_token: c.asked.card_token.clone(),
            scope: c.asked.scope.into(),
            asked: c.asked_action.as_str().to_owned(),
            asked_at: c.asked_at,
            won_status: c.won.as_ref().map(|g| g.status.into()),
            won_at: c.won.as_ref().map(|g| g.changed_at),
            won_by: c.won_by.as_deref().and_then(|id| names.name(id)),
            won_by_platform: c.won_by.as_deref() == Some(PLATFORM_DEVICE),
            reason: c.reason.clone(),
            detected_at: c.detected_at,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ConflictsListRequest {}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ConflictList {
    /// Newest first.
    pub conflicts: Vec<ConflictView>,
}

async fn list(ctx: &Context) -> Result<ConflictList, ApiError> {
    let pool = ctx.pool().await?;
    let open = conflicts::open(&pool).await?;
    let names = DeviceNames::load(ctx, &pool).await?;
    Ok(ConflictList {
        conflicts: open
            .iter()
            .map(|c| ConflictView::named(c, &names))
            .collect(),
    })
}

/// `conflicts_list`: the open conflicts.
pub async fn conflicts_list(
    ctx: &Context,
    _request: ConflictsListRequest,
) -> Result<ConflictList, ApiError> {
    list(ctx).await
}

#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConflictResolveRequest {
    pub id: i64,
}

fn not_open(id: i64) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no open conflict {id}"))
}

/// `conflict_dismiss`: the other device's change stands; the conflict leaves the list (the
/// ledger keeps its `conflict` note).
pub async fn conflict_dismiss(
    ctx: &Context,
    request: ConflictResolveRequest,
) -> Result<ConflictList, ApiError> {
    let pool = ctx.pool().await?;
    conflicts::resolve(&pool, request.id, Resolution::Dismissed, Utc::now())
        .await?
        .ok_or_else(|| not_open(request.id))?;
    ctx.sync().wake().await;
    list(ctx).await
}

/// `conflict_reapply`: makes the cardholder's change again, as a new change on top of what
/// won (granted with the options they chose, or revoked), sent at the next sync.
pub async fn conflict_reapply(
    ctx: &Context,
    request: ConflictResolveRequest,
) -> Result<ConflictList, ApiError> {
    let pool = ctx.pool().await?;
    let now = Utc::now();
    let conflict = conflicts::get_open(&pool, request.id)
        .await?
        .ok_or_else(|| not_open(request.id))?;
    let current = grants::get(&pool, &conflict.asked.key()).await?;
    match conflict.asked_action {
        ConsentAction::Revoke => {
            if let Some(grant) = current.filter(|g| g.status != GrantStatus::Revoked) {
                revoke_one(&pool, &grant, now).await?;
            }
        }
        _ => {
            let app = apps::get(&pool, &conflict.asked.app_id)
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::NotFound,
                        format!("no app {} in the directory", conflict.asked.app_id),
                    )
                })?;
            // An end date that has passed since is refused (invalid input), as in the window.
            grant_one(&pool, conflict.asked.clone(), &app.listing, now).await?;
        }
    }
    conflicts::resolve(&pool, conflict.id, Resolution::Reapplied, now).await?;
    ctx.sync().wake().await;
    list(ctx).await
}
