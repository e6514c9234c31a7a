//! The test and demo entry points: `POST /v1/simulate/purchase` (an authorization now,
//! optionally settled or reversed later on its own), `POST /v1/simulate/settle` and
//! `POST /v1/simulate/reverse` (do it now). Each may be retried under an `Idempotency-Key`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::TimeDelta;
use consentry_domain::Money;
use consentry_wire::{PurchaseRequest, TransactionRef};

use crate::auth::Device;
use crate::error::{ApiError, ApiResult};
use crate::extract::{refuse_card_number, IdempotentJson};
use crate::idempotency::{begin_or_replay, Scope};
use crate::state::AppState;
use crate::transactions::{self, NewPurchase, Outcome};

/// A week: longer schedules are not useful in a simulation.
const MAX_SETTLE_AFTER_MS: u64 = 7 * 24 * 3600 * 1000;
const MAX_MERCHANT: usize = 80;

/// A simulated purchase's amount: within its currency's bounds, as `GET /v1/currencies`
/// publishes them ([`consentry_wire::currencies::purchase_bounds`]).
pub fn check_amount(amount: &Money) -> Result<(), ApiError> {
    if !consentry_wire::currencies::is_purchase_amount(amount) {
        let (min, max) = consentry_wire::currencies::purchase_bounds(amount.currency);
        return Err(ApiError::unprocessable(
            "invalid_amount",
            format!(
                "amount.minor must be {min} to {max} for {} (`GET /v1/currencies`)",
                amount.currency
            ),
        ));
    }
    Ok(())
}

/// `GET /v1/currencies`: every currency an amount may be in, with its exponent and the
/// bounds of a purchase in it.
pub async fn currencies() -> axum::Json<consentry_wire::CurrencyList> {
    axum::Json(consentry_wire::currencies::accepted())
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
    IdempotentJson {
        body: request,
        idempotency,
    }: IdempotentJson<PurchaseRequest>,
) -> ApiResult<Response> {
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
    let scope = Scope::Cardholder(&device.cardholder_id);
    let (mut tx, now) = begin_or_replay!(state, idempotency, scope);
    let result = transactions::authorize(&mut tx, &device.cardholder_id, new, now).await?;
    let response = idempotency
        .answer_json(&mut tx, scope, StatusCode::CREATED, &result, now)
        .await?;
    tx.commit().await?;
    state.feed_changed();
    if settle_after.is_some() {
        state.settler.notify_one();
    }
    Ok(response)
}

async fn finalize(
    state: &AppState,
    device: &Device,
    request: IdempotentJson<TransactionRef>,
    outcome: Outcome,
) -> ApiResult<Response> {
    let IdempotentJson {
        body: TransactionRef { transaction_id },
        idempotency,
    } = request;
    let scope = Scope::Cardholder(&device.cardholder_id);
    let (mut tx, now) = begin_or_replay!(state, idempotency, scope);
    let result = transactions::finalize(
        &mut tx,
        Some(&device.cardholder_id),
        &transaction_id,
        outcome,
        now,
    )
    .await?;
    let response = idempotency
        .answer_json(&mut tx, scope, StatusCode::OK, &result, now)
        .await?;
    tx.commit().await?;
    state.feed_changed();
    Ok(response)
}

pub async fn settle(
    State(state): State<AppState>,
    device: Device,
    request: IdempotentJson<TransactionRef>,
) -> ApiResult<Response> {
    finalize(&state, &device, request, Outcome::Settle).await
}

pub async fn reverse(
    State(state): State<AppState>,
    device: Device,
    request: IdempotentJson<TransactionRef>,
) -> ApiResult<Response> {
    finalize(&state, &device, request, Outcome::Reverse).await
}
