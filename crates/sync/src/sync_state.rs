//! What the sync layer keeps in the wallet between runs, in the (encrypted) settings table:
//!
//! - `sync.enrollment`: the platform, this device's token, the signing keys (`enrollment.rs`);
//! - `sync.in_flight`: for every consent change that may have reached the platform but is not
//!   acknowledged yet, the exact request sent (idempotency key and body), so a retry — even
//!   after a crash — repeats it byte for byte;
//! - `sync.grant_versions`: the platform version of each grant as this device last knew it,
//!   the `base_version` of the next change;
//! - `sync.last_success_at`; and the feed cursor (`settings::sync_cursor`, feed [`FEED`]).
//!
//! Values are base64 of JSON: the platform's hex ids would otherwise now and then look like
//! a card number to the store's guard and be refused.

use std::collections::{BTreeMap, HashMap};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use consentry_store::settings;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::SqliteExecutor;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::SyncError;

pub(crate) const ENROLLMENT: &str = "sync.enrollment";
pub(crate) const IN_FLIGHT: &str = "sync.in_flight";
pub(crate) const GRANT_VERSIONS: &str = "sync.grant_versions";
pub(crate) const LAST_SUCCESS: &str = "sync.last_success_at";
/// When the last complete read of the feed started.
pub(crate) const FEED_READ_AT: &str = "sync.feed_read_at";
/// The feed name of the event cursor (`settings::sync_cursor`).
pub const FEED: &str = "platform.events";

/// One request that may have reached the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct InFlight {
    /// The `Idempotency-Key` sent: the outbox key, or a new one after a conflict.
    pub wire_key: Uuid,
    pub grant_id: String,
    /// The exact JSON body.
    pub body: String,
    pub base_version: u64,
    /// 0 for the first request of a change, +1 per rebase after a conflict.
    pub generation: u32,
}

/// The in-flight requests, by outbox idempotency key.
pub(crate) type InFlightMap = BTreeMap<Uuid, InFlight>;
/// Known platform versions, by grant id.
pub(crate) type Versions = HashMap<String, u64>;

/// Base64 of the JSON of `value`; the intermediate buffers are wiped (the enrollment holds
/// the device token).
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Zeroizing<String>, SyncError> {
    let json =
        Zeroizing::new(serde_json::to_vec(value).map_err(|e| SyncError::Internal(e.to_string()))?);
    Ok(Zeroizing::new(STANDARD.encode(&*json)))
}

pub(crate) fn decode<T: DeserializeOwned>(key: &str, text: &str) -> Result<T, SyncError> {
    let bytes = Zeroizing::new(
        STANDARD
            .decode(text.trim())
            .map_err(|e| SyncError::Internal(format!("the stored {key} is unreadable: {e}")))?,
    );
    serde_json::from_slice(&bytes)
        .map_err(|e| SyncError::Internal(format!("the stored {key} is unreadable: {e}")))
}

pub(crate) async fn read<T: DeserializeOwned>(
    db: impl SqliteExecutor<'_>,
    key: &str,
) -> Result<Option<T>, SyncError> {
    match settings::get(db, key).await? {
        Some(text) => decode(key, &text).map(Some),
        None => Ok(None),
    }
}

pub(crate) async fn write<T: Serialize>(
    db: impl SqliteExecutor<'_>,
    key: &str,
    value: &T,
    now: DateTime<Utc>,
) -> Result<(), SyncError> {
    settings::put(db, key, &encode(value)?, now).await?;
    Ok(())
}

pub(crate) async fn delete(db: impl SqliteExecutor<'_>, key: &str) -> Result<(), SyncError> {
    settings::delete(db, key).await?;
    Ok(())
}

/// Where the feed was read up to (0: from the start).
pub(crate) async fn cursor(db: impl SqliteExecutor<'_>) -> Result<u64, SyncError> {
    Ok(settings::sync_cursor(db, FEED)
        .await?
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}
