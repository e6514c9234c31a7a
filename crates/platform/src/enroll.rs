//! `POST /v1/enroll` (a new cardholder, or a new device of an existing one; retried safely
//! under an `Idempotency-Key` of at least 32 characters) and
//! `GET /v1/keys` (the public keys that sign the event feed).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use consentry_wire::{EnrollRequest, Enrollment, KeyList};

use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::extract::{refuse_card_number, IdempotentJson};
use crate::idempotency::{self, Scope};
use crate::ids::{hash_secret, new_id, new_secret};
use crate::state::AppState;

const MAX_DEVICE_NAME: usize = 80;

pub async fn enroll(
    State(state): State<AppState>,
    IdempotentJson {
        body: request,
        idempotency,
    }: IdempotentJson<EnrollRequest>,
) -> ApiResult<Response> {
    if idempotency
        .key()
        .is_some_and(|key| key.len() < idempotency::MIN_ENROLL_KEY)
    {
        return Err(ApiError::bad_request(
            "idempotency_key_invalid",
            format!(
                "on POST /v1/enroll the Idempotency-Key must be at least {} characters (e.g. a UUID): it alone ties a retry to its enrollment",
                idempotency::MIN_ENROLL_KEY
            ),
        ));
    }
    refuse_card_number("device_name", &request.device_name)?;
    let device_name = request.device_name.trim();
    if device_name.is_empty() || device_name.chars().count() > MAX_DEVICE_NAME {
        return Err(ApiError::unprocessable(
            "invalid_device_name",
            format!("device_name must be 1 to {MAX_DEVICE_NAME} characters"),
        ));
    }
    let now = state.clock.now();
    let created_at = rfc3339(now);
    let mut tx = state.db.begin().await?;
    // An existing cardholder's credentials are checked first: its keys are its own.
    let existing = match (&request.cardholder_id, &request.cardholder_secret) {
        (None, None) => None,
        (Some(id), Some(secret)) => {
            let stored: Option<String> =
                sqlx::query_scalar("SELECT secret_hash FROM cardholders WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if stored.as_deref() != Some(hash_secret(secret).as_str()) {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_credentials",
                    "the cardholder id or secret is wrong",
                ));
            }
            Some(id.as_str())
        }
        _ => {
            return Err(ApiError::unprocessable(
                "invalid_body",
                "send both cardholder_id and cardholder_secret to add a device, or neither to create a cardholder",
            ))
        }
    };
    let scope = existing.map_or(Scope::NewCardholder, Scope::Cardholder);
    // A new cardholder enrolled without a key shares no row with any other request.
    if idempotency.key().is_some() || scope != Scope::NewCardholder {
        crate::db::lock_for(&mut tx, scope.as_str()).await?;
    }
    if let Some(replay) = idempotency.replay(&mut tx, scope, now).await? {
        return Ok(replay);
    }
    let (cardholder_id, cardholder_secret) = match existing {
        Some(id) => (id.to_owned(), None),
        None => {
            let id = new_id("ch");
            let secret = new_secret("chs");
            sqlx::query(
                "INSERT INTO cardholders (id, secret_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(&id)
            .bind(hash_secret(&secret))
            .bind(&created_at)
            .execute(&mut *tx)
            .await?;
            (id, Some(secret))
        }
    };
    let device_id = new_id("dev");
    let token = new_secret("cst");
    sqlx::query(
        "INSERT INTO devices (id, cardholder_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&device_id)
    .bind(&cardholder_id)
    .bind(device_name)
    .bind(hash_secret(&token))
    .bind(&created_at)
    .execute(&mut *tx)
    .await?;
    state.keys.refresh_on(&mut tx).await?;
    let enrollment = Enrollment {
        cardholder_id,
        cardholder_secret,
        device_id,
        token,
        signing_keys: state.keys.published(state.clock.now()),
    };
    let response = idempotency
        .answer_json(&mut tx, scope, StatusCode::CREATED, &enrollment, now)
        .await?;
    tx.commit().await?;
    Ok(response)
}

pub async fn keys(State(state): State<AppState>) -> ApiResult<Json<KeyList>> {
    state.keys.refresh(&state.db).await?;
    Ok(Json(KeyList {
        keys: state.keys.published(state.clock.now()),
    }))
}
