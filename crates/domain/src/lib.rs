//! Consentry's domain: pure types and rules for cards, money, fees, scopes, grants,
//! the consent ledger and platform events.
//!
//! No I/O and no clock: every rule that depends on time takes `now: DateTime<Utc>`.

#[macro_use]
mod vocabulary;

mod card;
mod consent_check;
mod consent_proof;
mod currency;
mod device_signing;
mod digest;
mod digits;
mod event;
mod fee;
mod grant;
mod ledger;
mod money;
mod pan_text;
mod receipt;
mod scope;
mod shown_text;

pub use card::{luhn_valid, mask_last4, Brand, CardNumber, CardNumberError, Expiry, ExpiryError};
pub use consent_check::{
    check_consent, ConsentDecision, ConsentQuery, GrantRefusal, ViolationReason,
};
pub use consent_proof::{ConsentProof, GrantProof, ProofReport, CONSENT_PROOF_FORMAT};
pub use currency::{Currency, CurrencyError};
pub use device_signing::{
    decode_public_key as decode_device_key, delivery_content,
    encode_public_key as encode_device_key, pairing_proof, pairing_receipt, proofs_match,
    verify_delivery, verify_v1a, ConsentStatement, DeviceChain, DeviceKey, DeviceLink,
    SignedConsent, SigningError,
};
pub use digest::{DigestParseError, Sha256Digest};
pub use event::{
    is_masked, AppTermsChanged, CardChange, CardChanged, Cashback, ConsentChanged, Discount, Event,
    EventDecodeError, EventError, EventPayload, EventType, OfferIssued, OfferRedeemed, PaymentRef,
    PointsAwarded, ReceiptIssued, RecommendationMade, SocialPosted, Transaction,
};
pub use fee::{attribute_commission, AppAction, FeeModel};
pub use grant::{ConsentAction, Grant, GrantDetails, GrantError, GrantKey, GrantStatus};
pub use ledger::{BrokenLink, ConsentChange, Ledger, LedgerEntry, LinkFault};
pub use money::{Money, MoneyError, BPS_PER_UNIT};
pub use pan_text::{contains_card_number, redact_card_numbers};
pub use receipt::{Receipt, ReceiptError, ReceiptLine};
pub use scope::{Channel, Scope, Trigger};
pub use shown_text::{is_bidi_control, is_hidden_control, neutralize};
pub use vocabulary::UnknownName;
