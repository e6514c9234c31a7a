//! What the UI and the CLI show about sync ([`SyncStatus`], published on a
//! `tokio::sync::watch` channel) and what a pass did ([`SyncCounters`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::SyncErrorInfo;

/// The sync state for the status bar, the settings screen and `consentry status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SyncStatus {
    /// Whether the wallet is connected to a platform.
    pub enrolled: bool,
    /// A pass is running right now.
    pub syncing: bool,
    /// The end of the last pass that completed without error.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Consent changes not yet acknowledged by the platform.
    pub pending_outbox: u64,
    /// Why the last pass failed; `None` once one succeeds.
    pub last_error: Option<SyncErrorInfo>,
    /// When the next attempt is due (a change waiting for its retry, or the feed backing off).
    pub next_retry_at: Option<DateTime<Utc>>,
    /// Deliveries kept in quarantine (bad signature, malformed, unknown type).
    pub quarantined: u64,
    /// Stored events flagged as consent violations.
    pub violations: u64,
    /// Events stored since this syncer started: a change means new activity to show.
    pub events_received: u64,
    /// Conflicts settled since this syncer started (each is also in the consent ledger).
    pub conflicts: u64,
    /// Open conflicts: this device's changes that another device's change beat at the
    /// platform, kept in the wallet until the cardholder dismisses them.
    #[serde(default)]
    pub open_conflicts: u64,
    /// Stretches of the feed skipped because they could not be read, still open (retried).
    #[serde(default)]
    pub feed_gaps: u64,
    /// Signing keys the platform lists that no trusted key endorsed (refused).
    #[serde(default)]
    pub unendorsed_keys: u64,
    /// Grant states the platform reported that no device of the cardholder signed.
    #[serde(default)]
    pub platform_claims: u64,
    /// This device is in the cardholder's device chain (its changes can be sent).
    #[serde(default)]
    pub paired: bool,
}

/// Running totals of what the syncer did (since it started, or for one pass).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCounters {
    /// `PUT /v1/grants` requests sent (first sends and retries).
    pub changes_sent: u64,
    /// Changes the platform applied on first receipt.
    pub changes_applied: u64,
    /// Answers the platform replayed for a repeated request (`Idempotent-Replayed`): a
    /// duplicate send suppressed, applied once.
    pub replays_suppressed: u64,
    /// Requests that failed and were rescheduled.
    pub retries: u64,
    /// Changes settled as conflicts (409).
    pub conflicts: u64,
    /// Changes the platform refused for good (other 4xx).
    pub rejected: u64,
    /// Remote grant states recorded in the ledger.
    pub remote_changes: u64,
    /// Feed deliveries received.
    pub deliveries: u64,
    /// Events stored (new).
    pub events_stored: u64,
    /// Deliveries dropped as duplicates (within a page or already stored).
    pub duplicate_deliveries: u64,
    /// Deliveries quarantined.
    pub quarantined: u64,
    /// Events fetched again on their own (bad signature or stale timestamp).
    pub refetched: u64,
    /// Deliveries whose timestamp was outside the tolerance.
    pub stale_deliveries: u64,
    /// Events stored marked late (see `deliveries.rs`).
    pub late_events: u64,
    /// Ids delivered again with another body (quarantined).
    pub equivocations: u64,
    /// Stretches of the feed skipped.
    pub gaps_opened: u64,
    /// Skipped stretches read after all.
    pub gaps_closed: u64,
    /// Grant states kept as platform claims.
    pub platform_claims: u64,
}

impl SyncCounters {
    /// `self - earlier`, field by field.
    pub fn since(&self, earlier: &SyncCounters) -> SyncCounters {
        SyncCounters {
            changes_sent: self.changes_sent - earlier.changes_sent,
            changes_applied: self.changes_applied - earlier.changes_applied,
            replays_suppressed: self.replays_suppressed - earlier.replays_suppressed,
            retries: self.retries - earlier.retries,
            conflicts: self.conflicts - earlier.conflicts,
            rejected: self.rejected - earlier.rejected,
            remote_changes: self.remote_changes - earlier.remote_changes,
            deliveries: self.deliveries - earlier.deliveries,
            events_stored: self.events_stored - earlier.events_stored,
            duplicate_deliveries: self.duplicate_deliveries - earlier.duplicate_deliveries,
            quarantined: self.quarantined - earlier.quarantined,
            refetched: self.refetched - earlier.refetched,
            stale_deliveries: self.stale_deliveries - earlier.stale_deliveries,
            late_events: self.late_events - earlier.late_events,
            equivocations: self.equivocations - earlier.equivocations,
            gaps_opened: self.gaps_opened - earlier.gaps_opened,
            gaps_closed: self.gaps_closed - earlier.gaps_closed,
            platform_claims: self.platform_claims - earlier.platform_claims,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub counters: SyncCounters,
    /// Consent changes still waiting for the platform after the pass.
    pub pending_outbox: u64,
}
