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

use crate::error::SyncError;
use crate::wire::{decode_public_key, FeedItem, SigningKeyInfo};

/// How far a delivery's timestamp may be from the local clock.
pub const DEFAULT_TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(5 * 60);

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
        self.timing(timestamp, now)
    }

    /// The verdict of a delivery whose signature verified: valid, or outside the tolerance.
    fn timing(&self, timestamp: i64, now: DateTime<Utc>) -> Verdict {
        // Saturates at i64::MIN for a timestamp far in the past, whose `abs()` overflows.
        let offset_seconds = timestamp.saturating_sub(now.timestamp());
        if offset_seconds.unsigned_abs() > self.tolerance.num_seconds().unsigned_abs() {
            return Verdict::Stale { offset_seconds };
        }
        Verdict::Valid
    }

    /// The verdicts of `items`, checked together: one Ed25519 batch verification under the
    /// key that signed the first (about half the cost of checking each alone), taking from
    /// every header the signature at the place where the first's verified (during a
    /// rotation's overlap the platform puts the active key's first and the retired key's
    /// second, the same in every delivery). A batch that does not verify as a whole — a
    /// forgery, another key, signatures in another order — is checked one delivery at a
    /// time, so the verdicts are those of [`FeedVerifier::check`].
    fn check_batch(&self, items: &[FeedItem], now: DateTime<Utc>) -> Vec<Verdict> {
        let one = |i: &FeedItem| self.check(&i.id, i.timestamp, &i.body, &i.signature, now);
        let Some((first, rest)) = items.split_first() else {
            return Vec::new();
        };
        let content = |i: &FeedItem| format!("{}.{}.{}", i.id, i.timestamp, i.body);
        let first_content = content(first);
        use ed25519_dalek::Verifier as _;
        let places = first.signature.split(' ').count();
        let found = self.keys.iter().find_map(|k| {
            (0..places).find_map(|place| {
                let signature = nth_signature(&first.signature, place)?;
                k.verify(first_content.as_bytes(), &signature)
                    .is_ok()
                    .then_some((k, place))
            })
        });
        let Some((key, place)) = found else {
            let mut verdicts = vec![Verdict::BadSignature];
            verdicts.extend(rest.iter().map(one));
            return verdicts;
        };
        let signatures: Option<Vec<ed25519_dalek::Signature>> = rest
            .iter()
            .map(|i| nth_signature(&i.signature, place))
            .collect();
        let batch_holds = signatures.is_some_and(|signatures| {
            let contents: Vec<String> = rest.iter().map(content).collect();
            let messages: Vec<&[u8]> = contents.iter().map(String::as_bytes).collect();
            let keys = vec![*key; rest.len()];
            ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
        });
        let mut verdicts = Vec::with_capacity(items.len());
        verdicts.push(self.timing(first.timestamp, now));
        if batch_holds {
            verdicts.extend(rest.iter().map(|i| self.timing(i.timestamp, now)));
        } else {
            verdicts.extend(rest.iter().map(one));
        }
        verdicts
    }
}

/// The `place`-th (from 0) of a header's space-separated signatures, when it is a `v1a` one.
fn nth_signature(header: &str, place: usize) -> Option<ed25519_dalek::Signature> {
    let encoded = header.split(' ').nth(place)?.strip_prefix("v1a,")?;
    let bytes = STANDARD.decode(encoded).ok()?;
    ed25519_dalek::Signature::from_slice(&bytes).ok()
}

impl FeedVerifier {
    /// The verdicts of a page of deliveries, computed on every core (Ed25519 verification is
    /// most of the cost of reading the feed).
    pub async fn check_page(&self, items: &[FeedItem], now: DateTime<Utc>) -> Vec<Verdict> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        if threads == 1 || items.len() < 64 {
            return self.check_batch(items, now);
        }
        let size = items.len().div_ceil(threads);
        let mut parts = Vec::new();
        for part in items.chunks(size) {
            let part = part.to_vec();
            let verifier = self.clone();
            parts.push(tokio::task::spawn_blocking(move || {
                verifier.check_batch(&part, now)
            }));
        }
        let mut verdicts = Vec::with_capacity(items.len());
        for (index, part) in parts.into_iter().enumerate() {
            match part.await {
                Ok(done) => verdicts.extend(done),
                // A worker that failed (it cannot, short of a bug): do its share here.
                Err(_) => {
                    let share = &items[index * size..((index + 1) * size).min(items.len())];
                    verdicts.extend(self.check_batch(share, now));
                }
            }
        }
        verdicts
    }
}

