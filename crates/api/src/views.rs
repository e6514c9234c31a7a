//! Views more than one feature shows: an event's kind, why an event broke consent, a discount,
//! a ledger entry. Each feature's own DTOs stay in its folder.

use chrono::{DateTime, Utc};
use consentry_domain::{Discount, EventType, GrantRefusal, ViolationReason};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::device_names::DeviceNames;
use crate::vocabulary::{Channel, GrantStatus, Money, Scope, Trigger};

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntryView {
    pub seq: u64,
    pub action: String,
    pub grant_id: String,
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
    pub channels: Vec<Channel>,
    pub trigger: Trigger,
    pub min_purchase: Option<Money>,
    /// The end the grant had after this change.
    pub expires_at: Option<DateTime<Utc>>,
    pub device_id: String,
    /// The name of the device that made it; `null` for the platform or an unknown device.
    pub device_name: Option<String>,
    pub at: DateTime<Utc>,
    pub terms_version: u32,
    pub terms_hash: String,
    pub hash: String,
}

impl LedgerEntryView {
    /// The entry, saying which device made it.
    pub(crate) fn named(e: consentry_domain::LedgerEntry, names: &DeviceNames) -> Self {
        let name = names.name(&e.device_id);
        Self {
            device_name: name,
            ..Self::from(e)
        }
    }
}

impl From<consentry_domain::LedgerEntry> for LedgerEntryView {
    fn from(e: consentry_domain::LedgerEntry) -> Self {
        Self {
            seq: e.seq,
            action: e.action.as_str().to_owned(),
            grant_id: e.grant_id,
            scope: e.grant.scope.into(),
            channels: e.grant.channels.iter().map(|c| (*c).into()).collect(),
            trigger: e.grant.trigger.into(),
            min_purchase: e.grant.min_purchase.as_ref().map(Money::from),
            expires_at: e.grant.expires_at,
            app_id: e.grant.app_id,
            card_token: e.grant.card_token,
            device_id: e.device_id,
            device_name: None,
            at: e.at,
            terms_version: e.terms_version,
            terms_hash: e.terms_hash.to_string(),
            hash: e.hash.to_string(),
        }
    }
}

/// How much an offer takes off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DiscountView {
    /// Basis points: 500 = 5 %.
    Percent {
        bps: u32,
    },
    Amount {
        amount: Money,
    },
}

impl From<&Discount> for DiscountView {
    fn from(d: &Discount) -> Self {
        match d {
            Discount::Percent { bps } => Self::Percent { bps: *bps },
            Discount::Amount { amount } => Self::Amount {
                amount: Money::from(amount),
            },
        }
    }
}

/// Why an event was not covered by a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ViolationReasonView {
    /// The app never had this permission on this card before the event.
    NeverGranted,
    /// The grant was revoked (or waiting for re-consent) when the event happened.
    NotActive {
        status: GrantStatus,
    },
    Expired {
        #[serde(rename = "expiresAt")]
        #[ts(rename = "expiresAt")]
        expires_at: DateTime<Utc>,
    },
    NotYetGranted {
        #[serde(rename = "grantedAt")]
        #[ts(rename = "grantedAt")]
        granted_at: DateTime<Utc>,
    },
    ChannelNotGranted {
        channel: Channel,
    },
    BelowMinimum {
        minimum: Money,
    },
    CurrencyMismatch {
        minimum: Money,
        found: Money,
    },
    /// Revoked, the revocation acknowledged by the platform, and this made after that.
    DeliveredAfterRevocation {
        #[serde(rename = "revokedAt")]
        #[ts(rename = "revokedAt")]
        revoked_at: DateTime<Utc>,
    },
}

impl From<&ViolationReason> for ViolationReasonView {
    fn from(reason: &ViolationReason) -> Self {
        match reason {
            ViolationReason::NeverGranted => Self::NeverGranted,
            ViolationReason::DeliveredAfterRevocation { revoked_at } => {
                Self::DeliveredAfterRevocation {
                    revoked_at: *revoked_at,
                }
            }
            ViolationReason::Refused { refusal } => match refusal {
                GrantRefusal::NotActive { status } => Self::NotActive {
                    status: (*status).into(),
                },
                GrantRefusal::Expired { expires_at } => Self::Expired {
                    expires_at: *expires_at,
                },
                GrantRefusal::NotYetGranted { granted_at } => Self::NotYetGranted {
                    granted_at: *granted_at,
                },
                GrantRefusal::ChannelNotGranted { channel } => Self::ChannelNotGranted {
                    channel: (*channel).into(),
                },
                GrantRefusal::BelowMinimum { minimum } => Self::BelowMinimum {
                    minimum: Money::from(minimum),
                },
                GrantRefusal::CurrencyMismatch { minimum, found } => Self::CurrencyMismatch {
                    minimum: Money::from(minimum),
                    found: Money::from(found),
                },
            },
        }
    }
}

/// The kind of an event, with the platform's names (`receipt.issued` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub enum EventKind {
    #[serde(rename = "transaction.authorized")]
    TransactionAuthorized,
    #[serde(rename = "transaction.settled")]
    TransactionSettled,
    #[serde(rename = "transaction.reversed")]
    TransactionReversed,
    #[serde(rename = "receipt.issued")]
    ReceiptIssued,
    #[serde(rename = "points.awarded")]
    PointsAwarded,
    #[serde(rename = "cashback.pending")]
    CashbackPending,
    #[serde(rename = "cashback.paid")]
    CashbackPaid,
    #[serde(rename = "offer.issued")]
    OfferIssued,
    #[serde(rename = "offer.redeemed")]
    OfferRedeemed,
    #[serde(rename = "recommendation.made")]
    RecommendationMade,
    #[serde(rename = "social.posted")]
    SocialPosted,
    #[serde(rename = "consent.changed")]
    ConsentChanged,
    #[serde(rename = "app.terms_changed")]
    AppTermsChanged,
    #[serde(rename = "card.changed")]
    CardChanged,
}

macro_rules! kinds_mirror {
    ($($variant:ident),+ $(,)?) => {
        impl From<EventType> for EventKind {
            fn from(value: EventType) -> Self {
                match value { $(EventType::$variant => Self::$variant),+ }
            }
        }
        impl From<EventKind> for EventType {
            fn from(value: EventKind) -> Self {
                match value { $(EventKind::$variant => Self::$variant),+ }
            }
        }
    };
}
kinds_mirror!(
    TransactionAuthorized,
    TransactionSettled,
    TransactionReversed,
    ReceiptIssued,
    PointsAwarded,
    CashbackPending,
    CashbackPaid,
    OfferIssued,
    OfferRedeemed,
    RecommendationMade,
    SocialPosted,
    ConsentChanged,
    AppTermsChanged,
    CardChanged,
);
