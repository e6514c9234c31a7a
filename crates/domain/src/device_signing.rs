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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    Channel, ConsentAction, Grant, GrantDetails, GrantKey, GrantStatus, Money, Scope, Sha256Digest,
    Trigger,
};

const STATEMENT_CONTEXT: &str = "consentry.consent-change.v1";
const LINK_CONTEXT: &str = "consentry.device-link.v1";
const PAIRING_CONTEXT: &str = "consentry.pairing.v1";
const RECEIPT_CONTEXT: &str = "consentry.pairing-receipt.v1";
const SIGNATURE_PREFIX: &str = "v1a,";
const PUBLIC_KEY_PREFIX: &str = "dpk_";

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

/// A device's Ed25519 key pair. The secret never leaves the wallet; `Debug` hides it.
pub struct DeviceKey(SigningKey);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DeviceKey")
            .field(&self.public_key())
            .finish()
    }
}

impl DeviceKey {
    /// From a 32-byte secret seed (kept encrypted in the wallet).
    pub fn from_seed(seed: &[u8; 32]) -> DeviceKey {
        DeviceKey(SigningKey::from_bytes(seed))
    }

    /// The secret seed, to store (the caller wipes its copy).
    pub fn seed(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.0.to_bytes())
    }

    /// `dpk_<base64>`.
    pub fn public_key(&self) -> String {
        encode_public_key(&self.0.verifying_key())
    }

    fn sign(&self, text: &str) -> String {
        format!(
            "{SIGNATURE_PREFIX}{}",
            STANDARD.encode(self.0.sign(text.as_bytes()).to_bytes())
        )
    }
}

/// `dpk_<base64 of the 32 bytes>`.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    format!("{PUBLIC_KEY_PREFIX}{}", STANDARD.encode(key.as_bytes()))
}

/// Reads `dpk_<base64>`.
pub fn decode_public_key(text: &str) -> Result<VerifyingKey, SigningError> {
    let bytes = text
        .strip_prefix(PUBLIC_KEY_PREFIX)
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or(SigningError::BadPublicKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| SigningError::BadPublicKey)
}

