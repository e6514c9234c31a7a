//! The test and demo entry points: `POST /v1/simulate/purchase` (an authorization now,
//! optionally settled or reversed later on its own), `POST /v1/simulate/settle` and
//! `POST /v1/simulate/reverse` (do it now).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::TimeDelta;
use consentry_domain::Money;
use consentry_wire::{PurchaseRequest, StepResult, TransactionRef};

use crate::auth::Device;
use crate::error::{ApiError, ApiResult};
use crate::extract::{refuse_card_number, ApiJson};
use crate::state::AppState;
use crate::transactions::{self, NewPurchase, Outcome};

/// A week: longer schedules are not useful in a simulation.
const MAX_SETTLE_AFTER_MS: u64 = 7 * 24 * 3600 * 1000;
/// One million units of any currency.
const MAX_AMOUNT_MAJOR: i64 = 1_000_000;
const MAX_MERCHANT: usize = 80;

/// A simulated purchase's amount: positive, at most a million major units.
pub fn check_amount(amount: &Money) -> Result<(), ApiError> {
    let max_minor = MAX_AMOUNT_MAJOR * 10i64.pow(u32::from(amount.currency.exponent()));
    if amount.minor <= 0 || amount.minor > max_minor {
        return Err(ApiError::unprocessable(
            "invalid_amount",
            format!("amount.minor must be positive and at most {max_minor}"),
        ));
    }
    Ok(())
}

/// A simulated purchase's merchant, trimmed: 1 to 80 characters, no card number.
pub fn checked_merchant(merchant: &str) -> Result<&str, ApiError> {
    refuse_card_number("merchant", merchant)?;
    let merchant = merchant.trim();
    if merchant.is_empty() || merchant.chars().count() > MAX_MERCHANT {
        return Err(ApiError::unprocessable(
            "invalid_merchant",
            format!("merchant must be 1 to {MAX_MERCHANT} characters"),
        ));
    }
    Ok(merchant)
}

pub async fn purchase(
    State(state): State<AppState>,
    device: Device,
    ApiJson(request): ApiJson<PurchaseRequest>,
) -> ApiResult<(StatusCode, Json<StepResult>)> {
    check_amount(&request.amount)?;
    let merchant = checked_merchant(&request.merchant)?;
    let settle_after = match request.settle_after_ms {
        None => None,
        Some(ms) if ms <= MAX_SETTLE_AFTER_MS => {
            Some(TimeDelta::milliseconds(i64::try_from(ms).unwrap_or(0)))
        }
        Some(_) => {
            return Err(ApiError::unprocessable(
                "invalid_settle_after",
                format!("settle_after_ms must be at most {MAX_SETTLE_AFTER_MS} (a week)"),
            ))
        }
    };
    let new = NewPurchase {
        card_token: request.card_token,
        amount: request.amount,
        merchant: merchant.to_owned(),
        channel: request.channel,
        settle_after,
        outcome: request.outcome,
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let result = transactions::authorize(&mut tx, &device.cardholder_id, new, now).await?;
    tx.commit().await?;
    state.feed_changed();
    if settle_after.is_some() {
        state.settler.notify_one();
    }
    Ok((StatusCode::CREATED, Json(result)))
}

async fn finalize(
    state: &AppState,
    device: &Device,
    id: &str,
    outcome: Outcome,
) -> ApiResult<Json<StepResult>> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let result =
        transactions::finalize(&mut tx, Some(&device.cardholder_id), id, outcome, now).await?;
    tx.commit().await?;
    state.feed_changed();
    Ok(Json(result))
}

pub async fn settle(
    State(state): State<AppState>,
    device: Device,
    ApiJson(request): ApiJson<TransactionRef>,
) -> ApiResult<Json<StepResult>> {
    finalize(&state, &device, &request.transaction_id, Outcome::Settle).await
}

pub async fn reverse(
    State(state): State<AppState>,
    device: Device,
    ApiJson(request): ApiJson<TransactionRef>,
) -> ApiResult<Json<StepResult>> {
    finalize(&state, &device, &request.transaction_id, Outcome::Reverse).await
}
