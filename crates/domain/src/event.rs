//! Events the platform delivers to the wallet, as they travel on the signed feed.
//!
//! The wire form is one flat JSON object: envelope fields plus a payload tagged by
//! `type`, e.g. `{"id":"evt_1","type":"receipt.issued","occurred_at":..,"card_token":..,
//! "app_id":..,"payment":{..},"receipt":{..}}`. Decode with [`Event::from_json`] so that
//! an unknown `type` becomes [`EventDecodeError::UnknownType`] for the sync layer to
//! quarantine, instead of a generic parse failure.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    Brand, Channel, ConsentAction, Expiry, Grant, Money, Receipt, ReceiptError, Scope, Sha256Digest,
};

vocabulary! {
    /// The `type` of an event.
    EventType, "event type" {
        TransactionAuthorized => "transaction.authorized",
        TransactionSettled => "transaction.settled",
        TransactionReversed => "transaction.reversed",
        ReceiptIssued => "receipt.issued",
        PointsAwarded => "points.awarded",
        CashbackPending => "cashback.pending",
        CashbackPaid => "cashback.paid",
        OfferIssued => "offer.issued",
        OfferRedeemed => "offer.redeemed",
        RecommendationMade => "recommendation.made",
        SocialPosted => "social.posted",
        ConsentChanged => "consent.changed",
        AppTermsChanged => "app.terms_changed",
        CardChanged => "card.changed",
    }
}

vocabulary! {
    /// What happened to a card in `card.changed`.
    CardChange, "card change" {
        Linked => "linked",
        Renamed => "renamed",
        Unlinked => "unlinked",
    }
}

impl EventType {
    /// The scope an app needs to produce this event; `None` for platform events.
    pub const fn scope(self) -> Option<Scope> {
        match self {
            EventType::ReceiptIssued => Some(Scope::Receipts),
            EventType::PointsAwarded => Some(Scope::Points),
            EventType::CashbackPending | EventType::CashbackPaid => Some(Scope::Cashback),
            EventType::OfferIssued | EventType::OfferRedeemed => Some(Scope::Offers),
            EventType::RecommendationMade => Some(Scope::Recommendations),
            EventType::SocialPosted => Some(Scope::SocialPosts),
            EventType::TransactionAuthorized
            | EventType::TransactionSettled
            | EventType::TransactionReversed
            | EventType::ConsentChanged
            | EventType::AppTermsChanged
            | EventType::CardChanged => None,
        }
    }
}

/// One delivered event: the envelope, with the payload's fields beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Unique per event; the wallet deduplicates on it.
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// The card it is about. `app.terms_changed` is delivered once per card that holds
    /// a grant for the app, so every event has a card.
    pub card_token: String,
    /// The app that produced it; required for app events and `app.terms_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(flatten)]
    pub payload: EventPayload,
}

/// The payment an app event stems from; what the consent check compares with the grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRef {
    pub transaction_id: String,
    pub channel: Channel,
    pub amount: Money,
}

/// A card payment as the platform saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub transaction_id: String,
    pub amount: Money,
    pub merchant: String,
    pub channel: Channel,
    /// What the platform earns on it, from the fee models of the apps involved.
    pub commission: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptIssued {
    pub payment: PaymentRef,
    pub receipt: Receipt,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsAwarded {
    pub program: String,
    /// Points added (negative when taken back).
    pub delta: i64,
    /// Balance after this award.
    pub balance: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentRef>,
}

/// Cashback on its way (`cashback.pending`) or paid (`cashback.paid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cashback {
    pub amount: Money,
    /// The bank account, masked by the platform: `"FR76 •••• 1234"`.
    pub destination: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentRef>,
}

/// How much an offer takes off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Discount {
    Percent { bps: u32 },
    Amount { amount: Money },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferIssued {
    pub offer_id: String,
    pub code: String,
    pub description: String,
    pub discount: Discount,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRedeemed {
    pub offer_id: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecommendationMade {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialPosted {
    pub network: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentRef>,
}

/// A grant changed elsewhere (another device, or the platform).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChanged {
    pub action: ConsentAction,
    pub grant: Grant,
    /// The device-signed change that produced `grant`; `None` when the platform made the
    /// change itself (new terms) or kept no signature. Only a signed change verified against
    /// the cardholder's device chain is recorded as the cardholder's decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Box<crate::SignedConsent>>,
}

/// The app (envelope `app_id`) published new terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppTermsChanged {
    pub terms_version: u32,
    pub terms_hash: Sha256Digest,
}

/// A card of the cardholder was linked, renamed or unlinked, on one of their devices (the
/// envelope's `card_token` is the card). Every device of the cardholder hears of it, so
/// they all hold the same cards under the same names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardChanged {
    pub change: CardChange,
    pub brand: Brand,
    pub last4: String,
    pub expiration: Expiry,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// The device that made the change (the platform's id for it).
    pub device_id: String,
}