/// Whether one `v1a,<base64>` signature of `header` (space-separated, as Standard Webhooks
/// allows) verifies `content` under `key`. Feed deliveries, key endorsements, device links
/// and consent statements are all checked with it.
pub fn verify_v1a(key: &VerifyingKey, content: &[u8], header: &str) -> bool {
    header.split(' ').any(|candidate| {
        candidate
            .strip_prefix(SIGNATURE_PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .and_then(|b| Signature::from_slice(&b).ok())
            .is_some_and(|s| key.verify(content, &s).is_ok())
    })
}

/// The text a feed delivery's signatures cover: `{id}.{timestamp}.{body}` (Standard Webhooks).
pub fn delivery_content(id: &str, timestamp: i64, body: &str) -> String {
    format!("{id}.{timestamp}.{body}")
}

/// Whether one `v1a` signature in `header` verifies the delivery under one of `keys` (several
/// are published while the platform rotates its key).
pub fn verify_delivery(
    keys: &[VerifyingKey],
    id: &str,
    timestamp: i64,
    body: &str,
    header: &str,
) -> bool {
    let content = delivery_content(id, timestamp, body);
    keys.iter()
        .any(|key| verify_v1a(key, content.as_bytes(), header))
}

fn verify_text(key: &VerifyingKey, text: &str, signature: &str) -> bool {
    verify_v1a(key, text.as_bytes(), signature)
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

/// One consent change as its device made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentStatement {
    pub grant_id: String,
    /// `grant`, `revoke`, `renew` or `reconsent`.
    pub action: ConsentAction,
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
    pub channels: BTreeSet<Channel>,
    pub trigger: Trigger,
    pub min_purchase: Option<Money>,
    pub expires_at: Option<DateTime<Utc>>,
    pub terms_version: u32,
    pub terms_hash: Sha256Digest,
    /// The platform version of the grant this change builds on (0: none yet).
    pub base_version: u64,
    pub at: DateTime<Utc>,
    pub device_id: String,
}

impl ConsentStatement {
    /// The exact text that is signed.
    pub fn canonical(&self) -> Result<String, SigningError> {
        let mut out = String::with_capacity(512);
        out.push_str(STATEMENT_CONTEXT);
        out.push('\n');
        let channels: Vec<&str> = self.channels.iter().map(|c| c.as_str()).collect();
        let minimum = self.min_purchase.map_or_else(
            || "-".to_owned(),
            |m| format!("{} {}", m.minor, m.currency.code()),
        );
        line(&mut out, "grant_id", &self.grant_id)?;
        line(&mut out, "action", self.action.as_str())?;
        line(&mut out, "app_id", &self.app_id)?;
        line(&mut out, "card_token", &self.card_token)?;
        line(&mut out, "scope", self.scope.as_str())?;
        line(&mut out, "channels", &channels.join(","))?;
        line(&mut out, "trigger", self.trigger.as_str())?;
        line(&mut out, "min_purchase", &minimum)?;
        line(
            &mut out,
            "expires_at",
            &self
                .expires_at
                .as_ref()
                .map_or_else(|| "-".to_owned(), time),
        )?;
        line(&mut out, "terms_version", &self.terms_version.to_string())?;
        line(&mut out, "terms_hash", &self.terms_hash.to_string())?;
        line(&mut out, "base_version", &self.base_version.to_string())?;
        line(&mut out, "at", &time(&self.at))?;
        line(&mut out, "device_id", &self.device_id)?;
        Ok(out)
    }

    /// Signs it with `key`.
    pub fn sign(self, key: &DeviceKey) -> Result<SignedConsent, SigningError> {
        let signature = key.sign(&self.canonical()?);
        Ok(SignedConsent {
            statement: self,
            signature,
        })
    }

    /// The app, card and scope it is about.
    pub fn key(&self) -> GrantKey {
        self.details().key()
    }

    /// The grant's details as the statement gives them.
    pub fn details(&self) -> GrantDetails {
        GrantDetails {
            app_id: self.app_id.clone(),
            card_token: self.card_token.clone(),
            scope: self.scope,
            channels: self.channels.clone(),
            trigger: self.trigger,
            min_purchase: self.min_purchase,
            expires_at: self.expires_at,
        }
    }

    /// Whether `grant` is the state this change produced: same grant, status, details and
    /// terms (only the key for a revocation), one version after the one it built on.
    pub fn produced(&self, grant: &Grant) -> bool {
        let status = match self.action {
            ConsentAction::Revoke => GrantStatus::Revoked,
            ConsentAction::Grant | ConsentAction::Renew | ConsentAction::Reconsent => {
                GrantStatus::Active
            }
            _ => return false,
        };
        let same = if status == GrantStatus::Revoked {
            grant.key() == self.key()
        } else {
            grant.details() == self.details() && grant.terms_version == self.terms_version
        };
        grant.id == self.grant_id
            && grant.status == status
            && grant.version == self.base_version + 1
            && same
    }
}

/// A statement and its device's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedConsent {
    pub statement: ConsentStatement,
    /// `v1a,<base64>` over [`ConsentStatement::canonical`].
    pub signature: String,
}

impl SignedConsent {
    /// Checks the signature against the key of its device in `keys` (a verified chain).
    pub fn verify(&self, keys: &BTreeMap<String, VerifyingKey>) -> Result<(), SigningError> {
        let device = &self.statement.device_id;
        let key = keys
            .get(device)
            .ok_or_else(|| SigningError::UnknownDevice(device.clone()))?;
        if verify_text(key, &self.statement.canonical()?, &self.signature) {
            Ok(())
        } else {
            Err(SigningError::BadSignature)
        }
    }
}

/// One device of the cardholder, vouched for by `added_by` (itself for the first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLink {
    pub cardholder_id: String,
    pub device_id: String,
    /// `dpk_<base64>`.
    pub public_key: String,
    /// The device whose key signed this link.
    pub added_by: String,
    pub added_at: DateTime<Utc>,
    /// `v1a,<base64>` over [`DeviceLink::canonical`], by `added_by`'s key.
    pub signature: String,
    /// For a device that joined with a pairing code: [`pairing_receipt`] by the device that
    /// showed the code, which tells the joining device which chain (which root) it joined.
    /// Not part of the signed text: the code, not a device key, is what it proves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairing_receipt: Option<String>,
}

