//! The wallet's language, kept and applied: shared by the wallet (`wallet_set_language`) and
//! notifications (their language setting), which must not use each other.

use chrono::Utc;
use consentry_store::{apps, settings};
use sqlx::SqlitePool;

use crate::runtime::LOCALE_KEY;
use crate::{ApiError, Context};

/// Keeps `code` as the wallet's language, asks the platform for it from now on, and reads the
/// directory again if it was cached in another one. Returns whether it did.
pub(crate) async fn apply(ctx: &Context, pool: &SqlitePool, code: &str) -> Result<bool, ApiError> {
    settings::put(pool, LOCALE_KEY, code, Utc::now()).await?;
    ctx.sync().prefer_language(code);
    let stale = apps::list(pool)
        .await?
        .iter()
        .any(|app| app.languages.listing.as_deref() != Some(code));
    if !stale {
        return Ok(false);
    }
    let refreshed = match ctx.sync().enrolled_syncer().await {
        Ok(syncer) => syncer.refresh_directory(Utc::now()).await.map(|_| ()),
        Err(e) => {
            tracing::info!(error = %e, "not connected: the directory is read in {code} later");
            return Ok(false);
        }
    };
    match refreshed {
        Ok(()) => Ok(true),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the app directory in {code}");
            Ok(false)
        }
    }
}
