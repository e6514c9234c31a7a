//! `PUT /v1/grants/{grant_id}` (one device-signed consent change, made safe to retry by an
//! `Idempotency-Key`) and `GET /v1/grants` (every grant with the signed change that produced
//! it, for reconciliation across devices).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use consentry_wire::GrantList;
use serde_json::Value;

use crate::auth::Device;
use crate::error::{ApiError, ApiResult};
use crate::extract::{
    body_rejection, check_identifier, integral_numbers, refuse_card_number, require_json, ApiPath,
};
use crate::grant_changes;
use crate::idempotency::{self, begin_or_replay, Idempotency, Scope};
use crate::{consent_signatures, device_chain, grant_store, state::AppState};

pub async fn list(State(state): State<AppState>, device: Device) -> ApiResult<Json<GrantList>> {
    let mut conn = state.db.acquire().await?;
    let grants = grant_store::all(&mut conn, &device.cardholder_id)
        .await?
        .iter()
        .map(grant_store::StoredGrant::to_json)
        .collect::<Result<_, _>>()?;
    Ok(Json(GrantList { grants }))
}

pub async fn put(
    State(state): State<AppState>,
    device: Device,
    ApiPath(grant_id): ApiPath<String>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    check_identifier("grant_id", &grant_id, 64)?;
    refuse_card_number("grant_id", &grant_id)?;
    let key = idempotency::key_from(&headers)?;
    require_json(&headers)?;
    let body = body.map_err(|r| body_rejection(&r))?;
    let mut value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))
    })?;
    // `1.0` is an integer, as the document's JSON Schema reads it.
    integral_numbers(&mut value);
    let idempotency = Idempotency::new(Some(key), "PUT", &format!("/v1/grants/{grant_id}"), &value);
    let scope = Scope::Cardholder(&device.cardholder_id);

    let (mut tx, now) = begin_or_replay!(state, idempotency, scope);
    // Refusals of the signature are not stored: a corrected request may reuse the key.
    let (change, signed) = consent_signatures::split(value)?;
    let chain = device_chain::verified(&mut tx, &device.cardholder_id).await?;
    consent_signatures::check_author(&signed, &device.device_id, chain.as_ref())?;
    consent_signatures::check_request(&signed.statement, &grant_id, &change)?;
    let outcome = grant_changes::apply(
        &mut tx,
        &device.cardholder_id,
        &device.device_id,
        &grant_id,
        change,
        &signed,
        now,
    )
    .await;
    let (status, body) = match outcome {
        Ok(applied) => (applied.status, serde_json::to_string(&applied.grant)?),
        // A conflict is an answer about state: stored, so a retry sees the same answer.
        Err(error) if error.status == StatusCode::CONFLICT => {
            (error.status, serde_json::to_string(&error.body())?)
        }
        Err(error) => return Err(error),
    };
    let response = idempotency
        .answer(&mut tx, scope, status, body, now)
        .await?;
    tx.commit().await?;
    state.feed_changed();
    Ok(response)
}
