//! Card tokenization: `POST /v1/cards` turns a card number into a token, brand and last 4
//! digits; `GET /v1/cards` and `DELETE /v1/cards/{token}`.
//!
//! The number lives only in this request's memory, inside a zeroizing
//! [`consentry_domain::CardNumber`]. Error messages never repeat it.

use crate::db::Conn;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use consentry_domain::{
    Brand, CardChange, CardNumber, CardNumberError, ConsentAction, Expiry, GrantStatus,
};
use consentry_wire::{Card, CardList, Expiration, LinkCardRequest, RenameCardRequest};
use serde_json::Value;

use crate::auth::Device;
use crate::clock::{rfc3339, stored_time};
use crate::error::{ApiError, ApiResult};
use crate::extract::{refuse_card_number, ApiJson, ApiPath, IdempotentJson};
use crate::idempotency::{begin_or_replay, Scope};
use crate::ids::new_letters_id;
use crate::state::AppState;
use crate::{events, grant_store};

const MAX_NICKNAME: usize = 40;
/// The networks this platform links, as CardSpring did.
const SUPPORTED_BRANDS: [Brand; 4] = [Brand::Visa, Brand::Mastercard, Brand::Amex, Brand::Discover];

fn number_error(error: &CardNumberError) -> ApiError {
    let code = match error {
        CardNumberError::Empty | CardNumberError::NonDigit { .. } => "card_number_invalid",
        CardNumberError::Length { .. } => "card_number_length",
        CardNumberError::Luhn => "card_number_luhn",
    };
    ApiError::unprocessable(code, error.to_string())
}

/// A nickname as kept: trimmed, blank is none, at most [`MAX_NICKNAME`] characters.
fn nickname(text: Option<&str>) -> Result<Option<String>, ApiError> {
    match text.map(str::trim) {
        Some(n) if n.chars().count() > MAX_NICKNAME => Err(ApiError::unprocessable(
            "invalid_nickname",
            format!("nickname must be at most {MAX_NICKNAME} characters"),
        )),
        Some("") | None => Ok(None),
        Some(n) => Ok(Some(n.to_owned())),
    }
}

pub async fn link(
    State(state): State<AppState>,
    device: Device,
    IdempotentJson {
        body: request,
        idempotency,
    }: IdempotentJson<LinkCardRequest>,
) -> ApiResult<Response> {
    let scope = Scope::Cardholder(&device.cardholder_id);
    let (mut tx, now) = begin_or_replay!(state, idempotency, scope);
    // Only `number` may hold a card number (tokenized, never stored).
    if let Some(nickname) = &request.nickname {
        refuse_card_number("nickname", nickname)?;
    }
    let Value::String(text) = &request.number else {
        return Err(ApiError::unprocessable(
            "card_number_invalid",
            "number must be a string of digits",
        ));
    };
    let number = CardNumber::parse(text).map_err(|e| number_error(&e))?;
    let brand = number.brand();
    if !SUPPORTED_BRANDS.contains(&brand) {
        return Err(ApiError::unprocessable(
            "card_brand_unsupported",
            format!(
                "{} cards cannot be linked; Visa, Mastercard, American Express and Discover can",
                brand.label()
            ),
        ));
    }
    let Expiration { month, year } = request.expiration;
    let expiry = Expiry::new(month, year)
        .map_err(|e| ApiError::unprocessable("expiration_invalid", e.to_string()))?;
    if expiry.is_expired(now) {
        return Err(ApiError::unprocessable(
            "card_expired",
            format!("the card expired in {expiry}"),
        ));
    }
    let nickname = nickname(request.nickname.as_deref())?;
    let fingerprint = state.fingerprints.of(&device.cardholder_id, &number);
    let card = Card {
        token: new_letters_id("card"),
        brand,
        last4: number.last4(),
        expiration: request.expiration,
        nickname,
        status: "active".into(),
        created_at: now,
    };
    drop(number);
    // Already linked by this cardholder (here or on another device): the card they have.
    if let Some(existing) =
        find_active_by(&mut tx, &device.cardholder_id, "fingerprint", &fingerprint).await?
    {
        let response = idempotency
            .answer_json(&mut tx, scope, StatusCode::OK, &existing, now)
            .await?;
        tx.commit().await?;
        return Ok(response);
    }
    sqlx::query(
        "INSERT INTO cards (token, cardholder_id, brand, last4, exp_month, exp_year, nickname, status, created_at, fingerprint)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9)",
    )
    .bind(&card.token)
    .bind(&device.cardholder_id)
    .bind(card.brand.as_str())
    .bind(&card.last4)
    .bind(i64::from(month))
    .bind(i64::from(year))
    .bind(&card.nickname)
    .bind(rfc3339(card.created_at))
    .bind(&fingerprint)
    .execute(&mut *tx)
    .await?;
    emit(&mut tx, &device, CardChange::Linked, &card, now).await?;
    let response = idempotency
        .answer_json(&mut tx, scope, StatusCode::CREATED, &card, now)
        .await?;
    tx.commit().await?;
    state.feed_changed();
    Ok(response)
}

