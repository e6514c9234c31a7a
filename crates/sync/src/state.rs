//! What the engine remembers between passes, grouped by the step that owns it: the drain's
//! requests in flight and known versions ([`Outgoing`]), the feed's trust and read position
//! ([`FeedState`]), this device's key and place in the chain ([`DeviceState`]), and how the
//! passes went ([`PassHealth`]). Plain data; the steps that change it live in their modules.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use consentry_domain::{DeviceChain, DeviceKey};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::backoff::Backoff;
use crate::error::{SyncError, SyncErrorInfo};
use crate::status::SyncCounters;
use crate::sync_state::{InFlightMap, Versions};
use crate::webhook::FeedVerifier;
use crate::wire::SigningKeyInfo;

/// The drain's: requests sent and not yet settled, and the platform versions they build on.
#[derive(Default)]
pub(crate) struct Outgoing {
    pub in_flight: InFlightMap,
    /// `in_flight` differs from what is stored.
    pub in_flight_dirty: bool,
    /// The platform version of each grant as this device knows it.
    pub versions: Versions,
}

/// The feed's: whom it trusts, where it read to, and what it could not read.
#[derive(Default)]
pub(crate) struct FeedState {
    /// Checks deliveries against the enrolled signing keys; a new one after every change of
    /// keys (checks made ahead with an older one are not reused).
    pub verifier: Option<std::sync::Arc<FeedVerifier>>,
    /// Keys are re-read from the platform at most once per pass.
    pub keys_refreshed: bool,
    /// When the last complete read of the feed started (dates late events).
    pub read_at: Option<DateTime<Utc>>,
    /// Passes stopped by each stale delivery, by event id (see `feed.rs`).
    pub stale_tries: HashMap<String, u32>,
    /// The cursor after which the feed could not be read, and in how many passes.
    pub unreadable_at: Option<(u64, u32)>,
    /// Keys the platform lists that no trusted key endorsed (refused).
    pub unendorsed_keys: Vec<SigningKeyInfo>,
}

/// This device's: its signing key and its place in the cardholder's device chain.
#[derive(Default)]
pub(crate) struct DeviceState {
    /// Loaded or made by `device.rs`.
    pub key: Option<DeviceKey>,
    /// The chain as last verified.
    pub chain: Option<DeviceChain>,
    /// This device is in the chain.
    pub paired: bool,
    /// Pairing codes this device shows.
    pub pairing_codes: Vec<PairingCode>,
    /// The grants held before changes were signed have been signed (read once from the wallet).
    pub existing_signed: bool,
}

/// A pairing code this device shows, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingCode {
    /// `ABCDE-FGHJK`: ten letters, about 46 bits.
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// How the passes went: counters since the syncer started, and the backoff after failures.
#[derive(Default)]
pub(crate) struct PassHealth {
    pub counters: SyncCounters,
    /// Consecutive failed passes, for the backoff of the feed and reconciliation.
    pub failures: u32,
    pub next_retry_at: Option<DateTime<Utc>>,
    pub last_error: Option<SyncErrorInfo>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_reconcile_at: Option<DateTime<Utc>>,
}

impl PassHealth {
    /// Records the outcome of a pass for the status and the backoff.
    pub fn note(
        &mut self,
        result: Result<(), &SyncError>,
        now: DateTime<Utc>,
        backoff: &Backoff,
        rng: &mut StdRng,
    ) {
        match result {
            Ok(()) => {
                self.forget_failures();
                self.last_success_at = Some(now);
            }
            Err(e) => {
                self.failures = self.failures.saturating_add(1);
                self.last_error = Some(e.info());
                self.next_retry_at = e
                    .is_retryable()
                    .then(|| backoff.next_attempt(self.failures, e.retry_after(), now, rng));
            }
        }
    }

    /// A fresh start (a new enrollment): no error shown, no wait before the next pass.
    pub fn forget_failures(&mut self) {
        self.failures = 0;
        self.next_retry_at = None;
        self.last_error = None;
    }
}
