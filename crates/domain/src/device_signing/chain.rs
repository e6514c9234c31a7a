//! The cardholder's devices: links, each signed by a device already in the chain.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use super::keys::{decode_public_key, verify_text, DeviceKey};
use super::{line, time, SigningError};

const LINK_CONTEXT: &str = "consentry.device-link.v1";

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
    /// For a device that joined with a pairing code: [`pairing_receipt`](super::pairing_receipt) by the device that
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
