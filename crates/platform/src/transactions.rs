//! Transactions as recorded by the platform, and the three steps that change them:
//! authorize (a new purchase), settle and reverse. Used by the simulate endpoints, the
//! settler (scheduled settlements) and the demo simulator.

use std::collections::BTreeSet;

use crate::db::Conn;
use chrono::{DateTime, TimeDelta, Utc};
use consentry_domain::{Channel, Currency, EventPayload, Money, Scope, Trigger};
use consentry_wire::{App, StepResult, Transaction};

use crate::cards;
use crate::clock::{parse_rfc3339, rfc3339, stored_time};
use crate::error::ApiError;
use crate::ids::new_id;
use crate::reactions::Purchase;
use crate::{grant_store, purchases};

pub use consentry_wire::Outcome;

/// A new purchase to authorize.
pub struct NewPurchase {
    pub card_token: String,
    pub amount: Money,
    pub merchant: String,
    pub channel: Channel,
    /// Settle (or reverse) automatically this long after authorization; `None` waits for
    /// an explicit `POST /v1/simulate/settle` or `/reverse`.
    pub settle_after: Option<TimeDelta>,
    pub outcome: Outcome,
}

type Row = (
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    Option<String>,
);

struct Record {
    view: Transaction,
    cardholder_id: String,
    charged: BTreeSet<String>,
}

async fn load(conn: &mut Conn, id: &str) -> Result<Option<Record>, ApiError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, cardholder_id, card_token, amount_minor, currency, merchant, channel, status,
                settle_at, charged_apps, commission_minor, authorized_at, finalized_at
         FROM transactions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((
        id,
        cardholder_id,
        card_token,
        minor,
        currency,
        merchant,
        channel,
        status,
        settle_at,
        charged,
        commission,
        authorized_at,
        finalized_at,
    )) = row
    else {
        return Ok(None);
    };
    let currency = Currency::new(&currency).map_err(ApiError::internal)?;
    let channel: Channel = channel.parse().map_err(ApiError::internal)?;
    let settle_at = settle_at
        .map(|t| stored_time(&t, "transactions.settle_at"))
        .transpose()?;
    let finalized_at = finalized_at
        .map(|t| stored_time(&t, "transactions.finalized_at"))
        .transpose()?;
    Ok(Some(Record {
        view: Transaction {
            id,
            card_token,
            amount: Money::new(minor, currency),
            merchant,
            channel,
            status,
            commission: Money::new(commission, currency),
            authorized_at: stored_time(&authorized_at, "transactions.authorized_at")?,
            settle_at,
            finalized_at,
        },
        cardholder_id,
        charged: serde_json::from_str(&charged)?,
    }))
}

/// The latest purchase on a card (any status), as the apps see it, with its cardholder.
pub async fn latest_on_card(
    conn: &mut Conn,
    card_token: &str,
) -> Result<Option<Purchase>, ApiError> {
    let id: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM transactions WHERE card_token = $1
         ORDER BY authorized_at DESC, id DESC LIMIT 1",
    )
    .bind(card_token)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id,)) = id else {
        return Ok(None);
    };
    Ok(load(conn, &id).await?.map(|record| Purchase {
        transaction_id: record.view.id,
        cardholder_id: record.cardholder_id,
        card_token: record.view.card_token,
        amount: record.view.amount,
        merchant: record.view.merchant,
        channel: record.view.channel,
    }))
}

