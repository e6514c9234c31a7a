//! Reconciliation: read every grant the platform has (`GET /v1/grants`) and adopt what this
//! device missed — a safety net beside the feed's `consent.changed` events (a wallet that
//! joins late, a feed cursor reset, an event quarantined). Grants with local changes still
//! pending are left to the drain; everything adopted is a remote ledger entry.
//!
//! Cards and devices too (`cards.rs`): a card the cardholder linked before this device
//! joined, and the names of the cardholder's devices.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use consentry_domain::GrantKey;

use crate::engine::Engine;
use crate::error::SyncError;
use crate::remote::Adoption;
use crate::wire::RemoteGrant;

impl Engine {
    /// Returns how many grants were adopted.
    pub(crate) async fn reconcile(&mut self, now: DateTime<Utc>) -> Result<u64, SyncError> {
        let remote = self.client()?.grants_with_changes().await?;
        // Several platform grants for one app × card × scope (devices that did not use
        // `grant_id_for`): the most recently changed one is the state.
        let mut by_key: BTreeMap<GrantKey, RemoteGrant> = BTreeMap::new();
        for reported in remote {
            let grant = &reported.grant;
            let key = grant.key();
            let newer = by_key.get(&key).is_none_or(|r| {
                (grant.changed_at, grant.version) > (r.grant.changed_at, r.grant.version)
            });
            if newer {
                by_key.insert(key, reported);
            }
        }
        self.adopt_cards(now).await?;
        // Names only: a platform that cannot list devices does not stop reconciliation.
        if let Err(e) = self.refresh_devices(now).await {
            tracing::warn!(error = %e, "could not read the cardholder's devices");
        }
        let pending = self.pending_keys().await?;
        let mut adopted = 0;
        for grant in by_key.values() {
            if self.adopt(grant, None, true, &pending, None, now).await? == Adoption::Recorded {
                adopted += 1;
            }
        }
        self.health.last_reconcile_at = Some(now);
        Ok(adopted)
    }
}
