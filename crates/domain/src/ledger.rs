//! The consent ledger: every consent change as an immutable, hash-chained entry.
//!
//! `hash = SHA-256(prev_hash || canonical_bytes(entry))`, where the first entry's
//! `prev_hash` is 32 zero bytes and `seq` starts at 1. The canonical encoding is our
//! own (see [`LedgerEntry::canonical_bytes`]) rather than JSON, so the hash never depends
//! on a serializer's key order or number formatting.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ConsentAction, Grant, GrantDetails, GrantKey, GrantStatus, Sha256Digest};

/// Domain-separation tag at the start of every encoded entry; bump on any format change.
const ENCODING_TAG: &str = "consentry.ledger.v1";

/// A consent change about to be recorded (an entry without its chain fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChange {
    pub action: ConsentAction,
    pub grant_id: String,
    pub grant: GrantDetails,
    pub device_id: String,
    pub at: DateTime<Utc>,
    /// The terms the grant is under after this change; for `NeedsReconsent`, the new
    /// terms the app published (which the cardholder has not accepted yet).
    pub terms_version: u32,
    /// SHA-256 of the terms text for `terms_version`, as shown to the cardholder.
    pub terms_hash: Sha256Digest,
}

impl ConsentChange {
    /// Records `action` as it produced `grant` (the state after the transition).
    pub fn recording(
        action: ConsentAction,
        grant: &Grant,
        device_id: impl Into<String>,
        terms_hash: Sha256Digest,
    ) -> ConsentChange {
        let terms_version = match (action, grant.pending_terms_version) {
            (ConsentAction::NeedsReconsent, Some(pending)) => pending,
            _ => grant.terms_version,
        };
        ConsentChange {
            action,
            grant_id: grant.id.clone(),
            grant: grant.details(),
            device_id: device_id.into(),
            at: grant.changed_at,
            terms_version,
            terms_hash,
        }
    }
}

/// One link of the consent ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub seq: u64,
    pub prev_hash: Sha256Digest,
    pub action: ConsentAction,
    pub grant_id: String,
    pub grant: GrantDetails,
    pub device_id: String,
    pub at: DateTime<Utc>,
    pub terms_version: u32,
    pub terms_hash: Sha256Digest,
    pub hash: Sha256Digest,
}

/// What is wrong with a ledger link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkFault {
    #[error("expected sequence number {expected}, found {found}")]
    Sequence { expected: u64, found: u64 },
    #[error("it does not point at the previous entry's hash")]
    PrevHash,
    #[error("its content does not match its hash (it was altered)")]
    Hash,
}

/// The first broken link of a ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("consent ledger entry {seq} is broken: {reason}")]
pub struct BrokenLink {
    /// The sequence number the entry should have (its position in the chain).
    pub seq: u64,
    pub reason: LinkFault,
}

impl LedgerEntry {
    /// The entry that follows `prev` (`None` for the first one).
    pub fn next(prev: Option<&LedgerEntry>, change: ConsentChange) -> LedgerEntry {
        let (seq, prev_hash) = prev.map_or((1, Sha256Digest::ZERO), |p| (p.seq + 1, p.hash));
        let ConsentChange {
            action,
            grant_id,
            grant,
            device_id,
            at,
            terms_version,
            terms_hash,
        } = change;
        let mut entry = LedgerEntry {
            seq,
            prev_hash,
            action,
            grant_id,
            grant,
            device_id,
            at,
            terms_version,
            terms_hash,
            hash: Sha256Digest::ZERO,
        };
        entry.hash = entry.compute_hash();
        entry
    }

    /// SHA-256 over `prev_hash` (32 raw bytes) followed by [`Self::canonical_bytes`].
    pub fn compute_hash(&self) -> Sha256Digest {
        let mut bytes = self.prev_hash.0.to_vec();
        bytes.extend(self.canonical_bytes());
        Sha256Digest::of(&bytes)
    }

    /// The canonical encoding, fields in this fixed order:
    ///
    /// ```text
    /// tag            str "consentry.ledger.v1"
    /// seq            u64
    /// action         str (wire name, e.g. "revoke")
    /// grant_id       str
    /// app_id         str
    /// card_token     str
    /// scope          str
    /// channels       u64 count, then each str, in the order card, nfc, voice, online
    /// trigger        str
    /// min_purchase   0x00 | 0x01 i64 minor, str currency code
    /// expires_at     0x00 | 0x01 time
    /// device_id      str
    /// at             time
    /// terms_version  u32
    /// terms_hash     32 raw bytes
    ///
    /// integers: big-endian, fixed width; str: u64 byte length, then UTF-8 bytes;
    /// time: i64 seconds since the Unix epoch, then u32 nanoseconds.
    /// ```
    ///
    /// `hash` and `prev_hash` are not part of it (`prev_hash` is chained in front).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Encoder(Vec::with_capacity(256));
        out.str(ENCODING_TAG);
        out.u64(self.seq);
        out.str(self.action.as_str());
        out.str(&self.grant_id);
        let g = &self.grant;
        out.str(&g.app_id);
        out.str(&g.card_token);
        out.str(g.scope.as_str());
        out.u64(g.channels.len() as u64);
        for channel in &g.channels {
            out.str(channel.as_str());
        }
        out.str(g.trigger.as_str());
        match &g.min_purchase {
            None => out.0.push(0),
            Some(money) => {
                out.0.push(1);
                out.0.extend(money.minor.to_be_bytes());
                out.str(money.currency.code());
            }
        }
        match &g.expires_at {
            None => out.0.push(0),
            Some(at) => {
                out.0.push(1);
                out.time(at);
            }
        }
        out.str(&self.device_id);
        out.time(&self.at);
        out.0.extend(self.terms_version.to_be_bytes());
        out.0.extend(self.terms_hash.0);
        out.0
    }

    pub fn key(&self) -> GrantKey {
        self.grant.key()
    }
}

