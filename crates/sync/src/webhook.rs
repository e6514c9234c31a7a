//! Standard Webhooks signatures, scheme `v1a` (Ed25519), as the platform signs its feed:
//! `v1a,<base64 signature>` over `{id}.{timestamp}.{body}`, several space-separated
//! signatures allowed, public keys written `whpk_<base64>`.
//!
//! ## Timestamp tolerance
//!
//! The platform signs each delivery when it serves it: `timestamp` is the delivery time, not
//! the event's time. An event replayed from the feed months later therefore still carries a
//! fresh timestamp, and the window can stay as tight as the spec's default. We accept a
//! delivery whose timestamp is within **±5 minutes** of this computer's clock
//! ([`DEFAULT_TIMESTAMP_TOLERANCE`], configurable). Outside it, the delivery is either a
//! captured one being replayed, or one of the two clocks is wrong: we fetch that event again
//! (a fresh delivery, freshly signed); if it is still outside, we stop before it, keep the
//! cursor where it was and report `clock_skew` — a validly signed event is never quarantined
//! or dropped for its age.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use crate::error::SyncError;
use crate::wire::FeedItem;

/// How far a delivery's timestamp may be from the local clock.
pub const DEFAULT_TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(5 * 60);

const PUBLIC_KEY_PREFIX: &str = "whpk_";

/// A public key that signs the feed, as published at enrollment and by `GET /v1/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyInfo {
    pub key_id: String,
    /// `whpk_<base64 of the 32-byte Ed25519 key>`.
    pub public_key: String,
    /// `active`, `next` or `retired`.
    pub status: String,
    /// The statement of the key that vouches for this one (`None` for the platform's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Endorsement>,
}

/// A key's endorsement: the key `signed_by` signed [`endorsement_content`] of this key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endorsement {
    pub signed_by: String,
    /// `v1a,<base64 of the Ed25519 signature>`.
    pub signature: String,
}

/// The exact text a key's endorsement signs.
pub fn endorsement_content(key_id: &str, public_key: &str) -> String {
    format!("consentry.key-endorsement.v1.{key_id}.{public_key}")
}

/// Whether `signer` endorsed `key`.
fn endorsed_by(signer: &SigningKeyInfo, key: &SigningKeyInfo) -> bool {
    let Some(endorsement) = &key.endorsement else {
        return false;
    };
    if endorsement.signed_by != signer.key_id {
        return false;
    }
    let Ok(verifying) = decode_public_key(&signer.public_key) else {
        return false;
    };
    let content = endorsement_content(&key.key_id, &key.public_key);
    consentry_domain::verify_v1a(&verifying, content.as_bytes(), &endorsement.signature)
}

/// The keys to trust after the platform listed `listed`: every key already `trusted` (kept
/// even when no longer listed, to verify endorsements after missed rotations), plus each
/// listed key endorsed by a trusted one, in as many rounds as chains need. Returns them and
/// the listed keys nobody trusted endorsed (refused).
pub fn extend_trust(
    trusted: &[SigningKeyInfo],
    listed: &[SigningKeyInfo],
) -> (Vec<SigningKeyInfo>, Vec<SigningKeyInfo>) {
    let mut kept = trusted.to_vec();
    for key in &mut kept {
        let same = listed
            .iter()
            .find(|l| l.key_id == key.key_id && l.public_key == key.public_key);
        if let Some(listed) = same {
            key.status.clone_from(&listed.status);
        }
    }
    let mut waiting: Vec<&SigningKeyInfo> = listed
        .iter()
        .filter(|l| !kept.iter().any(|k| k.public_key == l.public_key))
        .collect();
    loop {
        let before = waiting.len();
        waiting.retain(|candidate| {
            let endorsed = kept.iter().any(|k| endorsed_by(k, candidate));
            if endorsed {
                kept.push((*candidate).clone());
            }
            !endorsed
        });
        if waiting.len() == before {
            break;
        }
    }
    (kept, waiting.into_iter().cloned().collect())
}

