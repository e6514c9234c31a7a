//! `PUT /v1/grants/{grant_id}` (one device-signed consent change, made safe to retry by an
//! `Idempotency-Key`) and `GET /v1/grants` (every grant with the signed change that produced
//! it, for reconciliation across devices).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use consentry_wire::GrantList;
use serde_json::Value;

use crate::auth::Device;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::extract::{check_identifier, refuse_card_number, too_large, ApiPath};
use crate::grant_changes;
use crate::idempotency::{self, Stored};
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

fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json")
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
    if is_json {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        ))
    }
}

fn respond(status: u16, body: String, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if replayed {
        headers.insert(
            HeaderName::from_static(idempotency::REPLAYED_HEADER),
            HeaderValue::from_static("true"),
        );
    }
    response
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
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::bad_request("invalid_body", "the request body could not be read")
        }
    })?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))
    })?;
    let request_hash = idempotency::request_hash("PUT", &format!("/v1/grants/{grant_id}"), &value);

    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if let Some(stored) = idempotency::lookup(&mut tx, &device.cardholder_id, &key).await? {
        if stored.request_hash == request_hash {
            return Ok(respond(stored.status, stored.body, true));
        }
        return Err(ApiError::conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request; use a new key for a new change",
        ));
    }
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
    let stored = Stored {
        request_hash,
        status: status.as_u16(),
        body,
    };
    idempotency::store(&mut tx, &device.cardholder_id, &key, &stored, &rfc3339(now)).await?;
    tx.commit().await?;
    state.feed_changed();
    Ok(respond(stored.status, stored.body, false))
}
