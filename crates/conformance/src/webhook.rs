//! Event signatures as the contract documents them, written from the documents alone:
//! Standard Webhooks' asymmetric scheme `v1a` (Ed25519) over `{id}.{timestamp}.{body}`, keys as
//! `whpk_<base64>`, and key endorsements over `consentry.key-endorsement.v1.{key_id}.{public_key}`.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde_json::Value;

/// The scheme prefix of every signature.
pub const SIGNATURE_PREFIX: &str = "v1a,";

/// Reads `<prefix><base64 of 32 bytes>` (`whpk_` for platform keys, `dpk_` for device keys).
pub fn decode_key(prefix: &str, text: &str) -> Option<VerifyingKey> {
    let bytes = STANDARD.decode(text.strip_prefix(prefix)?).ok()?;
    VerifyingKey::from_bytes(&<[u8; 32]>::try_from(bytes.as_slice()).ok()?).ok()
}

/// `<prefix><base64>` of a public key.
pub fn encode_key(prefix: &str, key: &VerifyingKey) -> String {
    format!("{prefix}{}", STANDARD.encode(key.as_bytes()))
}

/// Whether one of the space-separated `v1a,<base64>` signatures in `header` verifies
/// `content` under `key`.
pub fn verify_v1a(key: &VerifyingKey, content: &[u8], header: &str) -> bool {
    header.split(' ').any(|candidate| {
        candidate
            .strip_prefix(SIGNATURE_PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .and_then(|b| Signature::from_slice(&b).ok())
            .is_some_and(|s| key.verify(content, &s).is_ok())
    })
}

/// `v1a,<base64>` of `key`'s signature over `content`.
pub fn sign_v1a(key: &SigningKey, content: &[u8]) -> String {
    format!(
        "{SIGNATURE_PREFIX}{}",
        STANDARD.encode(key.sign(content).to_bytes())
    )
}

/// The signed bytes of a delivery.
pub fn delivery_content(id: &str, timestamp: i64, body: &str) -> String {
    format!("{id}.{timestamp}.{body}")
}

/// The signed bytes of a key endorsement.
pub fn endorsement_content(key_id: &str, public_key: &str) -> String {
    format!("consentry.key-endorsement.v1.{key_id}.{public_key}")
}

/// One published signing key (`PublicKey` in the contract).
#[derive(Debug, Clone)]
pub struct PublishedKey {
    pub key_id: String,
    pub public_key: String,
    pub status: String,
    /// `(signed_by, signature)`; `None` only for the platform's first key.
    pub endorsement: Option<(String, String)>,
    /// A retired key still co-signing deliveries (the rotation's overlap): until when.
    pub signs_until: Option<chrono::DateTime<chrono::Utc>>,
    pub key: VerifyingKey,
}

impl PublishedKey {
    /// Reads one key, checking every documented field.
    pub fn parse(value: &Value) -> Result<PublishedKey, String> {
        let text = |name: &str| {
            value[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("key without a string `{name}`: {value}"))
        };
        let key_id = text("key_id")?;
        let id_ok = key_id.strip_prefix("key_").is_some_and(|rest| {
            rest.len() == 16
                && (rest.bytes().all(|b| (b'a'..=b'p').contains(&b))
                    || rest
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        });
        if !id_ok {
            return Err(format!(
                "key_id {key_id:?} is not `key_` + 16 letters a–p (or 16 hex digits)"
            ));
        }
        if value["algorithm"] != "ed25519" || value["scheme"] != "v1a" {
            return Err(format!(
                "key {key_id}: algorithm/scheme must be ed25519/v1a: {value}"
            ));
        }
        let public_key = text("public_key")?;
        let key = decode_key("whpk_", &public_key).ok_or_else(|| {
            format!("key {key_id}: {public_key:?} is not `whpk_` + base64 of an Ed25519 key")
        })?;
        let status = text("status")?;
        if !["active", "next", "retired"].contains(&status.as_str()) {
            return Err(format!("key {key_id}: unknown status {status:?}"));
        }
        text("created_at")?;
        let endorsement = match &value["endorsement"] {
            Value::Null if value.get("endorsement").is_some() => None,
            Value::Object(e) => {
                let signed_by = e.get("signed_by").and_then(Value::as_str);
                let signature = e.get("signature").and_then(Value::as_str);
                match (signed_by, signature) {
                    (Some(by), Some(sig)) => Some((by.to_owned(), sig.to_owned())),
                    _ => {
                        return Err(format!(
                            "key {key_id}: endorsement without signed_by and signature"
                        ))
                    }
                }
            }
            _ => return Err(format!("key {key_id}: no `endorsement` (object or null)")),
        };
        let signs_until = match value.get("signs_until") {
            None | Some(Value::Null) => None,
            Some(Value::String(at)) => Some(
                chrono::DateTime::parse_from_rfc3339(at)
                    .map_err(|e| format!("key {key_id}: signs_until {at:?}: {e}"))?
                    .with_timezone(&chrono::Utc),
            ),
            Some(other) => {
                return Err(format!(
                    "key {key_id}: signs_until is not a date or null: {other}"
                ))
            }
        };
        Ok(PublishedKey {
            signs_until,
            key_id,
            public_key,
            status,
            endorsement,
            key,
        })
    }

    /// Reads a list of keys (`signing_keys`, `keys`).
    pub fn parse_list(value: &Value) -> Result<Vec<PublishedKey>, String> {
        value
            .as_array()
            .ok_or_else(|| format!("not a list of keys: {value}"))?
            .iter()
            .map(PublishedKey::parse)
            .collect()
    }
}

/// The keys a wallet trusts: pinned at enrollment, then extended only along endorsements.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    keys: BTreeMap<String, PublishedKey>,
}

impl Trust {
    pub fn pinned(keys: &[PublishedKey]) -> Trust {
        Trust {
            keys: keys.iter().map(|k| (k.key_id.clone(), k.clone())).collect(),
        }
    }

    /// Trusts every key of `published` endorsed by a trusted key, repeating until nothing
    /// changes; returns why each other key was refused.
    pub fn extend(&mut self, published: &[PublishedKey]) -> Vec<String> {
        loop {
            let mut added = false;
            for key in published {
                if self.keys.contains_key(&key.key_id) {
                    continue;
                }
                let Some((by, signature)) = &key.endorsement else {
                    continue;
                };
                let Some(endorser) = self.keys.get(by) else {
                    continue;
                };
                let content = endorsement_content(&key.key_id, &key.public_key);
                if verify_v1a(&endorser.key, content.as_bytes(), signature) {
                    self.keys.insert(key.key_id.clone(), key.clone());
                    added = true;
                }
            }
            if !added {
                break;
            }
        }
        published
            .iter()
            .filter_map(|key| match self.keys.get(&key.key_id) {
                Some(trusted) if trusted.public_key != key.public_key => Some(format!(
                    "{} is published with another public key than the trusted one",
                    key.key_id
                )),
                Some(_) => None,
                None => Some(format!(
                    "{} has no endorsement that verifies under a trusted key",
                    key.key_id
                )),
            })
            .collect()
    }

    /// The trusted key whose signature in `header` verifies `content`.
    pub fn signer(&self, content: &[u8], header: &str) -> Option<&str> {
        self.keys
            .values()
            .find(|k| verify_v1a(&k.key, content, header))
            .map(|k| k.key_id.as_str())
    }

    pub fn get(&self, key_id: &str) -> Option<&PublishedKey> {
        self.keys.get(key_id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const VECTORS: &str = include_str!("../../../docs/platform/webhook-vectors.json");

    /// The documented vectors: every valid one verifies, every invalid one does not.
    #[test]
    fn the_published_vectors_verify_as_documented() {
        let vectors: Value = serde_json::from_str(VECTORS).unwrap();
        let deliveries = vectors["vectors"].as_array().unwrap();
        assert!(deliveries.len() >= 5);
        let mut invalid = 0;
        for v in deliveries {
            let key = decode_key("whpk_", v["public_key"].as_str().unwrap()).unwrap();
            let content = delivery_content(
                v["id"].as_str().unwrap(),
                v["timestamp"].as_i64().unwrap(),
                v["body"].as_str().unwrap(),
            );
            let valid = v["valid"].as_bool().unwrap();
            invalid += usize::from(!valid);
            // A vector naming a cardholder is checked by that cardholder's wallet: the signed
            // body must name it too.
            let bound = v["cardholder_id"].as_str().is_none_or(|cardholder| {
                serde_json::from_str::<Value>(v["body"].as_str().unwrap()).unwrap()["cardholder_id"]
                    == cardholder
            });
            assert_eq!(
                verify_v1a(&key, content.as_bytes(), v["signature"].as_str().unwrap()) && bound,
                valid,
                "{}",
                v["name"]
            );
        }
        assert!(invalid >= 1, "the vectors include refused deliveries");
        let endorsements = vectors["endorsements"].as_array().unwrap();
        assert!(!endorsements.is_empty());
        for e in endorsements {
            let signer = decode_key("whpk_", e["signer_public_key"].as_str().unwrap()).unwrap();
            let content = endorsement_content(
                e["key_id"].as_str().unwrap(),
                e["public_key"].as_str().unwrap(),
            );
            assert_eq!(content, e["content"].as_str().unwrap());
            assert_eq!(
                verify_v1a(
                    &signer,
                    content.as_bytes(),
                    e["signature"].as_str().unwrap()
                ),
                e["valid"].as_bool().unwrap(),
                "{}",
                e["name"]
            );
        }
    }

    fn published(key_id: &str, key: &SigningKey, endorser: Option<(&str, &SigningKey)>) -> Value {
        let public_key = encode_key("whpk_", &key.verifying_key());
        let endorsement = endorser.map(|(by, signer)| {
            serde_json::json!({
                "signed_by": by,
                "signature": sign_v1a(signer, endorsement_content(key_id, &public_key).as_bytes()),
            })
        });
        serde_json::json!({"key_id": key_id, "algorithm": "ed25519", "scheme": "v1a",
            "public_key": public_key, "status": "active", "created_at": "2026-01-01T00:00:00Z",
            "endorsement": endorsement})
    }

    #[test]
    fn trust_follows_endorsements_only() {
        let a = SigningKey::from_bytes(&[1; 32]);
        let b = SigningKey::from_bytes(&[2; 32]);
        let c = SigningKey::from_bytes(&[3; 32]);
        let stranger = SigningKey::from_bytes(&[4; 32]);
        let ka = PublishedKey::parse(&published("key_aaaaaaaaaaaaaaaa", &a, None)).unwrap();
        let kb = PublishedKey::parse(&published(
            "key_bbbbbbbbbbbbbbbb",
            &b,
            Some(("key_aaaaaaaaaaaaaaaa", &a)),
        ))
        .unwrap();
        let kc = PublishedKey::parse(&published(
            "key_cccccccccccccccc",
            &c,
            Some(("key_bbbbbbbbbbbbbbbb", &b)),
        ))
        .unwrap();
        let forged = PublishedKey::parse(&published(
            "key_dddddddddddddddd",
            &stranger,
            Some(("key_aaaaaaaaaaaaaaaa", &stranger)),
        ))
        .unwrap();
        let mut trust = Trust::pinned(std::slice::from_ref(&ka));
        // Listed newest first: the chain is still followed in one go.
        let refused = trust.extend(&[kc.clone(), kb, forged]);
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(refused[0].contains("key_dddddddddddddddd"));
        let content = b"evt_x.1.{}";
        assert_eq!(
            trust.signer(content, &sign_v1a(&c, content)),
            Some("key_cccccccccccccccc")
        );
        assert_eq!(trust.signer(content, &sign_v1a(&stranger, content)), None);
        // Several signatures in one header: one trusted is enough.
        let both = format!("{} {}", sign_v1a(&stranger, content), sign_v1a(&a, content));
        assert!(trust.signer(content, &both).is_some());
    }

    #[test]
    fn malformed_keys_are_refused() {
        let a = SigningKey::from_bytes(&[1; 32]);
        let good = published("key_aaaaaaaaaaaaaaaa", &a, None);
        for (field, bad) in [
            ("key_id", serde_json::json!("key_1")),
            ("algorithm", serde_json::json!("rsa")),
            ("public_key", serde_json::json!("whpk_AAAA")),
            ("status", serde_json::json!("spare")),
            ("endorsement", serde_json::json!("yes")),
        ] {
            let mut key = good.clone();
            key[field] = bad;
            assert!(PublishedKey::parse(&key).is_err(), "{field}");
        }
        let mut no_endorsement = good.clone();
        no_endorsement
            .as_object_mut()
            .unwrap()
            .remove("endorsement");
        assert!(PublishedKey::parse(&no_endorsement).is_err());
        assert!(PublishedKey::parse(&good).is_ok());
    }
}