/// A page's signature checks made ahead: while the page before it is being stored, the next
/// one (already fetched) is checked on the cores the store leaves idle.
pub struct CheckedAhead {
    /// The verifier that made the checks: after a change of keys they are made again.
    verifier: std::sync::Arc<FeedVerifier>,
    now: DateTime<Utc>,
    checked: std::collections::HashMap<u64, (FeedItem, Verdict)>,
}

impl CheckedAhead {
    /// Checks `items` with `verifier` against the clock reading `now`.
    pub async fn check(
        verifier: std::sync::Arc<FeedVerifier>,
        items: &[FeedItem],
        now: DateTime<Utc>,
    ) -> CheckedAhead {
        let verdicts = verifier.check_page(items, now).await;
        let mut checked = std::collections::HashMap::with_capacity(items.len());
        for (item, verdict) in items.iter().zip(verdicts) {
            // Two deliveries at one position (a hostile page): the first is kept here, and
            // the other, which cannot match it, is checked again below.
            checked
                .entry(item.cursor)
                .or_insert_with(|| (item.clone(), verdict));
        }
        CheckedAhead {
            verifier,
            now,
            checked,
        }
    }

    /// The verdict on each of `items` under `verifier` at `now`: the one made ahead where the
    /// same verifier checked the very same delivery (position, id, timestamp, body and
    /// signature) at the same clock reading, else one made now.
    pub async fn verdicts_for(
        self,
        verifier: &std::sync::Arc<FeedVerifier>,
        items: &[FeedItem],
        now: DateTime<Utc>,
    ) -> Vec<Verdict> {
        if !std::sync::Arc::ptr_eq(&self.verifier, verifier) || self.now != now {
            return verifier.check_page(items, now).await;
        }
        let mut verdicts: Vec<Option<Verdict>> = items
            .iter()
            .map(|item| match self.checked.get(&item.cursor) {
                Some((seen, verdict)) if seen == item => Some(*verdict),
                _ => None,
            })
            .collect();
        let unchecked: Vec<FeedItem> = items
            .iter()
            .zip(&verdicts)
            .filter(|(_, verdict)| verdict.is_none())
            .map(|(item, _)| item.clone())
            .collect();
        if !unchecked.is_empty() {
            let mut fresh = verifier.check_page(&unchecked, now).await.into_iter();
            for verdict in verdicts.iter_mut().filter(|v| v.is_none()) {
                *verdict = fresh.next();
            }
        }
        verdicts
            .into_iter()
            .map(|verdict| verdict.unwrap_or(Verdict::BadSignature))
            .collect()
    }
}

