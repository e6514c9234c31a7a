//! Simulated payments, for tests and demos: `POST /v1/simulate/purchase`, `settle`, `reverse`.

use chrono::{DateTime, Utc};
use consentry_domain::{Channel, Money, Scope};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::schema;

/// What happens at the settlement date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    #[default]
    Settle,
    Reverse,
}

// `POST /v1/simulate/purchase`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseRequest {
    pub card_token: String,
    /// Positive, at most one million major units of its currency (`GET /v1/currencies`).
    #[schemars(with = "schema::PurchaseAmount")]
    pub amount: Money,
    /// Merchant name. Known merchants (e.g. `Café Lumen`, `Sunset Diner`) get itemised
    /// receipts. Text holding a card number is refused (`card_number_in_text`).
    #[schemars(length(min = 1, max = 80))]
    pub merchant: String,
    #[schemars(with = "schema::Channel")]
    pub channel: Channel,
    /// Settle (or reverse) on its own this long after authorization, by the platform clock.
    /// Absent or null: wait for `/v1/simulate/settle` or `/reverse`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 604800000))]
    pub settle_after_ms: Option<u64>,
    /// What happens at `settle_after_ms`.
    #[serde(default, skip_serializing_if = "is_settle")]
    #[schemars(with = "schema::SettleOutcome")]
    pub outcome: Outcome,
}

fn is_settle(outcome: &Outcome) -> bool {
    *outcome == Outcome::Settle
}

// `POST /v1/simulate/settle` and `/reverse`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionRef {
    pub transaction_id: String,
}

// A transaction as the simulate endpoints return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Transaction {
    pub id: String,
    pub card_token: String,
    #[schemars(with = "schema::Money")]
    pub amount: Money,
    pub merchant: String,
    #[schemars(with = "schema::Channel")]
    pub channel: Channel,
    #[schemars(extend("enum" = ["authorized", "settled", "reversed"]))]
    pub status: String,
    // The platform's commission so far, in the purchase currency.
    #[schemars(with = "schema::Money")]
    pub commission: Money,
    #[serde(serialize_with = "crate::time::millis")]
    pub authorized_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::time::millis_option")]
    #[schemars(with = "schema::Nullable<DateTime<Utc>>")]
    pub settle_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::time::millis_option")]
    #[schemars(with = "schema::Nullable<DateTime<Utc>>")]
    pub finalized_at: Option<DateTime<Utc>>,
}

/// What one grant on the card decided for this step of the transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Decision {
    pub grant_id: String,
    pub app_id: String,
    #[schemars(with = "schema::Scope")]
    pub scope: Scope,
    #[schemars(extend("enum" = ["reacted", "skipped"]))]
    pub outcome: String,
    /// Why the grant did not let its app react.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", extend("enum" = [
        "other_trigger", "not_active", "expired", "not_yet_granted", "channel_not_granted",
        "below_minimum", "currency_mismatch", "terms_outdated", "withheld",
    ]))]
    pub reason: Option<String>,
    pub event_ids: Vec<String>,
}

// The answer of every simulate endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StepResult {
    pub transaction: Transaction,
    /// The events of this step, in feed order (the transaction event first).
    pub event_ids: Vec<String>,
    pub decisions: Vec<Decision>,
}