/// Authorizes a purchase on one of the cardholder's active cards.
pub async fn authorize(
    conn: &mut Conn,
    cardholder_id: &str,
    new: NewPurchase,
    now: DateTime<Utc>,
) -> Result<StepResult, ApiError> {
    if cards::find_active(conn, cardholder_id, &new.card_token)
        .await?
        .is_none()
    {
        return Err(ApiError::unprocessable(
            "card_not_found",
            "no linked card with this card_token",
        ));
    }
    let purchase = Purchase {
        transaction_id: new_id("txn"),
        cardholder_id: cardholder_id.to_owned(),
        card_token: new.card_token,
        amount: new.amount,
        merchant: new.merchant,
        channel: new.channel,
    };
    let mut charged = BTreeSet::new();
    let mut phase = purchases::run_phase(
        conn,
        &purchase,
        Trigger::Authorization,
        now,
        &mut charged,
        None,
    )
    .await?;
    let transaction = purchases::transaction_payload(&purchase, phase.commission);
    let payload = EventPayload::TransactionAuthorized(transaction);
    let event_ids =
        purchases::append_all(conn, &purchase, payload, &mut phase, Vec::new(), now, now).await?;
    let settle_at = new.settle_after.map(|after| now + after);
    let outcome = match new.outcome {
        Outcome::Settle => "settle",
        Outcome::Reverse => "reverse",
    };
    sqlx::query(
        "INSERT INTO transactions (id, cardholder_id, card_token, amount_minor, currency, merchant, channel,
             status, outcome, settle_at, charged_apps, commission_minor, authorized_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'authorized', $8, $9, $10, $11, $12)",
    )
    .bind(&purchase.transaction_id)
    .bind(cardholder_id)
    .bind(&purchase.card_token)
    .bind(purchase.amount.minor)
    .bind(purchase.amount.currency.code())
    .bind(&purchase.merchant)
    .bind(purchase.channel.as_str())
    .bind(outcome)
    .bind(settle_at.map(rfc3339))
    .bind(serde_json::to_string(&charged)?)
    .bind(phase.commission.minor)
    .bind(rfc3339(now))
    .execute(&mut *conn)
    .await?;
    let transaction = Transaction {
        id: purchase.transaction_id.clone(),
        card_token: purchase.card_token.clone(),
        amount: purchase.amount,
        merchant: purchase.merchant.clone(),
        channel: purchase.channel,
        status: "authorized".into(),
        commission: phase.commission,
        authorized_at: now,
        settle_at,
        finalized_at: None,
    };
    Ok(StepResult {
        transaction,
        event_ids,
        decisions: phase.decisions,
    })
}

/// A purchase the operator records after the fact: authorized and settled at `at` on a
/// linked card, the apps reacting as their grants allowed at that time — except `withheld`,
/// which held an active cashback grant covering it then and does nothing. What a wallet's
/// missing-reward claim is about. The events carry `at` and are recorded `now`.
pub async fn record_unrewarded(
    conn: &mut Conn,
    withheld: &App,
    new: NewPurchase,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<StepResult, ApiError> {
    let cardholder_id: Option<String> = sqlx::query_scalar(
        "SELECT cardholder_id FROM cards WHERE token = $1 AND status = 'active'",
    )
    .bind(&new.card_token)
    .fetch_optional(&mut *conn)
    .await?;
    let cardholder_id = cardholder_id.ok_or_else(|| {
        ApiError::unprocessable("card_not_found", "no linked card with this card_token")
    })?;
    let owed = grant_store::on_card(conn, &new.card_token)
        .await?
        .iter()
        .any(|g| {
            g.app_id == withheld.id
                && g.scope == Scope::Cashback
                && g.terms_version == withheld.terms.version
                && g.check(Some(new.channel), Some(&new.amount), at).is_ok()
        });
    if !owed {
        return Err(ApiError::conflict(
            "no_cashback_grant",
            "the app held no active cashback grant covering this purchase on this card at settled_at",
        ));
    }
    let purchase = Purchase {
        transaction_id: new_id("txn"),
        cardholder_id,
        card_token: new.card_token,
        amount: new.amount,
        merchant: new.merchant,
        channel: new.channel,
    };
    let skip = Some(withheld.id.as_str());
    let mut charged = BTreeSet::new();
    let mut phase = purchases::run_phase(
        conn,
        &purchase,
        Trigger::Authorization,
        at,
        &mut charged,
        skip,
    )
    .await?;
    let mut commission = phase.commission;
    let payload =
        EventPayload::TransactionAuthorized(purchases::transaction_payload(&purchase, commission));
    let mut event_ids =
        purchases::append_all(conn, &purchase, payload, &mut phase, Vec::new(), at, now).await?;
    let mut decisions = phase.decisions;
    let mut phase =
        purchases::run_phase(conn, &purchase, Trigger::Settlement, at, &mut charged, skip).await?;
    let paid = purchases::settle_cashback(conn, &purchase, at).await?;
    commission = commission
        .checked_add(&phase.commission)
        .map_err(ApiError::internal)?;
    let payload =
        EventPayload::TransactionSettled(purchases::transaction_payload(&purchase, commission));
    event_ids
        .extend(purchases::append_all(conn, &purchase, payload, &mut phase, paid, at, now).await?);
    decisions.extend(phase.decisions);
    sqlx::query(
        "INSERT INTO transactions (id, cardholder_id, card_token, amount_minor, currency, merchant, channel,
             status, outcome, settle_at, charged_apps, commission_minor, authorized_at, finalized_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'settled', 'settle', NULL, $8, $9, $10, $11)",
    )
    .bind(&purchase.transaction_id)
    .bind(&purchase.cardholder_id)
    .bind(&purchase.card_token)
    .bind(purchase.amount.minor)
    .bind(purchase.amount.currency.code())
    .bind(&purchase.merchant)
    .bind(purchase.channel.as_str())
    .bind(serde_json::to_string(&charged)?)
    .bind(commission.minor)
    .bind(rfc3339(at))
    .bind(rfc3339(at))
    .execute(&mut *conn)
    .await?;
    Ok(StepResult {
        transaction: Transaction {
            id: purchase.transaction_id,
            card_token: purchase.card_token,
            amount: purchase.amount,
            merchant: purchase.merchant,
            channel: purchase.channel,
            status: "settled".into(),
            commission,
            authorized_at: at,
            settle_at: None,
            finalized_at: Some(at),
        },
        event_ids,
        decisions,
    })
}

