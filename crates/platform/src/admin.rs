//! Operator endpoints (admin token): fault injection, the platform clock, key rotation, an
//! app that ignores consent (so a wallet's violation flag can be seen and tested), and a past
//! purchase an app did not reward (so a wallet's missing-reward claim can be).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, TimeDelta};
use consentry_wire::{
    AdvanceClock, ClockState, FaultConfig, KeyList, Outcome, RogueEvent, RogueEventSent,
    StepResult, UnrewardedPurchase,
};

use crate::events::{self, Recipient};
use crate::extract::ApiPath;
use crate::{apps, purchases, reactions, transactions};
use consentry_domain::Trigger;

use crate::auth::Admin;
use crate::db::Channel;
use crate::error::{ApiError, ApiResult};
use crate::extract::{refuse_card_number, ApiJson};
use crate::settler;
use crate::simulate::{check_amount, checked_merchant};
use crate::state::AppState;
use crate::transactions::NewPurchase;

/// Ten years: enough to expire anything.
const MAX_ADVANCE_SECONDS: i64 = 10 * 365 * 24 * 3600;
/// How far back an unrewarded purchase may be dated: as far as a wallet looks for missing
/// rewards.
const MAX_BACKDATE_DAYS: i64 = 90;

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
    // Every platform process on the database moves its clock to the same offset.
    state.tell_others(Channel::Clock, state.clock.offset_ms().to_string());
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
        keys: state.keys.published(state.clock.now()),
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
    let mut tx = crate::db::begin_exclusive(&state.db).await?;
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

/// `POST /v1/admin/apps/{app_id}/unrewarded-purchase`: a purchase on a linked card,
/// authorized and settled at `settled_at`, on which the app held an active cashback grant and
/// did nothing. Dated in the past but never before the grant: a wallet owes a claim only for a
/// payment made while its own ledger shows the grant in force.
pub async fn unrewarded_purchase(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(app_id): ApiPath<String>,
    ApiJson(request): ApiJson<UnrewardedPurchase>,
) -> ApiResult<(axum::http::StatusCode, Json<StepResult>)> {
    refuse_card_number("card_token", &request.card_token)?;
    check_amount(&request.amount)?;
    let merchant = checked_merchant(&request.merchant)?.to_owned();
    let now = state.clock.now();
    // To the millisecond, as every time the platform stores or sends.
    let at = DateTime::from_timestamp_millis(request.settled_at.timestamp_millis())
        .unwrap_or(request.settled_at);
    if at > now || at < now - TimeDelta::days(MAX_BACKDATE_DAYS) {
        return Err(ApiError::unprocessable(
            "invalid_settled_at",
            format!("settled_at must be in the past, at most {MAX_BACKDATE_DAYS} days back"),
        ));
    }
    let mut tx = crate::db::begin_exclusive(&state.db).await?;
    let app = apps::find(&mut tx, &app_id)
        .await?
        .ok_or_else(|| ApiError::not_found("app_not_found", "no app with this id"))?;
    let new = NewPurchase {
        card_token: request.card_token,
        amount: request.amount,
        merchant,
        channel: request.channel,
        settle_after: None,
        outcome: Outcome::Settle,
    };
    let result = transactions::record_unrewarded(&mut tx, &app, new, at, now).await?;
    tx.commit().await?;
    state.feed_changed();
    Ok((axum::http::StatusCode::CREATED, Json(result)))
}
