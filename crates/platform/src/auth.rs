//! Who is calling: a device (bearer token minted at enrollment) or the operator (the
//! admin token from the configuration). A device's request also says which language its
//! cardholder reads (`Accept-Language`), kept for the texts of their events.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::ids::hash_secret;
use crate::language;
use crate::state::AppState;

/// An enrolled device of a cardholder.
#[derive(Debug, Clone)]
pub struct Device {
    pub device_id: String,
    pub cardholder_id: String,
}

/// The operator: admin and simulation-control endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send `Authorization: Bearer <token>`"))?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not readable text"))?;
    let (scheme, token) = text.split_once(' ').ok_or_else(|| {
        ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "the Authorization header must be `Bearer <token>`",
        ));
    }
    Ok(token.trim())
}

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        // A removed device's token is refused like an unknown one.
        let row: Option<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT d.id, d.cardholder_id, c.language
             FROM devices d JOIN cardholders c ON c.id = d.cardholder_id
             WHERE d.token_hash = $1 AND d.removed_at IS NULL",
        )
        .bind(hash_secret(token))
        .fetch_optional(&state.db)
        .await?;
        let (device_id, cardholder_id, language) = row.ok_or_else(|| {
            ApiError::unauthorized(
                "unknown or revoked device token; enroll again with POST /v1/enroll",
            )
        })?;
        // The cardholder reads the language their latest request asked for (a request that
        // asks for none, or unreadably, changes nothing).
        if let Some(lang) = language::requested(&parts.headers) {
            if language.as_deref() != Some(lang.code()) {
                sqlx::query("UPDATE cardholders SET language = $1 WHERE id = $2")
                    .bind(lang.code())
                    .bind(&cardholder_id)
                    .execute(&state.db)
                    .await?;
            }
        }
        Ok(Device {
            device_id,
            cardholder_id,
        })
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        match state.is_admin_token(token) {
            None => Err(ApiError::forbidden(
                "admin_disabled",
                "this platform was started without an admin token",
            )),
            Some(false) => Err(ApiError::forbidden(
                "forbidden",
                "this endpoint needs the admin token",
            )),
            Some(true) => Ok(Admin),
        }
    }
}
