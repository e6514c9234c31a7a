//! A simulated card payment's life: authorization now, then settlement or reversal. At
//! each step the consent rule decides which grants on the card let their app react, and the
//! platform's commission is computed from those apps' fee models.

use std::collections::{BTreeMap, BTreeSet};

use crate::db::Conn;
use chrono::{DateTime, Utc};
use consentry_domain::{
    Cashback, EventPayload, FeeModel, GrantRefusal, Money, Scope, Transaction, Trigger,
};
use consentry_wire::{App, Decision};
use rand::rngs::StdRng;
use rand::SeedableRng as _;
use sha2::{Digest, Sha256};

use crate::apps;
use crate::error::ApiError;
use crate::events::{self, Recipient};
use crate::reactions::{self, Purchase};
use crate::{fx, grant_store};

/// The result of one step, ready to append.
pub struct Phase {
    /// (app id, payload, index into `decisions`)
    pub events: Vec<(String, EventPayload, usize)>,
    pub decisions: Vec<Decision>,
    pub commission: Money,
}

fn refusal_code(refusal: &GrantRefusal) -> &'static str {
    match refusal {
        GrantRefusal::NotActive { .. } => "not_active",
        GrantRefusal::Expired { .. } => "expired",
        GrantRefusal::NotYetGranted { .. } => "not_yet_granted",
        GrantRefusal::ChannelNotGranted { .. } => "channel_not_granted",
        GrantRefusal::BelowMinimum { .. } => "below_minimum",
        GrantRefusal::CurrencyMismatch { .. } => "currency_mismatch",
    }
}

/// Reproducible choices (line items, offer codes) for a given transaction.
pub fn rng_for(transaction_id: &str, trigger: Trigger) -> StdRng {
    let digest = Sha256::digest(format!("{transaction_id}/{trigger}").as_bytes());
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&digest);
    StdRng::from_seed(seed)
}

/// The consent rule and the reactions for one step. `charged` holds the apps already
/// charged a percentage on this transaction (charged once, whatever the steps). The app
/// `withheld` names (the operator's unrewarded purchase) does nothing, whatever its grants.
pub async fn run_phase(
    conn: &mut Conn,
    purchase: &Purchase,
    trigger: Trigger,
    now: DateTime<Utc>,
    charged: &mut BTreeSet<String>,
    withheld: Option<&str>,
) -> Result<Phase, ApiError> {
    let grants = grant_store::on_card(conn, &purchase.card_token).await?;
    let mut apps_by_id: BTreeMap<String, App> = BTreeMap::new();
    for app in apps::all(conn).await? {
        apps_by_id.insert(app.id.clone(), app);
    }
    let mut rng = rng_for(&purchase.transaction_id, trigger);
    let mut phase = Phase {
        events: Vec::new(),
        decisions: Vec::new(),
        commission: Money::zero(purchase.amount.currency),
    };
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for grant in grants {
        let Some(app) = apps_by_id.get(&grant.app_id) else {
            continue;
        };
        let reason = if withheld == Some(app.id.as_str()) {
            Some("withheld")
        } else if grant.trigger != trigger {
            Some("other_trigger")
        } else if let Err(refusal) =
            grant.check(Some(purchase.channel), Some(&purchase.amount), now)
        {
            Some(refusal_code(&refusal))
        } else if grant.terms_version != app.terms.version {
            Some("terms_outdated")
        } else {
            None
        };
        let index = phase.decisions.len();
        phase.decisions.push(Decision {
            grant_id: grant.id.clone(),
            app_id: app.id.clone(),
            scope: grant.scope,
            outcome: if reason.is_some() {
                "skipped"
            } else {
                "reacted"
            }
            .into(),
            reason: reason.map(str::to_owned),
            event_ids: Vec::new(),
        });
        if reason.is_some() {
            continue;
        }
        for payload in reactions::react(conn, purchase, app, grant.scope, now, &mut rng).await? {
            let counts_toward_fee =
                matches!(app.fee_model, FeeModel::PerEvent { per, .. } if per == grant.scope);
            if counts_toward_fee {
                *counts.entry(app.id.clone()).or_default() += 1;
            }
            phase.events.push((app.id.clone(), payload, index));
        }
        counts.entry(app.id.clone()).or_default();
    }
    for (app_id, events_of_scope) in counts {
        let Some(app) = apps_by_id.get(&app_id) else {
            continue;
        };
        if matches!(app.fee_model, FeeModel::Percent { .. }) && !charged.insert(app_id.clone()) {
            continue;
        }
        let fee = app
            .fee_model
            .commission(&purchase.amount, events_of_scope)
            .map_err(ApiError::internal)?;
        // A fee priced in another currency is converted at the reference rate.
        if let Some(fee) = fx::convert(fee, purchase.amount.currency) {
            phase.commission = phase
                .commission
                .checked_add(&fee)
                .map_err(ApiError::internal)?;
        }
    }
    Ok(phase)
}