struct Encoder(Vec<u8>);

impl Encoder {
    fn u64(&mut self, value: u64) {
        self.0.extend(value.to_be_bytes());
    }

    fn str(&mut self, value: &str) {
        self.u64(value.len() as u64);
        self.0.extend(value.as_bytes());
    }

    fn time(&mut self, at: &DateTime<Utc>) {
        self.0.extend(at.timestamp().to_be_bytes());
        self.0.extend(at.timestamp_subsec_nanos().to_be_bytes());
    }
}

/// An in-memory ledger that only ever grows by valid links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    entries: Vec<LedgerEntry>,
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Adopts stored entries after checking the whole chain.
    pub fn from_entries(entries: Vec<LedgerEntry>) -> Result<Ledger, BrokenLink> {
        Ledger::verify(&entries)?;
        Ok(Ledger { entries })
    }

    /// Chains `change` onto the end and returns the new entry.
    ///
    /// It does not judge the change: decide it with the [`Grant`] transitions first.
    pub fn append(&mut self, change: ConsentChange) -> &LedgerEntry {
        let entry = LedgerEntry::next(self.entries.last(), change);
        self.entries.push(entry);
        &self.entries[self.entries.len() - 1]
    }

    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    pub fn last(&self) -> Option<&LedgerEntry> {
        self.entries.last()
    }

    /// Current grants, as [`Ledger::replay`] of all entries.
    pub fn grants(&self) -> BTreeMap<GrantKey, Grant> {
        Ledger::replay(&self.entries)
    }

    /// The entries about one app × card × scope, in order.
    pub fn history<'a>(&'a self, key: &'a GrantKey) -> impl Iterator<Item = &'a LedgerEntry> {
        self.entries.iter().filter(move |e| e.grant.key() == *key)
    }

    /// Checks a whole chain from genesis; reports the first broken link.
    pub fn verify(entries: &[LedgerEntry]) -> Result<(), BrokenLink> {
        Ledger::verify_after(None, entries)
    }

    /// Checks `entries` as the continuation of an already trusted entry (`None`: genesis).
    pub fn verify_after(
        trusted: Option<&LedgerEntry>,
        entries: &[LedgerEntry],
    ) -> Result<(), BrokenLink> {
        let (mut expected_seq, mut prev_hash) =
            trusted.map_or((1, Sha256Digest::ZERO), |t| (t.seq + 1, t.hash));
        for entry in entries {
            let broken = |reason| BrokenLink {
                seq: expected_seq,
                reason,
            };
            if entry.seq != expected_seq {
                return Err(broken(LinkFault::Sequence {
                    expected: expected_seq,
                    found: entry.seq,
                }));
            }
            if entry.prev_hash != prev_hash {
                return Err(broken(LinkFault::PrevHash));
            }
            if entry.compute_hash() != entry.hash {
                return Err(broken(LinkFault::Hash));
            }
            prev_hash = entry.hash;
            expected_seq += 1;
        }
        Ok(())
    }

    /// Folds entries (in chain order) into the current grant of each app × card × scope.
    ///
    /// Replay trusts the entries' actions (check them with [`Ledger::verify`]); it is a
    /// total function so that a ledger received from elsewhere can always be shown.
    pub fn replay<'a>(
        entries: impl IntoIterator<Item = &'a LedgerEntry>,
    ) -> BTreeMap<GrantKey, Grant> {
        let mut grants = BTreeMap::new();
        for entry in entries {
            let key = entry.key();
            let previous = grants.get(&key);
            if let Some(next) = apply(previous, entry) {
                grants.insert(key, next);
            }
        }
        grants
    }
}

/// The state after `entry`, mirroring the transitions in `grant.rs`.
fn apply(previous: Option<&Grant>, entry: &LedgerEntry) -> Option<Grant> {
    let at = entry.at;
    let fresh = |version| {
        Grant::from_details(
            entry.grant_id.clone(),
            entry.grant.clone(),
            entry.terms_version,
            at,
            version,
        )
    };
    let previous = match (entry.action, previous) {
        (ConsentAction::Conflict, _) => return None,
        (ConsentAction::Grant, previous) => {
            return Some(fresh(previous.map_or(1, |p| p.version + 1)));
        }
        (_, Some(previous)) => previous.clone(),
        // A change to a grant this ledger never saw granted: start from the entry itself.
        (_, None) => fresh(0),
    };
    let mut next = Grant {
        id: entry.grant_id.clone(),
        channels: entry.grant.channels.clone(),
        trigger: entry.grant.trigger,
        min_purchase: entry.grant.min_purchase,
        expires_at: entry.grant.expires_at,
        changed_at: at,
        version: previous.version + 1,
        ..previous
    };
    match entry.action {
        ConsentAction::Revoke => {
            next.status = GrantStatus::Revoked;
            next.pending_terms_version = None;
            next.terms_version = entry.terms_version;
        }
        ConsentAction::Renew => {
            next.status = GrantStatus::Active;
            next.terms_version = entry.terms_version;
        }
        ConsentAction::Expire => {
            next.status = GrantStatus::Expired;
            next.terms_version = entry.terms_version;
        }
        ConsentAction::NeedsReconsent => {
            next.status = GrantStatus::NeedsReconsent;
            next.pending_terms_version = Some(entry.terms_version);
        }
        ConsentAction::Reconsent => {
            next.status = GrantStatus::Active;
            next.terms_version = entry.terms_version;
            next.pending_terms_version = None;
        }
        ConsentAction::Grant | ConsentAction::Conflict => {}
    }
    Some(next)
}
