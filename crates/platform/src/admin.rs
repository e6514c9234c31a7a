//! Operator endpoints (admin token): fault injection, the platform clock, key rotation, and an
//! app that ignores consent (so a wallet's violation flag can be seen and tested).

use axum::extract::State;
use axum::Json;
use consentry_wire::{AdvanceClock, ClockState, FaultConfig, KeyList, RogueEvent, RogueEventSent};

use crate::events::{self, Recipient};
use crate::extract::ApiPath;
use crate::{apps, purchases, reactions, transactions};
use consentry_domain::Trigger;

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

/// `POST /v1/admin/apps/{app_id}/rogue-event`: the app reacts to the card's latest purchase in
/// `scope` whatever the cardholder allowed — what a misbehaving app would do. The event is
/// signed like any other: only the wallet's own judgement against its ledger can flag it.
pub async fn rogue_event(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(app_id): ApiPath<String>,
    ApiJson(request): ApiJson<RogueEvent>,
) -> ApiResult<(axum::http::StatusCode, Json<RogueEventSent>)> {
    refuse_card_number("card_token", &request.card_token)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let app = apps::find(&mut tx, &app_id)
        .await?
        .ok_or_else(|| ApiError::not_found("app_not_found", "no app with this id"))?;
    let purchase = transactions::latest_on_card(&mut tx, &request.card_token)
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                "no_purchase",
                "no purchase on this card yet: the app needs one to react to",
            )
        })?;
    let mut rng = purchases::rng_for(&purchase.transaction_id, Trigger::Authorization);
    let payloads = reactions::react(&mut tx, &purchase, &app, request.scope, now, &mut rng).await?;
    let to = Recipient {
        cardholder_id: &purchase.cardholder_id,
        card_token: &purchase.card_token,
        app_id: Some(&app.id),
    };
    let mut event_ids = Vec::with_capacity(payloads.len());
    for payload in payloads {
        event_ids.push(events::append(&mut tx, &to, now, payload).await?);
    }
    tx.commit().await?;
    state.feed_changed();
    Ok((
        axum::http::StatusCode::CREATED,
        Json(RogueEventSent {
            transaction_id: purchase.transaction_id,
            event_ids,
        }),
    ))
}
