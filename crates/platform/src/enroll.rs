//! `POST /v1/enroll` (a new cardholder, or a new device of an existing one) and
//! `GET /v1/keys` (the public keys that sign the event feed).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use consentry_wire::{EnrollRequest, Enrollment, KeyList};

use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::extract::{refuse_card_number, ApiJson};
use crate::ids::{hash_secret, new_id, new_secret};
use crate::state::AppState;

const MAX_DEVICE_NAME: usize = 80;

pub async fn enroll(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<EnrollRequest>,
) -> ApiResult<(StatusCode, Json<Enrollment>)> {
    refuse_card_number("device_name", &request.device_name)?;
    let device_name = request.device_name.trim();
    if device_name.is_empty() || device_name.chars().count() > MAX_DEVICE_NAME {
        return Err(ApiError::unprocessable(
            "invalid_device_name",
            format!("device_name must be 1 to {MAX_DEVICE_NAME} characters"),
        ));
    }
    let now = rfc3339(state.clock.now());
    let mut tx = state.db.begin().await?;
    let (cardholder_id, cardholder_secret) =
        match (request.cardholder_id, request.cardholder_secret) {
            (None, None) => {
                let id = new_id("ch");
                let secret = new_secret("chs");
                sqlx::query("INSERT INTO cardholders (id, secret_hash, created_at) VALUES (?, ?, ?)")
                    .bind(&id)
                    .bind(hash_secret(&secret))
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                (id, Some(secret))
            }
            (Some(id), Some(secret)) => {
                let stored: Option<String> =
                    sqlx::query_scalar("SELECT secret_hash FROM cardholders WHERE id = ?")
                        .bind(&id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if stored.as_deref() != Some(hash_secret(&secret).as_str()) {
                    return Err(ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "invalid_credentials",
                        "the cardholder id or secret is wrong",
                    ));
                }
                (id, None)
            }
            _ => {
                return Err(ApiError::unprocessable(
                    "invalid_body",
                    "send both cardholder_id and cardholder_secret to add a device, or neither to create a cardholder",
                ))
            }
        };
    let device_id = new_id("dev");
    let token = new_secret("cst");
    sqlx::query(
        "INSERT INTO devices (id, cardholder_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&device_id)
    .bind(&cardholder_id)
    .bind(device_name)
    .bind(hash_secret(&token))
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let response = Enrollment {
        cardholder_id,
        cardholder_secret,
        device_id,
        token,
        signing_keys: state.keys.published(),
    };
    Ok((StatusCode::CREATED, Json(response)))
}

pub async fn keys(State(state): State<AppState>) -> Json<KeyList> {
    Json(KeyList {
        keys: state.keys.published(),
    })
}