/// Reads `whpk_<base64>`.
pub fn decode_public_key(text: &str) -> Result<VerifyingKey, SyncError> {
    let encoded = text
        .strip_prefix(PUBLIC_KEY_PREFIX)
        .ok_or_else(|| SyncError::bad_response("a signing key does not start with whpk_"))?;
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|_| SyncError::bad_response("a signing key is not base64"))?;
    let bytes = <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| SyncError::bad_response("a signing key is not 32 bytes"))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| SyncError::bad_response("a signing key is not an Ed25519 public key"))
}

/// The verdict on one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    /// No signature verifies under any trusted key.
    BadSignature,
    /// Validly signed, but the timestamp is outside the tolerance.
    Stale {
        offset_seconds: i64,
    },
}

/// Checks deliveries against the trusted keys and the clock.
#[derive(Debug, Clone)]
pub struct FeedVerifier {
    keys: Vec<VerifyingKey>,
    tolerance: chrono::Duration,
}

impl FeedVerifier {
    /// A verifier trusting every key in `keys` (active, next and last retired).
    pub fn new(keys: &[SigningKeyInfo], tolerance: Duration) -> Result<Self, SyncError> {
        let keys = keys
            .iter()
            .map(|k| decode_public_key(&k.public_key))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FeedVerifier {
            keys,
            tolerance: chrono::Duration::from_std(tolerance)
                .map_err(|e| SyncError::Internal(e.to_string()))?,
        })
    }

    /// The tolerance, in seconds.
    pub fn tolerance_seconds(&self) -> i64 {
        self.tolerance.num_seconds()
    }

    /// Verifies the signature first (a forgery is the stronger finding), then the timestamp.
    pub fn check(
        &self,
        id: &str,
        timestamp: i64,
        body: &str,
        signature_header: &str,
        now: DateTime<Utc>,
    ) -> Verdict {
        if !verify_any(&self.keys, id, timestamp, body, signature_header) {
            return Verdict::BadSignature;
        }
        // Saturates at i64::MIN for a timestamp far in the past, whose `abs()` overflows.
        let offset_seconds = timestamp.saturating_sub(now.timestamp());
        if offset_seconds.unsigned_abs() > self.tolerance.num_seconds().unsigned_abs() {
            return Verdict::Stale { offset_seconds };
        }
        Verdict::Valid
    }
}

impl FeedVerifier {
    /// The verdicts of a page of deliveries, computed on every core (Ed25519 verification is
    /// most of the cost of reading the feed).
    pub async fn check_page(&self, items: &[FeedItem], now: DateTime<Utc>) -> Vec<Verdict> {
        let one = move |v: &FeedVerifier, i: &FeedItem| {
            v.check(&i.id, i.timestamp, &i.body, &i.signature, now)
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        if threads == 1 || items.len() < 64 {
            return items.iter().map(|i| one(self, i)).collect();
        }
        let mut parts = Vec::new();
        for part in items.chunks(items.len().div_ceil(threads)) {
            let part = part.to_vec();
            let verifier = self.clone();
            parts.push(tokio::task::spawn_blocking(move || {
                part.iter().map(|i| one(&verifier, i)).collect::<Vec<_>>()
            }));
        }
        let mut verdicts = Vec::with_capacity(items.len());
        for (index, part) in parts.into_iter().enumerate() {
            match part.await {
                Ok(done) => verdicts.extend(done),
                // A worker that failed (it cannot, short of a bug): do its share here.
                Err(_) => {
                    let size = items.len().div_ceil(threads);
                    let share = items.iter().skip(index * size).take(size);
                    verdicts.extend(share.map(|i| one(self, i)));
                }
            }
        }
        verdicts
    }
}

/// True when one `v1a` signature in `header` verifies under one of `keys`.
pub fn verify_any(
    keys: &[VerifyingKey],
    id: &str,
    timestamp: i64,
    body: &str,
    header: &str,
) -> bool {
    let content = format!("{id}.{timestamp}.{body}");
    keys.iter()
        .any(|key| consentry_domain::verify_v1a(key, content.as_bytes(), header))
}
