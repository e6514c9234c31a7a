//! Sync commands: connect this wallet to a platform, sync now, pair a device, and the status
//! the status bar shows. The sync hub inside the [`Context`] (`runtime::sync_hub`) owns one
//! `consentry_sync::Syncer` per unlocked wallet: started on unlock or create, stopped on lock.

pub mod trust;

use chrono::{DateTime, Utc};
use consentry_sync::{
    CardholderCredentials, CardholderSecret, EnrollRequest, SyncError, SyncErrorCode,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::runtime::sync_hub::{
    default_device_name, PlatformView, SyncProblem, SyncStatusView,
};
use crate::{ApiError, Context, ErrorCode};

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SyncStatusRequest {}

pub async fn sync_status(
    ctx: &Context,
    _request: SyncStatusRequest,
) -> Result<SyncStatusView, ApiError> {
    Ok(ctx.sync().current())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SyncNowRequest {}

/// Sends pending consent changes, pulls new events and reconciles grants, now: changes
/// waiting for a retry are due at once, unless the platform itself asked us to slow down.
pub async fn sync_now(ctx: &Context, _request: SyncNowRequest) -> Result<SyncStatusView, ApiError> {
    let pool = ctx.pool().await?;
    let syncer = ctx.sync().enrolled_syncer().await?;
    let now = Utc::now();
    let rate_limited = syncer
        .status()
        .last_error
        .is_some_and(|e| e.code == SyncErrorCode::RateLimited);
    if !rate_limited {
        consentry_store::outbox::retry_now(&pool, now).await?;
    }
    let result = syncer.sync_once(now).await;
    ctx.sync().publish_status(&syncer.status());
    result?;
    Ok(ctx.sync().current())
}

/// Connect this wallet to a platform: as a new cardholder, or as one more device of an
/// existing one (both credential fields, from the other device's Settings).
#[derive(Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlatformEnrollRequest {
    pub platform_url: String,
    pub device_name: Option<String>,
    pub cardholder_id: Option<String>,
    pub cardholder_secret: Option<String>,
    /// Joining an existing cardholder: the pairing code one of its devices shows. Without
    /// it the device reads but cannot change consent until it is paired.
    #[serde(default)]
    pub pairing_code: Option<String>,
}

impl std::fmt::Debug for PlatformEnrollRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformEnrollRequest")
            .field("platform_url", &self.platform_url)
            .field("device_name", &self.device_name)
            .field("cardholder_id", &self.cardholder_id)
            .field(
                "cardholder_secret",
                &self.cardholder_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "pairing_code",
                &self.pairing_code.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A platform other than the one the app was started with (`--platform-url`, or the demo)
/// is used only after the person said yes in a native dialog naming it: a page could
/// otherwise point the wallet at its own server before linking a card.
async fn confirm_platform(ctx: &Context, url: &str) -> Result<(), ApiError> {
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    if ctx
        .platform_url()
        .is_some_and(|configured| same(configured, url))
    {
        return Ok(());
    }
    let question = crate::native::texts::platform(ctx.lang().await, url);
    if ctx.native().confirm(question).await {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Cancelled,
            "the platform was not changed: it was not confirmed",
        ))
    }
}

pub async fn platform_enroll(
    ctx: &Context,
    request: PlatformEnrollRequest,
) -> Result<SyncStatusView, ApiError> {
    ctx.pool().await?;
    let existing =
        match (request.cardholder_id, request.cardholder_secret) {
            (None, None) => None,
            (Some(id), Some(secret)) if !id.trim().is_empty() && !secret.trim().is_empty() => {
                Some(CardholderCredentials {
                    cardholder_id: id.trim().to_owned(),
                    secret: CardholderSecret::new(secret.trim().to_owned()),
                })
            }
            _ => return Err(ApiError::invalid_input(
                "to add this device to an existing cardholder, give both the cardholder id and \
                 its secret",
            )),
        };
    let device_name = request
        .device_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| ctx.sync().device_name().to_owned());
    let platform_url = request.platform_url.trim().to_owned();
    confirm_platform(ctx, &platform_url).await?;
    let syncer = ctx.sync().syncer().await?;
    let enroll = EnrollRequest {
        platform_url,
        device_name,
        existing,
    };
    let joining = enroll.existing.is_some();
    syncer.enroll(&enroll, Utc::now()).await?;
    if let Some(code) = request
        .pairing_code
        .filter(|c| joining && !c.trim().is_empty())
    {
        syncer.pair_with_code(&code, Utc::now()).await?;
    }
    ctx.sync().remember_enrollment(&syncer).await;
    Ok(ctx.sync().current())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DevicePairingStartRequest {}

/// A code another device types to join this cardholder; shown once, good for a few minutes.
#[derive(Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DevicePairingCode {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for DevicePairingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevicePairingCode")
            .field("code", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Starts pairing another device: this device shows the code and, once the other device
/// typed it, vouches for that device's key in the cardholder's device chain.
pub async fn device_pairing_start(
    ctx: &Context,
    _request: DevicePairingStartRequest,
) -> Result<DevicePairingCode, ApiError> {
    ctx.pool().await?;
    let syncer = ctx.sync().enrolled_syncer().await?;
    let code = syncer.start_pairing(Utc::now()).await?;
    Ok(DevicePairingCode {
        code: code.code,
        expires_at: code.expires_at,
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PlatformCredentialsRequest {}

/// What another device of this cardholder needs to connect: shown on request, like the
/// recovery key; never logged.
#[derive(Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlatformCredentials {
    pub platform_url: String,
    pub cardholder_id: String,
    pub cardholder_secret: String,
}

impl std::fmt::Debug for PlatformCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformCredentials")
            .field("platform_url", &self.platform_url)
            .field("cardholder_id", &self.cardholder_id)
            .field("cardholder_secret", &"<redacted>")
            .finish()
    }
}

pub async fn platform_credentials(
    ctx: &Context,
    _request: PlatformCredentialsRequest,
) -> Result<PlatformCredentials, ApiError> {
    ctx.pool().await?;
    let syncer = ctx.sync().syncer().await?;
    let enrollment = syncer
        .enrollment()
        .await
        .ok_or_else(|| ApiError::new(ErrorCode::NotEnrolled, SyncError::NotEnrolled.to_string()))?;
    let credentials = enrollment.credentials().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "this device was added without the cardholder secret; show it on the first device",
        )
    })?;
    let question = crate::native::texts::reveal_credentials(ctx.lang().await);
    if !ctx.native().confirm(question).await {
        return Err(ApiError::new(
            ErrorCode::Cancelled,
            "the cardholder secret was not shown: it was not confirmed",
        ));
    }
    Ok(PlatformCredentials {
        platform_url: enrollment.platform_url.clone(),
        cardholder_id: credentials.cardholder_id,
        cardholder_secret: credentials.secret.expose_secret().to_owned(),
    })
}

/// The wallet's consent proof: its device chain and every signed change it holds, for an
/// app or a regulator to verify offline (`consentry export-consent`).
pub async fn consent_proof(ctx: &Context) -> Result<consentry_domain::ConsentProof, ApiError> {
    let pool = ctx.pool().await?;
    Ok(consentry_sync::consent_proof(&pool).await?)
}
