//! The body of every failed request: `{code, message}`, plus a field or two with some codes.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::simulate::Transaction;

/// Every code a platform answers with, sorted. `rate_limited` (429) is the contract's
/// though the reference platform sets no limit.
pub const ERROR_CODES: &[&str] = &[
    "admin_disabled",
    "app_not_found",
    "bad_consent_signature",
    "bad_device_signature",
    "bad_root",
    "cannot_remove_self",
    "card_brand_unsupported",
    "card_expired",
    "card_not_found",
    "card_number_in_text",
    "card_number_invalid",
    "card_number_length",
    "card_number_luhn",
    "device_already_linked",
    "device_not_found",
    "device_not_in_chain",
    "event_not_found",
    "expiration_invalid",
    "expiry_not_in_future",
    "forbidden",
    "grant_key_mismatch",
    "grant_not_found",
    "idempotency_key_invalid",
    "idempotency_key_missing",
    "idempotency_key_reused",
    "injected_fault",
    "internal",
    "invalid_amount",
    "invalid_body",
    "invalid_clock",
    "invalid_credentials",
    "invalid_cursor",
    "invalid_device_name",
    "invalid_faults",
    "invalid_identifier",
    "invalid_json",
    "invalid_merchant",
    "invalid_nickname",
    "invalid_pairing",
    "invalid_path",
    "invalid_query",
    "invalid_settle_after",
    "invalid_settled_at",
    "invalid_terms",
    "invalid_transition",
    "method_not_allowed",
    "negative_minimum",
    "no_cashback_grant",
    "no_channels",
    "no_purchase",
    "not_due",
    "not_found",
    "other_cardholder",
    "payload_too_large",
    "rate_limited",
    "reconsent_required",
    "scope_not_requested",
    "statement_mismatch",
    "terms_not_newer",
    "terms_outdated",
    "transaction_not_found",
    "transaction_not_pending",
    "unauthorized",
    "unknown_device",
    "unknown_signer",
    "unsigned_change",
    "unsupported_language",
    "unsupported_media_type",
    "version_conflict",
];

/// Every failed request gets this body. Extra fields appear with some codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Error")]
pub struct ErrorBody {
    /// Stable machine-readable code; switch on it.
    #[schemars(extend("enum" = ERROR_CODES))]
    pub code: String,
    /// What went wrong, for a person. Never contains a card number.
    pub message: String,
    /// On `version_conflict`, `invalid_transition` and `reconsent_required`: the grant as it
    /// is now, with the signed change that produced it (`null` if the grant does not exist).
    // JSON, not a typed grant: the client reads the grant and its signed change apart, and
    // tells absent (`None`) from `null` (`Some(None)`).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<crate::schema::GrantState>")]
    pub current: Option<Option<Value>>,
    /// On `terms_outdated`: the app's current terms version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", range(min = 1))]
    pub current_terms_version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Transaction")]
    pub transaction: Option<Transaction>,
    /// On `card_number_in_text`: the request field whose text holds a card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub field: Option<String>,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.into(),
            message: message.into(),
            current: None,
            current_terms_version: None,
            transaction: None,
            field: None,
        }
    }
}

/// Distinguishes an absent field (`None`) from `null` (`Some(None)`).
fn present<'de, D>(d: D) -> Result<Option<Option<Value>>, D::Error>
where
    D: Deserializer<'de>,
{
    Option::<Value>::deserialize(d).map(Some)
}
