//! Enrollment, the platform's signing keys, the cardholder's device chain and pairing.

use chrono::{DateTime, Utc};
use consentry_domain::DeviceLink;
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use crate::schema;

// `POST /v1/enroll`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("dependentRequired" = {
    "cardholder_id": ["cardholder_secret"],
    "cardholder_secret": ["cardholder_id"],
}))]
pub struct EnrollRequest {
    /// Shown to the cardholder in their device list. Text holding a card number is refused
    /// (`card_number_in_text`).
    #[schemars(length(min = 1, max = 80))]
    pub device_name: String,
    /// With `cardholder_secret`: add this device to an existing cardholder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub cardholder_id: Option<String>,
    /// The secret returned when the cardholder was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub cardholder_secret: Option<String>,
}

// The answer to `POST /v1/enroll`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Enrollment {
    pub cardholder_id: String,
    /// Only when a new cardholder was created. Keep it safe: it enrolls further devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub cardholder_secret: Option<String>,
    pub device_id: String,
    /// This device's bearer token for every other endpoint.
    pub token: String,
    pub signing_keys: Vec<PublicKey>,
}

/// A rotation statement: an already-published key vouches for this one.
// Unknown fields are accepted when reading (the client reads what the platform may grow);
// the document still says the object is closed, as the platform writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "KeyEndorsement", extend("additionalProperties" = false))]
pub struct Endorsement {
    /// `key_id` of the endorsing key: the key made just before this one (the active key when
    /// this one was made).
    #[schemars(regex(pattern = "^key_"))]
    pub signed_by: String,
    /// `v1a,` + base64 of the 64-byte Ed25519 signature, by `signed_by`, over the UTF-8 bytes
    /// of `consentry.key-endorsement.v1.{key_id}.{public_key}` (this key's `key_id` and
    /// `public_key` text, verbatim).
    #[schemars(regex(pattern = "^v1a,[A-Za-z0-9+/]{86}==$"))]
    pub signature: String,
}

/// A key that signs the event feed. Pin the keys received at enrollment; accept a key
/// published later only when its `endorsement` verifies under a key already trusted
/// (following the chain one rotation at a time); verify each delivery against the trusted
/// keys.
// A client reads a key without `signs_until` (as before the overlap existed); the document
// keeps it required.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = key_always_sent)]
pub struct PublicKey {
    /// Keys made by this platform: `key_` + 16 letters; older ones: `key_` + 16 hex digits.
    #[schemars(regex(pattern = "^key_([a-p]{16}|[0-9a-f]{16})$"))]
    pub key_id: String,
    #[schemars(extend("const" = "ed25519"))]
    pub algorithm: String,
    #[schemars(extend("const" = "v1a"))]
    pub scheme: String,
    /// `whpk_` + base64 of the 32-byte Ed25519 public key.
    #[schemars(regex(pattern = "^whpk_[A-Za-z0-9+/]{43}=$"))]
    pub public_key: String,
    /// `active` signs deliveries now; `next` will after the next rotation; `retired` was
    /// active until a rotation (and still co-signs until `signs_until`).
    #[schemars(extend("enum" = ["active", "next", "retired"]))]
    pub status: String,
    #[serde(serialize_with = "crate::time::millis")]
    pub created_at: DateTime<Utc>,
    /// Set on a key retired less than the rotation overlap ago: until this time every
    /// delivery also carries this key's signature, after the active key's, in the same
    /// `webhook-signature` header (so a client that trusts only this key still verifies).
    /// `null` for the active and next keys and for a retired key past its overlap.
    #[serde(default, serialize_with = "crate::time::millis_option")]
    #[schemars(with = "schema::Nullable<DateTime<Utc>>")]
    pub signs_until: Option<DateTime<Utc>>,
    /// `null` only for the platform's very first key; every later key is endorsed by the key
    /// made before it.
    #[schemars(with = "schema::Nullable<Endorsement>")]
    pub endorsement: Option<Endorsement>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct KeyList {
    pub keys: Vec<PublicKey>,
}

// `{"links": [...]}`: the cardholder's device chain.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DeviceChain {
    /// In the order added: the root first.
    #[schemars(with = "Vec<schema::DeviceLink>")]
    pub links: Vec<DeviceLink>,
}

// `POST /v1/devices/pairings`, from the new device.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    /// The calling (new) device's key.
    #[schemars(regex(pattern = "^dpk_[A-Za-z0-9+/]{43}=$"))]
    pub public_key: String,
    /// HMAC-SHA256 (hex) keyed with the pairing code (uppercase letters and digits only) over
    /// `consentry.pairing.v1\n{cardholder_id}\n{device_id}\n{public_key}\n`.
    #[schemars(regex(pattern = "^[0-9a-f]{64}$"))]
    pub proof: String,
}

/// A new device's pending request to join the chain.
// A wallet reads a pairing without `device_name` (empty); the document keeps it required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = pairing_always_sent)]
pub struct Pairing {
    pub device_id: String,
    /// The name the device enrolled with.
    #[serde(default)]
    pub device_name: String,
    /// `dpk_` + base64 (standard, padded) of the device's 32-byte Ed25519 public key.
    #[schemars(regex(pattern = "^dpk_[A-Za-z0-9+/]{43}=$"))]
    pub public_key: String,
    /// To check against the proof made with the code this device showed.
    #[schemars(regex(pattern = "^[0-9a-f]{64}$"))]
    pub proof: String,
    #[serde(serialize_with = "crate::time::millis")]
    pub created_at: DateTime<Utc>,
}

fn key_always_sent(schema: &mut Schema) {
    schema::always_sent(schema, &["signs_until"]);
}

fn pairing_always_sent(schema: &mut Schema) {
    schema::always_sent(schema, &["device_name"]);
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PairingList {
    pub pairings: Vec<Pairing>,
}

/// One device of the cardholder, as `GET /v1/devices` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceInfo {
    pub device_id: String,
    /// The name given at enrollment.
    pub name: String,
    #[serde(serialize_with = "crate::time::millis")]
    pub enrolled_at: DateTime<Utc>,
    /// When another device of the cardholder removed it: its token stops working and the
    /// platform refuses its changes from then on. Absent: (`null`) still active.
    #[serde(default, serialize_with = "crate::time::millis_option")]
    #[schemars(with = "schema::Nullable<DateTime<Utc>>")]
    pub removed_at: Option<DateTime<Utc>>,
    /// The device that asked (`true` for exactly one entry).
    pub this_device: bool,
}

// The answer to `GET /v1/devices` and `DELETE /v1/devices/{device_id}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DeviceList {
    /// Every device the cardholder enrolled, removed ones included, oldest first.
    pub devices: Vec<DeviceInfo>,
}