impl DeviceLink {
    fn canonical_of(
        cardholder_id: &str,
        device_id: &str,
        public_key: &str,
        added_by: &str,
        added_at: &DateTime<Utc>,
    ) -> Result<String, SigningError> {
        let mut out = String::with_capacity(256);
        out.push_str(LINK_CONTEXT);
        out.push('\n');
        line(&mut out, "cardholder_id", cardholder_id)?;
        line(&mut out, "device_id", device_id)?;
        line(&mut out, "public_key", public_key)?;
        line(&mut out, "added_by", added_by)?;
        line(&mut out, "added_at", &time(added_at))?;
        Ok(out)
    }

    /// The exact text that is signed.
    pub fn canonical(&self) -> Result<String, SigningError> {
        DeviceLink::canonical_of(
            &self.cardholder_id,
            &self.device_id,
            &self.public_key,
            &self.added_by,
            &self.added_at,
        )
    }

    /// The first link: `key`'s own device, signed by itself.
    pub fn root(
        cardholder_id: &str,
        device_id: &str,
        key: &DeviceKey,
        at: DateTime<Utc>,
    ) -> Result<DeviceLink, SigningError> {
        DeviceLink::vouch(
            cardholder_id,
            device_id,
            &key.public_key(),
            device_id,
            key,
            at,
        )
    }

    /// A link for `device_id` (`public_key`) signed by `signer` (device `signer_id`).
    pub fn vouch(
        cardholder_id: &str,
        device_id: &str,
        public_key: &str,
        signer_id: &str,
        signer: &DeviceKey,
        at: DateTime<Utc>,
    ) -> Result<DeviceLink, SigningError> {
        decode_public_key(public_key)?;
        let text = DeviceLink::canonical_of(cardholder_id, device_id, public_key, signer_id, &at)?;
        Ok(DeviceLink {
            cardholder_id: cardholder_id.to_owned(),
            device_id: device_id.to_owned(),
            public_key: public_key.to_owned(),
            added_by: signer_id.to_owned(),
            added_at: at,
            signature: signer.sign(&text),
            pairing_receipt: None,
        })
    }
}

/// A verified device chain: each device's key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceChain {
    /// The first device (the root every link goes back to).
    pub root: Option<String>,
    pub keys: BTreeMap<String, VerifyingKey>,
}

impl DeviceChain {
    /// Verifies `links` (in order) for `cardholder_id`: the first signed by its own device,
    /// every later one by a device earlier in the chain, no device twice.
    pub fn verify(links: &[DeviceLink], cardholder_id: &str) -> Result<DeviceChain, SigningError> {
        let first = links.first().ok_or(SigningError::EmptyChain)?;
        if first.added_by != first.device_id {
            return Err(SigningError::BadRoot);
        }
        let mut keys: BTreeMap<String, VerifyingKey> = BTreeMap::new();
        for link in links {
            if link.cardholder_id != cardholder_id {
                return Err(SigningError::OtherCardholder {
                    expected: cardholder_id.to_owned(),
                    found: link.cardholder_id.clone(),
                });
            }
            if keys.contains_key(&link.device_id) {
                return Err(SigningError::DuplicateDevice(link.device_id.clone()));
            }
            let own = decode_public_key(&link.public_key)?;
            let signer = if keys.is_empty() {
                own
            } else {
                *keys
                    .get(&link.added_by)
                    .ok_or_else(|| SigningError::UnknownSigner {
                        device: link.device_id.clone(),
                        signer: link.added_by.clone(),
                    })?
            };
            if !verify_text(&signer, &link.canonical()?, &link.signature) {
                return Err(SigningError::BadSignature);
            }
            keys.insert(link.device_id.clone(), own);
        }
        Ok(DeviceChain {
            root: Some(first.device_id.clone()),
            keys,
        })
    }