/// Appends the transaction event, then the phase's app events (and any extra payloads),
/// filling the decisions' event ids. Returns every event id, in feed order. The events are
/// dated `at`, recorded `now` (the same but for a purchase recorded after the fact).
pub async fn append_all(
    conn: &mut Conn,
    purchase: &Purchase,
    transaction: EventPayload,
    phase: &mut Phase,
    extra: Vec<(String, EventPayload)>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    let platform = Recipient {
        cardholder_id: &purchase.cardholder_id,
        card_token: &purchase.card_token,
        app_id: None,
    };
    let mut ids = vec![events::append_dated(conn, &platform, at, now, transaction).await?];
    for (app_id, payload, index) in std::mem::take(&mut phase.events) {
        let to = Recipient {
            app_id: Some(&app_id),
            ..platform
        };
        let id = events::append_dated(conn, &to, at, now, payload).await?;
        if let Some(decision) = phase.decisions.get_mut(index) {
            decision.event_ids.push(id.clone());
        }
        ids.push(id);
    }
    for (app_id, payload) in extra {
        let to = Recipient {
            app_id: Some(&app_id),
            ..platform
        };
        ids.push(events::append_dated(conn, &to, at, now, payload).await?);
    }
    Ok(ids)
}

/// The transaction payload for the feed.
pub fn transaction_payload(purchase: &Purchase, commission: Money) -> Transaction {
    Transaction {
        transaction_id: purchase.transaction_id.clone(),
        amount: purchase.amount,
        merchant: purchase.merchant.clone(),
        channel: purchase.channel,
        commission,
    }
}

/// At settlement: pays the pending cashback of the transaction whose app still holds an
/// active cashback grant on the card; cancels the rest (consent withdrawn meanwhile).
pub async fn settle_cashback(
    conn: &mut Conn,
    purchase: &Purchase,
    now: DateTime<Utc>,
) -> Result<Vec<(String, EventPayload)>, ApiError> {
    let pending: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT id, app_id, amount_minor FROM cashbacks WHERE transaction_id = $1 AND status = 'pending' ORDER BY rowid",
    )
    .bind(&purchase.transaction_id)
    .fetch_all(&mut *conn)
    .await?;
    let grants = grant_store::on_card(conn, &purchase.card_token).await?;
    let mut paid = Vec::new();
    for (id, app_id, minor) in pending {
        let allowed = grants.iter().any(|g| {
            g.app_id == app_id && g.scope == Scope::Cashback && g.check(None, None, now).is_ok()
        });
        let status = if allowed { "paid" } else { "cancelled" };
        sqlx::query("UPDATE cashbacks SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        if allowed {
            let amount = Money::new(minor, purchase.amount.currency);
            let payload = EventPayload::CashbackPaid(Cashback {
                amount,
                destination: reactions::cashback_destination(&purchase.cardholder_id),
                payment: Some(purchase.payment()),
            });
            paid.push((app_id, payload));
        }
    }
    Ok(paid)
}

/// At reversal: no cashback is due.
pub async fn cancel_cashback(conn: &mut Conn, transaction_id: &str) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE cashbacks SET status = 'cancelled' WHERE transaction_id = $1 AND status = 'pending'",
    )
    .bind(transaction_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