type CardRow = (
    String,
    String,
    String,
    i16,
    i16,
    Option<String>,
    String,
    String,
);

const CARD_COLUMNS: &str = "token, brand, last4, exp_month, exp_year, nickname, status, created_at";

fn from_row(row: CardRow) -> Result<Card, ApiError> {
    let (token, brand, last4, month, year, nickname, status, created_at) = row;
    let brand: Brand = brand
        .parse()
        .map_err(|e| ApiError::internal(format!("card {token}: {e}")))?;
    let created_at = stored_time(&created_at, "cards.created_at")?;
    let (Ok(month), Ok(year)) = (u8::try_from(month), u16::try_from(year)) else {
        return Err(ApiError::internal(format!(
            "card {token}: unreadable expiration"
        )));
    };
    Ok(Card {
        token,
        brand,
        last4,
        expiration: Expiration { month, year },
        nickname,
        status,
        created_at,
    })
}

/// The cardholder's active card with this token, if any.
pub async fn find_active(
    conn: &mut Conn,
    cardholder_id: &str,
    token: &str,
) -> Result<Option<Card>, ApiError> {
    find_active_by(conn, cardholder_id, "token", token).await
}

/// The cardholder's active card whose `column` (`token` or `fingerprint`) is `value`.
async fn find_active_by(
    conn: &mut Conn,
    cardholder_id: &str,
    column: &'static str,
    value: &str,
) -> Result<Option<Card>, ApiError> {
    let row: Option<CardRow> = sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS} FROM cards WHERE cardholder_id = $1 AND {column} = $2 AND status = 'active'"
    ))
    .bind(cardholder_id)
    .bind(value)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(from_row).transpose()
}

pub async fn list(State(state): State<AppState>, device: Device) -> ApiResult<Json<CardList>> {
    let rows: Vec<CardRow> = sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS} FROM cards WHERE cardholder_id = $1 AND status = 'active' ORDER BY created_at, token"
    ))
    .bind(&device.cardholder_id)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(CardList {
        cards: rows.into_iter().map(from_row).collect::<Result<_, _>>()?,
    }))
}

pub async fn rename(
    State(state): State<AppState>,
    device: Device,
    ApiPath(token): ApiPath<String>,
    ApiJson(request): ApiJson<RenameCardRequest>,
) -> ApiResult<Json<Card>> {
    if let Some(text) = &request.nickname {
        refuse_card_number("nickname", text)?;
    }
    let nickname = nickname(request.nickname.as_deref())?;
    let now = state.clock.now();
    let mut tx = crate::db::begin_for(&state.db, &device.cardholder_id).await?;
    let mut card = find_active(&mut tx, &device.cardholder_id, &token)
        .await?
        .ok_or_else(|| ApiError::not_found("card_not_found", "no linked card with this token"))?;
    if card.nickname == nickname {
        return Ok(Json(card));
    }
    sqlx::query("UPDATE cards SET nickname = $1 WHERE token = $2")
        .bind(&nickname)
        .bind(&token)
        .execute(&mut *tx)
        .await?;
    card.nickname = nickname;
    emit(&mut tx, &device, CardChange::Renamed, &card, now).await?;
    tx.commit().await?;
    state.feed_changed();
    Ok(Json(card))
}

pub async fn remove(
    State(state): State<AppState>,
    device: Device,
    ApiPath(token): ApiPath<String>,
) -> ApiResult<Json<Card>> {
    let now = state.clock.now();
    let mut tx = crate::db::begin_for(&state.db, &device.cardholder_id).await?;
    let mut card = find_active(&mut tx, &device.cardholder_id, &token)
        .await?
        .ok_or_else(|| ApiError::not_found("card_not_found", "no linked card with this token"))?;
    sqlx::query("UPDATE cards SET status = 'removed', removed_at = $1 WHERE token = $2")
        .bind(rfc3339(now))
        .bind(&token)
        .execute(&mut *tx)
        .await?;
    // Grants on an unlinked card are withdrawn, and every device hears of it.
    for grant in grant_store::on_card(&mut tx, &token).await? {
        if grant.status == GrantStatus::Revoked {
            continue;
        }
        let revoked = grant.revoke(now).map_err(ApiError::internal)?;
        // The platform withdraws them, unsigned: no device decided this revoke.
        grant_store::save(
            &mut tx,
            &device.cardholder_id,
            &revoked,
            &device.device_id,
            None,
        )
        .await?;
        events::emit_change(
            &mut tx,
            &device.cardholder_id,
            ConsentAction::Revoke,
            &revoked,
            None,
            now,
        )
        .await?;
    }
    card.status = "removed".into();
    emit(&mut tx, &device, CardChange::Unlinked, &card, now).await?;
    tx.commit().await?;
    state.feed_changed();
    Ok(Json(card))
}

/// Tells the cardholder's other devices, on the feed, that `device` made `change` to `card`.
async fn emit(
    conn: &mut Conn,
    device: &Device,
    change: CardChange,
    card: &Card,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    events::emit_card_change(
        conn,
        &device.cardholder_id,
        change,
        card,
        &device.device_id,
        now,
    )
    .await
}