    /// Like [`DeviceChain::verify`], and the chain must start at `pinned_root` (the first
    /// device as this wallet learned it when it joined).
    pub fn verify_pinned(
        links: &[DeviceLink],
        cardholder_id: &str,
        pinned_root: &str,
    ) -> Result<DeviceChain, SigningError> {
        let chain = DeviceChain::verify(links, cardholder_id)?;
        match chain.root.as_deref() {
            Some(root) if root == pinned_root => Ok(chain),
            other => Err(SigningError::OtherRoot {
                pinned: pinned_root.to_owned(),
                found: other.unwrap_or_default().to_owned(),
            }),
        }
    }
}

/// HMAC-SHA256 (RFC 2104), hex.
fn hmac_hex(key: &[u8], message: &str) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

/// What a new device proves with the pairing code an existing device showed: it holds the
/// code, and this is its key. The platform relays the proof; without the code it cannot
/// make one, so it cannot add a device of its own.
pub fn pairing_proof(code: &str, cardholder_id: &str, device_id: &str, public_key: &str) -> String {
    hmac_hex(
        normalized_code(code).as_bytes(),
        &format!("{PAIRING_CONTEXT}\n{cardholder_id}\n{device_id}\n{public_key}\n"),
    )
}

/// What the device that showed a pairing code answers a joining device: it holds the code
/// too, and the chain the joining device is added to starts at `root_device_id` with
/// `root_public_key`. The joining device pins that root only when the receipt checks, so a
/// platform cannot hand it a chain of its own making (it knows neither the code nor a key).
pub fn pairing_receipt(
    code: &str,
    cardholder_id: &str,
    root_device_id: &str,
    root_public_key: &str,
    device_id: &str,
    public_key: &str,
) -> String {
    hmac_hex(
        normalized_code(code).as_bytes(),
        &format!(
            "{RECEIPT_CONTEXT}\n{cardholder_id}\n{root_device_id}\n{root_public_key}\n{device_id}\n{public_key}\n"
        ),
    )
}

