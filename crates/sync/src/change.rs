//! From a consent-ledger entry to the platform's `PUT /v1/grants/{id}` body, and the grant
//! ids that make two devices address the same platform grant.

use consentry_domain::{ConsentAction, ConsentStatement, GrantKey, LedgerEntry, SignedConsent};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Lowercase RFC 4648 base32: few digits, so an id never looks like a card number.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The grant id of an app × card × scope: the same on every device of the cardholder.
///
/// Create grants with this id (the api crate does): two devices granting the same app on
/// the same card and scope then change one platform grant, and the platform's version order
/// settles who was first, instead of two grants living side by side.
pub fn grant_id_for(key: &GrantKey) -> String {
    let mut hasher = Sha256::new();
    for part in [
        "consentry.grant.v1",
        &key.app_id,
        &key.card_token,
        key.scope.as_str(),
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut id = String::from("grt_");
    // 26 characters × 5 bits = 130 bits of the digest.
    let mut bits: u32 = 0;
    let mut nbits = 0;
    for byte in digest.iter() {
        bits = (bits << 8) | u32::from(*byte);
        nbits += 8;
        while nbits >= 5 && id.len() < 4 + 26 {
            nbits -= 5;
            id.push(char::from(ALPHABET[((bits >> nbits) & 31) as usize]));
        }
    }
    id
}

/// Whether `id` is acceptable in `/v1/grants/{id}`: 1–64 of `A-Za-z0-9._:-`.
pub fn is_valid_grant_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// What the device signs for `entry` sent on top of `base_version`: the change as the ledger
/// holds it, the platform version it builds on, and the platform's id of this device.
pub fn statement_for(
    entry: &LedgerEntry,
    base_version: u64,
    device_id: String,
) -> ConsentStatement {
    let g = &entry.grant;
    ConsentStatement {
        grant_id: entry.grant_id.clone(),
        action: entry.action,
        app_id: g.app_id.clone(),
        card_token: g.card_token.clone(),
        scope: g.scope,
        channels: g.channels.clone(),
        trigger: g.trigger,
        min_purchase: g.min_purchase,
        expires_at: g.expires_at,
        terms_version: entry.terms_version,
        terms_hash: entry.terms_hash,
        base_version,
        at: entry.at,
        device_id,
    }
}

/// The body sent: the change and, beside its fields, the device's signed statement of it.
#[derive(Debug, Serialize)]
pub(crate) struct SignedBody<'a> {
    #[serde(flatten)]
    pub change: &'a GrantChange,
    pub signed: &'a SignedConsent,
}

/// The signed statement inside a sent body.
pub(crate) fn signed_of(body: &str) -> Option<SignedConsent> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    serde_json::from_value(value.get("signed")?.clone()).ok()
}

/// The body of `PUT /v1/grants/{id}`, tagged by `action` (the contract's own type).
pub use consentry_wire::GrantChange;

/// Whether the platform takes this action from a device.
pub fn is_sent(action: ConsentAction) -> bool {
    matches!(
        action,
        ConsentAction::Grant
            | ConsentAction::Revoke
            | ConsentAction::Renew
            | ConsentAction::Reconsent
    )
}