/// Settles or reverses an authorized transaction. `cardholder_id` restricts it to that
/// cardholder's transactions (the HTTP API); the settler passes `None`.
pub async fn finalize(
    conn: &mut Conn,
    cardholder_id: Option<&str>,
    transaction_id: &str,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<StepResult, ApiError> {
    let record = load(conn, transaction_id)
        .await?
        .filter(|r| cardholder_id.is_none_or(|c| c == r.cardholder_id))
        .ok_or_else(|| {
            ApiError::not_found("transaction_not_found", "no transaction with this id")
        })?;
    if record.view.status != "authorized" {
        return Err(ApiError::conflict(
            "transaction_not_pending",
            format!("the transaction is already {}", record.view.status),
        )
        .with_transaction(record.view));
    }
    let Record {
        mut view,
        cardholder_id,
        mut charged,
        ..
    } = record;
    let purchase = Purchase {
        transaction_id: view.id.clone(),
        cardholder_id,
        card_token: view.card_token.clone(),
        amount: view.amount,
        merchant: view.merchant.clone(),
        channel: view.channel,
    };
    let (status, event_ids, decisions) = match outcome {
        Outcome::Settle => {
            let mut phase = purchases::run_phase(
                conn,
                &purchase,
                Trigger::Settlement,
                now,
                &mut charged,
                None,
            )
            .await?;
            let paid = purchases::settle_cashback(conn, &purchase, now).await?;
            view.commission = view
                .commission
                .checked_add(&phase.commission)
                .map_err(ApiError::internal)?;
            let payload = EventPayload::TransactionSettled(purchases::transaction_payload(
                &purchase,
                view.commission,
            ));
            let ids =
                purchases::append_all(conn, &purchase, payload, &mut phase, paid, now, now).await?;
            ("settled", ids, phase.decisions)
        }
        Outcome::Reverse => {
            purchases::cancel_cashback(conn, &purchase.transaction_id).await?;
            // A reversed payment earns nobody anything.
            view.commission = Money::zero(view.amount.currency);
            let payload = EventPayload::TransactionReversed(purchases::transaction_payload(
                &purchase,
                view.commission,
            ));
            let mut phase = purchases::Phase {
                events: Vec::new(),
                decisions: Vec::new(),
                commission: view.commission,
            };
            let ids =
                purchases::append_all(conn, &purchase, payload, &mut phase, Vec::new(), now, now)
                    .await?;
            ("reversed", ids, Vec::new())
        }
    };
    sqlx::query(
        "UPDATE transactions SET status = $1, finalized_at = $2, charged_apps = $3, commission_minor = $4 WHERE id = $5",
    )
    .bind(status)
    .bind(rfc3339(now))
    .bind(serde_json::to_string(&charged)?)
    .bind(view.commission.minor)
    .bind(&view.id)
    .execute(&mut *conn)
    .await?;
    view.status = status.into();
    view.finalized_at = Some(now);
    Ok(StepResult {
        transaction: view,
        event_ids,
        decisions,
    })
}

/// Authorized transactions whose settlement date has come, with the scheduled outcome.
pub async fn due(conn: &mut Conn, now: DateTime<Utc>) -> Result<Vec<(String, Outcome)>, ApiError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, outcome FROM transactions WHERE status = 'authorized' AND settle_at IS NOT NULL
           AND settle_at <= $1 ORDER BY settle_at LIMIT 100",
    )
    .bind(rfc3339(now))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, outcome)| {
            (
                id,
                if outcome == "reverse" {
                    Outcome::Reverse
                } else {
                    Outcome::Settle
                },
            )
        })
        .collect())
}

/// The next scheduled settlement date, if any.
pub async fn next_due(conn: &mut Conn) -> Result<Option<DateTime<Utc>>, ApiError> {
    let next: Option<String> = sqlx::query_scalar(
        "SELECT MIN(settle_at) FROM transactions WHERE status = 'authorized' AND settle_at IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(next.as_deref().and_then(parse_rfc3339))
}
