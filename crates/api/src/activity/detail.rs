//! One event in full ([`event_detail`]): a receipt with its lines, tax, total and the
//! transaction it belongs to; a reward or offer with the payment behind it; and, for an event
//! received outside the cardholder's consent, the grant history that proves it.

use chrono::{DateTime, Utc};
use consentry_domain::{ConsentDecision, Event, EventPayload, PaymentRef};
use consentry_store::activity::{self, ActivityRow};
use consentry_store::ledger;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use ts_rs::TS;

use super::{author_of, ActivityItem};
use crate::device_names::DeviceNames;
use crate::views::{DiscountView, LedgerEntryView, ViolationReasonView};
use crate::vocabulary::{Channel, GrantStatus, Money, Scope};
use crate::{ApiError, Context, ErrorCode};

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EventDetailRequest {
    /// The event id (`ActivityItem.id`).
    pub id: String,
}

/// The purchase an app event stems from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    pub transaction_id: String,
    pub channel: Channel,
    pub amount: Money,
}

impl From<&PaymentRef> for PaymentView {
    fn from(p: &PaymentRef) -> Self {
        Self {
            transaction_id: p.transaction_id.clone(),
            channel: p.channel.into(),
            amount: Money::from(&p.amount),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TransactionStatus {
    Authorized,
    Settled,
    Reversed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TransactionBody {
    pub transaction_id: String,
    pub status: TransactionStatus,
    pub merchant: String,
    pub channel: Channel,
    pub amount: Money,
    /// What the platform earned on this purchase (so far).
    pub commission: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptLineView {
    pub quantity: u32,
    pub description: String,
    pub unit_price: Money,
    pub tax: Money,
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptBody {
    pub merchant: String,
    pub lines: Vec<ReceiptLineView>,
    /// Tax over all lines.
    pub tax: Money,
    /// Tax included.
    pub total: Money,
    pub payment: PaymentView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PointsBody {
    pub program: String,
    pub delta: i64,
    pub balance: i64,
    pub payment: Option<PaymentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CashbackBody {
    pub paid: bool,
    pub amount: Money,
    /// The bank account, masked by the platform.
    pub destination: String,
    pub payment: Option<PaymentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OfferBody {
    pub offer_id: String,
    pub code: String,
    /// Empty for a redemption.
    pub description: String,
    /// `None` for a redemption.
    pub discount: Option<DiscountView>,
    pub expires_at: Option<DateTime<Utc>>,
    pub redeemed: bool,
    pub payment: Option<PaymentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessageBody {
    /// The social network, or the recommended product.
    pub label: Option<String>,
    pub text: String,
    pub payment: Option<PaymentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConsentChangeBody {
    /// `grant`, `revoke`, `renew`, `expire`, `needs_reconsent`, `reconsent`.
    pub action: String,
    pub grant_id: String,
    pub scope: Scope,
    pub channels: Vec<Channel>,
    pub status: GrantStatus,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TermsBody {
    pub terms_version: u32,
    pub terms_hash: String,
}

/// A card linked, renamed or unlinked on one of the cardholder's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CardChangeBody {
    /// `linked`, `renamed` or `unlinked`.
    pub change: String,
    /// The network's name ("Visa").
    pub brand: String,
    pub last4: String,
    /// The card's name after the change.
    pub nickname: Option<String>,
    /// The device that made the change; `null` when the wallet has no name for it.
    pub device_name: Option<String>,
    pub this_device: bool,
}

/// What the event says, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    Transaction(TransactionBody),
    Receipt(ReceiptBody),
    Points(PointsBody),
    Cashback(CashbackBody),
    Offer(OfferBody),
    Recommendation(MessageBody),
    SocialPost(MessageBody),
    ConsentChange(ConsentChangeBody),
    Terms(TermsBody),
    CardChange(CardChangeBody),
}

/// One state of a purchase, as a transaction event stated it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TransactionStep {
    pub event_id: String,
    pub status: TransactionStatus,
    pub occurred_at: DateTime<Utc>,
    pub merchant: String,
    pub amount: Money,
    pub commission: Money,
}

/// A consent violation and the evidence.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ViolationView {
    pub reason: ViolationReasonView,
    /// The reason in plain English (the UI shows its own translation of `reason`).
    pub message: String,
    /// The permission the app would have needed.
    pub scope: Option<Scope>,
    /// Every consent-ledger entry for this app × card × scope, oldest first: what the
    /// cardholder had decided, and when.
    pub grant_history: Vec<LedgerEntryView>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EventDetail {
    pub item: ActivityItem,
    pub received_at: DateTime<Utc>,
    pub signature_verified: bool,
    pub body: EventBody,
    /// The purchase this event belongs to, every state of it the wallet holds, oldest first.
    pub transaction: Vec<TransactionStep>,
    pub violation: Option<ViolationView>,
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "event detail");
    ApiError::internal("the wallet could not complete this; see the log for details")
}

fn body_of(event: &Event, names: &DeviceNames) -> Result<EventBody, ApiError> {
    let payment = |p: Option<&PaymentRef>| p.map(PaymentView::from);
    Ok(match &event.payload {
        EventPayload::TransactionAuthorized(t)
        | EventPayload::TransactionSettled(t)
        | EventPayload::TransactionReversed(t) => EventBody::Transaction(TransactionBody {
            transaction_id: t.transaction_id.clone(),
            status: status_of(&event.payload).unwrap_or(TransactionStatus::Authorized),
            merchant: t.merchant.clone(),
            channel: t.channel.into(),
            amount: Money::from(&t.amount),
            commission: Money::from(&t.commission),
        }),
        EventPayload::ReceiptIssued(r) => EventBody::Receipt(ReceiptBody {
            merchant: r.receipt.merchant.clone(),
            lines: r
                .receipt
                .lines
                .iter()
                .map(|l| ReceiptLineView {
                    quantity: l.quantity,
                    description: l.description.clone(),
                    unit_price: Money::from(&l.unit_price),
                    tax: Money::from(&l.tax),
                    total: Money::from(&l.total),
                })
                .collect(),
            tax: Money::from(&r.receipt.total_tax().map_err(internal)?),
            total: Money::from(&r.receipt.total),
            payment: PaymentView::from(&r.payment),
        }),
        EventPayload::PointsAwarded(p) => EventBody::Points(PointsBody {
            program: p.program.clone(),
            delta: p.delta,
            balance: p.balance,
            payment: payment(p.payment.as_ref()),
        }),
        EventPayload::CashbackPending(c) | EventPayload::CashbackPaid(c) => {
            EventBody::Cashback(CashbackBody {
                paid: matches!(event.payload, EventPayload::CashbackPaid(_)),
                amount: Money::from(&c.amount),
                destination: c.destination.clone(),
                payment: payment(c.payment.as_ref()),
            })
        }
        EventPayload::OfferIssued(o) => EventBody::Offer(OfferBody {
            offer_id: o.offer_id.clone(),
            code: o.code.clone(),
            description: o.description.clone(),
            discount: Some(DiscountView::from(&o.discount)),
            expires_at: o.expires_at,
            redeemed: false,
            payment: payment(o.payment.as_ref()),
        }),
        EventPayload::OfferRedeemed(o) => EventBody::Offer(OfferBody {
            offer_id: o.offer_id.clone(),
            code: o.code.clone(),
            description: String::new(),
            discount: None,
            expires_at: None,
            redeemed: true,
            payment: payment(o.payment.as_ref()),
        }),
        EventPayload::RecommendationMade(r) => EventBody::Recommendation(MessageBody {
            label: r.product.clone(),
            text: r.text.clone(),
            payment: payment(r.payment.as_ref()),
        }),
        EventPayload::SocialPosted(s) => EventBody::SocialPost(MessageBody {
            label: Some(s.network.clone()),
            text: s.text.clone(),
            payment: payment(s.payment.as_ref()),
        }),
        EventPayload::ConsentChanged(c) => EventBody::ConsentChange(ConsentChangeBody {
            action: c.action.as_str().to_owned(),
            grant_id: c.grant.id.clone(),
            scope: c.grant.scope.into(),
            channels: c.grant.channels.iter().map(|ch| (*ch).into()).collect(),
            status: c.grant.status.into(),
            expires_at: c.grant.expires_at,
        }),
        EventPayload::AppTermsChanged(t) => EventBody::Terms(TermsBody {
            terms_version: t.terms_version,
            terms_hash: t.terms_hash.to_string(),
        }),
        EventPayload::CardChanged(c) => EventBody::CardChange(CardChangeBody {
            change: c.change.as_str().to_owned(),
            brand: c.brand.label().to_owned(),
            last4: c.last4.clone(),
            nickname: c.nickname.clone(),
            device_name: names.name(&c.device_id),
            this_device: names.is_own(&c.device_id),
        }),
    })
}

pub(crate) fn status_of(payload: &EventPayload) -> Option<TransactionStatus> {
    match payload {
        EventPayload::TransactionAuthorized(_) => Some(TransactionStatus::Authorized),
        EventPayload::TransactionSettled(_) => Some(TransactionStatus::Settled),
        EventPayload::TransactionReversed(_) => Some(TransactionStatus::Reversed),
        _ => None,
    }
}

fn step_of(row: &ActivityRow) -> Option<TransactionStep> {
    let status = status_of(&row.event.payload)?;
    let (EventPayload::TransactionAuthorized(t)
    | EventPayload::TransactionSettled(t)
    | EventPayload::TransactionReversed(t)) = &row.event.payload
    else {
        return None;
    };
    Some(TransactionStep {
        event_id: row.event.id.clone(),
        status,
        occurred_at: row.event.occurred_at,
        merchant: t.merchant.clone(),
        amount: Money::from(&t.amount),
        commission: Money::from(&t.commission),
    })
}

/// The verdict's evidence: the reason as judged against the ledger now (append-only, so the
/// same the event was flagged on) and every entry for that app × card × scope.
async fn violation_of(
    pool: &SqlitePool,
    row: &ActivityRow,
    names: &DeviceNames,
) -> Result<Option<ViolationView>, ApiError> {
    let Some(stored) = &row.violation else {
        return Ok(None);
    };
    let scope = row.event.scope();
    let (reason, history) = match consentry_sync::consent_evidence(pool, &row.event)
        .await
        .map_err(internal)?
    {
        ConsentDecision::Violation { reason, history } => (reason, history),
        // Flagged on arrival but covered now (a change from another device dated earlier
        // arrived since): keep the flag's reason and show the same history.
        ConsentDecision::Allowed => {
            let history = ledger::entries(pool)
                .await?
                .into_iter()
                .filter(|e| {
                    Some(e.grant.scope) == scope
                        && row.event.app_id.as_deref() == Some(e.grant.app_id.as_str())
                        && e.grant.card_token == row.event.card_token
                })
                .collect();
            (stored.clone(), history)
        }
    };
    Ok(Some(ViolationView {
        reason: ViolationReasonView::from(&reason),
        message: reason.to_string(),
        scope: scope.map(Scope::from),
        grant_history: history
            .into_iter()
            .map(|e| LedgerEntryView::named(e, names))
            .collect(),
    }))
}

/// One event in full. `not_found` when the wallet has no event with that id.
pub async fn event_detail(
    ctx: &Context,
    request: EventDetailRequest,
) -> Result<EventDetail, ApiError> {
    let pool = ctx.pool().await?;
    let row = activity::by_id(&pool, &request.id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "there is no such event"))?;
    let transaction = match row.event.payload.transaction_id() {
        Some(tx) => {
            activity::transaction_events(&pool, &row.event.card_token, tx, row.event.occurred_at)
                .await?
                .iter()
                .filter_map(step_of)
                .collect()
        }
        None => Vec::new(),
    };
    let names = DeviceNames::load(ctx, &pool).await?;
    let mut item = ActivityItem::from(&row);
    item.device_name = author_of(&row.event).and_then(|id| names.name(id));
    Ok(EventDetail {
        item,
        received_at: row.received_at,
        signature_verified: row.signature_verified,
        body: body_of(&row.event, &names)?,
        transaction,
        violation: violation_of(&pool, &row, &names).await?,
    })
}