/// The code as typed, without separators or case.
fn normalized_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Compares two proofs in constant time.
pub fn proofs_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use chrono::TimeZone as _;

    fn key(n: u8) -> DeviceKey {
        DeviceKey::from_seed(&[n; 32])
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap()
    }

    fn statement(device: &str) -> ConsentStatement {
        ConsentStatement {
            grant_id: "grt_abc".into(),
            action: ConsentAction::Grant,
            app_id: "app_quire".into(),
            card_token: "tok_card".into(),
            scope: Scope::Receipts,
            channels: [Channel::Nfc, Channel::Card].into_iter().collect(),
            trigger: Trigger::Authorization,
            min_purchase: Some(Money::new(500, Currency::EUR)),
            expires_at: None,
            terms_version: 1,
            terms_hash: Sha256Digest::of_terms("terms"),
            base_version: 0,
            at: at(),
            device_id: device.into(),
        }
    }

    #[test]
    fn canonical_text_is_fixed() {
        let text = statement("dev_a").canonical().unwrap();
        assert!(text.starts_with("consentry.consent-change.v1\ngrant_id=grt_abc\naction=grant\n"));
        assert!(text.contains("\nchannels=card,nfc\n"), "{text}");
        assert!(
            text.contains("\nmin_purchase=500 EUR\nexpires_at=-\n"),
            "{text}"
        );
        assert!(
            text.ends_with("at=2026-12-02T10:00:00.000Z\ndevice_id=dev_a\n"),
            "{text}"
        );
        let mut forged = statement("dev_a");
        forged.app_id = "app\nscope=points".into();
        assert_eq!(forged.canonical(), Err(SigningError::UnsafeValue("app_id")));
    }

    #[test]
    fn a_chain_vouches_for_its_devices_and_their_changes() {
        let (a, b) = (key(1), key(2));
        let root = DeviceLink::root("ch_1", "dev_a", &a, at()).unwrap();
        let second =
            DeviceLink::vouch("ch_1", "dev_b", &b.public_key(), "dev_a", &a, at()).unwrap();
        let chain = DeviceChain::verify(&[root.clone(), second.clone()], "ch_1").unwrap();
        assert_eq!(chain.root.as_deref(), Some("dev_a"));
        let signed = statement("dev_b").sign(&b).unwrap();
        signed.verify(&chain.keys).unwrap();

        // Altered after signing, signed by the wrong device, or by a device outside the chain.
        let mut altered = signed.clone();
        altered.statement.scope = Scope::Points;
        assert_eq!(altered.verify(&chain.keys), Err(SigningError::BadSignature));
        let wrong = statement("dev_a").sign(&b).unwrap();
        assert_eq!(wrong.verify(&chain.keys), Err(SigningError::BadSignature));
        let outsider = statement("dev_x").sign(&key(9)).unwrap();
        assert!(matches!(
            outsider.verify(&chain.keys),
            Err(SigningError::UnknownDevice(_))
        ));

        // A device the platform adds with its own key, or a link for another cardholder.
        let planted = DeviceLink::vouch(
            "ch_1",
            "dev_p",
            &key(7).public_key(),
            "dev_p",
            &key(7),
            at(),
        )
        .unwrap();
        assert!(matches!(
            DeviceChain::verify(&[root.clone(), planted], "ch_1"),
            Err(SigningError::UnknownSigner { .. })
        ));
        assert!(matches!(
            DeviceChain::verify(&[root.clone(), second.clone()], "ch_2"),
            Err(SigningError::OtherCardholder { .. })
        ));
        // A whole new chain with another root: refused once the root is pinned.
        let fake_root = DeviceLink::root("ch_1", "dev_f", &key(5), at()).unwrap();
        let fake_b =
            DeviceLink::vouch("ch_1", "dev_b", &b.public_key(), "dev_f", &key(5), at()).unwrap();
        assert!(DeviceChain::verify(&[fake_root.clone(), fake_b.clone()], "ch_1").is_ok());
        assert!(matches!(
            DeviceChain::verify_pinned(&[fake_root, fake_b], "ch_1", "dev_a"),
            Err(SigningError::OtherRoot { .. })
        ));
    }

    #[test]
    fn a_statement_matches_only_the_state_it_produced() {
        let s = statement("dev_a");
        let grant = Grant::new(
            s.grant_id.clone(),
            crate::GrantDetails {
                app_id: s.app_id.clone(),
                card_token: s.card_token.clone(),
                scope: s.scope,
                channels: s.channels.clone(),
                trigger: s.trigger,
                min_purchase: s.min_purchase,
                expires_at: None,
            },
            1,
            at(),
        )
        .unwrap();
        assert!(s.produced(&grant), "{grant:?}");
        let mut wider = grant.clone();
        wider.channels.insert(Channel::Voice);
        assert!(!s.produced(&wider));
        let mut later = grant;
        later.version = 5;
        assert!(!s.produced(&later));
    }

    #[test]
    fn pairing_proofs_need_the_code() {
        let proof = pairing_proof("ab12-cd34", "ch_1", "dev_b", "dpk_x");
        assert!(proofs_match(
            &proof,
            &pairing_proof("AB12CD34", "ch_1", "dev_b", "dpk_x")
        ));
        assert!(!proofs_match(
            &proof,
            &pairing_proof("AB12CD35", "ch_1", "dev_b", "dpk_x")
        ));
        assert!(!proofs_match(
            &proof,
            &pairing_proof("AB12CD34", "ch_1", "dev_b", "dpk_y")
        ));
        // A receipt binds the code to the root it names and to the joining device.
        let receipt = pairing_receipt("ab12-cd34", "ch_1", "dev_a", "dpk_a", "dev_b", "dpk_x");
        assert!(proofs_match(
            &receipt,
            &pairing_receipt("AB12CD34", "ch_1", "dev_a", "dpk_a", "dev_b", "dpk_x")
        ));
        for other in [
            pairing_receipt("AB12CD35", "ch_1", "dev_a", "dpk_a", "dev_b", "dpk_x"),
            pairing_receipt("AB12CD34", "ch_1", "dev_f", "dpk_a", "dev_b", "dpk_x"),
            pairing_receipt("AB12CD34", "ch_1", "dev_a", "dpk_f", "dev_b", "dpk_x"),
            pairing_receipt("AB12CD34", "ch_1", "dev_a", "dpk_a", "dev_b", "dpk_y"),
        ] {
            assert!(!proofs_match(&receipt, &other));
        }
        // A receipt is not a proof: one cannot stand for the other.
        assert!(!proofs_match(&receipt, &proof));
        // RFC 4231 test case 2.
        assert_eq!(
            hmac_hex(b"Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
