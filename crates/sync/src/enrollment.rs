//! This wallet's enrollment with a platform: which platform, which cardholder and device,
//! the device's bearer token and the keys that sign the feed. Kept in the wallet (the
//! settings table lives inside the encrypted database), never in a plain file.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use zeroize::Zeroizing;

use crate::client::{ClientConfig, PlatformClient};
use crate::error::SyncError;
use crate::secret::{CardholderCredentials, CardholderSecret, DeviceToken};
use crate::sync_state::{self, InFlightMap, Versions, ENROLLMENT, GRANT_VERSIONS, IN_FLIGHT};
use crate::wire::SigningKeyInfo;

/// What `platform_enroll` asks for.
#[derive(Debug, Clone)]
pub struct EnrollRequest {
    /// `https://…`, or `http://127.0.0.1:…` for a platform on this computer.
    pub platform_url: String,
    /// Shown to the cardholder in their device list (1–80 characters).
    pub device_name: String,
    /// To add this device to an existing cardholder; `None` creates a new cardholder.
    pub existing: Option<CardholderCredentials>,
}

/// A stored enrollment (secrets included; see [`Enrollment::summary`] for the UI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// The normalised platform address.
    pub platform_url: String,
    pub cardholder_id: String,
    pub device_id: String,
    pub device_name: String,
    pub token: DeviceToken,
    /// Enrolls further devices; kept when this device created the cardholder or was given it.
    pub cardholder_secret: Option<CardholderSecret>,
    /// The keys trusted to sign the feed.
    pub signing_keys: Vec<SigningKeyInfo>,
    pub enrolled_at: DateTime<Utc>,
}

/// An enrollment without its secrets, for the UI and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentSummary {
    pub platform_url: String,
    pub cardholder_id: String,
    pub device_id: String,
    pub device_name: String,
    pub enrolled_at: DateTime<Utc>,
    pub signing_key_ids: Vec<String>,
    /// Whether this wallet holds the cardholder secret (and so can add devices).
    pub can_add_devices: bool,
}

impl Enrollment {
    pub fn summary(&self) -> EnrollmentSummary {
        EnrollmentSummary {
            platform_url: self.platform_url.clone(),
            cardholder_id: self.cardholder_id.clone(),
            device_id: self.device_id.clone(),
            device_name: self.device_name.clone(),
            enrolled_at: self.enrolled_at,
            signing_key_ids: self.signing_keys.iter().map(|k| k.key_id.clone()).collect(),
            can_add_devices: self.cardholder_secret.is_some(),
        }
    }

    /// The credentials that add another device to this cardholder, if this wallet has them.
    pub fn credentials(&self) -> Option<CardholderCredentials> {
        self.cardholder_secret
            .as_ref()
            .map(|secret| CardholderCredentials {
                cardholder_id: self.cardholder_id.clone(),
                secret: secret.clone(),
            })
    }

    /// A client of the platform, authenticated as this device.
    pub fn client(&self, config: ClientConfig) -> Result<PlatformClient, SyncError> {
        Ok(PlatformClient::new(&self.platform_url, config)?.with_token(self.token.clone()))
    }
}

/// The stored form (inside `sync_state::encode`).
#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    platform_url: String,
    cardholder_id: String,
    device_id: String,
    device_name: String,
    token: String,
    cardholder_secret: Option<String>,
    signing_keys: Vec<SigningKeyInfo>,
    enrolled_at: DateTime<Utc>,
}

const FORMAT: u32 = 1;

/// The wallet's enrollment, if it has one.
pub async fn load(pool: &SqlitePool) -> Result<Option<Enrollment>, SyncError> {
    let Some(stored) = sync_state::read::<Stored>(pool, ENROLLMENT).await? else {
        return Ok(None);
    };
    let stored = Zeroizing::new(stored);
    if stored.format != FORMAT {
        return Err(SyncError::Internal(format!(
            "the stored enrollment has format {}, this build reads {FORMAT}",
            stored.format
        )));
    }
    Ok(Some(Enrollment {
        platform_url: stored.platform_url.clone(),
        cardholder_id: stored.cardholder_id.clone(),
        device_id: stored.device_id.clone(),
        device_name: stored.device_name.clone(),
        token: DeviceToken::new(stored.token.clone()),
        cardholder_secret: stored.cardholder_secret.clone().map(CardholderSecret::new),
        signing_keys: stored.signing_keys.clone(),
        enrolled_at: stored.enrolled_at,
    }))
}

