//! The cardholder's device chain: `GET` and `POST /v1/devices/chain`.
//!
//! Each link names one device's public key and is signed by a device already in the chain
//! (the first, the root, by itself): [`consentry_domain::DeviceLink`]. The platform keeps the
//! links in the order added and refuses one that does not extend a valid chain, but it is
//! not what makes a key trusted: wallets verify the chain from the root they pinned, and the
//! platform cannot add a device of its own (it holds no device key).

use crate::db::Conn;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use consentry_domain::{DeviceChain, DeviceLink};
use consentry_wire::DeviceChain as ChainResponse;
use serde_json::Value;

use crate::auth::Device;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::extract::{deny_unknown_keys, ApiJson};
use crate::state::AppState;

/// The fields of a [`DeviceLink`] on the wire; anything else is refused.
const LINK_FIELDS: &[&str] = &[
    "cardholder_id",
    "device_id",
    "public_key",
    "added_by",
    "added_at",
    "signature",
    "pairing_receipt",
];

/// The cardholder's links, root first.
pub async fn links(conn: &mut Conn, cardholder_id: &str) -> Result<Vec<DeviceLink>, ApiError> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT link_json FROM device_links WHERE cardholder_id = $1 ORDER BY position",
    )
    .bind(cardholder_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|j| serde_json::from_str(j).map_err(ApiError::from))
        .collect()
}

/// The cardholder's verified chain; `None` while no device has posted its root link.
pub async fn verified(
    conn: &mut Conn,
    cardholder_id: &str,
) -> Result<Option<DeviceChain>, ApiError> {
    let links = links(conn, cardholder_id).await?;
    if links.is_empty() {
        return Ok(None);
    }
    // Only verified chains are stored: failing here is a fault of ours.
    DeviceChain::verify(&links, cardholder_id)
        .map(Some)
        .map_err(|e| ApiError::internal(format!("a stored device chain does not verify: {e}")))
}

/// Whether `device_id` has a link in the cardholder's chain.
pub async fn contains(
    conn: &mut Conn,
    cardholder_id: &str,
    device_id: &str,
) -> Result<bool, ApiError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM device_links WHERE cardholder_id = $1 AND device_id = $2",
    )
    .bind(cardholder_id)
    .bind(device_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

pub async fn get(State(state): State<AppState>, device: Device) -> ApiResult<Json<ChainResponse>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(ChainResponse {
        links: links(&mut conn, &device.cardholder_id).await?,
    }))
}

/// Adds one link. The checks run in a fixed order so that each refusal names the first
/// thing wrong: whose chain, which device, a retry, a second link, the root, the signer,
/// and last the signatures of the whole chain it would make.
pub async fn post(
    State(state): State<AppState>,
    device: Device,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<ChainResponse>)> {
    deny_unknown_keys(&body, LINK_FIELDS)?;
    let link: DeviceLink = serde_json::from_value(body)
        .map_err(|e| ApiError::unprocessable("invalid_body", e.to_string()))?;
    if link.cardholder_id != device.cardholder_id {
        return Err(ApiError::unprocessable(
            "other_cardholder",
            "the link names another cardholder; a device can only add links to its own cardholder's chain",
        ));
    }
    let mut tx = crate::db::begin_for(&state.db, &device.cardholder_id).await?;
    let enrolled: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM devices WHERE id = $1 AND cardholder_id = $2")
            .bind(&link.device_id)
            .bind(&device.cardholder_id)
            .fetch_optional(&mut *tx)
            .await?;
    if enrolled.is_none() {
        return Err(ApiError::unprocessable(
            "unknown_device",
            "device_id is not an enrolled device of this cardholder; enroll it first",
        ));
    }
    let mut chain = links(&mut tx, &device.cardholder_id).await?;
    if chain.contains(&link) {
        return Ok((StatusCode::OK, Json(ChainResponse { links: chain })));
    }
    if chain.iter().any(|l| l.device_id == link.device_id) {
        return Err(ApiError::conflict(
            "device_already_linked",
            "this device already has a link in the chain",
        ));
    }
    if chain.is_empty() {
        if link.added_by != link.device_id || link.device_id != device.device_id {
            return Err(ApiError::unprocessable(
                "bad_root",
                "the chain is empty: its first link must be the calling device's own, signed by itself (added_by = device_id)",
            ));
        }
    } else if !chain.iter().any(|l| l.device_id == link.added_by) {
        return Err(ApiError::unprocessable(
            "unknown_signer",
            "added_by is not a device in the chain; a device already in it must sign the new link",
        ));
    }
    chain.push(link.clone());
    DeviceChain::verify(&chain, &device.cardholder_id).map_err(|e| {
        ApiError::unprocessable(
            "bad_device_signature",
            format!("the link does not verify: {e}"),
        )
    })?;
    let position = i64::try_from(chain.len() - 1).map_err(ApiError::internal)?;
    sqlx::query(
        "INSERT INTO device_links (cardholder_id, position, device_id, link_json, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&device.cardholder_id)
    .bind(position)
    .bind(&link.device_id)
    .bind(serde_json::to_string(&link)?)
    .bind(rfc3339(state.clock.now()))
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM pairing_requests WHERE device_id = $1")
        .bind(&link.device_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(ChainResponse { links: chain })))
}