/// What happened, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum EventPayload {
    #[serde(rename = "transaction.authorized")]
    TransactionAuthorized(Transaction),
    #[serde(rename = "transaction.settled")]
    TransactionSettled(Transaction),
    #[serde(rename = "transaction.reversed")]
    TransactionReversed(Transaction),
    #[serde(rename = "receipt.issued")]
    ReceiptIssued(ReceiptIssued),
    #[serde(rename = "points.awarded")]
    PointsAwarded(PointsAwarded),
    #[serde(rename = "cashback.pending")]
    CashbackPending(Cashback),
    #[serde(rename = "cashback.paid")]
    CashbackPaid(Cashback),
    #[serde(rename = "offer.issued")]
    OfferIssued(OfferIssued),
    #[serde(rename = "offer.redeemed")]
    OfferRedeemed(OfferRedeemed),
    #[serde(rename = "recommendation.made")]
    RecommendationMade(RecommendationMade),
    #[serde(rename = "social.posted")]
    SocialPosted(SocialPosted),
    #[serde(rename = "consent.changed")]
    ConsentChanged(ConsentChanged),
    #[serde(rename = "app.terms_changed")]
    AppTermsChanged(AppTermsChanged),
    #[serde(rename = "card.changed")]
    CardChanged(CardChanged),
}

impl EventPayload {
    pub const fn event_type(&self) -> EventType {
        match self {
            EventPayload::TransactionAuthorized(_) => EventType::TransactionAuthorized,
            EventPayload::TransactionSettled(_) => EventType::TransactionSettled,
            EventPayload::TransactionReversed(_) => EventType::TransactionReversed,
            EventPayload::ReceiptIssued(_) => EventType::ReceiptIssued,
            EventPayload::PointsAwarded(_) => EventType::PointsAwarded,
            EventPayload::CashbackPending(_) => EventType::CashbackPending,
            EventPayload::CashbackPaid(_) => EventType::CashbackPaid,
            EventPayload::OfferIssued(_) => EventType::OfferIssued,
            EventPayload::OfferRedeemed(_) => EventType::OfferRedeemed,
            EventPayload::RecommendationMade(_) => EventType::RecommendationMade,
            EventPayload::SocialPosted(_) => EventType::SocialPosted,
            EventPayload::ConsentChanged(_) => EventType::ConsentChanged,
            EventPayload::AppTermsChanged(_) => EventType::AppTermsChanged,
            EventPayload::CardChanged(_) => EventType::CardChanged,
        }
    }

    /// The payment behind an app event, when there is one.
    pub fn payment(&self) -> Option<&PaymentRef> {
        match self {
            EventPayload::ReceiptIssued(e) => Some(&e.payment),
            EventPayload::PointsAwarded(e) => e.payment.as_ref(),
            EventPayload::CashbackPending(e) | EventPayload::CashbackPaid(e) => e.payment.as_ref(),
            EventPayload::OfferIssued(e) => e.payment.as_ref(),
            EventPayload::OfferRedeemed(e) => e.payment.as_ref(),
            EventPayload::RecommendationMade(e) => e.payment.as_ref(),
            EventPayload::SocialPosted(e) => e.payment.as_ref(),
            EventPayload::TransactionAuthorized(_)
            | EventPayload::TransactionSettled(_)
            | EventPayload::TransactionReversed(_)
            | EventPayload::ConsentChanged(_)
            | EventPayload::AppTermsChanged(_)
            | EventPayload::CardChanged(_) => None,
        }
    }

    /// The card transaction this event is a state of (`transaction.*`) or stems from (an app
    /// event's payment), when there is one: what Activity groups a purchase's events by.
    pub fn transaction_id(&self) -> Option<&str> {
        match self {
            EventPayload::TransactionAuthorized(t)
            | EventPayload::TransactionSettled(t)
            | EventPayload::TransactionReversed(t) => Some(&t.transaction_id),
            other => other.payment().map(|p| p.transaction_id.as_str()),
        }
    }
}