impl zeroize::Zeroize for Stored {
    fn zeroize(&mut self) {
        self.token.zeroize();
        if let Some(secret) = self.cardholder_secret.as_mut() {
            secret.zeroize();
        }
    }
}

/// The stored form of `enrollment` (wiped when dropped).
fn stored(enrollment: &Enrollment) -> Zeroizing<Stored> {
    Zeroizing::new(Stored {
        format: FORMAT,
        platform_url: enrollment.platform_url.clone(),
        cardholder_id: enrollment.cardholder_id.clone(),
        device_id: enrollment.device_id.clone(),
        device_name: enrollment.device_name.clone(),
        token: enrollment.token.expose_secret().to_owned(),
        cardholder_secret: enrollment
            .cardholder_secret
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
        signing_keys: enrollment.signing_keys.clone(),
        enrolled_at: enrollment.enrolled_at,
    })
}

/// Writes `enrollment`. When it is for another platform or cardholder than the stored one,
/// the feed cursor, the known grant versions and the in-flight requests start over in the
/// same transaction (they describe the old platform's state).
pub(crate) async fn save(
    pool: &SqlitePool,
    enrollment: &Enrollment,
    now: DateTime<Utc>,
) -> Result<(), SyncError> {
    let previous = load(pool).await?;
    let same_cardholder = previous.as_ref().is_some_and(|p| {
        p.platform_url == enrollment.platform_url && p.cardholder_id == enrollment.cardholder_id
    });
    let stored = stored(enrollment);
    let mut tx = pool
        .begin()
        .await
        .map_err(consentry_store::StoreError::from)?;
    sync_state::write(&mut *tx, ENROLLMENT, &*stored, now).await?;
    if !same_cardholder {
        sync_state::write(&mut *tx, IN_FLIGHT, &InFlightMap::new(), now).await?;
        sync_state::write(&mut *tx, GRANT_VERSIONS, &Versions::new(), now).await?;
        consentry_store::settings::set_sync_cursor(&mut *tx, sync_state::FEED, "0", now).await?;
    }
    tx.commit()
        .await
        .map_err(consentry_store::StoreError::from)?;
    Ok(())
}

/// Records that the enrolled platform now answers at `platform_url` (the embedded demo
/// platform on a new port): same cardholder, device and feed position. `false` when this
/// wallet is not enrolled.
pub(crate) async fn move_platform(
    pool: &SqlitePool,
    platform_url: &str,
    now: DateTime<Utc>,
) -> Result<bool, SyncError> {
    let Some(mut enrollment) = load(pool).await? else {
        return Ok(false);
    };
    let url = crate::client::parse_platform_url(platform_url)?;
    enrollment.platform_url = url.as_str().to_owned();
    sync_state::write(pool, ENROLLMENT, &*stored(&enrollment), now).await?;
    Ok(true)
}

/// Enrolls this wallet with a platform and stores the result.
pub async fn enroll(
    pool: &SqlitePool,
    request: &EnrollRequest,
    config: ClientConfig,
    now: DateTime<Utc>,
) -> Result<Enrollment, SyncError> {
    let client = PlatformClient::new(&request.platform_url, config)?;
    let device = client
        .enroll(&request.device_name, request.existing.as_ref())
        .await?;
    let enrollment = Enrollment {
        platform_url: client.base_url().to_owned(),
        cardholder_id: device.cardholder_id,
        device_id: device.device_id,
        device_name: request.device_name.trim().to_owned(),
        token: device.token,
        cardholder_secret: device
            .cardholder_secret
            .or_else(|| request.existing.as_ref().map(|c| c.secret.clone())),
        signing_keys: device.signing_keys,
        enrolled_at: now,
    };
    save(pool, &enrollment, now).await?;
    Ok(enrollment)
}
