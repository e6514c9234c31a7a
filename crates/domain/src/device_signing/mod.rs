//! Consent authored by the cardholder's devices, provably.
//!
//! - A [`ConsentStatement`] is one consent change as the device that made it saw it:
//!   everything that defines it (grant, app, card, scope, channels, trigger, minimum, expiry,
//!   terms version and hash, the platform version it builds on, when, which device). Its
//!   [`ConsentStatement::canonical`] text is what the device signs with its Ed25519 key
//!   ([`SignedConsent`]).
//! - The cardholder's devices form a [`DeviceLink`] chain: the first device signs its own
//!   link; every later device joins only when a device already in the chain signs its link
//!   (after the pairing code it showed was typed into the new device: [`pairing_proof`]).
//! - [`DeviceChain::verify`] turns links into the keys they vouch for; a signed change counts
//!   only when its device is in a verified chain.
//!
//! Formats (also in `docs/platform/README.md`): every signed text starts with a context line
//! (`consentry.consent-change.v1`, `consentry.device-link.v1`), then one `name=value` line per
//! field in a fixed order, each ending in `\n` (a line is split at its first `=`; values hold
//! no line break), times are RFC 3339 UTC with milliseconds, absent values are `-`, channels are
//! sorted and comma-separated, money is `<minor> <currency>`. Signatures are `v1a,` + base64 of
//! the 64-byte Ed25519 signature; public keys `dpk_` + base64 of the 32 bytes.
//!
//! The rooms: [`keys`] (a device's key pair, `dpk_` keys and `v1a` signatures), [`statement`]
//! (what a device signs about a consent change), [`chain`] (which devices the cardholder
//! has), [`pairing`] (the code that lets a new device in).

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

mod chain;
mod keys;
mod pairing;
mod statement;
#[cfg(test)]
mod tests;

pub use chain::{DeviceChain, DeviceLink};
pub use keys::{
    decode_public_key, delivery_content, encode_public_key, verify_delivery, verify_v1a, DeviceKey,
};
pub use pairing::{pairing_proof, pairing_receipt, proofs_match};
pub use statement::{ConsentStatement, SignedConsent};

/// Why a signed statement or a chain is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error("the {0} field holds a line break")]
    UnsafeValue(&'static str),
    #[error("the public key is not a dpk_ Ed25519 key")]
    BadPublicKey,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("device {0:?} is not in the cardholder's device chain")]
    UnknownDevice(String),
    #[error("the device chain is empty")]
    EmptyChain,
    #[error("the first link of the device chain must be signed by its own device")]
    BadRoot,
    #[error("device {0:?} appears twice in the device chain")]
    DuplicateDevice(String),
    #[error(
        "link of device {device:?} is signed by {signer:?}, which is not earlier in the chain"
    )]
    UnknownSigner { device: String, signer: String },
    #[error("the chain belongs to cardholder {found:?}, not {expected:?}")]
    OtherCardholder { expected: String, found: String },
    #[error("the chain's first device is {found:?}, not the pinned {pinned:?}")]
    OtherRoot { pinned: String, found: String },
    #[error(
        "the link of device {0:?} carries no receipt of the pairing code typed on it: \
         the chain it joined was not shown by a device that knew the code"
    )]
    NoPairingReceipt(String),
}

fn time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Appends `name=value\n`, refusing values that could forge another line.
fn line(out: &mut String, name: &'static str, value: &str) -> Result<(), SigningError> {
    if value.contains(['\n', '\r']) {
        return Err(SigningError::UnsafeValue(name));
    }
    let _ = writeln!(out, "{name}={value}");
    Ok(())
}