/// An event that parsed but says something impossible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("a {0} event must name the app that produced it")]
    MissingApp(EventType),
    #[error("the receipt does not add up: {0}")]
    Receipt(#[from] ReceiptError),
    #[error("the cashback destination {0:?} is not masked")]
    UnmaskedDestination(String),
    #[error("the commission is in {commission}, the purchase in {amount}")]
    CommissionCurrency {
        amount: crate::Currency,
        commission: crate::Currency,
    },
    #[error("the grant in consent.changed is for another card")]
    CardMismatch,
    #[error("last4 must be the card's last four digits")]
    Last4,
}

/// Why bytes from the feed are not a usable event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventDecodeError {
    #[error("the event has no \"type\"")]
    MissingType,
    #[error("unknown event type {type_name:?}")]
    UnknownType { type_name: String },
    #[error("malformed {type_name} event: {message}")]
    Malformed { type_name: String, message: String },
    #[error("invalid event: {0}")]
    Invalid(#[from] EventError),
}

impl Event {
    /// Parses and validates one event from JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Event, EventDecodeError> {
        Event::from_json_addressed(bytes).map(|(event, _)| event)
    }

    /// [`Event::from_json`], and the body's top-level `cardholder_id` (who the platform
    /// addressed it to, inside the signed bytes), read in the same parse.
    pub fn from_json_addressed(bytes: &[u8]) -> Result<(Event, Option<String>), EventDecodeError> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| EventDecodeError::Malformed {
                type_name: "(unreadable)".to_owned(),
                message: e.to_string(),
            })?;
        let cardholder = value
            .get("cardholder_id")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        let type_name = value
            .get("type")
            .and_then(serde_json::Value::as_str)
            .ok_or(EventDecodeError::MissingType)?
            .to_owned();
        if type_name.parse::<EventType>().is_err() {
            return Err(EventDecodeError::UnknownType { type_name });
        }
        let event: Event =
            serde_json::from_value(value).map_err(|e| EventDecodeError::Malformed {
                type_name,
                message: e.to_string(),
            })?;
        event.validate()?;
        Ok((event, cardholder))
    }

    pub fn event_type(&self) -> EventType {
        self.payload.event_type()
    }

    /// The scope an app needs for this event; `None` for platform events.
    pub fn scope(&self) -> Option<Scope> {
        self.event_type().scope()
    }

    /// Cross-field rules that serde cannot express.
    pub fn validate(&self) -> Result<(), EventError> {
        let event_type = self.event_type();
        let needs_app = event_type.scope().is_some() || event_type == EventType::AppTermsChanged;
        if needs_app && self.app_id.is_none() {
            return Err(EventError::MissingApp(event_type));
        }
        match &self.payload {
            EventPayload::TransactionAuthorized(t)
            | EventPayload::TransactionSettled(t)
            | EventPayload::TransactionReversed(t)
                if t.amount.currency != t.commission.currency =>
            {
                return Err(EventError::CommissionCurrency {
                    amount: t.amount.currency,
                    commission: t.commission.currency,
                });
            }
            EventPayload::ReceiptIssued(e) => e.receipt.validate()?,
            EventPayload::CashbackPending(c) | EventPayload::CashbackPaid(c)
                if !is_masked(&c.destination) =>
            {
                return Err(EventError::UnmaskedDestination(mask_digits(&c.destination)));
            }
            EventPayload::ConsentChanged(c) if c.grant.card_token != self.card_token => {
                return Err(EventError::CardMismatch);
            }
            EventPayload::CardChanged(c)
                if c.last4.len() != 4 || !c.last4.bytes().all(|b| b.is_ascii_digit()) =>
            {
                return Err(EventError::Last4);
            }
            _ => {}
        }
        Ok(())
    }
}

/// Longest run of digits a masked account number may show (last 4).
const MAX_VISIBLE_DIGITS: usize = 4;

/// True when no more than four digits stand together ("FR76 •••• 1234").
pub fn is_masked(account: &str) -> bool {
    let mut run = 0;
    for c in account.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run > MAX_VISIBLE_DIGITS {
            return false;
        }
    }
    true
}

/// Hides every digit, so an error message never repeats an account number.
fn mask_digits(account: &str) -> String {
    account
        .chars()
        .map(|c| if c.is_ascii_digit() { '•' } else { c })
        .collect()
}
