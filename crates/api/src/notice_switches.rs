//! The cardholder's notification switches, one per app, as the wallet's settings keep them.
//! The notifications feature reads them to decide what to show; the desktop feature to decide
//! whether closing the window keeps Consentry running so that they can still arrive.

use std::collections::BTreeMap;

use consentry_store::{apps, settings};
use sqlx::SqlitePool;

use crate::ApiError;

/// Settings key: JSON object `{app_id: bool}`; apps not in it are switched on.
pub const PREFS_KEY: &str = "notifications.apps";

/// The switches the cardholder changed; an app missing from the map is on.
pub async fn enabled_map(pool: &SqlitePool) -> Result<BTreeMap<String, bool>, ApiError> {
    Ok(match settings::get(pool, PREFS_KEY).await? {
        // A damaged value switches nothing off: notifications stay on rather than vanish.
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => BTreeMap::new(),
    })
}

/// Whether any notification can still come: some app of the directory is switched on, or the
/// directory is empty (every app that arrives starts switched on).
pub async fn any_on(pool: &SqlitePool) -> Result<bool, ApiError> {
    let enabled = enabled_map(pool).await?;
    let apps = apps::list(pool).await?;
    Ok(apps.is_empty()
        || apps
            .iter()
            .any(|app| enabled.get(&app.listing.id).copied().unwrap_or(true)))
}
