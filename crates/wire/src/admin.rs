//! Operator bodies (fault injection, the platform clock, a rogue app event, a purchase an app
//! left unrewarded) and `GET /healthz`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use consentry_domain::{Channel, Money, Scope};

use crate::schema;

/// Faults to inject. Absent fields take their defaults (no fault).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FaultConfig {
    /// Seed of the fault generator; setting a configuration restarts it.
    pub seed: u64,
    /// Share of cardholder-API requests answered 500 `injected_fault` before anything
    /// happens.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub error_rate: f64,
    /// Delay added to every cardholder-API request.
    #[schemars(range(max = 60000))]
    pub latency_ms: u64,
    /// Share of successful writes whose connection is closed after the commit, before the
    /// status line.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub drop_after_commit_rate: f64,
    /// Share of feed items delivered twice.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub duplicate_rate: f64,
    /// Share of feed pages delivered shuffled.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub out_of_order_rate: f64,
    /// Share of feed items whose timestamp lies `stale_by_seconds` in the past (validly
    /// signed).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub stale_timestamp_rate: f64,
    #[schemars(range(max = 31536000))]
    pub stale_by_seconds: u64,
    /// Share of feed items with a signature that does not verify.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub bad_signature_rate: f64,
    pub bad_signature_event_ids: Vec<String>,
    pub bad_signature_event_types: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            seed: 0,
            error_rate: 0.0,
            latency_ms: 0,
            drop_after_commit_rate: 0.0,
            duplicate_rate: 0.0,
            out_of_order_rate: 0.0,
            stale_timestamp_rate: 0.0,
            stale_by_seconds: 3600,
            bad_signature_rate: 0.0,
            bad_signature_event_ids: Vec::new(),
            bad_signature_event_types: Vec::new(),
        }
    }
}

impl FaultConfig {
    /// Checks rates and bounds; the message names the offending field.
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("error_rate", self.error_rate),
            ("drop_after_commit_rate", self.drop_after_commit_rate),
            ("duplicate_rate", self.duplicate_rate),
            ("out_of_order_rate", self.out_of_order_rate),
            ("stale_timestamp_rate", self.stale_timestamp_rate),
            ("bad_signature_rate", self.bad_signature_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if self.latency_ms > 60_000 {
            return Err("latency_ms must be at most 60000".into());
        }
        if self.stale_by_seconds > 31_536_000 {
            return Err("stale_by_seconds must be at most one year (31536000)".into());
        }
        Ok(())
    }
}

// `POST /v1/admin/clock`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    /// How far to move the platform clock forward.
    #[schemars(range(min = 0, max = 315360000))]
    pub advance_seconds: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ClockState {
    #[serde(serialize_with = "crate::time::millis")]
    pub now: DateTime<Utc>,
    pub offset_seconds: i64,
    /// Transactions settled or reversed because their date passed.
    pub settled: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Health {
    #[schemars(extend("const" = "ok"))]
    pub status: String,
}

// `POST /v1/admin/apps/{app_id}/rogue-event`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RogueEvent {
    /// The card whose latest purchase the app reacts to.
    #[schemars(length(min = 1, max = 64))]
    pub card_token: String,
    /// What the app does, granted or not.
    #[schemars(with = "schema::Scope")]
    pub scope: Scope,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RogueEventSent {
    /// The purchase reacted to.
    pub transaction_id: String,
    /// The events the app sent, in feed order.
    pub event_ids: Vec<String>,
}

// `POST /v1/admin/apps/{app_id}/unrewarded-purchase`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnrewardedPurchase {
    /// A linked card on which the app held an active cashback grant covering this purchase at
    /// `settled_at`.
    #[schemars(length(min = 1, max = 64))]
    pub card_token: String,
    /// Positive, at most one million major units of its currency (`GET /v1/currencies`).
    #[schemars(with = "schema::PurchaseAmount")]
    pub amount: Money,
    /// Merchant name (known merchants get itemised receipts from receipt apps).
    #[schemars(length(min = 1, max = 80))]
    pub merchant: String,
    #[schemars(with = "schema::Channel")]
    pub channel: Channel,
    /// When the purchase was authorized and settled: not in the future, at most 90 days back.
    /// Its events carry this date; the feed delivers them now.
    pub settled_at: DateTime<Utc>,
}
