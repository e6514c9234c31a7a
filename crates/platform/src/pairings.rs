//! Pairing requests: `POST /v1/devices/pairings` (a new device asks to join the chain) and
//! `GET /v1/devices/pairings` (the requests a device already in the chain may answer).
//!
//! The flow: device A shows a pairing code; the new device B, once enrolled, posts its public
//! key and `proof` = [`consentry_domain::pairing_proof`] of that code; A lists the requests,
//! recomputes the proof from the code it showed, and only when they match posts the link it
//! signs for B (`POST /v1/devices/chain`), which ends the request. The platform never sees
//! the code and never checks a proof: it only relays them.

use crate::db::Conn;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use consentry_wire::{Pairing, PairingList, PairingRequest};

use crate::auth::Device;
use crate::clock::{rfc3339, stored_time};
use crate::device_chain;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

fn is_proof(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

type PairingRow = (String, String, String, String, String);

const PAIRING_COLUMNS: &str =
    "p.device_id, d.name, p.public_key, p.proof, p.created_at FROM pairing_requests p JOIN devices d ON d.id = p.device_id";

fn from_row(row: PairingRow) -> Result<Pairing, ApiError> {
    let (device_id, device_name, public_key, proof, created_at) = row;
    let created_at = stored_time(&created_at, "pairing_requests.created_at")?;
    Ok(Pairing {
        device_id,
        device_name,
        public_key,
        proof,
        created_at,
    })
}

async fn one(conn: &mut Conn, device_id: &str) -> Result<Pairing, ApiError> {
    let row: PairingRow =
        sqlx::query_as(&format!("SELECT {PAIRING_COLUMNS} WHERE p.device_id = $1"))
            .bind(device_id)
            .fetch_one(&mut *conn)
            .await?;
    from_row(row)
}

/// Stores (or replaces) the calling device's request.
pub async fn create(
    State(state): State<AppState>,
    device: Device,
    ApiJson(request): ApiJson<PairingRequest>,
) -> ApiResult<(StatusCode, Json<Pairing>)> {
    if consentry_domain::decode_device_key(&request.public_key).is_err() {
        return Err(ApiError::unprocessable(
            "invalid_pairing",
            "public_key must be dpk_ followed by the base64 of a 32-byte Ed25519 public key",
        ));
    }
    if !is_proof(&request.proof) {
        return Err(ApiError::unprocessable(
            "invalid_pairing",
            "proof must be 64 lowercase hex characters (HMAC-SHA256 of the pairing code)",
        ));
    }
    let mut tx = crate::db::begin_for(&state.db, &device.cardholder_id).await?;
    if device_chain::contains(&mut tx, &device.cardholder_id, &device.device_id).await? {
        return Err(ApiError::conflict(
            "device_already_linked",
            "this device is already in the chain; it needs no pairing",
        ));
    }
    sqlx::query(
        "INSERT INTO pairing_requests (device_id, cardholder_id, public_key, proof, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (device_id) DO UPDATE SET
             public_key = excluded.public_key, proof = excluded.proof, created_at = excluded.created_at",
    )
    .bind(&device.device_id)
    .bind(&device.cardholder_id)
    .bind(&request.public_key)
    .bind(&request.proof)
    .bind(rfc3339(state.clock.now()))
    .execute(&mut *tx)
    .await?;
    let pairing = one(&mut tx, &device.device_id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(pairing)))
}

/// The cardholder's pending requests (devices not in the chain), oldest first.
pub async fn list(State(state): State<AppState>, device: Device) -> ApiResult<Json<PairingList>> {
    let rows: Vec<PairingRow> = sqlx::query_as(&format!(
        "SELECT {PAIRING_COLUMNS}
         WHERE p.cardholder_id = $1
           AND p.device_id NOT IN (SELECT device_id FROM device_links WHERE cardholder_id = $2)
         ORDER BY p.created_at, p.device_id"
    ))
    .bind(&device.cardholder_id)
    .bind(&device.cardholder_id)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(PairingList {
        pairings: rows.into_iter().map(from_row).collect::<Result<_, _>>()?,
    }))
}