/// True when one `v1a` signature in `header` verifies under one of `keys`.
pub use consentry_domain::verify_delivery as verify_any;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::PUBLIC_KEY_PREFIX;
    use ed25519_dalek::{Signer as _, SigningKey};

    fn info(key: &SigningKey, id: &str) -> SigningKeyInfo {
        SigningKeyInfo {
            key_id: id.to_owned(),
            public_key: format!(
                "{PUBLIC_KEY_PREFIX}{}",
                STANDARD.encode(key.verifying_key().as_bytes())
            ),
            status: "active".into(),
            endorsement: None,
        }
    }

    /// A delivery signed by each of `keys`, in that order, as during a rotation's overlap.
    fn dual(keys: &[&SigningKey], n: u64, timestamp: i64) -> FeedItem {
        let mut item = item(keys[0], n, timestamp);
        let content = format!("{}.{timestamp}.{}", item.id, item.body);
        item.signature = keys
            .iter()
            .map(|k| {
                format!(
                    "v1a,{}",
                    STANDARD.encode(k.sign(content.as_bytes()).to_bytes())
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        item
    }

    /// Dual-signed deliveries (new key first, old key second) verify for a wallet that
    /// trusts only the old key, only the new key or both, one by one and as a page; a wallet
    /// that trusts neither refuses them, and so does one given a header whose old-key
    /// signature was spoiled while it trusts only the old key.
    #[tokio::test]
    async fn dual_signatures_verify_under_either_key_alone() {
        let old = SigningKey::from_bytes(&[1; 32]);
        let new = SigningKey::from_bytes(&[2; 32]);
        let rogue = SigningKey::from_bytes(&[3; 32]);
        let now = Utc::now();
        let t = now.timestamp();
        let page: Vec<FeedItem> = (0..100).map(|n| dual(&[&new, &old], n, t)).collect();
        let verifier = |keys: &[(&SigningKey, &str)]| -> FeedVerifier {
            let infos: Vec<SigningKeyInfo> = keys.iter().map(|(k, id)| info(k, id)).collect();
            FeedVerifier::new(&infos, DEFAULT_TIMESTAMP_TOLERANCE).unwrap()
        };
        for trusted in [
            vec![(&old, "old")],
            vec![(&new, "new")],
            vec![(&old, "old"), (&new, "new")],
        ] {
            let v = verifier(&trusted);
            let verdicts = v.check_page(&page, now).await;
            assert!(
                verdicts.iter().all(|d| *d == Verdict::Valid),
                "{verdicts:?}"
            );
            assert_eq!(v.check_batch(&page, now), verdicts);
        }
        let stranger = verifier(&[(&rogue, "rogue")]);
        assert!(stranger
            .check_batch(&page, now)
            .iter()
            .all(|d| *d == Verdict::BadSignature));
        // The old key's signature spoiled in one delivery: refused by a wallet that trusts
        // only the old key, accepted by one that trusts the new one.
        let mut spoiled = page.clone();
        let mut parts: Vec<String> = spoiled[40]
            .signature
            .split(' ')
            .map(str::to_owned)
            .collect();
        parts[1] = dual(&[&rogue], 40, t).signature;
        spoiled[40].signature = parts.join(" ");
        let only_old = verifier(&[(&old, "old")]).check_batch(&spoiled, now);
        assert_eq!(only_old[40], Verdict::BadSignature);
        assert_eq!(
            only_old.iter().filter(|d| **d == Verdict::Valid).count(),
            99
        );
        let only_new = verifier(&[(&new, "new")]).check_batch(&spoiled, now);
        assert!(only_new.iter().all(|d| *d == Verdict::Valid));
    }

    /// Checks made ahead are reused only for the very delivery they checked, by the same
    /// verifier, at the same clock reading: a delivery swapped after the check (same
    /// position, another body or signature), a second delivery at a position, new keys and
    /// another clock reading are all checked again, and get the verdicts a fresh check gives.
    #[tokio::test]
    async fn checks_made_ahead_serve_only_the_deliveries_they_checked() {
        let trusted = SigningKey::from_bytes(&[1; 32]);
        let rogue = SigningKey::from_bytes(&[3; 32]);
        let now = Utc::now();
        let t = now.timestamp();
        let only = |keys: &[(&SigningKey, &str)]| {
            let infos: Vec<SigningKeyInfo> = keys.iter().map(|(k, id)| info(k, id)).collect();
            std::sync::Arc::new(FeedVerifier::new(&infos, DEFAULT_TIMESTAMP_TOLERANCE).unwrap())
        };
        let verifier = only(&[(&trusted, "k1")]);
        let mut page: Vec<FeedItem> = (0..100).map(|n| item(&trusted, n, t)).collect();
        page[7] = item(&rogue, 7, t);

        // The same page: the verdicts made ahead.
        let ahead = CheckedAhead::check(verifier.clone(), &page, now).await;
        let verdicts = ahead.verdicts_for(&verifier, &page, now).await;
        assert_eq!(verdicts, verifier.check_batch(&page, now));
        assert_eq!(verdicts[7], Verdict::BadSignature);

        // Swapped after the check: a forged body and a forged signature where valid
        // deliveries were, and a valid one where the forgery was.
        let ahead = CheckedAhead::check(verifier.clone(), &page, now).await;
        let mut swapped = page.clone();
        swapped[10].body = "{\"id\":\"evt_10\",\"amount\":1}".into();
        swapped[20].signature = item(&rogue, 20, t).signature;
        swapped[7] = item(&trusted, 7, t);
        let verdicts = ahead.verdicts_for(&verifier, &swapped, now).await;
        assert_eq!(verdicts[10], Verdict::BadSignature);
        assert_eq!(verdicts[20], Verdict::BadSignature);
        assert_eq!(verdicts[7], Verdict::Valid);
        assert_eq!(verdicts, verifier.check_batch(&swapped, now));

        // Two deliveries at one position, the forged one second.
        let mut doubled = page.clone();
        let mut forged = item(&rogue, 30, t);
        forged.id = "evt_forged".into();
        doubled.push(forged);
        let ahead = CheckedAhead::check(verifier.clone(), &doubled, now).await;
        let verdicts = ahead.verdicts_for(&verifier, &doubled, now).await;
        assert_eq!(verdicts[30], Verdict::Valid);
        assert_eq!(verdicts[100], Verdict::BadSignature);

        // New keys (a refresh between the check and its use): checked again under them.
        let stranger = only(&[(&rogue, "rogue")]);
        let ahead = CheckedAhead::check(stranger, &page, now).await;
        let verdicts = ahead.verdicts_for(&verifier, &page, now).await;
        assert_eq!(verdicts, verifier.check_batch(&page, now));

        // Another clock reading: a delivery stale then is judged at the new one.
        let later = now + chrono::Duration::hours(1);
        let ahead = CheckedAhead::check(verifier.clone(), &page, now).await;
        let verdicts = ahead.verdicts_for(&verifier, &page, later).await;
        assert_eq!(verdicts, verifier.check_batch(&page, later));
        assert!(matches!(verdicts[0], Verdict::Stale { .. }));
    }

    fn item(key: &SigningKey, n: u64, timestamp: i64) -> FeedItem {
        let id = format!("evt_{n}");
        let body = format!("{{\"id\":\"{id}\"}}");
        let signature = key.sign(format!("{id}.{timestamp}.{body}").as_bytes());
        FeedItem {
            id,
            cursor: n,
            timestamp,
            body,
            signature: format!("v1a,{}", STANDARD.encode(signature.to_bytes())),
        }
    }

    /// Checked as a page, deliveries get exactly the verdicts they get one by one: a forgery,
    /// an altered body, a second trusted key, a stale timestamp and a header with two
    /// signatures among valid ones.
    #[tokio::test]
    async fn a_page_gets_the_verdicts_of_its_deliveries_one_by_one() {
        let active = SigningKey::from_bytes(&[1; 32]);
        let next = SigningKey::from_bytes(&[2; 32]);
        let rogue = SigningKey::from_bytes(&[3; 32]);
        let verifier = FeedVerifier::new(
            &[info(&active, "k1"), info(&next, "k2")],
            DEFAULT_TIMESTAMP_TOLERANCE,
        )
        .unwrap();
        let now = Utc::now();
        let t = now.timestamp();
        let clean: Vec<FeedItem> = (0..200).map(|n| item(&active, n, t)).collect();
        let mut hostile = clean.clone();
        hostile[3] = item(&rogue, 3, t);
        hostile[50].body.push(' ');
        hostile[70] = item(&next, 70, t);
        hostile[90] = item(&active, 90, t - 3_600);
        let other = item(&next, 120, t);
        hostile[120].signature = format!("{} {}", other.signature, hostile[120].signature);
        let forged_first: Vec<FeedItem> = std::iter::once(item(&rogue, 0, t))
            .chain(clean[1..].iter().cloned())
            .collect();
        for items in [clean, hostile, forged_first] {
            let one_by_one: Vec<Verdict> = items
                .iter()
                .map(|i| verifier.check(&i.id, i.timestamp, &i.body, &i.signature, now))
                .collect();
            assert_eq!(verifier.check_page(&items, now).await, one_by_one);
            assert_eq!(verifier.check_batch(&items, now), one_by_one);
        }
        // The hostile page's findings, to be sure they are there to be found.
        let mut hostile: Vec<FeedItem> = (0..200).map(|n| item(&active, n, t)).collect();
        hostile[3] = item(&rogue, 3, t);
        hostile[90] = item(&active, 90, t - 3_600);
        let verdicts = verifier.check_page(&hostile, now).await;
        assert_eq!(verdicts[3], Verdict::BadSignature);
        assert!(matches!(verdicts[90], Verdict::Stale { .. }));
        assert_eq!(
            verdicts.iter().filter(|v| **v == Verdict::Valid).count(),
            198
        );
    }
}
