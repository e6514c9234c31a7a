//! This device's identity in the ledger: the id it signs its entries with, made once.

use chrono::{DateTime, Utc};
use consentry_store::settings;
use sqlx::SqlitePool;

use crate::ApiError;

/// The settings key of this installation's device id, written once.
const DEVICE_ID: &str = "device_id";

/// A random id made of letters only: ids pass the store's card-number guard, and a digits-only
/// run in a hex id could (rarely) look like a Luhn-valid card number.
pub(crate) fn letters_id(prefix: &str) -> String {
    let letters: String = uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .map(|b| char::from(b'a' + b % 26))
        .collect();
    format!("{prefix}_{letters}")
}

/// The id this device signs its ledger entries with.
pub(crate) async fn device_id(pool: &SqlitePool, now: DateTime<Utc>) -> Result<String, ApiError> {
    if let Some(id) = settings::get(pool, DEVICE_ID).await? {
        return Ok(id);
    }
    let id = letters_id("dev");
    settings::put(pool, DEVICE_ID, &id, now).await?;
    Ok(id)
}
