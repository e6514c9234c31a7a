//! The cardholder's devices: which ones there are (names, this one, removed ones), and removing
//! a lost one.

use chrono::{DateTime, Utc};
use consentry_store::devices;
use consentry_sync::remember_devices;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::{ApiError, Context, ErrorCode};

/// One device of the cardholder.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceView {
    pub device_id: String,
    pub name: String,
    pub enrolled_at: DateTime<Utc>,
    /// When it was removed; `null`: active.
    pub removed_at: Option<DateTime<Utc>>,
    /// The device this wallet runs on.
    pub this_device: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DeviceList {
    /// Oldest first.
    pub devices: Vec<DeviceView>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DevicesListRequest {}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeviceRemoveRequest {
    pub device_id: String,
}

/// The devices as the platform lists them now (kept in the wallet for offline names); the
/// last known list when the platform cannot be reached.
pub async fn devices_list(
    ctx: &Context,
    _request: DevicesListRequest,
) -> Result<DeviceList, ApiError> {
    let pool = ctx.pool().await?;
    let syncer = ctx.sync().syncer().await?;
    let Some(enrollment) = syncer.enrollment().await else {
        return Err(ApiError::new(
            ErrorCode::NotEnrolled,
            "connect to a platform first: devices are the platform's list",
        ));
    };
    let listed = match syncer.client().await {
        Ok(client) => client.devices().await,
        Err(e) => Err(e),
    };
    match listed {
        Ok(listed) => remember_devices(&pool, listed, Utc::now()).await?,
        Err(e) => tracing::warn!(error = %e, "showing the last known device list"),
    }
    list_of(&pool, &enrollment.device_id).await
}

/// Removes another device of the cardholder: the platform stops taking its changes, and
/// every wallet refuses what it signs from now on.
pub async fn device_remove(
    ctx: &Context,
    request: DeviceRemoveRequest,
) -> Result<DeviceList, ApiError> {
    let pool = ctx.pool().await?;
    let syncer = ctx.sync().enrolled_syncer().await?;
    let own = syncer
        .enrollment()
        .await
        .map(|e| e.device_id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotEnrolled, "connect to a platform first"))?;
    if request.device_id == own {
        return Err(ApiError::invalid_input(
            "this is the device you are using: remove it from another one",
        ));
    }
    let listed = match syncer
        .client()
        .await?
        .remove_device(&request.device_id)
        .await
    {
        Ok(listed) => listed,
        Err(e) if e.platform_code() == Some("device_not_found") => {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                "none of your devices has this id",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    remember_devices(&pool, listed, Utc::now()).await?;
    list_of(&pool, &own).await
}

async fn list_of(pool: &SqlitePool, own: &str) -> Result<DeviceList, ApiError> {
    let devices = devices::list(pool)
        .await?
        .into_iter()
        .map(|d| DeviceView {
            this_device: d.device_id == own,
            device_id: d.device_id,
            name: d.name,
            enrolled_at: d.added_at,
            removed_at: d.removed_at,
        })
        .collect();
    Ok(DeviceList { devices })
}
