//! The cardholder's devices: `GET /v1/devices` (names for the ids changes carry) and
//! `DELETE /v1/devices/{device_id}` (a lost or sold device: its token stops working, so no
//! later change of it is taken).

use crate::db::Conn;
use axum::extract::State;
use axum::Json;
use consentry_wire::{DeviceInfo, DeviceList};

use crate::auth::Device;
use crate::clock::{rfc3339, stored_time};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use crate::state::AppState;

type DeviceRow = (String, String, String, Option<String>);

/// Every device of the cardholder, oldest first, as `caller` sees them.
async fn all(conn: &mut Conn, caller: &Device) -> Result<DeviceList, ApiError> {
    let rows: Vec<DeviceRow> = sqlx::query_as(
        "SELECT id, name, created_at, removed_at FROM devices
         WHERE cardholder_id = $1 ORDER BY created_at, id",
    )
    .bind(&caller.cardholder_id)
    .fetch_all(&mut *conn)
    .await?;
    let devices = rows
        .into_iter()
        .map(|(device_id, name, created_at, removed_at)| {
            Ok(DeviceInfo {
                this_device: device_id == caller.device_id,
                enrolled_at: stored_time(&created_at, "devices.created_at")?,
                removed_at: removed_at
                    .as_deref()
                    .map(|t| stored_time(t, "devices.removed_at"))
                    .transpose()?,
                device_id,
                name,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(DeviceList { devices })
}

pub async fn list(State(state): State<AppState>, device: Device) -> ApiResult<Json<DeviceList>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(all(&mut conn, &device).await?))
}

pub async fn remove(
    State(state): State<AppState>,
    device: Device,
    ApiPath(device_id): ApiPath<String>,
) -> ApiResult<Json<DeviceList>> {
    if device_id == device.device_id {
        return Err(ApiError::conflict(
            "cannot_remove_self",
            "a device cannot remove itself; remove it from another device",
        ));
    }
    let now = state.clock.now();
    let mut tx = crate::db::begin_for(&state.db, &device.cardholder_id).await?;
    let found: Option<Option<String>> =
        sqlx::query_scalar("SELECT removed_at FROM devices WHERE id = $1 AND cardholder_id = $2")
            .bind(&device_id)
            .bind(&device.cardholder_id)
            .fetch_optional(&mut *tx)
            .await?;
    match found {
        None => {
            return Err(ApiError::not_found(
                "device_not_found",
                "the cardholder has no device with this id",
            ))
        }
        // Removed already: nothing changes (a retry).
        Some(Some(_)) => {}
        Some(None) => {
            sqlx::query("UPDATE devices SET removed_at = $1, removed_by = $2 WHERE id = $3")
                .bind(rfc3339(now))
                .bind(&device.device_id)
                .bind(&device_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    let list = all(&mut tx, &device).await?;
    tx.commit().await?;
    Ok(Json(list))
}
