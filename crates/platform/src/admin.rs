//! Operator endpoints (admin token): fault injection, the platform clock, key rotation.

use axum::extract::State;
use axum::Json;
use consentry_wire::{AdvanceClock, ClockState, FaultConfig, KeyList};

use crate::auth::Admin;
use crate::error::{ApiError, ApiResult};
use crate::extract::{refuse_card_number, ApiJson};
use crate::settler;
use crate::state::AppState;

/// Ten years: enough to expire anything.
const MAX_ADVANCE_SECONDS: i64 = 10 * 365 * 24 * 3600;

pub async fn get_faults(State(state): State<AppState>, _admin: Admin) -> Json<FaultConfig> {
    Json(state.faults.get())
}

pub async fn put_faults(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(config): ApiJson<FaultConfig>,
) -> ApiResult<Json<FaultConfig>> {
    for id in &config.bad_signature_event_ids {
        refuse_card_number("bad_signature_event_ids", id)?;
    }
    for kind in &config.bad_signature_event_types {
        refuse_card_number("bad_signature_event_types", kind)?;
    }
    config
        .validate()
        .map_err(|m| ApiError::unprocessable("invalid_faults", m))?;
    state.faults.set(config);
    Ok(Json(state.faults.get()))
}

pub async fn advance_clock(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(request): ApiJson<AdvanceClock>,
) -> ApiResult<Json<ClockState>> {
    if !(0..=MAX_ADVANCE_SECONDS).contains(&request.advance_seconds) {
        return Err(ApiError::unprocessable(
            "invalid_clock",
            format!(
                "advance_seconds must be 0 to {MAX_ADVANCE_SECONDS}; the clock never goes back"
            ),
        ));
    }
    state.clock.advance(request.advance_seconds * 1000);
    // Settle what became due right away, so the caller sees a consistent world.
    let settled = settler::settle_due(&state).await?;
    Ok(Json(ClockState {
        now: state.clock.now(),
        offset_seconds: state.clock.offset_ms() / 1000,
        settled: u64::try_from(settled).unwrap_or(u64::MAX),
    }))
}

pub async fn rotate_keys(State(state): State<AppState>, _admin: Admin) -> ApiResult<Json<KeyList>> {
    state.keys.rotate(&state.db, state.clock.now()).await?;
    Ok(Json(KeyList {
        keys: state.keys.published(),
    }))
}
