//! Who made a change, by name: the device names every screen shows (Activity, the ledger,
//! event details, conflicts), read from the wallet's list of the cardholder's devices and this
//! device's own enrollment. Shared by the features; depends on none.

use std::collections::HashMap;

use chrono::Utc;
use consentry_store::devices;
use consentry_sync::PLATFORM_DEVICE;
use sqlx::SqlitePool;

use crate::runtime::device::device_id;
use crate::{ApiError, Context};

/// The names of the devices that made changes, for every screen that says who did what.
pub(crate) struct DeviceNames {
    names: HashMap<String, String>,
    /// The ids of this device: its ledger id and its platform id.
    own: Vec<String>,
}

impl DeviceNames {
    pub async fn load(ctx: &Context, pool: &SqlitePool) -> Result<DeviceNames, ApiError> {
        let mut names = devices::names(pool).await?;
        let mut own = vec![device_id(pool, Utc::now()).await?];
        if let Ok(syncer) = ctx.sync().syncer().await {
            if let Some(enrollment) = syncer.enrollment().await {
                names.insert(own[0].clone(), enrollment.device_name.clone());
                own.push(enrollment.device_id);
            }
        }
        Ok(DeviceNames { names, own })
    }

    /// The device's name; `None` for the platform and for a device never listed.
    pub fn name(&self, device_id: &str) -> Option<String> {
        if device_id == PLATFORM_DEVICE {
            return None;
        }
        self.names.get(device_id).cloned()
    }

    /// Whether `device_id` is this device.
    pub fn is_own(&self, device_id: &str) -> bool {
        self.own.iter().any(|id| id == device_id)
    }
}
