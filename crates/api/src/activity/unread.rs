//! "Unread": every event received since the cardholder last opened Activity. Marks are
//! arrival numbers (`seq`), not occurrence times: a late delivery is still new. The count is
//! published to the tray through the runtime's unread hub.

use crate::runtime::unread;
pub use crate::runtime::unread::UNREAD_CAP;
use crate::{ApiError, Context};
use chrono::Utc;
use consentry_store::{arrivals, settings};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ActivityMarkSeenRequest {}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ActivityUnreadRequest {}

/// Events received since Activity was last opened, counted up to [`UNREAD_CAP`] (at the cap,
/// there are at least that many).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnreadCount {
    pub count: u64,
}

/// `activity_unread`: events received since Activity was last opened.
pub async fn activity_unread(
    ctx: &Context,
    _request: ActivityUnreadRequest,
) -> Result<UnreadCount, ApiError> {
    let count = unread::count(&ctx.pool().await?).await?;
    ctx.unread().publish(Some(count));
    Ok(UnreadCount { count })
}

/// `activity_mark_seen`: the cardholder is looking at Activity; everything received so far
/// is read.
pub async fn activity_mark_seen(
    ctx: &Context,
    _request: ActivityMarkSeenRequest,
) -> Result<UnreadCount, ApiError> {
    let pool = ctx.pool().await?;
    let latest = arrivals::latest_seq(&pool).await?;
    settings::put(&pool, unread::SEEN_KEY, &latest.to_string(), Utc::now()).await?;
    let count = unread::count(&pool).await?;
    ctx.unread().publish(Some(count));
    Ok(UnreadCount { count })
}
